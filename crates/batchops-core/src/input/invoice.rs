//! The invoice a batch file names: supplier (vendor) and invoice number, where the format carries
//! them. The overlap check (crates/batchops-engine/src/engine/overlap.rs) refuses a second file of the same invoice.
//!
//! JSON invoice documents carry `vendor` (a name, or an object with a `name`) and `invoice_id`
//! at the top level. CSV and JSON Lines files carry none yet: supplier profiles will say which
//! columns hold them, and [`invoice_of`] is where they are read.

use super::{BatchFile, InputFormat};
use serde::Deserialize;
use serde::de::{IgnoredAny, MapAccess, Visitor};
use std::fmt;
use std::io::{BufRead, BufReader};

/// A supplier's invoice as a file names it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InvoiceRef {
    pub vendor: String,
    pub invoice_id: String,
}

/// The invoice `file` names, if its format carries one and both parts are there. A file that
/// cannot be read as such names none (its reader reports why, line by line).
pub fn invoice_of(file: &BatchFile) -> Option<InvoiceRef> {
    match file.format {
        InputFormat::Json => json_invoice(file).ok().flatten(),
        InputFormat::Csv | InputFormat::Jsonl | InputFormat::Sheet => None,
    }
}

fn json_invoice(file: &BatchFile) -> std::io::Result<Option<InvoiceRef>> {
    let mut reader = BufReader::new(std::fs::File::open(&file.path)?);
    if reader.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
    }
    let mut de = serde_json::Deserializer::from_reader(reader);
    let header = Header::deserialize(&mut de).map_err(std::io::Error::other)?;
    Ok(header
        .vendor
        .zip(header.invoice_id)
        .map(|(vendor, invoice_id)| InvoiceRef { vendor, invoice_id }))
}

/// The top-level `vendor` and `invoice_id` of a JSON document; every other key is skipped
/// without being kept (the line items can be large).
#[derive(Default)]
struct Header {
    vendor: Option<String>,
    invoice_id: Option<String>,
}

impl<'de> Deserialize<'de> for Header {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(HeaderVisitor)
    }
}

struct HeaderVisitor;

impl<'de> Visitor<'de> for HeaderVisitor {
    type Value = Header;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON invoice document")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Header, A::Error> {
        let mut h = Header::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "vendor" => h.vendor = name_of(&map.next_value::<serde_json::Value>()?),
                "invoice_id" => h.invoice_id = name_of(&map.next_value::<serde_json::Value>()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(h)
    }
}

/// A vendor or invoice number as compared: text or number, or an object's `name`; trimmed and
/// case-folded. Blank is none.
fn name_of(v: &serde_json::Value) -> Option<String> {
    let text = match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Object(o) => return o.get("name").and_then(name_of),
        _ => return None,
    };
    let text = text.trim().to_lowercase();
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(json: &str) -> Option<(String, String)> {
        let h = Header::deserialize(&mut serde_json::Deserializer::from_str(json)).ok()?;
        h.vendor.zip(h.invoice_id)
    }

    #[test]
    fn vendor_and_invoice_are_read_wherever_they_stand() {
        assert_eq!(
            header(
                r#"{"line_items": [{"sku": "A"}], "vendor": {"name": " ACME "}, "invoice_id": "INV-1"}"#
            ),
            Some(("acme".into(), "inv-1".into()))
        );
        assert_eq!(
            header(r#"{"vendor": "Bolt Supply", "invoice_id": 42}"#),
            Some(("bolt supply".into(), "42".into()))
        );
        assert_eq!(header(r#"{"vendor": "", "invoice_id": "X"}"#), None);
        assert_eq!(header(r#"{"invoice_id": "X"}"#), None);
    }
}
