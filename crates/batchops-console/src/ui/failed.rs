//! Failed: the failed items of the selected run, a page at a time from the database; a line of
//! the top failure reasons (`w` lists them all and filters by one).
//!
//! ```text
//! ┌ Failed · run 5 · …/full.csv · 4 items · 3 unresolved · sort line ▲ ─────────┐
//! │ why: 2× quantity "…" has a comma · 1× numeric field overflow   (w: all)     │ (tall screens)
//! │line ▲ sku        description  qty  unit price  phase  error       att state │
//! │40001  ACM-20510  Hex Nut M8   1,5  0.05        parse  quantity "… 1        │
//! │ item 1 of 4                                                                 │ info line
//! └─────────────────────────────────────────────────────────────────────────────┘
//! ```

use super::super::format::{count, fit, safe};
use super::super::theme::Theme;
use super::block;
use super::centered;
use super::popups::{input_line, popup_block};
use super::table::{self, Column, DataRow};
use crate::controls::nav::ListNav;
use crate::store::FailedRow;
use crate::store::FailedSort;
use crate::tabs::failed::{EDIT_FIELDS, EditForm, FailedView, Popup, RetryMark};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Clear;
use ratatui::widgets::{Paragraph, Wrap};

/// Line, the values and the error stay longest; the state before the description.
const COLUMNS: [Column; 9] = [
    Column::new("line", 4, 9, 0).right(),
    Column::new("sku", 6, 16, 1),
    Column::new("description", 8, 40, 4).grow(),
    Column::new("qty", 4, 20, 1).right(),
    Column::new("unit price", 5, 20, 2).right(),
    Column::new("phase", 5, 16, 5),
    Column::new("error", 10, 120, 0).grow(),
    Column::new("att", 3, 3, 6).right(),
    Column::new("state", 8, 12, 3),
];

/// A top-reasons line above the table when the body is at least this tall.
const REASONS_LINE_FROM: u16 = 24;

struct Parts {
    reasons: Rect,
    table: Rect,
    info: Rect,
}

fn parts(body: Rect) -> Parts {
    let inner = Rect {
        x: body.x + 1,
        y: body.y + 1,
        width: body.width.saturating_sub(2),
        height: body.height.saturating_sub(2),
    };
    let reasons_h = u16::from(body.height >= REASONS_LINE_FROM);
    let [reasons, table, info] = Layout::vertical([
        Constraint::Length(reasons_h),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    Parts {
        reasons,
        table,
        info,
    }
}

pub fn list_area(body: Rect, _t: &FailedView) -> Rect {
    table::rows_area(parts(body).table, false)
}

fn sort_name(sort: FailedSort) -> &'static str {
    match sort {
        FailedSort::Line => "line",
        FailedSort::Phase => "phase",
        FailedSort::Error => "error",
        FailedSort::Attempts => "attempts",
    }
}

pub fn render(frame: &mut Frame, area: Rect, t: &FailedView, theme: &Theme) {
    let v = t;
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
    if let Some((lines, failed)) = &v.report_only {
        render_report_only(frame, area, t, run_id, lines, *failed, theme);
        return;
    }
    let total = match v.total {
        Some(n) => crate::format::plural(n, "item", "items"),
        None => "counting…".into(),
    };
    let open = v
        .unresolved()
        .map(|n| format!(" · {} unresolved", count(n)))
        .unwrap_or_default();
    let arrow = if v.descending { "▼" } else { "▲" };
    let which = if v.unresolved_only {
        " · unresolved only"
    } else {
        ""
    };
    let room = (area.width as usize).saturating_sub(70).max(10);
    let title = format!(
        " Failed · run {run_id} · {} · {total}{open} · sort {} {arrow}{which} ",
        fit(&safe(&v.source), room, true),
        sort_name(v.sort)
    );
    let outer = block(super::fit_title(&title, area.width, 0), theme);
    frame.render_widget(outer, area);
    let p = parts(area);
    render_reasons(frame, p.reasons, v, theme);
    render_table(frame, p.table, v, arrow, theme);
    render_info(frame, p.info, v, theme);
}

fn render_reasons(frame: &mut Frame, area: Rect, v: &FailedView, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let Some(reasons) = &v.reasons else {
        return;
    };
    let mut spans = vec![Span::styled(" why: ", theme.table_header)];
    for (i, r) in reasons.iter().take(3).enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.dim));
        }
        spans.push(Span::styled(format!("{}× ", count(r.total)), theme.error));
        spans.push(Span::raw(safe(&r.reason)));
    }
    if reasons.len() > 3 {
        spans.push(Span::styled(
            format!(" · {} more", reasons.len() - 3),
            theme.dim,
        ));
    }
    spans.push(Span::styled("  (w: every reason)", theme.dim));
    let line = Line::from(spans);
    let text = fit(
        &line
            .spans
            .iter()
            .map(|s| s.content.as_ref())
            .collect::<String>(),
        usize::from(area.width),
        false,
    );
    // Cut as a whole when it is too long (the styled spans only when they fit).
    if line.width() > usize::from(area.width) {
        frame.render_widget(Paragraph::new(Span::styled(text, theme.base)), area);
    } else {
        frame.render_widget(Paragraph::new(line), area);
    }
}

