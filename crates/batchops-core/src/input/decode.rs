//! From a file's bytes to UTF-8 text: decompression by magic bytes (gzip, zstd), then the
//! encoding: a byte order mark says UTF-8, UTF-16LE or UTF-16BE; without one a file is UTF-8 when
//! every byte of it is valid UTF-8, Windows-1252 otherwise. A file that holds both UTF-8
//! characters and bytes that are not UTF-8 is mixed and refused (see [`Utf8Probe`]).

use super::source::{BomSkip, READ_BUFFER};
use std::io::{self, BufRead, BufReader, Read};

/// How a file's bytes are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// The text encoding of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TextEncoding {
    #[serde(rename = "utf-8")]
    Utf8,
    #[serde(rename = "utf-16le")]
    Utf16le,
    #[serde(rename = "utf-16be")]
    Utf16be,
    #[serde(rename = "windows-1252")]
    Windows1252,
}

impl TextEncoding {
    pub fn as_str(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Utf16le => "utf-16le",
            TextEncoding::Utf16be => "utf-16be",
            TextEncoding::Windows1252 => "windows-1252",
        }
    }
}

impl std::str::FromStr for TextEncoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(TextEncoding::Utf8),
            "utf-16le" | "utf16le" => Ok(TextEncoding::Utf16le),
            "utf-16be" | "utf16be" => Ok(TextEncoding::Utf16be),
            "windows-1252" | "cp1252" | "latin1" | "iso-8859-1" => Ok(TextEncoding::Windows1252),
            _ => Err(format!(
                "unknown encoding {s:?}: use utf-8, utf-16le, utf-16be or windows-1252"
            )),
        }
    }
}

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xd0, 0xcf, 0x11, 0xe0];

/// The bytes a reader starts with, without consuming them (at least `n` where the input has them).
fn peek<R: Read>(r: &mut BufReader<R>, n: usize) -> io::Result<Vec<u8>> {
    let buf = r.fill_buf()?;
    Ok(buf[..buf.len().min(n)].to_vec())
}

/// Names what went wrong inside compressed data (a truncated or damaged stream).
struct Damaged<R> {
    inner: R,
    what: Compression,
}

impl<R: Read> Read for Damaged<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the {} data is damaged or cut short ({e})",
                    self.what.as_str()
                ),
            )
        })
    }
}

/// A stream's compression and its decompressed bytes.
pub type Decompressed<'a> = (Compression, Box<dyn Read + Send + 'a>);

/// The decompressed bytes of `inner`, by its magic bytes. A workbook (zip or OLE) is refused with
/// a reason: it is not a text table.
pub fn decompress<'a, R: Read + Send + 'a>(
    inner: R,
) -> io::Result<Result<Decompressed<'a>, String>> {
    let mut r = BufReader::with_capacity(READ_BUFFER, inner);
    let head = peek(&mut r, 4)?;
    if head.starts_with(GZIP_MAGIC) {
        let gz = flate2::bufread::MultiGzDecoder::new(r);
        return Ok(Ok((
            Compression::Gzip,
            Box::new(Damaged {
                inner: gz,
                what: Compression::Gzip,
            }),
        )));
    }
    if head.starts_with(ZSTD_MAGIC) {
        let z = zstd::stream::read::Decoder::with_buffer(r)?;
        return Ok(Ok((
            Compression::Zstd,
            Box::new(Damaged {
                inner: z,
                what: Compression::Zstd,
            }),
        )));
    }
    if head.starts_with(ZIP_MAGIC) || head.starts_with(OLE_MAGIC) {
        return Ok(Err(
            "the file is a workbook (zip or OLE data), not a text table: name it \
                       .xlsx, .xls or .ods, or use --format-in sheet"
                .into(),
        ));
    }
    Ok(Ok((Compression::None, Box::new(r))))
}

/// The encoding a byte order mark at the start of `r` names, if any.
pub fn bom_encoding<R: Read>(r: &mut BufReader<R>) -> io::Result<Option<TextEncoding>> {
    let head = peek(r, 3)?;
    Ok(if head.starts_with(&[0xef, 0xbb, 0xbf]) {
        Some(TextEncoding::Utf8)
    } else if head.starts_with(&[0xff, 0xfe]) {
        Some(TextEncoding::Utf16le)
    } else if head.starts_with(&[0xfe, 0xff]) {
        Some(TextEncoding::Utf16be)
    } else {
        None
    })
}

