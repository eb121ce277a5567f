//! What an import is asked to do.

use crate::domain::Mode;
use crate::input::{InputFormat, ReadSettings};
use crate::mapping::DEFAULT_MATCH_THRESHOLD;
use std::fmt;
use std::str::FromStr;

/// Lines per chunk (one transaction each) unless `--chunk-size` says otherwise.
///
/// Chosen from the chunk-size curve of `cargo bench --bench throughput` (its section 5; the
/// measurements are in docs/benchmarks.md, "The default chunk size"): below 1,000 the per-chunk
/// round trips and commits dominate, and 10,000 gains nothing over 5,000. A chunk of 5,000 is
/// still a small transaction: about 0.1 s of locks on PostgreSQL, a few MB in flight, and what a
/// crash or a data error makes redo.
pub const DEFAULT_CHUNK_SIZE: usize = 5_000;

/// How a chunk whose batch write failed with a data error is isolated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FallbackStrategy {
    /// Split the chunk in halves and write each half as a batch, recursively, down to the bad lines:
    /// about 2·log2(n) writes per bad line instead of n (about 3 where the database tells how far a
    /// failed write got), all in one transaction with a savepoint per part.
    ///
    /// The default, from measurement (`cargo bench --bench throughput`, 100,000 lines with 1% of
    /// them rejected by a trigger, every chunk holding bad lines, chunk 1,000): bisect 35.6k items/s
    /// on SQLite and 13.0k on PostgreSQL, item by item 2.1k and 0.46k (every line its own
    /// transaction, and on PostgreSQL its own commit flush).
    #[default]
    Bisect,
    /// Write every line of the chunk on its own, the way the original pattern does.
    Sequential,
}

impl FromStr for FallbackStrategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "bisect" => Ok(Self::Bisect),
            "sequential" => Ok(Self::Sequential),
            _ => Err(format!("unknown fallback {s:?}: use bisect or sequential")),
        }
    }
}

/// The error budget of `--max-errors`: a count, or a share of the lines read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ErrorBudget {
    Count(u64),
    /// Percent of lines read (checked once at least 100 lines were read, or at the end).
    Percent(f64),
}

impl ErrorBudget {
    /// Whether `failed` errors out of `read` lines spend the budget.
    pub fn exceeded(&self, failed: u64, read: u64) -> bool {
        match *self {
            ErrorBudget::Count(n) => failed > n,
            ErrorBudget::Percent(p) => read >= 100 && (failed as f64) * 100.0 > p * read as f64,
        }
    }
}

impl FromStr for ErrorBudget {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if let Some(p) = s.strip_suffix('%') {
            let p: f64 = p
                .trim()
                .parse()
                .map_err(|_| format!("{s:?} is not a percentage"))?;
            if !(0.0..=100.0).contains(&p) {
                return Err(format!("{s:?} is not between 0% and 100%"));
            }
            Ok(ErrorBudget::Percent(p))
        } else {
            s.parse()
                .map(ErrorBudget::Count)
                .map_err(|_| format!("{s:?} is not a count or a percentage like 5%"))
        }
    }
}

impl fmt::Display for ErrorBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorBudget::Count(1) => write!(f, "1 error"),
            ErrorBudget::Count(n) => write!(f, "{n} errors"),
            ErrorBudget::Percent(p) => write!(f, "{p}% of lines"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub mode: Mode,
    pub chunk_size: usize,
    pub import_key: Option<String>,
    pub operator: String,
    pub format: Option<InputFormat>,
    pub fallback: FallbackStrategy,
    pub match_threshold: f32,
    /// What the mapper does with review-band lines.
    pub uncertain: crate::mapping::Uncertain,
    pub max_errors: Option<ErrorBudget>,
    pub dry_run: bool,
    /// A rehearsal run (compare): marked as such in the history.
    pub rehearsal: bool,
    /// Continue this run instead of starting a new one.
    pub resume_run: Option<i64>,
    /// Read at most this many lines (rehearsals of long files).
    pub max_lines: Option<u64>,
    /// What the operator settled about how the file is written (`--decimal`, `--delimiter`…).
    pub reading: ReadSettings,
    /// The answer to a file that overlaps earlier runs (`--only-new`, `--as-new-invoice`); without
    /// one such a file is refused (see `engine::overlap`).
    pub resent: Option<super::overlap::Answer>,
    /// The invoice header the operator gave (flags over the supplier profile); the file's title
    /// rows fill in what they leave out.
    pub invoice: crate::domain::InvoiceHeader,
    /// Whose numbers the SKU column holds; unset: the supplier's when the operator named one
    /// ([`ImportOptions::parts_supplier`]).
    pub sku_column: Option<crate::input::profile::SkuColumn>,
    /// Keep every line's decision with the candidates weighed for it in the report
    /// (`import --explain`).
    pub explain: bool,
    /// Time the process spent before it asked for this run (its start, opening the database and
    /// its migrations): counted in the run's start-up phase, so its items/s covers the process.
    pub startup: std::time::Duration,
}

