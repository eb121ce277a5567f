//! A description read as a typed signature: attributes (thread, measures with their unit, counts,
//! gauge, size, grade, colour, finish, material, kinds, codes) and the words that remain.
//!
//! Numbers are never characters to an edit distance: `40mm`, `40 mm`, `4cm` and `M8x40` all read as
//! `length 40` (mm), and `40` against `50` is a different value, full stop. The reading follows the
//! lexicon (`lexicon.toml`): phrases and abbreviations first, then units, counts, sizes, classes.
//!
//! ```text
//! "Hex bolt m8x40mm ZP, pk50"  →  words [bolt hex]
//!                                  thread {m8} · length {40} · finish {zinc} · count {50}
//! ```

use super::lexicon::Lexicon;
use super::tokens::{Tok, Token, prepare, tokenize};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Attribute name → the values stated (sorted). A name is a dimension (`length`, `volume`, …), or
/// `thread`, `count`, `gauge`, `size`, `grade`, `code`, `number`, a class (`colour`, `finish`,
/// `material`) or `kind <group>`.
pub type Attributes = BTreeMap<Box<str>, BTreeSet<Box<str>>>;

/// What a description says, typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signature {
    pub attributes: Attributes,
    /// Alphabetic words that remain, canonical (abbreviations expanded, plurals folded), sorted,
    /// without repeats. Kind words are here too (they are also attributes).
    pub words: Vec<Box<str>>,
    /// The product's own identifiers (model codes, part numbers), normalised for case and
    /// separators only, sorted, without repeats (see [`super::identifier`]).
    pub ids: Vec<Box<str>>,
    /// The first of `words` as written: where a catalog names the maker (`Sony …`, `Hex …`).
    pub lead: Option<Box<str>>,
}

/// The prefix of attribute names compared only when both sides state them.
pub const KIND_PREFIX: &str = "kind ";

impl Signature {
    /// The canonical key: two descriptions with the same key say the same thing. Used for learned
    /// aliases, exact names and the grouping of held lines.
    pub fn key(&self) -> String {
        let mut s = self.words.join(" ");
        for (name, values) in &self.attributes {
            if name.starts_with(KIND_PREFIX) {
                continue; // the kind words are in `words` already
            }
            let _ = write!(s, " | {name}=");
            let mut first = true;
            for v in values {
                if !first {
                    s.push(',');
                }
                first = false;
                s.push_str(v);
            }
        }
        if !self.ids.is_empty() {
            let _ = write!(s, " | id={}", self.ids.join(","));
        }
        s.trim().to_string()
    }

    fn add(&mut self, name: &str, value: impl Into<Box<str>>) {
        self.attributes
            .entry(name.into())
            .or_default()
            .insert(value.into());
    }
}

/// A value with the unit it was written in, for display: `length 40 mm`.
pub fn describe_attribute(name: &str, value: &str, lex: &Lexicon) -> String {
    let base = lex
        .units
        .values()
        .find(|u| &*u.dimension == name && u.factor == Decimal::ONE)
        .map(|u| &*u.base);
    match (name, base) {
        (n, _) if n.starts_with(KIND_PREFIX) => format!("{} {value}", &n[KIND_PREFIX.len()..]),
        (n, Some(unit)) => format!("{n} {value} {unit}"),
        (n, None) => format!("{n} {value}"),
    }
}

fn is_word(t: &Token) -> bool {
    matches!(&t.tok, Tok::Word(w) if w.chars().all(char::is_alphabetic))
}

/// The texts of the tokens from `i` on with each hyphen that joins two words left out
/// (`powder-free` reads as the phrase `powder free`), and how many tokens each prefix of them
/// spans.
fn unhyphenated(tokens: &[Token], i: usize, max: usize) -> (Vec<Box<str>>, Vec<usize>) {
    let (mut texts, mut spans) = (Vec::new(), Vec::new());
    let mut j = i;
    while j < tokens.len() && texts.len() < max {
        let joins = j > i
            && tokens[j].tok == Tok::Sym('-')
            && tokens[j].glued
            && is_word(&tokens[j - 1])
            && tokens.get(j + 1).is_some_and(|n| n.glued && is_word(n));
        if !joins {
            texts.push(tokens[j].text.clone());
            spans.push(j + 1 - i);
        }
        j += 1;
    }
    (texts, spans)
}

