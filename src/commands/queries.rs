//! `inventory`, `runs` and `failed`.

use crate::cli::TextOrJson;
use crate::report::{self, OutputFormat};
use crate::store::{FailedQuery, Store};
use color_eyre::eyre::{Result, WrapErr, eyre};
use std::io::Write;
use std::path::PathBuf;

fn json<T: serde::Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

pub async fn inventory(store: &dyn Store, format: TextOrJson) -> Result<u8> {
    let rows = store.inventory().await?;
    match format {
        TextOrJson::Text => print!("{}", report::inventory_table(&rows)),
        TextOrJson::Json => json(&rows)?,
    }
    Ok(0)
}

pub async fn runs(store: &dyn Store, format: TextOrJson, limit: u64) -> Result<u8> {
    let rows = store.runs(limit).await?;
    match format {
        TextOrJson::Text => print!("{}", report::runs_table(&rows)),
        TextOrJson::Json => json(&rows)?,
    }
    Ok(0)
}

pub async fn failed(
    store: &dyn Store,
    run_id: i64,
    format: OutputFormat,
    unresolved: bool,
    output: Option<PathBuf>,
) -> Result<u8> {
    if store.run(run_id).await?.is_none() {
        return Err(eyre!("there is no run {run_id}"));
    }
    let q = FailedQuery {
        unresolved_only: unresolved,
        ..FailedQuery::all()
    };
    let rows = store.failed_page(run_id, &q).await?;
    let mut out: Box<dyn Write> = match &output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .wrap_err_with(|| format!("cannot write {}", path.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    match format {
        OutputFormat::Text => write!(out, "{}", report::failed_table(&rows))?,
        OutputFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?,
        OutputFormat::Csv => report::reject_file(&rows, &mut out)?,
    }
    out.flush()?;
    Ok(0)
}
