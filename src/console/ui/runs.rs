//! Runs: the history from `import_runs`, newest first; interrupted runs are marked.

use super::super::app::batches::is_resumable;
use super::super::app::{App, Tab};
use super::super::format::{count, fit, rate, safe, seconds};
use super::super::theme::Theme;
use super::block;
use crate::domain::RunStatus;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let title = format!(
        " Runs · {} in the history (newest first; times UTC) ",
        app.runs.len()
    );
    if app.runs.is_empty() {
        let text = if app.runs_loaded {
            "No run yet."
        } else {
            "Reading the history…"
        };
        frame.render_widget(
            Paragraph::new(Line::from(text))
                .style(theme.dim)
                .block(block(title, theme))
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let wide = area.width >= 120;
    let file_w: usize = if wide { 56 } else { 12 };
    let rows = app.runs.iter().map(|r| {
        let mut status = r.status.to_string();
        if r.status == RunStatus::Interrupted {
            status = format!("⚠ {status}");
        }
        if wide && is_resumable(r) {
            status.push_str(" (r resumes)");
        }
        let mut file = safe(&r.source);
        if r.rehearsal {
            file = format!("[rehearsal] {file}");
        }
        if r.dry_run {
            file = format!("[dry run] {file}");
        }
        let when = if wide {
            r.started_at.format("%Y-%m-%d %H:%M:%S")
        } else {
            r.started_at.format("%d %H:%M")
        };
        let mode = match (wide, r.mode) {
            (false, crate::domain::Mode::Sequential) => "seq",
            (_, m) => m.as_str(),
        };
        let secs = if wide {
            seconds(r.processing_seconds)
        } else {
            seconds(r.processing_seconds).replace(" s", "s")
        };
        Row::new(vec![
            Cell::from(r.id.to_string()),
            Cell::from(when.to_string()),
            Cell::from(fit(&file, file_w, true)),
            Cell::from(mode),
            Cell::from(status).style(theme.status(r.status)),
            Cell::from(count(r.items_total)),
            Cell::from(count(r.items_failed)).style(if r.items_failed > 0 {
                theme.error
            } else {
                theme.base
            }),
            Cell::from(secs),
            Cell::from(rate(r.items_per_second())),
        ])
    });
    let header = Row::new([
        "run",
        "when",
        "file",
        "mode",
        "status",
        "items",
        "failed",
        if wide { "seconds" } else { "secs" },
        "items/s",
    ])
    .style(theme.table_header);
    let widths = [
        Constraint::Length(if wide { 5 } else { 3 }),
        Constraint::Length(if wide { 19 } else { 8 }),
        Constraint::Length(file_w as u16),
        Constraint::Length(if wide { 10 } else { 5 }),
        Constraint::Fill(1),
        Constraint::Length(if wide { 10 } else { 6 }),
        Constraint::Length(6),
        Constraint::Length(if wide { 8 } else { 7 }),
        Constraint::Length(if wide { 9 } else { 7 }),
    ];
    let table = Table::new(rows, widths)
        .header(header)
        .block(block(title, theme))
        .row_highlight_style(theme.selected)
        .column_spacing(1);
    let height = Tab::Runs.table_rows(app.size.1) as usize;
    let top = if app.runs_nav.selected >= app.runs_nav.top + height {
        app.runs_nav.selected + 1 - height
    } else {
        app.runs_nav.top
    };
    let mut state = TableState::new()
        .with_offset(top)
        .with_selected(Some(app.runs_nav.selected));
    frame.render_stateful_widget(table, area, &mut state);
}
