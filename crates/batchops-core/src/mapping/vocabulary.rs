//! The catalog's vocabulary: how a word of a line that no catalog item has is read.
//!
//! A spell checker whose dictionary is the catalog. A word the line writes and neither the catalog
//! nor the lexicon knows is read as a catalog word (or alphabetic attribute value: `brass`,
//! `chipboard`) when exactly one of them, with the same first letter, is
//!
//! - **one edit away**, the plural `s` aside (the reading folds plurals, so `Plgs` arrives as
//!   `plg`, `Brsas` as `brsa`): `plg` → `plug`, `brsa` → `brass`, `dicss` → `disc`, `plus` → `plug`;
//! - or, failing that, **abbreviated** by it: its letters in the same order in the catalog word,
//!   which is at least two letters longer: `chipbd` → `chipboard`, `pf` → `powderfree`.
//!
//! Two catalog words as close (`bot`: `boot` and `bolt`) and nothing is guessed: the word stays as
//! written (at most a weak pairing, which keeps the line in review). Words with digits are never
//! read as others. A correction weighs like a typo within the allowance ([`super::words::TYPO`]).

use super::frozen::{ListsBy, NumberSet, digest};

/// The shortest word read as a misspelling, and the shortest vocabulary entry.
const MIN_LEN: usize = 3;

/// The shortest abbreviation.
const MIN_ABBREVIATION: usize = 2;

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Vocabulary {
    known: NumberSet,
    /// An entry by itself and with one letter left out ([`digest`]) → the entries.
    keys: ListsBy<u128>,
    /// Entries by first letter (its code point), for abbreviations.
    by_initial: ListsBy,
    /// Entries no catalog item has any more ([`Vocabulary::forget`]).
    #[serde(skip)]
    gone: super::HashSet<u32>,
}

/// A word by itself and with each letter left out in turn.
fn keys(word: &str) -> impl Iterator<Item = String> + '_ {
    std::iter::once(word.to_string()).chain(super::lexicon::deletions(word))
}

fn alphabetic(word: &str) -> bool {
    !word.is_empty() && word.chars().all(char::is_alphabetic)
}

/// `short`'s letters, in order, in `long`.
fn subsequence(short: &str, long: &str) -> bool {
    let mut it = long.chars();
    short.chars().all(|c| it.any(|l| l == c))
}

/// Whether a word may be read as another at all: alphabetic, at least [`MIN_ABBREVIATION`]
/// letters.
pub fn readable(word: &str) -> bool {
    alphabetic(word) && word.chars().count() >= MIN_ABBREVIATION
}

/// The forms a word is compared in: as read, with the plural `s` it may have lost, and without
/// one it kept.
fn forms(word: &str) -> Vec<String> {
    let mut forms = vec![word.to_string(), format!("{word}s")];
    if let Some(stem) = word.strip_suffix('s')
        && stem.chars().count() >= MIN_LEN
    {
        forms.push(stem.to_string());
    }
    forms
}

/// `word` misspells `entry`: the same first letter, one edit away, the plural `s` aside.
fn misspells(word: &str, forms: &[String], entry: &str) -> bool {
    word.chars().count() >= MIN_LEN
        && word.chars().next() == entry.chars().next()
        && forms
            .iter()
            .any(|f| strsim::damerau_levenshtein(f, entry) <= 1)
}

/// `word` abbreviates `entry`: the same first letter, its letters in order in `entry`, which is
/// at least two letters longer.
fn abbreviates(word: &str, entry: &str) -> bool {
    word.chars().next() == entry.chars().next()
        && entry.chars().count() >= word.chars().count() + 2
        && subsequence(word, entry)
}

/// `word` may mean `entry` by this module's rules (a misspelling or an abbreviation of it). Used
/// for one candidate at a time too: a word the catalog cannot settle (`st`: safety or steel
/// toe?) may mean the one thing a candidate has left unpaired (its `steeltoe`).
pub fn may_mean(word: &str, entry: &str) -> bool {
    readable(word)
        && alphabetic(entry)
        && (misspells(word, &forms(word), entry) || abbreviates(word, entry))
}

impl Vocabulary {
    /// Add an entry (an interned word or attribute value of the catalog).
    pub fn add(&mut self, id: u32, text: &str) {
        if text.chars().count() < MIN_LEN || !alphabetic(text) || !self.known.insert(id) {
            return;
        }
        for key in keys(text) {
            self.keys.push_new(digest(&key), id);
        }
        if let Some(first) = text.chars().next() {
            self.by_initial.push(first as u32, id);
        }
    }

