//! One writer per import key: which command takes which lock, and what it does when another
//! command holds it. The locks themselves are the store's ([`crate::store::locks`]).
//!
//! | command                                   | locks                                         | when held by another            |
//! |-------------------------------------------|-----------------------------------------------|---------------------------------|
//! | import, resume, retry, reject-file import | each import key it writes under (exclusive),  | refused at once, naming it      |
//! | review decide, revert                     | and the catalog (shared)                      | (the catalog: waits up to 20 s) |
//! | items merge, aliases move, aliases forget | the catalog (exclusive)                       | refused at once, naming it      |
//!
//! A command holds its locks from before it reads the state it acts on until it has finished
//! (its report stored), so two commands never write under one key at once, and a catalog
//! correction never moves stock under a command that loaded the catalog before it. Every write
//! re-checks the run's state inside its transaction besides (`transactions_run_not_reverted`, the
//! migration 20261204000004): nothing lands under a reverted run.

use crate::corrections::CorrectionError;
use crate::engine::EngineError;
use crate::store::locks::{Acquired, CATALOG, Holder, KeyLock, LockMode, Wanted, Who};
use crate::store::{Store, StoreError};
use std::time::{Duration, Instant};

/// The commands that write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Import,
    Resume,
    Retry,
    RejectFile,
    Decide,
    Revert,
    Merge,
    AliasMove,
    AliasForget,
}

/// How long a key writer waits for a catalog correction (one short transaction) to finish.
pub const CATALOG_WAIT: Duration = Duration::from_secs(20);
/// How long anyone waits for a holder that has its lock but has not said who it is yet.
const STARTING_WAIT: Duration = Duration::from_secs(2);
const POLL_EVERY: Duration = Duration::from_millis(100);

impl Command {
    pub fn as_str(self) -> &'static str {
        match self {
            Command::Import => "import",
            Command::Resume => "resume",
            Command::Retry => "retry",
            Command::RejectFile => "reject-file import",
            Command::Decide => "review decide",
            Command::Revert => "revert",
            Command::Merge => "items merge",
            Command::AliasMove => "aliases move",
            Command::AliasForget => "aliases forget",
        }
    }

    /// Changes the catalog itself (moves stock between items).
    fn is_catalog_correction(self) -> bool {
        matches!(
            self,
            Command::Merge | Command::AliasMove | Command::AliasForget
        )
    }

    /// The locks this command takes to write under `keys`.
    fn wanted(self, keys: &[String]) -> Vec<Wanted> {
        if self.is_catalog_correction() {
            return vec![Wanted {
                key: CATALOG.into(),
                mode: LockMode::Exclusive,
            }];
        }
        let mut w: Vec<Wanted> = keys
            .iter()
            .map(|k| Wanted {
                key: k.clone(),
                mode: LockMode::Exclusive,
            })
            .collect();
        w.push(Wanted {
            key: CATALOG.into(),
            mode: LockMode::Shared,
        });
        w
    }
}

/// Why the locks were not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another command holds one: the message names it.
    #[error("{0}")]
    Busy(String),
    #[error("database: {0}")]
    Store(#[from] StoreError),
}

impl From<LockError> for EngineError {
    fn from(e: LockError) -> Self {
        match e {
            LockError::Busy(why) => EngineError::Invalid(why),
            LockError::Store(e) => EngineError::Store(e),
        }
    }
}

impl From<LockError> for CorrectionError {
    fn from(e: LockError) -> Self {
        match e {
            LockError::Busy(why) => CorrectionError::Refused(why),
            LockError::Store(e) => CorrectionError::Store(e),
        }
    }
}

/// Take the locks `command` needs to write under the import keys `keys` (see the table above).
pub async fn acquire(
    store: &dyn Store,
    command: Command,
    keys: impl IntoIterator<Item = String>,
    operator: &str,
) -> Result<KeyLock, LockError> {
    let keys: Vec<String> = keys.into_iter().collect();
    let wanted = command.wanted(&keys);
    let who = Who {
        command: command.as_str().into(),
        operator: operator.into(),
    };
    let start = Instant::now();
    loop {
        let holder = match store.try_lock(&wanted, &who).await? {
            Acquired::Held(lock) => return Ok(lock),
            Acquired::Busy(h) => h,
        };
        let waits = if holder.command.is_none() {
            STARTING_WAIT
        } else if holder.key == CATALOG && !command.is_catalog_correction() {
            CATALOG_WAIT
        } else {
            Duration::ZERO
        };
        if start.elapsed() >= waits {
            return Err(LockError::Busy(refusal(command, &holder)));
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

/// The running command, as an operator knows it.
fn describe(h: &Holder) -> String {
    let Some(command) = &h.command else {
        return "another batchops command (starting)".into();
    };
    let run = h.run_id.map(|r| format!(" run {r}")).unwrap_or_default();
    let since = h
        .since
        .map(|t| format!(" since {}", t.format("%Y-%m-%d %H:%M:%S UTC")))
        .unwrap_or_default();
    format!(
        "`{command}`{run} by {}{since} (pid {} on {})",
        h.operator, h.pid, h.host
    )
}

fn refusal(command: Command, h: &Holder) -> String {
    let running = describe(h);
    if h.key == CATALOG {
        if command.is_catalog_correction() {
            format!(
                "{running} is writing: {} once it has finished (one writer at a time)",
                command.as_str()
            )
        } else {
            format!(
                "{running} is changing the catalog and did not finish within {} s: try again",
                CATALOG_WAIT.as_secs()
            )
        }
    } else {
        let short: String = h.key.chars().take(12).collect();
        let more = if h.key.chars().count() > 12 {
            "…"
        } else {
            ""
        };
        format!(
            "{running} is writing under import key {short}{more}: {} is refused until it has \
             finished (one writer per run at a time)",
            command.as_str()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_writers_lock_their_keys_and_share_the_catalog_corrections_own_it() {
        let keys = vec!["k1".to_string(), "k2".to_string()];
        for c in [
            Command::Import,
            Command::Resume,
            Command::Retry,
            Command::RejectFile,
            Command::Decide,
            Command::Revert,
        ] {
            let w = c.wanted(&keys);
            assert_eq!(w.len(), 3, "{c:?}");
            assert!(w[..2].iter().all(|w| w.mode == LockMode::Exclusive));
            assert_eq!((w[2].key.as_str(), w[2].mode), (CATALOG, LockMode::Shared));
        }
        for c in [Command::Merge, Command::AliasMove, Command::AliasForget] {
            let w = c.wanted(&keys);
            assert_eq!(w.len(), 1);
            assert_eq!(
                (w[0].key.as_str(), w[0].mode),
                (CATALOG, LockMode::Exclusive)
            );
        }
    }

    #[test]
    fn a_refusal_names_the_running_command() {
        let h = Holder {
            key: "3f2a9c1d0b7e55aa".into(),
            command: Some("retry".into()),
            operator: "alice".into(),
            run_id: Some(7),
            since: chrono::DateTime::from_timestamp(1_796_371_272, 0),
            host: "ops-1".into(),
            pid: 4242,
        };
        assert_eq!(
            refusal(Command::Revert, &h),
            "`retry` run 7 by alice since 2026-12-04 08:01:12 UTC (pid 4242 on ops-1) is writing \
             under import key 3f2a9c1d0b7e…: revert is refused until it has finished (one writer \
             per run at a time)"
        );
        let catalog = Holder {
            key: CATALOG.into(),
            ..h
        };
        assert!(refusal(Command::Merge, &catalog).contains("items merge once it has finished"));
        assert!(refusal(Command::Import, &catalog).contains("is changing the catalog"));
    }
}
