//! Run figures as they accumulate, and the report they become.

use super::events::{EventSink, ProgressEvent};
use crate::domain::report::FallbackRecord;
use crate::domain::{
    DecisionCounts, FailedLine, LineExplanation, Phase, PhaseReport, RunReport, RunStatus,
};
use crate::store::{FailureRecord, WriteOutcome};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How many failed lines the report lists in full (all are in the dead-letter table).
pub const REPORT_FAILED_LIMIT: usize = 1_000;

#[derive(Debug, Default, Clone, Copy)]
pub struct PhaseStats {
    pub seconds: f64,
    pub items: u64,
    pub statements: u64,
    pub started: bool,
}

pub struct RunStats {
    pub started: Instant,
    pub total_estimate: u64,
    pub lines_read: u64,
    pub processed: u64,
    pub already: u64,
    pub failed: u64,
    pub failed_lines: Vec<FailedLine>,
    pub decisions: DecisionCounts,
    pub fallbacks: Vec<FallbackRecord>,
    pub transient_retries: u64,
    pub chunks_committed: u64,
    pub phases: HashMap<Phase, PhaseStats>,
    /// Statements outside the four phases (failure records of parse errors, run bookkeeping).
    pub other_statements: u64,
    /// Seconds of the earlier legs of a resumed run (the report counts the whole run).
    pub prior_seconds: f64,
    /// Every line's decision and the candidates weighed (`import --explain`).
    pub explained: Vec<LineExplanation>,
}

impl RunStats {
    pub fn new(total_estimate: u64) -> Self {
        Self {
            started: Instant::now(),
            total_estimate,
            lines_read: 0,
            processed: 0,
            already: 0,
            failed: 0,
            failed_lines: Vec::new(),
            decisions: DecisionCounts::default(),
            fallbacks: Vec::new(),
            transient_retries: 0,
            chunks_committed: 0,
            phases: HashMap::new(),
            other_statements: 0,
            prior_seconds: 0.0,
            explained: Vec::new(),
        }
    }

    /// The figures of a resumed run: the earlier legs' seconds and statements carry over (their
    /// lines are read again and counted again, as landed or already imported, so items do not).
    pub fn continuing(total_estimate: u64, previous: Option<&RunReport>) -> Self {
        let mut stats = Self::new(total_estimate);
        if let Some(prev) = previous {
            stats.prior_seconds = prev.processing_time_seconds.max(0.0);
            for p in &prev.phases {
                let s = stats.phases.entry(p.name).or_default();
                s.seconds += p.seconds.max(0.0);
                s.statements += p.statements;
            }
            let phase_statements: u64 = prev.phases.iter().map(|p| p.statements).sum();
            stats.other_statements = prev.statements_executed.saturating_sub(phase_statements);
        }
        stats
    }

    pub fn phase(&self, phase: Phase) -> PhaseStats {
        self.phases.get(&phase).copied().unwrap_or_default()
    }

    /// The seconds spent before the run's first line: start-up (the process, the database, the
    /// file's hash, the lock, the run's row) and the catalog. They count in the run's time.
    pub fn before_run(&mut self, events: &EventSink, startup: Duration, catalog: Duration) {
        for (phase, took) in [(Phase::Startup, startup), (Phase::Catalog, catalog)] {
            let seconds = took.as_secs_f64();
            self.prior_seconds += seconds;
            self.advance(events, phase, seconds, 0, 0);
        }
    }

    /// Add time, items and statements to a phase and tell the listeners.
    pub fn advance(
        &mut self,
        events: &EventSink,
        phase: Phase,
        seconds: f64,
        items: u64,
        statements: u64,
    ) {
        let total = self.total_estimate.max(self.lines_read);
        let p = self.phases.entry(phase).or_default();
        if !p.started {
            p.started = true;
            events.emit(ProgressEvent::PhaseStarted { phase });
        }
        p.seconds += seconds;
        p.items += items;
        p.statements += statements;
        events.emit(ProgressEvent::PhaseAdvanced {
            phase,
            done: p.items,
            total,
            elapsed: Duration::from_secs_f64(p.seconds),
            statements: p.statements,
        });
    }

    /// Account a successful write of the insert and update phases (or of the fallback).
    pub fn add_write(&mut self, events: &EventSink, o: &WriteOutcome, rows: u64, fallback: bool) {
        self.processed += o.inserted;
        self.already += o.already;
        if fallback {
            // The fallback's own phase carries its time and statements.
            return;
        }
        self.advance(
            events,
            Phase::BatchInsert,
            o.insert_seconds,
            rows,
            o.insert_statements,
        );
        self.advance(
            events,
            Phase::InventoryUpdate,
            o.update_seconds,
            rows,
            o.update_statements,
        );
    }

