//! Read-only tables a kept catalog is read back as, made of columns ([`Col`]) that stay in its
//! file: strings found by number ([`Texts`]) and also by text through their sorted order
//! ([`Strings`]), lists of numbers by a key ([`Lists`]: a number, a pair, a text's [`digest`]),
//! and sets of numbers ([`NumberSet`]). What is added after goes beside them ([`ListsBy`], the
//! interner, the catalog's items).
//!
//! A table's `check` makes sure its offsets and order hold when it is built or read back from
//! inline bytes. A table read from a kept file was checked when it was written, and every byte of
//! the file against its checksum when it was opened; of it, `check` looks at the lengths. Either
//! way a look-up can neither panic nor miss; a read the file fails is kept by its pager and stops
//! the run ([`super::Catalog::read_failure`]).

use super::column::Col;
use std::borrow::Cow;
use std::ops::Range;

/// Where the `i`th of the slices that `ends` (where each slice ends) cuts a column into lies:
/// nothing past the end, empty where the offsets do not hold.
pub(super) fn nth(ends: &Col<u32>, i: usize) -> Option<Range<usize>> {
    let start = match i {
        0 => 0,
        _ => ends.get(i - 1)?,
    };
    let end = ends.get(i)?;
    Some(start as usize..end.max(start) as usize)
}

/// The `i`th slice of `values` as `ends` cuts it (empty past the end).
pub(super) fn nth_of<'a, T: super::column::Fixed>(
    ends: &Col<u32>,
    values: &'a Col<T>,
    i: usize,
) -> Cow<'a, [T]> {
    values.read(nth(ends, i).unwrap_or(0..0))
}

/// `ends` cuts `len` values into `n` slices: one end per slice, rising to `len`. A column read
/// from a kept file was checked when it was written: only its lengths are.
pub(super) fn cuts(ends: &Col<u32>, len: usize, n: usize) -> bool {
    ends.len() == n
        && ends.last().map_or(0, |e| e as usize) == len
        && (ends.in_file() || ends.all().windows(2).all(|w| w[0] <= w[1]))
}

/// Strings in one buffer, each found by its number (the order they were given in); they may
/// repeat.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Texts {
    text: Col<u8>,
    /// Where each string ends in `text`.
    ends: Col<u32>,
}

/// A table too large for 32-bit offsets.
fn too_large(what: &str) -> String {
    format!("{what}: more than 4 GiB")
}

impl Texts {
    /// The strings, numbered in the order given.
    pub fn new<'a>(strs: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let (mut text, mut ends) = (Vec::new(), Vec::new());
        for s in strs {
            text.extend_from_slice(s.as_bytes());
            ends.push(u32::try_from(text.len()).map_err(|_| too_large("strings"))?);
        }
        Ok(Texts {
            text: text.into(),
            ends: ends.into(),
        })
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// The text of string `i`.
    pub fn get(&self, i: u32) -> Option<&str> {
        let at = nth(&self.ends, i as usize)?;
        std::str::from_utf8(self.text.slice(at)).ok()
    }

    /// The bytes of string `i`, read for the moment (a look-up's comparison).
    fn bytes(&self, i: u32) -> Cow<'_, [u8]> {
        nth_of(&self.ends, &self.text, i as usize)
    }

    /// The offsets rise to the text's length and fall on character boundaries (a table read from
    /// a kept file: its lengths agree).
    pub fn check(&self) -> Result<(), String> {
        if self.ends.last().map_or(0, |e| e as usize) != self.text.len() {
            return Err("strings: the lengths disagree".into());
        }
        if self.text.in_file() {
            return Ok(());
        }
        let all = self.text.all();
        let text = std::str::from_utf8(&all).map_err(|_| "strings: not UTF-8".to_string())?;
        let mut start = 0;
        for &end in self.ends.all().iter() {
            let end = end as usize;
            if end < start || !text.is_char_boundary(end) {
                return Err("strings: an offset out of order".into());
            }
            start = end;
        }
        Ok(())
    }
}