fn render_table(frame: &mut Frame, area: Rect, v: &FailedView, arrow: &str, theme: &Theme) {
    let height = u64::from(area.height.saturating_sub(1)).max(1);
    // The app keeps `top`; if this area is shorter than it assumed, keep the selection visible.
    let top = if v.selected >= v.top + height {
        v.selected + 1 - height
    } else {
        v.top
    };
    let len = v.len();
    let end = (top + height).min(len);
    let sort = sort_name(v.sort);
    let titled: Vec<Column> = COLUMNS
        .iter()
        .map(|c| {
            let key = match c.title {
                "att" => "attempts",
                t => t,
            };
            if key == sort {
                let title: &'static str = match c.title {
                    "line" => {
                        if arrow == "▲" {
                            "line ▲"
                        } else {
                            "line ▼"
                        }
                    }
                    "phase" => {
                        if arrow == "▲" {
                            "phase ▲"
                        } else {
                            "phase ▼"
                        }
                    }
                    "error" => {
                        if arrow == "▲" {
                            "error ▲"
                        } else {
                            "error ▼"
                        }
                    }
                    _ => {
                        if arrow == "▲" {
                            "att ▲"
                        } else {
                            "att ▼"
                        }
                    }
                };
                Column { title, ..*c }
            } else {
                *c
            }
        })
        .collect();
    let mark = super::search::match_style(theme);
    let rows: Vec<DataRow> = (top..end)
        .map(|i| match v.row(i) {
            None => DataRow::new(vec![("…".into(), theme.dim), ("loading".into(), theme.dim)]),
            Some(r) => {
                let resolved = r.resolved_at.is_some();
                let (state, style) = match (v.marks.get(&r.id), resolved) {
                    (_, true) => ("resolved".to_string(), theme.ok),
                    (Some(RetryMark::Pending), _) => ("retrying…".to_string(), theme.info),
                    (Some(RetryMark::Landed), _) => ("landed".to_string(), theme.ok),
                    (Some(RetryMark::FailedAgain(_)), _) => ("again ✗".to_string(), theme.error),
                    (None, false) if r.corrected.is_some() => ("edited".to_string(), theme.warn),
                    (None, false) => (String::new(), theme.base),
                };
                // A resolved item's error is history: it landed since.
                let (error, error_style) = if resolved {
                    ("— (landed on a retry)".to_string(), theme.dim)
                } else {
                    let text = match &r.sqlstate {
                        Some(code) => format!("[{code}] {}", r.error),
                        None => r.error.clone(),
                    };
                    (safe(&text), theme.base)
                };
                let field = |name: &str| (safe(r.field(name).unwrap_or("")), theme.base);
                DataRow::new(vec![
                    (r.line.to_string(), theme.base),
                    field("sku"),
                    field("description"),
                    field("quantity"),
                    field("unit_price"),
                    (r.phase.as_str().to_string(), theme.base),
                    (error, error_style),
                    (r.attempts.to_string(), theme.base),
                    (state, style),
                ])
                .mark(&v.filter, mark)
            }
        })
        .collect();
    let selected = (len > 0).then(|| (v.selected - top) as usize);
    table::render(frame, area, None, &titled, &rows, 0, selected, theme);
    if len == 0 && v.total.is_some() {
        let text = if v.filter.is_empty() && !v.unresolved_only && v.reason.is_none() {
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
            None => format!("{}/{} done", count(p.done), count(p.total)),
        };
        Line::from(vec![
            Span::styled(format!(" {run}: {state} · "), theme.info),
            Span::styled(format!("{} landed", count(p.landed)), theme.ok),
            Span::raw(" · "),
            Span::styled(
                format!("{} failed again", count(p.failed_again)),
                if p.failed_again > 0 {
                    theme.error
                } else {
                    theme.base
                },
            ),
        ])
    } else if !v.filter.is_empty() || v.reason.is_some() {
        let mut spans = vec![];
        if let Some(r) = &v.reason {
            spans.push(Span::styled(" reason: ", theme.dim));
            spans.push(Span::raw(safe(&r.reason)));
        }
        if !v.filter.is_empty() {
            spans.push(Span::styled(" filter: ", theme.dim));
            spans.push(Span::raw(safe(&v.filter)));
        }
        spans.push(Span::styled("  (Esc clears)", theme.dim));
        Line::from(spans)
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

/// A rehearsal's failed lines, from its report (its scratch database is gone).
fn render_report_only(
    frame: &mut Frame,
    area: Rect,
    t: &FailedView,
    run_id: i64,
    lines: &[crate::domain::FailedLine],
    failed: u64,
    theme: &Theme,
) {
    let v = t;
    let title = format!(
        " Failed · run {run_id} (rehearsal) · {} ",
        crate::format::plural(failed, "failed line", "failed lines")
    );
    frame.render_widget(block(super::fit_title(&title, area.width, 0), theme), area);
    let p = parts(area);
    let cols = [
        Column::new("line", 4, 9, 0).right(),
        Column::new("phase", 5, 16, 1),
        Column::new("error", 10, 160, 0).grow(),
    ];
    let height = usize::from(p.table.height.saturating_sub(1)).max(1);
    let selected = usize::try_from(v.selected).unwrap_or(0);
    let top = selected.saturating_sub(height - 1);
    let rows: Vec<DataRow> = lines
        .iter()
        .map(|l| {
            let error = match &l.sqlstate {
                Some(c) => format!("[{c}] {}", l.error),
                None => l.error.clone(),
            };
            DataRow::new(vec![
                (l.line.to_string(), theme.base),
                (l.phase.as_str().to_string(), theme.base),
                (safe(&error), theme.base),
            ])
        })
        .collect();
    table::render(
        frame,
        p.table,
        None,
        &cols,
        &rows,
        top,
        (!rows.is_empty()).then_some(selected),
        theme,
    );
    let note = format!(
        " a rehearsal ran on a scratch copy that is gone: its report lists {} of {} (retry and edit need a real import)",
        count(lines.len() as u64),
        crate::format::plural(failed, "failed line", "failed lines")
    );
    frame.render_widget(
        Paragraph::new(Span::styled(
            fit(&note, usize::from(p.info.width), false),
            theme.dim,
        )),
        p.info,
    );
}

// -------------------------------------------------------------------------------------------
// The tab's popups: the detail, the edit form, the reasons, the retry-all question.

pub fn render_popup(frame: &mut Frame, body: Rect, t: &FailedView, theme: &Theme) {
    match &t.popup {
        Some(Popup::ConfirmRetryAll { run_id, items }) => {
            confirm_retry_all(frame, body, *run_id, *items, theme)
        }
        Some(Popup::Detail { row, scroll }) => detail(frame, body, t, row, *scroll, theme),
        Some(Popup::Edit(form)) => edit(frame, body, form, theme),
        Some(Popup::Reasons { nav }) => reasons(frame, body, t, *nav, theme),
        Some(Popup::Prompt(p)) => super::popups::prompt(frame, body, p, theme),
        None => {}
    }
}

fn confirm_retry_all(frame: &mut Frame, body: Rect, run_id: i64, items: u64, theme: &Theme) {
    let area = centered(body, 64, 7);
    let text = vec![
        Line::from(format!(
            "Retry all {} unresolved items of run {run_id}, one at a time?",
            count(items)
        )),
        Line::from("Each is a write of its own; the ones that fail again keep the newest error."),
        Line::from(""),
        Line::from(vec![
            Span::styled("y", theme.key),
            Span::raw(" retry them   "),
            Span::styled("n", theme.key),
            Span::raw(" no"),
        ]),
    ];
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(text)
            .block(popup_block(" Retry all? ".into(), theme))
            .wrap(Wrap { trim: true }),
        area,
    );
}

