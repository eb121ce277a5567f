//! `inspect FILE`: how a batch file will be read, before anything is imported.

use super::{EXIT_FAILED, EXIT_OK, output};
use crate::cli::TextOrJson;
use crate::domain::LineResult;
use crate::input::profile::{Profile, SkuColumn};
use crate::input::{InputFormat, Layout, ReadSettings, describe};
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
    let preview =
        describe::preview(path, format, &args.flags, args.profile, rows).map_err(|e| eyre!(e))?;
    if let Some(note) = &preview.profile_note {
        output::note(note);
    }
    let mut out = output::stdout();
    let describe::Read {
        file,
        layout,
        lines,
    } = match preview.read {
        Ok(read) => read,
        Err(e) => {
            match out_format {
                TextOrJson::Text => out.write_all(describe::refused_text(&e).as_bytes())?,
                TextOrJson::Json => {
                    serde_json::to_writer(&mut out, &json!({ "refused": e }))?;
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
            let read = describe::Read {
                file,
                layout,
                lines,
            };
            out.write_all(describe::read_text(&read).as_bytes())?;
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
        "invoice": describe::invoice_of(l).0,
        "columns": describe::mapping(l).into_iter().map(|(name, known)| json!({"name": name, "reads_as": known})).collect::<Vec<_>>(),
        "decimal": l.convention.decimal.as_str(),
        "decimal_settled_by": l.convention.settled_by,
        "currency": l.convention.currency,
        "ambiguous": l.notes,
    })
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
