//! Failed: the failed items of the selected run, a page at a time from the database.

use super::super::app::failed::{FailedView, RetryMark};
use super::super::app::{App, Tab};
use super::super::format::{count, fit, safe};
use super::super::theme::Theme;
use super::block;
use crate::store::FailedSort;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let v = &app.failed;
    let Some(run_id) = v.run_id else {
        let text = vec![
            Line::from("No run open."),
            Line::from(""),
            Line::from(
                "Start a batch on 1 Batches, or open a run of the history on 4 Runs (Enter).",
            ),
        ];
        frame.render_widget(
            Paragraph::new(text)
                .style(theme.dim)
                .block(block(" Failed ", theme))
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    };
    let total = match v.total {
        Some(n) => format!("{} items", count(n)),
        None => "counting…".into(),
    };
    let arrow = if v.descending { "▼" } else { "▲" };
    let sort = match v.sort {
        FailedSort::Line => "line",
        FailedSort::Phase => "phase",
        FailedSort::Error => "error",
        FailedSort::Attempts => "attempts",
    };
    let which = if v.unresolved_only {
        " · unresolved only"
    } else {
        ""
    };
    let room = (area.width as usize).saturating_sub(60).max(10);
    let title = format!(
        " Failed · run {run_id} · {} · {total} · sort {sort} {arrow}{which} ",
        fit(&safe(&v.source), room, true)
    );
    let outer = block(title, theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let [table_area, info_area] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
    render_table(frame, table_area, app, v, sort, arrow, theme);
    render_info(frame, info_area, v, theme);
}

fn render_table(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    v: &FailedView,
    sort: &str,
    arrow: &str,
    theme: &Theme,
) {
    let wide = area.width >= 120;
    let rows_fit = area.height.saturating_sub(1) as u64;
    let height = Tab::Failed.table_rows(app.size.1).min(rows_fit.max(1));
    // The app keeps `top`; if this area is shorter than it assumed, keep the selection visible.
    let top = if v.selected >= v.top + height {
        v.selected + 1 - height
    } else {
        v.top
    };
    let len = v.len();
    let end = (top + height).min(len);
    let header_cell = |name: &'static str, key: &str| {
        if key == sort {
            Cell::from(format!("{name} {arrow}"))
        } else {
            Cell::from(name)
        }
    };
    let header = Row::new(vec![
        header_cell("line", "line"),
        Cell::from("sku"),
        Cell::from("description"),
        Cell::from("qty"),
        header_cell("phase", "phase"),
        header_cell("error", "error"),
        header_cell("att", "attempts"),
        Cell::from("state"),
    ])
    .style(theme.table_header);
    let rows = (top..end).map(|i| match v.row(i) {
        None => Row::new(vec![Cell::from("…"), Cell::from("loading")]).style(theme.dim),
        Some(r) => {
            let (state, style) = match (v.marks.get(&r.id), r.resolved_at.is_some()) {
                (_, true) => ("resolved".to_string(), theme.ok),
                (Some(RetryMark::Pending), _) => ("retrying…".to_string(), theme.info),
                (Some(RetryMark::Landed), _) => ("landed".to_string(), theme.ok),
                (Some(RetryMark::FailedAgain(_)), _) if !wide => {
                    ("again ✗".to_string(), theme.error)
                }
                (Some(RetryMark::FailedAgain(_)), _) => ("failed again".to_string(), theme.error),
                (None, false) if r.corrected.is_some() => ("edited".to_string(), theme.warn),
                (None, false) => (String::new(), theme.base),
            };
            let error = match &r.sqlstate {
                Some(code) => format!("[{code}] {}", r.error),
                None => r.error.clone(),
            };
            Row::new(vec![
                Cell::from(r.line.to_string()),
                Cell::from(safe(r.field("sku").unwrap_or(""))),
                Cell::from(safe(r.field("description").unwrap_or(""))),
                Cell::from(safe(r.field("quantity").unwrap_or(""))),
                Cell::from(r.phase.as_str()),
                Cell::from(safe(&error)),
                Cell::from(r.attempts.to_string()),
                Cell::from(state).style(style),
            ])
        }
    });
    let widths = if wide {
        [
            Constraint::Length(8),
            Constraint::Length(14),
            Constraint::Fill(2),
            Constraint::Length(10),
            Constraint::Length(16),
            Constraint::Fill(3),
            Constraint::Length(5),
            Constraint::Length(12),
        ]
    } else {
        [
            Constraint::Length(6),
            Constraint::Length(9),
            Constraint::Fill(1),
            Constraint::Length(5),
            Constraint::Length(9),
            Constraint::Fill(2),
            Constraint::Length(3),
            Constraint::Length(8),
        ]
    };
    let table = Table::new(rows, widths)
        .header(header)
        .row_highlight_style(theme.selected)
        .column_spacing(1);
    let selected = (len > 0).then(|| (v.selected - top) as usize);
    let mut state = TableState::new().with_selected(selected);
    frame.render_stateful_widget(table, area, &mut state);
    if len == 0 && v.total.is_some() {
        let text = if v.filter.is_empty() && !v.unresolved_only {
            "No failed items: every line of this run landed."
        } else {
            "No failed item matches."
        };
        let msg_area = Rect {
            y: area.y + 1,
            height: 1,
            ..area
        };
        frame.render_widget(
            Paragraph::new(Span::styled(format!(" {text}"), theme.dim)),
            msg_area,
        );
    }
}

fn render_info(frame: &mut Frame, area: Rect, v: &FailedView, theme: &Theme) {
    let line = if v.filter_editing {
        let text = v.filter_input.text();
        Line::from(vec![
            Span::styled(" filter: ", theme.key),
            Span::styled(format!("{}▏", safe(text)), theme.input),
            Span::styled("  (Enter keep · Esc clear)", theme.dim),
        ])
    } else if let Some(e) = &v.error {
        Line::from(Span::styled(format!(" {}", safe(e)), theme.error))
    } else if let Some(p) = &v.retry {
        let run = p
            .retry_run
            .map(|id| format!("retry run {id}"))
            .unwrap_or_else(|| "retry".into());
        let state = match &p.finished {
            Some(s) => format!("finished {}", safe(s)),
            None => format!("{}/{} done", p.done, p.total),
        };
        Line::from(vec![
            Span::styled(format!(" {run}: {state} · "), theme.info),
            Span::styled(format!("{} landed", p.landed), theme.ok),
            Span::raw(" · "),
            Span::styled(
                format!("{} failed again", p.failed_again),
                if p.failed_again > 0 {
                    theme.error
                } else {
                    theme.base
                },
            ),
        ])
    } else if !v.filter.is_empty() {
        Line::from(vec![
            Span::styled(" filter: ", theme.dim),
            Span::raw(safe(&v.filter)),
            Span::styled("  (/ change · Esc clear)", theme.dim),
        ])
    } else {
        let pos = if !v.is_empty() {
            format!(" item {} of {}", count(v.selected + 1), count(v.len()))
        } else {
            String::new()
        };
        Line::from(Span::styled(pos, theme.dim))
    };
    frame.render_widget(Paragraph::new(line), area);
}
