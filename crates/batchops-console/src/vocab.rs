//! The console's shared vocabulary: the tabs, what an operator asks for ([`Action`]), what the
//! state asks the runtime to do ([`Effect`]) and what comes back ([`Outcome`], [`Msg`]), and the
//! jobs. The keymap, the state, the tasks and the renderers all speak it; it depends on none of
//! them.

use crate::domain::{Fields, Mode, RunReport, RunStatus};
use crate::engine::review::{Choice, Group, Outcome as Decision};
use crate::engine::{Comparison, ProgressEvent};
use crate::input::BatchFile;
use crate::store::inventory::{ItemDetail, ItemQuery, ItemRow};
use crate::store::{FailedQuery, FailedRow, RunRow};
use std::path::PathBuf;
use std::time::Duration;

/// The tabs, in the order of the tab bar (their number keys are `1`…). What each tab does is in
/// [`super::tabs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Tab {
    #[default]
    Batches,
    Run,
    Failed,
    Runs,
    Compare,
    Review,
    Inventory,
}

impl Tab {
    pub const ALL: [Tab; 7] = [
        Tab::Batches,
        Tab::Run,
        Tab::Failed,
        Tab::Runs,
        Tab::Compare,
        Tab::Review,
        Tab::Inventory,
    ];

    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|&t| t == self).unwrap_or(0)
    }
    pub fn title(self) -> &'static str {
        match self {
            Tab::Batches => "Batches",
            Tab::Run => "Run",
            Tab::Failed => "Failed",
            Tab::Runs => "Runs",
            Tab::Compare => "Compare",
            Tab::Review => "Review",
            Tab::Inventory => "Inventory",
        }
    }
    pub fn next(self) -> Tab {
        Tab::ALL[(self.index() + 1) % Tab::ALL.len()]
    }
    pub fn prev(self) -> Tab {
        Tab::ALL[(self.index() + Tab::ALL.len() - 1) % Tab::ALL.len()]
    }
}

/// What an operator asks for; the keymap turns keys (and the mouse) into these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    GoTo(Tab),
    NextTab,
    PrevTab,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    WheelUp,
    WheelDown,
    /// A left click at a screen cell (column, row).
    Click(u16, u16),
    Left,
    Right,
    Enter,
    Close,
    Help,
    Quit,
    Yes,
    No,
    Open,
    Start(Mode),
    Remove,
    Cancel,
    Retry,
    RetryAll,
    Edit,
    Export,
    Filter,
    SortNext,
    SortReverse,
    ToggleUnresolved,
    /// Show the failure reasons (Failed) and pick one to filter by.
    Reasons,
    Resume,
    /// Runs: undo the selected run (after a confirmation).
    Revert,
    Rehearse,
    /// Review: choose candidate N (1-based) of the selected group.
    Pick(u8),
    /// Review: a new item for the selected group (SKU and name editable).
    NewItem,
    /// Review: none of these candidates.
    Reject,
    /// Review: leave the group undecided and go to the next.
    Skip,
    /// A file that overlaps earlier imports: land only its new lines.
    OnlyNew,
    /// A file that overlaps earlier imports: import it all, as another invoice.
    AsNewInvoice,
    /// A searched list: the next match, the previous one.
    SearchNext,
    SearchPrev,
    /// Review: select or unselect the group; select every group shown; clear the selection.
    Mark,
    MarkAll,
    MarkNone,
    /// Review: land each selected group's lines on its top candidate (asks first).
    AcceptTop,
    /// Review: undo the last decision (asks first).
    Undo,
    /// Review: the next filter by why lines are held, by the top score, by the selected candidate.
    FilterWhy,
    FilterBand,
    FilterCandidate,
    /// Inventory: point the selected alias at another item (asks for the SKU, then to confirm).
    MoveAlias,
    /// Inventory: merge this item into another (asks for the SKU, then to confirm).
    Merge,
    /// Batches: the import screen of the selected batch (what will be read, the run's options).
    ImportScreen,
    /// The import screen: start the run with the options shown.
    Run,
    /// The import screen: save how the file is read as a supplier profile (asks for a name).
    SaveProfile,
    Char(char),
    Backspace,
    Delete,
    Home,
    End,
    NextField,
    PrevField,
}

/// How loud a message or a log line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(pub u64);

/// Which progression of a job an engine event belongs to (a rehearsal has two).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamSide {
    Main,
    Batch,
    Sequential,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stream {
    pub job: JobId,
    pub side: StreamSide,
}

