//! Read-only tables a kept catalog is read back into as a few large buffers, without building a
//! hash table: strings packed in one buffer, found by number ([`Texts`]) and also by text through
//! their sorted order ([`Strings`]), and lists of numbers by number packed in one buffer. What is
//! added after goes beside them (see the interner, the catalog's items and the index's
//! identifiers).
//!
//! A kept catalog's parts carry checksums, so these are the tables that were written; the tables'
//! `check`s still make sure their offsets and order hold before they are used, so a look-up can
//! neither panic nor miss.

use std::borrow::Cow;

/// The `i`th of the slices that `ends` (where each slice ends) cuts `all` into; empty past the
/// end or where the offsets do not hold.
pub(super) fn nth<'a, T>(ends: &[u32], all: &'a [T], i: usize) -> &'a [T] {
    let start = match i {
        0 => Some(0),
        _ => ends.get(i - 1).map(|&e| e as usize),
    };
    match (start, ends.get(i)) {
        (Some(start), Some(&end)) => all.get(start..end as usize).unwrap_or_default(),
        _ => &[],
    }
}

/// `ends` cuts `len` numbers into `n` slices: one end per slice, rising to `len`.
pub(super) fn cuts(ends: &[u32], len: usize, n: usize) -> bool {
    ends.len() == n
        && ends.windows(2).all(|w| w[0] <= w[1])
        && ends.last().map_or(0, |&e| e as usize) == len
}

/// Strings in one buffer, each found by its number (the order they were given in); they may
/// repeat.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Texts {
    text: String,
    /// Where each string ends in `text`.
    ends: Vec<u32>,
}

/// A table too large for 32-bit offsets.
fn too_large(what: &str) -> String {
    format!("{what}: more than 4 GiB")
}

impl Texts {
    /// The strings, numbered in the order given.
    pub fn new<'a>(strs: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut t = Texts::default();
        for s in strs {
            t.text.push_str(s);
            t.ends
                .push(u32::try_from(t.text.len()).map_err(|_| too_large("strings"))?);
        }
        Ok(t)
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// The text of string `i`.
    pub fn get(&self, i: u32) -> Option<&str> {
        let end = *self.ends.get(i as usize)? as usize;
        let start = match i {
            0 => 0,
            _ => self.ends[i as usize - 1] as usize,
        };
        self.text.get(start..end)
    }

    /// The offsets rise to the text's length and fall on character boundaries.
    pub fn check(&self) -> Result<(), String> {
        let mut start = 0;
        for &end in &self.ends {
            let end = end as usize;
            if end < start || self.text.get(start..end).is_none() {
                return Err("strings: an offset out of order".into());
            }
            start = end;
        }
        if start != self.text.len() {
            return Err("strings: the lengths disagree".into());
        }
        Ok(())
    }
}

/// Strings in one buffer ([`Texts`]), each found by its number and by its text (binary search
/// over their sorted order); none repeats.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Strings {
    texts: Texts,
    /// The strings' numbers in the order of their text.
    sorted: Vec<u32>,
}

impl Strings {
    /// The strings, numbered in the order given; none may repeat.
    pub fn new<'a>(strs: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let texts = Texts::new(strs)?;
        let mut sorted: Vec<u32> = (0..texts.len() as u32).collect();
        sorted.sort_unstable_by(|&a, &b| texts.get(a).cmp(&texts.get(b)));
        let t = Strings { texts, sorted };
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

    fn text_of(&self, i: u32) -> &str {
        self.get(i).unwrap_or("")
    }

    /// The number of the string `s`.
    pub fn find(&self, s: &str) -> Option<u32> {
        self.sorted
            .binary_search_by(|&i| self.text_of(i).cmp(s))
            .ok()
            .map(|at| self.sorted[at])
    }

    /// The texts hold ([`Texts::check`]), and the sorted order holds every string once, in
    /// strictly rising order (no string repeats).
    pub fn check(&self) -> Result<(), String> {
        self.texts.check()?;
        if self.sorted.len() != self.texts.len() {
            return Err("strings: the lengths disagree".into());
        }
        let mut seen = vec![false; self.texts.len()];
        for &i in &self.sorted {
            match seen.get_mut(i as usize) {
                Some(s) if !*s => *s = true,
                _ => return Err("strings: the sorted order is not a permutation".into()),
            }
        }
        if self
            .sorted
            .windows(2)
            .any(|w| self.text_of(w[0]) >= self.text_of(w[1]))
        {
            return Err("strings: the sorted order does not hold".into());
        }
        Ok(())
    }
}

/// Lists of numbers by a number key, in one buffer: the keys in rising order, where each list
/// ends, and the lists' numbers.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Lists {
    keys: Vec<u32>,
    ends: Vec<u32>,
    values: Vec<u32>,
}

