//! The canonical keys of the items' names and of learned aliases, and the items each names.
//!
//! A kept catalog's keys are read back as one frozen table ([`Strings`] and the items of each);
//! keys set or removed after it (items added since, aliases, rejections) go to a hash table that
//! overrides it.

use super::HashMap;
use super::frozen::Strings;

/// What a canonical key names.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) enum Named {
    One(u32),
    /// Several items whose names read the same: an operator must say which.
    Several(Vec<u32>),
}

/// Canonical key → what it names.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(try_from = "Frozen")]
pub(super) struct NameKeys {
    keys: Strings,
    named: Vec<Named>,
    /// Keys set since the frozen table (`None`: removed).
    changed: HashMap<Box<str>, Option<Named>>,
}

/// How the keys are kept: one table of them and what each names, in the same order.
#[derive(serde::Serialize, serde::Deserialize)]
struct Frozen {
    keys: Strings,
    named: Vec<Named>,
}

impl TryFrom<Frozen> for NameKeys {
    type Error = String;
    fn try_from(f: Frozen) -> Result<Self, String> {
        f.keys.check()?;
        if f.keys.len() != f.named.len() {
            return Err(format!(
                "name keys: {} keys naming {}",
                f.keys.len(),
                f.named.len()
            ));
        }
        Ok(NameKeys {
            keys: f.keys,
            named: f.named,
            changed: HashMap::default(),
        })
    }
}

impl serde::Serialize for NameKeys {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut all: Vec<(&str, &Named)> = Vec::new();
        for (i, n) in self.named.iter().enumerate() {
            let key = self.keys.get(i as u32).unwrap_or("");
            if !self.changed.contains_key(key) {
                all.push((key, n));
            }
        }
        for (key, n) in &self.changed {
            if let Some(n) = n {
                all.push((key, n));
            }
        }
        // In key order: the same keys make the same bytes, whatever order they were set in.
        all.sort_unstable_by_key(|(key, _)| *key);
        let keys =
            Strings::new(all.iter().map(|(key, _)| *key)).map_err(serde::ser::Error::custom)?;
        let named = all.into_iter().map(|(_, n)| n.clone()).collect();
        Frozen { keys, named }.serialize(s)
    }
}

impl NameKeys {
    pub fn get(&self, key: &str) -> Option<&Named> {
        match self.changed.get(key) {
            Some(changed) => changed.as_ref(),
            None => self.keys.find(key).and_then(|i| self.named.get(i as usize)),
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

    /// Item `idx` reads as `key` too: the one item it names, or one more of several.
    pub fn add(&mut self, key: Box<str>, idx: u32) {
        if let Some(Some(Named::Several(items))) = self.changed.get_mut(&key) {
            items.push(idx);
            return;
        }
        let named = match self.get(&key) {
            None => Named::One(idx),
            Some(Named::One(other)) => Named::Several(vec![*other, idx]),
            Some(Named::Several(items)) => {
                Named::Several(items.iter().copied().chain([idx]).collect())
            }
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
            assert_eq!(keys.get("bolt m8"), Some(&Named::Several(vec![0, 2, 4])));
            assert_eq!(keys.get("nut m8"), Some(&Named::Several(vec![1, 5])));
            assert_eq!(keys.get("screw"), Some(&Named::One(6)));
            assert_eq!(keys.get("washer"), None);
            assert_eq!(keys.get("never there"), None);
        }
    }

    #[test]
    fn a_table_whose_keys_and_items_disagree_is_refused() {
        let f = Frozen {
            keys: Strings::new(["a", "b"]).unwrap(),
            named: vec![Named::One(0)],
        };
        assert!(NameKeys::try_from(f).is_err());
    }
}
