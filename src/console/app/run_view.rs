//! What the Run tab shows: a live run folded from engine events, or a finished run from the history.

use crate::domain::{Mode, Phase, RunReport, RunStatus};
use crate::engine::ProgressEvent;
use crate::store::RunRow;
use std::collections::VecDeque;
use std::time::Duration;

/// Recent events kept for the log.
pub const LOG_CAPACITY: usize = 1_000;
/// Throughput samples kept (one a second).
pub const SPARK_CAPACITY: usize = 600;

/// The phases the Run tab has a row for.
pub const PHASES: [Phase; 5] = [
    Phase::Mapping,
    Phase::BatchInsert,
    Phase::InventoryUpdate,
    Phase::Fallback,
    Phase::Retry,
];

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PhaseProgress {
    pub done: u64,
    pub total: u64,
    pub elapsed: Duration,
    pub statements: u64,
    pub started: bool,
    pub finished: bool,
}

impl PhaseProgress {
    pub fn items_per_second(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 { self.done as f64 / s } else { 0.0 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// Since the run started (console clock); `None` for lines rebuilt from a stored report.
    pub at: Option<Duration>,
    pub level: Level,
    /// Raw text; escaped when drawn.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunView {
    pub run_id: Option<i64>,
    pub source: String,
    pub import_key: String,
    pub mode: Mode,
    pub status: RunStatus,
    /// The run is being watched live (not opened from the history).
    pub live: bool,
    /// The job could not start (unusable file, database down).
    pub error: Option<String>,
    pub total: u64,
    pub phases: [PhaseProgress; 5],
    /// Lines of committed chunks (batch mode).
    pub committed_lines: u64,
    pub chunks: u64,
    pub inserted: u64,
    pub already: u64,
    pub failed: u64,
    pub fallbacks: u64,
    pub transient_retries: u64,
    pub started_at: Duration,
    pub finished_at: Option<Duration>,
    pub cancelling: bool,
    pub throughput: VecDeque<u64>,
    last_sample: (Duration, u64),
    pub log: VecDeque<LogLine>,
    /// Lines scrolled back from the newest log line.
    pub log_scroll: usize,
    pub report: Option<RunReport>,
}

impl RunView {
    /// A run about to start (the engine has not said anything yet).
    pub fn starting(source: String, mode: Mode, now: Duration) -> Self {
        Self {
            run_id: None,
            source,
            import_key: String::new(),
            mode,
            status: RunStatus::Running,
            live: true,
            error: None,
            total: 0,
            phases: [PhaseProgress::default(); 5],
            committed_lines: 0,
            chunks: 0,
            inserted: 0,
            already: 0,
            failed: 0,
            fallbacks: 0,
            transient_retries: 0,
            started_at: now,
            finished_at: None,
            cancelling: false,
            throughput: VecDeque::new(),
            last_sample: (now, 0),
            log: VecDeque::new(),
            log_scroll: 0,
            report: None,
        }
    }

    /// A run from the history: its stored report (or what `import_runs` holds when it has none).
    pub fn from_row(row: &RunRow, now: Duration) -> Self {
        let mut v = Self::starting(row.source.clone(), row.mode, now);
        v.live = false;
        v.run_id = Some(row.id);
        v.import_key = row.import_key.clone();
        v.status = row.status;
        v.total = row.items_total;
        v.inserted = row.items_processed;
        v.already = row.items_already_imported;
        v.failed = row.items_failed;
        v.finished_at = Some(now);
        if let Some(r) = &row.report {
            v.apply_report(r);
        } else {
            v.committed_lines = row.items_processed + row.items_already_imported + row.items_failed;
            v.push(
                None,
                Level::Warn,
                format!("run {} has no report: it ended {}", row.id, row.status),
            );
        }
        v
    }

    fn apply_report(&mut self, r: &RunReport) {
        self.status = r.status;
        // A run that read its whole input knows the exact total; a stopped one keeps the estimate.
        self.total = if r.stop_reason.is_none() {
            r.items_total
        } else {
            r.items_total.max(self.total)
        };
        self.inserted = r.items_processed;
        self.already = r.items_already_imported;
        self.failed = r.items_failed;
        self.chunks = r.chunks_committed;
        self.fallbacks = r.fallbacks.len() as u64;
        self.transient_retries = r.transient_retries;
        self.committed_lines = r.items_total;
        for p in &r.phases {
            if let Some(i) = PHASES.iter().position(|&x| x == p.name) {
                let ph = &mut self.phases[i];
                ph.done = p.items;
                ph.total = self.total;
                ph.elapsed = Duration::from_secs_f64(p.seconds.max(0.0));
                ph.statements = p.statements;
                ph.started = p.items > 0 || p.seconds > 0.0;
                ph.finished = true;
            }
        }
        if !self.live {
            let at = None;
            for f in &r.fallbacks {
                self.push(
                    at,
                    Level::Warn,
                    format!(
                        "chunk {} (lines {}–{}) fell back: {}",
                        f.chunk, f.first_line, f.last_line, f.cause
                    ),
                );
            }
            for f in &r.failed_items {
                let code = f
                    .sqlstate
                    .as_deref()
                    .map(|c| format!(" [{c}]"))
                    .unwrap_or_default();
                self.push(
                    at,
                    Level::Error,
                    format!("line {} failed in {}: {}{code}", f.line, f.phase, f.error),
                );
            }
            if let Some(reason) = &r.stop_reason {
                self.push(at, Level::Warn, format!("stopped: {reason}"));
            }
        }
        self.report = Some(r.clone());
    }

    pub fn phase(&self, phase: Phase) -> &PhaseProgress {
        let i = PHASES.iter().position(|&p| p == phase).unwrap_or(0);
        &self.phases[i]
    }

    fn phase_mut(&mut self, phase: Phase) -> Option<&mut PhaseProgress> {
        PHASES
            .iter()
            .position(|&p| p == phase)
            .map(|i| &mut self.phases[i])
    }

    pub fn is_finished(&self) -> bool {
        self.finished_at.is_some()
    }

    /// Lines fully handled so far: written, skipped as already imported, or failed.
    pub fn done(&self) -> u64 {
        if let Some(r) = &self.report {
            return r.items_total;
        }
        match self.mode {
            Mode::Batch => self.committed_lines,
            Mode::Sequential => self.phase(Phase::BatchInsert).done + self.failed,
            Mode::Retry => self.phase(Phase::Retry).done,
        }
    }

    pub fn elapsed(&self, now: Duration) -> Duration {
        if let Some(r) = &self.report {
            return Duration::from_secs_f64(r.processing_time_seconds.max(0.0));
        }
        self.finished_at
            .unwrap_or(now)
            .saturating_sub(self.started_at)
    }

    pub fn items_per_second(&self, now: Duration) -> f64 {
        if let Some(r) = &self.report {
            return r.items_per_second;
        }
        let s = self.elapsed(now).as_secs_f64();
        if s > 0.0 { self.done() as f64 / s } else { 0.0 }
    }

    /// Time left at the average rate so far; `None` until there is a rate or once finished.
    pub fn eta(&self, now: Duration) -> Option<Duration> {
        if self.is_finished() {
            return None;
        }
        let rate = self.items_per_second(now);
        let left = self.total.saturating_sub(self.done());
        (rate > 0.0).then(|| Duration::from_secs_f64(left as f64 / rate))
    }

    pub fn push(&mut self, at: Option<Duration>, level: Level, text: String) {
        if self.log.len() == LOG_CAPACITY {
            self.log.pop_front();
        }
        self.log.push_back(LogLine { at, level, text });
    }

    fn log_now(&mut self, now: Duration, level: Level, text: String) {
        let at = now.saturating_sub(self.started_at);
        self.push(Some(at), level, text);
    }

    /// Take one sample a second of the lines done since the last one (for the sparkline).
    pub fn sample(&mut self, now: Duration) -> bool {
        if !self.live || self.is_finished() {
            return false;
        }
        let (at, done_then) = self.last_sample;
        let gap = now.saturating_sub(at);
        if gap < Duration::from_secs(1) {
            return false;
        }
        let done = self.done();
        let per_s = (done.saturating_sub(done_then) as f64 / gap.as_secs_f64()).round() as u64;
        if self.throughput.len() == SPARK_CAPACITY {
            self.throughput.pop_front();
        }
        self.throughput.push_back(per_s);
        self.last_sample = (now, done);
        true
    }

    /// Fold one engine event into the view.
    pub fn apply(&mut self, now: Duration, ev: &ProgressEvent) {
        match ev {
            ProgressEvent::RunStarted {
                run_id,
                source,
                import_key,
                mode,
                total_estimate,
            } => {
                self.run_id = Some(*run_id);
                self.started_at = now;
                self.last_sample = (now, 0);
                self.source = source.clone();
                self.import_key = import_key.clone();
                self.mode = *mode;
                self.total = *total_estimate;
                self.log_now(
                    now,
                    Level::Info,
                    format!(
                        "run {run_id} started: {mode}, about {} lines",
                        crate::console::format::count(*total_estimate)
                    ),
                );
            }
            ProgressEvent::PhaseStarted { phase } => {
                if let Some(p) = self.phase_mut(*phase) {
                    p.started = true;
                }
            }
            ProgressEvent::PhaseAdvanced {
                phase,
                done,
                total,
                elapsed,
                statements,
            } => {
                self.total = self.total.max(*total);
                if let Some(p) = self.phase_mut(*phase) {
                    p.started = true;
                    p.done = *done;
                    p.total = *total;
                    p.elapsed = *elapsed;
                    p.statements = *statements;
                }
            }
            ProgressEvent::PhaseFinished {
                phase,
                done,
                elapsed,
                statements,
            } => {
                if let Some(p) = self.phase_mut(*phase) {
                    p.done = *done;
                    p.elapsed = *elapsed;
                    p.statements = *statements;
                    p.finished = true;
                }
            }
            ProgressEvent::ChunkCommitted {
                first_line,
                last_line,
                inserted,
                already,
                ..
            } => {
                self.chunks += 1;
                self.committed_lines += last_line.saturating_sub(*first_line) + 1;
                self.inserted += inserted;
                self.already += already;
            }
            ProgressEvent::Fallback {
                chunk,
                first_line,
                last_line,
                cause,
            } => {
                self.fallbacks += 1;
                self.log_now(
                    now,
                    Level::Warn,
                    format!("chunk {chunk} (lines {first_line}–{last_line}) fell back: {cause}"),
                );
            }
            ProgressEvent::TransientRetry { attempt, error } => {
                self.transient_retries += 1;
                self.log_now(
                    now,
                    Level::Warn,
                    format!("transient error, attempt {attempt}: {error}"),
                );
            }
            ProgressEvent::ItemFailed { line, phase, error } => {
                self.failed += 1;
                self.log_now(
                    now,
                    Level::Error,
                    format!("line {line} failed in {phase}: {error}"),
                );
            }
            ProgressEvent::ItemRetried {
                line, ok, error, ..
            } => {
                let text = match (ok, error) {
                    (true, _) => format!("line {line} retried: landed"),
                    (false, Some(e)) => format!("line {line} retried: failed again: {e}"),
                    (false, None) => format!("line {line} retried: failed again"),
                };
                self.log_now(now, if *ok { Level::Info } else { Level::Error }, text);
            }
            ProgressEvent::RunFinished(report) => {
                let level = match report.status {
                    RunStatus::Success => Level::Info,
                    RunStatus::PartialSuccess | RunStatus::Cancelled => Level::Warn,
                    _ => Level::Error,
                };
                let count = crate::console::format::count;
                let mut text = format!(
                    "run {} finished {}: {} imported, {} already imported, {} failed in {}",
                    report.run_id,
                    report.status,
                    count(report.items_processed),
                    count(report.items_already_imported),
                    count(report.items_failed),
                    crate::console::format::seconds(report.processing_time_seconds)
                );
                if let Some(reason) = &report.stop_reason {
                    text.push_str(&format!(" ({reason})"));
                }
                self.log_now(now, level, text);
                self.finished_at = Some(now);
                self.cancelling = false;
                self.apply_report(report);
            }
        }
    }

    /// The job ended without a report (the file or the database could not be used).
    pub fn fail(&mut self, now: Duration, error: String) {
        self.log_now(now, Level::Error, error.clone());
        self.error = Some(error);
        self.status = RunStatus::Failed;
        self.finished_at = Some(now);
        self.cancelling = false;
    }
}
