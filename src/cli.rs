//! The command line.

use crate::engine::{DEFAULT_CHUNK_SIZE, ErrorBudget, FallbackStrategy};
use crate::input::decode::TextEncoding;
use crate::input::{DecimalMark, InputFormat, ReadSettings};
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
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Option<Command>,

    /// Batch files to load into the console.
    pub files: Vec<PathBuf>,

    /// Start the first loaded batch at once in this mode (console): batch or sequential.
    #[arg(long, value_enum)]
    pub start: Option<StartMode>,
}

/// The settings every command takes. Each is also read from the environment and from the
/// settings file; `batchops config` shows the ones in effect and where each came from.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Database URL (sqlite:PATH or postgres://…). Default: sqlite:batchops.db in the current directory.
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// An operator's matching lexicon (TOML, the shape of crates/batchops-core/src/mapping/lexicon.toml) that extends the
    /// shipped one: abbreviations, synonyms, units, colours, kinds.
    #[arg(long, global = true, env = "BATCHOPS_LEXICON", value_name = "FILE")]
    pub lexicon: Option<PathBuf>,

    /// The settings file (TOML). Default: config.toml in the configuration directory.
    #[arg(long, global = true, env = "BATCHOPS_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// The configuration directory: the settings file, supplier profiles, header synonyms.
    /// Default: the user's configuration directory for batchops.
    #[arg(long, global = true, env = "BATCHOPS_CONFIG_DIR", value_name = "DIR")]
    pub config_dir: Option<PathBuf>,

    /// Where the catalog read from the database is kept between runs, so a run reads only the
    /// items added since: a directory, or `off`. Default: the user's cache directory for batchops.
    #[arg(
        long,
        global = true,
        env = "BATCHOPS_CATALOG_CACHE",
        value_name = "DIR|off"
    )]
    pub catalog_cache: Option<PathBuf>,

    /// The most bytes read from a pipe (`-`, a FIFO): 500M, 2G, 1048576. Default: 1G.
    #[arg(long, global = true, env = "BATCHOPS_SPOOL_LIMIT", value_name = "SIZE")]
    pub spool_limit: Option<String>,

    /// The longest wait, in seconds, for a pipe to bring a byte. Default: 60.
    #[arg(
        long,
        global = true,
        env = "BATCHOPS_PIPE_WAIT",
        value_name = "SECONDS"
    )]
    pub pipe_wait: Option<String>,

    /// The console writes its log to this file (it keeps the terminal to itself).
    #[arg(long, global = true, env = "BATCHOPS_LOG_FILE", value_name = "FILE")]
    pub log_file: Option<PathBuf>,

    /// A running run whose heartbeat is older than this many seconds is shown as interrupted.
    #[arg(
        long,
        global = true,
        env = "BATCHOPS_STALE_AFTER_SECONDS",
        value_name = "SECONDS",
        hide = true
    )]
    pub stale_after_seconds: Option<String>,

    /// Print only the command's result and errors: no notes, no progress, no warnings.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Say more on stderr: progress lines of headless runs and informational logs (-vv: debug,
    /// -vvv: trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// The shells `batchops completions` writes a script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShellArg {
    /// Bash (bash-completion).
    Bash,
    /// Zsh (a `_batchops` function for `$fpath`).
    Zsh,
    /// Fish.
    Fish,
    /// Elvish.
    Elvish,
    /// PowerShell.
    Powershell,
}

