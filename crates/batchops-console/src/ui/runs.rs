//! Runs: the history from `import_runs`, newest first; stopped runs are marked and say that `r`
//! resumes them. The status column is the last to go when the terminal is narrow.
//!
//! ```text
//! ┌ Runs · 4 in the history (newest first; times UTC) ─────────────────────────┐
//! │run  when              file          mode   status          items  failed … │
//! │4    YYYY-MM-DD hh:mm  …/bolt.csv    batch  ⚠ interrupted ↻ —      —        │
//! └────────────────────────────────────────────────────────────────────────────┘
//! ```

use super::super::format::{count, rate, safe, seconds};
use super::super::theme::Theme;
use super::block;
use super::table::{self, Column, DataRow};
use crate::domain::RunStatus;
use crate::tabs::batches::is_resumable;
use crate::tabs::runs::RunsTab;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

const COLUMNS: [Column; 11] = [
    Column::new("run", 3, 6, 0).right(),
    Column::new("when", 11, 16, 3),
    Column::new("file", 10, 60, 2).keep_end().grow(),
    Column::new("invoice", 7, 28, 7),
    Column::new("mode", 5, 10, 4),
    Column::new("status", 11, 28, 0),
    Column::new("items", 5, 11, 1).right(),
    Column::new("failed", 6, 9, 1).right(),
    Column::new("held", 4, 9, 1).right(),
    Column::new("seconds", 7, 9, 5).right(),
    Column::new("items/s", 7, 9, 6).right(),
];

pub fn list_area(body: Rect, t: &RunsTab) -> Rect {
    table::rows_area(super::search::below(body, &t.search), true)
}

pub fn render(
    frame: &mut Frame,
    area: Rect,
    t: &RunsTab,
    _sh: &crate::shell::Shell,
    theme: &Theme,
) {
    let runs = t;
    super::search::render(frame, area, &runs.search, theme);
    let full = area;
    let area = super::search::below(area, &runs.search);
    let mark = super::search::match_style(theme);
    let title = format!(
        " Runs · {} in the history (newest first; times UTC) ",
        runs.rows.len()
    );
    if runs.rows.is_empty() {
        let text = if runs.loaded {
            "No run yet."
        } else {
            "Reading the history…"
        };
        frame.render_widget(
            Paragraph::new(Line::from(text))
                .style(theme.dim)
                .block(block(super::fit_title(&title, area.width, 0), theme))
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let rows: Vec<DataRow> = runs
        .rows
        .iter()
        .map(|r| {
            let mut status = r.status.to_string();
            if r.status == RunStatus::Interrupted {
                status = format!("⚠ {status}");
            }
            if is_resumable(r) {
                status.push_str(" · r resumes");
            }
            let mut file = safe(&r.source);
            if r.rehearsal {
                file = format!("[rehearsal] {file}");
            }
            if r.dry_run {
                file = format!("[dry run] {file}");
            }
            // A run that died before its report has no stored counts: unknown, not zero.
            let known = r.report.is_some() || r.finished_at.is_some();
            let (items, failed, held, secs, ips) = if known {
                (
                    count(r.items_total),
                    count(r.items_failed),
                    count(r.items_held),
                    seconds(r.processing_seconds),
                    rate(r.items_per_second()),
                )
            } else {
                ("—".into(), "—".into(), "—".into(), "—".into(), "—".into())
            };
            DataRow::new(vec![
                (r.id.to_string(), theme.base),
                (
                    r.started_at.format("%Y-%m-%d %H:%M").to_string(),
                    theme.base,
                ),
                (file, theme.base),
                (invoice(&r.invoice), theme.base),
                (r.mode.as_str().to_string(), theme.base),
                (status, theme.status(r.status)),
                (items, theme.base),
                (
                    failed,
                    if known && r.items_failed > 0 {
                        theme.error
                    } else {
                        theme.base
                    },
                ),
                (
                    held,
                    if known && r.items_held > 0 {
                        theme.warn
                    } else {
                        theme.base
                    },
                ),
                (secs, theme.base),
                (ips, theme.base),
            ])
            .mark(runs.search.text(), mark)
        })
        .collect();
    let top = runs
        .nav
        .first_on_screen(usize::from(list_area(full, t).height));
    table::render(
        frame,
        area,
        Some(block(super::fit_title(&title, area.width, 0), theme)),
        &COLUMNS,
        &rows,
        top,
        Some(runs.nav.selected),
        theme,
    );
}

/// The run's invoice: `number · supplier`, `—` when neither is known.
fn invoice(h: &crate::domain::InvoiceHeader) -> String {
    match (&h.supplier, &h.invoice_number) {
        (None, None) => "—".into(),
        _ => safe(&crate::report::invoice_label(h)),
    }
}

/// The Runs tab's popup: `v` asks before a run is undone.
pub fn render_popup(frame: &mut Frame, body: Rect, t: &RunsTab, theme: &Theme) {
    let Some(crate::tabs::runs::Popup::ConfirmRevert {
        run_id,
        source,
        items,
    }) = &t.popup
    else {
        return;
    };
    let area = super::centered(body, 72, 8);
    let text = vec![
        Line::from(format!("Run {run_id} · {}", safe(source))),
        Line::from(format!(
            "Its {} landed lines are removed and exactly their quantities subtracted; the run shows reverted.",
            count(*items)
        )),
        Line::from(""),
        Line::from(vec![
            ratatui::text::Span::styled("y", theme.key),
            ratatui::text::Span::raw(" revert   "),
            ratatui::text::Span::styled("n", theme.key),
            ratatui::text::Span::raw(" go back"),
        ]),
    ];
    frame.render_widget(ratatui::widgets::Clear, area);
    frame.render_widget(
        Paragraph::new(text)
            .block(super::popups::popup_block(
                " Revert this run? ".into(),
                theme,
            ))
            .wrap(Wrap { trim: true }),
        area,
    );
}
