//! A catalog and a no-SKU batch with ground truth, for measuring how the matcher places stock.
//!
//! Products come from families with typed slots ("Hex Bolt {thread} x {length}mm {finish} Pack of
//! {count}"). The catalog holds a sample of them; the batch holds, in random order:
//!
//! - **variants**: a catalog product written the way invoices write it — case, word order,
//!   punctuation, unit spelling (`40 mm`, `4cm`, `2500ml`), compact forms (`M8x40`), trade
//!   abbreviations (`ZP`, `SS`, `Blk`, `CSK`, `50pk`; some that the shipped lexicon does not know),
//!   and typos (a letter swapped, dropped, doubled or hit next to the right key);
//! - **hard negatives**: a product that is *not* in the catalog and differs from one that is in a
//!   single slot (a length, thread, pack count, colour, size, finish, wattage, grit…), some
//!   written more than once with different spellings;
//! - **less specified**: a catalog product with one slot left out, so that several catalog
//!   products fit it;
//! - **unrelated**: products of families the catalog does not have.
//!
//! The generator knows what each line is; it never asks the matcher.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use std::collections::{HashMap, HashSet};

/// What a line of the batch is, for the accuracy table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Variant,
    HardNegative,
    LessSpecified,
    Unrelated,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Variant => "variant",
            Kind::HardNegative => "hard negative",
            Kind::LessSpecified => "less specified",
            Kind::Unrelated => "unrelated",
        }
    }
}

/// One line of the batch and its truth.
#[derive(Debug, Clone)]
pub struct TruthLine {
    pub description: String,
    pub kind: Kind,
    /// How a variant was written (`typo`, `abbreviation`, …); the kind's name otherwise.
    pub how: &'static str,
    /// The catalog SKU the line belongs on (variants), `None` for products not in the catalog.
    pub sku: Option<String>,
    /// A product's identity: lines with the same one name the same product (for "one new item
    /// per new product").
    pub product: String,
}

#[derive(Debug, Clone)]
pub struct MatchingSet {
    /// (sku, name) of the catalog.
    pub catalog: Vec<(String, String)>,
    pub lines: Vec<TruthLine>,
}

/// How many lines of each kind.
#[derive(Debug, Clone, Copy)]
pub struct Mix {
    pub catalog: usize,
    pub variants: usize,
    pub hard_negatives: usize,
    pub less_specified: usize,
    pub unrelated: usize,
}

impl Default for Mix {
    fn default() -> Self {
        Mix {
            catalog: 800,
            variants: 3_000,
            hard_negatives: 3_000,
            less_specified: 300,
            unrelated: 1_200,
        }
    }
}

/// What a slot holds: it decides how a value may be written.
#[derive(Debug, Clone, Copy, PartialEq)]
enum S {
    Thread,
    /// A length in mm written `40mm`.
    Mm,
    /// Metres written `3m`.
    Metre,
    /// `Pack of 50` / `Box of 100`.
    Pack,
    Boxed,
    Finish,
    Colour,
    Size,
    /// A word from a closed set (kind of washer, head, drive …).
    Word,
    Watt,
    Kelvin,
    Litre,
    Ml,
    Grit,
    /// `4 x 40mm` screws, `600x600mm` panels.
    Dims,
    Gang,
}

struct Slot {
    kind: S,
    values: &'static [&'static str],
}

/// A family: text parts and slots, in order. `{}` in a part is replaced by the next slot's value.
struct Family {
    template: &'static str,
    slots: &'static [Slot],
}

const fn slot(kind: S, values: &'static [&'static str]) -> Slot {
    Slot { kind, values }
}

