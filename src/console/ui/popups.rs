//! Popups over the body: help (from the keymap), quit confirmation, a failed item's detail, the
//! edit form and the path prompt. Esc closes each.

use super::super::app::failed::{EDIT_FIELDS, EditForm};
use super::super::app::input::TextInput;
use super::super::app::{App, Popup, PromptKind};
use super::super::format::safe;
use super::super::keymap;
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
        Some(Popup::Detail { row, scroll }) => detail(frame, body, app, row, *scroll, theme),
        Some(Popup::Edit(form)) => edit(frame, body, form, theme),
        Some(Popup::Prompt { kind, input }) => prompt(frame, body, *kind, input, theme),
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

fn help(frame: &mut Frame, body: Rect, app: &App, scroll: u16, theme: &Theme) {
    let area = centered(body, 84, body.height);
    let mut lines: Vec<Line> = Vec::new();
    for (title, bindings) in keymap::help_sections(app.base_context()) {
        if !lines.is_empty() {
            lines.push(Line::from(""));
        }
        lines.push(Line::from(Span::styled(title, theme.table_header)));
        for b in bindings {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<18}", keymap::keys_label(b)), theme.key),
                Span::raw(b.help),
            ]));
        }
    }
    let max = (lines.len() as u16).saturating_sub(area.height.saturating_sub(2));
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(popup_block(" Keys (j/k scroll) ".into(), theme))
            .scroll((scroll.min(max), 0)),
        area,
    );
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
            super::super::app::failed::RetryMark::Pending => "retrying…".to_string(),
            super::super::app::failed::RetryMark::Landed => "landed".to_string(),
            super::super::app::failed::RetryMark::FailedAgain(e) => {
                format!("failed again: {}", safe(e))
            }
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

fn prompt(frame: &mut Frame, body: Rect, kind: PromptKind, input: &TextInput, theme: &Theme) {
    let area = centered(body, 76, 6);
    let (title, help) = match kind {
        PromptKind::OpenPath => (
            " Open ",
            "A batch file (.csv, .json, .jsonl) or a directory of them:",
        ),
        PromptKind::ExportPath => (
            " Export reject file ",
            "Write the failed items shown (CSV, never overwrites) to:",
        ),
    };
    let width = (area.width as usize).saturating_sub(16);
    let lines = vec![
        Line::from(Span::styled(help, theme.dim)),
        Line::from(""),
        input_line("path", input, true, width, theme),
    ];
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(popup_block(title.into(), theme)),
        area,
    );
}