/// Single letters joined by slashes, `p/f` or `w/o`: an initialism, read as one word (`pf`).
/// Not after `size`, where `S/M` names two sizes.
fn initialism(tokens: &[Token], i: usize) -> Option<(Box<str>, usize)> {
    let letter = |t: &Token| is_word(t) && t.text.chars().count() == 1;
    if i > 0 && matches!(&*tokens[i - 1].text, "size" | "sz") {
        return None;
    }
    let mut word = String::new();
    let mut j = i;
    while tokens.get(j).is_some_and(letter) {
        word.push_str(&tokens[j].text);
        let slash = tokens
            .get(j + 1)
            .is_some_and(|t| t.tok == Tok::Sym('/') && t.glued);
        if !(slash && tokens.get(j + 2).is_some_and(|t| t.glued && letter(t))) {
            break;
        }
        j += 2;
    }
    (word.chars().count() >= 2).then(|| (word.into(), j + 1 - i))
}

/// Phrases and abbreviations rewritten to their canonical words.
fn apply_lexicon(tokens: Vec<Token>, lex: &Lexicon) -> Vec<Token> {
    let mut out = Vec::with_capacity(tokens.len());
    let push_words = |out: &mut Vec<Token>, words: &[Box<str>], glued: bool| {
        for (k, w) in words.iter().enumerate() {
            out.push(Token {
                tok: Tok::Word(w.clone()),
                text: w.clone(),
                glued: glued && k == 0,
            });
        }
    };
    let texts: Vec<Box<str>> = tokens.iter().map(|t| t.text.clone()).collect();
    let mut i = 0;
    'outer: while i < tokens.len() {
        for len in (2..=lex.max_phrase.min(tokens.len() - i)).rev() {
            if let Some(words) = lex.phrases.get(&texts[i..i + len]) {
                push_words(&mut out, words, tokens[i].glued);
                i += len;
                continue 'outer;
            }
        }
        let (texts, spans) = unhyphenated(&tokens, i, lex.max_phrase);
        if spans.last().is_some_and(|&n| n > texts.len()) {
            for len in (2..=texts.len()).rev() {
                if let Some(words) = lex.phrases.get(&texts[..len]) {
                    push_words(&mut out, words, tokens[i].glued);
                    i += spans[len - 1];
                    continue 'outer;
                }
            }
        }
        if let Some((len, words)) = lex.phrase_near(&texts) {
            push_words(&mut out, words, tokens[i].glued);
            i += spans[len - 1];
            continue;
        }
        if let Some((word, len)) = initialism(&tokens, i) {
            let glued = tokens[i].glued;
            match lex.words.get(&*word) {
                Some(words) => push_words(&mut out, words, glued),
                None => push_words(&mut out, std::slice::from_ref(&word), glued),
            }
            i += len;
            continue;
        }
        let t = &tokens[i];
        match (&t.tok, lex.words.get(&*t.text)) {
            (Tok::Word(_), Some(words)) => push_words(&mut out, words, t.glued),
            _ => out.push(t.clone()),
        }
        i += 1;
    }
    out
}

/// `bolts` → `bolt`; words ending in `ss` (`brass`) and short words stay.
fn fold_plural(word: &str) -> &str {
    if word.len() >= 4 && word.ends_with('s') && !word.ends_with("ss") && !word.ends_with("us") {
        &word[..word.len() - 1]
    } else {
        word
    }
}

/// Decimal text without trailing zeros: `40.0` → `40`, `9.5250` → `9.525`.
fn canon(d: Decimal) -> String {
    d.normalize().to_string()
}

/// A dimension and the factor to its base unit.
type DimUnit = (std::sync::Arc<str>, Decimal);

struct Reader<'a> {
    t: &'a [Token],
    i: usize,
    lex: &'a Lexicon,
    sig: Signature,
    words: BTreeSet<Box<str>>,
}

