//! The Compare tab: a batch run and a sequential run side by side, from the history or from a
//! rehearsal that runs both on the same input.

use super::run_view::RunView;
use crate::domain::{Mode, Phase, RunReport, RunStatus};
use crate::store::RunRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Side {
    #[default]
    Batch,
    Sequential,
}

impl Side {
    pub fn mode(self) -> Mode {
        match self {
            Side::Batch => Mode::Batch,
            Side::Sequential => Mode::Sequential,
        }
    }
}

/// A rehearsal in progress: two live progressions.
#[derive(Debug, Clone, PartialEq)]
pub struct Rehearsal {
    pub source: String,
    pub batch: RunView,
    pub sequential: RunView,
    pub sequential_lines: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompareView {
    pub focus: Side,
    pub batch: Option<i64>,
    pub sequential: Option<i64>,
    pub rehearsal: Option<Rehearsal>,
    /// Run ids to select once the history has them (after a rehearsal).
    pub want: Option<(i64, i64)>,
    pub error: Option<String>,
}

/// The figures of one side.
#[derive(Debug, Clone, PartialEq)]
pub struct SideFigures {
    pub run_id: i64,
    pub source: String,
    pub status: RunStatus,
    pub rehearsal: bool,
    pub items: u64,
    pub seconds: f64,
    pub items_per_second: f64,
    pub statements: u64,
    pub phase_seconds: [f64; 4],
}

impl SideFigures {
    pub fn of(row: &RunRow) -> Self {
        let mut phase_seconds = [0.0; 4];
        let (items, seconds, ips, statements) = match &row.report {
            Some(r) => {
                for (i, p) in Phase::TIMED.iter().enumerate() {
                    phase_seconds[i] = r.phase(*p).map(|p| p.seconds).unwrap_or(0.0);
                }
                (
                    r.items_total,
                    r.processing_time_seconds,
                    r.items_per_second,
                    r.statements_executed,
                )
            }
            None => (
                row.items_total,
                row.processing_seconds,
                row.items_per_second(),
                row.statements,
            ),
        };
        Self {
            run_id: row.id,
            source: row.source.clone(),
            status: row.status,
            rehearsal: row.rehearsal,
            items,
            seconds,
            items_per_second: ips,
            statements,
            phase_seconds,
        }
    }

    pub fn statements_per_1000(&self) -> f64 {
        if self.items > 0 {
            self.statements as f64 * 1000.0 / self.items as f64
        } else {
            0.0
        }
    }
}

/// Runs that can stand on a side: finished runs of that mode, newest first.
pub fn candidates(rows: &[RunRow], side: Side) -> Vec<&RunRow> {
    rows.iter()
        .filter(|r| {
            r.mode == side.mode()
                && !r.dry_run
                && r.finished_at.is_some()
                && r.status != RunStatus::Running
        })
        .collect()
}

/// The default pair: the newest batch run, and the newest sequential run of the same input if
/// there is one (else the newest sequential run).
pub fn default_pair(rows: &[RunRow]) -> (Option<i64>, Option<i64>) {
    let batch = candidates(rows, Side::Batch);
    let seq = candidates(rows, Side::Sequential);
    for b in &batch {
        if let Some(s) = seq.iter().find(|s| s.import_key == b.import_key) {
            return (Some(b.id), Some(s.id));
        }
    }
    (batch.first().map(|r| r.id), seq.first().map(|r| r.id))
}

/// Batch items/s over sequential items/s.
pub fn speedup(batch: &SideFigures, sequential: &SideFigures) -> Option<f64> {
    (sequential.items_per_second > 0.0 && batch.items_per_second > 0.0)
        .then(|| batch.items_per_second / sequential.items_per_second)
}

/// Report figures without a row (used while a rehearsal's runs are not in the history yet).
pub fn figures_of_report(r: &RunReport, rehearsal: bool) -> SideFigures {
    let mut phase_seconds = [0.0; 4];
    for (i, p) in Phase::TIMED.iter().enumerate() {
        phase_seconds[i] = r.phase(*p).map(|p| p.seconds).unwrap_or(0.0);
    }
    SideFigures {
        run_id: r.run_id,
        source: r.source.clone(),
        status: r.status,
        rehearsal,
        items: r.items_total,
        seconds: r.processing_time_seconds,
        items_per_second: r.items_per_second,
        statements: r.statements_executed,
        phase_seconds,
    }
}
