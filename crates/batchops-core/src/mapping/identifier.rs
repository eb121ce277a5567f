//! Identifiers: the model codes and part numbers a description carries, read apart from its words.
//!
//! An identifier is evidence, not a word: it is compared exactly, normalised only for case and
//! separators (`EZ-XS88W` = `ezxs88w`, `010-10231-01` = `0101023101`), never with a typo allowance.
//! A piece of a description is an identifier when it is
//!
//! - letters and digits mixed, at least [`MIN_LEN`] characters once normalised, and not a measure
//!   the signature reads (`M8x40`, `P120`, `600x600mm`); a number followed by letters (`300W`,
//!   `16GB`, `8-Port`) is a quantity with its unit, not an identifier;
//! - a run of at least [`MIN_DIGITS`] digits (`706018`, `7-11719-70670-0`), without a decimal point;
//! - or the last part of a title after ` - `, written in capitals (`Speaker Stand - EFSATSIII`),
//!   in a title that has lower-case letters elsewhere.
//!
//! Codes after `for`, `fits` or `compatible` name another product (`Ink Cartridge for PIXMA
//! MP480`): they stay words of the description, compared as codes are, not its identifiers. A
//! suffix after a slash short enough to be a variant letter stays with its code (`DVPFX820/L`).
//!
//! Two identifiers are **variants** when one extends the other by at most [`VARIANT_SUFFIX`]
//! letters (`FS105` and `FS105NA`, `PM1327` and `PM1327BK`): a regional or colour suffix, or
//! another product; evidence for review, never for an automatic match. They are **related** when
//! they are variants, one holds the other whole (`USGSKB` in `NDSUSGSKB`, an item number in its
//! UPC), or both share a stem up to their first long digit run and differ after it (`MMV4205BAQ`
//! and `MMV4205BT`): related codes are never a veto, and without a code both sides carry they
//! make the pair a review.

use super::lexicon::Lexicon;

/// The shortest identifier with letters, normalised.
pub const MIN_LEN: usize = 4;

/// The shortest identifier of digits only.
pub const MIN_DIGITS: usize = 5;

/// The most letters a variant suffix adds to an identifier.
pub const VARIANT_SUFFIX: usize = 4;

/// Words after which the codes of a title name another product.
const REFERENCE_WORDS: &[&str] = &["for", "fits", "compatible"];

/// Characters a piece of a title may be wrapped in.
const WRAPPING: &[char] = &[
    '(', ')', '[', ']', '{', '}', ',', ';', ':', '"', '\'', '!', '?', '*', '.',
];

/// An identifier normalised: lower case, separators (`-`, `.`, `/`) left out.
fn normalise(piece: &str) -> String {
    piece
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .flat_map(|c| c.to_lowercase())
        .collect()
}

/// Whether a normalised identifier is made of digits only.
pub fn digits_only(id: &str) -> bool {
    id.chars().all(|c| c.is_ascii_digit())
}

/// `a` and `b` are variants of one code: one extends the other by a few letters (`fs105`,
/// `fs105na`). A code that goes on with more digits is another model (`fs105`, `fs1050`).
pub fn variants(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short.len() >= MIN_LEN
        && long.len() > short.len()
        && long.len() - short.len() <= VARIANT_SUFFIX
        && long.starts_with(short)
        && long[short.len()..].chars().all(|c| c.is_ascii_alphabetic())
}

/// `a` and `b` are related codes (two normalised identifiers): [`variants`], or
///
/// - one holds the other whole, not at its start (`usgskb` in `ndsusgskb`; an item number inside
///   its UPC: `97076` in `711719707608`);
/// - both share their stem, everything up to the end of their first run of at least
///   [`STEM_DIGITS`] digits, and differ only after it (`mmv4205baq`, `mmv4205bt`: a colour or
///   region suffix; `el6985a`, `el6985b`).
///
/// Two codes whose digits differ are not related (`mb225lla`, `mb226lla`).
pub fn related(a: &str, b: &str) -> bool {
    if a == b {
        return false;
    }
    if variants(a, b) {
        return true;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.starts_with(short) {
        return false;
    }
    if short.len() >= MIN_DIGITS && long.contains(short) {
        return true;
    }
    matches!((stem(a), stem(b)), (Some(x), Some(y)) if x == y)
}

/// The role a code's shape suggests. Two codes of one role that do not pair name two products;
/// codes of two roles may name one product in two numberings (a maker's catalog number
/// `0615B002` and its model name `PG40BK`; an item number and a model name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Digits only: an item number, a UPC or EAN.
    Number,
    /// Letters and digits, starting with a digit: a maker's catalog number (`2757B003`).
    Catalog,
    /// Letters and digits, starting with a letter: a model name (`XSIREB1855S`, `EZXS88W`).
    Model,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Number, Role::Catalog, Role::Model];

    /// The role of a normalised identifier.
    pub fn of(id: &str) -> Role {
        if digits_only(id) {
            Role::Number
        } else if id.starts_with(|c: char| c.is_ascii_digit()) {
            Role::Catalog
        } else {
            Role::Model
        }
    }
}