impl Reader<'_> {
    fn num(&self, at: usize) -> Option<Decimal> {
        match self.t.get(at)?.tok {
            Tok::Num(d) => Some(d),
            _ => None,
        }
    }
    fn word(&self, at: usize) -> Option<&str> {
        match &self.t.get(at)?.tok {
            Tok::Word(w) => Some(w),
            _ => None,
        }
    }
    fn sym(&self, at: usize) -> Option<char> {
        match self.t.get(at)?.tok {
            Tok::Sym(c) => Some(c),
            _ => None,
        }
    }
    fn glued(&self, at: usize) -> bool {
        self.t.get(at).is_some_and(|t| t.glued)
    }

    /// A number at `at`: a decimal, a fraction `3/8` or a mixed number `1-1/4`, `1 1/4`.
    /// Returns the value, the index after it and whether it held a fraction.
    fn value(&self, at: usize) -> Option<(Decimal, usize, bool)> {
        let a = self.num(at)?;
        // a/b
        if self.sym(at + 1) == Some('/')
            && self.glued(at + 1)
            && let (Some(b), true) = (self.num(at + 2), self.glued(at + 2))
        {
            if b.is_zero() {
                return None;
            }
            return Some((a.checked_div(b)?, at + 3, true));
        }
        // a-b/c or a b/c (a whole number before a fraction)
        let frac_at = if self.sym(at + 1) == Some('-') && self.glued(at + 1) {
            at + 2
        } else {
            at + 1
        };
        if a.fract().is_zero()
            && self.num(frac_at).is_some()
            && self.sym(frac_at + 1) == Some('/')
            && self.glued(frac_at + 1)
            && let (Some(b), Some(c)) = (self.num(frac_at), self.num(frac_at + 2))
            && !c.is_zero()
            && b < c
        {
            return Some((a + b.checked_div(c)?, frac_at + 3, true));
        }
        Some((a, at + 1, false))
    }

    /// A unit right after a number: `mm`, `"`, `mm2` (`mm` glued to `2`).
    fn unit_at(&self, at: usize) -> Option<(&super::lexicon::Unit, usize)> {
        if self.sym(at) == Some('"') {
            return self.lex.unit("\"").map(|u| (u, at + 1));
        }
        let w = self.word(at)?;
        if let Some(n) = self.num(at + 1)
            && self.glued(at + 1)
        {
            let joined = format!("{w}{}", canon(n));
            if let Some(u) = self.lex.unit(&joined) {
                return Some((u, at + 2));
            }
        }
        self.lex.unit(w).map(|u| (u, at + 1))
    }

    fn run(mut self) -> Signature {
        while self.i < self.t.len() {
            let before = self.i;
            match &self.t[self.i].tok {
                Tok::Num(_) => self.number(),
                Tok::Word(_) => self.word_token(),
                Tok::Sym('#') => self.hash(),
                Tok::Sym(_) => self.i += 1,
            }
            if self.i == before {
                self.i += 1;
            }
        }
        let mut sig = self.sig;
        sig.words = self.words.into_iter().collect();
        sig
    }

    /// A number and what follows it: a measure chain (`300 x 4.8mm`), a range (`8-12mm`), an
    /// imperial thread (`1/4-20`), a count (`50pk`, `100/box`), a size (`2xl`), or a bare number.
    fn number(&mut self) {
        let start = self.i;
        let Some((v1, mut at, fraction)) = self.value(start) else {
            self.i += 1;
            return;
        };
        // Sizes written with a number: `2xl`.
        if let Some(w) = self.word(at)
            && self.glued(at)
        {
            let joined = format!("{}{w}", self.t[start].text);
            if self.lex.sizes.contains(joined.as_str()) {
                self.sig.add("size", joined);
                self.i = at + 1;
                return;
            }
        }
        // Range or imperial thread: v1 - v2 [unit]
        if self.sym(at) == Some('-')
            && let Some((v2, after, _)) = self.value(at + 1)
        {
            if let Some((unit, next)) = self.unit_at(after) {
                let (dim, f) = (unit.dimension.clone(), unit.factor);
                self.sig
                    .add(&dim, format!("{}-{}", canon(v1 * f), canon(v2 * f)));
                self.i = next;
                return;
            }
            if fraction {
                self.sig
                    .add("thread", format!("{}-{}", canon(v1), canon(v2)));
            } else {
                self.sig
                    .add("number", format!("{}-{}", canon(v1), canon(v2)));
            }
            self.i = after;
            return;
        }
        // A chain of values joined by x, each with an optional unit; a unit at the end applies
        // to the values before it that have none.
        let mut chain: Vec<(Decimal, Option<DimUnit>)> = Vec::new();
        let mut cur = v1;
        loop {
            let unit = self.unit_at(at);
            let unit = match unit {
                Some((u, next)) => {
                    at = next;
                    Some((u.dimension.clone(), u.factor))
                }
                None => None,
            };
            chain.push((cur, unit));
            if self.word(at) == Some("x")
                && let Some((v, next, _)) = self.value(at + 1)
            {
                cur = v;
                at = next;
                continue;
            }
            break;
        }
        let last_unit = chain.iter().rev().find_map(|(_, u)| u.clone());
        match last_unit {
            Some(unit) => {
                // `600x600mm` states two lengths of 600: the second is kept as `600#2`, so it
                // differs from `1200x600mm`.
                let mut seen: Vec<(std::sync::Arc<str>, String)> = Vec::new();
                for (v, u) in &chain {
                    let (dim, f) = u.clone().unwrap_or_else(|| unit.clone());
                    let value = canon(*v * f);
                    let repeat = seen
                        .iter()
                        .filter(|(d, x)| *d == dim && *x == value)
                        .count();
                    seen.push((dim.clone(), value.clone()));
                    if repeat == 0 {
                        self.sig.add(&dim, value);
                    } else {
                        self.sig.add(&dim, format!("{value}#{}", repeat + 1));
                    }
                }
                self.i = at;
            }
            None if chain.len() > 1 => {
                let text: Vec<String> = chain.iter().map(|(v, _)| canon(*v)).collect();
                self.sig.add("number", text.join("x"));
                self.i = at;
            }
            None => {
                // A count after the number: `50 pack`, `100pcs`, `100/box`, `10 off`.
                let after_per = if self.word(at) == Some("per") {
                    at + 1
                } else {
                    at
                };
                let count_word = self
                    .word(after_per)
                    .filter(|w| self.lex.counts.contains(*w));
                if count_word.is_some() && v1.fract().is_zero() {
                    self.sig.add("count", canon(v1));
                    self.i = after_per + 1;
                } else if self.sym(at) == Some('/')
                    && self
                        .word(at + 1)
                        .is_some_and(|w| self.lex.counts.contains(w))
                {
                    self.sig.add("count", canon(v1));
                    self.i = at + 2;
                } else {
                    let text = canon(v1);
                    if self.lex.grades.contains(text.as_str()) {
                        self.sig.add("grade", text);
                    } else {
                        self.sig.add("number", text);
                    }
                    self.i = at;
                }
            }
        }
    }

    /// `#8` (a gauge) or `#10-24` (a thread).
    fn hash(&mut self) {
        let at = self.i + 1;
        if let Some(n) = self.num(at) {
            if self.sym(at + 1) == Some('-')
                && let Some(p) = self.num(at + 2)
            {
                self.sig
                    .add("thread", format!("#{}-{}", canon(n), canon(p)));
                self.i = at + 3;
            } else {
                self.sig.add("gauge", canon(n));
                self.i = at + 1;
            }
        } else {
            self.i += 1;
        }
    }

    fn word_token(&mut self) {
        let i = self.i;
        let Some(w) = self.word(i) else {
            self.i += 1;
            return;
        };
        let w: Box<str> = w.into();
        let next_num = self.num(i + 1).filter(|_| self.glued(i + 1));
        let next_any_num = self.num(i + 1);
        match &*w {
            // Metric thread: M8, M8x1.25, then an optional length: M8 x 40, M8x1.25x40mm.
            "m" if next_num.is_some() => {
                let Some((d, mut at, _)) = self.value(i + 1) else {
                    self.i += 1;
                    return;
                };
                let mut thread = format!("m{}", canon(d));
                if self.word(at) == Some("x")
                    && let Some((p, after, _)) = self.value(at + 1)
                    && !p.fract().is_zero()
                    && p <= Decimal::new(35, 1)
                    && self.unit_at(after).is_none()
                {
                    let _ = write!(thread, "x{}", canon(p));
                    at = after;
                }
                self.sig.add("thread", thread);
                if self.word(at) == Some("x")
                    && let Some((len, after, _)) = self.value(at + 1)
                {
                    match self.unit_at(after) {
                        Some((u, next)) => {
                            let (dim, f) = (u.dimension.clone(), u.factor);
                            self.sig.add(&dim, canon(len * f));
                            at = next;
                        }
                        None => {
                            self.sig.add("length", canon(len));
                            at = after;
                        }
                    }
                }
                self.i = at;
            }
            // Ø8 / dia 8: a nominal size like M8; with a unit, a length.
            "dia" | "diameter" if next_any_num.is_some() => {
                if let Some((d, at, _)) = self.value(i + 1)
                    && self.unit_at(at).is_none()
                {
                    self.sig.add("thread", format!("m{}", canon(d)));
                    self.i = at;
                } else {
                    self.i += 1; // the number reads as a measure
                }
            }
            "no" if next_any_num.is_some() => {
                if let Some(n) = next_any_num {
                    self.sig.add("gauge", canon(n));
                }
                self.i = i + 2;
            }
            "p" if next_num.is_some() => {
                if let Some(n) = next_num {
                    self.sig.add("grit", canon(n));
                }
                self.i = i + 2;
            }
            "grit" | "gauge" if next_any_num.is_some() => {
                let name = if &*w == "grit" { "grit" } else { "gauge" };
                if let Some(n) = next_any_num {
                    self.sig.add(name, canon(n));
                }
                self.i = i + 2;
            }
            "grade" | "class" if next_any_num.is_some() => {
                if let Some((n, at, _)) = self.value(i + 1) {
                    self.sig.add("grade", canon(n));
                    self.i = at;
                }
            }
            "size" | "sz" if self.word(i + 1).is_some() || next_any_num.is_some() => {
                if let Some(n) = next_any_num {
                    let (v, at) = self.value(i + 1).map_or((n, i + 2), |(v, at, _)| (v, at));
                    self.sig.add("size", canon(v));
                    self.i = at;
                } else if let Some(s) = self.word(i + 1).and_then(|s| {
                    if self.lex.sizes.contains(s) {
                        Some(Box::<str>::from(s))
                    } else {
                        self.lex.size_names.get(s).cloned()
                    }
                }) {
                    self.sig.add("size", s);
                    self.i = i + 2;
                } else {
                    self.i += 1;
                }
            }
            // x50, x 100: a count when no measure came before (a chain consumes its own x).
            "x" if next_any_num.is_some() => {
                if let Some((n, at, _)) = self.value(i + 1)
                    && n.fract().is_zero()
                    && self.unit_at(at).is_none()
                {
                    self.sig.add("count", canon(n));
                    self.i = at;
                } else {
                    self.i += 1;
                }
            }
            c if self.lex.counts.contains(c) => {
                // Pack of 50, pk50, box 100.
                let at = if self.word(i + 1) == Some("of") {
                    i + 2
                } else {
                    i + 1
                };
                match self.num(at) {
                    Some(n) if n.fract().is_zero() && self.unit_at(at + 1).is_none() => {
                        self.sig.add("count", canon(n));
                        self.i = at + 1;
                    }
                    // A count word without a count may name the product (`Box Beam`,
                    // `Box Spanner`): a word like any other.
                    _ => {
                        self.plain_word(&w);
                        self.i = i + 1;
                    }
                }
            }
            _ if next_num.is_some() => {
                // Letters glued to digits: a grade (A2) or a code (S1P, W4), compared exactly.
                let mut code = String::from(&*w);
                let mut at = i + 1;
                while at < self.t.len()
                    && self.glued(at)
                    && matches!(self.t[at].tok, Tok::Num(_) | Tok::Word(_))
                {
                    code.push_str(&self.t[at].text);
                    at += 1;
                }
                if self.lex.grades.contains(code.as_str()) {
                    self.sig.add("grade", code);
                } else {
                    self.sig.add("code", code);
                }
                self.i = at;
            }
            s if self.lex.sizes.contains(s) && !self.glued(i) => {
                self.sig.add("size", s);
                self.i += 1;
            }
            s if self.lex.grades.contains(s) => {
                self.sig.add("grade", s);
                self.i += 1;
            }
            _ => {
                self.plain_word(&w);
                self.i += 1;
            }
        }
    }

    fn plain_word(&mut self, w: &str) {
        if self.lex.stopwords.contains(w) || w.chars().count() < 1 {
            return;
        }
        // A misspelt lexicon word (`Staimless`) is read as the word it means.
        let known = |w: &str| {
            self.lex.classes.contains_key(w)
                || self.lex.kinds.contains_key(w)
                || self.lex.words.contains_key(w)
        };
        let corrected;
        let w = if !known(w) && !known(fold_plural(w)) {
            match self.lex.correct(w) {
                Some(c) => {
                    corrected = c.to_string();
                    corrected.as_str()
                }
                None => w,
            }
        } else {
            w
        };
        let folded: Box<str> = match self.lex.words.get(fold_plural(w)) {
            Some(words) if words.len() == 1 => words[0].clone(),
            _ => fold_plural(w).into(),
        };
        if self.lex.stopwords.contains(&*folded) {
            return;
        }
        if let Some(class) = self
            .lex
            .classes
            .get(w)
            .or_else(|| self.lex.classes.get(&*folded))
        {
            let class = class.clone();
            self.sig.add(&class, folded);
            return;
        }
        if let Some(groups) = self
            .lex
            .kinds
            .get(w)
            .or_else(|| self.lex.kinds.get(&*folded))
        {
            for g in groups.clone() {
                self.sig.add(&format!("{KIND_PREFIX}{g}"), folded.clone());
            }
        }
        if w.chars().any(|c| c.is_ascii_digit()) {
            self.sig.add("code", folded);
        } else {
            if self.sig.lead.is_none() {
                self.sig.lead = Some(folded.clone());
            }
            self.words.insert(folded);
        }
    }
}

