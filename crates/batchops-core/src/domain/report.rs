//! The run report: what the console shows, what `--format json` prints and what `import_runs` keeps.

use super::InvoiceHeader;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How the rows of a run are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Collect-then-batch: one transaction and a handful of statements per chunk.
    #[default]
    Batch,
    /// The baseline: find, insert and update per item, one transaction per item.
    Sequential,
    /// Re-processing of failed items, one at a time.
    Retry,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Batch => "batch",
            Mode::Sequential => "sequential",
            Mode::Retry => "retry",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "batch" => Some(Mode::Batch),
            "sequential" => Some(Mode::Sequential),
            "retry" => Some(Mode::Retry),
            _ => None,
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The state of a run, in the words of the report and of `import_runs.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// In progress, or interrupted when no process is still working on it.
    Running,
    /// Every line landed (or had landed before).
    Success,
    /// Some lines landed, some failed and are in the dead-letter table.
    PartialSuccess,
    /// No line landed, or the run could not go on.
    Failed,
    /// Stopped by the operator between chunks; resumable.
    Cancelled,
    /// Stopped because the error budget (`--max-errors`) was spent; resumable.
    Aborted,
    /// Was `running` when its process died; resumable.
    Interrupted,
    /// Undone by `batchops revert`: its transactions removed and their quantities subtracted.
    Reverted,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Success => "success",
            RunStatus::PartialSuccess => "partial_success",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
            RunStatus::Aborted => "aborted",
            RunStatus::Interrupted => "interrupted",
            RunStatus::Reverted => "reverted",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "running" => RunStatus::Running,
            "success" => RunStatus::Success,
            "partial_success" => RunStatus::PartialSuccess,
            "failed" => RunStatus::Failed,
            "cancelled" => RunStatus::Cancelled,
            "aborted" => RunStatus::Aborted,
            "interrupted" => RunStatus::Interrupted,
            "reverted" => RunStatus::Reverted,
            _ => return None,
        })
    }
    /// Process exit code for a finished run: 0 success, 2 partial success, 1 anything else.
    pub fn exit_code(self) -> i32 {
        match self {
            RunStatus::Success => 0,
            RunStatus::PartialSuccess => 2,
            _ => 1,
        }
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The pipeline's phases, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Reading and validating the input (failures of this phase are bad input lines).
    Parse,
    /// Everything before the catalog: the process's start, opening the database (with its
    /// migrations), hashing the file, the key's lock, the re-sent check and the run's row.
    Startup,
    /// Loading the catalog the lines are mapped against and building its matching index.
    Catalog,
    Mapping,
    BatchInsert,
    InventoryUpdate,
    Fallback,
    Retry,
}

impl Phase {
    /// The four phases the report and the console show timings for.
    pub const TIMED: [Phase; 4] = [
        Phase::Mapping,
        Phase::BatchInsert,
        Phase::InventoryUpdate,
        Phase::Fallback,
    ];
    /// The phases a run's report gives seconds for, in order: every second of the run is in one
    /// of them (the mapping overlaps the writes), so items/s means the same wherever it is shown.
    pub const REPORTED: [Phase; 6] = [
        Phase::Startup,
        Phase::Catalog,
        Phase::Mapping,
        Phase::BatchInsert,
        Phase::InventoryUpdate,
        Phase::Fallback,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Parse => "parse",
            Phase::Startup => "startup",
            Phase::Catalog => "catalog",
            Phase::Mapping => "mapping",
            Phase::BatchInsert => "batch_insert",
            Phase::InventoryUpdate => "inventory_update",
            Phase::Fallback => "fallback",
            Phase::Retry => "retry",
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            Phase::Parse => "Parse",
            Phase::Startup => "Start-up",
            Phase::Catalog => "Catalog",
            Phase::Mapping => "Mapping",
            Phase::BatchInsert => "Batch insert",
            Phase::InventoryUpdate => "Inventory update",
            Phase::Fallback => "Fallback",
            Phase::Retry => "Retry",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "parse" => Phase::Parse,
            "startup" => Phase::Startup,
            "catalog" => Phase::Catalog,
            "mapping" => Phase::Mapping,
            "batch_insert" => Phase::BatchInsert,
            "inventory_update" => Phase::InventoryUpdate,
            "fallback" => Phase::Fallback,
            "retry" => Phase::Retry,
            _ => return None,
        })
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A catalog item the matcher weighed for a line, and why it scored as it did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub sku: String,
    pub name: String,
    /// Word score of what remains after the attributes (0..1).
    pub score: f32,
    /// Attributes both sides state and agree on, e.g. `thread M8`, `length 40 mm`.
    #[serde(default)]
    pub agreed: Vec<String>,
    /// Attributes both sides state with different values, e.g. `length 40 mm ≠ 50 mm` (a veto).
    #[serde(default)]
    pub differed: Vec<String>,
    /// Attributes only one side states, e.g. `length 40 mm (item only)`.
    #[serde(default)]
    pub one_sided: Vec<String>,
    /// Model codes and part numbers both sides carry (`EZXS88W`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<String>,
    /// What the matcher made of it (`taken`, `vetoed: …`, `below the threshold 0.85`), when the
    /// decision is explained (`import --explain`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
}

/// One line's mapping decision with the candidates weighed for it (`import --explain`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineExplanation {
    pub line: u64,
    /// The line's SKU column, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    pub description: String,
    /// The item the line landed on (or will, once written); none for a held line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    pub decision: MappingDecision,
    /// The catalog items weighed for the line, best first, each with its evidence and verdict
    /// (none for a line mapped by its SKU or by a known alias: nothing was weighed).
    #[serde(default)]
    pub considered: Vec<Candidate>,
}

impl LineExplanation {
    /// The explanation as text: the decision, then one line per candidate weighed.
    pub fn text(&self) -> String {
        let mut s = format!("line {}", self.line);
        if let Some(sku) = &self.sku {
            s.push_str(&format!(" [{sku}]"));
        }
        s.push_str(&format!(
            " \"{}\": {}\n",
            self.description,
            self.decision.describe(self.item.as_deref().unwrap_or(""))
        ));
        for c in &self.considered {
            s.push_str(&format!(
                "    {} \"{}\" words {:.2}",
                c.sku, c.name, c.score
            ));
            for (label, list) in [
                ("codes", &c.identifiers),
                ("agreed", &c.agreed),
                ("differed", &c.differed),
                ("one side", &c.one_sided),
            ] {
                if !list.is_empty() {
                    s.push_str(&format!("; {label}: {}", list.join(", ")));
                }
            }
            if let Some(v) = &c.verdict {
                s.push_str(&format!(" → {v}"));
            }
            s.push('\n');
        }
        s
    }
}

/// How a line found its inventory item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MappingDecision {
    /// The line's SKU names a known item.
    Sku,
    /// The normalized description was a learned alias or an item's exact normalized name.
    Alias,
    /// An automatic match over item names: every attribute agrees and the words score high,
    /// clearly ahead of the runner-up.
    Fuzzy {
        score: f32,
        matched_name: String,
        /// Attributes both sides state and agree on.
        #[serde(default)]
        agreed: Vec<String>,
        /// The runner-up's score, when there was one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        runner_up: Option<f32>,
    },
    /// A new item was created (with the line's SKU, or a generated one).
    Created {
        /// Why no candidate was taken, when one came close.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Too uncertain to decide: the line is held for an operator's review and lands nowhere yet.
    Held {
        reason: String,
        candidates: Vec<Candidate>,
    },
}

impl MappingDecision {
    /// A plain `Created` (no near candidate).
    pub const CREATED: MappingDecision = MappingDecision::Created { reason: None };

    pub fn kind(&self) -> &'static str {
        match self {
            MappingDecision::Sku => "sku",
            MappingDecision::Alias => "alias",
            MappingDecision::Fuzzy { .. } => "fuzzy",
            MappingDecision::Created { .. } => "created",
            MappingDecision::Held { .. } => "held",
        }
    }
    /// One-line description for the console and the dead-letter table.
    pub fn describe(&self, sku: &str) -> String {
        match self {
            MappingDecision::Sku => format!("matched by sku {sku}"),
            MappingDecision::Alias => format!("matched by alias to {sku}"),
            MappingDecision::Fuzzy {
                score,
                matched_name,
                agreed,
                runner_up,
            } => {
                let mut s = format!("matched {score:.2} to {sku} \"{matched_name}\"");
                if !agreed.is_empty() {
                    s.push_str(&format!("; agreed: {}", agreed.join(", ")));
                }
                if let Some(r) = runner_up {
                    s.push_str(&format!("; runner-up {r:.2}"));
                }
                s
            }
            MappingDecision::Created { reason: None } => format!("created item {sku}"),
            MappingDecision::Created { reason: Some(r) } => format!("created item {sku} ({r})"),
            MappingDecision::Held { reason, candidates } => {
                let names: Vec<String> = candidates
                    .iter()
                    .map(|c| format!("{} {:.2}", c.sku, c.score))
                    .collect();
                format!("held for review: {reason}; candidates {}", names.join(", "))
            }
        }
    }
}

/// Count of mapping decisions by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionCounts {
    pub sku: u64,
    pub alias: u64,
    pub fuzzy: u64,
    pub created: u64,
    #[serde(default)]
    pub held: u64,
}

impl DecisionCounts {
    pub fn add_counts(&mut self, o: &DecisionCounts) {
        self.sku += o.sku;
        self.alias += o.alias;
        self.fuzzy += o.fuzzy;
        self.created += o.created;
        self.held += o.held;
    }
    pub fn add(&mut self, d: &MappingDecision) {
        match d {
            MappingDecision::Sku => self.sku += 1,
            MappingDecision::Alias => self.alias += 1,
            MappingDecision::Fuzzy { .. } => self.fuzzy += 1,
            MappingDecision::Created { .. } => self.created += 1,
            MappingDecision::Held { .. } => self.held += 1,
        }
    }
}

/// Timing of one phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseReport {
    pub name: Phase,
    /// Wall-clock seconds spent in the phase.
    pub seconds: f64,
    /// Items the phase handled.
    pub items: u64,
    /// SQL statements the phase executed (BEGIN/COMMIT not counted).
    pub statements: u64,
}

/// One failed line, as listed in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedLine {
    pub line: u64,
    pub error: String,
    pub phase: Phase,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sqlstate: Option<String>,
}

/// A fallback that happened during the run, with its cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FallbackRecord {
    /// 0-based index of the chunk.
    pub chunk: u64,
    pub first_line: u64,
    pub last_line: u64,
    pub cause: String,
}

/// The report of one run: printed as text or JSON, stored in `import_runs`, shown by the console.
///
/// Timings are measured, never estimated; `seconds` are wall-clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    pub run_id: i64,
    pub source: String,
    pub import_key: String,
    pub mode: Mode,
    pub status: RunStatus,
    pub dry_run: bool,
    /// Lines read from the input (good and bad).
    pub items_total: u64,
    /// Lines this run imported.
    pub items_processed: u64,
    /// Lines an earlier run had imported already (skipped, nothing changed).
    pub items_already_imported: u64,
    pub items_failed: u64,
    /// Lines held for an operator's review (`batchops review list`): not landed, not failed.
    #[serde(default)]
    pub items_held: u64,
    pub failed_items: Vec<FailedLine>,
    pub processing_time_seconds: f64,
    pub items_per_second: f64,
    pub phases: Vec<PhaseReport>,
    pub statements_executed: u64,
    pub chunks_committed: u64,
    pub decisions: DecisionCounts,
    pub fallbacks: Vec<FallbackRecord>,
    /// Transient errors (lost connection, deadlock, serialization failure) that were retried.
    pub transient_retries: u64,
    /// Set when the run stopped for a reason other than bad lines (cancelled, error budget, database down).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
    /// The invoice the batch is (from its title rows, the supplier profile or flags).
    #[serde(default, skip_serializing_if = "InvoiceHeader::is_empty")]
    pub invoice: InvoiceHeader,
    /// Every line's decision and the candidates weighed for it, with `import --explain`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub explained: Vec<LineExplanation>,
}

impl RunReport {
    /// Process exit code: 0 every line landed, 2 some lines failed (partial success), 3 nothing
    /// failed but some lines are held for review, 1 failed or stopped.
    pub fn exit_code(&self) -> i32 {
        match self.status {
            RunStatus::Success if self.items_held > 0 => 3,
            s => s.exit_code(),
        }
    }

    pub fn phase(&self, phase: Phase) -> Option<&PhaseReport> {
        self.phases.iter().find(|p| p.name == phase)
    }

    /// Lines read per second of the run.
    pub fn rate(lines: u64, seconds: f64) -> f64 {
        if seconds > 0.0 {
            lines as f64 / seconds
        } else {
            0.0
        }
    }

    /// The report with the writes that end the run added (its landed lines into the re-sent
    /// look-up): their seconds in the batch-insert phase and in the run's total, so items/s
    /// covers every second of the run; their statements in the run's total only (a phase's
    /// statements are its chunks').
    pub fn with_ending(&self, seconds: f64, statements: u64) -> RunReport {
        let mut r = self.clone();
        r.processing_time_seconds += seconds;
        r.items_per_second = Self::rate(r.items_total, r.processing_time_seconds);
        r.statements_executed += statements;
        if let Some(p) = r.phases.iter_mut().find(|p| p.name == Phase::BatchInsert) {
            p.seconds += seconds;
        }
        r
    }

    /// The status a finished run earns from its counts.
    pub fn status_from_counts(processed: u64, already: u64, failed: u64) -> RunStatus {
        match (processed + already, failed) {
            (_, 0) => RunStatus::Success,
            (0, _) => RunStatus::Failed,
            _ => RunStatus::PartialSuccess,
        }
    }
}