/// The shortest digit run that ends a code's stem.
pub const STEM_DIGITS: usize = 3;

/// A code's stem: up to the end of its first run of at least [`STEM_DIGITS`] digits, when
/// something follows it and the stem has at least [`MIN_LEN`] characters (`mmv4205` of
/// `mmv4205baq`).
fn stem(id: &str) -> Option<&str> {
    let bytes = id.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i - start >= STEM_DIGITS {
                return (i >= MIN_LEN && i < bytes.len()).then(|| &id[..i]);
            }
        } else {
            i += 1;
        }
    }
    None
}

/// Letters and digits with single inner separators (`-` or `.`), nothing else.
fn code_shaped(piece: &str) -> bool {
    !piece.is_empty()
        && piece
            .split(['-', '.'])
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Whether a piece of text reads as measures only (`M8x40`, `600x600mm`): the signature's reading,
/// passed in by it.
pub type MeasuresOnly<'a> = &'a dyn Fn(&str) -> bool;

/// Whether `piece` (as written) is an identifier; `tail`: it is the whole last part of the title.
fn identifier(
    piece: &str,
    tail: bool,
    title_has_lower: bool,
    lex: &Lexicon,
    measures_only: MeasuresOnly,
) -> Option<String> {
    if !code_shaped(piece) {
        return None;
    }
    let id = normalise(piece);
    let has_digit = id.chars().any(|c| c.is_ascii_digit());
    if !has_digit {
        let capitals = !piece.chars().any(|c| c.is_lowercase());
        return (tail && capitals && title_has_lower && id.len() >= MIN_LEN && !lex.knows(&id))
            .then_some(id);
    }
    if digits_only(&id) {
        return (id.len() >= MIN_DIGITS && !piece.contains('.')).then_some(id);
    }
    // A number with its unit (`300W`, `16GB`, `8-Port`): one run of digits, then letters.
    let first_digit = id.starts_with(|c: char| c.is_ascii_digit());
    let runs = id
        .as_bytes()
        .windows(2)
        .filter(|w| w[0].is_ascii_digit() != w[1].is_ascii_digit())
        .count()
        + 1;
    if first_digit && runs == 2 && !tail {
        return None;
    }
    (id.len() >= MIN_LEN && !measures_only(piece)).then_some(id)
}

/// The pieces of a chunk: split at slashes and brackets, a short suffix after a slash kept with
/// the code before it (`DVPFX820/L`, `MB226LL/A`).
fn pieces(chunk: &str) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    for (i, c) in chunk
        .char_indices()
        .chain(std::iter::once((chunk.len(), ' ')))
    {
        if i == chunk.len() || matches!(c, '/' | '(' | ')' | '[' | ']') {
            let joins = i > start
                && out.last().is_some_and(|&(s, e)| {
                    chunk[e..].starts_with('/')
                        && e + 1 == start
                        && chunk[s..e].chars().any(|c| c.is_ascii_digit())
                        && chunk[s..e].chars().any(|c| c.is_ascii_alphabetic())
                })
                && i - start <= VARIANT_SUFFIX
                && chunk[start..i].chars().all(|c| c.is_ascii_alphanumeric());
            if joins {
                if let Some(last) = out.last_mut() {
                    last.1 = i;
                }
            } else if i > start {
                out.push((start, i));
            }
            start = i + c.len_utf8();
        }
    }
    out
}

