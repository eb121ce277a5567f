//! JSON invoice documents: `{"invoice_id": …, "vendor": …, "line_items": [ {…}, … ]}`, streamed.
//!
//! serde_json runs on a background thread over a buffered file with a visitor for the top object;
//! each element of `line_items` is taken as a [`RawValue`] (its exact source text), validated there and
//! sent through a bounded channel, so memory holds at most the channel's items whatever the file size.
//! Numbers are never parsed as floating point: a number's text goes to `parse_exact` as written.
//!
//! - The top level must be an object with a `line_items` array (the key matched case-insensitively,
//!   once). [`inspect`](super::inspect) scans the whole document, so a document that is complete but
//!   has no `line_items`, or one that is not an array, or two of them, is `Unusable` before any line is
//!   read; it also gives the exact item count. Other top-level keys (`invoice_id`, `vendor`, …) are
//!   skipped.
//! - A syntax error or a cut-off file is not `Unusable`: the items before it are read as usual, then
//!   one error line (line = next index, empty raw) names the problem and the reading ends.
//! - An item object with more than [`MAX_FIELDS`](super::MAX_FIELDS) members is an error of that line.
//! - Deep nesting: items are skipped and captured by serde_json's iterative scanner and objects are
//!   read one level deep, so 200,000 levels of `[` neither recurse nor panic; serde_json's recursion
//!   limit stays on for anything else.

use super::source::Verified;
use super::source::{BomSkip, MAX_FIELDS, READ_BUFFER};
use super::validate::Known;
use super::validate_fields;
use crate::domain::line::cap_raw;
use crate::domain::{Fields, LineError, LineResult};
use serde::Deserializer as _;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::value::RawValue;
use std::fmt;
use std::io::{self, BufRead, BufReader};
use std::marker::PhantomData;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Items validated ahead of the consumer.
const CHANNEL_ITEMS: usize = 1024;
/// The reader thread's stack. Nothing recurses deeper than serde_json's limit of 128 levels; this is
/// room to spare.
const THREAD_STACK: usize = 8 << 20;

const EXPECTED_SHAPE: &str = "expected {\"line_items\": [ … ]}";

// ----------------------------------------------------------------------------------------------
// One item (shared with JSON Lines)

/// An object's members in source order, values as raw JSON text: the first [`MAX_FIELDS`], and the
/// number of members in all.
struct Members(Vec<(String, Box<RawValue>)>, usize);

impl<'de> de::Deserialize<'de> for Members {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(4).min(64));
                let mut count = 0;
                while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
                    count += 1;
                    if members.len() < MAX_FIELDS {
                        members.push(entry);
                    }
                }
                Ok(Members(members, count))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

impl Kind {
    /// The kind of a valid JSON value from its first character.
    fn of(json: &str) -> Kind {
        match json.trim_start().as_bytes().first() {
            Some(b'{') => Kind::Object,
            Some(b'[') => Kind::Array,
            Some(b'"') => Kind::String,
            Some(b't' | b'f') => Kind::Bool,
            Some(b'n') => Kind::Null,
            _ => Kind::Number,
        }
    }

    fn described(self) -> &'static str {
        match self {
            Kind::Object => "an object",
            Kind::Array => "an array",
            Kind::String => "a string",
            Kind::Number => "a number",
            Kind::Bool => "a boolean",
            Kind::Null => "null",
        }
    }
}