impl ImportOptions {
    /// The supplier whose part numbers the SKU column holds, or `None` when it holds our SKUs:
    /// with a supplier given (flag or profile) the SKU column holds that supplier's part numbers
    /// unless `sku_column = "ours"` says otherwise. A supplier read only from the file's title
    /// rows does not change how the SKU column is read.
    pub fn parts_supplier(&self) -> Option<&str> {
        use crate::input::profile::SkuColumn;
        let supplier = self.invoice.supplier.as_deref()?;
        match self.sku_column.unwrap_or(SkuColumn::Supplier) {
            SkuColumn::Supplier => Some(supplier),
            SkuColumn::Ours => None,
        }
    }
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            mode: Mode::Batch,
            chunk_size: DEFAULT_CHUNK_SIZE,
            import_key: None,
            operator: default_operator(),
            format: None,
            fallback: FallbackStrategy::default(),
            match_threshold: DEFAULT_MATCH_THRESHOLD,
            uncertain: crate::mapping::Uncertain::Hold,
            max_errors: None,
            dry_run: false,
            rehearsal: false,
            resume_run: None,
            startup: std::time::Duration::ZERO,
            max_lines: None,
            reading: ReadSettings::default(),
            resent: None,
            invoice: crate::domain::InvoiceHeader::default(),
            sku_column: None,
            explain: false,
        }
    }
}

static DEFAULT_OPERATOR: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Make `name` the operator of commands that name none (the binary's settings, read once at
/// start: the settings file's `operator`, else the login name); later calls keep the first.
pub fn install_default_operator(name: String) {
    let _ = DEFAULT_OPERATOR.set(name);
}

/// Whoever runs the import when no operator is named: [`install_default_operator`]'s, else
/// `operator`.
pub fn default_operator() -> String {
    DEFAULT_OPERATOR
        .get()
        .cloned()
        .unwrap_or_else(|| "operator".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_parse_and_trip() {
        assert_eq!("5".parse::<ErrorBudget>().unwrap(), ErrorBudget::Count(5));
        assert_eq!(
            "2.5%".parse::<ErrorBudget>().unwrap(),
            ErrorBudget::Percent(2.5)
        );
        assert!("x".parse::<ErrorBudget>().is_err());
        assert!("150%".parse::<ErrorBudget>().is_err());
        assert!(!ErrorBudget::Count(5).exceeded(5, 10));
        assert!(ErrorBudget::Count(5).exceeded(6, 10));
        assert!(!ErrorBudget::Percent(10.0).exceeded(9, 50));
        assert!(ErrorBudget::Percent(10.0).exceeded(11, 100));
    }
}

/// How one file is to be read and whose it is, as `batchops import`'s flags say it (the console's
/// import screen says the same): each wins over the supplier profile.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileChoices {
    /// `--decimal`, `--delimiter`, `--encoding`, `--header-row`.
    pub reading: ReadSettings,
    /// `--profile NAME`; `None`: the one saved profile whose header matches, if exactly one does.
    pub profile: Option<String>,
    /// `--supplier`, `--invoice-number`, `--invoice-date`, `--currency`.
    pub invoice: crate::domain::InvoiceHeader,
    /// `--sku-column`.
    pub sku_column: Option<crate::input::profile::SkuColumn>,
}

impl ImportOptions {
    /// These options for `path` read with `choices`: the profile named (else the one picked by
    /// the file's header) under the flags. Also returns the note saying which profile was picked
    /// (or why none). `Err`: the profile named cannot be read.
    pub fn for_file(
        &self,
        path: &std::path::Path,
        choices: &FileChoices,
    ) -> Result<(ImportOptions, Option<String>), String> {
        let (reading, profile, note) = crate::input::choose_profile(
            path,
            self.format,
            &choices.reading,
            choices.profile.as_deref(),
        )?;
        let from_profile = crate::domain::InvoiceHeader {
            supplier: profile.as_ref().and_then(|p| p.supplier.clone()),
            ..crate::domain::InvoiceHeader::default()
        };
        let opts = ImportOptions {
            reading,
            invoice: choices.invoice.clone().or(from_profile),
            sku_column: choices.sku_column.or(profile.and_then(|p| p.sku_column)),
            ..self.clone()
        };
        Ok((opts, note))
    }
}
