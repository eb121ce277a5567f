//! What earlier runs landed of a file's lines, by content fingerprint, and the invoice each import
//! key carried: the look-ups of the overlap check (crates/batchops-engine/src/engine/overlap.rs). The SQL is written once
//! ([`overlap_sql!`]) and instantiated per backend; only how a list of fingerprints is bound and
//! how a quantity is decoded differ.

use super::{PgStore, SqliteStore, StoreResult};
use async_trait::async_trait;
use rust_decimal::Decimal;

/// A transaction row a run landed with its fingerprint.
#[derive(Debug, Clone, PartialEq)]
pub struct LandedLine {
    pub run_id: i64,
    pub line: u64,
    pub fingerprint: i64,
    pub line_key: Option<i64>,
    pub sku: String,
    pub quantity: Decimal,
    pub unit_cost: Decimal,
}

pub use batchops_core::input::invoice::InvoiceRef;

/// What the database knows of an import key before a run of it starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyState {
    /// A run of the key that was not a dry run and is not reverted exists.
    pub imported: bool,
    /// How the operator answered its overlap with earlier runs (`only-new`, `as-new-invoice`).
    pub answer: Option<String>,
    /// A run of another import key exists (of any kind): without one, no line of any file can
    /// have landed elsewhere and no run named its invoice.
    pub others: bool,
}

/// Fingerprints looked up per statement.
const LOOKUP_PART: usize = 10_000;

#[async_trait]
pub trait Overlaps: Send + Sync {
    /// Rows landed under import keys other than `import_key` whose fingerprint is one of these.
    async fn landed_elsewhere(
        &self,
        import_key: &str,
        fingerprints: &[i64],
    ) -> StoreResult<Vec<LandedLine>>;
    /// Runs of other import keys (not dry runs, not reverted) whose file named this invoice.
    async fn invoice_runs(&self, import_key: &str, invoice: &InvoiceRef) -> StoreResult<Vec<i64>>;
    /// How many rows a run landed with a fingerprint.
    async fn run_line_count(&self, run_id: i64) -> StoreResult<u64>;
    /// A run's rows that carry a fingerprint and one of these line keys, by line: only the rows a
    /// file's lines can be compared with, never the whole run.
    async fn run_lines_keyed(&self, run_id: i64, line_keys: &[i64])
    -> StoreResult<Vec<LandedLine>>;
    async fn key_state(&self, import_key: &str) -> StoreResult<KeyState>;
    /// Keep the invoice a key's file named and the operator's answer (the first record of a key
    /// stays; an answer given later is added).
    async fn record(
        &self,
        import_key: &str,
        invoice: Option<&InvoiceRef>,
        answer: Option<&str>,
        operator: &str,
    ) -> StoreResult<()>;
}

