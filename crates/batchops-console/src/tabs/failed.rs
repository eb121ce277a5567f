//! The Failed tab: a window onto a run's failed items, paged from the database (never all of them
//! in memory), with the live results of retries, the reasons summary, the edit form, the export
//! and the tab's keys.

use super::Page;
use crate::controls::input::TextInput;
use crate::controls::nav::ListNav;
use crate::controls::prompt::{Prompt, PromptKind, edit_text, expand_home};
use crate::domain::{FailedLine, Fields, RunStatus};
use crate::engine::ProgressEvent;
use crate::format::plural;
use crate::keymap::{Binding, Context, b, ch, code};
use crate::shell::{Request, Shell};
use crate::store::{
    FailedKey, FailedQuery, FailedRow, FailedSort, PageFrom, RunRow, reason_of, reason_pattern,
};
use crate::theme::Theme;
use crate::vocab::{Action, Effect, ErrorCount, JobResult, JobSpec, Level, PageRequest, Tab};
use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::Rect;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

/// `R` asks first when it would retry more items than this.
pub const RETRY_ALL_ASK_ABOVE: u64 = 10;
/// How often the Failed tab re-reads the items of a run that is still writing them.
const LIVE_FAILED_EVERY: Duration = Duration::from_secs(1);

pub static KEYS: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        Action::Enter,
        Some("detail"),
        "the raw record, the whole error, the mapping decision",
    ),
    b(
        &[ch('r')],
        Action::Retry,
        Some("retry"),
        "retry the selected item",
    ),
    b(
        &[ch('R')],
        Action::RetryAll,
        Some("retry all"),
        "retry every unresolved item, one at a time (asks first when there are many)",
    ),
    b(
        &[ch('e')],
        Action::Edit,
        Some("edit"),
        "correct sku, description, quantity, unit price, then retry",
    ),
    b(
        &[ch('w')],
        Action::Reasons,
        Some("why"),
        "the failures counted by reason; Enter shows one reason's items",
    ),
    b(
        &[ch('x')],
        Action::Export,
        Some("export"),
        "write the unresolved items (of the filter) to a CSV reject file",
    ),
    b(
        &[ch('/')],
        Action::Filter,
        Some("filter"),
        "filter by text in the record or the error",
    ),
    b(
        &[ch('n')],
        Action::SearchNext,
        None,
        "next match of the filter",
    ),
    b(
        &[ch('N')],
        Action::SearchPrev,
        None,
        "previous match of the filter",
    ),
    b(
        &[ch('s')],
        Action::SortNext,
        Some("sort"),
        "sort by the next column: line, phase, error, attempts",
    ),
    b(
        &[ch('S')],
        Action::SortReverse,
        None,
        "reverse the sort order",
    ),
    b(
        &[ch('u')],
        Action::ToggleUnresolved,
        None,
        "show unresolved items only / all items",
    ),
    b(
        &[code(KeyCode::Esc)],
        Action::Close,
        None,
        "clear the filter and the reason",
    ),
];

/// Failed items that share a reason (see [`reason_of`]), as the database counted them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub reason: String,
    /// The `LIKE` pattern that selects its items.
    pub pattern: String,
    pub total: u64,
    pub unresolved: u64,
}

/// Group the database's counts by error text into reasons, most unresolved first.
pub fn group_reasons(counts: &[ErrorCount]) -> Vec<Reason> {
    let mut out: Vec<Reason> = Vec::new();
    for c in counts {
        let reason = reason_of(&c.error);
        match out.iter_mut().find(|r| r.reason == reason) {
            Some(r) => {
                r.total += c.total;
                r.unresolved += c.unresolved;
            }
            None => out.push(Reason {
                pattern: reason_pattern(&c.error),
                reason,
                total: c.total,
                unresolved: c.unresolved,
            }),
        }
    }
    out.sort_by(|a, b| {
        b.unresolved
            .cmp(&a.unresolved)
            .then(b.total.cmp(&a.total))
            .then(a.reason.cmp(&b.reason))
    });
    out
}

/// Rows fetched per page.
pub const PAGE: u64 = 500;
/// Rows kept above the visible ones when a page is fetched.
const PAGE_LEAD: u64 = 200;
/// Fetch the next page before the visible rows come this close to the end of the cache.
const PREFETCH_MARGIN: u64 = 50;

/// A retry of one item, as seen in this session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryMark {
    Pending,
    Landed,
    FailedAgain(String),
}