/// Turn one JSON line item (an object's source text) into a validated line.
///
/// Values become field text: strings unescaped, numbers exactly as written, `null` as `""`, and
/// booleans, arrays and objects as their JSON text. For the known fields a boolean, array or object
/// is an error, and so is `null` for `quantity`/`unit_price` (for `sku`/`description` it is blank).
/// `raw` is `text` as given.
pub(crate) fn item_from_json(line: u64, text: &str) -> LineResult {
    let body = text.trim_matches([' ', '\t', '\n', '\r']);
    let error = |fields: Fields, reason: String| {
        Err(LineError {
            line,
            raw: cap_raw(text),
            fields,
            reason,
        })
    };
    if !body.starts_with('{') {
        return match serde_json::from_str::<IgnoredAny>(body) {
            Ok(_) => error(
                Vec::new(),
                format!("is {}, not a JSON object", Kind::of(body).described()),
            ),
            Err(e) => error(Vec::new(), format!("is not valid JSON: {e}")),
        };
    }
    let members = match serde_json::from_str::<Members>(body) {
        Ok(Members(_, count)) if count > MAX_FIELDS => {
            return error(
                Vec::new(),
                format!("is an object with {count} fields; at most {MAX_FIELDS}"),
            );
        }
        Ok(m) => m.0,
        Err(e) => return error(Vec::new(), format!("is not valid JSON: {e}")),
    };
    let mut fields: Fields = Vec::with_capacity(members.len());
    let mut problems: Vec<String> = Vec::new();
    for (key, value) in members {
        let json = value.get();
        let kind = Kind::of(json);
        let known = Known::of(&key);
        let text = match kind {
            Kind::String => match serde_json::from_str::<String>(json) {
                Ok(s) => s,
                Err(e) => {
                    problems.push(format!("\"{key}\" is not a valid JSON string: {e}"));
                    json.to_string()
                }
            },
            Kind::Null => String::new(),
            _ => json.to_string(),
        };
        if let Some(k) = known {
            match kind {
                Kind::Bool | Kind::Array | Kind::Object => problems.push(format!(
                    "{} is {}, expected a number or a string",
                    k.name(),
                    kind.described()
                )),
                Kind::Null if matches!(k, Known::Quantity | Known::UnitPrice) => problems.push(
                    format!("{} is null, expected a number or a string", k.name()),
                ),
                _ => {}
            }
        }
        fields.push((key, text));
    }
    if !problems.is_empty() {
        return error(fields, problems.join("; "));
    }
    validate_fields(line, text.to_string(), fields)
}

// ----------------------------------------------------------------------------------------------
// The document

/// How a pass over a JSON document ended.
#[derive(Debug)]
pub(crate) enum DocEnd {
    Complete,
    /// The document does not start with `{`.
    NotObject(String),
    /// The document is complete but has no `line_items`.
    NoLineItems,
    /// `line_items` is not an array, or is there twice.
    Structure(String),
    Syntax(String),
    Eof(String),
    Io(io::Error),
    /// The consumer went away.
    Stopped,
}

impl DocEnd {
    /// Problems with the document as a whole, known once it has been read to its end.
    pub(crate) fn unusable_reason(&self) -> Option<String> {
        match self {
            DocEnd::NotObject(why) | DocEnd::Structure(why) => Some(why.clone()),
            DocEnd::NoLineItems => Some(format!(
                "the JSON object has no \"line_items\" array ({EXPECTED_SHAPE})"
            )),
            _ => None,
        }
    }

    /// The reason for the error line that ends the items, if the pass did not complete.
    fn line_reason(self, items: u64) -> Option<String> {
        let after = match items {
            0 => "no item was read".to_string(),
            1 => "1 item was read before it".to_string(),
            n => format!("{n} items were read before it"),
        };
        match self {
            DocEnd::Complete | DocEnd::Stopped => None,
            DocEnd::Syntax(why) => Some(format!("{why}; {after} and reading stopped there")),
            DocEnd::Eof(why) => Some(format!("{why}; {after}, the rest is missing")),
            DocEnd::Io(e) => Some(format!(
                "cannot read the file: {e}; {after} and reading stopped there"
            )),
            other => other.unusable_reason(),
        }
    }
}

fn position(e: &serde_json::Error) -> String {
    format!("line {} column {}", e.line(), e.column())
}

/// serde_json's message without its " at line L column C" suffix.
fn message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_string()
}

fn classify(e: serde_json::Error) -> DocEnd {
    match e.classify() {
        serde_json::error::Category::Io => DocEnd::Io(e.into()),
        serde_json::error::Category::Eof => DocEnd::Eof(format!(
            "the JSON document ends early at {} (is the file cut short?)",
            position(&e)
        )),
        serde_json::error::Category::Syntax => DocEnd::Syntax(format!(
            "the JSON document is invalid at {}: {}",
            position(&e),
            message(&e)
        )),
        serde_json::error::Category::Data => DocEnd::Structure(format!(
            "{} (at {}; {EXPECTED_SHAPE})",
            message(&e),
            position(&e)
        )),
    }
}

