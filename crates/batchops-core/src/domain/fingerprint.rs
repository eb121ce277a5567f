//! A line's content fingerprint: what the line says, independent of where it stands.
//!
//! Two 8-byte hashes (of the SHA-256) per line, each with an occurrence number so that two
//! identical lines of one invoice are two lines:
//! - the **fingerprint**: the normalised SKU (trimmed, case-folded), the normalised description (as
//!   [`crate::mapping::normalize`] reads it: case, punctuation and word order do not count), the
//!   quantity and the unit price as exact decimals (`4.0` is `4`), and the occurrence number of
//!   that whole content in the file. The same fingerprint is the same line, landed already.
//! - the **line key**: the SKU and description alone, with their own occurrence number. The same
//!   key under another fingerprint is the same line with another quantity or price: changed.
//!
//! The description is normalised without the lexicon on purpose: a lexicon edited between an
//! invoice and its re-sent copy must not make every line look new.

use super::LineItem;
use sha2::{Digest, Sha256};

/// A line's two hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LinePrint {
    pub fingerprint: i64,
    pub line_key: i64,
}

/// What a line's two hashes are made of before their occurrence numbers: computed on any thread,
/// numbered in file order by [`Fingerprinter::number`].
#[derive(Debug, Clone, Copy)]
pub struct LineDigests {
    key: u128,
    content: u128,
}

impl LineDigests {
    pub fn of(item: &LineItem) -> Self {
        let sku = item.sku.as_deref().unwrap_or("").trim().to_lowercase();
        let description = crate::mapping::normalize(&item.description);
        let mut h = Sha256::new();
        h.update(b"key\x1f");
        h.update(sku.as_bytes());
        h.update([0x1f]);
        h.update(description.as_bytes());
        let key = digest128(h.clone());
        h.update([0x1f]);
        h.update(item.quantity.normalize().to_string().as_bytes());
        h.update([0x1f]);
        h.update(item.unit_price.normalize().to_string().as_bytes());
        LineDigests {
            key,
            content: digest128(h),
        }
    }

    /// The digests of many lines, in their order, computed on every core.
    pub fn of_all(items: &[LineItem]) -> Vec<LineDigests> {
        use rayon::prelude::*;
        items
            .par_iter()
            .with_min_len(DIGESTS_PER_TASK)
            .map(LineDigests::of)
            .collect()
    }
}

/// Lines digested per task when many are digested at once: enough to be worth a thread.
const DIGESTS_PER_TASK: usize = 512;

/// Numbers the lines of one file in order: feed it every line that parsed, first to last.
#[derive(Debug, Default)]
pub struct Fingerprinter {
    /// Occurrences so far of each content and of each key, by a 128-bit digest.
    seen: crate::mapping::HashMap<u128, u32>,
}

impl Fingerprinter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Room for a file of about `lines` lines (two hashes each).
    pub fn for_lines(lines: usize) -> Self {
        Fingerprinter {
            seen: crate::mapping::HashMap::with_capacity_and_hasher(
                lines.saturating_mul(2),
                Default::default(),
            ),
        }
    }

    /// The hashes of the next line of the file.
    pub fn next(&mut self, item: &LineItem) -> LinePrint {
        self.number(LineDigests::of(item))
    }

    /// The hashes of the next line of the file, from its digests.
    pub fn number(&mut self, digests: LineDigests) -> LinePrint {
        LinePrint {
            fingerprint: self.numbered(digests.content ^ 1),
            line_key: self.numbered(digests.key),
        }
    }

    /// 8 bytes of the digest of `what` and its occurrence number so far.
    fn numbered(&mut self, what: u128) -> i64 {
        let occurrence = self.seen.entry(what).or_insert(0);
        *occurrence += 1;
        let mut h = Sha256::new();
        h.update(what.to_le_bytes());
        h.update(occurrence.to_le_bytes());
        let digest = h.finalize();
        i64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
    }
}

fn digest128(h: Sha256) -> u128 {
    let digest = h.finalize();
    u128::from_le_bytes(digest[..16].try_into().expect("16 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn item(sku: Option<&str>, description: &str, quantity: &str) -> LineItem {
        LineItem {
            line: 1,
            sku: sku.map(str::to_string),
            description: description.into(),
            quantity: Decimal::from_str(quantity).unwrap(),
            unit_price: Decimal::ONE,
            raw: String::new(),
            fields: Vec::new(),
        }
    }

    #[test]
    fn same_content_same_fingerprint_wherever_it_stands() {
        let mut a = Fingerprinter::new();
        let mut b = Fingerprinter::new();
        let first = a.next(&item(Some("W-1"), "Zinc Hex-Bolt, M8", "5"));
        b.next(&item(Some("X-9"), "other", "1"));
        let moved = b.next(&item(Some(" w-1 "), "bolt hex m8 zinc", "5.00"));
        assert_eq!(
            first, moved,
            "case, spaces, word order, position and trailing zeros do not count"
        );
    }

    #[test]
    fn another_quantity_keeps_the_key_and_changes_the_fingerprint() {
        let a = Fingerprinter::new().next(&item(Some("W-1"), "Widget", "5"));
        let b = Fingerprinter::new().next(&item(Some("W-1"), "Widget", "6"));
        assert_eq!(a.line_key, b.line_key);
        assert_ne!(a.fingerprint, b.fingerprint);
    }

    #[test]
    fn a_repeated_line_is_a_second_fingerprint() {
        let mut f = Fingerprinter::new();
        let one = f.next(&item(Some("W-1"), "Widget", "5"));
        let two = f.next(&item(Some("W-1"), "Widget", "5"));
        let other = f.next(&item(Some("W-2"), "Widget", "5"));
        assert_ne!(one.fingerprint, two.fingerprint);
        assert_ne!(one.line_key, two.line_key);
        assert_ne!(one.fingerprint, other.fingerprint);
        assert_ne!(two.fingerprint, other.fingerprint);
    }

    /// Digests computed many at once on every core, then numbered, are the prints of the lines
    /// fingerprinted one after another (repeated lines among them).
    #[test]
    fn lines_digested_at_once_are_numbered_as_one_at_a_time() {
        let items: Vec<LineItem> = (0..5 * DIGESTS_PER_TASK)
            .map(|i| {
                item(
                    Some(&format!("W-{}", i % 700)),
                    "Widget",
                    &format!("{}", i % 3),
                )
            })
            .collect();
        let mut one_by_one = Fingerprinter::new();
        let expected: Vec<LinePrint> = items.iter().map(|i| one_by_one.next(i)).collect();
        let mut at_once = Fingerprinter::new();
        let got: Vec<LinePrint> = LineDigests::of_all(&items)
            .into_iter()
            .map(|d| at_once.number(d))
            .collect();
        assert_eq!(got, expected);
        let distinct: std::collections::HashSet<_> = got.iter().map(|p| p.fingerprint).collect();
        assert_eq!(
            distinct.len(),
            items.len(),
            "a repeated line is another print"
        );
    }
}