/// The run a job continues (the latest earlier run of a batch, from the history).
#[derive(Debug, Clone, PartialEq)]
pub struct Previous {
    pub run_id: i64,
    pub mode: Mode,
    pub status: RunStatus,
    pub import_key: String,
    pub operator: String,
    pub dry_run: bool,
    pub resumable: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum JobSpec {
    /// Import a batch file, or resume one of its runs.
    Import {
        batch: Option<u64>,
        path: PathBuf,
        mode: Mode,
        resume: Option<Previous>,
        /// The operator's answer to a file that overlaps earlier imports (a re-sent invoice).
        resent: Option<crate::engine::overlap::Answer>,
        /// What `batchops import`'s flags would say (the import screen's options; default: none).
        choices: Box<ImportChoices>,
    },
    /// Retry failed items of a run (all unresolved ones when `lines` is empty), after saving an
    /// operator's correction when there is one.
    Retry {
        run_id: i64,
        lines: Vec<u64>,
        correction: Option<(i64, Fields)>,
    },
    /// Rehearse a file in batch and in sequential mode.
    Compare {
        path: PathBuf,
        sequential_lines: Option<u64>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: JobId,
    pub spec: JobSpec,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActiveJob {
    pub job: Job,
    pub run_id: Option<i64>,
    pub cancelling: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum JobResult {
    Report(Box<RunReport>),
    Comparison(Box<Comparison>),
    /// An import refused before it wrote anything: the file overlaps earlier imports.
    Overlap(Box<crate::engine::overlap::Overlap>),
}

/// A page of groups of held lines, asked for by the Review tab.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRequest {
    pub generation: u64,
    pub query: crate::store::GroupQuery,
}

/// A page of groups, with what the narrowed list holds in all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReviewPage {
    pub groups: Vec<Group>,
    pub total_groups: u64,
    pub total_lines: u64,
}

/// A page (and maybe the count) of a run's failed items, asked for by the Failed tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub generation: u64,
    pub run_id: i64,
    /// The position of the page's first row in the list.
    pub offset: u64,
    pub query: FailedQuery,
    pub count: bool,
}

/// How many failed items of a run share one error text (`resolved` of them are resolved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorCount {
    pub error: String,
    pub total: u64,
    pub unresolved: u64,
}

/// Work for the runtime: the only way the state reaches the outside.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// A file, or a directory whose batch files are loaded. `chosen`: the operator typed it (its
    /// first file gets the selection).
    LoadPath {
        path: PathBuf,
        chosen: bool,
    },
    Inspect {
        batch: u64,
        path: PathBuf,
    },
    StartJob(Job),
    Cancel(JobId),
    LoadRuns,
    LoadFailed(PageRequest),
    /// Count a run's failed items by error text (the reasons summary of the Failed tab).
    LoadReasons {
        run_id: i64,
    },
    /// Count what a run without a report wrote (it died before storing its counts).
    LoadWritten {
        run_id: i64,
    },
    Export {
        run_id: i64,
        query: FailedQuery,
        path: PathBuf,
    },
    /// Undo a run: its transactions removed, exactly their quantities subtracted.
    Revert {
        run_id: i64,
    },
    /// Read a page of groups of open held lines (the Review tab).
    LoadReview(ReviewRequest),
    /// Apply an operator's decision on a held line (and every open line of its group).
    Decide {
        held_id: i64,
        description: String,
        choice: Choice,
    },
    /// Land each group's lines (a held line's id stands for its group) on its top candidate.
    AcceptTop {
        held_ids: Vec<i64>,
    },
    /// Undo a review decision (`None`: the newest still standing).
    UndoDecision {
        correction_id: Option<i64>,
    },
    /// A page of the catalog (the Inventory tab), and where it goes in the window.
    LoadItems(ItemsRequest),
    /// Count the items matching a search (empty: every item).
    CountItems {
        generation: u64,
        search: String,
    },
    /// One item with its aliases, part numbers and movements.
    LoadItem {
        id: i64,
    },
    /// Apply a correction of the catalog (as `batchops aliases move` / `batchops merge` do).
    Correct(Correction),
    Ping,
    /// Read a file as the import screen's choices say (the preview of `batchops inspect`).
    Preview {
        generation: u64,
        path: PathBuf,
        choices: crate::engine::FileChoices,
    },
    /// Save a supplier profile (as `inspect --save-profile` does).
    SaveProfile(Box<crate::input::profile::Profile>),
    Quit,
}

/// Where a page of items goes in the Inventory tab's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Replace,
    Append,
    Prepend,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ItemsRequest {
    pub generation: u64,
    pub query: ItemQuery,
    pub place: Place,
}

/// A correction of the catalog the Inventory tab offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Correction {
    MoveAlias { alias: String, to_sku: String },
    Merge { from_sku: String, into_sku: String },
}

