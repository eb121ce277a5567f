//! The Runs tab: the history from `import_runs`, newest first; Enter opens a run, `r` resumes one,
//! `v` reverts one (after a confirmation; [`crate::corrections::revert_run`] does it). `/`
//! searches the history read (the newest [`super::HISTORY_LIMIT`] runs) by id, file, invoice,
//! mode or status as you type, the selection jumping to the first match; `n`/`N` go to the
//! next/previous match, the matches are highlighted, Esc clears.

use super::App;
use super::batches::{BatchState, is_resumable};
use super::compare::default_pair;
use super::nav::ListNav;
use super::popup::Popup;
use super::search::Search;
use crate::domain::{Mode, RunStatus};
use crate::keymap::{Binding, b, ch, code};
use crate::store::RunRow;
use crate::vocab::{Action, Effect, JobSpec, Level, Previous, Tab};
use crossterm::event::KeyCode;
use std::path::PathBuf;
use std::time::Duration;

/// How often the history is read again while it is on screen or a job runs.
const RUNS_EVERY: Duration = Duration::from_secs(5);

pub static KEYS: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        Action::Enter,
        Some("open"),
        "show the run on Run and Failed",
    ),
    b(
        &[ch('r')],
        Action::Resume,
        Some("resume"),
        "resume an interrupted, cancelled, aborted or failed run and show it",
    ),
    b(
        &[ch('v')],
        Action::Revert,
        Some("revert"),
        "revert the run: its lines removed, their quantities subtracted (asks first)",
    ),
    b(
        &[ch('/')],
        Action::Filter,
        None,
        "search the runs: id, file, invoice, mode, status (as you type)",
    ),
    b(&[ch('n')], Action::SearchNext, None, "next match"),
    b(&[ch('N')], Action::SearchPrev, None, "previous match"),
    b(
        &[code(KeyCode::Esc)],
        Action::Close,
        None,
        "clear the search",
    ),
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunsTab {
    pub rows: Vec<RunRow>,
    pub nav: ListNav,
    pub loaded: bool,
    pending: bool,
    pub(crate) next_at: Duration,
    pub search: Search,
}

/// The text a run is searched in: what its row shows.
pub fn searched_text(r: &RunRow) -> String {
    format!(
        "{} {} {} {} {} {}",
        r.id,
        r.source,
        r.invoice.supplier.as_deref().unwrap_or(""),
        r.invoice.invoice_number.as_deref().unwrap_or(""),
        r.mode.as_str(),
        r.status
    )
    .to_lowercase()
}

impl RunsTab {
    /// Read the history again (unless a read is on its way).
    pub(crate) fn load(&mut self, now: Duration, fx: &mut Vec<Effect>) {
        if !self.pending {
            self.pending = true;
            self.next_at = now + RUNS_EVERY;
            fx.push(Effect::LoadRuns);
        }
    }

    pub fn selected(&self) -> Option<&RunRow> {
        self.rows.get(self.nav.selected)
    }

    /// Select the next (`step` 1) or previous (-1) match from the selection (`from_here`: the
    /// selection itself counts), wrapping around.
    fn jump(&mut self, step: i64, from_here: bool, height: usize) -> bool {
        let needle = self.search.text().to_lowercase();
        let len = self.rows.len();
        if needle.is_empty() || len == 0 {
            return false;
        }
        let start = self.nav.selected as i64;
        let first = if from_here { 0 } else { 1 };
        for k in first..=len as i64 {
            let i = (start + step * k).rem_euclid(len as i64) as usize;
            if searched_text(&self.rows[i]).contains(&needle) {
                self.nav.select(i, len, height);
                return true;
            }
        }
        false
    }
}

/// A key while the search is typed: the selection jumps to the first match.
pub(crate) fn on_search_input(app: &mut App, a: Action) {
    let h = app.list_rows(Tab::Runs);
    if app.runs.search.on_key(a) == super::search::Typed::Changed {
        app.runs.jump(1, true, h);
    }
}

pub fn on_show(app: &mut App, fx: &mut Vec<Effect>) {
    let now = app.now();
    app.runs.load(now, fx);
}

pub fn enabled(app: &App, a: Action) -> bool {
    match a {
        Action::Enter => app.runs.selected().is_some(),
        Action::Resume => app.runs.selected().is_some_and(is_resumable),
        Action::Revert => app.runs.selected().is_some_and(revertible),
        Action::SearchNext | Action::SearchPrev | Action::Close => {
            !app.runs.search.text().is_empty()
        }
        _ => true,
    }
}

pub fn badge(_app: &App) -> String {
    String::new()
}

pub fn on_action(app: &mut App, a: Action, fx: &mut Vec<Effect>) {
    let (len, h) = (app.runs.rows.len(), app.list_rows(Tab::Runs));
    let clicked = match a {
        Action::Click(x, y) => app.clicked_row(x, y),
        _ => None,
    };
    if app.runs.nav.apply(a, clicked, len, h) {
        return;
    }
    match a {
        Action::Filter => return app.runs.search.open(),
        Action::Close => {
            app.runs.search.clear();
            return;
        }
        Action::SearchNext | Action::SearchPrev => {
            let step = if a == Action::SearchNext { 1 } else { -1 };
            if !app.runs.jump(step, false, h) {
                app.say(Level::Info, "no run matches the search");
            }
            return;
        }
        _ => {}
    }
    let Some(row) = app.runs.selected().cloned() else {
        return;
    };
    match a {
        Action::Enter => app.open_run(row.id, fx),
        Action::Resume => resume(app, &row, fx),
        Action::Revert => ask_revert(app, &row),
        _ => {}
    }
}

