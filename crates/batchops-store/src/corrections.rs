//! Corrections in the database: reverting a run, moving and forgetting aliases, merging items, the
//! audit of all of them, and the look-ups a reject file needs. Each correction is ONE transaction
//! that moves stock by exact deltas (`quantity = quantity ± delta`, never read-then-write) and
//! writes its row in `corrections` in the same transaction: a crash leaves all of it or none.
//!
//! The SQL is written once ([`corrections_sql!`]) and instantiated per backend; only the
//! quantity codec (SQLite INTEGER units of 0.0001, PostgreSQL NUMERIC), the way a write
//! transaction begins and row locks differ.

use super::rows::{FailedRow, stale_after_seconds};
use super::{PgStore, SqliteStore, StoreError, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

/// Why a correction was not made.
#[derive(Debug, thiserror::Error)]
pub enum CorrectionError {
    /// The correction does not apply (no such run, a running run, an unknown SKU …): nothing changed.
    #[error("{0}")]
    Refused(String),
    #[error("database: {0}")]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for CorrectionError {
    fn from(e: sqlx::Error) -> Self {
        CorrectionError::Store(e.into())
    }
}

pub type CorrectionResult<T> = Result<T, CorrectionError>;

/// How one item's quantity changed in a correction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemDelta {
    pub sku: String,
    /// Transaction rows moved to (positive) or away from (negative) the item, or removed.
    pub lines: i64,
    /// The exact change of the item's quantity.
    #[serde(with = "rust_decimal::serde::str")]
    pub quantity: Decimal,
}

/// What a correction did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Applied {
    /// The row in `corrections`; `None` when nothing was left to do (a run already reverted).
    pub correction_id: Option<i64>,
    pub kind: String,
    pub summary: String,
    /// Transaction rows removed or moved.
    pub lines: u64,
    /// Their quantity, summed exactly.
    #[serde(with = "rust_decimal::serde::str")]
    pub quantity: Decimal,
    pub items: Vec<ItemDelta>,
}

/// A learned alias with what landed through it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AliasRow {
    pub alias: String,
    pub sku: String,
    pub learned_by: String,
    /// Transaction rows mapped through this alias (`transactions.alias`).
    pub lines: u64,
    #[serde(with = "rust_decimal::serde::str")]
    pub quantity: Decimal,
    /// For a supplier's part number (`alias` is then its key, see `mapping::part_key`): the
    /// supplier and the part number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_number: Option<String>,
}

/// A row of the audit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CorrectionRow {
    pub id: i64,
    pub kind: String,
    pub operator: String,
    pub created_at: DateTime<Utc>,
    pub summary: String,
    pub lines: u64,
    #[serde(with = "rust_decimal::serde::str")]
    pub quantity: Decimal,
    pub detail: serde_json::Value,
}

/// A failed item with a given identity, and whether its run was reverted.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityFailure {
    pub failed: FailedRow,
    pub run_reverted: bool,
}

/// A value bound to a query built at run time.
enum Bind<'a> {
    Id(i64),
    Text(&'a str),
}

/// The correction kinds, as stored in `corrections.kind`.
pub const KIND_REVERT: &str = "revert";
pub const KIND_ALIAS_MOVE: &str = "alias_move";
pub const KIND_ALIAS_FORGET: &str = "alias_forget";
pub const KIND_MERGE: &str = "merge";
/// A review decision (stored by `finish_review`) and the undo of one.
pub const KIND_REVIEW: &str = "review";
pub const KIND_REVIEW_UNDO: &str = "review_undo";