static FAMILIES: &[Family] = &[
    Family {
        template: "Hex Bolt {} x {} {}{}",
        slots: &[
            slot(S::Thread, &["M5", "M6", "M8", "M10", "M12", "M16"]),
            slot(
                S::Mm,
                &[
                    "16mm", "20mm", "25mm", "30mm", "40mm", "50mm", "60mm", "80mm", "100mm",
                ],
            ),
            slot(
                S::Finish,
                &[
                    "Zinc Plated",
                    "Stainless A2",
                    "Stainless A4",
                    "Hot Dip Galvanized",
                    "Black Oxide",
                ],
            ),
            slot(
                S::Pack,
                &[
                    "",
                    " Pack of 10",
                    " Pack of 25",
                    " Pack of 50",
                    " Pack of 100",
                ],
            ),
        ],
    },
    Family {
        template: "{} Nut {} {} {}",
        slots: &[
            slot(S::Word, &["Hex", "Nyloc", "Flange", "Wing"]),
            slot(S::Thread, &["M4", "M5", "M6", "M8", "M10", "M12", "M16"]),
            slot(S::Finish, &["Zinc Plated", "Stainless A2", "Brass"]),
            slot(S::Boxed, &["Box of 50", "Box of 100", "Box of 200"]),
        ],
    },
    Family {
        template: "{} Washer {} {} {}",
        slots: &[
            slot(S::Word, &["Flat", "Penny", "Spring"]),
            slot(S::Thread, &["M4", "M5", "M6", "M8", "M10", "M12"]),
            slot(S::Finish, &["Zinc Plated", "Stainless A2", "Stainless A4"]),
            slot(S::Boxed, &["Box of 50", "Box of 100", "Box of 250"]),
        ],
    },
    Family {
        template: "{} Screw {} {} {} {}",
        slots: &[
            slot(S::Word, &["Wood", "Chipboard", "Decking"]),
            slot(
                S::Dims,
                &[
                    "3.5 x 30mm",
                    "4 x 40mm",
                    "4 x 50mm",
                    "5 x 60mm",
                    "5 x 80mm",
                    "6 x 100mm",
                ],
            ),
            slot(S::Word, &["Countersunk", "Pan Head"]),
            slot(S::Word, &["Pozidriv", "Torx", "Phillips"]),
            slot(S::Boxed, &["Box of 100", "Box of 200", "Box of 500"]),
        ],
    },
    Family {
        template: "Nitrile Gloves{} {} Size {} {}",
        slots: &[
            slot(S::Word, &["", " Powder Free"]),
            slot(S::Colour, &["Blue", "Black", "White"]),
            slot(S::Size, &["S", "M", "L", "XL"]),
            slot(S::Boxed, &["Box of 50", "Box of 100", "Box of 200"]),
        ],
    },
    Family {
        template: "Copper Pipe {} {}{}",
        slots: &[
            slot(S::Mm, &["10mm", "12mm", "15mm", "22mm", "28mm"]),
            slot(S::Metre, &["1m", "2m", "3m", "5m"]),
            slot(S::Word, &["", " Half Hard"]),
        ],
    },
    Family {
        template: "Cable Ties {} x {} {} {}",
        slots: &[
            slot(S::Mm, &["100mm", "150mm", "200mm", "300mm", "370mm"]),
            slot(S::Mm, &["2.5mm", "3.6mm", "4.8mm", "7.6mm"]),
            slot(S::Colour, &["Black", "Natural", "Red", "Blue"]),
            slot(S::Pack, &["Pack of 50", "Pack of 100"]),
        ],
    },
    Family {
        template: "LED Panel {} {} {}",
        slots: &[
            slot(S::Dims, &["600x600mm", "1200x300mm", "1200x600mm"]),
            slot(S::Watt, &["30W", "36W", "40W", "48W"]),
            slot(S::Kelvin, &["3000K", "4000K", "6500K"]),
        ],
    },
    Family {
        template: "{} {} {}",
        slots: &[
            slot(
                S::Colour,
                &["Brilliant White", "Magnolia", "Soft Grey", "Black"],
            ),
            slot(
                S::Word,
                &["Matt Emulsion", "Silk Emulsion", "Gloss", "Satinwood"],
            ),
            slot(S::Litre, &["1L", "2.5L", "5L", "10L"]),
        ],
    },
    Family {
        template: "Sanding Discs {} {} {}",
        slots: &[
            slot(S::Mm, &["115mm", "125mm", "150mm"]),
            slot(S::Grit, &["P40", "P60", "P80", "P120", "P180", "P240"]),
            slot(S::Pack, &["Pack of 10", "Pack of 25", "Pack of 50"]),
        ],
    },
    Family {
        template: "Extension Lead {} {} 13A",
        slots: &[
            slot(S::Metre, &["2m", "5m", "10m", "15m"]),
            slot(S::Gang, &["1 Gang", "2 Gang", "4 Gang", "6 Gang"]),
        ],
    },
    Family {
        template: "Hose Clip {} {}",
        slots: &[
            slot(
                S::Mm,
                &["8-12mm", "10-16mm", "12-22mm", "16-27mm", "20-32mm"],
            ),
            slot(
                S::Finish,
                &["Stainless W4", "Mild Steel W1", "Stainless W2"],
            ),
        ],
    },
    Family {
        template: "SDS Plus Masonry Drill Bit {} x {}",
        slots: &[
            slot(S::Mm, &["5mm", "6mm", "8mm", "10mm", "12mm"]),
            slot(S::Mm, &["110mm", "160mm", "210mm", "310mm"]),
        ],
    },
    Family {
        template: "Wall Plugs {} {} {}",
        slots: &[
            slot(S::Mm, &["5mm", "6mm", "7mm", "8mm", "10mm"]),
            slot(S::Colour, &["Brown", "Red", "Yellow", "Grey"]),
            slot(S::Pack, &["Pack of 50", "Pack of 100", "Pack of 200"]),
        ],
    },
    Family {
        template: "Safety Boots {} {} {} Size {}",
        slots: &[
            slot(S::Word, &["S1P", "S3", "SB"]),
            slot(S::Word, &["Steel Toe", "Composite Toe"]),
            slot(S::Colour, &["Black", "Brown"]),
            slot(S::Size, &["6", "7", "8", "9", "10", "11", "12"]),
        ],
    },
    Family {
        template: "Silicone Sealant {} {}",
        slots: &[
            slot(S::Colour, &["Clear", "White", "Black", "Grey"]),
            slot(S::Ml, &["290ml", "310ml", "380ml"]),
        ],
    },
];