/// A run that can be reverted: not running, not reverted already, not a rehearsal or dry run
/// (those wrote nothing that stays).
pub fn revertible(r: &RunRow) -> bool {
    !matches!(r.status, RunStatus::Running | RunStatus::Reverted) && !r.rehearsal && !r.dry_run
}

fn ask_revert(app: &mut App, row: &RunRow) {
    if app.active.as_ref().and_then(|a| a.run_id) == Some(row.id) {
        app.say(
            Level::Info,
            format!("run {} is running: it cannot be reverted now", row.id),
        );
        return;
    }
    if !revertible(row) {
        app.say(
            Level::Info,
            format!("run {} cannot be reverted ({})", row.id, row.status),
        );
        return;
    }
    app.popup = Some(Popup::ConfirmRevert {
        run_id: row.id,
        source: row.source.clone(),
        items: row.items_processed,
    });
}

pub(crate) fn revert(app: &mut App, run_id: i64, fx: &mut Vec<Effect>) {
    app.say(Level::Info, format!("reverting run {run_id}…"));
    fx.push(Effect::Revert { run_id });
}

pub(crate) fn on_reverted(
    app: &mut App,
    run_id: i64,
    result: Result<crate::corrections::Applied, String>,
    fx: &mut Vec<Effect>,
) {
    match result {
        Ok(a) => {
            let tail = match a.correction_id {
                Some(c) => format!(" · correction {c}"),
                None => " · nothing left to undo (reverted before)".into(),
            };
            app.say(
                Level::Info,
                format!(
                    "run {run_id} reverted: {} removed · quantity {} subtracted{tail}",
                    super::plural(a.lines, "line", "lines"),
                    a.quantity
                ),
            );
        }
        Err(e) => app.say(Level::Error, format!("run {run_id} not reverted: {e}")),
    }
    let now = app.now();
    app.runs.pending = false;
    app.runs.load(now, fx);
}

fn resume(app: &mut App, row: &RunRow, fx: &mut Vec<Effect>) {
    if let Some(why) = row.resume_refusal() {
        app.say(
            Level::Info,
            format!("run {} cannot be resumed: {why}", row.id),
        );
        return;
    }
    if app.active.as_ref().and_then(|a| a.run_id) == Some(row.id)
        || app.queue.iter().any(
            |j| matches!(&j.spec, JobSpec::Import { resume: Some(p), .. } if p.run_id == row.id),
        )
    {
        app.say(
            Level::Info,
            format!("run {} is running or queued already", row.id),
        );
        return;
    }
    let batch = app
        .batches
        .entries
        .iter()
        .find(|b| b.file().is_some_and(|f| f.sha256 == row.import_key))
        .map(|b| b.id);
    app.batches.set_state(batch, BatchState::Queued(row.mode));
    let queued = app.busy();
    app.enqueue(
        JobSpec::Import {
            batch,
            path: PathBuf::from(&row.source),
            mode: row.mode,
            resume: Some(Previous {
                run_id: row.id,
                mode: row.mode,
                status: row.status,
                import_key: row.import_key.clone(),
                operator: row.operator.clone(),
                dry_run: row.dry_run,
                resumable: true,
            }),
            resent: None,
            choices: Default::default(),
        },
        fx,
    );
    if queued {
        app.say(
            Level::Info,
            format!("queued: resuming run {} ({})", row.id, row.mode),
        );
    } else {
        app.switch_tab(Tab::Run, fx);
        app.say(
            Level::Info,
            format!("resuming run {} ({})", row.id, row.mode),
        );
    }
}

pub(crate) fn on_loaded(app: &mut App, result: Result<Vec<RunRow>, String>, fx: &mut Vec<Effect>) {
    app.runs.pending = false;
    let rows = match result {
        Ok(rows) => rows,
        Err(e) => {
            app.say(Level::Error, format!("cannot read the history: {e}"));
            return;
        }
    };
    let first_load = !app.runs.loaded;
    app.runs.loaded = true;
    let selected_id = app.runs.selected().map(|r| r.id);
    app.runs.rows = rows;
    let len = app.runs.rows.len();
    let h = app.list_rows(Tab::Runs);
    let index = selected_id
        .and_then(|id| app.runs.rows.iter().position(|r| r.id == id))
        .unwrap_or(0);
    app.runs.nav.select(index, len, h);
    app.batches.refresh_previous(&app.runs.rows);
    let (b, s) = default_pair(&app.runs.rows);
    app.compare.on_history(&app.runs.rows, b, s);
    // A history being opened for the first time: show the newest real run.
    if first_load
        && app.run.view.is_none()
        && let Some(row) = app
            .runs
            .rows
            .iter()
            .find(|r| !r.rehearsal && r.mode != Mode::Retry)
            .cloned()
    {
        let estimate = app.batches.estimate_for(&row.import_key);
        app.run.view = Some(super::run::RunView::from_row(&row, estimate, app.now()));
        if row.report.is_none() {
            fx.push(Effect::LoadWritten { run_id: row.id });
        }
        super::failed::open_row(app, &row, fx);
    }
    // A live run's view keeps its figures; a history view gets the newer row.
    if app.run.job.is_none()
        && let Some(v) = &app.run.view
        && let Some(id) = v.run_id
        && let Some(row) = app.runs.rows.iter().find(|r| r.id == id)
        && (v.status != row.status || v.report.is_none() && row.report.is_some())
    {
        let log = v.log.clone();
        let estimate = app.batches.estimate_for(&row.import_key);
        let mut fresh = super::run::RunView::from_row(row, estimate, app.now());
        if fresh.log.is_empty() {
            fresh.log = log;
        }
        app.run.view = Some(fresh);
    }
}