macro_rules! overlap_sql {
    ($store:ty) => {
        use super::*;
        use sqlx::{AssertSqlSafe, Row};

        fn landed(r: &<Db as sqlx::Database>::Row) -> StoreResult<LandedLine> {
            Ok(LandedLine {
                run_id: r.try_get(0)?,
                line: r.try_get::<i64, _>(1)?.max(0) as u64,
                fingerprint: r.try_get(2)?,
                line_key: r.try_get(3)?,
                sku: r.try_get(4)?,
                quantity: dec(r.try_get(5)?),
                unit_cost: dec(r.try_get(6)?),
            })
        }

        #[async_trait]
        impl Overlaps for $store {
            async fn landed_elsewhere(
                &self,
                import_key: &str,
                fingerprints: &[i64],
            ) -> StoreResult<Vec<LandedLine>> {
                let mut out = Vec::new();
                for part in fingerprints.chunks(LOOKUP_PART) {
                    let rows = sqlx::query(AssertSqlSafe(crate::sql::overlap::elsewhere(
                        PRINT_JOIN,
                        &in_list("p.fingerprint"),
                        &in_list("t.fingerprint"),
                    )))
                    .bind(list(part))
                    .bind(import_key.to_string())
                    .bind(false)
                    .fetch_all(self.pool())
                    .await?;
                    for r in rows {
                        out.push(landed(&r)?);
                    }
                }
                Ok(out)
            }

            async fn run_line_count(&self, run_id: i64) -> StoreResult<u64> {
                let n: i64 = sqlx::query_scalar(crate::sql::overlap::RUN_LINE_COUNT)
                    .bind(run_id)
                    .fetch_one(self.pool())
                    .await?;
                Ok(n.max(0) as u64)
            }

            async fn run_lines_keyed(
                &self,
                run_id: i64,
                line_keys: &[i64],
            ) -> StoreResult<Vec<LandedLine>> {
                let mut out = Vec::new();
                for part in line_keys.chunks(LOOKUP_PART) {
                    let rows = sqlx::query(AssertSqlSafe(crate::sql::overlap::run_lines(
                        &in_list("t.line_key"),
                    )))
                    .bind(list(part))
                    .bind(run_id)
                    .fetch_all(self.pool())
                    .await?;
                    for r in rows {
                        out.push(landed(&r)?);
                    }
                }
                // Each part came by line; all of them in line order too.
                out.sort_by_key(|l| l.line);
                Ok(out)
            }

            async fn invoice_runs(
                &self,
                import_key: &str,
                invoice: &InvoiceRef,
            ) -> StoreResult<Vec<i64>> {
                Ok(sqlx::query_scalar(crate::sql::overlap::INVOICE_RUNS)
                    .bind(invoice.vendor.clone())
                    .bind(invoice.invoice_id.clone())
                    .bind(import_key.to_string())
                    .bind(false)
                    .fetch_all(self.pool())
                    .await?)
            }

            async fn key_state(&self, import_key: &str) -> StoreResult<KeyState> {
                let row = sqlx::query(crate::sql::overlap::KEY_STATE)
                    .bind(import_key.to_string())
                    .bind(false)
                    .fetch_one(self.pool())
                    .await?;
                Ok(KeyState {
                    imported: row.try_get::<i64, _>("runs")? > 0,
                    answer: row.try_get("answer")?,
                    others: row.try_get::<i64, _>("others")? > 0,
                })
            }

            async fn record(
                &self,
                import_key: &str,
                invoice: Option<&InvoiceRef>,
                answer: Option<&str>,
                operator: &str,
            ) -> StoreResult<()> {
                sqlx::query(crate::sql::overlap::RECORD)
                    .bind(import_key.to_string())
                    .bind(invoice.map(|i| i.vendor.clone()))
                    .bind(invoice.map(|i| i.invoice_id.clone()))
                    .bind(answer.map(str::to_string))
                    .bind(operator.to_string())
                    .execute(self.pool())
                    .await?;
                Ok(())
            }
        }
    };
}

/// SQLite: the fingerprints as a JSON array read by `json_each`; quantities in units of 0.0001.
mod sqlite_impl {
    const PRINT_JOIN: &str = <crate::dialect::Lite as crate::dialect::Dialect>::PRINT_JOIN;
    use crate::sql::sqlite::in_json_array as in_list;

    fn list(part: &[i64]) -> String {
        serde_json::to_string(part).unwrap_or_else(|_| "[]".into())
    }

    fn dec(v: i64) -> Decimal {
        crate::domain::decimal::from_units(v)
    }

    type Db = sqlx::Sqlite;
    overlap_sql!(SqliteStore);
}

/// PostgreSQL: the fingerprints as a BIGINT array; NUMERIC quantities.
mod pg_impl {
    const PRINT_JOIN: &str = <crate::dialect::Pg as crate::dialect::Dialect>::PRINT_JOIN;
    use crate::sql::postgres::in_array as in_list;

    fn list(part: &[i64]) -> Vec<i64> {
        part.to_vec()
    }

    fn dec(v: Decimal) -> Decimal {
        v.normalize()
    }

    type Db = sqlx::Postgres;
    overlap_sql!(PgStore);
}