/// Families the catalog never holds: the unrelated new products.
static NEW_FAMILIES: &[Family] = &[
    Family {
        template: "Garden Hose {} {} {}",
        slots: &[
            slot(S::Metre, &["15m", "25m", "30m", "50m"]),
            slot(S::Mm, &["12.5mm", "19mm"]),
            slot(S::Colour, &["Green", "Yellow", "Black"]),
        ],
    },
    Family {
        template: "Claw Hammer {} {} Handle",
        slots: &[
            slot(S::Word, &["16oz", "20oz", "24oz"]),
            slot(S::Word, &["Fibreglass", "Wooden", "Steel"]),
        ],
    },
    Family {
        template: "Padlock {} {} Shackle",
        slots: &[
            slot(S::Mm, &["30mm", "40mm", "50mm", "60mm"]),
            slot(S::Word, &["Brass", "Laminated Steel", "Long"]),
        ],
    },
    Family {
        template: "Tile Adhesive {} {}",
        slots: &[
            slot(S::Word, &["5kg", "10kg", "20kg"]),
            slot(S::Colour, &["White", "Grey"]),
        ],
    },
    Family {
        template: "Spirit Level {} {}",
        slots: &[
            slot(S::Mm, &["600mm", "1000mm", "1200mm", "1800mm"]),
            slot(S::Word, &["Box Beam", "I-Beam", "Torpedo"]),
        ],
    },
    Family {
        template: "Paint Roller {} {} Pile",
        slots: &[
            slot(S::Mm, &["100mm", "180mm", "230mm"]),
            slot(S::Word, &["Short", "Medium", "Long"]),
        ],
    },
];

/// A product: its family and the index of each slot's value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Product {
    new_family: bool,
    family: usize,
    values: Vec<usize>,
}

impl Product {
    fn family(&self) -> &'static Family {
        if self.new_family {
            &NEW_FAMILIES[self.family]
        } else {
            &FAMILIES[self.family]
        }
    }

    fn id(&self) -> String {
        format!(
            "{}{}:{:?}",
            if self.new_family { "n" } else { "f" },
            self.family,
            self.values
        )
    }

    /// The canonical name, with slot `skip` left out when given.
    fn render(&self, skip: Option<usize>, rng: &mut StdRng, vary: Option<&mut Vary>) -> String {
        squash_spaces(&self.parts(skip, rng, vary).join(" "))
    }

    /// The name as its parts: the template's words one by one, each slot's value whole (a value
    /// such as `M8` or `Box of 100` is moved or punctuated as one piece, as invoices do).
    fn parts(&self, skip: Option<usize>, rng: &mut StdRng, vary: Option<&mut Vary>) -> Vec<String> {
        let fam = self.family();
        let mut pieces = fam.template.split("{}");
        let mut out: Vec<String> = Vec::new();
        let push_words = |out: &mut Vec<String>, text: &str| {
            out.extend(text.split_whitespace().map(str::to_string));
        };
        push_words(&mut out, pieces.next().unwrap_or(""));
        let mut vary = vary;
        for (i, s) in fam.slots.iter().enumerate() {
            let raw = s.values[self.values[i]];
            if Some(i) != skip {
                let v = match vary.as_deref_mut() {
                    Some(v) => v.value(rng, s.kind, raw),
                    None => raw.to_string(),
                };
                let v = squash_spaces(&v);
                if !v.is_empty() {
                    // "Size 9" is one piece: the word belongs to its value.
                    if out.last().is_some_and(|w| w == "Size") {
                        let size = out.pop().unwrap_or_default();
                        out.push(format!("{size} {v}"));
                    } else {
                        out.push(v);
                    }
                }
            }
            push_words(&mut out, pieces.next().unwrap_or(""));
        }
        out
    }
}

