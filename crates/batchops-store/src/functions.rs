//! The PostgreSQL functions: one file, `postgres_functions.sql`, of `CREATE OR REPLACE`
//! statements, applied after the migrations when the database records another version of it.
//!
//! The check is one query per connect; the apply runs in one transaction under an advisory lock
//! of the schema, so two processes that connect at once to a database holding an older version
//! do not replace the same function concurrently (PostgreSQL refuses that with "tuple
//! concurrently updated"), and the second finds the work done.

use sqlx::PgPool;

use crate::StoreResult;

/// The functions as this build knows them.
pub const FUNCTIONS: &str = include_str!("postgres_functions.sql");

const CURRENT: &str = crate::sql::postgres::CURRENT;

/// Apply [`FUNCTIONS`] unless the database holds them already. Returns whether it applied them.
pub async fn apply(pool: &PgPool) -> StoreResult<bool> {
    let current: bool = sqlx::query_scalar(CURRENT)
        .bind(FUNCTIONS)
        .fetch_one(pool)
        .await?;
    if current {
        return Ok(false);
    }
    let mut tx = pool.begin().await?;
    sqlx::query(crate::sql::postgres::APPLY_LOCK)
        .execute(&mut *tx)
        .await?;
    let current: bool = sqlx::query_scalar(CURRENT)
        .bind(FUNCTIONS)
        .fetch_one(&mut *tx)
        .await?;
    if !current {
        sqlx::raw_sql(FUNCTIONS).execute(&mut *tx).await?;
        sqlx::query(crate::sql::postgres::APPLY_DELETE_SCHEMA_FUNCTIONS)
            .execute(&mut *tx)
            .await?;
        sqlx::query(crate::sql::postgres::APPLY_INSERT_SCHEMA_FUNCTIONS)
            .bind(FUNCTIONS)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(!current)
}