/// UTF-8 text from bytes in `encoding` (a leading BOM dropped). UTF-8 passes through untouched:
/// its validity is checked where the bytes are parsed.
pub fn to_utf8<'a>(
    inner: Box<dyn Read + Send + 'a>,
    encoding: TextEncoding,
) -> Box<dyn Read + Send + 'a> {
    use encoding_rs_io::DecodeReaderBytesBuilder;
    match encoding {
        TextEncoding::Utf8 => Box::new(BomSkip::new(inner)),
        TextEncoding::Windows1252 => Box::new(
            DecodeReaderBytesBuilder::new()
                .encoding(Some(encoding_rs::WINDOWS_1252))
                .bom_override(true)
                .strip_bom(true)
                .build(inner),
        ),
        TextEncoding::Utf16le | TextEncoding::Utf16be => {
            let enc = if encoding == TextEncoding::Utf16le {
                encoding_rs::UTF_16LE
            } else {
                encoding_rs::UTF_16BE
            };
            Box::new(
                DecodeReaderBytesBuilder::new()
                    .encoding(Some(enc))
                    .strip_bom(true)
                    .build(inner),
            )
        }
    }
}

/// A cell's text: UTF-8 where it is, Windows-1252 otherwise (a file whose encoding is not
/// settled yet, read cell by cell).
pub fn cell_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
        }
    }
}

/// What [`Utf8Probe`] saw: the first line with a UTF-8 character beyond ASCII, and the first
/// line with bytes that are not UTF-8.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Utf8Seen {
    pub first_multibyte_line: Option<u64>,
    pub first_invalid_line: Option<u64>,
}

impl Utf8Seen {
    /// The encoding of a file without a BOM, or why it has none.
    pub fn encoding(self) -> Result<TextEncoding, String> {
        match (self.first_multibyte_line, self.first_invalid_line) {
            (Some(utf8), Some(other)) => Err(format!(
                "mixed encodings: line {utf8} of the file is UTF-8 and line {other} is not (Windows-1252 or \
                 another); save the file in one encoding, or give --encoding to read all of it \
                 one way"
            )),
            (_, Some(_)) => Ok(TextEncoding::Windows1252),
            _ => Ok(TextEncoding::Utf8),
        }
    }
}

/// Passes bytes through, noting where they are UTF-8 beyond ASCII and where they are not.
pub struct Utf8Probe<R> {
    inner: R,
    line: u64,
    carry: Vec<u8>,
    seen: Utf8Seen,
}

impl<R: Read> Utf8Probe<R> {
    pub fn new(inner: R) -> Self {
        Utf8Probe {
            inner,
            line: 1,
            carry: Vec::new(),
            seen: Utf8Seen::default(),
        }
    }

    pub fn seen(&self) -> Utf8Seen {
        let mut seen = self.seen;
        if !self.carry.is_empty() && seen.first_invalid_line.is_none() {
            seen.first_invalid_line = Some(self.line);
        }
        seen
    }

    fn line_at(&self, data: &[u8], pos: usize) -> u64 {
        self.line + data[..pos].iter().filter(|&&b| b == b'\n').count() as u64
    }

    fn note_multibyte(&mut self, data: &[u8], from: usize, to: usize) {
        if self.seen.first_multibyte_line.is_none()
            && let Some(i) = data[from..to].iter().position(|&b| b >= 0x80)
        {
            self.seen.first_multibyte_line = Some(self.line_at(data, from + i));
        }
    }

