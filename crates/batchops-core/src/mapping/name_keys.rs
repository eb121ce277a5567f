//! The canonical keys of the items' names and of learned aliases, and the items each names.
//!
//! A kept catalog's keys are read back as one frozen table: each key's digest (sorted) and the
//! items it names. Keys set or removed after it (items added since, aliases, rejections) go to a
//! hash table that overrides it.

use super::HashMap;
use super::column::Col;
use super::frozen::{cuts, digest, nth, nth_of};
use std::borrow::Cow;

/// What a canonical key names.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Named {
    One(u32),
    /// Several items whose names read the same: an operator must say which.
    Several(Vec<u32>),
}

impl Named {
    fn items(&self) -> &[u32] {
        match self {
            Named::One(i) => std::slice::from_ref(i),
            Named::Several(items) => items,
        }
    }
}

/// Canonical key → what it names.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(try_from = "Frozen")]
pub(super) struct NameKeys {
    frozen: Frozen,
    /// Keys set since the frozen table (`None`: removed).
    changed: HashMap<Box<str>, Option<Named>>,
}

/// How the keys are kept: the digests in rising order, where each one's items end, the items.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Frozen {
    digests: Col<u128>,
    ends: Col<u32>,
    items: Col<u32>,
}

impl Frozen {
    /// The digests rise strictly (no two keys share one), and each names at least one item (of a
    /// table read from a kept file, checked when it was written: the lengths).
    fn check(&self) -> Result<(), String> {
        let held = !self.digests.in_file();
        if !cuts(&self.ends, self.items.len(), self.digests.len())
            || self.ends.get(0) == Some(0)
            || (held && !self.digests.all().windows(2).all(|w| w[0] < w[1]))
            || (held && self.ends.all().windows(2).any(|w| w[0] == w[1]))
        {
            return Err("name keys: the digests or offsets do not hold".into());
        }
        Ok(())
    }

    fn get(&self, key: &str) -> Option<&[u32]> {
        let at = self.digests.search(&digest(key)).ok()?;
        Some(self.items.slice(nth(&self.ends, at)?)).filter(|items| !items.is_empty())
    }
}

impl TryFrom<Frozen> for NameKeys {
    type Error = String;
    fn try_from(frozen: Frozen) -> Result<Self, String> {
        frozen.check()?;
        Ok(NameKeys {
            frozen,
            ..NameKeys::default()
        })
    }
}

impl serde::Serialize for NameKeys {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let overridden: super::HashSet<u128> = self.changed.keys().map(|k| digest(k)).collect();
        let mut all: Vec<(u128, Cow<'_, [u32]>)> = Vec::new();
        for (at, &d) in self.frozen.digests.all().iter().enumerate() {
            if !overridden.contains(&d) {
                all.push((d, nth_of(&self.frozen.ends, &self.frozen.items, at)));
            }
        }
        for (key, n) in &self.changed {
            if let Some(n) = n {
                all.push((digest(key), Cow::Borrowed(n.items())));
            }
        }
        // In digest order: the same keys make the same bytes, whatever order they were set in.
        all.sort_unstable_by_key(|(d, _)| *d);
        let (mut digests, mut ends, mut items) = (Vec::new(), Vec::new(), Vec::new());
        for (d, named) in all {
            digests.push(d);
            items.extend_from_slice(&named);
            let end = u32::try_from(items.len())
                .map_err(|_| serde::ser::Error::custom("name keys: more than 4 GiB"))?;
            ends.push(end);
        }
        let frozen = Frozen {
            digests: digests.into(),
            ends: ends.into(),
            items: items.into(),
        };
        frozen.check().map_err(serde::ser::Error::custom)?;
        frozen.serialize(s)
    }
}

impl NameKeys {
    /// The items `key` names (one, or several an operator must choose from).
    pub fn get(&self, key: &str) -> Option<&[u32]> {
        match self.changed.get(key) {
            Some(changed) => changed.as_ref().map(Named::items),
            None => self.frozen.get(key),
        }
    }

    /// `key` names `named` (whatever it named before).
    pub fn insert(&mut self, key: Box<str>, named: Named) {
        self.changed.insert(key, Some(named));
    }

