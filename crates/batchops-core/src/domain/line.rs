//! One line of a batch, as read from the input file.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The named fields of a record in input order (CSV columns, JSON keys), values as text.
/// Kept so a failed line can be exported with its original columns and retried later.
pub type Fields = Vec<(String, String)>;

/// A line that parsed and validated: ready for mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineItem {
    /// 1-based position of the item in its batch.
    pub line: u64,
    /// Trimmed SKU; `None` when the column is missing or blank.
    pub sku: Option<String>,
    /// Trimmed description (may be empty when a SKU is given).
    pub description: String,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    /// The record exactly as read (CSV: the record re-joined as CSV text; JSON: the item's source text).
    pub raw: String,
    /// The record's named fields, in input order.
    pub fields: Fields,
}

/// A line that could not be read or validated. The rest of the batch goes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineError {
    /// 1-based position of the item in its batch.
    pub line: u64,
    /// The record exactly as read (lossy UTF-8 where the input was not valid UTF-8), capped in size.
    pub raw: String,
    /// The fields that could be decoded, if any (used by the reject-file export and by retry after edit).
    pub fields: Fields,
    /// Plain reason, e.g. `quantity "1,5" is not a decimal number`.
    pub reason: String,
}

pub type LineResult = Result<LineItem, LineError>;

/// Raw text kept for a record is capped so that a 5 MB field does not end up whole in every report.
pub const MAX_RAW_CHARS: usize = 4096;

/// Cap a raw record for storage, marking the cut.
pub fn cap_raw(raw: &str) -> String {
    if raw.chars().count() <= MAX_RAW_CHARS {
        return raw.to_string();
    }
    let kept: String = raw.chars().take(MAX_RAW_CHARS).collect();
    format!("{kept}… [{} more bytes]", raw.len() - kept.len())
}