    pub fn contains(&self, id: u32) -> bool {
        self.known.contains(id) && !self.gone.contains(&id)
    }

    /// Entry `id` is gone: no catalog item has it any more, and nothing is read as it.
    pub fn forget(&mut self, id: u32) {
        self.gone.insert(id);
    }

    /// The one entry `word` misspells or abbreviates (see the module's rules), if exactly one.
    /// `text` gives an entry's text.
    pub fn read<'a>(&self, word: &str, text: &dyn Fn(u32) -> &'a str) -> Option<u32> {
        let len = word.chars().count();
        let first = word.chars().next()?;
        if !readable(word) {
            return None;
        }
        let mut found: Option<u32> = None;
        if len >= MIN_LEN {
            let forms = forms(word);
            for form in &forms {
                for key in keys(form) {
                    for &id in self.keys.get(&digest(&key)).iter() {
                        if found == Some(id)
                            || self.gone.contains(&id)
                            || !misspells(word, &forms, text(id))
                        {
                            continue;
                        }
                        if found.is_some() {
                            return None; // two catalog words that close: no guess
                        }
                        found = Some(id);
                    }
                }
            }
            if found.is_some() {
                return found;
            }
        }
        for &id in self.by_initial.get(&(first as u32)).iter() {
            if !self.gone.contains(&id) && abbreviates(word, text(id)) {
                if found.is_some() {
                    return None;
                }
                found = Some(id);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary(words: &[&'static str]) -> (Vocabulary, Vec<&'static str>) {
        let mut v = Vocabulary::default();
        for (i, w) in words.iter().enumerate() {
            v.add(i as u32, w);
        }
        (v, words.to_vec())
    }

    fn read(words: &[&'static str], word: &str) -> Option<&'static str> {
        let (v, texts) = vocabulary(words);
        v.read(word, &|id| texts[id as usize])
            .map(|id| texts[id as usize])
    }

    const CATALOG: &[&str] = &[
        "wall",
        "plug",
        "boot",
        "bolt",
        "disc",
        "brass",
        "chipboard",
        "powderfree",
        "safety",
        "steeltoe",
        "masonry",
        "mildsteel",
    ];

    #[test]
    fn a_misspelt_word_with_one_nearest_catalog_word_is_read_as_it() {
        assert_eq!(read(CATALOG, "plg"), Some("plug"));
        assert_eq!(read(CATALOG, "plus"), Some("plug"));
        assert_eq!(read(CATALOG, "brsa"), Some("brass"), "brsas, its s folded");
        assert_eq!(read(CATALOG, "dicss"), Some("disc"), "dicss for discs");
        assert_eq!(read(CATALOG, "booy"), Some("boot"));
    }

    #[test]
    fn two_catalog_words_as_close_and_nothing_is_guessed() {
        assert_eq!(read(CATALOG, "bot"), None, "boot or bolt");
        assert_eq!(read(CATALOG, "ms"), None, "masonry or mild steel");
        assert_eq!(read(CATALOG, "st"), None, "safety or steel toe");
    }

    #[test]
    fn an_abbreviation_with_one_catalog_word_is_read_as_it() {
        assert_eq!(read(CATALOG, "chipbd"), Some("chipboard"));
        assert_eq!(read(CATALOG, "pf"), Some("powderfree"));
        assert_eq!(
            read(CATALOG, "plug"),
            Some("plug"),
            "a word reads as itself"
        );
    }

    #[test]
    fn a_word_may_mean_one_entry_by_the_same_rules() {
        assert!(may_mean("st", "steeltoe"));
        assert!(may_mean("ms", "mildsteel"));
        assert!(may_mean("bot", "boot"));
        assert!(!may_mean("st", "compositetoe"), "another first letter");
        assert!(
            !may_mean("st", "sta"),
            "an abbreviation is two letters shorter at least"
        );
        assert!(!may_mean("m8", "metric"));
    }

    #[test]
    fn the_first_letter_digits_and_far_words_are_never_guessed() {
        assert_eq!(read(CATALOG, "blug"), None, "another first letter");
        assert_eq!(read(CATALOG, "m8"), None);
        assert_eq!(read(CATALOG, "pl8g"), None);
        assert_eq!(read(CATALOG, "wooden"), None);
        assert_eq!(read(CATALOG, "pipe"), None);
    }
}
