//! The Batches tab: the files loaded into the console, what became of them, and its keys.

pub mod import;

use super::Page;
use crate::controls::nav::ListNav;
use crate::controls::prompt::{Prompt, PromptKind, edit_text, expand_home};
use crate::domain::run_rules::{self, RunKind};
use crate::domain::{Mode, RunStatus};
use crate::format::plural;
use crate::input::BatchFile;
use crate::keymap::{Binding, Context, b, ch, code};
use crate::shell::{Request, Shell};
use crate::store::RunRow;
use crate::theme::Theme;
use crate::vocab::{Action, Effect, ImportChoices, JobSpec, Level, Listing, Previous, Tab};
use crossterm::event::KeyCode;
use import::ImportScreen;
use ratatui::Frame;
use ratatui::layout::Rect;
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
    pub popup: Option<Popup>,
}

/// The tab's popups.
#[derive(Debug, Clone, PartialEq)]
pub enum Popup {
    /// `o`: the path of a file or directory to load.
    Prompt(Box<Prompt>),
    /// `i`: the import screen (what will be read, the run's options).
    Import(Box<ImportScreen>),
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

/// Whether an action of this tab applies now (the footer greys out the others).
fn enabled(t: &BatchesTab, a: Action) -> bool {
    let selected = t.selected();
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

fn on_action(t: &mut BatchesTab, sh: &mut Shell, a: Action, fx: &mut Vec<Effect>) {
    let (len, h) = (t.entries.len(), t.list_rows(sh));
    let clicked = match a {
        Action::Click(x, y) => t.clicked_row(sh, x, y),
        _ => None,
    };
    if t.nav.apply(a, clicked, len, h) {
        return;
    }
    match a {
        Action::Open => {
            t.popup = Some(Popup::Prompt(Box::new(Prompt::new(
                PromptKind::OpenPath,
                "",
                "A batch file (.csv, .json, .jsonl) or a directory of them:",
            ))))
        }
        Action::Start(mode) => {
            let i = t.nav.selected;
            start_batch(t, sh, i, mode)
        }
        Action::Remove => remove_batch(t, sh),
        Action::ImportScreen => import::open(t, fx),
        Action::Enter => {
            if let Some(id) = t.selected().and_then(|e| e.run_id()) {
                sh.request(Request::OpenRun(id));
            }
        }
        _ => {}
    }
}

/// The open prompt's path: load it (a directory's batch files), first file selected.
fn open_path(sh: &mut Shell, path: PathBuf, fx: &mut Vec<Effect>) {
    sh.say(Level::Info, format!("opening {}…", path.display()));
    fx.push(Effect::LoadPath { path, chosen: true });
}

fn start_batch(t: &mut BatchesTab, sh: &mut Shell, index: usize, mode: Mode) {
    start_with(t, sh, index, mode, ImportChoices::default())
}

/// Start the batch at `index` with the import screen's `choices` (a stopped run of it resumes).
pub(crate) fn start_with(
    t: &mut BatchesTab,
    sh: &mut Shell,
    index: usize,
    mode: Mode,
    choices: ImportChoices,
) {
    let Some(entry) = t.entries.get(index) else {
        return;
    };
    let file = match &entry.info {
        BatchInfo::Ready(f) => f.clone(),
        BatchInfo::Inspecting => {
            sh.say(Level::Info, "still reading that file");
            return;
        }
        BatchInfo::Unusable(e) => {
            let text = format!("that file cannot be imported: {e}");
            sh.say(Level::Error, text);
            return;
        }
    };
    if matches!(
        entry.state,
        BatchState::Queued(_) | BatchState::Running { .. }
    ) {
        sh.say(Level::Info, "that batch is queued or running already");
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
        sh.say(Level::Warn, text);
        return;
    }
    let (mode, note) = match &resume {
        Some(p) => (
            p.mode,
            format!("resuming run {} ({}, was {})", p.run_id, p.mode, p.status),
        ),
        None => (mode, format!("{mode} import of {}", path.display())),
    };
    if let Some(e) = t.entries.get_mut(index) {
        e.state = BatchState::Queued(mode);
    }
    let queued = sh.busy();
    sh.request(Request::Enqueue(JobSpec::Import {
        batch: Some(id),
        path,
        mode,
        resume,
        resent: None,
        choices: Box::new(choices),
    }));
    if queued {
        sh.say(Level::Info, format!("queued: {note}"));
    } else {
        // Starting a run shows its progress.
        sh.request(Request::Show(Tab::Run));
        sh.say(Level::Info, note);
    }
}

fn remove_batch(t: &mut BatchesTab, sh: &mut Shell) {
    let i = t.nav.selected;
    let Some(entry) = t.entries.get(i) else {
        return;
    };
    if matches!(entry.state, BatchState::Running { .. }) {
        sh.say(Level::Warn, "that batch is running: c cancels it first");
        return;
    }
    let id = entry.id;
    let path = entry.path.display().to_string();
    let dequeued = matches!(entry.state, BatchState::Queued(_));
    sh.queue
        .retain(|j| !matches!(j.spec, JobSpec::Import { batch: Some(b), .. } if b == id));
    t.entries.remove(i);
    let (len, h) = (t.entries.len(), t.list_rows(sh));
    t.nav.select(i, len, h);
    let tail = if dequeued { " and from the queue" } else { "" };
    sh.say(
        Level::Info,
        format!("removed {path} from the list{tail}; its runs stay in the history (4)"),
    );
}

pub(crate) fn on_listed(
    t: &mut BatchesTab,
    sh: &mut Shell,
    path: PathBuf,
    chosen: bool,
    result: Result<Listing, String>,
    fx: &mut Vec<Effect>,
) {
    let listing = match result {
        Ok(l) => l,
        Err(e) => {
            sh.say(Level::Error, e);
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
        sh.say(
            Level::Warn,
            format!(
                "no batch files (.csv, .json, .jsonl) in {}{skipped}",
                path.display()
            ),
        );
        return;
    }
    let was_empty = t.entries.is_empty();
    let first_new = t.entries.len();
    let mut added = 0u64;
    for f in listing.files {
        if t.entries.iter().any(|b| b.path == f) {
            continue;
        }
        t.next_id += 1;
        let id = t.next_id;
        if t.start_mode.is_some() && t.start_target.is_none() {
            t.start_target = Some(id);
        }
        t.entries.push(BatchEntry {
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
        sh.say(
            Level::Info,
            format!("{} is loaded already{skipped}", path.display()),
        );
        return;
    }
    // The operator's choice gets the selection; files from the command line keep the first one.
    if chosen || was_empty {
        let (len, h) = (t.entries.len(), t.list_rows(sh));
        t.nav.select(first_new, len, h);
    }
    if chosen || !skipped.is_empty() {
        let level = if skipped.is_empty() {
            Level::Info
        } else {
            Level::Warn
        };
        sh.say(
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
    t: &mut BatchesTab,
    sh: &mut Shell,
    history: &[RunRow],
    batch: u64,
    result: Result<BatchFile, String>,
) {
    let Some(i) = t.entries.iter().position(|b| b.id == batch) else {
        return;
    };
    let target = t.start_target == Some(batch);
    match result {
        Ok(file) => {
            let entry = &mut t.entries[i];
            entry.previous = Previous::find(history, &file.sha256);
            entry.info = BatchInfo::Ready(file);
            if target && let Some(mode) = t.start_mode.take() {
                start_batch(t, sh, i, mode);
                sh.request(Request::Show(Tab::Run));
            }
        }
        Err(e) => {
            t.entries[i].info = BatchInfo::Unusable(e);
            if target && t.start_mode.take().is_some() {
                sh.say(Level::Error, "--start: the first batch cannot be imported");
            }
        }
    }
}
impl Page for BatchesTab {
    fn context(&self) -> Context {
        match &self.popup {
            Some(Popup::Prompt(_)) => Context::Prompt,
            Some(Popup::Import(s)) if s.typing.is_some() => Context::ImportEdit,
            Some(Popup::Import(_)) => Context::Import,
            None => Context::Tab(Tab::Batches),
        }
    }

    fn on_action(&mut self, sh: &mut Shell, a: Action, fx: &mut Vec<Effect>) {
        match self.popup.take() {
            Some(Popup::Import(s)) => import::on_action(self, sh, s, a, fx),
            Some(Popup::Prompt(mut prompt)) => match a {
                Action::Close => {}
                Action::Enter => {
                    let text = prompt.input.text().trim().to_string();
                    if text.is_empty() {
                        self.popup = Some(Popup::Prompt(prompt));
                        return;
                    }
                    open_path(sh, expand_home(&text), fx);
                }
                other => {
                    edit_text(&mut prompt.input, other);
                    prompt.error = None;
                    self.popup = Some(Popup::Prompt(prompt));
                }
            },
            None => on_action(self, sh, a, fx),
        }
    }

    fn enabled(&self, _sh: &Shell, ctx: Context, a: Action) -> bool {
        ctx != Context::Tab(Tab::Batches) || enabled(self, a)
    }

    fn render(&self, frame: &mut Frame, body: Rect, _sh: &Shell, theme: &Theme) {
        crate::ui::batches::render(frame, body, self, theme);
        match &self.popup {
            None => {}
            Some(Popup::Prompt(p)) => crate::ui::popups::prompt(frame, body, p, theme),
            Some(Popup::Import(s)) => crate::ui::import::render(frame, body, s, theme),
        }
    }

    fn list_area(&self, body: Rect) -> Rect {
        crate::ui::batches::list_area(body, self)
    }
}
