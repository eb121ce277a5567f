//! The headless commands: each parses nothing, prints its result and returns the exit code.

mod compare;
mod corrections;
mod generate;
mod import;
mod inspect;
pub mod output;
mod progress;
mod queries;
mod reach;
mod review;
mod shell;

pub use compare::compare;
pub use corrections::{history as corrections, items, revert};
pub use generate::generate;
pub use import::{import, resume, retry};
pub use inspect::{InspectArgs, inspect};
pub use progress::set_verbosity as set_progress_verbosity;
pub use queries::{failed, inventory, runs};
pub use review::{aliases, review};
pub use shell::{completions, config, man};

use crate::store::{self, Store, redact_url};
use color_eyre::eyre::{Result, WrapErr};
use std::sync::Arc;

// Exit codes (the table is in docs/operations.md, "Exit codes"):
/// The command did what was asked (a run ended `success`).
pub const EXIT_OK: u8 = 0;
/// A run ended `failed` (or cancelled, aborted), or the command met an error.
pub const EXIT_FAILED: u8 = 1;
/// A run ended `partial_success`: good lines landed, bad lines are in `failed_items`.
pub const EXIT_PARTIAL: u8 = 2;
/// A run ended `success` with lines held for review: nothing failed, but the held lines land
/// nowhere until an operator decides (`batchops review`).
pub const EXIT_HELD: u8 = 3;
/// The command line was wrong: an unknown flag, a bad value, a missing argument (EX_USAGE of
/// sysexits.h).
pub const EXIT_USAGE: u8 = 64;
/// stdout was closed by its reader before the output was written (`batchops runs | head -1`): the
/// command ended quietly, as a process ended by SIGPIPE would (128 + 13).
pub const EXIT_PIPE_CLOSED: u8 = 141;

/// The operator asked for something the command line cannot mean (a value out of range, options
/// that exclude each other): exits [`EXIT_USAGE`]. Return it as `Err(UsageError(..).into())`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The exit code for an error that ended a command: [`EXIT_PIPE_CLOSED`] for a closed stdout,
/// [`EXIT_USAGE`] for a [`UsageError`], else [`EXIT_FAILED`].
pub fn exit_code_of(err: &color_eyre::eyre::Report) -> u8 {
    if output::is_broken_pipe(err.as_ref()) {
        EXIT_PIPE_CLOSED
    } else if err.chain().any(|e| e.is::<UsageError>()) {
        EXIT_USAGE
    } else {
        EXIT_FAILED
    }
}

/// Whether a command may create the database it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The command writes: a missing SQLite file is created.
    Write,
    /// The command only reads: a missing SQLite file is an error naming it, and none is made.
    Read,
}

/// When the process started (see [`mark_start`]).
static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Note the process's start; called first thing in `main`.
pub fn mark_start() {
    STARTED.get_or_init(std::time::Instant::now);
}

/// The time since the process started: a run counts it as start-up (opening the database and its
/// migrations included).
pub fn since_start() -> std::time::Duration {
    STARTED.get_or_init(std::time::Instant::now).elapsed()
}

/// Open the database `url` (the settings' database URL).
///
/// For PostgreSQL the server's address is tried at the same time as the pool opens: a refused or
/// unresolvable address is reported at once instead of after the pool's connect timeout.
pub async fn open_store(url: &str, access: Access) -> Result<Arc<dyn Store>> {
    let context = || format!("cannot use the database {}", redact_url(url));
    tracing::info!(database = %redact_url(url), ?access, "opening the database");
    let options = store::OpenOptions {
        create_if_missing: access == Access::Write,
        ..store::OpenOptions::default()
    };
    let open = store::open_with(url, &options);
    let Some(probe) = reach::probe(url) else {
        return open.await.wrap_err_with(context);
    };
    tokio::pin!(open);
    tokio::select! {
        opened = &mut open => opened.wrap_err_with(context),
        Err(unreachable) = probe => Err(unreachable).wrap_err_with(context),
    }
}

/// The worst exit code of several runs: failed (1) over partial success (2) over held lines (3)
/// over success (0).
pub fn combine(codes: impl IntoIterator<Item = u8>) -> u8 {
    let rank = |c: u8| match c {
        EXIT_OK => 0,
        EXIT_HELD => 1,
        EXIT_PARTIAL => 2,
        _ => 3,
    };
    codes
        .into_iter()
        .max_by_key(|&c| rank(c))
        .unwrap_or(EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_code_wins() {
        assert_eq!(combine([0, 0]), 0);
        assert_eq!(combine([0, 2, 0]), 2);
        assert_eq!(combine([2, 1, 0]), 1);
        assert_eq!(combine([0, 3, 0]), 3);
        assert_eq!(combine([3, 2]), 2);
        assert_eq!(combine([3, 1, 2]), 1);
        assert_eq!(combine([]), 0);
    }
}
