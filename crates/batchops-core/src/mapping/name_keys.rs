//! The canonical keys of the items' names and of learned aliases, and the items each names.
//!
//! A kept catalog's keys are read back as one frozen table: each key's digest (sorted) and the
//! items it names. Keys set or removed after it (items added since, aliases, rejections) go to a
//! hash table that overrides it.

use super::HashMap;
use super::frozen::{cuts, nth};
use sha2::{Digest, Sha256};

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

/// A key's digest in the frozen table: the first 16 bytes of its SHA-256. Keys are found by it
/// alone, so the table holds no key's text. Two of a million keys share a digest with odds of
/// about 10⁻²⁷, and a table where two do is never kept ([`Frozen::check`]); a key not in the table
/// takes an item's digest with odds of about 10⁻³³ per look-up.
fn digest(key: &str) -> u128 {
    let d = Sha256::digest(key.as_bytes());
    let mut first = [0u8; 16];
    first.copy_from_slice(&d[..16]);
    u128::from_le_bytes(first)
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
    #[serde(with = "digests")]
    digests: Vec<u128>,
    ends: Vec<u32>,
    items: Vec<u32>,
}

impl Frozen {
    /// The digests rise strictly (no two keys share one), and each names at least one item.
    fn check(&self) -> Result<(), String> {
        if !self.digests.windows(2).all(|w| w[0] < w[1])
            || !cuts(&self.ends, self.items.len(), self.digests.len())
            || self.ends.first() == Some(&0)
            || self.ends.windows(2).any(|w| w[0] == w[1])
        {
            return Err("name keys: the digests or offsets do not hold".into());
        }
        Ok(())
    }

    fn get(&self, key: &str) -> Option<&[u32]> {
        let at = self.digests.binary_search(&digest(key)).ok()?;
        Some(nth(&self.ends, &self.items, at)).filter(|items| !items.is_empty())
    }
}

/// The digests as one run of bytes (16 per digest, little-endian): read back with one copy.
mod digests {
    use serde::de::{Error, Visitor};

    pub fn serialize<S: serde::Serializer>(d: &[u128], s: S) -> Result<S::Ok, S::Error> {
        let bytes: Vec<u8> = d.iter().flat_map(|x| x.to_le_bytes()).collect();
        s.serialize_bytes(&bytes)
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u128>, D::Error> {
        struct Bytes;
        impl Visitor<'_> for Bytes {
            type Value = Vec<u128>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("16 bytes per digest")
            }
            fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<Vec<u128>, E> {
                if !v.len().is_multiple_of(16) {
                    return Err(E::custom("name keys: a digest cut short"));
                }
                Ok(v.chunks_exact(16)
                    .map(|c| u128::from_le_bytes(c.try_into().expect("16 bytes")))
                    .collect())
            }
        }
        d.deserialize_bytes(Bytes)
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
        let mut all: Vec<(u128, &[u32])> = Vec::new();
        for (at, &d) in self.frozen.digests.iter().enumerate() {
            if !overridden.contains(&d) {
                all.push((d, nth(&self.frozen.ends, &self.frozen.items, at)));
            }
        }
        for (key, n) in &self.changed {
            if let Some(n) = n {
                all.push((digest(key), n.items()));
            }
        }
        // In digest order: the same keys make the same bytes, whatever order they were set in.
        all.sort_unstable_by_key(|(d, _)| *d);
        let mut frozen = Frozen::default();
        for (d, items) in all {
            frozen.digests.push(d);
            frozen.items.extend_from_slice(items);
            let end = u32::try_from(frozen.items.len())
                .map_err(|_| serde::ser::Error::custom("name keys: more than 4 GiB"))?;
            frozen.ends.push(end);
        }
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
        unsorted.digests.reverse();
        assert!(NameKeys::try_from(unsorted).is_err(), "order");
        let mut repeated = good.clone();
        repeated.digests[1] = repeated.digests[0];
        assert!(NameKeys::try_from(repeated).is_err(), "a shared digest");
        let mut empty = good.clone();
        empty.ends = vec![0, 2];
        assert!(NameKeys::try_from(empty).is_err(), "a key naming nothing");
        let mut short = good;
        short.ends.pop();
        assert!(NameKeys::try_from(short).is_err(), "offsets");
        let mut cut = postcard::to_stdvec(&keys).unwrap();
        cut[0] -= 1;
        assert!(
            postcard::from_bytes::<NameKeys>(&cut).is_err(),
            "a digest cut short"
        );
    }
}
