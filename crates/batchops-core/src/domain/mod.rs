//! The vocabulary of batchops: line items as read, mapping decisions, failures and the run report.
//! Nothing here talks to a database or a terminal.

pub mod decimal;
pub mod fingerprint;
pub mod invoice;
pub mod line;
pub mod line_state;
pub mod report;
pub mod run_rules;

pub use invoice::InvoiceHeader;
pub use line::{Fields, LineError, LineItem, LineResult};
pub use report::{
    Candidate, DecisionCounts, FailedLine, LineExplanation, MappingDecision, Mode, Phase,
    PhaseReport, RunReport, RunStatus,
};
