//! The import screen over the body: the run's options on the left (the selected one
//! highlighted, a value being typed with its cursor), what will be read on the right in the words
//! of `batchops inspect` (a refusal in red, with its reason); stacked on narrow screens.

use super::super::format::{fit, safe};
use super::super::theme::Theme;
use super::popups::popup_block;
use crate::tabs::batches::import::{FIELDS, ImportScreen, Typing};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

/// The options column's width (borders excluded) when side by side.
const OPTIONS_WIDTH: u16 = 38;
/// From this inner width the options and the preview are side by side.
const SIDE_BY_SIDE: u16 = 110;

pub fn render(frame: &mut Frame, body: Rect, s: &ImportScreen, theme: &Theme) {
    frame.render_widget(Clear, body);
    let title = format!(" Import · {} ", safe(&s.path.display().to_string()));
    let title = fit(&title, usize::from(body.width.saturating_sub(16)), true);
    let block = popup_block(title, theme);
    let inner = block.inner(body);
    frame.render_widget(block, body);
    if inner.width >= SIDE_BY_SIDE {
        let [l, r] = Layout::horizontal([Constraint::Length(OPTIONS_WIDTH), Constraint::Fill(1)])
            .spacing(1)
            .areas(inner);
        options(frame, l, s, 1, theme);
        preview(frame, r, s, theme);
    } else {
        // Narrow: the options in two columns above what will be read.
        let rows = FIELDS.len().div_ceil(2) as u16 + 2 + u16::from(s.error.is_some());
        let [t, b] = Layout::vertical([Constraint::Length(rows), Constraint::Fill(1)]).areas(inner);
        options(frame, t, s, 2, theme);
        preview(frame, b, s, theme);
    }
}

fn options(frame: &mut Frame, area: Rect, s: &ImportScreen, columns: usize, theme: &Theme) {
    let width = usize::from(area.width);
    let col_w = width / columns;
    let value_w = col_w.saturating_sub(15);
    let per_column = FIELDS.len().div_ceil(columns);
    let mut lines = Vec::new();
    for row in 0..per_column {
        let mut spans = Vec::new();
        for col in 0..columns {
            let i = col * per_column + row;
            let Some(&f) = FIELDS.get(i) else {
                continue;
            };
            let cell = option_spans(s, i, f, value_w, theme);
            let used: usize = cell.iter().map(|sp| sp.width()).sum();
            spans.extend(cell);
            if col + 1 < columns {
                spans.push(Span::raw(" ".repeat(col_w.saturating_sub(used))));
            }
        }
        lines.push(Line::from(spans));
    }
    options_tail(frame, area, s, lines, theme);
}

fn option_spans(
    s: &ImportScreen,
    i: usize,
    f: crate::tabs::batches::import::Field,
    value_w: usize,
    theme: &Theme,
) -> Vec<Span<'static>> {
    let selected = i == s.selected;
    let label = Span::styled(
        format!("{:<13} ", f.label()),
        if selected { theme.selected } else { theme.dim },
    );
    let value = match &s.typing {
        Some(Typing::Field(tf, input)) if *tf == f => input_spans(input, value_w, theme),
        _ => vec![Span::styled(
            fit(&safe(&s.value(f)), value_w, false),
            if selected { theme.selected } else { theme.base },
        )],
    };
    let mut spans = vec![label];
    spans.extend(value);
    spans
}

fn options_tail(
    frame: &mut Frame,
    area: Rect,
    s: &ImportScreen,
    mut lines: Vec<Line<'static>>,
    theme: &Theme,
) {
    let width = usize::from(area.width);
    match &s.typing {
        Some(Typing::ProfileName(input)) => {
            let mut spans = vec![Span::styled("save as profile ", theme.key)];
            spans.extend(input_spans(input, width.saturating_sub(16), theme));
            lines.push(Line::from(spans));
        }
        _ => {
            let flags = s.flags();
            let flags = if flags.is_empty() {
                "as `batchops import FILE`".to_string()
            } else {
                format!("as import {flags}")
            };
            lines.push(Line::from(Span::styled(
                fit(&flags, width, false),
                theme.dim,
            )));
        }
    }
    if let Some(e) = &s.error {
        lines.push(Line::from(Span::styled(safe(e), theme.error)));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

fn input_spans(
    input: &crate::controls::input::TextInput,
    width: usize,
    theme: &Theme,
) -> Vec<Span<'static>> {
    let text = input.text();
    let at = input.cursor();
    let before: String = text.chars().take(at).collect();
    let cursor: String = text.chars().nth(at).map(String::from).unwrap_or(" ".into());
    let after: String = text.chars().skip(at + 1).collect();
    let before = fit(&safe(&before), width.saturating_sub(1), true);
    vec![
        Span::styled(before, theme.input),
        Span::styled(cursor, theme.selected),
        Span::styled(safe(&after), theme.input),
    ]
}

fn preview(frame: &mut Frame, area: Rect, s: &ImportScreen, theme: &Theme) {
    let mut lines: Vec<Line> = Vec::new();
    match &s.preview {
        None => lines.push(Line::from(Span::styled("reading the file…", theme.dim))),
        Some(Err(e)) => lines.push(Line::from(Span::styled(safe(e), theme.error))),
        Some(Ok(p)) => {
            lines.push(Line::from(Span::styled(
                safe(p.profile.trim_end()),
                theme.info,
            )));
            match &p.text {
                Ok(text) => {
                    for l in text.lines() {
                        let style = if l.starts_with("ambiguous") {
                            theme.warn
                        } else {
                            theme.base
                        };
                        lines.push(Line::from(Span::styled(safe(l), style)));
                    }
                }
                Err(why) => {
                    for l in why.lines() {
                        lines.push(Line::from(Span::styled(safe(l), theme.error)));
                    }
                }
            }
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((s.scroll, 0)),
        area,
    );
}
