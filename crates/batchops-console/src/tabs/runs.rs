//! The Runs tab: the history from `import_runs`, newest first; Enter opens a run, `r` resumes one,
//! `v` reverts one (after a confirmation; [`crate::corrections::revert_run`] does it). `/`
//! searches the history read (the newest [`crate::app::HISTORY_LIMIT`] runs) by id, file, invoice,
//! mode or status as you type, the selection jumping to the first match; `n`/`N` go to the
//! next/previous match, the matches are highlighted, Esc clears.

use super::Page;
use super::batches::is_resumable;
use crate::controls::nav::ListNav;
use crate::controls::search::Search;
use crate::domain::RunStatus;
use crate::keymap::{Binding, Context, b, ch, code};
use crate::shell::{Request, Shell};
use crate::store::RunRow;
use crate::theme::Theme;
use crate::vocab::{Action, Effect, JobSpec, Level, Tab};
use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::Rect;
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
    pub popup: Option<Popup>,
}

/// The tab's popup: a revert waiting for the operator's yes.
#[derive(Debug, Clone, PartialEq)]
pub enum Popup {
    ConfirmRevert {
        run_id: i64,
        source: String,
        items: u64,
    },
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
fn on_search_input(t: &mut RunsTab, sh: &mut Shell, a: Action) {
    let h = t.list_rows(sh);
    if t.search.on_key(a) == crate::controls::search::Typed::Changed {
        t.jump(1, true, h);
    }
}

fn enabled(t: &RunsTab, a: Action) -> bool {
    match a {
        Action::Enter => t.selected().is_some(),
        Action::Resume => t.selected().is_some_and(is_resumable),
        Action::Revert => t.selected().is_some_and(revertible),
        Action::SearchNext | Action::SearchPrev | Action::Close => !t.search.text().is_empty(),
        _ => true,
    }
}

fn on_action(t: &mut RunsTab, sh: &mut Shell, a: Action) {
    let (len, h) = (t.rows.len(), t.list_rows(sh));
    let clicked = match a {
        Action::Click(x, y) => t.clicked_row(sh, x, y),
        _ => None,
    };
    if t.nav.apply(a, clicked, len, h) {
        return;
    }
    match a {
        Action::Filter => return t.search.open(),
        Action::Close => {
            t.search.clear();
            return;
        }
        Action::SearchNext | Action::SearchPrev => {
            let step = if a == Action::SearchNext { 1 } else { -1 };
            if !t.jump(step, false, h) {
                sh.say(Level::Info, "no run matches the search");
            }
            return;
        }
        _ => {}
    }
    let Some(row) = t.selected().cloned() else {
        return;
    };
    match a {
        Action::Enter => sh.request(Request::OpenRun(row.id)),
        Action::Resume => resume(sh, &row),
        Action::Revert => ask_revert(t, sh, &row),
        _ => {}
    }
}

/// A run that can be reverted: not running, not reverted already, not a rehearsal or dry run
/// (those wrote nothing that stays).
pub fn revertible(r: &RunRow) -> bool {
    !matches!(r.status, RunStatus::Running | RunStatus::Reverted) && !r.rehearsal && !r.dry_run
}

fn ask_revert(t: &mut RunsTab, sh: &mut Shell, row: &RunRow) {
    if sh.active_run() == Some(row.id) {
        sh.say(
            Level::Info,
            format!("run {} is running: it cannot be reverted now", row.id),
        );
        return;
    }
    if !revertible(row) {
        sh.say(
            Level::Info,
            format!("run {} cannot be reverted ({})", row.id, row.status),
        );
        return;
    }
    t.popup = Some(Popup::ConfirmRevert {
        run_id: row.id,
        source: row.source.clone(),
        items: row.items_processed,
    });
}

fn revert(sh: &mut Shell, run_id: i64, fx: &mut Vec<Effect>) {
    sh.say(Level::Info, format!("reverting run {run_id}…"));
    fx.push(Effect::Revert { run_id });
}

pub(crate) fn on_reverted(
    t: &mut RunsTab,
    sh: &mut Shell,
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
            sh.say(
                Level::Info,
                format!(
                    "run {run_id} reverted: {} removed · quantity {} subtracted{tail}",
                    crate::format::plural(a.lines, "line", "lines"),
                    a.quantity
                ),
            );
        }
        Err(e) => sh.say(Level::Error, format!("run {run_id} not reverted: {e}")),
    }
    let now = sh.now();
    t.pending = false;
    t.load(now, fx);
}

