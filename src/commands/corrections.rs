//! `revert`, `aliases list|move|forget`, `items merge` and `corrections`.

use crate::cli::{AliasesCommand, ItemsCommand, TextOrJson};
use crate::corrections::{self, Applied, CorrectionError};
use crate::engine::options::default_operator;
use crate::report::corrections as text;
use crate::store::Store;
use color_eyre::eyre::{Result, eyre};
use std::io::Write;

/// Print to stdout; a reader that went away (a closed pipe) ends the command quietly.
fn out(s: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(s.as_bytes()).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<()> {
    out(&format!("{}\n", serde_json::to_string_pretty(value)?))
}

fn show(result: Result<Applied, CorrectionError>, format: TextOrJson) -> Result<u8> {
    let applied = match result {
        Ok(a) => a,
        Err(CorrectionError::Refused(why)) => return Err(eyre!("{why}; nothing changed")),
        Err(CorrectionError::Store(e)) => {
            return Err(eyre!(
                "database: {e}; the correction was rolled back, nothing changed"
            ));
        }
    };
    match format {
        TextOrJson::Text => out(&text::applied(&applied))?,
        TextOrJson::Json => json(&applied)?,
    }
    Ok(0)
}

fn operator(o: Option<String>) -> String {
    o.unwrap_or_else(default_operator)
}

pub async fn revert(
    store: &dyn Store,
    run_id: i64,
    who: Option<String>,
    format: TextOrJson,
) -> Result<u8> {
    show(
        corrections::revert_run(store, run_id, &operator(who)).await,
        format,
    )
}

/// `aliases list|move|forget` (`aliases check` is the matcher's, in `review.rs`).
pub async fn manage_aliases(store: &dyn Store, command: AliasesCommand) -> Result<u8> {
    match command {
        AliasesCommand::Check { .. } => Err(eyre!("aliases check is not a correction")),
        AliasesCommand::List { format } => {
            let rows = corrections::aliases(store).await?;
            match format {
                TextOrJson::Text => out(&text::aliases_table(&rows))?,
                TextOrJson::Json => json(&rows)?,
            }
            Ok(0)
        }
        AliasesCommand::Move {
            alias,
            supplier,
            to,
            operator: who,
            format,
        } => show(
            corrections::move_alias(store, &part_or_alias(supplier, alias), &to, &operator(who))
                .await,
            format,
        ),
        AliasesCommand::Forget {
            alias,
            supplier,
            operator: who,
            format,
        } => show(
            corrections::forget_alias(store, &part_or_alias(supplier, alias), &operator(who)).await,
            format,
        ),
    }
}

/// A supplier's part number as the key its cross-reference is corrected by, or the alias given.
fn part_or_alias(supplier: Option<String>, alias: String) -> String {
    match supplier {
        Some(s) => crate::mapping::part_key(&s, alias.trim()),
        None => alias,
    }
}

pub async fn items(store: &dyn Store, command: ItemsCommand) -> Result<u8> {
    match command {
        ItemsCommand::Merge {
            from_sku,
            into,
            operator: who,
            format,
        } => show(
            corrections::merge_items(store, &from_sku, &into, &operator(who)).await,
            format,
        ),
    }
}

pub async fn history(store: &dyn Store, format: TextOrJson, limit: u64) -> Result<u8> {
    let rows = corrections::history(store, limit).await?;
    match format {
        TextOrJson::Text => out(&text::corrections_table(&rows))?,
        TextOrJson::Json => json(&rows)?,
    }
    Ok(0)
}
