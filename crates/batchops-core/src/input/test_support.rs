//! Helpers shared by the readers' unit tests.

use super::{InputFormat, inspect, open};
use crate::domain::{LineError, LineItem, LineResult};
use std::io::Write;

/// A temporary file with `content` and the extension of `format`.
pub fn file(content: &[u8], format: InputFormat) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new()
        .suffix(&format!(".{}", format.as_str()))
        .tempfile()
        .unwrap();
    f.write_all(content).unwrap();
    f.flush().unwrap();
    f
}

/// Inspect and read a whole file of `format`.
pub fn read(content: &[u8], format: InputFormat) -> Vec<LineResult> {
    let f = file(content, format);
    let batch = inspect(f.path(), None).unwrap();
    assert_eq!(batch.format, format);
    open(&batch).unwrap().collect()
}

pub fn ok(r: &LineResult) -> &LineItem {
    r.as_ref()
        .unwrap_or_else(|e| panic!("line {}: {}", e.line, e.reason))
}

pub fn err(r: &LineResult) -> &LineError {
    r.as_ref().expect_err("should be a line error")
}
