//! Popups over the body: help (from the commands in force), confirmations (quit, retry all), a
//! failed item's detail, the failure reasons, the edit form and the path prompts. Esc closes each.

use super::super::app::App;
use super::super::app::failed::{EDIT_FIELDS, EditForm, RetryMark};
use super::super::app::input::TextInput;
use super::super::app::nav::ListNav;
use super::super::app::popup::{Popup, Prompt};
use super::super::commands;
use super::super::format::{count, fit, safe};
use super::super::theme::Theme;
use super::centered;
use crate::store::FailedRow;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

pub fn render(frame: &mut Frame, body: Rect, app: &App, theme: &Theme) {
    match &app.popup {
        None => {}
        Some(Popup::Help { scroll }) => help(frame, body, app, *scroll, theme),
        Some(Popup::ConfirmQuit) => confirm(frame, body, app, theme),
        Some(Popup::ConfirmRetryAll { run_id, items }) => {
            confirm_retry_all(frame, body, *run_id, *items, theme)
        }
        Some(Popup::Detail { row, scroll }) => detail(frame, body, app, row, *scroll, theme),
        Some(Popup::Edit(form)) => edit(frame, body, form, theme),
        Some(Popup::Reasons { nav }) => reasons(frame, body, app, *nav, theme),
        Some(Popup::Prompt(p)) => prompt(frame, body, p, theme),
    }
}

fn popup_block<'a>(title: String, theme: &Theme) -> Block<'a> {
    Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Span::styled(title, theme.title))
        .title_bottom(Line::from(Span::styled(" Esc closes ", theme.dim)).right_aligned())
        .style(theme.popup)
}

fn help_area(body: Rect) -> Rect {
    centered(body, 84, body.height)
}

fn help_lines(app: &App, width: u16, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines: Vec<Line> = Vec::new();
    let room = usize::from(width.saturating_sub(2 + 20));
    for (title, cmds) in commands::help_sections(app) {
        if !lines.is_empty() {
            lines.push(Line::from(""));
        }
        lines.push(Line::from(Span::styled(title, theme.table_header)));
        for c in cmds {
            let (key, text) = if c.enabled {
                (theme.key, theme.base)
            } else {
                (theme.disabled, theme.disabled)
            };
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<18}", fit(&c.keys, 17, false)), key),
                Span::styled(fit(c.help, room, false), text),
            ]));
        }
    }
    lines
}

/// Lines of the help in all, and how many the popup shows at once.
pub fn help_extent(app: &App, body: Rect) -> (u16, u16) {
    let area = help_area(body);
    let n = help_lines(app, area.width, &Theme::monochrome()).len();
    (
        u16::try_from(n).unwrap_or(u16::MAX),
        area.height.saturating_sub(2),
    )
}

fn help(frame: &mut Frame, body: Rect, app: &App, scroll: u16, theme: &Theme) {
    let area = help_area(body);
    let lines = help_lines(app, area.width, theme);
    let shown = area.height.saturating_sub(2);
    let total = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let max = total.saturating_sub(shown);
    let top = scroll.min(max);
    let last = (top + shown).min(total);
    let position = format!(
        " lines {}–{} of {} · j/k g/G PgUp/PgDn ",
        top + 1,
        last,
        total
    );
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(
                popup_block(" Keys (greyed: not now) ".into(), theme)
                    .title_bottom(Line::from(Span::styled(position, theme.dim))),
            )
            .scroll((top, 0)),
        area,
    );
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

fn reasons(frame: &mut Frame, body: Rect, app: &App, nav: ListNav, theme: &Theme) {
    let list = app.failed.reasons.as_deref().unwrap_or_default();
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
        super::super::app::plural(list.len() as u64, "reason", "reasons")
    );
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(popup_block(title, theme)), area);
}

fn confirm(frame: &mut Frame, body: Rect, app: &App, theme: &Theme) {
    let area = centered(body, 64, 7);
    let what = match app.active.as_ref().and_then(|a| a.run_id) {
        Some(id) => format!("Run {id} is active."),
        None => "A job is active or queued.".to_string(),
    };
    let text = vec![
        Line::from(what),
        Line::from("Quit? The run is cancelled after its current chunk and can be resumed."),
        Line::from(""),
        Line::from(vec![
            Span::styled("y", theme.key),
            Span::raw(" quit   "),
            Span::styled("n", theme.key),
            Span::raw(" stay"),
        ]),
    ];
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(text)
            .block(popup_block(" Quit? ".into(), theme))
            .wrap(Wrap { trim: true }),
        area,
    );
}

fn fields_text(fields: &[(String, String)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", safe(k), safe(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn detail(frame: &mut Frame, body: Rect, app: &App, row: &FailedRow, scroll: u16, theme: &Theme) {
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
    if let Some(mark) = app.failed.marks.get(&row.id) {
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

fn input_line<'a>(
    label: &'a str,
    input: &TextInput,
    focused: bool,
    width: usize,
    theme: &Theme,
) -> Line<'a> {
    let text = safe(input.text());
    let shown = if focused {
        let (before, after): (String, String) = {
            let chars: Vec<char> = input.text().chars().collect();
            let cut = input.cursor().min(chars.len());
            (
                safe(&chars[..cut].iter().collect::<String>()),
                safe(&chars[cut..].iter().collect::<String>()),
            )
        };
        format!("{before}▏{after}")
    } else {
        text
    };
    let shown = super::super::format::fit(&shown, width, true);
    let style = if focused { theme.input } else { theme.base };
    Line::from(vec![
        Span::styled(
            format!("{label:>12} "),
            if focused { theme.key } else { theme.dim },
        ),
        Span::styled(format!("{shown:<width$}"), style),
    ])
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

fn prompt(frame: &mut Frame, body: Rect, p: &Prompt, theme: &Theme) {
    let area = centered(body, 76, 8);
    let title = match p.kind {
        super::super::app::popup::PromptKind::OpenPath => " Open ",
        super::super::app::popup::PromptKind::ExportPath => " Export reject file ",
    };
    let width = (area.width as usize).saturating_sub(16);
    let inner = usize::from(area.width.saturating_sub(2));
    let status = match (&p.error, p.busy) {
        (Some(e), _) => Line::from(Span::styled(fit(&safe(e), inner, false), theme.error)),
        (None, true) => Line::from(Span::styled("writing…", theme.info)),
        (None, false) => Line::from(""),
    };
    let lines = vec![
        Line::from(Span::styled(fit(&p.note, inner, false), theme.dim)),
        Line::from(""),
        input_line("path", &p.input, true, width, theme),
        Line::from(""),
        status,
    ];
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(popup_block(title.into(), theme))
            .wrap(Wrap { trim: false }),
        area,
    );
}