/// The identifiers of a description (sorted, without repeats) and its text with them blanked out,
/// for the signature to read the rest.
pub fn extract(
    description: &str,
    lex: &Lexicon,
    measures_only: MeasuresOnly,
) -> (String, Vec<Box<str>>) {
    let title_has_lower = description.chars().any(|c| c.is_lowercase());
    let tail_at = description.rfind(" - ").map(|p| p + 3);
    let mut rest = String::with_capacity(description.len());
    let mut ids: Vec<Box<str>> = Vec::new();
    let mut reference = false;
    let mut last = 0;
    let mut chunks = description
        .split_whitespace()
        .map(|c| (c.as_ptr() as usize - description.as_ptr() as usize, c))
        .peekable();
    while let Some((at, chunk)) = chunks.next() {
        if chunk.chars().all(|c| c == '-') {
            reference = false; // a new part of the title
            continue;
        }
        let lower = chunk.to_lowercase();
        if REFERENCE_WORDS.contains(&lower.trim_matches(WRAPPING)) {
            reference = true;
            continue;
        }
        if reference {
            continue;
        }
        let whole_tail = tail_at == Some(at) && chunks.peek().is_none();
        // The last part of a title is one code, slashes and all (`TV/LCDS`, `MDRJ10/BLUE`).
        let tail_code = whole_tail
            .then(|| chunk.trim_matches(WRAPPING))
            .filter(|t| t.contains('/') && code_shaped(&t.replace('/', "-")))
            .map(|t| {
                let s = chunk.find(t).unwrap_or(0);
                vec![(s, s + t.len())]
            });
        for (s, e) in tail_code.unwrap_or_else(|| pieces(chunk)) {
            let raw = &chunk[s..e];
            let trimmed = raw.trim_matches(WRAPPING);
            let shaped = trimmed.replace('/', "-");
            let Some(id) = identifier(&shaped, whole_tail, title_has_lower, lex, measures_only)
            else {
                continue;
            };
            // `967562-0403`, `F3H982-10`: the code before a suffix is the product's code too,
            // so the suffix reads as a variant of it.
            if let Some((first, _)) = shaped.split_once('-')
                && let Some(stem) = identifier(first, false, title_has_lower, lex, measures_only)
                && !ids.iter().any(|x| **x == *stem)
            {
                ids.push(stem.into());
            }
            rest.push_str(&description[last..at + s]);
            rest.push(' ');
            last = at + e;
            if !ids.iter().any(|x| **x == *id) {
                ids.push(id.into());
            }
        }
    }
    rest.push_str(&description[last..]);
    ids.sort();
    (rest, ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(s: &str) -> Vec<String> {
        let lex = Lexicon::builtin();
        extract(s, &lex, &|p| {
            super::super::signature::measures_only(p, &lex)
        })
        .1
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    #[test]
    fn model_codes_are_read_whatever_their_separators() {
        assert_eq!(
            ids("Linksys EtherFast EZXS88W Ethernet Switch - EZXS88W"),
            ["ezxs88w"]
        );
        assert_eq!(ids("Panasonic Black Toner Cartridge - KX-FA83"), ["kxfa83"]);
        assert_eq!(
            ids("Garmin Canvas Deluxe Carry Case - 010-10231-01"),
            ["0101023101"]
        );
        assert_eq!(ids("LaCie Pocket Floppy Disk Drive - 706018"), ["706018"]);
        assert_eq!(ids("Sanus Speaker Stand - EFSATSIII"), ["efsatsiii"]);
        assert_eq!(ids("Sony DVP-FX820/L Portable DVD Player"), ["dvpfx820l"]);
        assert_eq!(ids("Logitech Z-2300 Speaker System"), ["z2300"]);
    }

    #[test]
    fn measures_quantities_and_references_are_not_identifiers() {
        for s in [
            "Hex Bolt M8x40mm Zinc",
            "LED Panel 600x600mm 36W 4000K",
            "Sanding Discs 125mm P120 Pack of 10",
            "Belkin 8-Port 10/100 Switch 300W 16GB",
            "Quicken Deluxe 2007",
            "Hose Clip 10-16mm Stainless W4",
            "Cable 2.5mm 3 core - Black",
            "ALL CAPS TITLE - BLACK",
        ] {
            assert!(ids(s).is_empty(), "{s}: {:?}", ids(s));
        }
        assert_eq!(
            ids("Canon Ink Cartridge For PIXMA MP240 and MP480 - 2976B001"),
            ["2976b001"]
        );
    }

    #[test]
    fn a_short_letter_suffix_is_a_variant_never_the_same_code() {
        assert!(variants("fs105", "fs105na"));
        assert!(variants("pm1327bk", "pm1327"));
        assert!(!variants("fs105", "fs1050"));
        assert!(!variants("fs105", "fs105"));
        assert!(!variants("efsatb", "efsats"));
    }

    #[test]
    fn a_code_inside_another_or_one_stem_with_other_suffixes_is_related() {
        assert!(related("fs105", "fs105na"));
        assert!(related("usgskb", "ndsusgskb"));
        assert!(related("97076", "711719707608"));
        assert!(related("mmv4205baq", "mmv4205bt"));
        assert!(related("el6985a", "el6985b"));
        assert!(!variants("usgskb", "ndsusgskb"));
        assert!(!variants("mmv4205baq", "mmv4205bt"));
        // Other digits, or more of them: another model.
        assert!(!related("mb226lla", "mb225lla"));
        assert!(!related("chs40001", "chs4001"));
        assert!(!related("ts8gsdhc6", "ts8gsdhc7"));
        assert!(!related("fs105", "fs1050"));
        assert!(!related("efsatb", "efsats"));
    }

    #[test]
    fn a_codes_role_is_read_from_its_shape() {
        assert_eq!(Role::of("711719707608"), Role::Number);
        assert_eq!(Role::of("0615b002"), Role::Catalog);
        assert_eq!(Role::of("pg40bk"), Role::Model);
    }
}