#[async_trait]
pub trait Corrections: Send + Sync {
    /// Remove the transactions of a run — its own rows, and those that retry runs or reject files
    /// landed later for its failed or held lines — and subtract exactly their quantities; failed
    /// items whose line is removed are unresolved again; the held lines of the run (and of its
    /// failed lines, held when a retry or reject file sent them to review) are removed;
    /// the run becomes `reverted`. A run already reverted: nothing changes. A running run, a
    /// dry run or a rehearsal: refused.
    async fn revert_run(&self, run_id: i64, operator: &str) -> CorrectionResult<Applied>;
    /// Undo the review decision `correction_id`: the lines it decided go back to held, the rows
    /// it landed are removed and exactly their quantities subtracted, the aliases it taught
    /// (`learned_by = 'operator'`, still naming its item) are forgotten, and the undo is audited,
    /// in one transaction. Its lines' move is [`crate::domain::line_state::Move::Undo`]. A
    /// decision undone already (or whose run was reverted since) changes nothing.
    async fn undo_review(&self, correction_id: i64, operator: &str) -> CorrectionResult<Applied>;
    /// The newest review decision that still has decided lines (what "undo" undoes), if any.
    async fn last_review(&self) -> StoreResult<Option<i64>>;
    /// Every alias with its item, how it was learned and what landed through it.
    async fn aliases(&self) -> StoreResult<Vec<AliasRow>>;
    /// The first of `candidates` that is a stored alias.
    async fn find_alias(&self, candidates: &[String]) -> StoreResult<Option<String>>;
    /// Point `alias` at `to_sku` and move every transaction row that landed through it to that
    /// item, with its quantity; the old pairing is recorded as rejected.
    async fn move_alias(
        &self,
        alias: &str,
        to_sku: &str,
        operator: &str,
    ) -> CorrectionResult<Applied>;
    /// Forget `alias`: later lines are matched afresh; what landed stays where it is.
    async fn forget_alias(&self, alias: &str, operator: &str) -> CorrectionResult<Applied>;
    /// Move the transactions, quantity and aliases of `from_sku` to `into_sku` and retire it.
    async fn merge_items(
        &self,
        from_sku: &str,
        into_sku: &str,
        operator: &str,
    ) -> CorrectionResult<Applied>;
    /// The audit, newest first.
    async fn corrections(&self, limit: u64) -> StoreResult<Vec<CorrectionRow>>;
    /// The failed items (of any run) with this identity.
    async fn failed_by_identity(
        &self,
        import_key: &str,
        line: u64,
    ) -> StoreResult<Vec<IdentityFailure>>;
    /// Of `lines`, those `import_key` has a failed item for.
    async fn failed_lines(&self, import_key: &str, lines: &[u64]) -> StoreResult<Vec<u64>>;
    /// The line of this identity landed: every unresolved failed item of it is resolved.
    async fn resolve_identity(&self, import_key: &str, line: u64) -> StoreResult<u64>;
}

/// A run whose heartbeat is fresh: some process is writing it.
fn is_live(status: &str, heartbeat: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    status == "running" && (now - heartbeat).num_milliseconds() <= stale_after_seconds() * 1000
}