/// A retry job's progress (a retry is a run of its own).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RetryProgress {
    pub retry_run: Option<i64>,
    pub total: u64,
    pub done: u64,
    pub landed: u64,
    pub failed_again: u64,
    pub finished: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FailedView {
    pub run_id: Option<i64>,
    pub source: String,
    pub filter: String,
    pub sort: FailedSort,
    pub descending: bool,
    pub unresolved_only: bool,
    /// Bumped whenever the query changes; answers to an older query are dropped.
    pub generation: u64,
    /// Matching items; `None` while counting.
    pub total: Option<u64>,
    pub selected: u64,
    pub top: u64,
    /// The cached page: rows `cache_offset .. cache_offset + cache.len()`.
    pub cache_offset: u64,
    pub cache: Vec<FailedRow>,
    pub pending: Option<u64>,
    pub error: Option<String>,
    pub filter_editing: bool,
    pub filter_input: TextInput,
    pub marks: HashMap<i64, RetryMark>,
    pub retry: Option<RetryProgress>,
    pub last_refresh: Duration,
    /// The run's failure reasons, counted (`None` until the database answered).
    pub reasons: Option<Vec<Reason>>,
    /// The reason the table is narrowed to.
    pub reason: Option<Reason>,
    /// A rehearsal: its failed items were in a scratch database that is gone; these are the
    /// lines its report lists (with how many failed in all).
    pub report_only: Option<(Vec<FailedLine>, u64)>,
    /// Runs the history says were reverted: their failed lines are not open any more.
    pub reverted: std::collections::HashSet<i64>,
    pub popup: Option<Popup>,
}

/// The tab's popups.
#[derive(Debug, Clone, PartialEq)]
pub enum Popup {
    /// `R` on many items asks first.
    ConfirmRetryAll {
        run_id: i64,
        items: u64,
    },
    Detail {
        row: Box<FailedRow>,
        scroll: u16,
    },
    Edit(Box<EditForm>),
    /// The failure reasons of the run, counted; Enter filters the table by one.
    Reasons {
        nav: ListNav,
    },
    /// The reject file's path.
    Prompt(Box<Prompt>),
}

impl FailedView {
    pub fn query(&self) -> FailedQuery {
        FailedQuery {
            from: PageFrom::Start,
            limit: PAGE,
            filter: (!self.filter.is_empty()).then(|| self.filter.clone()),
            sort: self.sort,
            descending: self.descending,
            unresolved_only: self.unresolved_only,
            lines: Vec::new(),
            error_like: self.reason.as_ref().map(|r| r.pattern.clone()),
        }
    }

    /// Show another run (or the same one afresh).
    pub fn open(&mut self, run_id: i64, source: String) -> Option<PageRequest> {
        if self.run_id != Some(run_id) {
            self.marks.clear();
            self.retry = None;
            self.selected = 0;
            self.top = 0;
            self.reasons = None;
            self.reason = None;
        }
        self.report_only = None;
        self.run_id = Some(run_id);
        self.source = source;
        self.requery(true)
    }

    /// Items not resolved yet: what the tab's badge counts.
    pub fn unresolved(&self) -> Option<u64> {
        if let Some((_, n)) = &self.report_only {
            return Some(*n);
        }
        self.reasons
            .as_ref()
            .map(|rs| rs.iter().map(|r| r.unresolved).sum())
    }

    /// The query changed (filter, sort, run): count again and fetch the first page.
    pub fn requery(&mut self, keep_selection: bool) -> Option<PageRequest> {
        let run_id = self.run_id?;
        if self.report_only.is_some() {
            return None;
        }
        self.generation += 1;
        self.cache.clear();
        self.error = None;
        if !keep_selection {
            self.selected = 0;
            self.top = 0;
        }
        let offset = self.top.saturating_sub(PAGE_LEAD);
        self.cache_offset = offset;
        Some(self.page_request(run_id, offset, true))
    }

    /// The request for the rows from position `offset`. Next to a row the cache holds they are
    /// read by its key (after it, or up to it), at either end of the list from that end; only a
    /// jump into the middle of the list with nothing cached near it counts rows by position. A
    /// request that counts again reads no page from the end: the count it would go by is old.
    fn page_request(&mut self, run_id: i64, offset: u64, count: bool) -> PageRequest {
        self.pending = Some(offset);
        let key = |i: u64| self.row(i).map(|r| FailedKey::of(r, self.sort));
        let mut limit = PAGE;
        let from = if offset == 0 {
            PageFrom::Start
        } else if let Some(key) = key(offset - 1) {
            PageFrom::After {
                key,
                inclusive: false,
            }
        } else if let Some(key) = key(offset) {
            PageFrom::After {
                key,
                inclusive: true,
            }
        } else if let Some(key) = key(offset + PAGE) {
            PageFrom::Before(key)
        } else if let Some(total) = self
            .total
            .filter(|&n| !count && n > offset && n - offset <= PAGE)
        {
            limit = total - offset;
            PageFrom::Last
        } else {
            PageFrom::Offset(offset)
        };
        PageRequest {
            generation: self.generation,
            run_id,
            offset,
            query: FailedQuery {
                from,
                limit,
                ..self.query()
            },
            count,
        }
    }

    /// Count and fetch the rows on screen again, keeping the selection (after a retry, or while
    /// the run is still writing failures).
    pub fn refresh(&mut self, now: Duration) -> Option<PageRequest> {
        self.last_refresh = now;
        let run_id = self.run_id?;
        if self.report_only.is_some() {
            return None;
        }
        let offset = self.top.saturating_sub(PAGE_LEAD);
        Some(self.page_request(run_id, offset, true))
    }

    pub fn on_count(&mut self, generation: u64, result: Result<u64, String>) {
        if generation != self.generation {
            return;
        }
        match result {
            Ok(n) => {
                self.total = Some(n);
                if n == 0 {
                    self.selected = 0;
                    self.top = 0;
                } else if self.selected >= n {
                    self.selected = n - 1;
                }
                self.top = self.top.min(self.selected);
            }
            Err(e) => self.error = Some(e),
        }
    }