fn squash_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The ways a value may be written on an invoice.
struct Vary {
    /// Which kind of variation this line gets (one named kind, for the table).
    how: &'static str,
}

fn pick<'a>(rng: &mut StdRng, xs: &[&'a str]) -> &'a str {
    xs[rng.random_range(0..xs.len())]
}

impl Vary {
    fn value(&mut self, rng: &mut StdRng, kind: S, raw: &str) -> String {
        match self.how {
            "unit spelling" => unit_spelling(rng, kind, raw),
            "compact" => compact(kind, raw),
            "abbreviation" => abbreviate(rng, kind, raw),
            _ => raw.to_string(),
        }
    }
}

fn split_num(raw: &str) -> (&str, &str) {
    let end = raw
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(raw.len());
    (&raw[..end], &raw[end..])
}

fn unit_spelling(rng: &mut StdRng, kind: S, raw: &str) -> String {
    let (n, u) = split_num(raw);
    match kind {
        S::Mm if !raw.contains('-') => {
            let tens = n.parse::<u32>().ok().filter(|v| v % 10 == 0);
            match (rng.random_range(0..4u32), tens) {
                (0, Some(v)) => format!("{}cm", v / 10),
                (1, _) => format!("{n} mm"),
                (2, _) => format!("{n}MM"),
                _ => format!("{n} millimetre"),
            }
        }
        S::Metre => pick(rng, &["{} m", "{}mtr", "{} metre", "{}M"]).replace("{}", n),
        S::Litre => {
            let ml = (n.parse::<f64>().unwrap_or(1.0) * 1000.0).round() as u64;
            match rng.random_range(0..3u32) {
                0 => format!("{ml}ml"),
                1 => format!("{n} Ltr"),
                _ => format!("{n} litre"),
            }
        }
        S::Ml => format!("{n} ml"),
        S::Watt => pick(rng, &["{} W", "{} Watt", "{}w"]).replace("{}", n),
        S::Kelvin => format!("{n} K"),
        S::Grit => format!("{} Grit", &raw[1..]),
        S::Gang => raw.replace(' ', ""),
        _ => {
            let _ = u;
            raw.to_string()
        }
    }
}

fn compact(kind: S, raw: &str) -> String {
    match kind {
        S::Dims => raw.replace(" x ", "x"),
        S::Mm | S::Metre | S::Watt | S::Ml | S::Litre => raw.replace(' ', ""),
        _ => raw.to_string(),
    }
}