/// Strings in one buffer ([`Texts`]), each found by its number and by its text (binary search
/// over their sorted order); none repeats.
///
/// A search compares the strings' first 16 bytes ([`prefix`]), held beside the sorted order, and
/// reads a string's text only among those that share the sought one's: in a kept file it reads
/// one stretch of that column and the one string it finds, not a string at every step.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Strings {
    texts: Texts,
    /// The strings' numbers in the order of their text.
    sorted: Col<u32>,
    /// The [`prefix`] of each string in that order.
    prefixes: Col<u128>,
}

/// A string's first 16 bytes as a number, zeros after its end: strings in byte order have their
/// prefixes in the same order (one that is another's start with zeros after it ties with it).
fn prefix(s: &[u8]) -> u128 {
    let mut first = [0u8; 16];
    let n = s.len().min(16);
    first[..n].copy_from_slice(&s[..n]);
    u128::from_be_bytes(first)
}

impl Strings {
    /// The strings, numbered in the order given; none may repeat.
    pub fn new<'a>(strs: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let texts = Texts::new(strs)?;
        let mut sorted: Vec<u32> = (0..texts.len() as u32).collect();
        sorted.sort_unstable_by(|&a, &b| texts.bytes(a).cmp(&texts.bytes(b)));
        let prefixes: Vec<u128> = sorted.iter().map(|&i| prefix(&texts.bytes(i))).collect();
        let t = Strings {
            texts,
            sorted: sorted.into(),
            prefixes: prefixes.into(),
        };
        t.check()?;
        Ok(t)
    }

    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// The text of string `i`.
    pub fn get(&self, i: u32) -> Option<&str> {
        self.texts.get(i)
    }

    /// The number of the string `s`.
    pub fn find(&self, s: &str) -> Option<u32> {
        use std::cmp::Ordering::{Equal, Greater, Less};
        let p = prefix(s.as_bytes());
        // The stretch of strings that share the prefix, then the string among them by its text.
        let (Err(mut lo) | Ok(mut lo)) = self
            .prefixes
            .search_by(|v| if v < p { Less } else { Greater });
        let (Err(mut hi) | Ok(mut hi)) = self
            .prefixes
            .search_by(|v| if v <= p { Less } else { Greater });
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let i = self.sorted.get(mid)?;
            match (*self.texts.bytes(i)).cmp(s.as_bytes()) {
                Less => lo = mid + 1,
                Greater => hi = mid,
                Equal => return Some(i),
            }
        }
        None
    }

    /// The texts hold ([`Texts::check`]), and the sorted order holds every string once, in
    /// strictly rising order (no string repeats); of a table read from a kept file, the lengths.
    pub fn check(&self) -> Result<(), String> {
        self.texts.check()?;
        if self.sorted.len() != self.texts.len() || self.prefixes.len() != self.texts.len() {
            return Err("strings: the lengths disagree".into());
        }
        if self.sorted.in_file() || self.prefixes.in_file() {
            return Ok(());
        }
        let sorted = self.sorted.all();
        let mut seen = vec![false; self.texts.len()];
        for &i in sorted.iter() {
            match seen.get_mut(i as usize) {
                Some(s) if !*s => *s = true,
                _ => return Err("strings: the sorted order is not a permutation".into()),
            }
        }
        if sorted
            .windows(2)
            .any(|w| self.texts.bytes(w[0]) >= self.texts.bytes(w[1]))
        {
            return Err("strings: the sorted order does not hold".into());
        }
        let prefixes = self.prefixes.all();
        if sorted
            .iter()
            .zip(prefixes.iter())
            .any(|(&i, &p)| prefix(&self.texts.bytes(i)) != p)
        {
            return Err("strings: a prefix is not its string's".into());
        }
        Ok(())
    }
}

/// A key a frozen table finds lists by: a number, a pair of numbers, a digest of a text
/// ([`digest`]).
pub trait Key: super::column::Fixed + Ord + std::hash::Hash {}
impl<K: super::column::Fixed + Ord + std::hash::Hash> Key for K {}

/// A text's digest as a frozen table's key: the first 16 bytes of its SHA-256. Keys are found
/// by it alone, so the table holds no key's text. Two of a million keys share a digest with odds
/// of about 10⁻²⁷ (a table of name keys where two do is never kept); a key not in a table takes
/// another's digest with odds of about 10⁻³³ per look-up.
pub fn digest(key: &str) -> u128 {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(key.as_bytes());
    let mut first = [0u8; 16];
    first.copy_from_slice(&d[..16]);
    u128::from_le_bytes(first)
}

