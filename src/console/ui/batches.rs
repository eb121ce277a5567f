//! Batches: the files loaded, their format, size in lines, import key and what became of them.

use super::super::app::batches::{BatchInfo, BatchState};
use super::super::app::{App, Tab};
use super::super::format::{count, fit, safe};
use super::super::theme::Theme;
use super::block;
use crate::domain::RunStatus;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let title = format!(" Batches · {} loaded{} ", app.batches.len(), queued(app));
    let block = block(title, theme);
    if app.batches.is_empty() {
        let text = vec![
            Line::from("No batch loaded."),
            Line::from(""),
            Line::from("o opens a file (CSV, JSON, JSON Lines) or a directory of them;"),
            Line::from("files named on the command line are loaded at start: batchops FILE…"),
        ];
        frame.render_widget(
            Paragraph::new(text)
                .style(theme.dim)
                .block(block)
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let wide = area.width >= 120;
    let key_len = if wide { 16 } else { 9 };
    // The status column keeps room for its longest usual text ("already imported · run 12
    // partial_success"); the path takes what is left (its tail is kept).
    let fixed = 3 + 6 + if wide { 11 } else { 9 } + key_len + 5;
    let status_room = if wide { 40 } else { 22 };
    let path_room = (area.width as usize)
        .saturating_sub(2 + fixed + status_room)
        .clamp(16, 80);
    let rows = app.batches.iter().enumerate().map(|(i, b)| {
        let (format, lines, key) = match &b.info {
            BatchInfo::Ready(f) => (
                f.format.as_str().to_string(),
                count(f.estimated_lines),
                fit(&f.sha256, key_len, false),
            ),
            _ => ("—".into(), "—".into(), "—".into()),
        };
        let style = match (&b.info, &b.state) {
            (BatchInfo::Unusable(_), _) | (_, BatchState::Error(_)) => theme.error,
            (_, BatchState::Running { .. }) => theme.info,
            (_, BatchState::Queued(_)) => theme.info,
            (_, BatchState::Done { status, .. }) => theme.status(*status),
            (_, BatchState::Idle) => match &b.previous {
                Some(p) if p.resumable => theme.warn,
                Some(p) if matches!(p.status, RunStatus::Success | RunStatus::PartialSuccess) => {
                    theme.dim
                }
                _ => theme.base,
            },
        };
        Row::new(vec![
            Cell::from(format!("{}", i + 1)),
            Cell::from(fit(&safe(&b.path.display().to_string()), path_room, true)),
            Cell::from(format),
            Cell::from(lines),
            Cell::from(key),
            Cell::from(safe(&b.status_text())).style(style),
        ])
    });
    let header = Row::new([
        "#",
        "path",
        "format",
        "lines",
        if wide { "import key" } else { "key" },
        "status",
    ])
    .style(theme.table_header);
    let widths = [
        Constraint::Length(3),
        Constraint::Length(path_room as u16),
        Constraint::Length(6),
        Constraint::Length(if wide { 11 } else { 9 }),
        Constraint::Length(key_len as u16),
        Constraint::Fill(1),
    ];
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .row_highlight_style(theme.selected)
        .column_spacing(1);
    let height = Tab::Batches.table_rows(app.size.1) as usize;
    let mut state = TableState::new()
        .with_offset(
            app.batch_nav
                .top
                .min(app.batches.len().saturating_sub(height.max(1))),
        )
        .with_selected(Some(app.batch_nav.selected));
    frame.render_stateful_widget(table, area, &mut state);
}

fn queued(app: &App) -> String {
    let n = app
        .batches
        .iter()
        .filter(|b| matches!(b.state, BatchState::Queued(_)))
        .count();
    if n > 0 {
        format!(" · {n} queued")
    } else {
        String::new()
    }
}