fn resume(sh: &mut Shell, row: &RunRow) {
    if let Some(why) = row.resume_refusal() {
        sh.say(
            Level::Info,
            format!("run {} cannot be resumed: {why}", row.id),
        );
        return;
    }
    if sh.active_run() == Some(row.id)
        || sh.queue.iter().any(
            |j| matches!(&j.spec, JobSpec::Import { resume: Some(p), .. } if p.run_id == row.id),
        )
    {
        sh.say(
            Level::Info,
            format!("run {} is running or queued already", row.id),
        );
        return;
    }
    let queued = sh.busy();
    sh.request(Request::Resume(Box::new(row.clone())));
    if queued {
        sh.say(
            Level::Info,
            format!("queued: resuming run {} ({})", row.id, row.mode),
        );
    } else {
        sh.request(Request::Show(Tab::Run));
        sh.say(
            Level::Info,
            format!("resuming run {} ({})", row.id, row.mode),
        );
    }
}

/// The history was read: the list keeps its selection. False when it could not be read.
pub(crate) fn on_loaded(
    t: &mut RunsTab,
    sh: &mut Shell,
    result: Result<Vec<RunRow>, String>,
) -> bool {
    t.pending = false;
    let rows = match result {
        Ok(rows) => rows,
        Err(e) => {
            sh.say(Level::Error, format!("cannot read the history: {e}"));
            return false;
        }
    };
    t.loaded = true;
    let selected_id = t.selected().map(|r| r.id);
    t.rows = rows;
    let len = t.rows.len();
    let h = t.list_rows(sh);
    let index = selected_id
        .and_then(|id| t.rows.iter().position(|r| r.id == id))
        .unwrap_or(0);
    t.nav.select(index, len, h);
    true
}

impl Page for RunsTab {
    fn context(&self) -> Context {
        match &self.popup {
            Some(Popup::ConfirmRevert { .. }) => Context::Confirm,
            None if self.search.typing => Context::Search,
            None => Context::Tab(Tab::Runs),
        }
    }

    fn on_action(&mut self, sh: &mut Shell, a: Action, fx: &mut Vec<Effect>) {
        match self.popup.take() {
            Some(Popup::ConfirmRevert {
                run_id,
                source,
                items,
            }) => match a {
                Action::Yes | Action::Enter => revert(sh, run_id, fx),
                Action::No | Action::Close => {}
                _ => {
                    self.popup = Some(Popup::ConfirmRevert {
                        run_id,
                        source,
                        items,
                    })
                }
            },
            None if self.search.typing => on_search_input(self, sh, a),
            None => on_action(self, sh, a),
        }
    }

    fn on_show(&mut self, sh: &mut Shell, fx: &mut Vec<Effect>) {
        self.load(sh.now(), fx);
    }

    fn enabled(&self, _sh: &Shell, ctx: Context, a: Action) -> bool {
        ctx != Context::Tab(Tab::Runs) || enabled(self, a)
    }

    fn render(&self, frame: &mut Frame, body: Rect, sh: &Shell, theme: &Theme) {
        crate::ui::runs::render(frame, body, self, sh, theme);
        crate::ui::runs::render_popup(frame, body, self, theme);
    }

    fn list_area(&self, body: Rect) -> Rect {
        crate::ui::runs::list_area(body, self)
    }
}
