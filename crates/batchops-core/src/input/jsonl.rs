//! JSON Lines batches: one JSON object per line, each parsed on its own.
//!
//! - Lines end with `\n` (a `\r` before it is dropped). Blank lines are skipped and take no line
//!   number: `line` is the index among non-blank lines.
//! - A line that is not valid UTF-8, not valid JSON or not an object is an error of that line with
//!   the line's text as raw, and reading goes on.
//! - Lines are read with a bound: a line longer than [`MAX_RECORD_BYTES`] is not held in memory;
//!   it is an error line (raw = its start) and reading goes on at the next line.

use super::json_doc::item_from_json;
use super::source::Verified;
use super::source::{BomSkip, MAX_RECORD_BYTES, READ_BUFFER, human_bytes, is_blank};
use crate::domain::line::MAX_RAW_CHARS;
use crate::domain::{LineError, LineResult};
use std::io::{self, BufRead, BufReader, Read};

/// Streaming reader over the lines of a JSON Lines file.
pub(crate) struct JsonlLines<R = Verified> {
    rdr: BufReader<BomSkip<R>>,
    buf: Vec<u8>,
    limit: usize,
    line: u64,
    done: bool,
}

enum Got {
    Line,
    /// The line was longer than the limit: `buf` holds its start, the number is its full length.
    TooLong(u64),
    Eof,
}

impl<R: Read> JsonlLines<R> {
    pub(crate) fn new(source: R) -> Self {
        JsonlLines::with_limit(source, MAX_RECORD_BYTES)
    }

    pub(crate) fn with_limit(source: R, limit: usize) -> Self {
        JsonlLines {
            rdr: BufReader::with_capacity(READ_BUFFER, BomSkip::new(source)),
            buf: Vec::new(),
            limit,
            line: 0,
            done: false,
        }
    }

    /// Read the next line into `buf` (without its line ending), keeping at most `limit` bytes.
    fn read_line(&mut self) -> io::Result<Got> {
        self.buf.clear();
        let mut total: u64 = 0;
        let mut too_long = false;
        loop {
            let available = match self.rdr.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                return Ok(match (total, too_long) {
                    (0, _) => Got::Eof,
                    (_, true) => Got::TooLong(total),
                    _ => Got::Line,
                });
            }
            let newline = available.iter().position(|&b| b == b'\n');
            let part = &available[..newline.unwrap_or(available.len())];
            total += part.len() as u64;
            if !too_long {
                let room = self.limit - self.buf.len();
                if part.len() <= room {
                    self.buf.extend_from_slice(part);
                } else {
                    self.buf.extend_from_slice(&part[..room]);
                    too_long = true;
                }
            }
            let used = part.len() + usize::from(newline.is_some());
            self.rdr.consume(used);
            if newline.is_some() {
                if self.buf.last() == Some(&b'\r') && !too_long {
                    self.buf.pop();
                }
                return Ok(if too_long {
                    Got::TooLong(total)
                } else {
                    Got::Line
                });
            }
        }
    }

    fn error(&self, raw: String, reason: String) -> LineResult {
        Err(LineError {
            line: self.line,
            raw,
            fields: Vec::new(),
            reason,
        })
    }
}

impl<R: Read> Iterator for JsonlLines<R> {
    type Item = LineResult;

