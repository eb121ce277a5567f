//! `inspect FILE`: how a batch file will be read, before anything is imported.

use super::{EXIT_FAILED, EXIT_OK, output};
use crate::cli::TextOrJson;
use crate::domain::LineResult;
use crate::input::profile::{Profile, SkuColumn};
use crate::input::{self, InputFormat, Known, Layout, ReadSettings};
use color_eyre::eyre::{Result, eyre};
use serde_json::json;
use std::io::Write;
use std::path::Path;

/// What `inspect` is asked.
pub struct InspectArgs<'a> {
    pub path: &'a Path,
    pub format: Option<InputFormat>,
    pub flags: ReadSettings,
    pub profile: Option<&'a str>,
    pub save_profile: Option<&'a str>,
    pub supplier: Option<String>,
    pub sku_column: Option<SkuColumn>,
    pub rows: usize,
    pub out_format: TextOrJson,
}

/// Print what was detected and the first `rows` line items as they will be read; with
/// `save_profile`, save it as a supplier profile. A file refused whole prints why and exits 1.
pub fn inspect(args: &InspectArgs) -> Result<u8> {
    let (path, format, rows, out_format) = (args.path, args.format, args.rows, args.out_format);
    let (settings, _, note) =
        input::choose_profile(path, format, &args.flags, args.profile).map_err(|e| eyre!(e))?;
    if let Some(note) = note {
        output::note(note);
    }
    let settings = &settings;
    let found = input::inspect_with(path, format, settings).and_then(|file| {
        let layout = match file.format {
            InputFormat::Csv | InputFormat::Sheet => Some(input::layout(&file, settings)?),
            InputFormat::Json | InputFormat::Jsonl => None,
        };
        let lines: Vec<LineResult> = input::open_with(&file, settings)?.take(rows).collect();
        Ok((file, layout, lines))
    });
    let mut out = output::stdout();
    let (file, layout, lines) = match found {
        Ok(found) => found,
        Err(e) => {
            match out_format {
                TextOrJson::Text => writeln!(out, "refused: {e}")?,
                TextOrJson::Json => {
                    serde_json::to_writer(&mut out, &json!({ "refused": e.to_string() }))?;
                    writeln!(out)?;
                }
            }
            out.flush()?;
            return Ok(EXIT_FAILED);
        }
    };
    if let (Some(name), Some(l)) = (args.save_profile, &layout) {
        let profile = Profile::from_layout(name, l, args.supplier.clone(), args.sku_column);
        let saved = profile.save().map_err(|e| eyre!(e))?;
        output::note(format_args!(
            "saved supplier profile {name} to {}",
            saved.display()
        ));
    }
    match out_format {
        TextOrJson::Text => {
            let mut text = format!(
                "file         {} ({}, {} bytes, {} rows)\n",
                file.path.display(),
                file.format.as_str(),
                file.size_bytes,
                file.estimated_lines
            );
            if let Some(l) = &layout {
                text.push_str(&layout_text(l));
            }
            text.push_str(&format!(
                "first {} rows as they will be read:\n",
                lines.len()
            ));
            for line in &lines {
                text.push_str(&line_text(line));
            }
            out.write_all(text.as_bytes())?;
        }
        TextOrJson::Json => {
            let value = json!({
                "file": file.path.display().to_string(),
                "format": file.format.as_str(),
                "size_bytes": file.size_bytes,
                "sha256": file.sha256,
                "rows": file.estimated_lines,
                "layout": layout.as_ref().map(layout_json),
                "first_rows": lines.iter().map(line_json).collect::<Vec<_>>(),
            });
            serde_json::to_writer(&mut out, &value)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(EXIT_OK)
}

/// The invoice header the title rows state, and what in them could not be read.
fn invoice_of(l: &Layout) -> (crate::domain::InvoiceHeader, Vec<String>) {
    match input::invoice_header::HeaderLabels::load() {
        Ok(labels) => labels.read(&l.titles),
        Err(e) => (Default::default(), vec![e]),
    }
}

fn mapping(l: &Layout) -> Vec<(String, Option<&'static str>)> {
    l.columns
        .names
        .iter()
        .zip(&l.columns.known)
        .map(|(name, known)| (name.clone(), known.map(Known::name)))
        .collect()
}

fn layout_text(l: &Layout) -> String {
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

fn layout_json(l: &Layout) -> serde_json::Value {
    json!({
        "sheet": l.sheet,
        "compression": l.compression.as_str(),
        "encoding": l.encoding.as_str(),
        "encoding_by": l.encoding_by,
        "delimiter": (l.sheet.is_none()).then(|| (l.delimiter as char).to_string()),
        "sep_line": l.sep_line,
        "header_row": l.header_row,
        "header_line": l.header_line,
        "title_rows": l.titles,
        "invoice": invoice_of(l).0,
        "columns": mapping(l).into_iter().map(|(name, known)| json!({"name": name, "reads_as": known})).collect::<Vec<_>>(),
        "decimal": l.convention.decimal.as_str(),
        "decimal_settled_by": l.convention.settled_by,
        "currency": l.convention.currency,
        "ambiguous": l.notes,
    })
}

fn line_text(line: &LineResult) -> String {
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

fn line_json(line: &LineResult) -> serde_json::Value {
    match line {
        Ok(item) => json!({
            "line": item.line,
            "sku": item.sku,
            "description": item.description,
            "quantity": item.quantity.to_string(),
            "unit_price": item.unit_price.to_string(),
        }),
        Err(e) => json!({ "line": e.line, "error": e.reason }),
    }
}
