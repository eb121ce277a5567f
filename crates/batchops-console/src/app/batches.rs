//! The Batches tab: the files loaded into the console, what became of them, and its keys.

use super::nav::ListNav;
use super::popup::{Popup, Prompt, PromptKind};
use super::{App, plural};
use crate::domain::run_rules::{self, RunKind};
use crate::domain::{Mode, RunStatus};
use crate::engine::overlap::{Answer, Overlap};
use crate::input::BatchFile;
use crate::keymap::{Binding, b, ch, code};
use crate::store::RunRow;
use crate::vocab::{Action, Effect, ImportChoices, JobId, JobSpec, Level, Listing, Previous, Tab};
use crossterm::event::KeyCode;
use std::path::PathBuf;

pub static KEYS: &[Binding] = &[
    b(
        &[ch('o')],
        Action::Open,
        Some("open"),
        "open a file, or a directory of batch files",
    ),
    b(
        &[ch('b')],
        Action::Start(Mode::Batch),
        Some("batch"),
        "import the selected batch in batch mode and show its run (queued when busy; resumes a stopped run)",
    ),
    b(
        &[ch('s')],
        Action::Start(Mode::Sequential),
        Some("sequential"),
        "import the selected batch in sequential mode (the baseline) and show its run",
    ),
    b(
        &[ch('i')],
        Action::ImportScreen,
        Some("import…"),
        "the import screen: what will be read and the run's options, changed before it starts",
    ),
    b(
        &[ch('d'), code(KeyCode::Delete)],
        Action::Remove,
        Some("remove"),
        "remove the selected batch from the list (its runs stay in the history)",
    ),
    b(
        &[code(KeyCode::Enter)],
        Action::Enter,
        Some("show run"),
        "show the batch's run on Run and Failed",
    ),
];

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

