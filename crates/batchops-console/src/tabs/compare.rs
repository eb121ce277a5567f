//! The Compare tab: a batch run and a sequential run side by side, from the history or from a
//! rehearsal that runs both on the same input.

use super::Page;
use super::run::RunView;
use crate::domain::{Mode, Phase, RunReport, RunStatus};
use crate::engine::ProgressEvent;
use crate::keymap::{Binding, Context, b, ch, code};
use crate::shell::{Request, Shell};
use crate::store::RunRow;
use crate::theme::Theme;
use crate::vocab::{Action, Effect, JobResult, Level, StreamSide};
use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::Rect;
use std::path::Path;
use std::time::Duration;

pub static KEYS: &[Binding] = &[
    b(
        &[ch('h'), code(KeyCode::Left)],
        Action::Left,
        Some("batch side"),
        "choose the batch run",
    ),
    b(
        &[ch('l'), code(KeyCode::Right)],
        Action::Right,
        Some("seq side"),
        "choose the sequential run",
    ),
    b(
        &[ch('k'), code(KeyCode::Up)],
        Action::Up,
        None,
        "a newer run on the chosen side",
    ),
    b(
        &[ch('j'), code(KeyCode::Down)],
        Action::Down,
        Some("pick run"),
        "an older run on the chosen side",
    ),
    b(
        &[ch('p')],
        Action::Rehearse,
        Some("rehearse"),
        "rehearse the selected batch in both modes on scratch copies",
    ),
];

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
    /// The run history as last read: the runs to choose from.
    pub history: Vec<RunRow>,
}

/// The figures of one side.
#[derive(Debug, Clone, PartialEq)]
pub struct SideFigures {
    pub run_id: i64,
    pub source: String,
    pub import_key: String,
    /// The run read its whole input (not cancelled, aborted, interrupted, stopped).
    pub complete: bool,
    pub status: RunStatus,
    pub rehearsal: bool,
    pub items: u64,
    /// Lines held for review (`items_held`).
    pub held: u64,
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
        let complete = match &row.report {
            Some(r) => r.stop_reason.is_none(),
            None => false,
        } && !matches!(
            row.status,
            RunStatus::Cancelled | RunStatus::Aborted | RunStatus::Interrupted | RunStatus::Running
        );
        Self {
            run_id: row.id,
            source: row.source.clone(),
            import_key: row.import_key.clone(),
            complete,
            status: row.status,
            rehearsal: row.rehearsal,
            items,
            held: row.items_held,
            seconds,
            items_per_second: ips,
            statements,
            phase_seconds,
        }
    }

    /// Milliseconds a phase took per 1,000 items: comparable between runs of different sizes.
    pub fn phase_ms_per_1000(&self, i: usize) -> Option<f64> {
        (self.items > 0).then(|| self.phase_seconds[i] * 1e6 / self.items as f64)
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

/// Why two runs' figures do not compare like for like (empty: they do). Rates (items/s and
/// time per 1,000 items) are compared, never absolute seconds, so different sizes are fine;
/// different inputs or a run that stopped early are not.
pub fn caveats(batch: &SideFigures, sequential: &SideFigures) -> Vec<String> {
    let mut out = Vec::new();
    if batch.import_key != sequential.import_key {
        out.push("different inputs".to_string());
    }
    for (name, f) in [("batch", batch), ("sequential", sequential)] {
        if !f.complete {
            out.push(format!("the {name} run did not finish ({})", f.status));
        }
    }
    if batch.items != sequential.items && batch.import_key == sequential.import_key {
        out.push(format!(
            "{} against {} items",
            crate::format::count(batch.items),
            crate::format::count(sequential.items)
        ));
    }
    out
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
        import_key: r.import_key.clone(),
        complete: r.stop_reason.is_none(),
        status: r.status,
        rehearsal,
        items: r.items_total,
        held: r.items_held,
        seconds: r.processing_time_seconds,
        items_per_second: r.items_per_second,
        statements: r.statements_executed,
        phase_seconds,
    }
}

impl CompareView {
    pub(crate) fn start(&mut self, path: &Path, sequential_lines: Option<u64>, now: Duration) {
        let source = path.display().to_string();
        self.error = None;
        self.rehearsal = Some(Rehearsal {
            source: source.clone(),
            batch: RunView::starting(source.clone(), Mode::Batch, now),
            sequential: RunView::starting(source, Mode::Sequential, now),
            sequential_lines,
        });
    }

