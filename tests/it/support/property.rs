//! What the property tests share: how many cases to try, and one case run on a fresh database.

use crate::support::db::{self, TestDb};
use proptest::test_runner::TestCaseError;
use std::future::Future;

/// `PROPTEST_CASES` when set (a longer search), else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// One case on a fresh SQLite database.
pub fn on_sqlite<F, Fut>(case: F) -> Result<(), TestCaseError>
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = Result<(), TestCaseError>>,
{
    runtime().block_on(async { case(db::sqlite().await).await })
}

/// One case on a fresh PostgreSQL schema; nothing when the PostgreSQL tests are skipped.
pub fn on_postgres<F, Fut>(case: F) -> Result<(), TestCaseError>
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = Result<(), TestCaseError>>,
{
    runtime().block_on(async {
        match db::postgres().await {
            Some(db) => case(db).await,
            None => Ok(()),
        }
    })
}

/// A runtime for one case: proptest's bodies are synchronous.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}