    fn next(&mut self) -> Option<LineResult> {
        if self.done {
            return None;
        }
        loop {
            let got = match self.read_line() {
                Ok(got) => got,
                Err(e) => {
                    self.done = true;
                    self.line += 1;
                    return Some(self.error(
                        String::new(),
                        format!("cannot read the file: {e}; the rest of the file was not read"),
                    ));
                }
            };
            match got {
                Got::Eof => {
                    self.done = true;
                    return None;
                }
                Got::Line if is_blank(&self.buf) => continue,
                Got::TooLong(total) => {
                    self.line += 1;
                    // Keep the line's start as raw, marked like `cap_raw` marks a cut.
                    let head = &self.buf[..self.buf.len().min(MAX_RAW_CHARS)];
                    let head = String::from_utf8_lossy(head);
                    let raw = format!("{head}… [{} more bytes]", total - head.len() as u64);
                    let reason = format!(
                        "is {total} bytes long; a line longer than {} is not read",
                        human_bytes(self.limit)
                    );
                    return Some(self.error(raw, reason));
                }
                Got::Line => {
                    self.line += 1;
                    return Some(match std::str::from_utf8(&self.buf) {
                        Ok(text) => item_from_json(self.line, text),
                        Err(e) => {
                            let raw =
                                crate::domain::line::cap_raw(&String::from_utf8_lossy(&self.buf));
                            let reason = format!(
                                "is not valid UTF-8 (bad byte at column {}); the raw text shows it as \u{fffd}",
                                e.valid_up_to() + 1
                            );
                            self.error(raw, reason)
                        }
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{self, err, ok};
    use super::super::{InputFormat, inspect, open};
    use super::*;

    fn file(content: &[u8]) -> tempfile::NamedTempFile {
        test_support::file(content, InputFormat::Jsonl)
    }

    fn read(content: &[u8]) -> Vec<LineResult> {
        test_support::read(content, InputFormat::Jsonl)
    }

    #[test]
    fn a_bad_line_in_the_middle_does_not_stop_the_rest() {
        let got = read(
            b"{\"sku\": \"A\", \"quantity\": 1, \"unit_price\": 0.1}\n\
              {\"sku\": \"B\", \"quantity\": 1, \"unit_price\": }\n\
              {\"sku\": \"C\", \"quantity\": 3, \"unit_price\": \"2\"}\n",
        );
        assert_eq!(got.len(), 3);
        assert_eq!(ok(&got[0]).unit_price.to_string(), "0.1");
        let e = err(&got[1]);
        assert_eq!(e.line, 2);
        assert!(
            e.reason
                .starts_with("is not valid JSON: expected value at line 1 column"),
            "{}",
            e.reason
        );
        assert_eq!(e.raw, "{\"sku\": \"B\", \"quantity\": 1, \"unit_price\": }");
        assert_eq!(ok(&got[2]).line, 3);
    }

    #[test]
    fn blank_lines_are_skipped_and_not_counted() {
        let f = file(b"\xEF\xBB\xBF\n{\"sku\":\"A\",\"quantity\":1,\"unit_price\":1}\r\n\r\n   \n{\"sku\":\"B\",\"quantity\":1,\"unit_price\":1}");
        let batch = inspect(f.path(), None).unwrap();
        assert_eq!(batch.estimated_lines, 2);
        let got: Vec<_> = open(&batch).unwrap().collect();
        assert_eq!(got.len(), 2);
        assert_eq!(
            ok(&got[0]).raw,
            "{\"sku\":\"A\",\"quantity\":1,\"unit_price\":1}"
        );
        assert_eq!(
            (ok(&got[1]).line, ok(&got[1]).sku.as_deref()),
            (2, Some("B"))
        );
    }

    #[test]
    fn non_objects_and_trailing_text_are_line_errors() {
        let got = read(
            b"[1,2]\n\"text\"\nnot json\n{\"sku\":\"A\",\"quantity\":1,\"unit_price\":1} extra\n",
        );
        assert_eq!(err(&got[0]).reason, "is an array, not a JSON object");
        assert_eq!(err(&got[1]).reason, "is a string, not a JSON object");
        assert!(
            err(&got[2])
                .reason
                .starts_with("is not valid JSON: expected ident"),
            "{}",
            err(&got[2]).reason
        );
        assert!(
            err(&got[3])
                .reason
                .starts_with("is not valid JSON: trailing characters")
        );
        assert_eq!(got.len(), 4);
    }

    #[test]
    fn invalid_utf8_is_a_line_error() {
        let got = read(b"{\"sku\":\"Caf\xE9\",\"quantity\":1,\"unit_price\":1}\n{\"sku\":\"B\",\"quantity\":1,\"unit_price\":1}\n");
        let e = err(&got[0]);
        assert!(
            e.reason
                .starts_with("is not valid UTF-8 (bad byte at column 12)"),
            "{}",
            e.reason
        );
        assert_eq!(
            e.raw,
            "{\"sku\":\"Caf\u{fffd}\",\"quantity\":1,\"unit_price\":1}"
        );
        assert!(got[1].is_ok());
    }

    #[test]
    fn a_line_over_the_limit_is_not_held_and_the_next_line_reads() {
        let mut content = b"{\"sku\":\"A\",\"quantity\":1,\"unit_price\":1,\"pad\":\"".to_vec();
        content.extend(std::iter::repeat_n(b'x', 300_000));
        content.extend_from_slice(b"\"}\n{\"sku\":\"B\",\"quantity\":1,\"unit_price\":1}\n");
        let got: Vec<_> = JsonlLines::with_limit(&content[..], 100_000).collect();
        assert_eq!(got.len(), 2);
        let e = err(&got[0]);
        assert_eq!(e.line, 1);
        let first_len = content.iter().position(|&b| b == b'\n').unwrap();
        assert_eq!(
            e.reason,
            format!("is {first_len} bytes long; a line longer than 100000 bytes is not read")
        );
        assert!(e.raw.starts_with("{\"sku\":\"A\""));
        assert!(e.raw.chars().count() < 4200);
        assert_eq!(ok(&got[1]).line, 2);
        assert_eq!(ok(&got[1]).sku.as_deref(), Some("B"));
    }

    #[test]
    fn a_5mb_field_reaches_validation() {
        let mut content =
            b"{\"sku\":\"A\",\"quantity\":1,\"unit_price\":1,\"description\":\"".to_vec();
        content.extend(std::iter::repeat_n(b'y', 5 * 1024 * 1024));
        content.extend_from_slice(b"\"}\n");
        let got = read(&content);
        assert_eq!(
            err(&got[0]).reason,
            "description is 5242880 characters long; at most 1000"
        );
        assert!(err(&got[0]).raw.len() < 8192);
    }

    #[test]
    fn deep_nesting_on_a_line_is_an_error_not_a_crash() {
        let mut content = "[".repeat(200_000).into_bytes();
        content.push(b'\n');
        content.extend_from_slice(b"{\"x\":");
        content.extend(std::iter::repeat_n(b'[', 200_000));
        content.extend(std::iter::repeat_n(b']', 200_000));
        content.extend_from_slice(b",\"sku\":\"A\",\"quantity\":1,\"unit_price\":1}\n");
        let got = read(&content);
        assert_eq!(got.len(), 2);
        assert!(
            err(&got[0])
                .reason
                .starts_with("is not valid JSON: EOF while parsing"),
            "{}",
            err(&got[0]).reason
        );
        assert!(got[1].is_ok(), "{:?}", got[1]);
    }
}
