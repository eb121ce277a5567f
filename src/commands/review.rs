//! `review list`, `review show`, `review decide` and `aliases check`.

use super::output;
use crate::cli::{AliasesCommand, ReviewCommand, TextOrJson};
use crate::engine::options::default_operator;
use crate::engine::review::{self, Choice, ListedLine};
use crate::report::escape_control;
use crate::store::{HeldFilter, Store};
use color_eyre::eyre::Result;
use std::fmt::Write as _;
use std::io::Write as _;

pub async fn review(store: &dyn Store, command: ReviewCommand) -> Result<u8> {
    match command {
        ReviewCommand::List { format, all } => {
            let filter = if all {
                HeldFilter::All
            } else {
                HeldFilter::Open
            };
            let rows = store.held(&filter).await?;
            let mut out = output::stdout();
            match format {
                TextOrJson::Json => {
                    let listed: Vec<ListedLine> = rows.iter().map(ListedLine::from).collect();
                    output::json_pretty(&mut out, &listed)?;
                }
                TextOrJson::Text => write!(out, "{}", review_text(&rows))?,
            }
            out.flush()?;
            Ok(0)
        }
        ReviewCommand::Show { id, format } => {
            let Some(row) = store.held(&HeldFilter::Id(id)).await?.into_iter().next() else {
                output::note(format_args!(
                    "error: no held line {id}: `batchops review list` shows their ids"
                ));
                return Ok(super::EXIT_FAILED);
            };
            // The line itself, and (while it is open) every open line read the same way.
            let mut rows: Vec<_> = if row.decision_json.is_none() {
                store
                    .held(&HeldFilter::OpenAlias(row.alias.clone()))
                    .await?
            } else {
                vec![row.clone()]
            };
            rows.sort_by_key(|r| (r.run_id, r.line));
            let mut out = output::stdout();
            match format {
                TextOrJson::Json => {
                    let listed: Vec<ListedLine> = rows.iter().map(ListedLine::from).collect();
                    output::json_pretty(&mut out, &listed)?;
                }
                TextOrJson::Text => write!(out, "{}", show_text(&row, &rows))?,
            }
            out.flush()?;
            Ok(0)
        }
        ReviewCommand::Decide {
            id,
            item,
            new,
            sku,
            name,
            reject,
            operator,
            format,
        } => {
            let choice = match (item, new, reject) {
                (Some(sku), _, _) => Choice::Item(sku),
                (None, true, _) => Choice::New { sku, name },
                _ => Choice::Reject,
            };
            let operator = operator.unwrap_or_else(default_operator);
            let outcome = review::decide(store, id, &choice, &operator).await?;
            let mut out = output::stdout();
            match format {
                TextOrJson::Json => output::json_pretty(&mut out, &outcome)?,
                TextOrJson::Text => {
                    let onto = outcome
                        .sku
                        .as_deref()
                        .map(|s| format!(" onto {s}"))
                        .unwrap_or_default();
                    writeln!(
                        out,
                        "decided {} held line(s){onto}: {} landed now, quantity {}{}{}",
                        outcome.lines,
                        outcome.landed,
                        outcome.quantity,
                        if outcome.rejected.is_empty() {
                            String::new()
                        } else {
                            format!("; rejected {}", outcome.rejected.join(", "))
                        },
                        if outcome.still_held > 0 {
                            format!("; {} still held with other candidates", outcome.still_held)
                        } else {
                            String::new()
                        }
                    )?;
                    if let Some(c) = outcome.correction_id {
                        writeln!(out, "correction {c} recorded")?;
                    }
                }
            }
            out.flush()?;
            Ok(0)
        }
    }
}

/// `review show`: the group's lines as the file wrote them, then the group as `review list` shows
/// it, with every candidate's model codes.
fn show_text(row: &crate::store::HeldRow, rows: &[crate::store::HeldRow]) -> String {
    let mut s = String::new();
    let state = if row.decision_json.is_some() {
        "decided"
    } else {
        "open"
    };
    let _ = writeln!(
        s,
        "held line {} ({state}), read as \"{}\"; {} line(s):",
        row.id,
        escape_control(&row.alias),
        rows.len()
    );
    for r in rows {
        let _ = writeln!(
            s,
            "  run {} line {}: {}",
            r.run_id,
            r.line,
            escape_control(&r.raw_record)
        );
    }
    if let Some(d) = &row.decision_json {
        let _ = writeln!(s, "  decision: {}", escape_control(d));
    }
    s.push('\n');
    s.push_str(&review_text(rows));
    s
}

fn review_text(rows: &[crate::store::HeldRow]) -> String {
    let groups = review::groups(rows);
    let mut s = String::new();
    if groups.is_empty() {
        s.push_str("no lines are held for review\n");
        return s;
    }
    for g in &groups {
        let _ = writeln!(
            s,
            "held {} · {} line(s) · runs {} · \"{}\"",
            g.id,
            g.lines,
            g.runs
                .iter()
                .map(|r| r.to_string())
                .collect::<Vec<_>>()
                .join(","),
            escape_control(&g.description)
        );
        let _ = writeln!(s, "  why: {}", escape_control(&g.reason));
        for c in &g.candidates {
            let _ = writeln!(
                s,
                "  {:<14} {:.2}  {}",
                escape_control(&c.sku),
                c.score,
                escape_control(&c.name)
            );
            if !c.identifiers.is_empty() {
                let _ = writeln!(
                    s,
                    "      model codes both carry: {}",
                    c.identifiers.join(", ")
                );
            }
            if !c.agreed.is_empty() {
                let _ = writeln!(s, "      agrees: {}", c.agreed.join(", "));
            }
            if !c.differed.is_empty() || !c.one_sided.is_empty() {
                let mut d = c.differed.clone();
                d.extend(c.one_sided.iter().cloned());
                let _ = writeln!(s, "      differs: {}", d.join(", "));
            }
        }
        let _ = writeln!(
            s,
            "  decide: batchops review decide {} (--item SKU | --new [--sku SKU] [--name NAME] | --reject)",
            g.id
        );
    }
    s
}

pub async fn aliases(store: &dyn Store, command: AliasesCommand) -> Result<u8> {
    match command {
        // list, move, forget: corrections (src/commands/corrections.rs).
        AliasesCommand::List { .. }
        | AliasesCommand::Move { .. }
        | AliasesCommand::Forget { .. } => super::corrections::manage_aliases(store, command).await,
        AliasesCommand::Check { format } => {
            let suspects = review::check_aliases(store).await?;
            let mut out = output::stdout();
            match format {
                TextOrJson::Json => output::json_pretty(&mut out, &suspects)?,
                TextOrJson::Text => {
                    if suspects.is_empty() {
                        writeln!(out, "every learned alias agrees with the matching rules")?;
                    }
                    for a in &suspects {
                        writeln!(
                            out,
                            "{} → {} \"{}\": {}",
                            escape_control(&a.alias),
                            escape_control(&a.sku),
                            escape_control(&a.name),
                            escape_control(&a.reason)
                        )?;
                        writeln!(
                            out,
                            "  landed through it: {} line(s), quantity {}{}",
                            a.lines,
                            a.quantity,
                            if a.unreadable_runs.is_empty() {
                                String::new()
                            } else {
                                format!(
                                    " (not counted: runs {} whose files could not be read again)",
                                    a.unreadable_runs
                                        .iter()
                                        .map(|r| r.to_string())
                                        .collect::<Vec<_>>()
                                        .join(",")
                                )
                            }
                        )?;
                    }
                }
            }
            out.flush()?;
            // Suspect aliases are a finding, not a failure of the command.
            Ok(0)
        }
    }
}
