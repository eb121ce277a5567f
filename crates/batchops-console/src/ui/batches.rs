//! Batches: the files loaded, their format, size in lines, import key and what became of them.
//!
//! ```text
//! ┌ Batches · 3 loaded · 1 queued ─────────────────────────────────────────────┐
//! │#  path                         format  lines      import key  status       │
//! │1  …/invoices-week-48-full.csv  csv     1,000,000  c0ffee00…   running      │
//! └────────────────────────────────────────────────────────────────────────────┘
//! ```

use super::super::format::{count, safe};
use super::super::theme::Theme;
use super::block;
use super::table::{self, Column, DataRow};
use crate::domain::RunStatus;
use crate::tabs::batches::BatchesTab;
use crate::tabs::batches::{BatchInfo, BatchState};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

/// The status goes last; the import key first.
const COLUMNS: [Column; 6] = [
    Column::new("#", 1, 3, 0).right(),
    Column::new("path", 12, 80, 1).keep_end().grow(),
    Column::new("format", 5, 6, 3),
    Column::new("lines", 5, 11, 2).right(),
    Column::new("import key", 9, 16, 4),
    Column::new("status", 24, 60, 0).grow(),
];

pub fn list_area(body: Rect, _t: &BatchesTab) -> Rect {
    table::rows_area(body, true)
}

pub fn render(frame: &mut Frame, area: Rect, t: &BatchesTab, theme: &Theme) {
    let tab = t;
    let title = format!(" Batches · {} loaded{} ", tab.entries.len(), queued(t));
    let block = block(super::fit_title(&title, area.width, 0), theme);
    if tab.entries.is_empty() {
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
    let rows: Vec<DataRow> = tab
        .entries
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let (format, lines, key) = match &b.info {
                BatchInfo::Ready(f) => (
                    f.format.as_str().to_string(),
                    count(f.estimated_lines),
                    f.sha256.clone(),
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
                    Some(p)
                        if matches!(p.status, RunStatus::Success | RunStatus::PartialSuccess) =>
                    {
                        theme.dim
                    }
                    _ => theme.base,
                },
            };
            DataRow::new(vec![
                (format!("{}", i + 1), theme.base),
                (safe(&b.path.display().to_string()), theme.base),
                (format, theme.base),
                (lines, theme.base),
                (key, theme.base),
                (safe(&b.status_text()), style),
            ])
        })
        .collect();
    let height = usize::from(list_area(area, t).height).max(1);
    let offset = tab.nav.top.min(rows.len().saturating_sub(height));
    table::render(
        frame,
        area,
        Some(block),
        &COLUMNS,
        &rows,
        offset,
        Some(tab.nav.selected),
        theme,
    );
}

fn queued(t: &BatchesTab) -> String {
    let n = t
        .entries
        .iter()
        .filter(|b| matches!(b.state, BatchState::Queued(_)))
        .count();
    if n > 0 {
        format!(" · {n} queued")
    } else {
        String::new()
    }
}
