//! The index's items as numbers ([`Compact`]): a kept catalog's packed in a few buffers (read
//! back without an allocation per item), the items added since as they are.

use super::column::Col;
use super::compare::Compact;
use super::frozen::{cuts, nth_of};
use std::borrow::Cow;

/// What no lead is stored as.
const NO_LEAD: u32 = u32::MAX;

/// The items of a kept catalog: each one's words, attributes and identifiers end at its offset
/// in their column.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Packed {
    word_ends: Col<u32>,
    words: Col<u32>,
    attr_ends: Col<u32>,
    attrs: Col<(u32, u32)>,
    id_ends: Col<u32>,
    ids: Col<u32>,
    leads: Col<u32>,
}

/// [`Packed`] as it is built, item by item.
#[derive(Default)]
struct Packing {
    word_ends: Vec<u32>,
    words: Vec<u32>,
    attr_ends: Vec<u32>,
    attrs: Vec<(u32, u32)>,
    id_ends: Vec<u32>,
    ids: Vec<u32>,
    leads: Vec<u32>,
}

impl Packing {
    fn push(&mut self, c: &Compact) -> Result<(), String> {
        if !c.read_as.is_empty() || !c.unread.is_empty() {
            return Err("entries: an item holds a line's readings".into());
        }
        let end =
            |len: usize| u32::try_from(len).map_err(|_| "entries: more than 4 GiB".to_string());
        self.words.extend_from_slice(&c.words);
        self.word_ends.push(end(self.words.len())?);
        self.attrs.extend_from_slice(&c.attrs);
        self.attr_ends.push(end(self.attrs.len())?);
        self.ids.extend_from_slice(&c.ids);
        self.id_ends.push(end(self.ids.len())?);
        self.leads.push(c.lead.unwrap_or(NO_LEAD));
        Ok(())
    }

    fn packed(self) -> Packed {
        Packed {
            word_ends: self.word_ends.into(),
            words: self.words.into(),
            attr_ends: self.attr_ends.into(),
            attrs: self.attrs.into(),
            id_ends: self.id_ends.into(),
            ids: self.ids.into(),
            leads: self.leads.into(),
        }
    }
}

impl Packed {
    fn len(&self) -> usize {
        self.leads.len()
    }

    fn get(&self, i: usize) -> Compact {
        Compact {
            words: nth_of(&self.word_ends, &self.words, i).into(),
            attrs: nth_of(&self.attr_ends, &self.attrs, i).into(),
            ids: nth_of(&self.id_ends, &self.ids, i).into(),
            lead: self.leads.get(i).filter(|&l| l != NO_LEAD),
            read_as: Box::default(),
            unread: Box::default(),
        }
    }

    fn check(&self) -> Result<(), String> {
        let n = self.len();
        if cuts(&self.word_ends, self.words.len(), n)
            && cuts(&self.attr_ends, self.attrs.len(), n)
            && cuts(&self.id_ends, self.ids.len(), n)
        {
            Ok(())
        } else {
            Err("entries: the offsets do not hold".into())
        }
    }
}

/// The index's items, by index: the packed ones first, then those added.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(try_from = "Packed")]
pub(super) struct Entries {
    packed: Packed,
    /// Packed items read otherwise since ([`Entries::replace`]).
    replaced: super::HashMap<u32, Compact>,
    added: Vec<Compact>,
}

impl TryFrom<Packed> for Entries {
    type Error = String;
    fn try_from(packed: Packed) -> Result<Self, String> {
        packed.check()?;
        Ok(Entries {
            packed,
            ..Entries::default()
        })
    }
}

/// Kept packed, every item.
impl serde::Serialize for Entries {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut all = Packing::default();
        for i in 0..self.len() {
            all.push(&self.get(i as u32))
                .map_err(serde::ser::Error::custom)?;
        }
        all.packed().serialize(s)
    }
}

impl Entries {
    pub fn len(&self) -> usize {
        self.packed.len() + self.added.len()
    }

    pub fn push(&mut self, c: Compact) {
        self.added.push(c);
    }

    /// Packed item `idx` reads as `c` from now on (its name changed; empty: it is gone).
    pub fn replace(&mut self, idx: u32, c: Compact) {
        self.replaced.insert(idx, c);
    }

    /// The item at `idx` (an empty one past the end).
    pub fn get(&self, idx: u32) -> Cow<'_, Compact> {
        let idx = idx as usize;
        match idx.checked_sub(self.packed.len()) {
            None => match self.replaced.get(&(idx as u32)) {
                Some(c) => Cow::Borrowed(c),
                None => Cow::Owned(self.packed.get(idx)),
            },
            Some(i) => self
                .added
                .get(i)
                .map_or_else(|| Cow::Owned(Compact::default()), Cow::Borrowed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compact(words: &[u32], attrs: &[(u32, u32)], ids: &[u32], lead: Option<u32>) -> Compact {
        Compact {
            words: words.into(),
            attrs: attrs.into(),
            ids: ids.into(),
            lead,
            ..Compact::default()
        }
    }

    #[test]
    fn kept_items_read_back_as_they_were_and_items_added_after_them() {
        let items = [
            compact(&[1, 2, 3], &[(4, 5)], &[6], Some(1)),
            compact(&[], &[], &[], None),
            compact(&[7], &[(4, 8), (9, 9)], &[], Some(7)),
        ];
        let mut entries = Entries::default();
        for c in &items {
            entries.push(c.clone());
        }
        let bytes = postcard::to_stdvec(&entries).unwrap();
        let mut kept: Entries = postcard::from_bytes(&bytes).unwrap();
        let later = compact(&[10], &[], &[11], None);
        kept.push(later.clone());
        assert_eq!(kept.len(), 4);
        for (i, c) in items.iter().chain([&later]).enumerate() {
            assert_eq!(&*kept.get(i as u32), c, "item {i}");
        }
        assert_eq!(*kept.get(9), Compact::default());
    }

    #[test]
    fn a_line_reading_or_broken_offsets_are_never_kept() {
        let mut entries = Entries::default();
        let mut read = compact(&[1], &[], &[], None);
        read.read_as = vec![(2, 1)].into();
        entries.push(read);
        assert!(postcard::to_stdvec(&entries).is_err());
        let mut packing = Packing::default();
        packing.push(&compact(&[1, 2], &[], &[], None)).unwrap();
        let mut packed = packing.packed();
        packed.word_ends.held_mut()[0] = 5;
        assert!(Entries::try_from(packed).is_err());
    }
}