/// Lists of numbers by a key, in one buffer: the keys in rising order, where each list ends, and
/// the lists' numbers.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(bound(serialize = "", deserialize = ""))]
pub struct Lists<K: Key = u32> {
    keys: Col<K>,
    ends: Col<u32>,
    values: Col<u32>,
}

impl<K: Key> Default for Lists<K> {
    fn default() -> Self {
        Lists {
            keys: Col::default(),
            ends: Col::default(),
            values: Col::default(),
        }
    }
}

impl<K: Key> Lists<K> {
    /// The lists, keys in any order; none may repeat.
    pub fn new<'a>(lists: impl IntoIterator<Item = (K, &'a [u32])>) -> Result<Self, String> {
        let mut lists: Vec<(K, &[u32])> = lists.into_iter().collect();
        lists.sort_unstable_by_key(|(k, _)| *k);
        let (mut keys, mut ends, mut values) = (Vec::new(), Vec::new(), Vec::new());
        for (k, list) in lists {
            keys.push(k);
            values.extend_from_slice(list);
            ends.push(u32::try_from(values.len()).map_err(|_| too_large("lists"))?);
        }
        let t = Lists {
            keys: keys.into(),
            ends: ends.into(),
            values: values.into(),
        };
        t.check()?;
        Ok(t)
    }

    /// Where the list of `key` lies in the values.
    fn find(&self, key: &K) -> Option<Range<usize>> {
        nth(&self.ends, self.keys.search(key).ok()?)
    }

    /// The list of `key` (empty when there is none).
    pub fn get(&self, key: &K) -> Cow<'_, [u32]> {
        self.values.read(self.find(key).unwrap_or(0..0))
    }

    /// How many numbers the list of `key` holds.
    pub fn len_of(&self, key: &K) -> usize {
        self.find(key).map_or(0, |r| r.len())
    }

    /// Whether the list of `key` holds a number below `n` that `skip` does not pass over: read a
    /// stretch at a time from its start, since the numbers rise.
    fn holds_below(&self, key: &K, n: u32, skip: &dyn Fn(u32) -> bool) -> bool {
        let Some(r) = self.find(key) else {
            return false;
        };
        let mut from = r.start;
        let mut stretch = 64;
        while from < r.end {
            let to = r.end.min(from + stretch);
            for &v in self.values.read(from..to).iter() {
                if v >= n {
                    return false;
                }
                if !skip(v) {
                    return true;
                }
            }
            (from, stretch) = (to, stretch * 4);
        }
        false
    }

    /// The list's last number.
    fn last_of(&self, key: &K) -> Option<u32> {
        let r = self.find(key)?;
        r.end.checked_sub(1).and_then(|i| self.values.get(i))
    }

    /// The keys rise strictly, one end per key, and the ends rise to the values' length.
    pub fn check(&self) -> Result<(), String> {
        if !(self.keys.in_file() || self.keys.all().windows(2).all(|w| w[0] < w[1]))
            || !cuts(&self.ends, self.values.len(), self.keys.len())
        {
            return Err("lists: the keys or offsets do not hold".into());
        }
        Ok(())
    }
}

/// Lists by key: a frozen table ([`Lists`]) and the lists added to since, each after its frozen
/// part.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(try_from = "Lists<K>", bound(deserialize = ""))]
pub struct ListsBy<K: Key = u32> {
    frozen: Lists<K>,
    /// Numbers taken out of a frozen list and put in it since ([`ListsBy::edit_kept`]).
    edits: super::HashMap<K, Edit>,
    added: super::HashMap<K, Vec<u32>>,
}

/// A frozen list's numbers taken out, and numbers put in at their place, each in rising order.
#[derive(Debug, Clone, Default)]
struct Edit {
    out: Vec<u32>,
    back: Vec<u32>,
}

impl Edit {
    /// The frozen list (rising) with the edit: what was taken out left out, what was put back
    /// merged in at its place.
    fn applied(&self, frozen: &[u32]) -> Vec<u32> {
        let mut all = Vec::with_capacity(frozen.len() + self.back.len());
        let mut back = self.back.iter().copied().peekable();
        for &v in frozen {
            while let Some(b) = back.next_if(|&b| b < v) {
                all.push(b);
            }
            if self.out.binary_search(&v).is_err() {
                all.push(v);
            }
        }
        all.extend(back);
        all
    }
}