    pub(crate) fn apply(&mut self, side: StreamSide, now: Duration, ev: &ProgressEvent) {
        if let Some(r) = &mut self.rehearsal {
            match side {
                StreamSide::Batch => r.batch.apply(now, ev),
                StreamSide::Sequential => r.sequential.apply(now, ev),
                StreamSide::Main => {}
            }
        }
    }

    /// Sample the rehearsal's rates; whether anything changed.
    pub(crate) fn sample(&mut self, now: Duration) -> bool {
        match &mut self.rehearsal {
            Some(r) => {
                let a = r.batch.sample(now);
                let b = r.sequential.sample(now);
                a || b
            }
            None => false,
        }
    }

    /// The history was read again: keep the chosen runs, or take the default pair.
    /// The history was read: keep it, and choose the runs compared when none (or a gone one) is.
    pub(crate) fn on_history(&mut self, rows: &[RunRow]) {
        self.history = rows.to_vec();
        let (b, s) = default_pair(rows);
        let known = |id: Option<i64>| id.is_some_and(|id| rows.iter().any(|r| r.id == id));
        if let Some((wb, ws)) = self.want {
            if known(Some(wb)) && known(Some(ws)) {
                self.batch = Some(wb);
                self.sequential = Some(ws);
                self.want = None;
                self.rehearsal = None;
            }
            return;
        }
        if !known(self.batch) {
            self.batch = b;
        }
        if !known(self.sequential) {
            self.sequential = s;
        }
    }
}

fn on_action(t: &mut CompareView, sh: &mut Shell, a: Action) {
    match a {
        Action::Left => t.focus = Side::Batch,
        Action::Right => t.focus = Side::Sequential,
        Action::Up | Action::Down | Action::WheelUp | Action::WheelDown => {
            let side = t.focus;
            let list: Vec<i64> = candidates(&t.history, side).iter().map(|r| r.id).collect();
            if list.is_empty() {
                return;
            }
            let current = match side {
                Side::Batch => t.batch,
                Side::Sequential => t.sequential,
            };
            let pos = current.and_then(|id| list.iter().position(|&x| x == id));
            let older = matches!(a, Action::Down | Action::WheelDown);
            let next = match pos {
                None => 0,
                Some(p) if older => (p + 1).min(list.len() - 1),
                Some(p) => p.saturating_sub(1),
            };
            match side {
                Side::Batch => t.batch = Some(list[next]),
                Side::Sequential => t.sequential = Some(list[next]),
            }
        }
        Action::Rehearse => sh.request(Request::Rehearse),
        _ => {}
    }
}

pub(crate) fn on_finished(t: &mut CompareView, sh: &mut Shell, result: Result<JobResult, String>) {
    let now = sh.now();
    match result {
        Ok(JobResult::Comparison(c)) => {
            t.want = Some((c.batch.report.run_id, c.sequential.report.run_id));
            sh.say(
                Level::Info,
                format!(
                    "rehearsal done: batch is {:.1}× the sequential items/s",
                    c.speedup
                ),
            );
            sh.request(Request::LoadRuns);
        }
        other => {
            let e = match other {
                Err(e) => e,
                Ok(_) => "the rehearsal gave no comparison".to_string(),
            };
            t.error = Some(e.clone());
            if let Some(r) = &mut t.rehearsal {
                for v in [&mut r.batch, &mut r.sequential] {
                    if !v.is_finished() {
                        v.fail(now, e.clone());
                    }
                }
            }
            sh.say(Level::Error, format!("rehearsal: {e}"));
        }
    }
}

impl Page for CompareView {
    fn context(&self) -> Context {
        Context::Tab(crate::vocab::Tab::Compare)
    }

    fn on_action(&mut self, sh: &mut Shell, a: Action, _fx: &mut Vec<Effect>) {
        on_action(self, sh, a)
    }

    fn on_show(&mut self, sh: &mut Shell, _fx: &mut Vec<Effect>) {
        sh.request(Request::LoadRuns);
    }

    fn render(&self, frame: &mut Frame, body: Rect, sh: &Shell, theme: &Theme) {
        crate::ui::compare::render(frame, body, self, sh, theme)
    }
}
