//! JSON of a run's report as the headless commands print it.
//!
//! A report lists at most 1,000 failed items (the engine's `REPORT_FAILED_LIMIT`; all of them are
//! in the dead-letter table). The JSON says how many the list leaves out
//! (`failed_items_omitted`) and which command lists every one (`failed_items_command`).

use crate::domain::RunReport;
use serde::Serialize;

/// How many failed items of the run the report's `failed_items` list leaves out.
pub fn omitted_failed_items(r: &RunReport) -> u64 {
    r.items_failed.saturating_sub(r.failed_items.len() as u64)
}

/// The run whose failed items hold this report's failures: the run itself, `None` for a dry run
/// (its writes, failed items included, were rolled back). A retry's failures stay on the run it
/// retried: pass that run to [`RunReportJson::new`] and [`super::run_report_listing`] instead.
pub fn failed_items_run(r: &RunReport) -> Option<i64> {
    (!r.dry_run).then_some(r.run_id)
}

/// The command that lists every failed item of `run`.
pub fn failed_items_command(run: i64) -> String {
    format!("batchops failed {run} --format json")
}

/// A run's report with the two fields about the capped failed-items list.
#[derive(Debug, Serialize)]
pub struct RunReportJson<'a> {
    #[serde(flatten)]
    pub report: &'a RunReport,
    /// Failed items not in `failed_items` (0 when the list is complete).
    pub failed_items_omitted: u64,
    /// The command that lists them all (absent for a dry run, which keeps none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_items_command: Option<String>,
}

impl<'a> RunReportJson<'a> {
    /// `listing`: the run whose failed items hold the report's failures (see [`failed_items_run`]).
    pub fn new(report: &'a RunReport, listing: Option<i64>) -> Self {
        Self {
            report,
            failed_items_omitted: omitted_failed_items(report),
            failed_items_command: listing.map(failed_items_command),
        }
    }
}

/// A comparison's JSON, each side with its `failed_items_omitted` (a rehearsal's failed items
/// were written to its scratch copy, which is gone: there is no command to list them).
pub fn comparison_json(c: &crate::engine::Comparison) -> serde_json::Result<serde_json::Value> {
    let mut v = serde_json::to_value(c)?;
    for (side, r) in [
        ("batch", &c.batch.report),
        ("sequential", &c.sequential.report),
    ] {
        if let Some(obj) = v.get_mut(side).and_then(|s| s.as_object_mut()) {
            obj.insert(
                "failed_items_omitted".into(),
                omitted_failed_items(r).into(),
            );
        }
    }
    Ok(v)
}