/// Run over a JSON document, handing each element of `line_items` to `on_item` (which returns false
/// to stop). Returns how many items were handed over and how the pass ended.
pub(crate) fn drive<R, T, F>(mut reader: R, mut on_item: F) -> (u64, DocEnd)
where
    R: BufRead,
    T: DeserializeOwned,
    F: FnMut(T) -> bool,
{
    match first_byte(&mut reader) {
        Err(e) => return (0, DocEnd::Io(e)),
        Ok(Some(b'{')) => {}
        Ok(found) => return (0, DocEnd::NotObject(not_an_object(found))),
    }
    let mut count = 0u64;
    let mut stopped = false;
    let mut de = serde_json::Deserializer::from_reader(&mut reader);
    let visitor = DocVisitor {
        on_item: &mut on_item,
        count: &mut count,
        stopped: &mut stopped,
        _item: PhantomData,
    };
    let end = match (&mut de).deserialize_map(visitor) {
        Ok(found) => match de.end() {
            Err(e) => classify(e),
            Ok(()) if found => DocEnd::Complete,
            Ok(()) => DocEnd::NoLineItems,
        },
        Err(_) if stopped => DocEnd::Stopped,
        Err(e) => classify(e),
    };
    (count, end)
}

/// Skip leading whitespace; the first other byte.
fn first_byte<R: BufRead>(reader: &mut R) -> io::Result<Option<u8>> {
    loop {
        let buf = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(None);
        }
        let blank = buf
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            .count();
        if blank < buf.len() {
            let b = buf[blank];
            reader.consume(blank);
            return Ok(Some(b));
        }
        reader.consume(blank);
    }
}

fn not_an_object(found: Option<u8>) -> String {
    match found {
        None => format!("not a JSON object: the file holds only whitespace ({EXPECTED_SHAPE})"),
        Some(b'[') => format!("not a JSON object: the document is an array ({EXPECTED_SHAPE})"),
        Some(b) if b.is_ascii_graphic() => format!(
            "not a JSON object: it starts with '{}' ({EXPECTED_SHAPE})",
            b as char
        ),
        Some(b) => format!(
            "not a JSON object: it starts with byte 0x{b:02x}, is it a binary file? ({EXPECTED_SHAPE})"
        ),
    }
}

struct DocVisitor<'a, T, F> {
    on_item: &'a mut F,
    count: &'a mut u64,
    stopped: &'a mut bool,
    _item: PhantomData<fn() -> T>,
}

impl<'de, T: DeserializeOwned, F: FnMut(T) -> bool> Visitor<'de> for DocVisitor<'_, T, F> {
    /// Whether `line_items` was there.
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object with a \"line_items\" array")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<String>()? {
            if !key.eq_ignore_ascii_case("line_items") {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            if found {
                return Err(de::Error::custom(format!(
                    "\"{key}\" is there twice; a document holds one \"line_items\" array"
                )));
            }
            found = true;
            map.next_value_seed(ItemsSeed {
                on_item: &mut *self.on_item,
                count: &mut *self.count,
                stopped: &mut *self.stopped,
                _item: PhantomData,
            })?;
        }
        Ok(found)
    }
}

struct ItemsSeed<'a, T, F> {
    on_item: &'a mut F,
    count: &'a mut u64,
    stopped: &'a mut bool,
    _item: PhantomData<fn() -> T>,
}

impl<'de, T: DeserializeOwned, F: FnMut(T) -> bool> DeserializeSeed<'de> for ItemsSeed<'_, T, F> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: DeserializeOwned, F: FnMut(T) -> bool> Visitor<'de> for ItemsSeed<'_, T, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("\"line_items\" to be an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element::<T>()? {
            *self.count += 1;
            if !(self.on_item)(item) {
                *self.stopped = true;
                return Err(de::Error::custom("the reader was dropped"));
            }
        }
        Ok(())
    }
}

// ----------------------------------------------------------------------------------------------
// The streaming reader

enum Msg {
    Line(LineResult),
    End,
}

/// Lines from the reader thread.
pub(crate) struct JsonLines {
    rx: Receiver<Msg>,
    last_line: u64,
    done: bool,
}

impl JsonLines {
    pub(crate) fn spawn(file: Verified) -> io::Result<JsonLines> {
        let (tx, rx) = sync_channel(CHANNEL_ITEMS);
        std::thread::Builder::new()
            .name("batchops-json-reader".into())
            .stack_size(THREAD_STACK)
            .spawn(move || read_document(file, tx))?;
        Ok(JsonLines {
            rx,
            last_line: 0,
            done: false,
        })
    }
}