    pub fn on_page(
        &mut self,
        generation: u64,
        offset: u64,
        result: Result<Vec<FailedRow>, String>,
    ) {
        if generation != self.generation {
            return;
        }
        if self.pending == Some(offset) {
            self.pending = None;
        }
        match result {
            Ok(rows) => {
                self.cache_offset = offset;
                self.cache = rows;
            }
            Err(e) => self.error = Some(e),
        }
    }

    pub fn row(&self, index: u64) -> Option<&FailedRow> {
        let i = index.checked_sub(self.cache_offset)?;
        self.cache.get(usize::try_from(i).ok()?)
    }

    pub fn selected_row(&self) -> Option<&FailedRow> {
        self.row(self.selected)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn len(&self) -> u64 {
        match &self.report_only {
            Some((lines, _)) => lines.len() as u64,
            None => self.total.unwrap_or(0),
        }
    }

    /// Move the selection by `delta` rows, keeping it visible in `height` rows, and ask for the
    /// page around it when the cache does not hold it.
    pub fn move_by(&mut self, delta: i64, height: u64) -> Option<PageRequest> {
        let len = self.len();
        if len == 0 {
            return None;
        }
        let target = (self.selected as i64 + delta).clamp(0, len as i64 - 1) as u64;
        self.select(target, height)
    }

    pub fn select(&mut self, index: u64, height: u64) -> Option<PageRequest> {
        let len = self.len();
        if len == 0 {
            return None;
        }
        let height = height.max(1);
        self.selected = index.min(len - 1);
        if self.selected < self.top {
            self.top = self.selected;
        } else if self.selected >= self.top + height {
            self.top = self.selected + 1 - height;
        }
        self.ensure_cached(height)
    }

    /// Ask for the page around the visible rows when the cache is about to run out.
    pub fn ensure_cached(&mut self, height: u64) -> Option<PageRequest> {
        let run_id = self.run_id?;
        if self.report_only.is_some() {
            return None;
        }
        let len = self.len();
        let first = self.top;
        let last = (self.top + height).min(len);
        let cache_end = self.cache_offset + self.cache.len() as u64;
        let covered = first >= self.cache_offset && last <= cache_end;
        let near_start = self.cache_offset > 0 && first < self.cache_offset + PREFETCH_MARGIN;
        let near_end = cache_end < len && last + PREFETCH_MARGIN > cache_end;
        if covered && !near_start && !near_end {
            return None;
        }
        if let Some(p) = self.pending
            && first >= p
            && last <= p + PAGE
        {
            // The page on its way covers the rows on screen.
            return None;
        }
        let offset = first.saturating_sub(PAGE_LEAD);
        if covered && offset == self.cache_offset {
            return None;
        }
        Some(self.page_request(run_id, offset, false))
    }
}

/// The fields an operator corrects, by the names the validator knows.
pub const EDIT_FIELDS: [(&str, &str); 4] = [
    ("sku", "SKU"),
    ("description", "Description"),
    ("quantity", "Quantity"),
    ("unit_price", "Unit price"),
];

#[derive(Debug, Clone, PartialEq)]
pub struct EditForm {
    pub failed_id: i64,
    pub run_id: i64,
    pub line: u64,
    /// The record the form started from (the correction if there is one, else the original).
    pub base: Fields,
    pub inputs: [TextInput; 4],
    pub focus: usize,
}

impl EditForm {
    pub fn new(row: &FailedRow) -> Self {
        let base = row.corrected.clone().unwrap_or_else(|| row.fields.clone());
        let inputs =
            EDIT_FIELDS.map(|(name, _)| TextInput::new(row.field(name).unwrap_or_default()));
        Self {
            failed_id: row.id,
            run_id: row.run_id,
            line: row.line,
            base,
            inputs,
            focus: 0,
        }
    }

    pub fn input(&mut self) -> &mut TextInput {
        &mut self.inputs[self.focus.min(3)]
    }

