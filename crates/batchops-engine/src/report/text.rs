//! Plain-text tables for people at a terminal.

use super::escape_control;
use crate::domain::RunReport;
use crate::store::{FailedRow, InventoryRow, RunRow};
use std::fmt::Write;

/// The report of one run: a per-phase table (like pgloader's summary) and the failed lines.
pub fn run_report(r: &RunReport) -> String {
    run_report_listing(r, super::failed_items_run(r))
}

/// [`run_report`], naming `listing` as the run whose failed items hold the ones the report leaves
/// out (a retry's failures stay on the run it retried; `None`: a dry run, which keeps none).
pub fn run_report_listing(r: &RunReport, listing: Option<i64>) -> String {
    let mut s = String::new();
    if !r.explained.is_empty() {
        let _ = writeln!(s, "decisions, line by line:");
        for e in &r.explained {
            for line in e.text().lines() {
                let _ = writeln!(s, "{}", escape_control(line));
            }
        }
        s.push('\n');
    }
    let dry = if r.dry_run {
        " (dry run: nothing was kept)"
    } else {
        ""
    };
    let _ = writeln!(s, "{}{dry}", escape_control(&r.source));
    let _ = writeln!(
        s,
        "run {} · {} · import key {} · status {}",
        r.run_id,
        r.mode,
        short_key(&r.import_key),
        r.status
    );
    if let Some(invoice) = invoice_line(&r.invoice) {
        let _ = writeln!(s, "invoice: {}", escape_control(&invoice));
    }
    if let Some(reason) = &r.stop_reason {
        let _ = writeln!(s, "stopped: {}", escape_control(reason));
    }
    let _ = writeln!(
        s,
        "  {:<18} {:>10} {:>10} {:>11}",
        "phase", "seconds", "lines", "statements"
    );
    for p in &r.phases {
        let _ = writeln!(
            s,
            "  {:<18} {:>10.3} {:>10} {:>11}",
            p.name.as_str(),
            p.seconds,
            p.items,
            p.statements
        );
    }
    let _ = writeln!(
        s,
        "  {:<18} {:>10.3} {:>10} {:>11}",
        "total", r.processing_time_seconds, r.items_total, r.statements_executed
    );
    let _ = writeln!(
        s,
        "lines: {} read, {} imported, {} already imported, {} failed, {} held · {:.0} lines/s · {} chunks committed",
        r.items_total,
        r.items_processed,
        r.items_already_imported,
        r.items_failed,
        r.items_held,
        r.items_per_second,
        r.chunks_committed
    );
    let d = &r.decisions;
    let _ = writeln!(
        s,
        "mapping: {} by sku, {} by alias, {} matched, {} created, {} held",
        d.sku, d.alias, d.fuzzy, d.created, d.held
    );
    if r.items_held > 0 {
        let lines = if r.items_held == 1 { "line" } else { "lines" };
        let exit = if r.exit_code() == 3 {
            "; exit code 3"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "held for review: {} {lines} land nowhere until an operator decides \
             (batchops review list{exit})",
            r.items_held
        );
    }
    for f in &r.fallbacks {
        let _ = writeln!(
            s,
            "fallback: chunk {} (lines {}–{}): {}",
            f.chunk,
            f.first_line,
            f.last_line,
            escape_control(&f.cause)
        );
    }
    if r.transient_retries > 0 {
        let _ = writeln!(s, "transient errors retried: {}", r.transient_retries);
    }
    if !r.failed_items.is_empty() {
        let _ = writeln!(s, "failed lines:");
        for f in &r.failed_items {
            let code = f
                .sqlstate
                .as_deref()
                .map(|c| format!(" [{c}]"))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "  line {:<7} {:<16} {}{code}",
                f.line,
                f.phase.as_str(),
                escape_control(&f.error)
            );
        }
    }
    let omitted = super::omitted_failed_items(r);
    if omitted > 0 {
        let shown = format!(
            "  {omitted} more failed lines are not listed here ({} of {} shown)",
            r.failed_items.len(),
            r.items_failed
        );
        let _ = match listing {
            Some(run) => writeln!(s, "{shown}: `batchops failed {run}` lists them all"),
            None => writeln!(
                s,
                "{shown}; a dry run keeps no failed lines: import without --dry-run to list them all"
            ),
        };
    }
    s
}

fn short_key(key: &str) -> String {
    if key.len() > 16 {
        format!("{}…", &key[..12])
    } else {
        escape_control(key).into_owned()
    }
}

pub fn inventory_table(rows: &[InventoryRow]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{:<20} {:>22}  name", "sku", "quantity");
    for r in rows {
        let _ = writeln!(
            s,
            "{:<20} {:>22}  {}",
            escape_control(&r.sku),
            r.quantity.to_string(),
            escape_control(&r.name)
        );
    }
    let _ = writeln!(s, "{} items", rows.len());
    s
}