/// Read a description: its identifiers first ([`super::identifier`]), then the rest of the text.
pub fn signature(description: &str, lex: &Lexicon) -> Signature {
    let (rest, ids) =
        super::identifier::extract(description, lex, &|piece| measures_only(piece, lex));
    let mut sig = read(&rest, lex);
    sig.ids = ids;
    sig
}

/// Whether a piece of text reads as measures only (`M8x40`, `P120`, `600x600mm`, `pk50`): no
/// words, codes or bare numbers, so it is not an identifier.
pub(crate) fn measures_only(text: &str, lex: &Lexicon) -> bool {
    let sig = read(text, lex);
    // A size letter (`MX-350` read as size m) or a count or grit of more than four digits
    // (`P502025`) is a code read as a measure by accident.
    let measure = |name: &str, values: &std::collections::BTreeSet<Box<str>>| match name {
        "code" | "number" | "size" => false,
        "count" | "grit" => values.iter().all(|v| v.len() <= 4),
        _ => true,
    };
    sig.words.is_empty()
        && !sig.attributes.is_empty()
        && sig.attributes.iter().all(|(n, v)| measure(n, v))
}

/// Read a text without looking for identifiers.
fn read(description: &str, lex: &Lexicon) -> Signature {
    let unit = |w: &str| lex.unit(w).is_some();
    let mut tokens = apply_lexicon(tokenize(&prepare(description), &unit), lex);
    // "Size - 9", "Size / L": a separator after "size" says nothing.
    let mut k = 1;
    while k < tokens.len() {
        let after_size =
            matches!(&tokens[k - 1].tok, Tok::Word(w) if &**w == "size" || &**w == "sz");
        if after_size && matches!(tokens[k].tok, Tok::Sym('-' | '/')) {
            tokens.remove(k);
        } else {
            k += 1;
        }
    }
    Reader {
        t: &tokens,
        i: 0,
        lex,
        sig: Signature::default(),
        words: BTreeSet::new(),
    }
    .run()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(s: &str) -> Signature {
        signature(s, &Lexicon::builtin())
    }

    fn attrs(s: &str) -> Vec<String> {
        sig(s)
            .attributes
            .iter()
            .filter(|(k, _)| !k.starts_with(KIND_PREFIX))
            .map(|(k, v)| {
                let vs: Vec<&str> = v.iter().map(|x| &**x).collect();
                format!("{k}={}", vs.join(","))
            })
            .collect()
    }

    #[test]
    fn compact_and_spaced_metric_spellings_read_the_same() {
        let a = sig("Hex Bolt M8 x 40mm Zinc");
        for s in [
            "Hex bolt m8x40mm zinc",
            "hex bolt M8x40 zinc plated",
            "Zinc Plated Hex Bolts M8 X 40 MM",
            "HEX BOLT M8×40MM ZP",
            "Hex Bolt M8 x 4cm Zinc",
        ] {
            assert_eq!(sig(s).key(), a.key(), "{s}");
        }
        assert_eq!(
            attrs("Hex Bolt M8 x 40mm Zinc"),
            ["length=40", "material=zinc", "thread=m8"]
        );
    }

    #[test]
    fn numbers_are_values_not_characters() {
        assert_ne!(
            sig("Hex Bolt M8 x 50mm Zinc").key(),
            sig("Hex Bolt M8 x 40mm Zinc").key()
        );
        assert_eq!(attrs("M8x1.25x40mm"), ["length=40", "thread=m8x1.25"]);
        assert_eq!(attrs("1-1/4\" pipe"), ["length=31.75"]);
        assert_eq!(attrs("1¼\" pipe"), ["length=31.75"]);
        assert_eq!(attrs("Bolt 1/4-20"), ["thread=0.25-20"]);
        assert_eq!(attrs("Hose Clip 8-12mm"), ["length=8-12"]);
        assert_eq!(attrs("Cable 2.5mm² 3 core"), ["area=2.5", "core=3"]);
        assert_eq!(attrs("Cable Ties 300mm x 4.8mm"), ["length=300,4.8"]);
        assert_ne!(attrs("LED Panel 600x600mm"), attrs("LED Panel 1200x600mm"));
        assert_eq!(attrs("Boots Size - 9"), ["size=9"]);
        assert_eq!(attrs("Gloves 100 per box"), ["count=100"]);
        assert_eq!(
            attrs("LED Panel 600x600mm 36W 4000K"),
            ["colour temperature=4000", "length=600,600#2", "power=36"]
        );
        assert_eq!(attrs("Emulsion 2.5L"), ["volume=2500"]);
        assert_eq!(attrs("Emulsion 2500ml"), ["volume=2500"]);
    }

    #[test]
    fn counts_gauges_sizes_grades_and_codes() {
        for s in [
            "Pack of 50",
            "50pk",
            "pk50",
            "50 pcs",
            "x50",
            "50/box",
            "Box of 50",
            "50 off",
            "Bx50",
            "box50",
        ] {
            assert_eq!(attrs(s), ["count=50"], "{s}");
        }
        assert_eq!(attrs("Screw No.8"), ["gauge=8"]);
        assert_eq!(attrs("Screw #8"), ["gauge=8"]);
        assert_eq!(attrs("Gloves Size XL"), ["size=xl"]);
        assert_eq!(attrs("Gloves Size Extra Large"), ["size=xl"]);
        assert_eq!(attrs("Gloves Size Large"), ["size=l"]);
        assert!(attrs("Paint Roller Medium Pile").is_empty());
        assert_eq!(attrs("Gloves L"), ["size=l"]);
        assert_eq!(attrs("Boots Size 9"), ["size=9"]);
        assert_eq!(attrs("Bolt Grade 8.8"), ["grade=8.8"]);
        assert_eq!(
            attrs("Nut Stainless A2"),
            ["grade=a2", "material=stainless"]
        );
        assert_eq!(attrs("Boots S1P"), ["code=s1p"]);
        assert_eq!(attrs("Sanding Discs P120"), ["grit=120"]);
    }

    #[test]
    fn abbreviations_phrases_and_plurals() {
        assert_eq!(
            sig("Flat Washers M8 SS").key(),
            sig("flat washer m8 stainless steel").key()
        );
        assert_eq!(
            sig("Hex Bolt M8 HDG").key(),
            sig("hex bolt m8 hot dip galvanized").key()
        );
        assert_eq!(sig("Cable tie blk").key(), sig("Cable ties black").key());
        assert_eq!(
            sig("Wood Screw CSK Pozi").key(),
            sig("wood screws countersunk pozidriv").key()
        );
        assert_eq!(sig("Washer Ø8").key(), sig("Washer M8").key());
    }

    #[test]
    fn a_hyphen_between_words_reads_like_a_space_and_slashed_letters_as_one_word() {
        assert_eq!(
            sig("Nitrile Gloves Powder-Free").key(),
            sig("Nitrile Gloves Powder Free").key()
        );
        assert_eq!(
            sig("Hex Bolt M8 Hot-Dip Galvanised").key(),
            sig("Hex Bolt M8 HDG").key()
        );
        assert_eq!(
            sig("Self-Tapping Screw").key(),
            sig("self tapping screw").key()
        );
        assert_eq!(sig("Gloves P/F").words, vec!["glove".into(), "pf".into()]);
        // `S/M` after `size` is two sizes, not a word; a range keeps its hyphen.
        assert!(!sig("Gloves Size S/M").words.iter().any(|w| &**w == "sm"));
        assert_eq!(attrs("Hose Clip 16-27mm"), attrs("hose clip 16-27 mm"));
    }

    #[test]
    fn a_count_word_without_a_count_is_a_word() {
        assert!(
            sig("Spirit Level 1000mm Box Beam")
                .words
                .iter()
                .any(|w| &**w == "box")
        );
        assert_eq!(attrs("Cable Ties Box of 100"), attrs("cable ties 100/box"));
        assert!(
            !sig("Cable Ties Box of 100")
                .words
                .iter()
                .any(|w| &**w == "box")
        );
    }

    #[test]
    fn a_phrase_with_one_word_misspelt_is_still_the_phrase() {
        for (written, meant) in [
            ("Hex Bolt M8 Black Oxied", "Hex Bolt M8 Black Oxide"),
            ("Hex Nut M6 Zinc Plaed", "Hex Nut M6 Zinc Plated"),
            ("Hex Bolt M8 Hot Dip Gakvanized", "Hex Bolt M8 HDG"),
            ("Hose Clip Staimless Steel W4", "Hose Clip Stainless W4"),
            ("Safety Boots Syeel Toe", "Safety Boots Steel Toe"),
        ] {
            assert_eq!(sig(written).key(), sig(meant).key(), "{written}");
        }
        // Short words and numbers are never taken as misspelt; nor is a word the lexicon knows.
        assert_ne!(sig("Zinc Plaza").key(), sig("Zinc Plated").key());
        assert_ne!(sig("Steel Tie").key(), sig("Steel Toe").key());
        assert_ne!(sig("Black Nickel").key(), sig("Black Oxide").key());
    }

    #[test]
    fn colours_finishes_and_kinds_are_attributes() {
        let s = sig("Flat Washer M6 Zinc Black");
        assert!(s.attributes.contains_key("colour"));
        assert!(s.attributes.contains_key("material"));
        assert!(s.attributes.contains_key("kind washer"));
        assert!(s.words.iter().any(|w| &**w == "flat"));
        assert!(!s.words.iter().any(|w| &**w == "black"));
    }

    #[test]
    fn odd_input_never_panics() {
        for s in [
            "",
            "   ",
            "!!!",
            "1/0",
            "x",
            "m",
            "M",
            "#",
            "99999999999999999999999999999999 mm",
            "1-/2",
            "m8x",
            "x x x",
            "10-",
            "-5mm",
            "½",
            "Ø",
            "size",
            "pack of",
            "\u{0}",
            "ǅ",
        ] {
            let _ = sig(s).key();
        }
    }
}