impl<K: Key> Default for ListsBy<K> {
    fn default() -> Self {
        ListsBy {
            frozen: Lists::default(),
            edits: super::HashMap::default(),
            added: super::HashMap::default(),
        }
    }
}

impl<K: Key> TryFrom<Lists<K>> for ListsBy<K> {
    type Error = String;
    fn try_from(frozen: Lists<K>) -> Result<Self, String> {
        frozen.check()?;
        Ok(ListsBy {
            frozen,
            ..ListsBy::default()
        })
    }
}

/// Kept as one frozen table of every list.
impl<K: Key> serde::Serialize for ListsBy<K> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut keys: Vec<K> = self.frozen.keys.all().into_owned();
        keys.extend(self.added.keys().filter(|k| self.frozen.find(k).is_none()));
        let lists: Vec<(K, Cow<'_, [u32]>)> = keys.into_iter().map(|k| (k, self.get(&k))).collect();
        Lists::new(lists.iter().map(|(k, l)| (*k, &**l)))
            .map_err(serde::ser::Error::custom)?
            .serialize(s)
    }
}

impl<K: Key> ListsBy<K> {
    /// The list of `key`: its frozen part (as edited), then what was added.
    pub fn get(&self, key: &K) -> Cow<'_, [u32]> {
        let frozen = self.frozen.get(key);
        let frozen = match self.edits.get(key) {
            Some(edit) => Cow::Owned(edit.applied(&frozen)),
            None => frozen,
        };
        joined(frozen, self.added.get(key))
    }

    /// How many numbers the list of `key` holds.
    pub fn len_of(&self, key: &K) -> usize {
        self.frozen_len(key) + self.added.get(key).map_or(0, Vec::len)
    }

    /// The frozen part of the list of `key` (numbers kept before anything was added, as edited).
    pub fn frozen_len(&self, key: &K) -> usize {
        let len = self.frozen.len_of(key);
        match self.edits.get(key) {
            Some(e) => len - e.out.len() + e.back.len(),
            None => len,
        }
    }

    /// Whether the frozen list of `key`, as it was kept, holds a number below `n` that `skip`
    /// does not pass over.
    pub fn kept_below(&self, key: &K, n: u32, skip: &dyn Fn(u32) -> bool) -> bool {
        self.frozen.holds_below(key, n, skip)
    }

    /// Take `n`, which its frozen list holds, out of the list of `key` (`put`: false; a kept item
    /// that no longer reads as it), or put `n` in it at its place in rising order (true; a kept
    /// item that reads as it now). Lists whose numbers rise only, before anything is added.
    pub fn edit_kept(&mut self, key: K, n: u32, put: bool) {
        let e = self.edits.entry(key).or_default();
        let (undone, done) = match put {
            true => (&mut e.out, &mut e.back),
            false => (&mut e.back, &mut e.out),
        };
        match undone.binary_search(&n) {
            Ok(at) => {
                undone.remove(at);
            }
            Err(_) => {
                if let Err(at) = done.binary_search(&n) {
                    done.insert(at, n);
                }
            }
        }
    }

    /// The numbers added to the list of `key` since the frozen table.
    pub fn added(&self, key: &K) -> &[u32] {
        self.added.get(key).map_or(&[], Vec::as_slice)
    }

    /// Add `n` to the list of `key` unless it ends with it.
    pub fn push_once(&mut self, key: K, n: u32) {
        let frozen_last = self.frozen.last_of(&key);
        let list = self.added.entry(key).or_default();
        if list.last().copied().or(frozen_last) != Some(n) {
            list.push(n);
        }
    }

    /// Add `n` to the list of `key` unless it holds it.
    pub fn push_new(&mut self, key: K, n: u32) {
        if !self.get(&key).contains(&n) {
            self.added.entry(key).or_default().push(n);
        }
    }

    /// Add `n` to the list of `key`.
    pub fn push(&mut self, key: K, n: u32) {
        self.added.entry(key).or_default().push(n);
    }
}