impl Lists {
    /// The lists, keys in any order; none may repeat.
    pub fn new<'a>(lists: impl IntoIterator<Item = (u32, &'a [u32])>) -> Result<Self, String> {
        let mut lists: Vec<(u32, &[u32])> = lists.into_iter().collect();
        lists.sort_unstable_by_key(|(k, _)| *k);
        let mut t = Lists::default();
        for (k, list) in lists {
            t.keys.push(k);
            t.values.extend_from_slice(list);
            t.ends
                .push(u32::try_from(t.values.len()).map_err(|_| too_large("lists"))?);
        }
        t.check()?;
        Ok(t)
    }

    /// The list of `key` (empty when there is none).
    pub fn get(&self, key: u32) -> &[u32] {
        match self.keys.binary_search(&key) {
            Ok(at) => nth(&self.ends, &self.values, at),
            Err(_) => &[],
        }
    }

    /// The keys rise strictly, one end per key, and the ends rise to the values' length.
    pub fn check(&self) -> Result<(), String> {
        if !self.keys.windows(2).all(|w| w[0] < w[1])
            || !cuts(&self.ends, self.values.len(), self.keys.len())
        {
            return Err("lists: the keys or offsets do not hold".into());
        }
        Ok(())
    }
}

/// Lists by number: a frozen table ([`Lists`]) and the lists added to since, each after its
/// frozen part (numbers added later are larger: item indexes).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(try_from = "Lists")]
pub struct ListsBy {
    frozen: Lists,
    added: super::HashMap<u32, Vec<u32>>,
}

impl TryFrom<Lists> for ListsBy {
    type Error = String;
    fn try_from(frozen: Lists) -> Result<Self, String> {
        frozen.check()?;
        Ok(ListsBy {
            frozen,
            ..ListsBy::default()
        })
    }
}

/// Kept as one frozen table of every list.
impl serde::Serialize for ListsBy {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut keys: Vec<u32> = self.frozen.keys.clone();
        keys.extend(
            self.added
                .keys()
                .filter(|k| self.frozen.get(**k).is_empty()),
        );
        let lists: Vec<(u32, Cow<'_, [u32]>)> =
            keys.into_iter().map(|k| (k, self.get(k))).collect();
        Lists::new(lists.iter().map(|(k, l)| (*k, &**l)))
            .map_err(serde::ser::Error::custom)?
            .serialize(s)
    }
}

impl ListsBy {
    /// The list of `key`: its frozen part, then what was added.
    pub fn get(&self, key: u32) -> Cow<'_, [u32]> {
        joined(self.frozen.get(key), self.added.get(&key))
    }

    /// How many numbers the list of `key` holds.
    pub fn len_of(&self, key: u32) -> usize {
        self.frozen.get(key).len() + self.added.get(&key).map_or(0, Vec::len)
    }

    /// Add `n` to the list of `key` unless it ends with it.
    pub fn push_once(&mut self, key: u32, n: u32) {
        let list = self.added.entry(key).or_default();
        let last = list.last().or(self.frozen.get(key).last());
        if last != Some(&n) {
            list.push(n);
        }
    }
}

/// A list of a frozen table followed by the one added since: borrowed when only one has numbers.
pub fn joined<'a>(frozen: &'a [u32], added: Option<&'a Vec<u32>>) -> Cow<'a, [u32]> {
    match added {
        Some(more) if !more.is_empty() && !frozen.is_empty() => {
            Cow::Owned(frozen.iter().chain(more.iter()).copied().collect())
        }
        Some(more) if !more.is_empty() => Cow::Borrowed(more),
        _ => Cow::Borrowed(frozen),
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
        broken.ends[3] -= 1;
        assert!(broken.check().is_err(), "inside a character");
        let mut short = t;
        short.ends.pop();
        assert!(short.check().is_err(), "text after the last end");
    }

    #[test]
    fn a_repeated_string_or_a_broken_table_is_refused() {
        assert!(Strings::new(["a", "b", "a"]).is_err());
        let mut t = Strings::new(["bolt", "nut"]).unwrap();
        t.sorted.reverse();
        assert!(t.check().is_err(), "order");
        let mut t = Strings::new(["bolt", "nut"]).unwrap();
        t.texts.ends[0] = 9;
        assert!(t.check().is_err(), "offsets");
        let mut t = Strings::new(["é", "e"]).unwrap();
        t.texts.ends[0] = 1;
        assert!(t.check().is_err(), "inside a character");
    }

    #[test]
    fn lists_are_found_by_key_and_joined_with_the_ones_added() {
        let t = Lists::new([(7, &[1, 2][..]), (3, &[5][..]), (9, &[][..])]).unwrap();
        assert_eq!(t.get(3), &[5]);
        assert_eq!(t.get(7), &[1, 2]);
        assert_eq!(t.get(9), &[] as &[u32]);
        assert_eq!(t.get(4), &[] as &[u32]);
        assert_eq!(&*joined(t.get(7), Some(&vec![8])), &[1, 2, 8]);
        assert!(matches!(joined(t.get(4), Some(&vec![8])), Cow::Borrowed(_)));
        assert!(matches!(joined(t.get(7), None), Cow::Borrowed(_)));
        let mut broken = t.clone();
        broken.ends[0] = 99;
        assert!(broken.check().is_err());
        assert!(Lists::new([(1, &[1][..]), (1, &[2][..])]).is_err());
    }
}