macro_rules! corrections_sql {
    ($store:ty, $db:ty) => {
        use super::*;
        use crate::decode;
        use crate::rows::RawFailed;
        use sqlx::{AssertSqlSafe, Row, Transaction};

        type Db = $db;
        type Tx = Transaction<'static, Db>;

        fn refused<T>(msg: String) -> CorrectionResult<T> {
            Err(CorrectionError::Refused(msg))
        }

        /// An item by SKU: (id, name, retired into SKU).
        async fn item(
            tx: &mut Tx,
            sku: &str,
        ) -> CorrectionResult<Option<(i64, String, Option<String>)>> {
            let row = sqlx::query(AssertSqlSafe(crate::sql::corrections::item(FOR_UPDATE_OF_I)))
            .bind(sku.to_string())
            .fetch_optional(&mut **tx)
            .await?;
            let Some(row) = row else { return Ok(None) };
            let retired: bool = row.try_get("retired")?;
            let merged: Option<String> = row.try_get("merged_sku")?;
            Ok(Some((
                row.try_get("id")?,
                row.try_get("name")?,
                retired.then(|| merged.unwrap_or_default()),
            )))
        }

        fn retired_refusal(sku: &str, into: &str) -> String {
            format!("{sku} is retired (merged into {into}): use {into}")
        }

        /// Refuse while an import writes the inventory: its catalog was loaded before the
        /// correction and would land lines on the items the correction moves away from.
        async fn refuse_live_runs(tx: &mut Tx, what: &str) -> CorrectionResult<()> {
            let rows = sqlx::query(
                crate::sql::corrections::REFUSE_LIVE_RUNS,
            )
            .fetch_all(&mut **tx)
            .await?;
            let now = Utc::now();
            for r in rows {
                let (dry, rehearsal): (bool, bool) = (r.try_get("dry_run")?, r.try_get("rehearsal")?);
                if !dry
                    && !rehearsal
                    && is_live(&r.try_get::<String, _>("status")?, r.try_get("heartbeat_at")?, now)
                {
                    let id: i64 = r.try_get("id")?;
                    return refused(format!(
                        "run {id} is running: {what} once it has finished (or cancel it)"
                    ));
                }
            }
            Ok(())
        }

        async fn add_quantity(tx: &mut Tx, item_id: i64, delta: Decimal) -> CorrectionResult<()> {
            if delta.is_zero() {
                return Ok(());
            }
            sqlx::query(
                crate::sql::corrections::ADD_QUANTITY,
            )
            .bind(item_id)
            .bind(enc(delta)?)
            .bind(Utc::now())
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        async fn audit(
            tx: &mut Tx,
            kind: &str,
            operator: &str,
            summary: &str,
            lines: u64,
            quantity: Decimal,
            detail: serde_json::Value,
        ) -> CorrectionResult<i64> {
            Ok(sqlx::query_scalar(
                crate::sql::corrections::AUDIT,
            )
            .bind(kind.to_string())
            .bind(operator.to_string())
            .bind(Utc::now())
            .bind(summary.to_string())
            .bind(lines.min(i64::MAX as u64) as i64)
            .bind(enc(quantity)?)
            .bind(detail.to_string())
            .fetch_one(&mut **tx)
            .await?)
        }

        /// (item id, sku, rows, quantity) per item of the transaction rows `WHERE cond`.
        async fn per_item(
            tx: &mut Tx,
            cond: &str,
            binds: &[Bind<'_>],
        ) -> CorrectionResult<Vec<(i64, String, i64, Decimal)>> {
            let sql = crate::sql::corrections::per_item(cond);
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for b in binds {
                query = match b {
                    Bind::Id(v) => query.bind(*v),
                    Bind::Text(v) => query.bind(v.to_string()),
                };
            }
            let rows = query.fetch_all(&mut **tx).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let q: Option<Q> = r.try_get("q")?;
                out.push((
                    r.try_get("item_id")?,
                    r.try_get("sku")?,
                    r.try_get("n")?,
                    q.map(dec).unwrap_or_default(),
                ));
            }
            Ok(out)
        }

        fn items_json(items: &[ItemDelta]) -> serde_json::Value {
            serde_json::to_value(items).unwrap_or_default()
        }

        pub async fn revert_run(
            s: &$store,
            run_id: i64,
            operator: &str,
        ) -> CorrectionResult<Applied> {
            let mut tx = begin(s).await?;
            let run = sqlx::query(AssertSqlSafe(crate::sql::corrections::revert_run_the_run(FOR_UPDATE)))
            .bind(run_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(run) = run else {
                return refused(format!("there is no run {run_id}"));
            };
            let source: String = run.try_get("source")?;
            let status: String = run.try_get("status")?;
            if let Some(at) = run.try_get::<Option<DateTime<Utc>>, _>("reverted_at")? {
                return Ok(Applied {
                    correction_id: None,
                    kind: KIND_REVERT.into(),
                    summary: format!(
                        "run {run_id} was already reverted at {}: nothing changed",
                        at.format("%Y-%m-%d %H:%M:%S UTC")
                    ),
                    lines: 0,
                    quantity: Decimal::ZERO,
                    items: Vec::new(),
                });
            }
            if let Some(why) = crate::domain::run_rules::live_write_refusal(
                run_id,
                run.try_get("rehearsal")?,
                run.try_get("dry_run")?,
                "revert",
            ) {
                return refused(why);
            }
            let heartbeat: DateTime<Utc> = run.try_get("heartbeat_at")?;
            if is_live(&status, heartbeat, Utc::now()) {
                return refused(format!(
                    "run {run_id} is running: cancel it or let it finish, then revert it"
                ));
            }
            // The run's own failed lines are freed with it: importing the file again reads them
            // anew. A line another run failed before this one landed it fails again: its newest
            // failed item reopens (at most one open failed item per line).
            sqlx::query(crate::sql::corrections::REVERT_RUN_RESOLVE_FAILED)
                .bind(run_id)
                .bind(Utc::now())
                .execute(&mut *tx)
                .await?;
            let reopened = sqlx::query(AssertSqlSafe(crate::sql::corrections::revert_run_reopen_failed()))
            .bind(run_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            // The quantities subtracted are those of exactly the rows deleted (RETURNING), even
            // if a row of the run landed a moment before.
            let deleted = sqlx::query(AssertSqlSafe(crate::sql::corrections::revert_run_delete_rows()))
            .bind(run_id)
            .fetch_all(&mut *tx)
            .await?;
            crate::failpoint::hit("revert_after_delete");
            let removed = deleted.len() as u64;
            let mut per_item: std::collections::BTreeMap<i64, (i64, Decimal)> = Default::default();
            for r in &deleted {
                let e = per_item.entry(r.try_get("item_id")?).or_default();
                e.0 += 1;
                e.1 += dec(r.try_get("quantity")?);
            }
            let mut items = Vec::with_capacity(per_item.len());
            let mut total = Decimal::ZERO;
            for (item_id, (n, q)) in per_item {
                add_quantity(&mut tx, item_id, -q).await?;
                total += q;
                let sku: String = sqlx::query_scalar(crate::sql::corrections::SKU_OF_ITEM)
                    .bind(item_id)
                    .fetch_one(&mut *tx)
                    .await?;
                items.push(ItemDelta {
                    sku,
                    lines: -n,
                    quantity: -q,
                });
            }
            items.sort_by(|a, b| a.sku.cmp(&b.sku));
            let now = Utc::now();
            // The run's held lines go too, decided or not: like its transaction rows they free
            // their identities, so that importing the file again holds them again for review.
            let held_closed = sqlx::query(
                crate::sql::corrections::REVERT_RUN_DELETE_HELD_LINES,
            )
            .bind(run_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query(crate::sql::corrections::REVERT_RUN_UPDATE_IMPORT_RUNS)
                .bind(run_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let summary = format!(
                "reverted run {run_id} ({source}): {removed} line{} removed, {total} subtracted over {} item{}",
                if removed == 1 { "" } else { "s" },
                items.len(),
                if items.len() == 1 { "" } else { "s" },
            );
            let detail = serde_json::json!({
                "run_id": run_id,
                "status_before": status,
                "failed_items_reopened": reopened,
                "held_lines_removed": held_closed,
                "items": items_json(&items),
            });
            let id = audit(&mut tx, KIND_REVERT, operator, &summary, removed, total, detail).await?;
            crate::failpoint::hit("revert_before_commit");
            tx.commit().await?;
            Ok(Applied {
                correction_id: Some(id),
                kind: KIND_REVERT.into(),
                summary,
                lines: removed,
                quantity: total,
                items,
            })
        }

        pub async fn undo_review(
            s: &$store,
            correction_id: i64,
            operator: &str,
        ) -> CorrectionResult<Applied> {
            let mut tx = begin(s).await?;
            let kind: Option<String> = sqlx::query_scalar(AssertSqlSafe(crate::sql::corrections::undo_review_the_correction(FOR_UPDATE)))
            .bind(correction_id)
            .fetch_optional(&mut *tx)
            .await?;
            match kind.as_deref() {
                None => return refused(format!("there is no correction {correction_id}")),
                Some(KIND_REVIEW) => {}
                Some(k) => {
                    return refused(format!(
                        "correction {correction_id} is a {k}, not a review decision"
                    ));
                }
            }
            // The decided lines still standing: the guard that makes a second undo a no-op.
            let held = sqlx::query(AssertSqlSafe(crate::sql::corrections::undo_review_decided_lines(FOR_UPDATE)))
            .bind(correction_id)
            .fetch_all(&mut *tx)
            .await?;
            if held.is_empty() {
                tx.rollback().await?;
                return Ok(Applied {
                    correction_id: None,
                    kind: KIND_REVIEW_UNDO.into(),
                    summary: format!(
                        "decision {correction_id} was undone already (or its run reverted): nothing changed"
                    ),
                    lines: 0,
                    quantity: Decimal::ZERO,
                    items: Vec::new(),
                });
            }
            let cond = crate::sql::corrections::DECIDED_BY;
            let moved = per_item(&mut tx, cond, &[Bind::Id(correction_id)]).await?;
            let deleted = sqlx::query(AssertSqlSafe(crate::sql::corrections::undo_review_delete_rows(cond)))
            .bind(correction_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            crate::failpoint::hit("undo_after_delete");
            let mut items = Vec::with_capacity(moved.len());
            let mut total = Decimal::ZERO;
            // Items in id order: concurrent writers lock them in that order too.
            let mut by_id = moved.clone();
            by_id.sort_by_key(|m| m.0);
            for (item_id, _, _, q) in &by_id {
                add_quantity(&mut tx, *item_id, -*q).await?;
            }
            for (_, sku, n, q) in moved {
                total += q;
                items.push(ItemDelta {
                    sku,
                    lines: -n,
                    quantity: -q,
                });
            }
            // Aliases the decision taught, while they still name the item it chose.
            let mut forgotten = 0u64;
            let mut taught: Vec<(String, String)> = Vec::new();
            for r in &held {
                let alias: String = r.try_get("alias")?;
                let decision: Option<String> = r.try_get("decision_json")?;
                let sku = decision
                    .as_deref()
                    .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
                    .filter(|v| v["choice"] != "reject")
                    .and_then(|v| v["sku"].as_str().map(str::to_string));
                if let Some(sku) = sku
                    && !taught.contains(&(alias.clone(), sku.clone()))
                {
                    taught.push((alias, sku));
                }
            }
            for (alias, sku) in &taught {
                forgotten += sqlx::query(
                    crate::sql::corrections::UNDO_REVIEW_DELETE_ITEM_ALIASES,
                )
                .bind(alias.clone())
                .bind(sku.clone())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
            let reopened = sqlx::query(
                crate::sql::corrections::UNDO_REVIEW_UPDATE_HELD_LINES,
            )
            .bind(correction_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let summary = format!(
                "undid decision {correction_id}: {reopened} line{} held again, {deleted} removed, {total} subtracted",
                if reopened == 1 { "" } else { "s" },
            );
            let detail = serde_json::json!({
                "undoes": correction_id,
                "held_again": reopened,
                "aliases_forgotten": forgotten,
                "items": items_json(&items),
            });
            let id = audit(&mut tx, KIND_REVIEW_UNDO, operator, &summary, deleted, total, detail).await?;
            crate::failpoint::hit("undo_before_commit");
            tx.commit().await?;
            Ok(Applied {
                correction_id: Some(id),
                kind: KIND_REVIEW_UNDO.into(),
                summary,
                lines: reopened,
                quantity: total,
                items,
            })
        }

        pub async fn last_review(s: &$store) -> StoreResult<Option<i64>> {
            Ok(sqlx::query_scalar(
                crate::sql::corrections::LAST_REVIEW,
            )
            .fetch_one(s.pool())
            .await?)
        }

        pub async fn aliases(s: &$store) -> StoreResult<Vec<AliasRow>> {
            let rows = sqlx::query(
                crate::sql::corrections::ALIASES,
            )
            .fetch_all(s.pool())
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let q: Option<Q> = r.try_get("q")?;
                out.push(AliasRow {
                    alias: r.try_get("alias")?,
                    sku: r.try_get("sku")?,
                    learned_by: r.try_get("learned_by")?,
                    lines: r.try_get::<i64, _>("n")?.max(0) as u64,
                    quantity: q.map(dec).unwrap_or_default(),
                    supplier: None,
                    part_number: None,
                });
            }
            // Supplier part numbers, keyed as the lines mapped through them keep them.
            let rows = sqlx::query(
                crate::sql::corrections::ALIASES_2,
            )
            .bind("\t")
            .fetch_all(s.pool())
            .await?;
            for r in rows {
                let q: Option<Q> = r.try_get("q")?;
                let (supplier, part): (String, String) =
                    (r.try_get("supplier")?, r.try_get("part_number")?);
                out.push(AliasRow {
                    alias: crate::mapping::part_key(&supplier, &part),
                    sku: r.try_get("sku")?,
                    learned_by: r.try_get("learned_by")?,
                    lines: r.try_get::<i64, _>("n")?.max(0) as u64,
                    quantity: q.map(dec).unwrap_or_default(),
                    supplier: Some(supplier),
                    part_number: Some(part),
                });
            }
            Ok(out)
        }

        pub async fn find_alias(s: &$store, candidates: &[String]) -> StoreResult<Option<String>> {
            for c in candidates {
                if let Some((supplier, number)) = crate::mapping::parse_part_key(c) {
                    let found: Option<i64> = sqlx::query_scalar(
                        crate::sql::corrections::FIND_ALIAS_SELECT_SUPPLIER_PARTS,
                    )
                    .bind(supplier.to_string())
                    .bind(number.to_string())
                    .fetch_optional(s.pool())
                    .await?;
                    if found.is_some() {
                        return Ok(Some(c.clone()));
                    }
                    continue;
                }
                let found: Option<String> =
                    sqlx::query_scalar(crate::sql::corrections::FIND_ALIAS_SELECT_ITEM_ALIASES)
                        .bind(c.clone())
                        .fetch_optional(s.pool())
                        .await?;
                if found.is_some() {
                    return Ok(found);
                }
            }
            Ok(None)
        }

        /// (item id, sku) the alias points at.
        async fn alias_item(tx: &mut Tx, alias: &str) -> CorrectionResult<(i64, String)> {
            if let Some((supplier, number)) = crate::mapping::parse_part_key(alias) {
                let row = sqlx::query(
                    crate::sql::corrections::ALIAS_ITEM_SELECT_SUPPLIER_PARTS,
                )
                .bind(supplier.to_string())
                .bind(number.to_string())
                .fetch_optional(&mut **tx)
                .await?;
                return match row {
                    Some(r) => Ok((r.try_get("item_id")?, r.try_get("sku")?)),
                    None => refused(format!(
                        "{supplier} has no part number \"{number}\" learned"
                    )),
                };
            }
            let row = sqlx::query(
                crate::sql::corrections::ALIAS_ITEM_SELECT_ITEM_ALIASES,
            )
            .bind(alias.to_string())
            .fetch_optional(&mut **tx)
            .await?;
            match row {
                Some(r) => Ok((r.try_get("item_id")?, r.try_get("sku")?)),
                None => refused(format!(
                    "there is no alias \"{alias}\" (see `batchops aliases list`)"
                )),
            }
        }

        pub async fn move_alias(
            s: &$store,
            alias: &str,
            to_sku: &str,
            operator: &str,
        ) -> CorrectionResult<Applied> {
            let mut tx = begin(s).await?;
            refuse_live_runs(&mut tx, "move the alias").await?;
            let (old_id, old_sku) = alias_item(&mut tx, alias).await?;
            let Some((to_id, _, retired)) = item(&mut tx, to_sku).await? else {
                return refused(format!("there is no item {to_sku}"));
            };
            if let Some(into) = retired {
                return refused(retired_refusal(to_sku, &into));
            }
            let moved = per_item(
                &mut tx,
                "alias = $1 AND item_id <> $2",
                &[Bind::Text(alias), Bind::Id(to_id)],
            )
            .await?;
            if old_id == to_id && moved.is_empty() {
                return refused(format!("the alias \"{alias}\" is already on {to_sku}"));
            }
            let n = sqlx::query(crate::sql::corrections::MOVE_ALIAS_UPDATE_TRANSACTIONS)
                .bind(alias.to_string())
                .bind(to_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            crate::failpoint::hit("alias_move_after_update");
            let mut items = Vec::new();
            let (mut total, mut count) = (Decimal::ZERO, 0i64);
            for (item_id, sku, rows, q) in moved {
                add_quantity(&mut tx, item_id, -q).await?;
                total += q;
                count += rows;
                items.push(ItemDelta { sku, lines: -rows, quantity: -q });
            }
            add_quantity(&mut tx, to_id, total).await?;
            if count > 0 || !total.is_zero() {
                items.push(ItemDelta { sku: to_sku.to_string(), lines: count, quantity: total });
            }
            match crate::mapping::parse_part_key(alias) {
                Some((supplier, number)) => {
                    sqlx::query(
                        crate::sql::corrections::MOVE_ALIAS_UPDATE_SUPPLIER_PARTS,
                    )
                    .bind(supplier.to_string())
                    .bind(number.to_string())
                    .bind(to_id)
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    sqlx::query(crate::sql::corrections::MOVE_ALIAS_UPDATE_ITEM_ALIASES)
                        .bind(alias.to_string())
                        .bind(to_id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            if old_id != to_id {
                // The operator said the alias is not the old item: never propose that pairing again.
                sqlx::query(
                    crate::sql::corrections::MOVE_ALIAS_INSERT_ALIAS_REJECTIONS,
                )
                .bind(alias.to_string())
                .bind(old_id)
                .bind(operator.to_string())
                .bind(Utc::now())
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(crate::sql::corrections::MOVE_ALIAS_DELETE_ALIAS_REJECTIONS)
                .bind(alias.to_string())
                .bind(to_id)
                .execute(&mut *tx)
                .await?;
            let summary = format!(
                "moved alias \"{alias}\" from {old_sku} to {to_sku}: {n} line{} with {total} moved",
                if n == 1 { "" } else { "s" }
            );
            let detail = serde_json::json!({
                "alias": alias, "from": old_sku, "to": to_sku, "items": items_json(&items),
            });
            let id = audit(&mut tx, KIND_ALIAS_MOVE, operator, &summary, n, total, detail).await?;
            crate::failpoint::hit("alias_move_before_commit");
            tx.commit().await?;
            Ok(Applied {
                correction_id: Some(id),
                kind: KIND_ALIAS_MOVE.into(),
                summary,
                lines: n,
                quantity: total,
                items,
            })
        }

        pub async fn forget_alias(
            s: &$store,
            alias: &str,
            operator: &str,
        ) -> CorrectionResult<Applied> {
            let mut tx = begin(s).await?;
            let (_, sku) = alias_item(&mut tx, alias).await?;
            match crate::mapping::parse_part_key(alias) {
                Some((supplier, number)) => {
                    sqlx::query(crate::sql::corrections::FORGET_ALIAS_DELETE_SUPPLIER_PARTS)
                        .bind(supplier.to_string())
                        .bind(number.to_string())
                        .execute(&mut *tx)
                        .await?;
                }
                None => {
                    sqlx::query(crate::sql::corrections::FORGET_ALIAS_DELETE_ITEM_ALIASES)
                        .bind(alias.to_string())
                        .execute(&mut *tx)
                        .await?;
                }
            }
            let summary = format!(
                "forgot alias \"{alias}\" (was {sku}): later lines are matched afresh; lines that \
                 landed through it stay where they are"
            );
            let detail = serde_json::json!({ "alias": alias, "sku": sku });
            let id =
                audit(&mut tx, KIND_ALIAS_FORGET, operator, &summary, 0, Decimal::ZERO, detail).await?;
            tx.commit().await?;
            Ok(Applied {
                correction_id: Some(id),
                kind: KIND_ALIAS_FORGET.into(),
                summary,
                lines: 0,
                quantity: Decimal::ZERO,
                items: Vec::new(),
            })
        }

        pub async fn merge_items(
            s: &$store,
            from_sku: &str,
            into_sku: &str,
            operator: &str,
        ) -> CorrectionResult<Applied> {
            if from_sku == into_sku {
                return refused(format!("cannot merge {from_sku} into itself"));
            }
            let mut tx = begin(s).await?;
            refuse_live_runs(&mut tx, "merge the items").await?;
            let Some((from_id, from_name, from_retired)) = item(&mut tx, from_sku).await? else {
                return refused(format!("there is no item {from_sku}"));
            };
            if let Some(into) = from_retired {
                return refused(format!("{from_sku} is already retired (merged into {into})"));
            }
            let Some((into_id, into_name, into_retired)) = item(&mut tx, into_sku).await? else {
                return refused(format!("there is no item {into_sku}"));
            };
            if let Some(into) = into_retired {
                return refused(retired_refusal(into_sku, &into));
            }
            let from_qty: Q = sqlx::query_scalar(crate::sql::corrections::MERGE_ITEMS_QUANTITY_OF)
                .bind(from_id)
                .fetch_one(&mut *tx)
                .await?;
            let from_qty = dec(from_qty);
            let n = sqlx::query(crate::sql::corrections::MERGE_ITEMS_UPDATE_TRANSACTIONS)
                .bind(from_id)
                .bind(into_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            crate::failpoint::hit("merge_after_move");
            add_quantity(&mut tx, into_id, from_qty).await?;
            sqlx::query(
                crate::sql::corrections::MERGE_ITEMS_RETIRE,
            )
            .bind(from_id)
            .bind(enc(Decimal::ZERO)?)
            .bind(Utc::now())
            .bind(into_id)
            .execute(&mut *tx)
            .await?;
            // Items merged into FROM before now point at INTO: one hop from any retired SKU.
            sqlx::query(crate::sql::corrections::MERGE_ITEMS_RETIRE_2)
                .bind(from_id)
                .bind(into_id)
                .execute(&mut *tx)
                .await?;
            let aliases = sqlx::query(crate::sql::corrections::MERGE_ITEMS_UPDATE_ITEM_ALIASES)
                .bind(from_id)
                .bind(into_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            // A line described by FROM's name maps to INTO from now on.
            let from_norm = crate::mapping::alias_key(&from_name);
            if !from_norm.is_empty() && from_norm != crate::mapping::alias_key(&into_name) {
                sqlx::query(
                    crate::sql::corrections::MERGE_ITEMS_INSERT_ITEM_ALIASES,
                )
                .bind(from_norm)
                .bind(into_id)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(
                crate::sql::corrections::MERGE_ITEMS_INSERT_ALIAS_REJECTIONS,
            )
            .bind(from_id)
            .bind(into_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(crate::sql::corrections::MERGE_ITEMS_DELETE_ALIAS_REJECTIONS)
                .bind(from_id)
                .execute(&mut *tx)
                .await?;
            let items = vec![
                ItemDelta { sku: from_sku.to_string(), lines: -(n as i64), quantity: -from_qty },
                ItemDelta { sku: into_sku.to_string(), lines: n as i64, quantity: from_qty },
            ];
            let summary = format!(
                "merged {from_sku} into {into_sku}: {n} line{}, quantity {from_qty} and {aliases} alias{} moved; \
                 {from_sku} retired",
                if n == 1 { "" } else { "s" },
                if aliases == 1 { "" } else { "es" },
            );
            let detail = serde_json::json!({
                "from": from_sku, "into": into_sku, "aliases_moved": aliases, "items": items_json(&items),
            });
            let id = audit(&mut tx, KIND_MERGE, operator, &summary, n, from_qty, detail).await?;
            crate::failpoint::hit("merge_before_commit");
            tx.commit().await?;
            Ok(Applied {
                correction_id: Some(id),
                kind: KIND_MERGE.into(),
                summary,
                lines: n,
                quantity: from_qty,
                items,
            })
        }

        pub async fn corrections(s: &$store, limit: u64) -> StoreResult<Vec<CorrectionRow>> {
            let rows = sqlx::query(
                crate::sql::corrections::CORRECTIONS,
            )
            .bind(limit.min(i64::MAX as u64) as i64)
            .fetch_all(s.pool())
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let detail: String = r.try_get("detail_json")?;
                out.push(CorrectionRow {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    operator: r.try_get("operator")?,
                    created_at: r.try_get("created_at")?,
                    summary: r.try_get("summary")?,
                    lines: r.try_get::<i64, _>("lines")?.max(0) as u64,
                    quantity: dec(r.try_get("quantity")?),
                    detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                });
            }
            Ok(out)
        }

        pub async fn failed_by_identity(
            s: &$store,
            import_key: &str,
            line: u64,
        ) -> StoreResult<Vec<IdentityFailure>> {
            let sql = crate::sql::corrections::failed_by_identity();
            let rows = sqlx::query(AssertSqlSafe(sql))
                .bind(import_key.to_string())
                .bind(line.min(i64::MAX as u64) as i64)
                .fetch_all(s.pool())
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let raw: RawFailed = decode::failed(&r)?;
                out.push(IdentityFailure {
                    failed: raw.into_row(),
                    run_reverted: r.try_get("run_reverted")?,
                });
            }
            Ok(out)
        }

        pub async fn failed_lines(
            s: &$store,
            import_key: &str,
            lines: &[u64],
        ) -> StoreResult<Vec<u64>> {
            if lines.is_empty() {
                return Ok(Vec::new());
            }
            // Line numbers are integers formatted here, never user text.
            let list: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            let sql = crate::sql::corrections::failed_lines(list.join(","));
            let found: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(sql))
                .bind(import_key.to_string())
                .fetch_all(s.pool())
                .await?;
            Ok(found.into_iter().map(|l| l.max(0) as u64).collect())
        }

        pub async fn resolve_identity(s: &$store, import_key: &str, line: u64) -> StoreResult<u64> {
            Ok(sqlx::query(
                crate::sql::corrections::RESOLVE_IDENTITY,
            )
            .bind(import_key.to_string())
            .bind(line.min(i64::MAX as u64) as i64)
            .bind(Utc::now())
            .execute(s.pool())
            .await?
            .rows_affected())
        }
    };
}

macro_rules! corrections_impl {
    ($store:ty, $imp:ident) => {
        #[async_trait]
        impl Corrections for $store {
            async fn revert_run(&self, run_id: i64, operator: &str) -> CorrectionResult<Applied> {
                $imp::revert_run(self, run_id, operator).await
            }
            async fn undo_review(
                &self,
                correction_id: i64,
                operator: &str,
            ) -> CorrectionResult<Applied> {
                $imp::undo_review(self, correction_id, operator).await
            }
            async fn last_review(&self) -> StoreResult<Option<i64>> {
                $imp::last_review(self).await
            }
            async fn aliases(&self) -> StoreResult<Vec<AliasRow>> {
                $imp::aliases(self).await
            }
            async fn find_alias(&self, candidates: &[String]) -> StoreResult<Option<String>> {
                $imp::find_alias(self, candidates).await
            }
            async fn move_alias(
                &self,
                alias: &str,
                to_sku: &str,
                operator: &str,
            ) -> CorrectionResult<Applied> {
                $imp::move_alias(self, alias, to_sku, operator).await
            }
            async fn forget_alias(&self, alias: &str, operator: &str) -> CorrectionResult<Applied> {
                $imp::forget_alias(self, alias, operator).await
            }
            async fn merge_items(
                &self,
                from_sku: &str,
                into_sku: &str,
                operator: &str,
            ) -> CorrectionResult<Applied> {
                $imp::merge_items(self, from_sku, into_sku, operator).await
            }
            async fn corrections(&self, limit: u64) -> StoreResult<Vec<CorrectionRow>> {
                $imp::corrections(self, limit).await
            }
            async fn failed_by_identity(
                &self,
                import_key: &str,
                line: u64,
            ) -> StoreResult<Vec<IdentityFailure>> {
                $imp::failed_by_identity(self, import_key, line).await
            }
            async fn failed_lines(&self, import_key: &str, lines: &[u64]) -> StoreResult<Vec<u64>> {
                $imp::failed_lines(self, import_key, lines).await
            }
            async fn resolve_identity(&self, import_key: &str, line: u64) -> StoreResult<u64> {
                $imp::resolve_identity(self, import_key, line).await
            }
        }
    };
}

/// SQLite: quantities are INTEGER units of 0.0001; `BEGIN IMMEDIATE` takes the write lock up
/// front (it also serializes corrections with imports); no row locks.
mod sqlite_impl {
    use crate::domain::decimal::{from_units, to_units};

    type Q = i64;
    use crate::sql::sqlite::{FOR_UPDATE, FOR_UPDATE_OF_I};

    fn enc(v: Decimal) -> StoreResult<Q> {
        to_units(v).ok_or_else(|| StoreError {
            class: crate::ErrorClass::Data,
            message: format!("{v} does not fit NUMERIC(18,4)"),
            sqlstate: Some("22003".into()),
            phase: None,
        })
    }

    fn dec(v: Q) -> Decimal {
        from_units(v)
    }

    async fn begin(s: &SqliteStore) -> StoreResult<Tx> {
        Ok(s.pool()
            .begin_with(crate::sql::corrections::BEGIN_IMMEDIATE)
            .await?)
    }

    corrections_sql!(SqliteStore, sqlx::Sqlite);
}

/// PostgreSQL: NUMERIC(18,4); the run or items a correction reads are locked for its transaction.
mod pg_impl {
    type Q = Decimal;
    use crate::sql::postgres::{FOR_UPDATE, FOR_UPDATE_OF_I};

    fn enc(v: Decimal) -> StoreResult<Q> {
        Ok(v)
    }

    fn dec(v: Q) -> Decimal {
        v.normalize()
    }

    async fn begin(s: &PgStore) -> StoreResult<Tx> {
        Ok(s.pool().begin().await?)
    }

    corrections_sql!(PgStore, sqlx::Postgres);
}

corrections_impl!(SqliteStore, sqlite_impl);
corrections_impl!(PgStore, pg_impl);
