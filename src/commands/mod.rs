//! The headless commands: each parses nothing, prints its result and returns the exit code.

mod compare;
mod corrections;
mod generate;
mod import;
mod progress;
mod queries;

pub use compare::compare;
pub use corrections::{aliases, history as corrections, items, revert};
pub use generate::generate;
pub use import::{import, resume, retry};
pub use queries::{failed, inventory, runs};

use crate::store::{self, Store, default_url, redact_url};
use color_eyre::eyre::{Result, WrapErr};
use std::sync::Arc;

/// Exit codes: 0 success, 2 partial success, 1 failed or error.
pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_PARTIAL: u8 = 2;

/// Open the database named by `--database-url`, `DATABASE_URL` or the SQLite default.
pub async fn open_store(url: Option<&str>) -> Result<Arc<dyn Store>> {
    let url = url.map(str::to_string).unwrap_or_else(default_url);
    store::open(&url)
        .await
        .wrap_err_with(|| format!("cannot use the database {}", redact_url(&url)))
}

/// The worst exit code of several runs.
pub fn combine(codes: impl IntoIterator<Item = u8>) -> u8 {
    codes.into_iter().fold(EXIT_OK, |acc, c| match (acc, c) {
        (EXIT_FAILED, _) | (_, EXIT_FAILED) => EXIT_FAILED,
        (EXIT_PARTIAL, _) | (_, EXIT_PARTIAL) => EXIT_PARTIAL,
        _ => EXIT_OK,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_code_wins() {
        assert_eq!(combine([0, 0]), 0);
        assert_eq!(combine([0, 2, 0]), 2);
        assert_eq!(combine([2, 1, 0]), 1);
        assert_eq!(combine([]), 0);
    }
}