/// What the import screen chose for a run: `batchops import`'s flags for one file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportChoices {
    /// How the file is read and whose it is (`--decimal`…, `--profile`, `--supplier`, `--sku-column`).
    pub file: crate::engine::FileChoices,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--max-errors`.
    pub max_errors: Option<crate::engine::ErrorBudget>,
    /// `--import-key`.
    pub import_key: Option<String>,
}

/// What the import screen shows of a file: the words of `batchops inspect`.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewShown {
    /// Which supplier profile is used, and why.
    pub profile: String,
    /// The file as it will be read, or why it is refused whole.
    pub text: Result<String, String>,
    /// The file as inspected with these settings (for the run's line count).
    pub file: Option<BatchFile>,
    /// A profile that reads the file this way (its name left empty), for `p`.
    pub template: Option<crate::input::profile::Profile>,
    /// The names of the saved profiles.
    pub profiles: Vec<String>,
}

/// A directory listing: the batch files, and the files that were left out (with why).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Listing {
    pub files: Vec<PathBuf>,
    pub skipped: Vec<PathBuf>,
}

/// Answers from the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Listed {
        path: PathBuf,
        chosen: bool,
        result: Result<Listing, String>,
    },
    Inspected {
        batch: u64,
        result: Result<BatchFile, String>,
    },
    Runs(Result<Vec<RunRow>, String>),
    FailedCount {
        generation: u64,
        result: Result<u64, String>,
    },
    FailedPage {
        generation: u64,
        offset: u64,
        result: Result<Vec<FailedRow>, String>,
    },
    Reasons {
        run_id: i64,
        result: Result<Vec<ErrorCount>, String>,
    },
    /// `(lines landed, failed items)` of a run, counted in the tables.
    Written {
        run_id: i64,
        result: Result<(u64, u64), String>,
    },
    Exported {
        path: PathBuf,
        result: Result<u64, String>,
    },
    /// What a revert did (or why it was refused).
    Reverted {
        run_id: i64,
        result: Result<crate::corrections::Applied, String>,
    },
    /// The open held lines, grouped, the most lines first.
    Review {
        generation: u64,
        /// The page follows the groups shown (`false`: it replaces them).
        more: bool,
        result: Result<ReviewPage, String>,
    },
    /// What a decision did (or why it could not be applied).
    Decided {
        held_id: i64,
        description: String,
        result: Result<Decision, String>,
    },
    /// What a bulk accept did (or why it could not be applied).
    AcceptedTop(Result<crate::engine::review::BulkOutcome, String>),
    /// What an undo did.
    Undone(Result<crate::corrections::Applied, String>),
    Items {
        generation: u64,
        place: Place,
        result: Result<Vec<ItemRow>, String>,
    },
    ItemsCount {
        generation: u64,
        result: Result<u64, String>,
    },
    Item(Result<Option<ItemDetail>, String>),
    Corrected {
        correction: Correction,
        result: Result<crate::corrections::Applied, String>,
    },
    Pong(Result<Duration, String>),
    Previewed {
        generation: u64,
        result: Result<Box<PreviewShown>, String>,
    },
    ProfileSaved {
        name: String,
        result: Result<PathBuf, String>,
    },
}

/// Everything `update` reacts to.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Action(Action),
    Resize(u16, u16),
    /// The fixed-rate tick: sample rates, schedule refreshes.
    Frame,
    Engine(Stream, ProgressEvent),
    JobFinished(JobId, Result<JobResult, String>),
    Done(Outcome),
}

impl From<Action> for Msg {
    fn from(a: Action) -> Self {
        Msg::Action(a)
    }
}

impl From<Outcome> for Msg {
    fn from(o: Outcome) -> Self {
        Msg::Done(o)
    }
}

/// An import refused before it wrote anything because its file overlaps earlier imports (a
/// re-sent invoice), waiting for the operator's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlapping {
    pub batch: Option<u64>,
    pub path: PathBuf,
    pub mode: Mode,
    pub overlap: crate::engine::overlap::Overlap,
    /// The import screen's options of the refused import, kept for the answer's import.
    pub choices: Box<ImportChoices>,
}

/// A rehearsal's sequential side stops after this many lines (it is the slow one; items/s are
/// compared, so the figures stay comparable).
pub const REHEARSAL_SEQUENTIAL_LINES: u64 = 10_000;

/// The sequential side's line limit for a rehearsal of a file of about `estimated_lines`.
pub fn rehearsal_cap(estimated_lines: u64) -> Option<u64> {
    (estimated_lines > REHEARSAL_SEQUENTIAL_LINES).then_some(REHEARSAL_SEQUENTIAL_LINES)
}