fn abbreviate(rng: &mut StdRng, kind: S, raw: &str) -> String {
    let number = |s: &str| s.rsplit(' ').next().unwrap_or("").to_string();
    match (kind, raw) {
        (S::Finish, "Zinc Plated") => pick(rng, &["ZP", "BZP", "Zinc", "Zinc-Plated"]).into(),
        (S::Finish, r) if r.starts_with("Stainless") => r.replacen(
            "Stainless",
            pick(rng, &["SS", "S/S", "Stainless Steel", "Stainles"]),
            1,
        ),
        (S::Finish, "Hot Dip Galvanized") => pick(rng, &["HDG", "Galv", "Galvanised"]).into(),
        (S::Finish, "Mild Steel W1") => "MS W1".into(),
        (S::Colour, "Black") => pick(rng, &["Blk", "BLK", "blk"]).into(),
        (S::Colour, "White") => pick(rng, &["Wht", "WHT"]).into(),
        (S::Colour, "Grey") => pick(rng, &["Gry", "Gray"]).into(),
        (S::Colour, "Natural") => "Nat".into(),
        (S::Size, "L") => pick(rng, &["Large", "Lge"]).into(),
        (S::Size, "M") => pick(rng, &["Medium", "Med"]).into(),
        (S::Size, "S") => pick(rng, &["Small", "Sml"]).into(),
        (S::Size, "XL") => pick(rng, &["X-Large", "Extra Large", "XLarge"]).into(),
        (S::Word, "Countersunk") => pick(rng, &["CSK", "C/S", "Csk"]).into(),
        (S::Word, "Pozidriv") => pick(rng, &["Pozi", "PZ", "Pozidrive"]).into(),
        (S::Word, "Phillips") => pick(rng, &["PH", "Philips"]).into(),
        (S::Word, "Pan Head") => pick(rng, &["Pan Hd", "Pan"]).into(),
        (S::Word, "Chipboard") => "Chipbd".into(),
        (S::Word, " Powder Free") => pick(rng, &[" P/F", " PF", " Powder-Free"]).into(),
        (S::Word, "Steel Toe") => pick(rng, &["Steel Toecap", "ST"]).into(),
        (S::Pack, r) if !r.trim().is_empty() => {
            let n = number(r);
            let lead = if r.starts_with(' ') { " " } else { "" };
            format!(
                "{lead}{}",
                pick(rng, &["{}pk", "Pk {}", "{} pcs", "x{}", "{}/pk", "{} Pack"])
                    .replace("{}", &n)
            )
        }
        (S::Boxed, r) => {
            let n = number(r);
            pick(rng, &["Box {}", "{}/box", "{} pcs", "{} per box", "Bx{}"]).replace("{}", &n)
        }
        _ => raw.to_string(),
    }
}

/// Keys near each other on a QWERTY keyboard, for "hit the key next to it".
fn neighbour_key(c: char) -> char {
    const ROWS: [&str; 3] = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];
    for row in ROWS {
        if let Some(i) = row.find(c.to_ascii_lowercase()) {
            let b = row.as_bytes();
            let j = if i + 1 < b.len() { i + 1 } else { i - 1 };
            return b[j] as char;
        }
    }
    c
}

/// One typo in a word of five letters or more (never the first letter): swapped, dropped,
/// doubled, or the key next to it.
fn typo(rng: &mut StdRng, text: &str) -> Option<String> {
    let words: Vec<&str> = text.split(' ').collect();
    let long: Vec<usize> = (0..words.len())
        .filter(|&i| words[i].len() >= 5 && words[i].bytes().all(|b| b.is_ascii_alphabetic()))
        .collect();
    if long.is_empty() {
        return None;
    }
    let which = long[rng.random_range(0..long.len())];
    let mut w: Vec<char> = words[which].chars().collect();
    let i = rng.random_range(1..w.len() - 1);
    match rng.random_range(0..4u32) {
        0 if w[i] != w[i + 1] => w.swap(i, i + 1),
        1 => {
            w.remove(i);
        }
        2 => w.insert(i, w[i]),
        _ => w[i] = neighbour_key(w[i]),
    }
    let mut out: Vec<String> = words.iter().map(|s| s.to_string()).collect();
    out[which] = w.into_iter().collect();
    Some(out.join(" "))
}

fn change_case(rng: &mut StdRng, s: &str) -> String {
    match rng.random_range(0..3u32) {
        0 => s.to_lowercase(),
        1 => s.to_uppercase(),
        _ => s
            .split(' ')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| {
                        f.to_uppercase()
                            .chain(c.flat_map(char::to_lowercase))
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect::<Vec<String>>()
            .join(" "),
    }
}

/// Move the last piece to the front ("Zinc Plated Hex Bolt M8 x 40mm") or swap two neighbours.
fn reorder(rng: &mut StdRng, parts: &[String]) -> String {
    let mut w: Vec<String> = parts.to_vec();
    if w.len() < 3 {
        return w.join(" ");
    }
    if rng.random_bool(0.5) {
        w.rotate_right(1);
    } else {
        let i = rng.random_range(0..w.len() - 1);
        w.swap(i, i + 1);
    }
    w.join(" ")
}

/// Separators between the pieces: two spaces, a comma, a dash, a slash; sometimes a trailing one.
fn punctuate(rng: &mut StdRng, parts: &[String]) -> String {
    let mut out = String::new();
    for (i, t) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(pick(rng, &[" ", " ", "  ", ", ", " - ", " / "]));
        }
        out.push_str(t);
    }
    if rng.random_bool(0.3) {
        out.push_str(pick(rng, &[".", ",", " ;"]));
    }
    out
}