/// Whether the history's run can be resumed: the one rule of the domain
/// ([`crate::domain::run_rules::resume_refusal`]).
pub fn is_resumable(r: &RunRow) -> bool {
    r.is_resumable()
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
            // The path is in its own column: the reason comes first.
            (BatchInfo::Unusable(e), _) => {
                let path = format!("{}: ", self.path.display());
                format!("unusable: {}", e.strip_prefix(&path).unwrap_or(e))
            }
            (_, BatchState::Queued(mode)) => format!("queued ({mode})"),
            (_, BatchState::Running { .. }) => "running".into(),
            (_, BatchState::Done { status, run_id })
                if run_rules::is_resumable(RunKind::live_import(*status, Mode::Batch)) =>
            {
                format!("{status} · b resumes run {run_id}")
            }
            (_, BatchState::Done { status, .. }) => format!("done: {status}"),
            (_, BatchState::Error(e)) => format!("error: {e}"),
            (_, BatchState::Idle) => match &self.previous {
                Some(p) if p.resumable => format!("{} · b resumes run {}", p.status, p.run_id),
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

#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchesTab {
    pub entries: Vec<BatchEntry>,
    pub nav: ListNav,
    next_id: u64,
    /// `--start`: the mode to begin the first batch in, once it is read.
    pub start_mode: Option<Mode>,
    start_target: Option<u64>,
}

impl BatchesTab {
    pub fn selected(&self) -> Option<&BatchEntry> {
        self.entries.get(self.nav.selected)
    }

    fn entry_mut(&mut self, id: Option<u64>) -> Option<&mut BatchEntry> {
        let id = id?;
        self.entries.iter_mut().find(|e| e.id == id)
    }

    pub(crate) fn mark_running(&mut self, batch: Option<u64>, run_id: Option<i64>) {
        if let Some(e) = self.entry_mut(batch) {
            e.state = BatchState::Running { run_id };
        }
    }

    pub(crate) fn set_state(&mut self, batch: Option<u64>, state: BatchState) {
        if let Some(e) = self.entry_mut(batch) {
            e.state = state;
        }
    }

    pub(crate) fn set_previous(&mut self, batch: Option<u64>, previous: Previous) {
        if let Some(e) = self.entry_mut(batch) {
            e.previous = Some(previous);
        }
    }

    pub(crate) fn unqueue_all(&mut self) {
        for b in &mut self.entries {
            if matches!(b.state, BatchState::Queued(_)) {
                b.state = BatchState::Idle;
            }
        }
    }

    /// The line count of a loaded batch.
    pub fn estimate_of(&self, batch: u64) -> Option<u64> {
        self.entries
            .iter()
            .find(|e| e.id == batch)
            .and_then(|e| e.file())
            .map(|f| f.estimated_lines)
    }

    /// The line count of the loaded file with this import key (SHA-256), if one is loaded.
    pub fn estimate_for(&self, import_key: &str) -> Option<u64> {
        self.entries
            .iter()
            .filter_map(|e| e.file())
            .find(|f| f.sha256 == import_key)
            .map(|f| f.estimated_lines)
    }

    pub(crate) fn refresh_previous(&mut self, rows: &[RunRow]) {
        for b in &mut self.entries {
            if let BatchInfo::Ready(f) = &b.info {
                b.previous = Previous::find(rows, &f.sha256);
            }
        }
    }
}

pub fn on_show(_app: &mut App, _fx: &mut Vec<Effect>) {}

/// Whether an action of this tab applies now (the footer greys out the others).
pub fn enabled(app: &App, a: Action) -> bool {
    let selected = app.batches.selected();
    match a {
        Action::Start(_) => selected.is_some_and(|e| {
            e.file().is_some()
                && !matches!(e.state, BatchState::Queued(_) | BatchState::Running { .. })
        }),
        Action::Remove => selected.is_some_and(|e| !matches!(e.state, BatchState::Running { .. })),
        Action::ImportScreen => selected.is_some_and(|e| {
            !matches!(e.info, BatchInfo::Inspecting)
                && !matches!(e.state, BatchState::Queued(_) | BatchState::Running { .. })
        }),
        Action::Enter => selected.is_some_and(|e| e.run_id().is_some()),
        _ => true,
    }
}

/// The tab's badge in the tab bar.
pub fn badge(_app: &App) -> String {
    String::new()
}

pub fn on_action(app: &mut App, a: Action, fx: &mut Vec<Effect>) {
    let (len, h) = (app.batches.entries.len(), app.list_rows(Tab::Batches));
    let clicked = match a {
        Action::Click(x, y) => app.clicked_row(x, y),
        _ => None,
    };
    if app.batches.nav.apply(a, clicked, len, h) {
        return;
    }
    match a {
        Action::Open => {
            app.popup = Some(Popup::Prompt(Box::new(Prompt::new(
                PromptKind::OpenPath,
                "",
                "A batch file (.csv, .json, .jsonl) or a directory of them:",
            ))))
        }
        Action::Start(mode) => start_batch(app, app.batches.nav.selected, mode, fx),
        Action::Remove => remove_batch(app),
        Action::ImportScreen => super::import::open(app, fx),
        Action::Enter => {
            if let Some(id) = app.batches.selected().and_then(|e| e.run_id()) {
                app.open_run(id, fx);
            }
        }
        _ => {}
    }
}

/// The open prompt's path: load it (a directory's batch files), first file selected.
pub(crate) fn open_path(app: &mut App, path: PathBuf, fx: &mut Vec<Effect>) {
    app.say(Level::Info, format!("opening {}…", path.display()));
    fx.push(Effect::LoadPath { path, chosen: true });
}

/// An import refused before it wrote anything because its file overlaps earlier imports (a
/// re-sent invoice), waiting for the operator's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlapping {
    pub batch: Option<u64>,
    pub path: PathBuf,
    pub mode: Mode,
    pub overlap: Overlap,
    /// The import screen's options of the refused import, kept for the answer's import.
    pub choices: Box<ImportChoices>,
}