/// Numbers in a set: a frozen table (sorted) and the numbers added since.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(try_from = "Col<u32>")]
pub struct NumberSet {
    frozen: Col<u32>,
    added: super::HashSet<u32>,
}

impl TryFrom<Col<u32>> for NumberSet {
    type Error = String;
    fn try_from(frozen: Col<u32>) -> Result<Self, String> {
        if !(frozen.in_file() || frozen.all().windows(2).all(|w| w[0] < w[1])) {
            return Err("numbers: not in rising order".into());
        }
        Ok(NumberSet {
            frozen,
            ..NumberSet::default()
        })
    }
}

/// Kept as one frozen table, sorted.
impl serde::Serialize for NumberSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut all = self.frozen.all().into_owned();
        all.extend(self.added.iter().copied());
        all.sort_unstable();
        all.dedup();
        Col::from(all).serialize(s)
    }
}

impl NumberSet {
    pub fn contains(&self, n: u32) -> bool {
        self.added.contains(&n) || self.frozen.search(&n).is_ok()
    }

    /// Add `n`; whether it was new.
    pub fn insert(&mut self, n: u32) -> bool {
        !self.contains(n) && self.added.insert(n)
    }
}

/// Numbers by position: a frozen column, then the numbers pushed since.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(from = "Col<u32>")]
pub struct Numbers {
    frozen: Col<u32>,
    added: Vec<u32>,
}

impl From<Col<u32>> for Numbers {
    fn from(frozen: Col<u32>) -> Self {
        Numbers {
            frozen,
            added: Vec::new(),
        }
    }
}

/// Kept as one frozen column.
impl serde::Serialize for Numbers {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut all = self.frozen.all().into_owned();
        all.extend_from_slice(&self.added);
        Col::from(all).serialize(s)
    }
}

impl Numbers {
    pub fn len(&self) -> usize {
        self.frozen.len() + self.added.len()
    }

    pub fn push(&mut self, n: u32) {
        self.added.push(n);
    }

    /// The number at position `i`.
    pub fn get(&self, i: usize) -> Option<u32> {
        match i.checked_sub(self.frozen.len()) {
            None => self.frozen.get(i),
            Some(a) => self.added.get(a).copied(),
        }
    }
}

/// A count per number (a string's number, say): a frozen column, counts added to since (of the
/// frozen numbers, and of the numbers after them).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(from = "Col<u32>")]
pub struct Counts {
    frozen: Col<u32>,
    /// What was added to the counts of frozen numbers.
    more: super::HashMap<u32, u32>,
    /// The counts of the numbers after the frozen ones.
    after: Vec<u32>,
}

impl From<Col<u32>> for Counts {
    fn from(frozen: Col<u32>) -> Self {
        Counts {
            frozen,
            ..Counts::default()
        }
    }
}

/// Kept as one frozen column.
impl serde::Serialize for Counts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let n = self.frozen.len() + self.after.len();
        let all: Vec<u32> = (0..n as u32).map(|i| self.get(i)).collect();
        Col::from(all).serialize(s)
    }
}

impl Counts {
    /// The count of `n` (0 for a number never counted).
    pub fn get(&self, n: u32) -> u32 {
        let i = n as usize;
        match i.checked_sub(self.frozen.len()) {
            None => self.frozen.get(i).unwrap_or(0) + self.more.get(&n).copied().unwrap_or(0),
            Some(a) => self.after.get(a).copied().unwrap_or(0),
        }
    }

    /// Count `n` once more.
    pub fn add(&mut self, n: u32) {
        let i = n as usize;
        match i.checked_sub(self.frozen.len()) {
            None => *self.more.entry(n).or_default() += 1,
            Some(a) => {
                if self.after.len() <= a {
                    self.after.resize(a + 1, 0);
                }
                self.after[a] += 1;
            }
        }
    }
}