const VARIANT_KINDS: [&str; 9] = [
    "as written",
    "case",
    "word order",
    "punctuation",
    "unit spelling",
    "compact",
    "abbreviation",
    "typo",
    "mixed",
];

/// A variant of a product, of a named kind.
fn variant(rng: &mut StdRng, p: &Product) -> (String, &'static str) {
    let how = VARIANT_KINDS[rng.random_range(0..VARIANT_KINDS.len())];
    let text = match how {
        "as written" => p.render(None, rng, None),
        "case" => {
            let base = p.render(None, rng, None);
            change_case(rng, &base)
        }
        "word order" => {
            let parts = p.parts(None, rng, None);
            reorder(rng, &parts)
        }
        "punctuation" => {
            let parts = p.parts(None, rng, None);
            punctuate(rng, &parts)
        }
        "unit spelling" | "compact" | "abbreviation" => {
            p.render(None, rng, Some(&mut Vary { how }))
        }
        "typo" => {
            let base = p.render(None, rng, None);
            typo(rng, &base).unwrap_or(base)
        }
        _ => {
            // Several at once: an abbreviation, a compact form, then case or a typo.
            let how2 = if rng.random_bool(0.5) {
                "abbreviation"
            } else {
                "compact"
            };
            let t = p.render(None, rng, Some(&mut Vary { how: how2 }));
            if rng.random_bool(0.5) {
                typo(rng, &t).unwrap_or_else(|| change_case(rng, &t))
            } else {
                change_case(rng, &t)
            }
        }
    };
    (text, how)
}

/// A light variation for lines that are not variants (case or punctuation, sometimes none).
fn lightly(rng: &mut StdRng, p: &Product, skip: Option<usize>) -> String {
    let parts = p.parts(skip, &mut StdRng::seed_from_u64(0), None);
    match rng.random_range(0..4u32) {
        0 => change_case(rng, &parts.join(" ")),
        1 => punctuate(rng, &parts),
        _ => parts.join(" "),
    }
}

fn random_product(rng: &mut StdRng, new_family: bool) -> Product {
    let fams = if new_family { NEW_FAMILIES } else { FAMILIES };
    let family = rng.random_range(0..fams.len());
    let values = fams[family]
        .slots
        .iter()
        .map(|s| rng.random_range(0..s.values.len()))
        .collect();
    Product {
        new_family,
        family,
        values,
    }
}

