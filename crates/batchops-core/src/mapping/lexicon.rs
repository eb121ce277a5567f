//! The matching lexicon: phrases, abbreviations, stopwords, units, sizes, attribute classes and
//! kinds, read from `lexicon.toml` (shipped, compiled in) and an operator's file of the same shape.
//!
//! Data, not code: an operator who meets a new abbreviation adds it to their own file
//! (`--lexicon FILE` or `BATCHOPS_LEXICON=FILE`) instead of waiting for a release.

use super::{HashMap, HashSet};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

/// The lexicon shipped with batchops.
pub const BUILTIN: &str = include_str!("lexicon.toml");

/// The environment variable naming an operator's lexicon file.
pub const ENV: &str = "BATCHOPS_LEXICON";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LexiconFile {
    #[serde(default)]
    phrases: BTreeMap<String, String>,
    #[serde(default)]
    words: BTreeMap<String, String>,
    #[serde(default)]
    stopwords: WordList,
    #[serde(default)]
    counts: WordList,
    #[serde(default)]
    units: BTreeMap<String, UnitSpec>,
    #[serde(default)]
    sizes: SizeList,
    #[serde(default)]
    grades: WordList,
    #[serde(default)]
    attributes: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    kinds: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    brands: BrandList,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BrandList {
    #[serde(default)]
    words: Vec<String>,
    learned_from: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WordList {
    #[serde(default)]
    words: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SizeList {
    #[serde(default)]
    words: Vec<String>,
    /// Spelled-out sizes, read as sizes only right after "size".
    #[serde(default)]
    names: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitSpec {
    dimension: String,
    factor: String,
}

/// A unit: what it measures and its factor to the dimension's base unit.
#[derive(Debug, Clone)]
pub struct Unit {
    pub dimension: Arc<str>,
    pub factor: Decimal,
    /// The base unit's symbol (the unit whose factor is 1), for explanations.
    pub base: Arc<str>,
}

/// A phrase as the tokens it is written with.
type Phrase = Vec<Box<str>>;

/// The compiled lexicon.
#[derive(Debug, Default)]
pub struct Lexicon {
    /// Token sequence → replacement words.
    pub(crate) phrases: HashMap<Vec<Box<str>>, Vec<Box<str>>>,
    pub(crate) max_phrase: usize,
    pub(crate) words: HashMap<Box<str>, Vec<Box<str>>>,
    pub(crate) stopwords: HashSet<Box<str>>,
    pub(crate) counts: HashSet<Box<str>>,
    pub(crate) units: HashMap<Box<str>, Unit>,
    pub(crate) sizes: HashSet<Box<str>>,
    pub(crate) size_names: HashMap<Box<str>, Box<str>>,
    pub(crate) grades: HashSet<Box<str>>,
    /// Word → its attribute class (colour, finish, material).
    pub(crate) classes: HashMap<Box<str>, Arc<str>>,
    /// Word → the kind groups it belongs to.
    pub(crate) kinds: HashMap<Box<str>, Vec<Arc<str>>>,
    /// Makers and product lines named by the operator (the catalog teaches the rest).
    pub(crate) brands: HashSet<Box<str>>,
    /// A word that starts at least this many catalog item names is a maker's (0: none learned).
    pub(crate) brands_learned_from: u32,
    /// The lexicon's long words (seven letters or more) by themselves and with one letter left
    /// out: a misspelt `staimless` is read as `stainless` (see [`Lexicon::correct`]).
    vocabulary: HashMap<Box<str>, Vec<Box<str>>>,
    /// (position, token) → the phrases with that token there: the phrases a run of tokens may be
    /// with one word misspelt (see [`Lexicon::phrase_near`]).
    phrase_tokens: HashMap<(usize, Box<str>), Vec<Phrase>>,
    /// The SHA-256 of the source texts read, in order (each over the one before): a catalog read
    /// with another lexicon is not the one this lexicon reads ([`super::rules_fingerprint`]).
    pub(crate) digest: [u8; 32],
}

/// The shortest lexicon word a misspelling is corrected to: shorter words are too close to other
/// words (`block` is not `black`).
const CORRECTED_MIN_LEN: usize = 7;

/// A word with each letter left out in turn (the deletion neighbourhood a one-edit typo shares
/// with the word it misspells): the one definition the lexicon, the index and the vocabulary use.
pub(crate) fn deletions(word: &str) -> impl Iterator<Item = String> + '_ {
    let chars: Vec<char> = word.chars().collect();
    (0..chars.len()).map(move |skip| {
        chars
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, c)| *c)
            .collect()
    })
}

/// A lexicon file that cannot be used: which file and why (TOML errors name the line).
#[derive(Debug, thiserror::Error)]
#[error("lexicon {file}: {reason}")]
pub struct LexiconError {
    pub file: String,
    pub reason: String,
}

impl Lexicon {
    /// The shipped lexicon alone.
    pub fn builtin() -> Self {
        let mut lex = Lexicon::default();
        // The shipped file is tested (`the_shipped_lexicon_parses`); a broken one cannot be built.
        if let Err(e) = lex.add_source(BUILTIN, "lexicon.toml (built in)") {
            panic!("{e}");
        }
        lex.index_vocabulary();
        lex
    }

    fn index_vocabulary(&mut self) {
        let mut words: Vec<Box<str>> = self
            .classes
            .keys()
            .chain(self.kinds.keys())
            .cloned()
            .chain(self.words.values().flatten().cloned())
            .filter(|w| {
                w.chars().count() >= CORRECTED_MIN_LEN && w.chars().all(char::is_alphabetic)
            })
            .collect();
        words.sort();
        words.dedup();
        self.phrase_tokens.clear();
        for key in self.phrases.keys() {
            for (k, t) in key.iter().enumerate() {
                self.phrase_tokens
                    .entry((k, t.clone()))
                    .or_default()
                    .push(key.clone());
            }
        }
        self.vocabulary.clear();
        for w in words {
            for key in std::iter::once(w.to_string()).chain(deletions(&w)) {
                let list = self.vocabulary.entry(key.into()).or_default();
                if !list.contains(&w) {
                    list.push(w.clone());
                }
            }
        }
    }

    /// The lexicon word a misspelt long word means: one letter dropped, added, changed or two
    /// swapped, when exactly one lexicon word is that close.
    pub(crate) fn correct(&self, word: &str) -> Option<&str> {
        if word.chars().count() < CORRECTED_MIN_LEN || !word.chars().all(char::is_alphabetic) {
            return None;
        }
        let mut found: Option<&str> = None;
        for key in std::iter::once(word.to_string()).chain(deletions(word)) {
            for w in self.vocabulary.get(key.as_str()).into_iter().flatten() {
                if strsim::damerau_levenshtein(word, w) <= 1 {
                    match found {
                        Some(f) if f != &**w => return None, // two words that close: no guess
                        _ => found = Some(w),
                    }
                }
            }
        }
        found
    }

    /// Whether the lexicon knows a word by itself (a class, kind, abbreviation, stopword, count
    /// word or unit): such a word is what it says, never another one misspelt.
    pub(crate) fn knows(&self, word: &str) -> bool {
        self.classes.contains_key(word)
            || self.kinds.contains_key(word)
            || self.words.contains_key(word)
            || self.stopwords.contains(word)
            || self.counts.contains(word)
            || self.units.contains_key(word)
    }

    /// The phrase a run of tokens starts with when one of its words is misspelt (`Black Oxied`,
    /// `Zinc Plaed`, `Hot Dip Gakvanized`): every other token equal, the misspelt one within the
    /// typo allowance of the phrase's word and not a word the lexicon knows by itself. The longest
    /// such phrase; none when two of that length would read differently. Returns its length and
    /// its words.
    pub(crate) fn phrase_near(&self, texts: &[Box<str>]) -> Option<(usize, &[Box<str>])> {
        for len in (2..=self.max_phrase.min(texts.len())).rev() {
            let window = &texts[..len];
            let mut found: Option<&[Box<str>]> = None;
            for (k, t) in window.iter().enumerate() {
                for key in self
                    .phrase_tokens
                    .get(&(k, t.clone()))
                    .into_iter()
                    .flatten()
                {
                    if key.len() != len || !one_word_misspelt(window, key, self) {
                        continue;
                    }
                    let words = &self.phrases[key][..];
                    match found {
                        Some(f) if f != words => return None,
                        _ => found = Some(words),
                    }
                }
            }
            if let Some(words) = found {
                return Some((len, words));
            }
        }
        None
    }

    /// The shipped lexicon extended by an operator's file.
    pub fn with_file(path: &Path) -> Result<Self, LexiconError> {
        let text = std::fs::read_to_string(path).map_err(|e| LexiconError {
            file: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let mut lex = Lexicon::builtin();
        lex.add_source(&text, &path.display().to_string())?;
        lex.index_vocabulary();
        Ok(lex)
    }

    pub(crate) fn add_source(&mut self, text: &str, name: &str) -> Result<(), LexiconError> {
        let err = |reason: String| LexiconError {
            file: name.to_string(),
            reason,
        };
        let file: LexiconFile = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        {
            use sha2::Digest;
            let mut h = sha2::Sha256::new();
            h.update(self.digest);
            h.update(text.as_bytes());
            self.digest = h.finalize().into();
        }
        for (from, to) in file.phrases {
            let key: Vec<Box<str>> = super::tokens::token_texts(&from);
            if key.is_empty() {
                return Err(err(format!("phrase {from:?} has no words")));
            }
            self.max_phrase = self.max_phrase.max(key.len());
            self.phrases.insert(key, split_words(&to));
        }
        for (from, to) in file.words {
            self.words
                .insert(from.to_lowercase().into(), split_words(&to));
        }
        self.stopwords
            .extend(file.stopwords.words.iter().map(|w| lower(w)));
        self.counts
            .extend(file.counts.words.iter().map(|w| lower(w)));
        self.sizes.extend(file.sizes.words.iter().map(|w| lower(w)));
        for (name, size) in file.sizes.names {
            self.size_names.insert(lower(&name), lower(&size));
        }
        self.grades
            .extend(file.grades.words.iter().map(|w| lower(w)));
        self.brands
            .extend(file.brands.words.iter().map(|w| lower(w)));
        if let Some(n) = file.brands.learned_from {
            self.brands_learned_from = n;
        }
        let mut bases: HashMap<String, String> = self
            .units
            .iter()
            .filter(|(_, u)| u.factor == Decimal::ONE)
            .map(|(k, u)| (u.dimension.to_string(), k.to_string()))
            .collect();
        let mut specs = Vec::new();
        for (symbol, spec) in file.units {
            let factor = Decimal::from_str(spec.factor.trim()).map_err(|_| {
                err(format!(
                    "unit {symbol:?}: factor {:?} is not a decimal number",
                    spec.factor
                ))
            })?;
            if factor <= Decimal::ZERO {
                return Err(err(format!("unit {symbol:?}: factor must be above 0")));
            }
            if factor == Decimal::ONE {
                // The base unit's symbol is the shortest of those with factor 1 (`mm`, not
                // `millimetre`).
                let base = bases
                    .entry(spec.dimension.clone())
                    .or_insert_with(|| symbol.clone());
                if (symbol.len(), &symbol) < (base.len(), &*base) {
                    *base = symbol.clone();
                }
            }
            specs.push((symbol, spec.dimension, factor));
        }
        for (symbol, dimension, factor) in specs {
            let base = bases
                .get(&dimension)
                .cloned()
                .unwrap_or_else(|| dimension.clone());
            self.units.insert(
                symbol.to_lowercase().into(),
                Unit {
                    dimension: dimension.into(),
                    factor,
                    base: base.into(),
                },
            );
        }
        for (class, words) in file.attributes {
            let class: Arc<str> = class.into();
            for w in words {
                self.classes.insert(lower(&w), class.clone());
            }
        }
        for (group, words) in file.kinds {
            let group: Arc<str> = group.into();
            for w in words {
                let entry = self.kinds.entry(lower(&w)).or_default();
                if !entry.contains(&group) {
                    entry.push(group.clone());
                }
            }
        }
        Ok(())
    }

    pub(crate) fn unit(&self, word: &str) -> Option<&Unit> {
        self.units.get(word)
    }
}

/// `written` is `phrase` with exactly one word misspelt (see [`Lexicon::phrase_near`]).
fn one_word_misspelt(written: &[Box<str>], phrase: &[Box<str>], lex: &Lexicon) -> bool {
    let mut differing = written.iter().zip(phrase).filter(|(w, p)| w != p);
    match (differing.next(), differing.next()) {
        (Some((w, p)), None) => !lex.knows(w) && super::words::word_agreement(w, p).is_some(),
        _ => false,
    }
}

fn lower(s: &str) -> Box<str> {
    s.to_lowercase().into()
}

fn split_words(s: &str) -> Vec<Box<str>> {
    s.split_whitespace()
        .map(|w| w.to_lowercase().into())
        .collect()
}

static CURRENT: OnceLock<Arc<Lexicon>> = OnceLock::new();

/// Choose the lexicon for this process: the shipped one, extended by `path` when given (the
/// binary's settings: `--lexicon`, `BATCHOPS_LEXICON` or the settings file). Call once at start-up
/// so a bad file is an error there; later calls keep the first choice.
pub fn init(path: Option<&Path>) -> Result<Arc<Lexicon>, LexiconError> {
    if let Some(lex) = CURRENT.get() {
        return Ok(lex.clone());
    }
    let lex = match path {
        Some(p) => Lexicon::with_file(p)?,
        None => Lexicon::builtin(),
    };
    Ok(CURRENT.get_or_init(|| Arc::new(lex)).clone())
}

/// The process's lexicon ([`init`]'s choice; the shipped one when `init` was not called).
pub fn current() -> Arc<Lexicon> {
    CURRENT.get_or_init(|| Arc::new(Lexicon::builtin())).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_lexicon_parses() {
        let lex = Lexicon::builtin();
        assert!(lex.units.contains_key("mm"));
        assert_eq!(&*lex.units["cm"].base, "mm");
        assert_eq!(lex.units["in"].factor, Decimal::from_str("25.4").unwrap());
        assert_eq!(&*lex.classes["black"], "colour");
        assert!(lex.kinds["flat"].iter().any(|g| &**g == "washer"));
        assert!(lex.max_phrase >= 3);
    }

    #[test]
    fn long_misspelt_lexicon_words_are_corrected_and_short_ones_are_not() {
        let lex = Lexicon::builtin();
        assert_eq!(lex.correct("staimless"), Some("stainless"));
        assert_eq!(
            lex.correct("countersnuk"),
            Some("countersunk"),
            "two neighbours swapped"
        );
        assert_eq!(lex.correct("cuntrsnk"), None, "three letters off: too far");
        assert_eq!(lex.correct("counterunk"), Some("countersunk"));
        assert_eq!(
            lex.correct("block"),
            None,
            "short words are never corrected"
        );
        assert_eq!(lex.correct("stainless"), Some("stainless"));
    }

    #[test]
    fn an_operator_file_extends_the_shipped_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mine.toml");
        std::fs::write(
            &path,
            "[words]\nzpl = \"zinc\"\n[attributes]\ncolour = [\"teal\"]\n",
        )
        .unwrap();
        let lex = Lexicon::with_file(&path).unwrap();
        assert_eq!(lex.words["zpl"], vec![Box::<str>::from("zinc")]);
        assert_eq!(&*lex.classes["teal"], "colour");
        assert_eq!(&*lex.classes["black"], "colour", "shipped entries stay");
    }

    #[test]
    fn a_broken_operator_file_names_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "[words]\nzp = \"zinc\"\nthis is not toml\n").unwrap();
        let e = Lexicon::with_file(&path).unwrap_err().to_string();
        assert!(e.contains("bad.toml"), "{e}");
        assert!(e.contains("line 3"), "{e}");
        std::fs::write(
            &path,
            "[units]\nfurlong = { dimension = \"length\", factor = \"lots\" }\n",
        )
        .unwrap();
        let e = Lexicon::with_file(&path).unwrap_err().to_string();
        assert!(e.contains("furlong") && e.contains("not a decimal"), "{e}");
    }
}