/// A run's invoice in a report: `supplier ACME · number 4711 · date 2026-12-03 · currency EUR`.
pub fn invoice_line(h: &crate::domain::InvoiceHeader) -> Option<String> {
    let parts: Vec<String> = [
        ("supplier", &h.supplier),
        ("number", &h.invoice_number),
        ("date", &h.invoice_date),
        ("currency", &h.currency),
    ]
    .into_iter()
    .filter_map(|(label, v)| v.as_ref().map(|v| format!("{label} {v}")))
    .collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// A run's invoice in a column: `number · supplier` (the number first: a narrow column cuts the
/// supplier), `-` when neither is known.
pub fn invoice_label(h: &crate::domain::InvoiceHeader) -> String {
    match (&h.supplier, &h.invoice_number) {
        (Some(s), Some(n)) => format!("{n} · {s}"),
        (Some(x), None) | (None, Some(x)) => x.clone(),
        (None, None) => "-".into(),
    }
}

pub fn runs_table(rows: &[RunRow]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:>5}  {:<19}  {:<10}  {:<15}  {:>9}  {:>7}  {:>7}  {:>9}  {:>10}  {:<24}  source",
        "run",
        "started (UTC)",
        "mode",
        "status",
        "lines",
        "failed",
        "held",
        "seconds",
        "lines/s",
        "invoice"
    );
    for r in rows {
        let mut mode = r.mode.to_string();
        if r.rehearsal {
            mode.push('*');
        }
        let _ = writeln!(
            s,
            "{:>5}  {:<19}  {:<10}  {:<15}  {:>9}  {:>7}  {:>7}  {:>9.3}  {:>10.0}  {:<24}  {}",
            r.id,
            r.started_at.format("%Y-%m-%d %H:%M:%S"),
            mode,
            r.status.as_str(),
            r.items_total,
            r.items_failed,
            r.items_held,
            r.processing_seconds,
            r.items_per_second(),
            escape_control(&invoice_label(&r.invoice)),
            escape_control(&r.source)
        );
    }
    if rows.iter().any(|r| r.rehearsal) {
        let _ = writeln!(
            s,
            "* rehearsal (compare): ran on a scratch copy, live data untouched"
        );
    }
    s
}

/// The header of the failed-items table.
pub fn failed_header() -> String {
    format!(
        "{:>7}  {:<16}  {:>8}  {:<9}  error\n",
        "line", "phase", "attempts", "resolved"
    )
}

/// One failed item: its line, phase, attempts, state, error, then its raw record.
pub fn failed_row(r: &FailedRow) -> String {
    let code = r
        .sqlstate
        .as_deref()
        .map(|c| format!(" [{c}]"))
        .unwrap_or_default();
    format!(
        "{:>7}  {:<16}  {:>8}  {:<9}  {}{code}\n{:>7}  raw: {}\n",
        r.line,
        r.phase.as_str(),
        r.attempts,
        if r.resolved_at.is_some() { "yes" } else { "no" },
        escape_control(&r.error),
        "",
        escape_control(&r.raw_record)
    )
}

/// Batch and sequential side by side, with the speedup.
pub fn comparison(c: &crate::engine::Comparison) -> String {
    use crate::domain::Phase;
    let (b, q) = (&c.batch.report, &c.sequential.report);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "rehearsal of {} (scratch copies; live data untouched)",
        escape_control(&b.source)
    );
    let _ = writeln!(s, "  {:<28} {:>14} {:>14}", "", "batch", "sequential");
    let row = |s: &mut String, name: &str, a: String, b: String| {
        let _ = writeln!(s, "  {name:<28} {a:>14} {b:>14}");
    };
    row(
        &mut s,
        "lines",
        b.items_total.to_string(),
        q.items_total.to_string(),
    );
    row(
        &mut s,
        "seconds",
        format!("{:.3}", b.processing_time_seconds),
        format!("{:.3}", q.processing_time_seconds),
    );
    row(
        &mut s,
        "lines/s",
        format!("{:.0}", b.items_per_second),
        format!("{:.0}", q.items_per_second),
    );
    for phase in Phase::TIMED {
        let sec = |r: &RunReport| r.phase(phase).map(|p| p.seconds).unwrap_or(0.0);
        row(
            &mut s,
            &format!("{} seconds", phase.as_str()),
            format!("{:.3}", sec(b)),
            format!("{:.3}", sec(q)),
        );
    }
    row(
        &mut s,
        "statements",
        b.statements_executed.to_string(),
        q.statements_executed.to_string(),
    );
    row(
        &mut s,
        "statements per 1,000 lines",
        format!("{:.1}", c.batch.statements_per_1000_items),
        format!("{:.1}", c.sequential.statements_per_1000_items),
    );
    row(
        &mut s,
        "held for review",
        b.items_held.to_string(),
        q.items_held.to_string(),
    );
    row(&mut s, "status", b.status.to_string(), q.status.to_string());
    let _ = writeln!(
        s,
        "speedup: batch is {:.1}× sequential (lines/s)",
        c.speedup
    );
    s
}
