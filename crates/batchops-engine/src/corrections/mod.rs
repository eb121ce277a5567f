//! Corrections: an operator fixes what went wrong without a SQL console — a run imported by
//! mistake (revert), an alias that put stock on the wrong item (move, forget), two items that are
//! one (merge), a reject file fixed and loaded again ([`reject`]). Each correction is one database
//! transaction that moves stock by exact deltas and records itself in the `corrections` audit
//! (who, when, what moved). No UI code lives here: the headless commands and the console call
//! these functions.

pub mod reject;

pub use crate::store::corrections::{
    AliasRow, Applied, CorrectionError, CorrectionRow, ItemDelta, KIND_ALIAS_FORGET,
    KIND_ALIAS_MOVE, KIND_MERGE, KIND_REVERT,
};

pub use crate::mapping::alias_key;

use crate::locks::{self, Command};
use crate::mapping::normalize;
use crate::store::Store;

/// Undo a run: its transactions (and those retries or reject files landed later for its lines)
/// removed, exactly their quantities subtracted, the run marked `reverted`. Reverting again
/// changes nothing; a running run is refused. Importing the same file afterwards lands it again:
/// the removed rows free their `(import_key, line)` keys.
///
/// This is the function the console's Runs tab calls (after its confirmation).
pub async fn revert_run(
    store: &dyn Store,
    run_id: i64,
    operator: &str,
) -> Result<Applied, CorrectionError> {
    let Some(run) = store.run(run_id).await? else {
        // The store says there is no such run.
        return store.corrections().revert_run(run_id, operator).await;
    };
    let lock = locks::acquire(store, Command::Revert, [run.import_key], operator).await?;
    let _ = lock.set_run(run_id).await;
    let applied = store.corrections().revert_run(run_id, operator).await;
    lock.release().await;
    applied
}

/// Run a catalog correction under the catalog's lock (see [`crate::locks`]).
async fn with_catalog_lock<T>(
    store: &dyn Store,
    command: Command,
    operator: &str,
    correction: impl std::future::Future<Output = Result<T, CorrectionError>>,
) -> Result<T, CorrectionError> {
    let lock = locks::acquire(store, command, [], operator).await?;
    let done = correction.await;
    lock.release().await;
    done
}

/// The stored alias an operator means by `given`: as typed, else the key the matcher stores it
/// under, else the normalized form the old matcher stored (`legacy` aliases).
async fn resolve_alias(store: &dyn Store, given: &str) -> Result<String, CorrectionError> {
    let candidates = vec![given.trim().to_string(), alias_key(given), normalize(given)];
    store
        .corrections()
        .find_alias(&candidates)
        .await?
        .ok_or_else(|| {
            CorrectionError::Refused(format!(
                "there is no alias \"{}\" (see `batchops aliases list`)",
                given.trim()
            ))
        })
}

/// Point an alias at the right item and move the stock of every line that landed through it.
pub async fn move_alias(
    store: &dyn Store,
    alias: &str,
    to_sku: &str,
    operator: &str,
) -> Result<Applied, CorrectionError> {
    let alias = resolve_alias(store, alias).await?;
    with_catalog_lock(
        store,
        Command::AliasMove,
        operator,
        store
            .corrections()
            .move_alias(&alias, to_sku.trim(), operator),
    )
    .await
}

/// Forget an alias: later lines with that description are matched afresh.
pub async fn forget_alias(
    store: &dyn Store,
    alias: &str,
    operator: &str,
) -> Result<Applied, CorrectionError> {
    let alias = resolve_alias(store, alias).await?;
    with_catalog_lock(
        store,
        Command::AliasForget,
        operator,
        store.corrections().forget_alias(&alias, operator),
    )
    .await
}

/// Merge `from_sku` into `into_sku`: transactions, quantity and aliases move; `from_sku` is retired
/// (kept for history, never matched again; a line with its SKU maps to `into_sku`).
pub async fn merge_items(
    store: &dyn Store,
    from_sku: &str,
    into_sku: &str,
    operator: &str,
) -> Result<Applied, CorrectionError> {
    with_catalog_lock(
        store,
        Command::Merge,
        operator,
        store
            .corrections()
            .merge_items(from_sku.trim(), into_sku.trim(), operator),
    )
    .await
}

pub async fn aliases(store: &dyn Store) -> Result<Vec<AliasRow>, CorrectionError> {
    Ok(store.corrections().aliases().await?)
}

/// The audit, newest first.
pub async fn history(store: &dyn Store, limit: u64) -> Result<Vec<CorrectionRow>, CorrectionError> {
    Ok(store.corrections().corrections(limit).await?)
}