    pub fn remove(&mut self, key: &str) {
        if self.get(key).is_some() {
            self.changed.insert(key.into(), None);
        }
    }

    /// Kept item `idx` reads as `key` no longer (`put`: false) or from now on (true), among the
    /// items it names in the order of their positions.
    pub fn edit_kept(&mut self, key: &str, idx: u32, put: bool) {
        let mut items = self.get(key).map(<[u32]>::to_vec).unwrap_or_default();
        match (items.binary_search(&idx), put) {
            (Ok(at), false) => {
                items.remove(at);
            }
            (Err(at), true) => items.insert(at, idx),
            _ => return,
        }
        match items[..] {
            [] => self.remove(key),
            [one] => self.insert(key.into(), Named::One(one)),
            _ => self.insert(key.into(), Named::Several(items)),
        }
    }

    /// Item `idx` reads as `key` too: the one item it names, or one more of several.
    pub fn add(&mut self, key: Box<str>, idx: u32) {
        if let Some(Some(Named::Several(items))) = self.changed.get_mut(&key) {
            items.push(idx);
            return;
        }
        let named = match self.get(&key) {
            None => Named::One(idx),
            Some(items) => Named::Several(items.iter().copied().chain([idx]).collect()),
        };
        self.insert(key, named);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(keys: &NameKeys) -> NameKeys {
        postcard::from_bytes(&postcard::to_stdvec(keys).unwrap()).unwrap()
    }

    /// The same keys are kept as the same bytes, whatever order they were set in.
    #[test]
    fn the_same_keys_are_kept_alike() {
        let mut one = NameKeys::default();
        let mut other = NameKeys::default();
        for i in 0..200 {
            one.add(format!("key {i}").into(), i);
            other.add(format!("key {}", 199 - i).into(), 199 - i);
        }
        assert_eq!(
            postcard::to_stdvec(&one).unwrap(),
            postcard::to_stdvec(&other).unwrap()
        );
    }

    /// Keys set, added to and removed before and after the table is kept read the same.
    #[test]
    fn keys_changed_after_a_kept_table_read_as_if_never_kept() {
        let mut whole = NameKeys::default();
        whole.add("bolt m8".into(), 0);
        whole.add("nut m8".into(), 1);
        whole.add("bolt m8".into(), 2);
        whole.insert("washer".into(), Named::One(3));
        let mut again = kept(&whole);
        for keys in [&mut whole, &mut again] {
            keys.add("bolt m8".into(), 4);
            keys.add("nut m8".into(), 5);
            keys.remove("washer");
            keys.remove("never there");
            keys.add("screw".into(), 6);
        }
        let again_kept = kept(&again);
        for keys in [&whole, &again, &again_kept] {
            assert_eq!(keys.get("bolt m8"), Some(&[0, 2, 4][..]));
            assert_eq!(keys.get("nut m8"), Some(&[1, 5][..]));
            assert_eq!(keys.get("screw"), Some(&[6][..]));
            assert_eq!(keys.get("washer"), None);
            assert_eq!(keys.get("never there"), None);
        }
    }

    #[test]
    fn a_table_whose_digests_or_items_do_not_hold_is_refused() {
        let mut keys = NameKeys::default();
        keys.add("bolt m8".into(), 0);
        keys.add("nut m8".into(), 1);
        let good = kept(&keys).frozen;
        assert!(NameKeys::try_from(good.clone()).is_ok());
        let mut unsorted = good.clone();
        unsorted.digests.held_mut().reverse();
        assert!(NameKeys::try_from(unsorted).is_err(), "order");
        let mut repeated = good.clone();
        let d = repeated.digests.held_mut();
        d[1] = d[0];
        assert!(NameKeys::try_from(repeated).is_err(), "a shared digest");
        let mut empty = good.clone();
        empty.ends = vec![0, 2].into();
        assert!(NameKeys::try_from(empty).is_err(), "a key naming nothing");
        let mut short = good;
        short.ends.held_mut().pop();
        assert!(NameKeys::try_from(short).is_err(), "offsets");
        let mut cut = postcard::to_stdvec(&keys).unwrap();
        cut[0] -= 1;
        assert!(
            postcard::from_bytes::<NameKeys>(&cut).is_err(),
            "a digest cut short"
        );
    }
}