/// The import of `refused.path` was refused: the summary and the choices, in a popup.
pub(crate) fn on_overlap_refused(app: &mut App, job: JobId, refused: Overlapping) {
    let why = "refused: the file overlaps earlier imports".to_string();
    app.batches
        .set_state(refused.batch, BatchState::Error(why.clone()));
    let now = app.now();
    if app.run.job == Some(job)
        && let Some(v) = &mut app.run.view
    {
        v.fail(now, why);
    }
    app.say(
        Level::Warn,
        format!(
            "{}: {} of {} lines landed before; o only new, a as a new invoice, Esc nothing",
            refused.path.display(),
            refused.overlap.identical,
            refused.overlap.lines
        ),
    );
    app.popup = Some(Popup::Overlap(Box::new(refused)));
}

/// The operator's answer to the overlap popup: import again with it, or import nothing.
pub(crate) fn on_overlap(app: &mut App, o: Box<Overlapping>, a: Action, fx: &mut Vec<Effect>) {
    let answer = match a {
        Action::OnlyNew => Answer::OnlyNew,
        Action::AsNewInvoice => Answer::AsNewInvoice,
        Action::No | Action::Close => {
            app.say(Level::Info, format!("not imported: {}", o.path.display()));
            return;
        }
        _ => {
            app.popup = Some(Popup::Overlap(o));
            return;
        }
    };
    let Overlapping {
        batch,
        path,
        mode,
        choices,
        ..
    } = *o;
    app.batches.set_state(batch, BatchState::Queued(mode));
    let note = format!("{mode} import of {} ({})", path.display(), answer.as_str());
    let queued = app.busy();
    app.enqueue(
        JobSpec::Import {
            batch,
            path,
            mode,
            resume: None,
            resent: Some(answer),
            choices,
        },
        fx,
    );
    if queued {
        app.say(Level::Info, format!("queued: {note}"));
    } else {
        app.switch_tab(Tab::Run, fx);
        app.say(Level::Info, note);
    }
}

pub(crate) fn start_batch(app: &mut App, index: usize, mode: Mode, fx: &mut Vec<Effect>) {
    start_with(app, index, mode, ImportChoices::default(), fx)
}

/// Start the batch at `index` with the import screen's `choices` (a stopped run of it resumes).
pub(crate) fn start_with(
    app: &mut App,
    index: usize,
    mode: Mode,
    choices: ImportChoices,
    fx: &mut Vec<Effect>,
) {
    let Some(entry) = app.batches.entries.get(index) else {
        return;
    };
    let file = match &entry.info {
        BatchInfo::Ready(f) => f.clone(),
        BatchInfo::Inspecting => {
            app.say(Level::Info, "still reading that file");
            return;
        }
        BatchInfo::Unusable(e) => {
            let text = format!("that file cannot be imported: {e}");
            app.say(Level::Error, text);
            return;
        }
    };
    if matches!(
        entry.state,
        BatchState::Queued(_) | BatchState::Running { .. }
    ) {
        app.say(Level::Info, "that batch is queued or running already");
        return;
    }
    let resume = entry.previous.clone().filter(|p| p.resumable);
    let (id, path) = (entry.id, file.path.clone());
    if let Some(p) = &entry.previous
        && p.status == RunStatus::Running
    {
        let text = format!(
            "run {} of this batch is running elsewhere; wait for it or let it go stale to resume it",
            p.run_id
        );
        app.say(Level::Warn, text);
        return;
    }
    let (mode, note) = match &resume {
        Some(p) => (
            p.mode,
            format!("resuming run {} ({}, was {})", p.run_id, p.mode, p.status),
        ),
        None => (mode, format!("{mode} import of {}", path.display())),
    };
    if let Some(e) = app.batches.entries.get_mut(index) {
        e.state = BatchState::Queued(mode);
    }
    let queued = app.busy();
    app.enqueue(
        JobSpec::Import {
            batch: Some(id),
            path,
            mode,
            resume,
            resent: None,
            choices: Box::new(choices),
        },
        fx,
    );
    if queued {
        app.say(Level::Info, format!("queued: {note}"));
    } else {
        // Starting a run shows its progress.
        app.switch_tab(Tab::Run, fx);
        app.say(Level::Info, note);
    }
}

