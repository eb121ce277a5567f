//! Typed progress events. The engine emits them and knows nothing of who listens: the headless
//! progress bar, the console, a test.

use crate::domain::{Mode, Phase, RunReport};
use std::time::Duration;
use tokio::sync::mpsc;

#[derive(Debug, Clone, PartialEq)]
pub enum ProgressEvent {
    RunStarted {
        run_id: i64,
        source: String,
        import_key: String,
        mode: Mode,
        /// Line items the file holds as far as a quick count tells.
        total_estimate: u64,
    },
    PhaseStarted {
        phase: Phase,
    },
    /// Cumulative figures of a phase after a chunk.
    PhaseAdvanced {
        phase: Phase,
        done: u64,
        total: u64,
        elapsed: Duration,
        statements: u64,
    },
    PhaseFinished {
        phase: Phase,
        done: u64,
        elapsed: Duration,
        statements: u64,
    },
    ChunkCommitted {
        chunk: u64,
        first_line: u64,
        last_line: u64,
        inserted: u64,
        already: u64,
        /// Lines of the chunk held for review (recorded with it; they land nowhere yet).
        held: u64,
    },
    /// A chunk's batch write failed with a data error and is being isolated.
    Fallback {
        chunk: u64,
        first_line: u64,
        last_line: u64,
        cause: String,
    },
    /// A transient error (lost connection, deadlock, busy) is being retried.
    TransientRetry {
        attempt: u32,
        error: String,
    },
    ItemFailed {
        line: u64,
        phase: Phase,
        error: String,
    },
    /// A retried failed item: landed, or failed again.
    ItemRetried {
        failed_id: i64,
        line: u64,
        ok: bool,
        error: Option<String>,
    },
    RunFinished(Box<RunReport>),
}

/// Where the engine sends events; a sink without a listener drops them.
#[derive(Clone, Default)]
pub struct EventSink {
    tx: Option<mpsc::UnboundedSender<ProgressEvent>>,
}

impl EventSink {
    pub fn none() -> Self {
        Self { tx: None }
    }

    pub fn channel() -> (Self, mpsc::UnboundedReceiver<ProgressEvent>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Self { tx: Some(tx) }, rx)
    }

    pub fn emit(&self, event: ProgressEvent) {
        if let Some(tx) = &self.tx {
            // A listener that went away (console closed) must not stop the import.
            let _ = tx.send(event);
        }
    }
}