/// A list of a frozen table followed by the one added since: borrowed when only one has numbers.
pub fn joined<'a>(frozen: Cow<'a, [u32]>, added: Option<&'a Vec<u32>>) -> Cow<'a, [u32]> {
    match added {
        Some(more) if !more.is_empty() && !frozen.is_empty() => {
            Cow::Owned(frozen.iter().chain(more.iter()).copied().collect())
        }
        Some(more) if !more.is_empty() => Cow::Borrowed(more),
        _ => frozen,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_found_by_number_and_by_text() {
        let words = ["bolt", "", "zinc", "écrou", "m8", "a"];
        let t = Strings::new(words).unwrap();
        assert_eq!(t.len(), words.len());
        for (i, w) in words.iter().enumerate() {
            assert_eq!(t.get(i as u32), Some(*w));
            assert_eq!(t.find(w), Some(i as u32), "{w}");
        }
        assert_eq!(t.find("nut"), None);
        assert_eq!(t.get(6), None);
    }

    #[test]
    fn texts_may_repeat_and_are_found_by_number() {
        let t = Texts::new(["Hex Nut M8", "", "Hex Nut M8", "écrou"]).unwrap();
        assert_eq!(t.len(), 4);
        assert_eq!(t.get(0), t.get(2));
        assert_eq!(t.get(1), Some(""));
        assert_eq!(t.get(3), Some("écrou"));
        assert_eq!(t.get(4), None);
        assert!(t.check().is_ok());
        let mut broken = t.clone();
        broken.ends.held_mut()[3] -= 1;
        assert!(broken.check().is_err(), "inside a character");
        let mut short = t;
        short.ends.held_mut().pop();
        assert!(short.check().is_err(), "text after the last end");
    }

    /// Strings that share their first 16 bytes, or differ only after them or by zeros at their
    /// end, are found by their text in memory and read back from a kept file alike.
    #[test]
    fn strings_sharing_a_prefix_are_found_in_memory_and_in_a_file() {
        use crate::mapping::column::{KeptFile, Part};
        let mut words: Vec<String> = (0..3_000)
            .map(|i| format!("SUPPLIER-LONG-PREFIX-{i:05}"))
            .collect();
        words.extend(
            [
                "",
                "a",
                "a\0",
                "a\0b",
                "b",
                "0123456789abcdef",
                "0123456789abcdef0",
                "0123456789abcde",
            ]
            .map(String::from),
        );
        words.extend((0..3_000).map(|i| format!("S{i}")));
        let t = Strings::new(words.iter().map(String::as_str)).unwrap();
        let mut f = tempfile::NamedTempFile::new().unwrap();
        Part::encode(&t).unwrap().write(&mut f).unwrap();
        let read: Strings = KeptFile::open(f.path()).unwrap().part("strings").unwrap();
        assert!(read.sorted.in_file() && read.prefixes.in_file());
        for table in [&t, &read] {
            for (i, w) in words.iter().enumerate() {
                assert_eq!(table.find(w), Some(i as u32), "{w:?}");
            }
            for absent in [
                "SUPPLIER-LONG-PREFIX-03000",
                "SUPPLIER-LONG-PREFIX-",
                "a\0\0",
                "0123456789abcdef1",
                "S3000",
                "\u{10ffff}",
            ] {
                assert_eq!(table.find(absent), None, "{absent:?}");
            }
        }
        let mut wrong = t.clone();
        wrong.prefixes.held_mut()[3] ^= 1;
        assert!(wrong.check().is_err(), "a prefix not its string's");
    }

    #[test]
    fn a_repeated_string_or_a_broken_table_is_refused() {
        assert!(Strings::new(["a", "b", "a"]).is_err());
        let mut t = Strings::new(["bolt", "nut"]).unwrap();
        t.sorted.held_mut().reverse();
        assert!(t.check().is_err(), "order");
        let mut t = Strings::new(["bolt", "nut"]).unwrap();
        t.texts.ends.held_mut()[0] = 9;
        assert!(t.check().is_err(), "offsets");
        let mut t = Strings::new(["é", "e"]).unwrap();
        t.texts.ends.held_mut()[0] = 1;
        assert!(t.check().is_err(), "inside a character");
    }

    #[test]
    fn lists_are_found_by_key_and_joined_with_the_ones_added() {
        let t = Lists::new([(7u32, &[1, 2][..]), (3, &[5][..]), (9, &[][..])]).unwrap();
        assert_eq!(&*t.get(&3), &[5]);
        assert_eq!(&*t.get(&7), &[1, 2]);
        assert_eq!(&*t.get(&9), &[] as &[u32]);
        assert_eq!(&*t.get(&4), &[] as &[u32]);
        assert_eq!((t.len_of(&7), t.len_of(&4)), (2, 0));
        assert_eq!(&*joined(t.get(&7), Some(&vec![8])), &[1, 2, 8]);
        assert!(matches!(
            joined(t.get(&4), Some(&vec![8])),
            Cow::Borrowed(_)
        ));
        assert!(matches!(joined(t.get(&7), None), Cow::Borrowed(_)));
        let mut broken = t.clone();
        broken.ends.held_mut()[0] = 99;
        assert!(broken.check().is_err());
        assert!(Lists::new([(1u32, &[1][..]), (1, &[2][..])]).is_err());
    }

    fn kept<T: serde::Serialize + serde::de::DeserializeOwned>(t: &T) -> T {
        postcard::from_bytes(&postcard::to_stdvec(t).unwrap()).unwrap()
    }

    /// A kept list with numbers taken out and put in reads as the list built in rising order
    /// with them; taking a number out and putting it back leaves it as it was; what is added
    /// after comes after.
    #[test]
    fn kept_lists_edited_read_in_rising_order() {
        let mut whole: ListsBy = ListsBy::default();
        for n in [1, 4, 6, 9] {
            whole.push_once(7, n);
        }
        let mut edited = kept(&whole);
        edited.edit_kept(7, 4, false);
        edited.edit_kept(7, 5, true);
        edited.edit_kept(7, 0, true);
        edited.edit_kept(7, 9, false);
        edited.edit_kept(7, 9, true);
        edited.edit_kept(3, 2, true);
        assert_eq!(*edited.get(&7), [0, 1, 5, 6, 9]);
        assert_eq!((edited.len_of(&7), edited.frozen_len(&7)), (5, 5));
        assert_eq!(*edited.get(&3), [2]);
        edited.push_once(7, 12);
        assert_eq!(*edited.get(&7), [0, 1, 5, 6, 9, 12]);
        assert_eq!(edited.len_of(&7), 6);
        let below = |l: &ListsBy, n| l.kept_below(&7, n, &|v| v == 1);
        assert!(!below(&edited, 1) && !below(&edited, 4) && below(&edited, 5));
    }

    /// Lists added to after their table was kept read as if it never was, by every kind of key.
    #[test]
    fn lists_added_to_after_a_kept_table_read_as_if_never_kept() {
        fn grow<K: Key>(l: &mut ListsBy<K>, a: K, b: K) {
            l.push_once(a, 1);
            l.push_once(a, 1);
            l.push_new(b, 4);
            l.push_new(b, 4);
            l.push(b, 5);
        }
        fn check<K: Key>(whole: &mut ListsBy<K>, a: K, b: K, c: K) {
            grow(whole, a, b);
            let mut again = kept(whole);
            for l in [&mut *whole, &mut again] {
                l.push_once(a, 1);
                l.push_once(a, 2);
                l.push_new(b, 4);
                l.push(c, 9);
            }
            for l in [&*whole, &again, &kept(&again)] {
                assert_eq!(&*l.get(&a), &[1, 2]);
                assert_eq!(&*l.get(&b), &[4, 5]);
                assert_eq!(&*l.get(&c), &[9]);
                assert_eq!(l.len_of(&a), 2);
            }
            assert_eq!((again.frozen_len(&a), again.added(&a)), (1, &[2][..]));
        }
        check(&mut ListsBy::default(), 3u32, 1, 2);
        check(&mut ListsBy::default(), (3u32, 1u32), (1, 9), (2, 0));
        check(
            &mut ListsBy::default(),
            digest("a"),
            digest("b"),
            digest("c"),
        );
    }

    #[test]
    fn a_number_set_kept_and_added_to() {
        let mut s = NumberSet::default();
        assert!(s.insert(5) && s.insert(2) && !s.insert(5));
        let mut again = kept(&s);
        assert!(again.contains(5) && again.contains(2) && !again.contains(3));
        assert!(!again.insert(2) && again.insert(3));
        let back = kept(&again);
        assert!([2, 3, 5].iter().all(|&n| back.contains(n)));
        let unsorted = postcard::to_stdvec(&Col::from(vec![3u32, 1])).unwrap();
        assert!(postcard::from_bytes::<NumberSet>(&unsorted).is_err());
    }
}