    /// The corrected record: the original fields in their order with the four edited values put
    /// in (added at the end when the original lacked them).
    pub fn corrected(&self) -> Fields {
        let mut fields = self.base.clone();
        for ((name, _), input) in EDIT_FIELDS.iter().zip(&self.inputs) {
            let value = input.text().trim().to_string();
            let key_matches = |k: &str| {
                k.trim()
                    .trim_start_matches('\u{feff}')
                    .trim()
                    .eq_ignore_ascii_case(name)
            };
            match fields.iter_mut().find(|(k, _)| key_matches(k)) {
                Some((_, v)) => *v = value,
                None => fields.push((name.to_string(), value)),
            }
        }
        fields
    }
}

// -------------------------------------------------------------------------------------------
// Handlers

fn on_show(t: &mut FailedView, sh: &Shell, fx: &mut Vec<Effect>) {
    let now = sh.now();
    if t.pending.is_none() {
        fx.extend(t.refresh(now).map(Effect::LoadFailed));
    }
    reload_reasons(t, fx);
}

fn reload_reasons(t: &FailedView, fx: &mut Vec<Effect>) {
    if let Some(run_id) = t.run_id
        && t.report_only.is_none()
    {
        fx.push(Effect::LoadReasons { run_id });
    }
}

/// Whether an action of this tab applies now (the footer greys out the others).
fn enabled(t: &FailedView, a: Action) -> bool {
    let v = t;
    let live = v.run_id.is_some() && v.report_only.is_none();
    let open_row = v
        .selected_row()
        .is_some_and(|r| r.is_open(run_reverted(t, r.run_id)));
    match a {
        Action::Enter => v.selected_row().is_some(),
        Action::Retry | Action::Edit => live && open_row,
        Action::RetryAll => live && v.unresolved().is_none_or(|n| n > 0),
        Action::Export => live && v.unresolved().is_none_or(|n| n > 0),
        Action::Reasons => live && v.reasons.as_ref().is_some_and(|r| !r.is_empty()),
        Action::Filter | Action::SortNext | Action::SortReverse | Action::ToggleUnresolved => live,
        Action::Close => !v.filter.is_empty() || v.reason.is_some(),
        Action::SearchNext | Action::SearchPrev => !v.filter.is_empty(),
        _ => true,
    }
}

/// `(2)`: the unresolved items of the run on the tab.
fn badge(t: &FailedView) -> String {
    match t.unresolved() {
        Some(n) if n > 0 => format!(" ({})", crate::format::count(n)),
        _ => String::new(),
    }
}

fn on_action(t: &mut FailedView, sh: &mut Shell, a: Action, fx: &mut Vec<Effect>) {
    let rows = t.list_rows(sh) as u64;
    // The filter narrows the list in the database: every row is a match, n/N step through them.
    let a = match a {
        Action::SearchNext if !t.filter.is_empty() => Action::Down,
        Action::SearchPrev if !t.filter.is_empty() => Action::Up,
        Action::SearchNext | Action::SearchPrev => return,
        other => other,
    };
    let clicked = match a {
        Action::Click(x, y) => t.clicked_row(sh, x, y),
        _ => None,
    };
    if let Some(m) = crate::controls::nav::Move::of(a, clicked, rows as usize) {
        use crate::controls::nav::Move;
        let v = &mut *t;
        let req = match m {
            Move::By(d) => v.move_by(d, rows),
            Move::Top => v.select(0, rows),
            Move::Bottom => v.select(v.len().saturating_sub(1), rows),
            Move::Row(r) if v.top + (r as u64) < v.len() => v.select(v.top + r as u64, rows),
            Move::Row(_) => None,
        };
        fx.extend(req.map(Effect::LoadFailed));
        return;
    }
    if !enabled(t, a) {
        return;
    }
    match a {
        Action::Enter => {
            if let Some(row) = t.selected_row().cloned() {
                t.popup = Some(Popup::Detail {
                    row: Box::new(row),
                    scroll: 0,
                })
            }
        }
        Action::Retry => {
            if let Some(row) = t.selected_row().cloned() {
                retry_one(t, sh, &row)
            }
        }
        Action::RetryAll => {
            let Some(run_id) = t.run_id else {
                return;
            };
            match t.unresolved() {
                Some(n) if n > RETRY_ALL_ASK_ABOVE => {
                    t.popup = Some(Popup::ConfirmRetryAll { run_id, items: n })
                }
                _ => retry_all(t, sh, run_id),
            }
        }
        Action::Edit => {
            if let Some(row) = t.selected_row().cloned() {
                open_edit(t, &row)
            }
        }
        Action::Reasons => {
            let current = t
                .reason
                .as_ref()
                .and_then(|r| {
                    t.reasons
                        .as_ref()?
                        .iter()
                        .position(|x| x.reason == r.reason)
                })
                .unwrap_or(0);
            let mut nav = ListNav::default();
            let len = t.reasons.as_ref().map_or(0, |r| r.len());
            nav.select(current, len, usize::from(sh.size.1));
            t.popup = Some(Popup::Reasons { nav });
        }
        Action::Export => {
            if let Some(run_id) = t.run_id {
                let n = t.unresolved().unwrap_or(0);
                let narrowed = !t.filter.is_empty() || t.reason.is_some();
                let which = if narrowed {
                    "the unresolved items that match the filter".to_string()
                } else {
                    format!("the {}", plural(n, "unresolved item", "unresolved items"))
                };
                let note = format!(
                    "Write {which} (resolved ones have landed) as a CSV reject file; an existing file is never overwritten:"
                );
                t.popup = Some(Popup::Prompt(Box::new(Prompt::new(
                    PromptKind::ExportPath,
                    free_name(run_id),
                    note,
                ))));
            }
        }
        Action::Filter => {
            t.filter_editing = true;
            t.filter_input = TextInput::new(t.filter.clone());
        }
        Action::SortNext => {
            t.sort = match t.sort {
                FailedSort::Line => FailedSort::Phase,
                FailedSort::Phase => FailedSort::Error,
                FailedSort::Error => FailedSort::Attempts,
                FailedSort::Attempts => FailedSort::Line,
            };
            fx.extend(t.requery(false).map(Effect::LoadFailed));
        }
        Action::SortReverse => {
            t.descending = !t.descending;
            fx.extend(t.requery(false).map(Effect::LoadFailed));
        }
        Action::ToggleUnresolved => {
            t.unresolved_only = !t.unresolved_only;
            fx.extend(t.requery(false).map(Effect::LoadFailed));
        }
        Action::Close => {
            t.filter.clear();
            t.filter_input.clear();
            t.reason = None;
            fx.extend(t.requery(false).map(Effect::LoadFailed));
        }
        _ => {}
    }
}

/// A reject file name that does not exist yet: `rejects-run-7.csv`, else `rejects-run-7-2.csv`, …
fn free_name(run_id: i64) -> String {
    let name = |n: u32| {
        if n == 1 {
            format!("rejects-run-{run_id}.csv")
        } else {
            format!("rejects-run-{run_id}-{n}.csv")
        }
    };
    (1..1000)
        .map(name)
        .find(|p| !std::path::Path::new(p).exists())
        .unwrap_or_else(|| name(1))
}

fn export_to(t: &mut FailedView, mut prompt: Box<Prompt>, path: PathBuf, fx: &mut Vec<Effect>) {
    let Some(run_id) = t.run_id else {
        return;
    };
    // Resolved items have landed: a reject file of them would import them twice.
    let query = FailedQuery {
        limit: u64::MAX >> 1,
        unresolved_only: true,
        ..t.query()
    };
    fx.push(Effect::Export {
        run_id,
        query,
        path,
    });
    prompt.busy = true;
    prompt.error = None;
    t.popup = Some(Popup::Prompt(prompt));
}

pub(crate) fn on_exported(
    t: &mut FailedView,
    sh: &mut Shell,
    path: PathBuf,
    result: Result<u64, String>,
) {
    let prompt_open =
        matches!(&t.popup, Some(Popup::Prompt(p)) if p.kind == PromptKind::ExportPath);
    match result {
        Ok(n) => {
            if prompt_open {
                t.popup = None;
            }
            sh.say(
                Level::Info,
                format!(
                    "wrote {} to {} (reject file)",
                    plural(n, "unresolved failed item", "unresolved failed items"),
                    path.display()
                ),
            )
        }
        Err(e) => {
            // The prompt stays open with the error: another name is one edit away.
            if let Some(Popup::Prompt(p)) = &mut t.popup
                && p.kind == PromptKind::ExportPath
            {
                p.busy = false;
                p.error = Some(e.clone());
            } else {
                sh.say(Level::Error, format!("export: {e}"));
            }
        }
    }
}

fn retry_all(t: &mut FailedView, sh: &mut Shell, run_id: i64) {
    t.retry = Some(RetryProgress::default());
    sh.request(Request::Enqueue(JobSpec::Retry {
        run_id,
        lines: Vec::new(),
        correction: None,
    }));
    sh.say(
        Level::Info,
        format!("retrying every unresolved item of run {run_id}, one at a time"),
    );
}

fn retry_one(t: &mut FailedView, sh: &mut Shell, row: &FailedRow) {
    t.marks.insert(row.id, RetryMark::Pending);
    t.retry = Some(RetryProgress::default());
    let queued = sh.busy();
    sh.request(Request::Enqueue(JobSpec::Retry {
        run_id: row.run_id,
        lines: vec![row.line],
        correction: None,
    }));
    let text = if queued {
        format!("line {}: retry queued after the running job", row.line)
    } else {
        format!("retrying line {}…", row.line)
    };
    sh.say(Level::Info, text);
}

fn open_edit(t: &mut FailedView, row: &FailedRow) {
    t.popup = Some(Popup::Edit(Box::new(EditForm::new(row))));
}

fn submit_edit(t: &mut FailedView, sh: &mut Shell, form: &EditForm) {
    t.marks.insert(form.failed_id, RetryMark::Pending);
    t.retry = Some(RetryProgress::default());
    sh.request(Request::Enqueue(JobSpec::Retry {
        run_id: form.run_id,
        lines: vec![form.line],
        correction: Some((form.failed_id, form.corrected())),
    }));
    sh.say(
        Level::Info,
        format!(
            "line {}: correction saved beside the original; retrying…",
            form.line
        ),
    );
}

fn on_detail(t: &mut FailedView, sh: &mut Shell, row: Box<FailedRow>, scroll: u16, a: Action) {
    let open = row.is_open(run_reverted(t, row.run_id));
    match a {
        Action::Close | Action::Enter => {}
        Action::Up | Action::WheelUp => {
            t.popup = Some(Popup::Detail {
                row,
                scroll: scroll.saturating_sub(1),
            })
        }
        Action::Down | Action::WheelDown => {
            t.popup = Some(Popup::Detail {
                row,
                scroll: scroll.saturating_add(1),
            })
        }
        Action::Retry if open => retry_one(t, sh, &row),
        Action::Edit if open => open_edit(t, &row),
        _ => t.popup = Some(Popup::Detail { row, scroll }),
    }
}

fn on_edit(t: &mut FailedView, sh: &mut Shell, mut form: Box<EditForm>, a: Action) {
    match a {
        Action::Close => sh.say(Level::Info, "edit abandoned; nothing saved"),
        Action::Enter => submit_edit(t, sh, &form),
        Action::NextField | Action::Down => {
            form.focus = (form.focus + 1) % 4;
            t.popup = Some(Popup::Edit(form));
        }
        Action::PrevField | Action::Up => {
            form.focus = (form.focus + 3) % 4;
            t.popup = Some(Popup::Edit(form));
        }
        other => {
            edit_text(form.input(), other);
            t.popup = Some(Popup::Edit(form));
        }
    }
}

fn on_reasons_popup(
    t: &mut FailedView,
    sh: &Shell,
    mut nav: ListNav,
    a: Action,
    fx: &mut Vec<Effect>,
) {
    let len = t.reasons.as_ref().map_or(0, |r| r.len());
    let h = usize::from(sh.size.1.saturating_sub(8)).max(1);
    if nav.apply(a, None, len, h) {
        t.popup = Some(Popup::Reasons { nav });
        return;
    }
    match a {
        Action::Enter => {
            let chosen = t
                .reasons
                .as_ref()
                .and_then(|r| r.get(nav.selected))
                .cloned();
            if let Some(r) = chosen {
                t.reason = Some(r);
                fx.extend(t.requery(false).map(Effect::LoadFailed));
            }
        }
        Action::Close | Action::Reasons => {}
        _ => t.popup = Some(Popup::Reasons { nav }),
    }
}

fn on_filter_input(t: &mut FailedView, a: Action, fx: &mut Vec<Effect>) {
    let v = &mut *t;
    match a {
        Action::Enter => v.filter_editing = false,
        Action::Close => {
            v.filter_editing = false;
            v.filter_input.clear();
            if !v.filter.is_empty() {
                v.filter.clear();
                fx.extend(v.requery(false).map(Effect::LoadFailed));
            }
        }
        other => {
            edit_text(&mut v.filter_input, other);
            let text = v.filter_input.text().to_string();
            if text != v.filter {
                v.filter = text;
                fx.extend(v.requery(false).map(Effect::LoadFailed));
            }
        }
    }
}

/// Whether the history says run `run_id` was reverted (its failed lines are not open any more).
pub fn run_reverted(t: &FailedView, run_id: i64) -> bool {
    t.reverted.contains(&run_id)
}

/// Show a run of the history on the tab. A rehearsal's items were in its scratch database (gone
/// now): the lines its report lists are shown instead.
pub(crate) fn open_row(t: &mut FailedView, row: &RunRow, fx: &mut Vec<Effect>) {
    fx.extend(t.open(row.id, row.source.clone()).map(Effect::LoadFailed));
    if row.rehearsal {
        let (lines, n) = match &row.report {
            Some(r) => (r.failed_items.clone(), r.items_failed),
            None => (Vec::new(), row.items_failed),
        };
        let v = &mut *t;
        v.generation += 1;
        v.pending = None;
        v.cache.clear();
        v.total = Some(lines.len() as u64);
        v.report_only = Some((lines, n));
        fx.retain(|e| !matches!(e, Effect::LoadFailed(_)));
    } else {
        reload_reasons(t, fx);
    }
}

impl FailedView {
    /// A retry job started: its progress shows from now on.
    pub(crate) fn retry_started(&mut self) {
        if self.retry.is_none() {
            self.retry = Some(RetryProgress::default());
        }
    }

