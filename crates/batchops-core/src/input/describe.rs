//! How a batch file will be read, in words: the one home of what `batchops inspect` prints and
//! the console's import screen shows (the same detection, the same text).
//!
//! [`preview`] does what an import does before its first line (the supplier profile picked, the
//! file inspected, its layout found) and reads the first rows; [`layout_text`] and [`line_text`]
//! put it in words.

use super::profile::Profile;
use super::{BatchFile, InputFormat, Known, Layout, ReadSettings};
use crate::domain::{InvoiceHeader, LineResult};
use std::path::Path;

/// What a file will be read as, with `flags` and the profile (named, else picked by its header).
#[derive(Debug, Clone)]
pub struct Preview {
    /// The settings the file is read with: the flags over the profile.
    pub settings: ReadSettings,
    /// The profile used, if any.
    pub profile: Option<Profile>,
    /// Why that profile (or none) was used: a sentence of [`super::choose_profile`].
    pub profile_note: Option<String>,
    /// The file as read, or why it is refused whole.
    pub read: Result<Read, String>,
}

/// A file that can be read: what is known of it, its layout (text tables and workbooks) and its
/// first rows as they will be read.
#[derive(Debug, Clone)]
pub struct Read {
    pub file: BatchFile,
    pub layout: Option<Layout>,
    pub lines: Vec<LineResult>,
}

/// Read a file as `batchops inspect` (and an import) would: the profile `named`, else the one
/// saved profile whose header matches; `flags` win over it. `Err` when the profile cannot be used
/// (a name that is not saved); a file refused whole is `Ok` with [`Preview::read`] the refusal.
pub fn preview(
    path: &Path,
    format: Option<InputFormat>,
    flags: &ReadSettings,
    named: Option<&str>,
    rows: usize,
) -> Result<Preview, String> {
    let (settings, profile, profile_note) = super::choose_profile(path, format, flags, named)?;
    let read = super::inspect_with(path, format, &settings)
        .and_then(|file| {
            let layout = match file.format {
                InputFormat::Csv | InputFormat::Sheet => Some(super::layout(&file, &settings)?),
                InputFormat::Json | InputFormat::Jsonl => None,
            };
            let lines: Vec<LineResult> = super::open_with(&file, &settings)?.take(rows).collect();
            Ok(Read {
                file,
                layout,
                lines,
            })
        })
        .map_err(|e| e.to_string());
    Ok(Preview {
        settings,
        profile,
        profile_note,
        read,
    })
}

/// `file  PATH (csv, 427 bytes, 4 rows)`.
pub fn file_text(file: &BatchFile) -> String {
    format!(
        "file         {} ({}, {} bytes, {} rows)\n",
        file.path.display(),
        file.format.as_str(),
        file.size_bytes,
        file.estimated_lines
    )
}

/// The invoice header the title rows state, and what in them could not be read.
pub fn invoice_of(l: &Layout) -> (InvoiceHeader, Vec<String>) {
    match super::invoice_header::HeaderLabels::load() {
        Ok(labels) => labels.read(&l.titles),
        Err(e) => (Default::default(), vec![e]),
    }
}

/// Each header name and the column it is read as (`None`: kept as it is).
pub fn mapping(l: &Layout) -> Vec<(String, Option<&'static str>)> {
    l.columns
        .names
        .iter()
        .zip(&l.columns.known)
        .map(|(name, known)| (name.clone(), known.map(Known::name)))
        .collect()
}

/// The layout in words, one `label  value` line each.
pub fn layout_text(l: &Layout) -> String {
    let mut t = String::new();
    if let Some(sheet) = &l.sheet {
        t.push_str(&format!("sheet        {sheet}\n"));
    } else {
        t.push_str(&format!("compression  {}\n", l.compression.as_str()));
        t.push_str(&format!(
            "encoding     {} ({})\n",
            l.encoding.as_str(),
            l.encoding_by
        ));
        t.push_str(&format!(
            "delimiter    {}{}\n",
            l.delimiter_name(),
            if l.sep_line { " (sep= line)" } else { "" }
        ));
    }
    t.push_str(&format!(
        "header       row {} (line {})\n",
        l.header_row, l.header_line
    ));
    for title in &l.titles {
        t.push_str(&format!("title row    {title}\n"));
    }
    let (invoice, notes) = invoice_of(l);
    if let Some(summary) = invoice.summary() {
        t.push_str(&format!("invoice      {summary}\n"));
    }
    for note in notes {
        t.push_str(&format!("ambiguous    {note}\n"));
    }
    t.push_str("columns\n");
    for (name, known) in mapping(l) {
        match known {
            Some(k) => t.push_str(&format!("  {name:<24} → {k}\n")),
            None => t.push_str(&format!("  {name:<24}   (kept as it is)\n")),
        }
    }
    t.push_str(&format!(
        "numbers      {} (settled by {})\n",
        l.convention.decimal.describe(),
        l.convention.settled_by
    ));
    if let Some(c) = &l.convention.currency {
        t.push_str(&format!("currency     {c}\n"));
    }
    for note in &l.notes {
        t.push_str(&format!("ambiguous    {note}\n"));
    }
    t
}

/// `first N rows as they will be read:`
pub fn rows_heading(n: usize) -> String {
    format!("first {n} rows as they will be read:\n")
}

/// One line item as it will be read.
pub fn line_text(line: &LineResult) -> String {
    match line {
        Ok(item) => format!(
            "  {:>4}  sku {:<16} qty {:<10} price {:<10} {}\n",
            item.line,
            item.sku.as_deref().unwrap_or("-"),
            item.quantity,
            item.unit_price,
            item.description
        ),
        Err(e) => format!("  {:>4}  error: {}\n", e.line, e.reason),
    }
}

/// `refused: REASON`: a file refused whole.
pub fn refused_text(reason: &str) -> String {
    format!("refused: {reason}\n")
}

/// The whole text of a file that can be read: the file, its layout, its first rows.
pub fn read_text(r: &Read) -> String {
    let mut text = file_text(&r.file);
    if let Some(l) = &r.layout {
        text.push_str(&layout_text(l));
    }
    text.push_str(&rows_heading(r.lines.len()));
    for line in &r.lines {
        text.push_str(&line_text(line));
    }
    text
}

/// `profile  NAME (why)`: the supplier profile a preview used, or why none.
pub fn profile_text(p: &Preview, named: bool) -> String {
    let why = match (&p.profile, &p.profile_note) {
        (Some(profile), _) if named => format!("{} (named)", profile.name),
        (Some(profile), _) => format!("{} (its header matches)", profile.name),
        (None, Some(note)) => note
            .split_once(": ")
            .map_or(note.as_str(), |(_, rest)| rest)
            .to_string(),
        (None, None) => "none (no saved profile's header matches)".to_string(),
    };
    format!("profile      {why}\n")
}