    fn track(&mut self, chunk: &[u8]) {
        if self.seen.first_multibyte_line.is_some() && self.seen.first_invalid_line.is_some() {
            return;
        }
        let joined;
        let data: &[u8] = if self.carry.is_empty() {
            chunk
        } else {
            let mut j = std::mem::take(&mut self.carry);
            j.extend_from_slice(chunk);
            joined = j;
            &joined
        };
        let mut pos = 0;
        loop {
            match std::str::from_utf8(&data[pos..]) {
                Ok(_) => {
                    self.note_multibyte(data, pos, data.len());
                    break;
                }
                Err(e) => {
                    let valid_end = pos + e.valid_up_to();
                    self.note_multibyte(data, pos, valid_end);
                    match e.error_len() {
                        None => {
                            self.carry = data[valid_end..].to_vec();
                            break;
                        }
                        Some(n) => {
                            if self.seen.first_invalid_line.is_none() {
                                self.seen.first_invalid_line = Some(self.line_at(data, valid_end));
                            }
                            pos = valid_end + n;
                        }
                    }
                }
            }
        }
        let consumed = data.len() - self.carry.len();
        self.line += data[..consumed].iter().filter(|&&b| b == b'\n').count() as u64;
    }
}

impl<R: Read> Read for Utf8Probe<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.track(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(bytes: &[u8], encoding: TextEncoding) -> String {
        let mut out = String::new();
        to_utf8(Box::new(bytes), encoding)
            .read_to_string(&mut out)
            .unwrap();
        out
    }

    fn probe(bytes: &[u8], chunk: usize) -> Utf8Seen {
        let mut p = Utf8Probe::new(io::empty());
        for c in bytes.chunks(chunk) {
            p.track(c);
        }
        p.seen()
    }

    #[test]
    fn encodings_decode_to_what_the_user_reads() {
        assert_eq!(
            decoded(b"\xd88 \xd7 40 mm", TextEncoding::Windows1252),
            "Ø8 × 40 mm"
        );
        assert_eq!(decoded(b"\x80 12,50", TextEncoding::Windows1252), "€ 12,50");
        let utf16: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain("Ø8\tx".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decoded(&utf16, TextEncoding::Utf16le), "Ø8\tx");
        assert_eq!(
            decoded("\u{feff}Ø8".as_bytes(), TextEncoding::Utf8),
            "Ø8",
            "the BOM is not text"
        );
    }

    #[test]
    fn the_probe_tells_utf8_windows_1252_and_mixed_at_any_chunk_size() {
        for chunk in [1, 2, 3, 7, 4096] {
            let utf8 = probe("a\nØ8 × 40\n".as_bytes(), chunk);
            assert_eq!(utf8.encoding(), Ok(TextEncoding::Utf8), "{chunk}");
            assert_eq!(utf8.first_multibyte_line, Some(2));
            let cp = probe(b"a\nb\n\xd88 \xd7 40\n", chunk);
            assert_eq!(cp.encoding(), Ok(TextEncoding::Windows1252));
            assert_eq!(cp.first_invalid_line, Some(3));
            let mixed = probe(b"a\n\xc3\x988\nx\n\xd7\n", chunk);
            let e = mixed.encoding().unwrap_err();
            assert!(
                e.starts_with("mixed encodings: line 2 of the file is UTF-8 and line 4 is not"),
                "{e}"
            );
            assert_eq!(
                probe(b"ab\xc3", chunk).encoding(),
                Ok(TextEncoding::Windows1252)
            );
        }
    }

    #[test]
    fn compression_by_magic_bytes() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"hello").unwrap();
        let gz = gz.finish().unwrap();
        let (c, mut r) = decompress(&gz[..]).unwrap().unwrap();
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        assert_eq!((c, s.as_str()), (Compression::Gzip, "hello"));

        let cut = &gz[..gz.len() - 6];
        let (_, mut r) = decompress(cut).unwrap().unwrap();
        let e = r.read_to_string(&mut String::new()).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("the gzip data is damaged or cut short"),
            "{e}"
        );

        let z = zstd::encode_all(&b"hello"[..], 1).unwrap();
        let (c, mut r) = decompress(&z[..]).unwrap().unwrap();
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        assert_eq!((c, s.as_str()), (Compression::Zstd, "hello"));

        assert!(decompress(&b"PK\x03\x04rest"[..]).unwrap().is_err());
        let (c, _) = decompress(&b"plain"[..]).unwrap().unwrap();
        assert_eq!(c, Compression::None);
    }
}
