//! `inventory`, `runs` and `failed`.

use super::output;
use crate::cli::{OutputFile, TextOrJson};
use crate::report::{self, OutputFormat};
use crate::store::{FailedKey, FailedQuery, FailedRow, PageFrom, Store};
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

/// A run's failed items in line order, a page at a time, each page read after the last row of the
/// one before (by key, so the last page costs what the first does).
struct Pages {
    query: FailedQuery,
    done: bool,
}

impl Pages {
    fn new(unresolved_only: bool) -> Self {
        Self {
            query: FailedQuery {
                unresolved_only,
                limit: PAGE,
                ..FailedQuery::default()
            },
            done: false,
        }
    }

    async fn next(&mut self, store: &dyn Store, run_id: i64) -> Result<Option<Vec<FailedRow>>> {
        if self.done {
            return Ok(None);
        }
        let rows = store.failed_page(run_id, &self.query).await?;
        self.done = (rows.len() as u64) < PAGE;
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        self.query.from = PageFrom::After {
            key: FailedKey::of(last, self.query.sort),
            inclusive: false,
        };
        Ok(Some(rows))
    }
}

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
    let mut out = output::destination(to.path.as_deref(), to.force)?;
    match format {
        OutputFormat::Csv => {
            // The header needs every column first: one pass for the columns, one for the rows.
            let mut cols = report::RejectColumns::default();
            let mut pages = Pages::new(unresolved);
            while let Some(rows) = pages.next(store, run_id).await? {
                cols.add(&rows);
            }
            let mut w = report::RejectWriter::new(cols, &mut out)?;
            let mut pages = Pages::new(unresolved);
            while let Some(rows) = pages.next(store, run_id).await? {
                w.rows(&rows)?;
            }
            w.finish()?;
        }
        OutputFormat::Text | OutputFormat::Json => {
            let mut pages = Pages::new(unresolved);
            let mut count = 0u64;
            if format == OutputFormat::Json {
                write!(out, "[")?;
            } else {
                write!(out, "{}", report::failed_header())?;
            }
            while let Some(rows) = pages.next(store, run_id).await? {
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