fn reasons(frame: &mut Frame, body: Rect, t: &FailedView, nav: ListNav, theme: &Theme) {
    let list = t.reasons.as_deref().unwrap_or_default();
    let area = centered(body, 100, body.height);
    let height = usize::from(area.height.saturating_sub(3)).max(1);
    let top = nav
        .selected
        .saturating_sub(height - 1)
        .min(nav.top.max(nav.selected.saturating_sub(height - 1)));
    let width = usize::from(area.width.saturating_sub(2));
    let mut lines = vec![Line::from(Span::styled(
        format!("{:>9} {:>9}  reason", "items", "open"),
        theme.table_header,
    ))];
    for (i, r) in list.iter().enumerate().skip(top).take(height) {
        let text = format!(
            "{:>9} {:>9}  {}",
            count(r.total),
            count(r.unresolved),
            safe(&r.reason)
        );
        let style = if i == nav.selected {
            theme.selected
        } else {
            theme.base
        };
        lines.push(Line::from(Span::styled(fit(&text, width, false), style)));
    }
    let title = format!(
        " Failure reasons · {} · Enter shows its items ",
        crate::format::plural(list.len() as u64, "reason", "reasons")
    );
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(popup_block(title, theme)), area);
}

fn fields_text(fields: &[(String, String)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", safe(k), safe(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn detail(
    frame: &mut Frame,
    body: Rect,
    t: &FailedView,
    row: &FailedRow,
    scroll: u16,
    theme: &Theme,
) {
    let state = if row.resolved_at.is_some() {
        "resolved"
    } else {
        "unresolved"
    };
    let label = |s: &'static str| Line::from(Span::styled(s, theme.table_header));
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("line {}", row.line), theme.title),
            Span::raw(format!(
                " · phase {} · {} attempt{} · {state}",
                row.phase,
                row.attempts,
                if row.attempts == 1 { "" } else { "s" }
            )),
        ]),
        Line::from(""),
        label("raw record (exactly as read; control characters escaped)"),
        Line::from(safe(&row.raw_record)),
        Line::from(""),
        label("error"),
        Line::from(Span::styled(safe(&row.error), theme.error)),
        Line::from(vec![
            Span::styled("SQLSTATE ", theme.dim),
            Span::raw(
                row.sqlstate
                    .clone()
                    .map(|s| safe(&s))
                    .unwrap_or_else(|| "— (not from the database)".into()),
            ),
        ]),
        Line::from(""),
        label("mapping decision"),
        Line::from(
            row.decision
                .as_deref()
                .map(safe)
                .unwrap_or_else(|| "— (the line failed before mapping)".into()),
        ),
        Line::from(""),
        label("fields as read"),
        Line::from(fields_text(&row.fields)),
    ];
    if let Some(c) = &row.corrected {
        lines.push(Line::from(""));
        lines.push(label("corrected record (kept beside the original)"));
        lines.push(Line::from(fields_text(c)));
    }
    if let Some(mark) = t.marks.get(&row.id) {
        lines.push(Line::from(""));
        lines.push(label("retry in this session"));
        lines.push(Line::from(match mark {
            RetryMark::Pending => "retrying…".to_string(),
            RetryMark::Landed => "landed".to_string(),
            RetryMark::FailedAgain(e) => format!("failed again: {}", safe(e)),
        }));
    }
    let width = body.width.saturating_sub(4).min(110);
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
    let height = u16::try_from(rows + 2).unwrap_or(u16::MAX);
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    let area = centered(body, width, height.min(body.height));
    frame.render_widget(Clear, area);
    frame.render_widget(
        paragraph
            .block(popup_block(
                format!(" Failed item · line {} · r retry · e edit ", row.line),
                theme,
            ))
            .scroll((scroll, 0)),
        area,
    );
}

fn edit(frame: &mut Frame, body: Rect, form: &EditForm, theme: &Theme) {
    let area = centered(body, 76, 11);
    let width = (area.width as usize).saturating_sub(16);
    let mut lines = vec![
        Line::from(Span::styled(
            "Enter keeps the correction beside the original and retries the line.",
            theme.dim,
        )),
        Line::from(""),
    ];
    for (i, (_, label)) in EDIT_FIELDS.iter().enumerate() {
        lines.push(input_line(
            label,
            &form.inputs[i],
            form.focus == i,
            width,
            theme,
        ));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::styled("Enter", theme.key),
        Span::raw(" save & retry  "),
        Span::styled("Tab", theme.key),
        Span::raw(" next field  "),
        Span::styled("Esc", theme.key),
        Span::raw(" cancel"),
    ]));
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(popup_block(format!(" Edit line {} ", form.line), theme)),
        area,
    );
}
