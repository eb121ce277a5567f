//! The rules about runs that the command line, the console, the engine and the store all ask, each
//! in one function: whether a run may be resumed, whether a run's lines may be written to the live
//! tables, whether a failed line is open, what counts as held.

use super::report::{Mode, RunStatus};

/// What the rules need to know about a run (a row of `import_runs` as read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunKind {
    pub status: RunStatus,
    pub mode: Mode,
    /// A rehearsal of `compare`: it ran on a scratch copy; the live history keeps its report only.
    pub rehearsal: bool,
    /// A dry run: every chunk was rolled back.
    pub dry_run: bool,
}

impl RunKind {
    /// A run of a batch imported into the live tables (not a rehearsal, not a dry run).
    pub fn live_import(status: RunStatus, mode: Mode) -> Self {
        Self {
            status,
            mode,
            rehearsal: false,
            dry_run: false,
        }
    }
}

/// A run that stopped before the end of its input: `resume` may continue it (see
/// [`resume_refusal`] for the runs it still refuses).
fn stopped_early(status: RunStatus) -> bool {
    matches!(
        status,
        RunStatus::Running
            | RunStatus::Cancelled
            | RunStatus::Aborted
            | RunStatus::Interrupted
            | RunStatus::Failed
    )
}

/// Why `resume` refuses this run, or `None` when it continues it. Every "resumable" the console
/// shows and every resume (command line, console, engine) asks this.
pub fn resume_refusal(run: RunKind) -> Option<String> {
    if !stopped_early(run.status) {
        return Some(format!(
            "it ended {}; there is nothing to resume",
            run.status
        ));
    }
    if run.status == RunStatus::Running {
        return Some("it is still running (its heartbeat is recent)".into());
    }
    if run.mode == Mode::Retry {
        return Some(
            "it is a retry (retry its items from the Failed tab or with batchops retry)".into(),
        );
    }
    if run.rehearsal {
        return Some(
            "it is a rehearsal: it ran on a scratch copy that is gone, and resuming it would write \
             the live tables (run compare again instead)"
                .into(),
        );
    }
    None
}

/// Whether `resume` continues this run.
pub fn is_resumable(run: RunKind) -> bool {
    resume_refusal(run).is_none()
}

/// Why a resume of a run must not read this file: a run whose import key is a SHA-256 (the file's
/// own) matches its lines to what landed by number, so a file whose content changed would skip or
/// double lines. `None`: the file is the run's (or the run has an operator-given key).
pub fn changed_file_refusal(
    run_id: i64,
    source: &str,
    import_key: &str,
    file_sha256: &str,
) -> Option<String> {
    let is_sha256 = import_key.len() == 64 && import_key.bytes().all(|b| b.is_ascii_hexdigit());
    if !is_sha256 || import_key.eq_ignore_ascii_case(file_sha256) {
        return None;
    }
    Some(format!(
        "{source} is not the file run {run_id} was importing: its content changed \
         (SHA-256 {} instead of the run's {}); import it as a new batch instead",
        &file_sha256[..file_sha256.len().min(12)],
        &import_key[..12]
    ))
}

/// Why nothing of run `run_id` may be written to the live tables (`action`: "retry", "revert",
/// "decide", …), or `None`. A rehearsal ran on a scratch copy and a dry run rolled everything
/// back: neither has lines in the live tables, and no path may add them there.
pub fn live_write_refusal(
    run_id: i64,
    rehearsal: bool,
    dry_run: bool,
    action: &str,
) -> Option<String> {
    if rehearsal {
        return Some(format!(
            "run {run_id} was a rehearsal on a scratch copy: it landed nothing here, and nothing \
             of it is written to the live tables ({action} refused)"
        ));
    }
    if dry_run {
        return Some(format!(
            "run {run_id} was a dry run: it landed nothing here ({action} refused)"
        ));
    }
    None
}

/// Why the failed lines of this run cannot be retried, or `None`.
pub fn retry_refusal(run_id: i64, run: RunKind) -> Option<String> {
    if run.status == RunStatus::Reverted {
        return Some(format!(
            "run {run_id} was reverted: its failed lines are not retried; import the batch file \
             again instead"
        ));
    }
    live_write_refusal(run_id, run.rehearsal, run.dry_run, "retry")
}

/// Whether a failed line is open (waits for a retry or a corrected reject file): not resolved,
/// and its run not reverted.
pub fn failed_is_open(resolved: bool, run_reverted: bool) -> bool {
    !resolved && !run_reverted
}

/// Whether a held line is open (waits for an operator's decision): not decided yet.
pub fn held_is_open(decided: bool) -> bool {
    !decided
}

/// The held lines a run reports: the lines it sent to review, as stored (`stored`: its rows of
/// `held_lines`, decided or not), which covers every leg of a resumed run once. A dry run stores
/// nothing (each chunk rolls back): it reports what it counted (`counted`).
pub fn items_held(dry_run: bool, counted: u64, stored: u64) -> u64 {
    if dry_run { counted } else { stored }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(status: RunStatus, mode: Mode, rehearsal: bool) -> RunKind {
        RunKind {
            status,
            mode,
            rehearsal,
            dry_run: false,
        }
    }

    #[test]
    fn only_a_stopped_import_of_live_data_resumes() {
        use RunStatus::*;
        for s in [Cancelled, Aborted, Interrupted, Failed] {
            assert!(is_resumable(kind(s, Mode::Batch, false)), "{s}");
            assert!(is_resumable(kind(s, Mode::Sequential, false)), "{s}");
            assert!(!is_resumable(kind(s, Mode::Retry, false)), "{s}");
            assert!(!is_resumable(kind(s, Mode::Batch, true)), "{s}");
        }
        for s in [Running, Success, PartialSuccess, Reverted] {
            assert!(!is_resumable(kind(s, Mode::Batch, false)), "{s}");
        }
        let why = resume_refusal(kind(Cancelled, Mode::Batch, true)).expect("refused");
        assert!(why.contains("rehearsal"), "{why}");
    }

    #[test]
    fn a_changed_file_is_refused_only_under_a_sha256_key() {
        let a = "a".repeat(64);
        let b = "b".repeat(64);
        assert!(changed_file_refusal(1, "f.csv", &a, &b).is_some());
        assert!(changed_file_refusal(1, "f.csv", &a, &a.to_uppercase()).is_none());
        assert!(changed_file_refusal(1, "f.csv", "march-batch", &b).is_none());
    }

    #[test]
    fn rehearsals_and_dry_runs_never_write_live_tables() {
        assert!(live_write_refusal(3, true, false, "retry").is_some());
        assert!(live_write_refusal(3, false, true, "decide").is_some());
        assert!(live_write_refusal(3, false, false, "revert").is_none());
        let reverted = kind(RunStatus::Reverted, Mode::Batch, false);
        assert!(retry_refusal(3, reverted).is_some());
        assert!(retry_refusal(3, kind(RunStatus::Cancelled, Mode::Batch, true)).is_some());
        assert!(retry_refusal(3, kind(RunStatus::PartialSuccess, Mode::Batch, false)).is_none());
    }

    #[test]
    fn open_lines_and_held_counts() {
        assert!(failed_is_open(false, false));
        assert!(!failed_is_open(true, false));
        assert!(!failed_is_open(false, true));
        assert!(held_is_open(false) && !held_is_open(true));
        assert_eq!(items_held(false, 9, 4), 4);
        assert_eq!(items_held(true, 9, 0), 9);
    }
}
