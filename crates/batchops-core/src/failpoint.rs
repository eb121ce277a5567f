//! Fail points for crash tests.
//!
//! `BATCHOPS_FAILPOINT=NAME:N` makes the process kill itself with SIGKILL the N-th time it reaches
//! the point `NAME` (`NAME` alone means the first time). Nothing runs after that: no destructor, no
//! rollback, no flush of buffered output, no report — exactly what `kill -9` from outside does, at a
//! moment a test can choose. The variable is read once; when it is unset a point costs one atomic
//! load and a comparison.
//!
//! `NAME:N:stop` stops the process there instead (SIGSTOP, as `kill -STOP` from outside): a test
//! sees it stopped, changes the world under it (a file cut short), and lets it go on with SIGCONT.
//!
//! The points (each is one `hit` call):
//! - `chunk_mapped`: the engine received a mapped chunk and is about to write it.
//! - `batch_after_insert`: inside a chunk's transaction, transaction rows inserted, inventory not
//!   yet updated (SQLite). On PostgreSQL a chunk is one statement (`batchops_write_chunk`, its
//!   own transaction) and that moment is inside the server: the point fires just before the
//!   statement is sent, the last moment of the chunk on the client before its commit.
//! - `batch_before_commit`: inside a chunk's transaction, everything written, not yet committed
//!   (SQLite); on PostgreSQL, like `batch_after_insert`, just before the chunk's statement is sent.
//! - `batch_after_commit`: a chunk committed; the engine has not counted it yet.
//! - `one_after_insert`: inside a single line's transaction (sequential mode, fallback, retry),
//!   row inserted, inventory not yet updated.
//! - `fallback_part`: during a chunk's fallback, after one part (bisect on SQLite) or line
//!   (sequential) was written, before the next; on PostgreSQL, after the database isolated the
//!   chunk's bad rows and committed the rest (one statement), before the engine counted them.
//! - `revert_after_delete`, `revert_before_commit`: inside a revert's transaction, after the run's
//!   transaction rows were deleted (quantities not yet subtracted), and with everything written.
//! - `alias_move_after_update`, `alias_move_before_commit`: inside an alias move's transaction,
//!   after the rows were moved (quantities not yet), and with everything written.
//! - `merge_after_move`, `merge_before_commit`: inside a merge's transaction, after the rows were
//!   moved (quantities not yet), and with everything written.
//! - `reject_after_land`: a reject file's line was written (or refused) in its own transaction
//!   (which resolved its original failed items when it landed); the next row not yet read.
//! - `review_after_land`: inside a review decision's transaction, its held lines marked decided
//!   and landed, before the alias is learned.
//! - `review_before_commit`: inside that transaction, everything written, before its commit.
//! - `undo_after_delete`, `undo_before_commit`: inside the undo of a review decision, after its
//!   landed rows were deleted (quantities not yet subtracted, lines not yet held again), and with
//!   everything written.
//! - `catalog_kept_before_rename`: a kept catalog's file written whole under its temporary name,
//!   not yet renamed into place (crates/batchops-store/src/catalog_cache.rs).
//! - `catalog_kept_read`: a kept catalog's file opened, checked and its catalog read back, its
//!   tables left in the file for the run to read.
//!
//! The points exist only with the cargo feature `failpoints` (the test builds turn it on); without
//! it `hit` is empty and the variable is never read.

#[cfg(feature = "failpoints")]
use std::sync::OnceLock;
#[cfg(feature = "failpoints")]
use std::sync::atomic::{AtomicU64, Ordering};

/// The environment variable that arms a fail point.
#[cfg(feature = "failpoints")]
pub const ENV: &str = "BATCHOPS_FAILPOINT";

#[cfg(feature = "failpoints")]
static ARMED: OnceLock<Option<Armed>> = OnceLock::new();
#[cfg(feature = "failpoints")]
static HITS: AtomicU64 = AtomicU64::new(0);

/// The armed point: its name, which hit, and whether the process stops there instead of dying.
#[cfg(feature = "failpoints")]
struct Armed {
    point: String,
    nth: u64,
    stop: bool,
}

#[cfg(feature = "failpoints")]
fn armed() -> &'static Option<Armed> {
    ARMED.get_or_init(|| {
        let spec = std::env::var(ENV).ok()?;
        let mut fields = spec.split(':').map(str::trim);
        let point = fields.next()?.to_string();
        let nth = match fields.next() {
            Some(n) => n.parse().ok()?,
            None => 1,
        };
        let stop = match fields.next() {
            None | Some("kill") => false,
            Some("stop") => true,
            Some(_) => return None,
        };
        Some(Armed { point, nth, stop })
    })
}

/// The process reached the point `name`: die (or stop) here if the point is armed and this is
/// its N-th hit.
#[cfg(feature = "failpoints")]
#[inline]
pub fn hit(name: &str) {
    if let Some(armed) = armed()
        && armed.point == name
        && HITS.fetch_add(1, Ordering::SeqCst) + 1 == armed.nth
    {
        if armed.stop {
            stop(name, armed.nth);
        } else {
            die(name, armed.nth);
        }
    }
}

/// Without the feature `failpoints` a point is nothing.
#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn hit(_name: &str) {}

#[cfg(feature = "failpoints")]
#[cold]
fn stop(name: &str, nth: u64) {
    eprintln!("fail point {name}:{nth} reached: stopping this process with SIGSTOP");
    // SAFETY: raise only sends a signal to this process; it returns once the test sent SIGCONT.
    if unsafe { libc::raise(libc::SIGSTOP) } != 0 {
        die(name, nth);
    }
}

#[cfg(feature = "failpoints")]
#[cold]
fn die(name: &str, nth: u64) -> ! {
    eprintln!("fail point {name}:{nth} reached: killing this process with SIGKILL");
    // A real SIGKILL, sent the way an operator's `kill -9` sends it; this thread waits for it.
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &std::process::id().to_string()])
        .status();
    // Only if `kill` could not run: abort, which skips destructors and rollbacks just the same.
    std::process::abort()
}