    pub fn add_failure(&mut self, events: &EventSink, f: &FailureRecord) {
        self.failed += 1;
        events.emit(ProgressEvent::ItemFailed {
            line: f.line,
            phase: f.phase,
            error: f.error.clone(),
        });
        if self.failed_lines.len() < REPORT_FAILED_LIMIT {
            self.failed_lines.push(FailedLine {
                line: f.line,
                error: f.error.clone(),
                phase: f.phase,
                sqlstate: f.sqlstate.clone(),
            });
        }
    }

    pub fn statements(&self) -> u64 {
        self.phases.values().map(|p| p.statements).sum::<u64>() + self.other_statements
    }

    pub fn finish(&self, events: &EventSink) {
        for phase in Phase::TIMED {
            if let Some(p) = self.phases.get(&phase) {
                events.emit(ProgressEvent::PhaseFinished {
                    phase,
                    done: p.items,
                    elapsed: Duration::from_secs_f64(p.seconds),
                    statements: p.statements,
                });
            }
        }
    }

    /// The status the counts earn, unless the run was stopped.
    pub fn status(&self, stopped: Option<RunStatus>) -> RunStatus {
        stopped.unwrap_or_else(|| {
            RunReport::status_from_counts(self.processed, self.already, self.failed)
        })
    }

    pub fn report(
        &self,
        base: ReportBase,
        status: RunStatus,
        stop_reason: Option<String>,
    ) -> RunReport {
        let seconds = self.prior_seconds + self.started.elapsed().as_secs_f64();
        let mut failed_items = self.failed_lines.clone();
        failed_items.sort_by_key(|f| f.line);
        RunReport {
            run_id: base.run_id,
            source: base.source,
            import_key: base.import_key,
            mode: base.mode,
            status,
            dry_run: base.dry_run,
            invoice: base.invoice,
            items_total: self.lines_read,
            items_processed: self.processed,
            items_already_imported: self.already,
            items_failed: self.failed,
            items_held: self.decisions.held,
            failed_items,
            processing_time_seconds: seconds,
            items_per_second: RunReport::rate(self.lines_read, seconds),
            phases: Phase::REPORTED
                .iter()
                .map(|&name| {
                    let p = self.phase(name);
                    PhaseReport {
                        name,
                        seconds: p.seconds,
                        items: p.items,
                        statements: p.statements,
                    }
                })
                .collect(),
            statements_executed: self.statements(),
            chunks_committed: self.chunks_committed,
            decisions: self.decisions,
            fallbacks: self.fallbacks.clone(),
            transient_retries: self.transient_retries,
            stop_reason,
            explained: self.explained.clone(),
        }
    }
}

/// The identity of a run, for its report.
#[derive(Debug, Clone)]
pub struct ReportBase {
    pub run_id: i64,
    pub source: String,
    pub import_key: String,
    pub mode: crate::domain::Mode,
    pub dry_run: bool,
    pub invoice: crate::domain::InvoiceHeader,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Mode;

    fn base() -> ReportBase {
        ReportBase {
            run_id: 1,
            source: "f.csv".into(),
            import_key: "k".into(),
            mode: Mode::Batch,
            dry_run: false,
            invoice: Default::default(),
        }
    }

    #[test]
    fn a_resumed_run_counts_the_seconds_and_statements_of_its_first_leg() {
        let mut first = RunStats::new(100);
        first.lines_read = 40;
        first.advance(&EventSink::none(), Phase::InventoryUpdate, 2.5, 40, 4);
        first.other_statements = 3;
        let mut leg1 = first.report(base(), RunStatus::Cancelled, Some("cancelled".into()));
        leg1.processing_time_seconds = 7.0;
        let mut second = RunStats::continuing(100, Some(&leg1));
        second.lines_read = 100;
        second.advance(&EventSink::none(), Phase::InventoryUpdate, 0.5, 100, 10);
        let r = second.report(base(), RunStatus::Success, None);
        assert!(
            r.processing_time_seconds >= 7.0,
            "{}",
            r.processing_time_seconds
        );
        let update = r.phase(Phase::InventoryUpdate).expect("the phase");
        assert_eq!(
            (update.seconds, update.items, update.statements),
            (3.0, 100, 14)
        );
        assert_eq!(r.statements_executed, 17);
        assert!(r.items_per_second <= 100.0 / 7.0 + 1e-9);
    }
}