/// Build a catalog and a batch with its truth. The same seed gives the same set.
pub fn build(mix: Mix, seed: u64) -> MatchingSet {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut in_catalog: HashSet<Product> = HashSet::new();
    let mut catalog: Vec<Product> = Vec::new();
    let mut attempts = 0;
    while catalog.len() < mix.catalog && attempts < mix.catalog * 50 {
        attempts += 1;
        let p = random_product(&mut rng, false);
        if in_catalog.insert(p.clone()) {
            catalog.push(p);
        }
    }
    let skus: Vec<String> = (0..catalog.len())
        .map(|i| format!("CAT-{:05}", i + 1))
        .collect();
    let mut lines = Vec::new();

    for _ in 0..mix.variants {
        let i = rng.random_range(0..catalog.len());
        let (description, how) = variant(&mut rng, &catalog[i]);
        lines.push(TruthLine {
            description,
            kind: Kind::Variant,
            how,
            sku: Some(skus[i].clone()),
            product: catalog[i].id(),
        });
    }

    // Hard negatives: one slot changed to a value that makes a product the catalog lacks; a new
    // product is written one to three times.
    let mut negatives = 0;
    let mut guard = 0;
    while negatives < mix.hard_negatives && guard < mix.hard_negatives * 100 {
        guard += 1;
        let base = &catalog[rng.random_range(0..catalog.len())];
        let fam = base.family();
        let s = rng.random_range(0..fam.slots.len());
        if fam.slots[s].values.len() < 2 {
            continue;
        }
        let mut p = base.clone();
        p.values[s] = rng.random_range(0..fam.slots[s].values.len());
        if p.values[s] == base.values[s] || in_catalog.contains(&p) {
            continue;
        }
        // A value that only adds or removes text ("" against " Pack of 10") is not a change
        // of an attribute both sides state.
        if fam.slots[s].values[p.values[s]].trim().is_empty()
            || fam.slots[s].values[base.values[s]].trim().is_empty()
        {
            continue;
        }
        let times = rng
            .random_range(1..=3usize)
            .min(mix.hard_negatives - negatives);
        for k in 0..times {
            let text = if k == 0 || rng.random_bool(0.5) {
                lightly(&mut rng, &p, None)
            } else {
                variant(&mut rng, &p).0
            };
            lines.push(TruthLine {
                description: text,
                kind: Kind::HardNegative,
                how: "one slot changed",
                sku: None,
                product: p.id(),
            });
        }
        negatives += times;
    }

    // Less specified: a catalog product with a slot left out that at least two catalog products
    // fill differently.
    let mut by_rest: HashMap<(usize, usize, Vec<usize>), usize> = HashMap::new();
    for p in &catalog {
        for s in 0..p.values.len() {
            let mut rest = p.values.clone();
            rest[s] = usize::MAX;
            *by_rest.entry((p.family, s, rest)).or_default() += 1;
        }
    }
    let mut less = 0;
    guard = 0;
    while less < mix.less_specified && guard < mix.less_specified * 200 {
        guard += 1;
        let i = rng.random_range(0..catalog.len());
        let p = &catalog[i];
        let s = rng.random_range(0..p.values.len());
        // A slot that may be empty ("" or " Pack of 10") cannot be left out: without it the
        // name is that of another product, not a less specified one.
        if p.family().slots[s]
            .values
            .iter()
            .any(|v| v.trim().is_empty())
        {
            continue;
        }
        let mut rest = p.values.clone();
        rest[s] = usize::MAX;
        if by_rest
            .get(&(p.family, s, rest.clone()))
            .copied()
            .unwrap_or(0)
            < 2
        {
            continue;
        }
        let text = lightly(&mut rng, p, Some(s));
        lines.push(TruthLine {
            description: text,
            kind: Kind::LessSpecified,
            how: "a slot left out",
            sku: None,
            product: format!("less:{}:{s}:{rest:?}", p.family),
        });
        less += 1;
    }

    for _ in 0..mix.unrelated {
        let p = random_product(&mut rng, true);
        let text = if rng.random_bool(0.5) {
            p.render(None, &mut rng, None)
        } else {
            variant(&mut rng, &p).0
        };
        lines.push(TruthLine {
            description: text,
            kind: Kind::Unrelated,
            how: "another family",
            sku: None,
            product: p.id(),
        });
    }

    lines.shuffle(&mut rng);
    let catalog = catalog
        .iter()
        .zip(&skus)
        .map(|(p, sku)| {
            (
                sku.clone(),
                p.render(None, &mut StdRng::seed_from_u64(0), None),
            )
        })
        .collect();
    MatchingSet { catalog, lines }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_set_has_the_mix_asked_for_and_is_deterministic() {
        let mix = Mix::default();
        let a = build(mix, 7);
        let b = build(mix, 7);
        assert_eq!(a.catalog, b.catalog);
        assert_eq!(a.lines.len(), b.lines.len());
        let count = |k: Kind| a.lines.iter().filter(|l| l.kind == k).count();
        assert_eq!(a.catalog.len(), mix.catalog);
        assert_eq!(count(Kind::Variant), mix.variants);
        assert_eq!(count(Kind::HardNegative), mix.hard_negatives);
        assert_eq!(count(Kind::LessSpecified), mix.less_specified);
        assert_eq!(count(Kind::Unrelated), mix.unrelated);
    }

    #[test]
    fn hard_negatives_are_not_in_the_catalog_and_variants_point_into_it() {
        let set = build(Mix::default(), 3);
        let names: HashSet<&str> = set.catalog.iter().map(|(_, n)| n.as_str()).collect();
        let skus: HashSet<&str> = set.catalog.iter().map(|(s, _)| s.as_str()).collect();
        for l in &set.lines {
            match l.kind {
                Kind::Variant => assert!(skus.contains(l.sku.as_deref().unwrap())),
                Kind::HardNegative if l.how == "one slot changed" => {
                    assert!(l.sku.is_none());
                    // Written as the product's name (case aside), it is no catalog name.
                    assert!(!names.contains(l.description.as_str()) || l.description.is_empty());
                }
                _ => assert!(l.sku.is_none()),
            }
        }
    }
}
