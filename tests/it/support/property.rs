//! What the property tests share: their configuration, and one case run on a fresh database.

use crate::support::db::{self, TestDb};
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError};
use std::future::Future;

/// `default` cases, or `PROPTEST_CASES` when set (a longer search). Failures are kept next to the
/// test's module file, in `<module>.proptest-regressions`, and tried first on every run (proptest's
/// own default would look for the module's directory's `main.rs` and keep them elsewhere).
pub fn config(default: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..Config::default()
    }
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