impl From<ShellArg> for clap_complete::Shell {
    fn from(s: ShellArg) -> Self {
        match s {
            ShellArg::Bash => Self::Bash,
            ShellArg::Zsh => Self::Zsh,
            ShellArg::Fish => Self::Fish,
            ShellArg::Elvish => Self::Elvish,
            ShellArg::Powershell => Self::PowerShell,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StartMode {
    /// Collect-then-batch: one insert and one inventory update per chunk.
    Batch,
    /// One transaction per line (the baseline).
    Sequential,
}

impl From<StartMode> for crate::domain::Mode {
    fn from(mode: StartMode) -> Self {
        match mode {
            StartMode::Batch => Self::Batch,
            StartMode::Sequential => Self::Sequential,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ModeArg {
    /// Collect-then-batch: one insert and one inventory update per chunk.
    #[default]
    Batch,
    /// One transaction per line (the baseline).
    Sequential,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormatArg {
    /// A header row, then one line item per row.
    Csv,
    /// One invoice object with a `line_items` array.
    Json,
    /// One line item object per line (JSON Lines).
    Jsonl,
    /// A workbook (.xlsx, .xlsm, .xls, .ods): the first sheet with a header row.
    Sheet,
}

impl From<InputFormatArg> for InputFormat {
    fn from(f: InputFormatArg) -> Self {
        match f {
            InputFormatArg::Csv => InputFormat::Csv,
            InputFormatArg::Json => InputFormat::Json,
            InputFormatArg::Jsonl => InputFormat::Jsonl,
            InputFormatArg::Sheet => InputFormat::Sheet,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum TextOrJson {
    /// Tables for people.
    #[default]
    Text,
    /// JSON for scripts.
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

/// The headless commands. A new command follows the same rules as the others (they are what the
/// tests in `tests/it/cli.rs` check):
///
/// - every argument and value has a doc comment: it is the `--help` text (a unit test below fails
///   on one without);
/// - output goes through [`crate::commands::output::stdout`] (or `destination` for `-o FILE`, with
///   the flags of [`OutputFile`]), written with `write!` and `?`, never `print!`: a closed pipe
///   then ends the command quietly with exit 141; notes for the operator go through
///   `output::note`, never `eprintln!`;
/// - a value the parser cannot check (a range, options that exclude each other) is refused with
///   [`crate::commands::UsageError`] (exit 64) before anything is written.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import batch files (one run per file).
    ///
    /// One writer per run: refused at once while another command writes under the same import key
    /// (the refusal names it: run, command, operator, since when); waits up to 20 s for a merge or
    /// alias correction to finish.
    Import(ImportArgs),
    /// Continue an interrupted, cancelled or aborted run.
    ///
    /// One writer per run: refused at once while another command writes under the same import key
    /// (the refusal names it: run, command, operator, since when); waits up to 20 s for a merge or
    /// alias correction to finish.
    Resume {
        /// The run to continue (see `batchops runs`).
        run_id: i64,
        #[command(flatten)]
        tuning: Tuning,
        /// Report format.
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
    /// List inventory items with their quantities.
    Inventory {
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
    /// List import runs, newest first.
    Runs {
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
        /// How many runs to list.
        #[arg(long, default_value_t = 50)]
        limit: u64,
    },
    /// Show the failed lines of a run (csv: a reject file to fix and import again).
    Failed {
        /// The run whose failed lines to show (see `batchops runs`).
        run_id: i64,
        /// Output format (csv: the reject file).
        #[arg(long, value_enum, default_value_t)]
        format: OutputFormat,
        /// Only items not resolved by a retry.
        #[arg(long)]
        unresolved: bool,
        #[command(flatten)]
        output: OutputFile,
    },
    /// Re-process a run's unresolved failed lines one at a time.
    ///
    /// One writer per run: refused at once while another command writes under the same import key
    /// (the refusal names it: run, command, operator, since when); waits up to 20 s for a merge or
    /// alias correction to finish.
    Retry {
        /// The run whose failed lines to retry (see `batchops runs`).
        run_id: i64,
        /// Only this line (repeatable).
        #[arg(long = "line")]
        lines: Vec<u64>,
        /// Who runs the retry (default: $USER).
        #[arg(long)]
        operator: Option<String>,
        /// Report format.
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
    /// Rehearse a file in batch and in sequential mode on a scratch copy of the catalog and compare.
    Compare {
        /// The batch file to rehearse.
        file: PathBuf,
        /// Lines per chunk of the batch rehearsal.
        #[arg(long, default_value_t = DEFAULT_CHUNK_SIZE, value_parser = parse_chunk_size)]
        chunk_size: usize,
        /// Stop the sequential rehearsal after this many lines (it is the slow one).
        #[arg(long)]
        sequential_lines: Option<u64>,
        /// Input format, when the extension does not tell.
        #[arg(long, value_enum)]
        format_in: Option<InputFormatArg>,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
    /// Lines held for review: list them, decide them.
    Review {
        #[command(subcommand)]
        command: ReviewCommand,
    },
    /// Learned aliases: list them, move one (and its stock) to the right item, forget one, check
    /// them against the matching rules.
    Aliases {
        #[command(subcommand)]
        command: AliasesCommand,
    },
    /// Write a synthetic batch (repeated items, spelling variants, bad lines) for rehearsals.
    Generate(GenerateArgs),
    /// Undo a run: its transactions removed and exactly their quantities subtracted.
    ///
    /// One writer per run: refused at once while another command writes under the same import key
    /// (the refusal names it: run, command, operator, since when); waits up to 20 s for a merge or
    /// alias correction to finish.
    Revert {
        /// The run to revert (`batchops runs`).
        run_id: i64,
        /// Who makes the correction (default: $USER).
        #[arg(long)]
        operator: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
    /// Inventory items: merge two items that are one.
    Items {
        #[command(subcommand)]
        command: ItemsCommand,
    },
    /// The audit of corrections (reverts, alias moves, merges), newest first.
    Corrections {
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
        /// How many corrections to list.
        #[arg(long, default_value_t = 100)]
        limit: u64,
    },
    /// Show how a batch file will be read: encoding, delimiter, header row, column mapping, number
    /// convention, the first rows as they will be read, and anything ambiguous.
    Inspect {
        /// The batch file to look at.
        file: PathBuf,
        /// Input format, when the extension does not tell.
        #[arg(long, value_enum)]
        format_in: Option<InputFormatArg>,
        #[command(flatten)]
        reading: ReadArgs,
        /// Read the file with this saved supplier profile (default: the one whose header matches).
        #[arg(long, value_name = "NAME")]
        profile: Option<String>,
        /// Save how the file was read as a supplier profile NAME (TOML in the configuration
        /// directory, $BATCHOPS_CONFIG_DIR to override).
        #[arg(long, value_name = "NAME")]
        save_profile: Option<String>,
        /// The supplier, written into a saved profile.
        #[arg(long, requires = "save_profile")]
        supplier: Option<String>,
        /// Whose part numbers the SKU column holds, written into a saved profile.
        #[arg(long, value_enum, requires = "save_profile")]
        sku_column: Option<SkuColumnArg>,
        /// How many rows to show as they will be read.
        #[arg(long, default_value_t = 5)]
        rows: usize,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
    /// Print each setting in effect and where it came from: flag, environment, settings file or
    /// default (a database password is never shown).
    Config {
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
    /// Print a completion script for a shell (e.g. `batchops completions bash > ~/.local/share/bash-completion/completions/batchops`).
    Completions {
        /// The shell.
        shell: ShellArg,
    },
    /// Print the manual page (roff), e.g. `batchops man | man -l -`.
    Man,
    /// Open the operations console.
    Console {
        /// Batch files to load into the console (a directory loads its batch files).
        files: Vec<PathBuf>,
        /// Start the first loaded batch at once in this mode: batch or sequential.
        #[arg(long, value_enum)]
        start: Option<StartMode>,
    },
}

/// `-o FILE` and `--force`, for every command that can write its output to a file. Open the
/// destination with [`crate::commands::output::destination`]: an existing file is refused unless
/// `--force` is given.
#[derive(Debug, Clone, Default, Args)]
pub struct OutputFile {
    /// Write to this file instead of stdout (an existing file is refused unless --force).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub path: Option<PathBuf>,
    /// Overwrite the -o file if it exists.
    #[arg(long, requires = "path")]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SkuColumnArg {
    /// Our own SKUs.
    Ours,
    /// The supplier's part numbers.
    Supplier,
}

impl From<SkuColumnArg> for crate::input::profile::SkuColumn {
    fn from(a: SkuColumnArg) -> Self {
        match a {
            SkuColumnArg::Ours => Self::Ours,
            SkuColumnArg::Supplier => Self::Supplier,
        }
    }
}

/// The invoice a batch is, kept with its run (each wins over the supplier profile and the file's
/// title rows).
#[derive(Debug, Clone, Default, Args)]
pub struct InvoiceArgs {
    /// The supplier. With a supplier (here or in the profile) the SKU column holds that
    /// supplier's part numbers, mapped through its cross-references, unless --sku-column ours.
    #[arg(long, value_name = "NAME")]
    pub supplier: Option<String>,
    /// The invoice's number.
    #[arg(long, value_name = "NUMBER")]
    pub invoice_number: Option<String>,
    /// The invoice's date: 2026-12-03, 03.12.2026 or 03/12/2026 (day first).
    #[arg(long, value_name = "DATE", value_parser = crate::input::invoice_header::parse_date)]
    pub invoice_date: Option<String>,
    /// The invoice's currency: a three-letter code (EUR) or a symbol (€, $, £).
    #[arg(long, value_parser = crate::input::invoice_header::parse_currency)]
    pub currency: Option<String>,
    /// Whose numbers the SKU column holds (default: the supplier's when a supplier is given by
    /// flag or profile, else ours).
    #[arg(long, value_enum)]
    pub sku_column: Option<SkuColumnArg>,
}

impl InvoiceArgs {
    pub fn header(&self) -> crate::domain::InvoiceHeader {
        crate::domain::InvoiceHeader {
            supplier: self.supplier.clone(),
            invoice_number: self.invoice_number.clone(),
            invoice_date: self.invoice_date.clone(),
            currency: self.currency.clone(),
        }
    }
}

/// How a supplier's file is read, where detection needs help (each wins over what is detected).
#[derive(Debug, Clone, Default, Args)]
pub struct ReadArgs {
    /// The decimal mark of the file's numbers, comma or point (settles a file where `1.200` could
    /// be 1200 or 1.2).
    #[arg(long, value_parser = parse_decimal)]
    pub decimal: Option<DecimalMark>,
    /// The character between cells: , ; | or tab (default: detected).
    #[arg(long, value_parser = parse_delimiter)]
    pub delimiter: Option<char>,
    /// The text encoding: utf-8, utf-16le, utf-16be or windows-1252 (default: detected).
    #[arg(long, value_parser = parse_encoding)]
    pub encoding: Option<TextEncoding>,
    /// The header's row, counting from 1 the rows that are not blank (default: the first row that
    /// names the columns).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_row: Option<u64>,
}

impl ReadArgs {
    pub fn settings(&self) -> ReadSettings {
        ReadSettings {
            decimal: self.decimal,
            delimiter: self.delimiter,
            encoding: self.encoding,
            header_row: self.header_row.map(|n| n as usize),
            ..ReadSettings::default()
        }
    }
}

fn parse_decimal(s: &str) -> Result<DecimalMark, String> {
    s.parse()
}

fn parse_encoding(s: &str) -> Result<TextEncoding, String> {
    s.parse()
}

fn parse_delimiter(s: &str) -> Result<char, String> {
    match s {
        "," | "comma" => Ok(','),
        ";" | "semicolon" => Ok(';'),
        "|" | "pipe" => Ok('|'),
        "\\t" | "\t" | "tab" => Ok('\t'),
        _ => Err(format!("unknown delimiter {s:?}: use , ; | or tab")),
    }
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
    /// docs/matching.md).
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

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// The held lines not decided yet (with --all, the decided ones too).
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
        /// Include the lines decided already.
        #[arg(long)]
        all: bool,
    },
    /// One held line and the open lines of the same description: each line as the file wrote it,
    /// why it is held, and every candidate with its evidence (model codes, attributes agreed,
    /// differing or stated on one side only, word score).
    Show {
        /// The held line's id (`review list`).
        id: i64,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
    /// Decide a held line and every open line of the same description: an item, a new item, or
    /// none of the candidates.
    ///
    /// One writer per run: refused at once while another command writes under the same import key
    /// (the refusal names it: run, command, operator, since when); waits up to 20 s for a merge or
    /// alias correction to finish.
    #[command(group(clap::ArgGroup::new("choice").required(true).args(["item", "new", "reject"])))]
    Decide {
        /// The held line's id (`review list`).
        id: i64,
        /// Land the lines on this existing item.
        #[arg(long, value_name = "SKU")]
        item: Option<String>,
        /// Create a new item for them (SKU and name default to a generated SKU and the description).
        #[arg(long)]
        new: bool,
        /// The new item's SKU (with --new).
        #[arg(long, requires = "new")]
        sku: Option<String>,
        /// The new item's name (with --new).
        #[arg(long, requires = "new")]
        name: Option<String>,
        /// None of these: the candidates are never proposed for this description again and the
        /// lines are mapped once more.
        #[arg(long)]
        reject: bool,
        /// Who decides (default: the login name).
        #[arg(long)]
        operator: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
}

#[derive(Debug, Subcommand)]
pub enum AliasesCommand {
    /// Aliases learned by the old matcher that the matching rules would not accept, with the lines
    /// and quantity that landed through each (where stock may sit on the wrong item).
    Check {
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
    /// Every alias: its item, how it was learned, the lines and quantity landed through it.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
    /// Point ALIAS at SKU and move the stock of every line that landed through it there.
    ///
    /// One writer at a time: refused at once while any import, resume, retry, review decision,
    /// reject-file import or revert is writing (the refusal names it).
    Move {
        /// The alias as listed, or the description as written on an invoice (with --supplier:
        /// the supplier's part number).
        alias: String,
        /// ALIAS is this supplier's part number: point its cross-reference at SKU and move the
        /// stock of every line that landed through it.
        #[arg(long, value_name = "NAME")]
        supplier: Option<String>,
        /// The right item.
        #[arg(long, value_name = "SKU")]
        to: String,
        /// Who makes the correction (default: $USER).
        #[arg(long)]
        operator: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
    /// Forget ALIAS: later lines are matched afresh; what landed stays where it is.
    ///
    /// One writer at a time: refused at once while any import, resume, retry, review decision,
    /// reject-file import or revert is writing (the refusal names it).
    Forget {
        /// The alias as listed, or the description as written on an invoice (with --supplier:
        /// the supplier's part number).
        alias: String,
        /// ALIAS is this supplier's part number: forget its cross-reference.
        #[arg(long, value_name = "NAME")]
        supplier: Option<String>,
        /// Who makes the correction (default: $USER).
        #[arg(long)]
        operator: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
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
    #[command(flatten)]
    pub reading: ReadArgs,
    #[command(flatten)]
    pub invoice: InvoiceArgs,
    /// Read the files with this saved supplier profile (default: for each file, the one saved
    /// profile whose header matches its header, if there is exactly one).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// A file that overlaps earlier imports (the same invoice, or most of its lines landed
    /// already): land only its new lines, hold the changed ones for review, skip the identical
    /// ones. Without this or --as-new-invoice such a file is refused.
    #[arg(long, conflicts_with = "as_new_invoice")]
    pub only_new: bool,
    /// A file that overlaps earlier imports: import every line anyway, as another invoice.
    #[arg(long)]
    pub as_new_invoice: bool,
    /// Explain every line's decision in the report: the candidates weighed, the evidence for each
    /// (model codes, attributes agreed, differing or on one side, word score) and the rule that
    /// took, held or rejected it, for created items too.
    #[arg(long)]
    pub explain: bool,
    /// The batch files to import (one run each, in the order given). `-` is standard input; a
    /// pipe (`-`, a FIFO, `<(…)`) is read once into a temporary file first (with --format-in).
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
    /// Seed of the random choices: the same seed and options give the same file, byte for byte.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// File format to write.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: GenFormatArg,
    #[command(flatten)]
    pub output: OutputFile,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GenFormatArg {
    /// A header row, then one line item per row.
    Csv,
    /// One line item object per line (JSON Lines).
    Jsonl,
}

#[derive(Debug, Subcommand)]
pub enum ItemsCommand {
    /// Move the transactions, quantity and aliases of FROM_SKU to SKU and retire FROM_SKU.
    ///
    /// One writer at a time: refused at once while any import, resume, retry, review decision,
    /// reject-file import or revert is writing (the refusal names it).
    Merge {
        /// The item that goes (retired, kept for history).
        from_sku: String,
        /// The item that stays.
        #[arg(long, value_name = "SKU")]
        into: String,
        /// Who makes the correction (default: $USER).
        #[arg(long)]
        operator: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every argument and every value of every command says what it is for, in `--help`.
    #[test]
    fn every_argument_has_a_help_text() {
        fn check(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if arg.is_hide_set() || id == "help" || id == "version" {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
                let values = if arg.get_action().takes_values() {
                    arg.get_possible_values()
                } else {
                    Vec::new() // a switch: its true/false need no words
                };
                for v in values {
                    if !v.is_hide_set() && v.get_help().is_none() {
                        missing.push(format!("{path} {id}={}", v.get_name()));
                    }
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_name() == "help" {
                    continue;
                }
                if sub.get_about().is_none() {
                    missing.push(format!("{path} {}: no about", sub.get_name()));
                }
                check(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        check(&Cli::command(), "batchops", &mut missing);
        assert!(missing.is_empty(), "without a help text: {missing:?}");
    }
}