    /// The history was read: which runs are reverted.
    pub(crate) fn on_history(&mut self, rows: &[RunRow]) {
        self.reverted = rows
            .iter()
            .filter(|r| r.status == RunStatus::Reverted)
            .map(|r| r.id)
            .collect();
    }

    pub(crate) fn on_run_finished(&mut self, sh: &mut Shell, run_id: i64, fx: &mut Vec<Effect>) {
        on_run_finished(self, sh, run_id, fx)
    }

    pub(crate) fn on_frame(&mut self, sh: &mut Shell, now: Duration, fx: &mut Vec<Effect>) {
        on_frame(self, sh, now, fx)
    }

    pub(crate) fn on_retry_event(&mut self, sh: &mut Shell, ev: &ProgressEvent) {
        on_retry_event(self, sh, ev)
    }

    pub(crate) fn on_retry_finished(
        &mut self,
        sh: &mut Shell,
        run_id: i64,
        result: Result<JobResult, String>,
        fx: &mut Vec<Effect>,
    ) {
        on_retry_finished(self, sh, run_id, result, fx)
    }
}

fn on_run_finished(t: &mut FailedView, sh: &mut Shell, run_id: i64, fx: &mut Vec<Effect>) {
    if t.run_id == Some(run_id) {
        let now = sh.now();
        fx.extend(t.refresh(now).map(Effect::LoadFailed));
        reload_reasons(t, fx);
    }
}

fn on_frame(t: &mut FailedView, sh: &Shell, now: Duration, fx: &mut Vec<Effect>) {
    let live_run = sh.active.as_ref().and_then(|a| a.run_id);
    if sh.tab == Tab::Failed
        && live_run.is_some()
        && t.run_id == live_run
        && t.pending.is_none()
        && now.saturating_sub(t.last_refresh) >= LIVE_FAILED_EVERY
    {
        fx.extend(t.refresh(now).map(Effect::LoadFailed));
        reload_reasons(t, fx);
    }
}

pub(crate) fn on_page(
    t: &mut FailedView,
    sh: &mut Shell,
    generation: u64,
    offset: u64,
    result: Result<Vec<FailedRow>, String>,
    fx: &mut Vec<Effect>,
) {
    t.on_page(generation, offset, result);
    if let Some(Popup::Detail { row, scroll }) = &t.popup
        && let Some(fresh) = t.cache.iter().find(|r| r.id == row.id)
        && **row != *fresh
    {
        let scroll = *scroll;
        t.popup = Some(Popup::Detail {
            row: Box::new(fresh.clone()),
            scroll,
        });
    }
    let rows = t.list_rows(sh) as u64;
    fx.extend(t.ensure_cached(rows).map(Effect::LoadFailed));
}

pub(crate) fn on_reasons(t: &mut FailedView, run_id: i64, result: Result<Vec<ErrorCount>, String>) {
    if t.run_id != Some(run_id) {
        return;
    }
    match result {
        Ok(counts) => t.reasons = Some(group_reasons(&counts)),
        Err(e) => t.error = Some(format!("cannot count the failure reasons: {e}")),
    }
}

/// An engine event of a retry job.
fn on_retry_event(t: &mut FailedView, sh: &mut Shell, ev: &ProgressEvent) {
    let progress = t.retry.get_or_insert_with(RetryProgress::default);
    match ev {
        ProgressEvent::RunStarted {
            run_id,
            total_estimate,
            ..
        } => {
            progress.retry_run = Some(*run_id);
            progress.total = *total_estimate;
        }
        ProgressEvent::ItemRetried {
            failed_id,
            ok,
            error,
            ..
        } => {
            progress.done += 1;
            let mark = if *ok {
                progress.landed += 1;
                RetryMark::Landed
            } else {
                progress.failed_again += 1;
                RetryMark::FailedAgain(error.clone().unwrap_or_default())
            };
            t.marks.insert(*failed_id, mark);
        }
        ProgressEvent::RunFinished(report) => {
            progress.finished = Some(report.status.to_string());
            let text = format!(
                "retry run {}: {} landed, {} failed again ({})",
                report.run_id,
                crate::format::count(progress.landed),
                crate::format::count(progress.failed_again),
                report.status
            );
            let level = if progress.failed_again > 0 {
                Level::Warn
            } else {
                Level::Info
            };
            sh.say(level, text);
        }
        _ => {}
    }
}

fn on_retry_finished(
    t: &mut FailedView,
    sh: &mut Shell,
    run_id: i64,
    result: Result<JobResult, String>,
    fx: &mut Vec<Effect>,
) {
    if let Err(e) = result {
        if let Some(p) = &mut t.retry {
            p.finished = Some(format!("error: {e}"));
        }
        t.marks.retain(|_, m| *m != RetryMark::Pending);
        sh.say(Level::Error, format!("retry failed: {e}"));
    }
    on_run_finished(t, sh, run_id, fx);
    sh.request(Request::LoadRuns);
}

impl Page for FailedView {
    fn context(&self) -> Context {
        match &self.popup {
            Some(Popup::ConfirmRetryAll { .. }) => Context::Confirm,
            Some(Popup::Detail { .. }) => Context::Detail,
            Some(Popup::Edit(_)) => Context::Edit,
            Some(Popup::Reasons { .. }) => Context::Reasons,
            Some(Popup::Prompt(_)) => Context::Prompt,
            None if self.filter_editing => Context::Filter,
            None => Context::Tab(Tab::Failed),
        }
    }