fn remove_batch(app: &mut App) {
    let i = app.batches.nav.selected;
    let Some(entry) = app.batches.entries.get(i) else {
        return;
    };
    if matches!(entry.state, BatchState::Running { .. }) {
        app.say(Level::Warn, "that batch is running: c cancels it first");
        return;
    }
    let id = entry.id;
    let path = entry.path.display().to_string();
    let dequeued = matches!(entry.state, BatchState::Queued(_));
    app.queue
        .retain(|j| !matches!(j.spec, JobSpec::Import { batch: Some(b), .. } if b == id));
    app.batches.entries.remove(i);
    let (len, h) = (app.batches.entries.len(), app.list_rows(Tab::Batches));
    app.batches.nav.select(i, len, h);
    let tail = if dequeued { " and from the queue" } else { "" };
    app.say(
        Level::Info,
        format!("removed {path} from the list{tail}; its runs stay in the history (4)"),
    );
}

pub(crate) fn on_listed(
    app: &mut App,
    path: PathBuf,
    chosen: bool,
    result: Result<Listing, String>,
    fx: &mut Vec<Effect>,
) {
    let listing = match result {
        Ok(l) => l,
        Err(e) => {
            app.say(Level::Error, e);
            return;
        }
    };
    let skipped = if listing.skipped.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = listing
            .skipped
            .iter()
            .take(3)
            .map(|p| {
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            })
            .collect();
        let more = if listing.skipped.len() > 3 {
            ", …"
        } else {
            ""
        };
        format!(
            "; skipped {} (not .csv, .json, .jsonl): {}{more}",
            plural(listing.skipped.len() as u64, "file", "files"),
            names.join(", ")
        )
    };
    if listing.files.is_empty() {
        app.say(
            Level::Warn,
            format!(
                "no batch files (.csv, .json, .jsonl) in {}{skipped}",
                path.display()
            ),
        );
        return;
    }
    let was_empty = app.batches.entries.is_empty();
    let first_new = app.batches.entries.len();
    let mut added = 0u64;
    for f in listing.files {
        if app.batches.entries.iter().any(|b| b.path == f) {
            continue;
        }
        app.batches.next_id += 1;
        let id = app.batches.next_id;
        if app.batches.start_mode.is_some() && app.batches.start_target.is_none() {
            app.batches.start_target = Some(id);
        }
        app.batches.entries.push(BatchEntry {
            id,
            path: f.clone(),
            info: BatchInfo::Inspecting,
            state: BatchState::Idle,
            previous: None,
        });
        fx.push(Effect::Inspect { batch: id, path: f });
        added += 1;
    }
    if added == 0 {
        app.say(
            Level::Info,
            format!("{} is loaded already{skipped}", path.display()),
        );
        return;
    }
    // The operator's choice gets the selection; files from the command line keep the first one.
    if chosen || was_empty {
        let (len, h) = (app.batches.entries.len(), app.list_rows(Tab::Batches));
        app.batches.nav.select(first_new, len, h);
    }
    if chosen || !skipped.is_empty() {
        let level = if skipped.is_empty() {
            Level::Info
        } else {
            Level::Warn
        };
        app.say(
            level,
            format!(
                "loaded {} from {}{skipped}",
                plural(added, "batch file", "batch files"),
                path.display()
            ),
        );
    }
}

pub(crate) fn on_inspected(
    app: &mut App,
    batch: u64,
    result: Result<BatchFile, String>,
    fx: &mut Vec<Effect>,
) {
    let Some(i) = app.batches.entries.iter().position(|b| b.id == batch) else {
        return;
    };
    let target = app.batches.start_target == Some(batch);
    match result {
        Ok(file) => {
            let entry = &mut app.batches.entries[i];
            entry.previous = Previous::find(&app.runs.rows, &file.sha256);
            entry.info = BatchInfo::Ready(file);
            if target && let Some(mode) = app.batches.start_mode.take() {
                start_batch(app, i, mode, fx);
                app.switch_tab(Tab::Run, fx);
            }
        }
        Err(e) => {
            app.batches.entries[i].info = BatchInfo::Unusable(e);
            if target && app.batches.start_mode.take().is_some() {
                app.say(Level::Error, "--start: the first batch cannot be imported");
            }
        }
    }
}
