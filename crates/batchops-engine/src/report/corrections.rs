//! Text output of corrections: what one did, the aliases, the audit.

use super::escape_control;
use crate::store::corrections::{AliasRow, Applied, CorrectionRow};
use std::fmt::Write;

/// What a correction did: its summary, then the change of each item.
pub fn applied(a: &Applied) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", escape_control(&a.summary));
    if let Some(id) = a.correction_id {
        let _ = writeln!(s, "correction {id} · {}", a.kind);
    }
    for item in &a.items {
        let _ = writeln!(
            s,
            "  {:<20} {:>22}  ({:+} line{})",
            escape_control(&item.sku),
            format!("{:+}", item.quantity),
            item.lines,
            if item.lines.abs() == 1 { "" } else { "s" }
        );
    }
    s
}

pub fn aliases_table(rows: &[AliasRow]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<40} {:<20} {:<10} {:>7} {:>16}",
        "alias", "sku", "learned", "lines", "quantity"
    );
    for r in rows {
        let alias = match (&r.supplier, &r.part_number) {
            (Some(supplier), Some(part)) => format!("{part} (part number of {supplier})"),
            _ => r.alias.clone(),
        };
        let _ = writeln!(
            s,
            "{:<40} {:<20} {:<10} {:>7} {:>16}",
            escape_control(&alias),
            escape_control(&r.sku),
            escape_control(&r.learned_by),
            r.lines,
            r.quantity.to_string()
        );
    }
    let parts = rows.iter().filter(|r| r.supplier.is_some()).count();
    let _ = writeln!(
        s,
        "{} aliases, {parts} supplier part numbers",
        rows.len() - parts
    );
    s
}

pub fn corrections_table(rows: &[CorrectionRow]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:>5}  {:<19}  {:<12}  {:<12}  {:>7}  {:>14}  summary",
        "id", "when (UTC)", "kind", "operator", "lines", "quantity"
    );
    for r in rows {
        let _ = writeln!(
            s,
            "{:>5}  {:<19}  {:<12}  {:<12}  {:>7}  {:>14}  {}",
            r.id,
            r.created_at.format("%Y-%m-%d %H:%M:%S"),
            escape_control(&r.kind),
            escape_control(&r.operator),
            r.lines,
            r.quantity.to_string(),
            escape_control(&r.summary)
        );
    }
    let _ = writeln!(s, "{} corrections", rows.len());
    s
}