    fn on_action(&mut self, sh: &mut Shell, a: Action, fx: &mut Vec<Effect>) {
        match self.popup.take() {
            Some(Popup::ConfirmRetryAll { run_id, items }) => match a {
                Action::Yes | Action::Enter => retry_all(self, sh, run_id),
                Action::No | Action::Close => {}
                _ => self.popup = Some(Popup::ConfirmRetryAll { run_id, items }),
            },
            Some(Popup::Detail { row, scroll }) => on_detail(self, sh, row, scroll, a),
            Some(Popup::Edit(form)) => on_edit(self, sh, form, a),
            Some(Popup::Reasons { nav }) => on_reasons_popup(self, sh, nav, a, fx),
            Some(Popup::Prompt(mut prompt)) => match a {
                Action::Close => {}
                Action::Enter if !prompt.busy => {
                    let text = prompt.input.text().trim().to_string();
                    if text.is_empty() {
                        self.popup = Some(Popup::Prompt(prompt));
                        return;
                    }
                    export_to(self, prompt, expand_home(&text), fx);
                }
                other => {
                    if !prompt.busy {
                        edit_text(&mut prompt.input, other);
                        prompt.error = None;
                    }
                    self.popup = Some(Popup::Prompt(prompt));
                }
            },
            None if self.filter_editing => on_filter_input(self, a, fx),
            None => on_action(self, sh, a, fx),
        }
    }

