//! The command line.

use crate::engine::{DEFAULT_CHUNK_SIZE, ErrorBudget, FallbackStrategy};
use crate::input::InputFormat;
use crate::report::OutputFormat;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "batchops",
    version,
    about = "Import invoice line items into a database, fast and exactly once",
    long_about = "batchops imports batches of invoice line items (CSV, JSON, JSON Lines) into SQLite or \
PostgreSQL with the collect-then-batch pattern: sequential mapping, one insert and one inventory \
update per chunk, item-level fallback for bad lines, and an idempotency key per line.\n\n\
With no command, batchops opens the operations console when stdout is a terminal."
)]
pub struct Cli {
    /// Database URL (sqlite:PATH or postgres://…). Default: sqlite:batchops.db in the current directory.
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// An operator's matching lexicon (TOML, the shape of src/mapping/lexicon.toml) that extends the
    /// shipped one: abbreviations, synonyms, units, colours, kinds.
    #[arg(long, global = true, env = "BATCHOPS_LEXICON", value_name = "FILE")]
    pub lexicon: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,

    /// Batch files to load into the console.
    pub files: Vec<PathBuf>,

    /// Start the first loaded batch at once in this mode (console).
    #[arg(long, value_enum)]
    pub start: Option<StartMode>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StartMode {
    Batch,
    Sequential,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ModeArg {
    #[default]
    Batch,
    Sequential,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormatArg {
    Csv,
    Json,
    Jsonl,
}

impl From<InputFormatArg> for InputFormat {
    fn from(f: InputFormatArg) -> Self {
        match f {
            InputFormatArg::Csv => InputFormat::Csv,
            InputFormatArg::Json => InputFormat::Json,
            InputFormatArg::Jsonl => InputFormat::Jsonl,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum TextOrJson {
    #[default]
    Text,
    Json,
}

impl From<TextOrJson> for OutputFormat {
    fn from(f: TextOrJson) -> Self {
        match f {
            TextOrJson::Text => OutputFormat::Text,
            TextOrJson::Json => OutputFormat::Json,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import batch files (one run per file).
    Import(ImportArgs),
    /// Continue an interrupted, cancelled or aborted run.
    Resume {
        run_id: i64,
        #[command(flatten)]
        tuning: Tuning,
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
    /// List inventory items with their quantities.
    Inventory {
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
    /// List import runs, newest first.
    Runs {
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
        /// How many runs to list.
        #[arg(long, default_value_t = 50)]
        limit: u64,
    },
    /// Show the failed items of a run (csv: a reject file to fix and import again).
    Failed {
        run_id: i64,
        #[arg(long, value_enum, default_value_t)]
        format: OutputFormat,
        /// Only items not resolved by a retry.
        #[arg(long)]
        unresolved: bool,
        /// Write to this file instead of stdout.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Re-process a run's unresolved failed items one at a time.
    Retry {
        run_id: i64,
        /// Only this line (repeatable).
        #[arg(long = "line")]
        lines: Vec<u64>,
        #[arg(long)]
        operator: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
    /// Rehearse a file in batch and in sequential mode on a scratch copy of the catalog and compare.
    Compare {
        file: PathBuf,
        #[arg(long, default_value_t = DEFAULT_CHUNK_SIZE)]
        chunk_size: usize,
        /// Stop the sequential rehearsal after this many lines (it is the slow one).
        #[arg(long)]
        sequential_lines: Option<u64>,
        #[arg(long, value_enum)]
        format_in: Option<InputFormatArg>,
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
    /// Write a synthetic batch (repeated items, spelling variants, bad lines) for rehearsals.
    Generate(GenerateArgs),
    /// Undo a run: its transactions removed and exactly their quantities subtracted.
    Revert {
        run_id: i64,
        /// Who makes the correction (default: $USER).
        #[arg(long)]
        operator: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
    /// Learned aliases: list them, move one (and its stock) to the right item, forget one.
    Aliases {
        #[command(subcommand)]
        command: AliasesCommand,
    },
    /// Inventory items: merge two items that are one.
    Items {
        #[command(subcommand)]
        command: ItemsCommand,
    },
    /// The audit of corrections (reverts, alias moves, merges), newest first.
    Corrections {
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
        /// How many corrections to list.
        #[arg(long, default_value_t = 100)]
        limit: u64,
    },
    /// Open the operations console.
    Console {
        files: Vec<PathBuf>,
        #[arg(long, value_enum)]
        start: Option<StartMode>,
    },
}

/// Knobs shared by import and resume.
#[derive(Debug, Clone, Args)]
pub struct Tuning {
    /// Lines per chunk (batch mode).
    #[arg(long, default_value_t = DEFAULT_CHUNK_SIZE, value_parser = parse_chunk_size)]
    pub chunk_size: usize,
    /// How a failing chunk is isolated: bisect (halves, recursively) or sequential (item by item).
    #[arg(long, default_value = "bisect", value_parser = parse_fallback)]
    pub fallback: FallbackStrategy,
    /// Minimum word score (0–1) of an automatic match (every attribute must agree as well; see
    /// README "How matching decides").
    #[arg(long, default_value_t = crate::mapping::DEFAULT_MATCH_THRESHOLD, value_parser = parse_threshold)]
    pub match_threshold: f32,
    /// What to do with a line the matcher cannot decide: hold it for review (`batchops review
    /// list`) or create a new item.
    #[arg(long, value_enum, default_value = "hold")]
    pub uncertain: UncertainArg,
    /// Stop the run when more than N lines (or P% of lines) failed: --max-errors 100 or 5%.
    #[arg(long, value_parser = parse_budget)]
    pub max_errors: Option<ErrorBudget>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum UncertainArg {
    /// Hold review-band lines: they land nowhere until an operator decides.
    #[default]
    Hold,
    /// Create a new item for a review-band line.
    Create,
}

impl From<UncertainArg> for crate::mapping::Uncertain {
    fn from(u: UncertainArg) -> Self {
        match u {
            UncertainArg::Hold => crate::mapping::Uncertain::Hold,
            UncertainArg::Create => crate::mapping::Uncertain::Create,
        }
    }
}

fn parse_threshold(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(t) if (crate::mapping::REVIEW_FLOOR..=1.0).contains(&t) => Ok(t),
        _ => Err(format!(
            "{s:?} is not a threshold from {} to 1",
            crate::mapping::REVIEW_FLOOR
        )),
    }
}

fn parse_chunk_size(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=100_000).contains(&n) => Ok(n),
        _ => Err(format!("{s:?} is not a chunk size from 1 to 100000")),
    }
}

fn parse_fallback(s: &str) -> Result<FallbackStrategy, String> {
    s.parse()
}

fn parse_budget(s: &str) -> Result<ErrorBudget, String> {
    s.parse()
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// batch (default): collect-then-batch; sequential: one transaction per item (the baseline).
    #[arg(long, value_enum, default_value_t)]
    pub mode: ModeArg,
    #[command(flatten)]
    pub tuning: Tuning,
    /// Idempotency key of the batch (default: SHA-256 of the file's bytes).
    #[arg(long)]
    pub import_key: Option<String>,
    /// Who runs the import (default: $USER).
    #[arg(long)]
    pub operator: Option<String>,
    /// Input format, when the extension does not tell.
    #[arg(long, value_enum)]
    pub format_in: Option<InputFormatArg>,
    /// Report format.
    #[arg(long, value_enum, default_value_t)]
    pub format: TextOrJson,
    /// Run the whole pipeline in transactions that are rolled back: report what would happen.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of line items.
    #[arg(long)]
    pub lines: u64,
    /// Number of distinct products.
    #[arg(long, default_value_t = 1000)]
    pub items: u64,
    /// Share of bad lines, 0 to 1.
    #[arg(long, default_value_t = 0.0)]
    pub bad_ratio: f64,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[arg(long, value_enum, default_value = "csv")]
    pub format: GenFormatArg,
    /// Write to this file instead of stdout.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GenFormatArg {
    Csv,
    Jsonl,
}

#[derive(Debug, Subcommand)]
pub enum AliasesCommand {
    /// Every alias: its item, how it was learned, the lines and quantity landed through it.
    List {
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
    /// Point ALIAS at SKU and move the stock of every line that landed through it there.
    Move {
        alias: String,
        /// The right item.
        #[arg(long)]
        to: String,
        #[arg(long)]
        operator: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
    /// Forget ALIAS: later lines are matched afresh; what landed stays where it is.
    Forget {
        alias: String,
        #[arg(long)]
        operator: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
}

#[derive(Debug, Subcommand)]
pub enum ItemsCommand {
    /// Move the transactions, quantity and aliases of FROM_SKU to SKU and retire FROM_SKU.
    Merge {
        from_sku: String,
        /// The item that stays.
        #[arg(long)]
        into: String,
        #[arg(long)]
        operator: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
}
