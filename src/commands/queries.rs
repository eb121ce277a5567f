//! `inventory`, `runs` and `failed`.

use super::output;
use crate::cli::{OutputFile, TextOrJson};
use crate::report::{self, OutputFormat};
use crate::store::{FailedQuery, Store};
use color_eyre::eyre::{Result, eyre};
use std::io::Write;

pub async fn inventory(store: &dyn Store, format: TextOrJson) -> Result<u8> {
    let rows = store.inventory().await?;
    let mut out = output::stdout();
    match format {
        TextOrJson::Text => out.write_all(report::inventory_table(&rows).as_bytes())?,
        TextOrJson::Json => output::json_pretty(&mut out, &rows)?,
    }
    out.flush()?;
    Ok(0)
}

pub async fn runs(store: &dyn Store, format: TextOrJson, limit: u64) -> Result<u8> {
    let rows = store.runs(limit).await?;
    let mut out = output::stdout();
    match format {
        TextOrJson::Text => out.write_all(report::runs_table(&rows).as_bytes())?,
        TextOrJson::Json => output::json_pretty(&mut out, &rows)?,
    }
    out.flush()?;
    Ok(0)
}

/// Failed items are read page by page (and written as they come), so a run with 200,000 of them
/// never sits in memory whole.
const PAGE: u64 = 5_000;

pub async fn failed(
    store: &dyn Store,
    run_id: i64,
    format: OutputFormat,
    unresolved: bool,
    to: &OutputFile,
) -> Result<u8> {
    if store.run(run_id).await?.is_none() {
        return Err(eyre!("there is no run {run_id}"));
    }
    let page = |offset| FailedQuery {
        unresolved_only: unresolved,
        offset,
        limit: PAGE,
        ..FailedQuery::default()
    };
    let mut out = output::destination(to.path.as_deref(), to.force)?;
    match format {
        OutputFormat::Csv => {
            // The header needs every column first: one pass for the columns, one for the rows.
            let mut cols = report::RejectColumns::default();
            let mut offset = 0;
            loop {
                let rows = store.failed_page(run_id, &page(offset)).await?;
                cols.add(&rows);
                if (rows.len() as u64) < PAGE {
                    break;
                }
                offset += PAGE;
            }
            let mut w = report::RejectWriter::new(cols, &mut out)?;
            let mut offset = 0;
            loop {
                let rows = store.failed_page(run_id, &page(offset)).await?;
                w.rows(&rows)?;
                if (rows.len() as u64) < PAGE {
                    break;
                }
                offset += PAGE;
            }
            w.finish()?;
        }
        OutputFormat::Text | OutputFormat::Json => {
            let mut offset = 0;
            let mut count = 0u64;
            if format == OutputFormat::Json {
                write!(out, "[")?;
            } else {
                write!(out, "{}", report::failed_header())?;
            }
            loop {
                let rows = store.failed_page(run_id, &page(offset)).await?;
                for r in &rows {
                    if format == OutputFormat::Json {
                        if count > 0 {
                            write!(out, ",")?;
                        }
                        write!(out, "\n{}", serde_json::to_string(r)?)?;
                    } else {
                        write!(out, "{}", report::failed_row(r))?;
                    }
                    count += 1;
                }
                if (rows.len() as u64) < PAGE {
                    break;
                }
                offset += PAGE;
            }
            if format == OutputFormat::Json {
                writeln!(out, "\n]")?;
            } else {
                writeln!(out, "{count} failed lines")?;
            }
        }
    }
    out.flush()?;
    Ok(0)
}