    fn on_show(&mut self, sh: &mut Shell, fx: &mut Vec<Effect>) {
        on_show(self, sh, fx)
    }

    fn enabled(&self, _sh: &Shell, ctx: Context, a: Action) -> bool {
        match (ctx, a) {
            (Context::Tab(Tab::Failed), a) => enabled(self, a),
            (Context::Detail, Action::Retry | Action::Edit) => matches!(
                &self.popup,
                Some(Popup::Detail { row, .. }) if row.is_open(run_reverted(self, row.run_id))
            ),
            _ => true,
        }
    }

    fn badge(&self, _sh: &Shell) -> String {
        badge(self)
    }

    fn render(&self, frame: &mut Frame, body: Rect, _sh: &Shell, theme: &Theme) {
        crate::ui::failed::render(frame, body, self, theme);
        crate::ui::failed::render_popup(frame, body, self, theme);
    }

    fn list_area(&self, body: Rect) -> Rect {
        crate::ui::failed::list_area(body, self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Phase;

    pub(crate) fn row(id: i64, line: u64) -> FailedRow {
        FailedRow {
            id,
            run_id: 1,
            import_key: "k".into(),
            line,
            raw_record: format!("PO-1,SKU-{line},Thing,abc,EA,1.00"),
            fields: vec![
                ("po_number".into(), "PO-1".into()),
                ("SKU".into(), format!("SKU-{line}")),
                ("description".into(), "Thing".into()),
                ("quantity".into(), "abc".into()),
            ],
            corrected: None,
            phase: Phase::Parse,
            error: "quantity \"abc\" is not a decimal number".into(),
            sqlstate: None,
            decision: None,
            attempts: 0,
            resolved_at: None,
        }
    }

    #[test]
    fn the_correction_keeps_the_original_columns_in_order() {
        let mut form = EditForm::new(&row(7, 3));
        assert_eq!(form.inputs[0].text(), "SKU-3");
        assert_eq!(form.inputs[2].text(), "abc");
        form.focus = 2;
        form.input().clear();
        for c in "12".chars() {
            form.input().insert(c);
        }
        form.focus = 3;
        for c in "0.50".chars() {
            form.input().insert(c);
        }
        assert_eq!(
            form.corrected(),
            vec![
                ("po_number".to_string(), "PO-1".to_string()),
                ("SKU".into(), "SKU-3".into()),
                ("description".into(), "Thing".into()),
                ("quantity".into(), "12".into()),
                ("unit_price".into(), "0.50".into()),
            ]
        );
    }

    #[test]
    fn scrolling_far_asks_for_the_page_around_the_selection() {
        let mut v = FailedView::default();
        let req = v.open(1, "f.csv".into()).expect("a first page");
        assert!(req.count);
        assert_eq!((req.offset, &req.query.from), (0, &PageFrom::Start));
        v.on_count(v.generation, Ok(200_000));
        v.on_page(
            v.generation,
            0,
            Ok((0..PAGE).map(|i| row(i as i64, i + 1)).collect()),
        );
        assert!(v.move_by(10, 20).is_none(), "inside the cache");
        let req = v.select(150_000, 20).expect("a page far away");
        assert_eq!(req.offset, 150_000 - 19 - 200);
        assert_eq!(
            req.query.from,
            PageFrom::Offset(150_000 - 19 - 200),
            "nothing cached near it: counted by position"
        );
        assert!(!req.count);
        assert!(
            v.select(150_001, 20).is_none(),
            "the same page is already on its way"
        );
        assert!(v.selected_row().is_none());
    }

    #[test]
    fn scrolling_on_reads_the_next_page_after_the_last_row_held() {
        let mut v = FailedView::default();
        v.open(1, "f.csv".into());
        v.on_count(v.generation, Ok(200_000));
        v.on_page(
            v.generation,
            0,
            Ok((0..PAGE).map(|i| row(i as i64 + 1, i + 1)).collect()),
        );
        let req = v.select(480, 20).expect("near the end of the cache");
        let anchor = v
            .row(req.offset - 1)
            .expect("the row before the page is held");
        assert_eq!(
            req.query.from,
            PageFrom::After {
                key: FailedKey::of(anchor, FailedSort::Line),
                inclusive: false
            }
        );
        let offset = req.offset;
        v.on_page(
            v.generation,
            offset,
            Ok((offset..offset + PAGE)
                .map(|i| row(i as i64 + 1, i + 1))
                .collect()),
        );
        let req = v.refresh(Duration::ZERO).expect("a refresh");
        assert!(
            matches!(
                req.query.from,
                PageFrom::After {
                    inclusive: true,
                    ..
                }
            ),
            "a refresh reads the rows on screen from the first one held: {:?}",
            req.query.from
        );
        v.pending = None;
        let req = v.select(offset, 20).expect("near the start of the cache");
        assert!(req.offset < offset);
        let anchor = v
            .row(req.offset + PAGE)
            .expect("the row after the page is held");
        assert_eq!(
            req.query.from,
            PageFrom::Before(FailedKey::of(anchor, FailedSort::Line)),
            "scrolling back reads the page up to the first row held"
        );
    }

    #[test]
    fn answers_to_an_old_query_are_dropped() {
        let mut v = FailedView::default();
        v.open(1, "f.csv".into());
        let old = v.generation;
        v.filter = "x".into();
        v.requery(false);
        v.on_count(old, Ok(5));
        assert_eq!(v.total, None);
        v.on_count(v.generation, Ok(2));
        assert_eq!(v.total, Some(2));
    }
}
