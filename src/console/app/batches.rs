//! The Batches tab: the files loaded into the console and what became of them.

use crate::domain::{Mode, RunStatus};
use crate::input::BatchFile;
use crate::store::RunRow;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq)]
pub enum BatchInfo {
    /// Being read (format, line count, SHA-256).
    Inspecting,
    Ready(BatchFile),
    Unusable(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum BatchState {
    Idle,
    Queued(Mode),
    Running { run_id: Option<i64> },
    Done { run_id: i64, status: RunStatus },
    Error(String),
}

/// The latest earlier run of the same batch (same import key), from the history.
#[derive(Debug, Clone, PartialEq)]
pub struct Previous {
    pub run_id: i64,
    pub mode: Mode,
    pub status: RunStatus,
    pub import_key: String,
    pub operator: String,
    pub dry_run: bool,
    pub resumable: bool,
}

impl Previous {
    /// The run of a batch that an operator would care about: not a rehearsal, a dry run or a retry.
    pub fn find(rows: &[RunRow], import_key: &str) -> Option<Previous> {
        let r = rows.iter().find(|r| {
            r.import_key == import_key && !r.rehearsal && !r.dry_run && r.mode != Mode::Retry
        })?;
        Some(Previous {
            run_id: r.id,
            mode: r.mode,
            status: r.status,
            import_key: r.import_key.clone(),
            operator: r.operator.clone(),
            dry_run: r.dry_run,
            resumable: is_resumable(r),
        })
    }
}

/// A run that stopped before the end of its input: cancelled, aborted, interrupted, or failed with a
/// stop reason (database gone). A run still `running` belongs to whoever is running it.
pub fn is_resumable(r: &RunRow) -> bool {
    if r.mode == Mode::Retry || r.rehearsal {
        return false;
    }
    match r.status {
        RunStatus::Cancelled | RunStatus::Aborted | RunStatus::Interrupted => true,
        RunStatus::Failed => r
            .report
            .as_ref()
            .is_none_or(|rep| rep.stop_reason.is_some()),
        _ => false,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct BatchEntry {
    pub id: u64,
    pub path: PathBuf,
    pub info: BatchInfo,
    pub state: BatchState,
    pub previous: Option<Previous>,
}

impl BatchEntry {
    pub fn file(&self) -> Option<&BatchFile> {
        match &self.info {
            BatchInfo::Ready(f) => Some(f),
            _ => None,
        }
    }

    /// The status column, in words.
    pub fn status_text(&self) -> String {
        match (&self.info, &self.state) {
            (BatchInfo::Inspecting, _) => "reading…".into(),
            (BatchInfo::Unusable(e), _) => format!("unusable: {e}"),
            (_, BatchState::Queued(mode)) => format!("queued ({mode})"),
            (_, BatchState::Running { .. }) => "running".into(),
            (_, BatchState::Done { status, run_id })
                if matches!(status, RunStatus::Cancelled | RunStatus::Aborted) =>
            {
                format!("{status} · b resumes run {run_id}")
            }
            (_, BatchState::Done { status, .. }) => format!("done: {status}"),
            (_, BatchState::Error(e)) => format!("error: {e}"),
            (_, BatchState::Idle) => match &self.previous {
                Some(p) if p.resumable => format!("resumable: run {} {}", p.run_id, p.status),
                Some(p) if matches!(p.status, RunStatus::Success | RunStatus::PartialSuccess) => {
                    format!("already imported · run {} {}", p.run_id, p.status)
                }
                Some(p) if p.status == RunStatus::Running => {
                    format!("running elsewhere (run {})", p.run_id)
                }
                _ => "ready".into(),
            },
        }
    }

    /// The run to show for this batch: its run in this session, else its latest earlier run.
    pub fn run_id(&self) -> Option<i64> {
        match &self.state {
            BatchState::Running { run_id } => *run_id,
            BatchState::Done { run_id, .. } => Some(*run_id),
            _ => self.previous.as_ref().map(|p| p.run_id),
        }
    }
}