fn read_document(file: Verified, tx: SyncSender<Msg>) {
    let reader = BufReader::with_capacity(READ_BUFFER, BomSkip::new(file));
    let mut line = 0u64;
    let (count, end) = drive(reader, |raw: Box<RawValue>| {
        line += 1;
        tx.send(Msg::Line(item_from_json(line, raw.get()))).is_ok()
    });
    if let DocEnd::Stopped = end {
        return;
    }
    if let Some(reason) = end.line_reason(count) {
        let tail = LineError {
            line: count + 1,
            raw: String::new(),
            fields: Vec::new(),
            reason,
        };
        if tx.send(Msg::Line(Err(tail))).is_err() {
            return;
        }
    }
    let _ = tx.send(Msg::End);
}

impl Iterator for JsonLines {
    type Item = LineResult;

    fn next(&mut self) -> Option<LineResult> {
        if self.done {
            return None;
        }
        match self.rx.recv() {
            Ok(Msg::Line(result)) => {
                self.last_line = match &result {
                    Ok(item) => item.line,
                    Err(e) => e.line,
                };
                Some(result)
            }
            Ok(Msg::End) => {
                self.done = true;
                None
            }
            Err(_) => {
                // The thread ended without saying so: it panicked. Say so rather than end quietly.
                self.done = true;
                Some(Err(LineError {
                    line: self.last_line + 1,
                    raw: String::new(),
                    fields: Vec::new(),
                    reason:
                        "the JSON reader stopped unexpectedly; the rest of the file was not read"
                            .into(),
                }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::source::ByteSource;
    use super::super::test_support::{self, err, ok};
    use super::super::{InputError, InputFormat, inspect, open};
    use super::*;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn file(content: &[u8]) -> tempfile::NamedTempFile {
        test_support::file(content, InputFormat::Json)
    }

    fn read(content: &[u8]) -> Vec<LineResult> {
        test_support::read(content, InputFormat::Json)
    }

    /// Read without inspecting first (as if the file changed in between).
    fn read_uninspected(content: &[u8]) -> Vec<LineResult> {
        let f = file(content);
        let source = ByteSource::File(std::fs::File::open(f.path()).unwrap());
        let len = std::fs::metadata(f.path()).unwrap().len();
        JsonLines::spawn(Verified::new(source, len, "not the hash"))
            .unwrap()
            .collect()
    }

    fn unusable(content: &[u8]) -> String {
        let f = file(content);
        match inspect(f.path(), None) {
            Err(InputError::Unusable { reason, .. }) => reason,
            other => panic!("expected Unusable, got {other:?}"),
        }
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    const HAPPY: &str = r#"{
  "invoice_id": "INV-2024-001",
  "vendor": {"name": "ACME", "tags": [1, 2.5, null]},
  "line_items": [
    {"sku": "A-1", "description": "Blue widget", "quantity": 3, "unit_price": 0.1},
    {"sku": 12345, "description": "Gasket", "quantity": "2.5", "unit_price": "10.00", "note": {"x": [true]}},
    {"description": "Fee", "quantity": -1, "unit_price": 100, "sku": null}
  ]
}"#;

    #[test]
    fn happy_path_with_exact_numbers_and_raw_text() {
        let f = file(HAPPY.as_bytes());
        let batch = inspect(f.path(), None).unwrap();
        assert_eq!(batch.estimated_lines, 3, "the count is exact for JSON");
        let got: Vec<_> = open(&batch).unwrap().collect();
        assert_eq!(got.len(), 3);
        let a = ok(&got[0]);
        assert_eq!(a.line, 1);
        assert_eq!(a.unit_price.to_string(), "0.1", "0.1 is exactly one tenth");
        assert_eq!(a.quantity, d("3"));
        assert_eq!(
            a.raw,
            r#"{"sku": "A-1", "description": "Blue widget", "quantity": 3, "unit_price": 0.1}"#
        );
        let b = ok(&got[1]);
        assert_eq!(b.sku.as_deref(), Some("12345"), "a numeric sku is its text");
        assert_eq!((b.quantity, b.unit_price), (d("2.5"), d("10")));
        assert_eq!(
            b.fields[4],
            ("note".to_string(), r#"{"x": [true]}"#.to_string())
        );
        let c = ok(&got[2]);
        assert_eq!((c.line, c.sku.clone()), (3, None));
        assert_eq!((c.quantity, c.unit_price), (d("-1"), d("100")));
        assert_eq!(c.fields[3], ("sku".to_string(), String::new()));
    }

    #[test]
    fn numbers_keep_their_text() {
        let got = read(
            br#"{"line_items": [
                {"sku": "A", "quantity": 1e400, "unit_price": 1},
                {"sku": "A", "quantity": 123456789012345678901234567890, "unit_price": 1},
                {"sku": "A", "quantity": 0.30000000000000004, "unit_price": 1},
                {"sku": "A", "quantity": -0, "unit_price": 1.10},
                {"sku": 1.50, "quantity": 1, "unit_price": 1},
                {"sku": "A", "quantity": "NaN", "unit_price": 1}
            ]}"#,
        );
        assert!(
            err(&got[0])
                .reason
                .starts_with("quantity \"1e400\" is in exponent notation")
        );
        assert!(
            err(&got[1])
                .reason
                .starts_with("quantity \"123456789012345678901234567890\" is out of range")
        );
        assert!(
            err(&got[2]).reason.contains("more than 4 decimal places"),
            "no float rounding"
        );
        assert!(ok(&got[3]).quantity.is_zero());
        assert_eq!(ok(&got[3]).unit_price.to_string(), "1.1");
        assert_eq!(ok(&got[4]).sku.as_deref(), Some("1.50"));
        assert!(
            err(&got[5])
                .reason
                .starts_with("quantity \"NaN\" is not a finite number")
        );
    }

    /// Found by the hostile-input tests: an item of 1.5 million keys held them all (270 MiB).
    #[test]
    fn an_object_with_too_many_fields_is_a_line_error() {
        let keys: Vec<String> = (0..=MAX_FIELDS).map(|i| format!("\"k{i}\": 0")).collect();
        let wide = format!("{{{}}}", keys.join(","));
        let got = read(
            format!(
                "{{\"line_items\": [{wide}, {{\"sku\": \"A\", \"quantity\": 1, \"unit_price\": 2}}]}}"
            )
            .as_bytes(),
        );
        assert_eq!(got.len(), 2);
        assert_eq!(
            err(&got[0]).reason,
            "is an object with 1025 fields; at most 1024"
        );
        assert_eq!(ok(&got[1]).sku.as_deref(), Some("A"));
        let keys: Vec<String> = (0..MAX_FIELDS - 3)
            .map(|i| format!("\"k{i}\": 0"))
            .collect();
        let item = format!(
            "{{\"sku\": \"B\", \"quantity\": 1, \"unit_price\": 2, {}}}",
            keys.join(",")
        );
        assert_eq!(ok(&item_from_json(1, &item)).fields.len(), MAX_FIELDS);
    }

    #[test]
    fn wrong_types_are_line_errors() {
        let got = read(
            br#"{"line_items": [
                {"sku": "A", "quantity": [1], "unit_price": 1},
                {"sku": "A", "quantity": 1, "unit_price": {"amount": 1}},
                {"sku": true, "quantity": 1, "unit_price": 1},
                {"sku": "A", "quantity": null, "unit_price": 1},
                "A,1,2",
                42,
                [1, 2],
                null,
                {"sku": "A", "quantity": 1, "unit_price": 1}
            ]}"#,
        );
        assert_eq!(got.len(), 9);
        assert_eq!(
            err(&got[0]).reason,
            "quantity is an array, expected a number or a string"
        );
        assert_eq!(
            err(&got[1]).reason,
            "unit_price is an object, expected a number or a string"
        );
        assert_eq!(
            err(&got[2]).reason,
            "sku is a boolean, expected a number or a string"
        );
        assert_eq!(
            err(&got[3]).reason,
            "quantity is null, expected a number or a string"
        );
        assert_eq!(err(&got[4]).reason, "is a string, not a JSON object");
        assert_eq!(err(&got[4]).raw, "\"A,1,2\"");
        assert_eq!(err(&got[5]).reason, "is a number, not a JSON object");
        assert_eq!(err(&got[6]).reason, "is an array, not a JSON object");
        assert_eq!(err(&got[7]).reason, "is null, not a JSON object");
        assert_eq!(
            err(&got[0]).fields.len(),
            3,
            "fields are kept for the reject file"
        );
        assert_eq!(err(&got[0]).line, 1);
        assert_eq!(ok(&got[8]).line, 9);
    }

    #[test]
    fn a_lone_surrogate_escape_is_a_line_error() {
        let got = read(
            br#"{"line_items": [{"sku": "\ud800", "quantity": 1, "unit_price": 1}, {"sku": "\ud83d\ude00", "quantity": 1, "unit_price": 1}]}"#,
        );
        assert_eq!(got.len(), 2);
        assert!(
            err(&got[0]).reason.contains("sku"),
            "{}",
            err(&got[0]).reason
        );
        assert_eq!(
            ok(&got[1]).sku.as_deref(),
            Some("\u{1f600}"),
            "a surrogate pair is fine"
        );
    }

    #[test]
    fn escapes_and_hostile_text_come_through_verbatim() {
        let got = read(
            br#"{"line_items": [{"sku": "A\u0000B", "description": "Robert'); DROP TABLE x;-- \u001b[31mred\u001b[0m \"q\"", "quantity": 1, "unit_price": 1}]}"#,
        );
        let a = ok(&got[0]);
        assert_eq!(a.sku.as_deref(), Some("A\0B"));
        assert_eq!(
            a.description,
            "Robert'); DROP TABLE x;-- \x1b[31mred\x1b[0m \"q\""
        );
    }

    #[test]
    fn a_truncated_document_keeps_earlier_items_then_one_error() {
        let full = br#"{"line_items": [{"sku": "A", "quantity": 1, "unit_price": 1}, {"sku": "B", "quantity": 2, "unit_price": 2}, {"sku": "C", "quan"#;
        let got = read(full);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(ok(&got[1]).sku.as_deref(), Some("B"));
        let e = err(&got[2]);
        assert_eq!(e.line, 3);
        assert!(
            e.reason
                .starts_with("the JSON document ends early at line 1 column"),
            "{}",
            e.reason
        );
        assert!(
            e.reason
                .ends_with("2 items were read before it, the rest is missing"),
            "{}",
            e.reason
        );
    }

    #[test]
    fn a_syntax_error_mid_array_keeps_earlier_items_then_one_error() {
        let got = read(
            b"{\"line_items\": [\n{\"sku\": \"A\", \"quantity\": 1, \"unit_price\": 1},\n{\"sku\": \"B\" \"quantity\": 2},\n{\"sku\": \"C\", \"quantity\": 1, \"unit_price\": 1}]}",
        );
        assert_eq!(got.len(), 2);
        assert!(got[0].is_ok());
        let e = err(&got[1]);
        assert_eq!(e.line, 2);
        assert!(
            e.reason
                .starts_with("the JSON document is invalid at line 3 column ")
                && e.reason.contains("expected `,` or `}`"),
            "{}",
            e.reason
        );
    }

    #[test]
    fn trailing_garbage_after_the_document_is_reported() {
        let got = read(
            br#"{"line_items": [{"sku": "A", "quantity": 1, "unit_price": 1}]} {"line_items": []}"#,
        );
        assert_eq!(got.len(), 2);
        assert!(
            err(&got[1]).reason.contains("trailing characters"),
            "{}",
            err(&got[1]).reason
        );
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        let depth = 200_000;
        let open_close = |prefix: &str, suffix: &str, closed: bool| {
            let mut s = prefix.to_string();
            s.push_str(&"[".repeat(depth));
            if closed {
                s.push_str(&"]".repeat(depth));
            }
            s.push_str(suffix);
            s.into_bytes()
        };
        // An item that is 200,000 arrays deep.
        let got = read(&open_close(
            r#"{"line_items": [{"sku":"A","quantity":1,"unit_price":1},"#,
            "]}",
            true,
        ));
        assert_eq!(got.len(), 2);
        assert_eq!(err(&got[1]).reason, "is an array, not a JSON object");
        assert!(err(&got[1]).raw.len() < 5 * 4096, "raw is capped");
        // A field 200,000 arrays deep.
        let got = read(&open_close(
            r#"{"line_items": [{"quantity":1,"unit_price":1,"sku":"#,
            "}]}",
            true,
        ));
        assert_eq!(
            err(&got[0]).reason,
            "sku is an array, expected a number or a string"
        );
        // Deep in an ignored top-level key.
        let got = read(&open_close(
            r#"{"vendor": "#,
            r#", "line_items": []}"#,
            true,
        ));
        assert!(got.is_empty());
        // Never closed: a cut-off document.
        let got = read(&open_close(r#"{"line_items": ["#, "", false));
        assert_eq!(got.len(), 1);
        assert!(
            err(&got[0])
                .reason
                .starts_with("the JSON document ends early"),
            "{}",
            err(&got[0]).reason
        );
        // Deep objects too.
        let mut objects =
            r#"{"line_items": [{"sku": "A", "quantity": 1, "unit_price": 1, "x": "#.to_string();
        objects.push_str(&"{\"a\":".repeat(depth));
        objects.push('1');
        objects.push_str(&"}".repeat(depth));
        objects.push_str("}]}");
        let got = read(objects.as_bytes());
        assert_eq!(
            ok(&got[0]).fields[3].1.len(),
            depth * 6 + 1,
            "kept as its JSON text"
        );
        // The document itself is an array.
        assert!(
            unusable(&open_close("", "", true))
                .starts_with("not a JSON object: the document is an array")
        );
    }

    #[test]
    fn the_document_shape_is_checked_by_inspect() {
        assert!(
            unusable(br#"{"invoice_id": "X", "items": []}"#)
                .starts_with("the JSON object has no \"line_items\" array")
        );
        assert!(
            unusable(br#"{"line_items": {"sku": "A"}}"#)
                .starts_with("invalid type: map, expected \"line_items\" to be an array")
        );
        assert!(unusable(br#"{"line_items": null}"#).starts_with("invalid type: null"));
        assert!(
            unusable(br#"{"line_items": [], "Line_Items": []}"#)
                .starts_with("\"Line_Items\" is there twice")
        );
        assert!(
            unusable(br#"[{"sku": "A"}]"#)
                .starts_with("not a JSON object: the document is an array")
        );
        assert!(unusable(b"sku,quantity\n").starts_with("not a JSON object: it starts with 's'"));
        assert!(
            unusable(b"\x89PNG\r\n").starts_with("not a JSON object: it starts with byte 0x89")
        );
    }

    #[test]
    fn shape_problems_are_a_line_error_if_the_file_was_not_inspected() {
        let got = read_uninspected(br#"{"invoice_id": "X"}"#);
        assert_eq!(got.len(), 1);
        assert_eq!(err(&got[0]).line, 1);
        assert!(
            err(&got[0])
                .reason
                .starts_with("the JSON object has no \"line_items\" array")
        );
        let got = read_uninspected(b"");
        assert!(err(&got[0]).reason.starts_with("not a JSON object"));
    }

    #[test]
    fn bom_and_case_insensitive_keys() {
        let got = read(b"\xEF\xBB\xBF {\"LINE_ITEMS\": [{\"SKU\": \"A\", \"Quantity\": 1, \"Unit_Price\": 2}]}");
        assert_eq!(ok(&got[0]).unit_price, d("2"));
    }

    #[test]
    fn a_5mb_description_is_an_error_with_capped_raw() {
        let mut doc =
            br#"{"line_items": [{"sku": "A", "quantity": 1, "unit_price": 1, "description": ""#
                .to_vec();
        doc.extend(std::iter::repeat_n(b'x', 5 * 1024 * 1024));
        doc.extend_from_slice(br#""}, {"sku": "B", "quantity": 1, "unit_price": 1}]}"#);
        let got = read(&doc);
        assert_eq!(
            err(&got[0]).reason,
            "description is 5242880 characters long; at most 1000"
        );
        assert!(err(&got[0]).raw.len() < 8192);
        assert!(got[1].is_ok());
    }

    #[test]
    fn dropping_the_reader_early_stops_the_thread() {
        let mut doc = String::from(r#"{"line_items": ["#);
        for i in 0..20_000 {
            doc.push_str(&format!(
                r#"{{"sku": "S{i}", "quantity": 1, "unit_price": 1}},"#
            ));
        }
        doc.push_str(r#"{"sku": "last", "quantity": 1, "unit_price": 1}]}"#);
        let f = file(doc.as_bytes());
        let batch = inspect(f.path(), None).unwrap();
        assert_eq!(batch.estimated_lines, 20_001);
        let mut reader = open(&batch).unwrap();
        assert_eq!(ok(&reader.next().unwrap()).sku.as_deref(), Some("S0"));
        drop(reader); // the thread's next send fails and it returns; nothing hangs
        let all: Vec<_> = open(&batch).unwrap().collect();
        assert_eq!(all.len(), 20_001);
        assert_eq!(ok(&all[20_000]).line, 20_001);
    }
}
