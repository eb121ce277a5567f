//! The status line (the last message) and the key hints, drawn from the commands in force:
//! what does not apply now is greyed out, and goes first when the line is short.

use super::super::app::App;
use super::super::commands;
use super::super::format::{fit, safe};
use super::super::theme::Theme;
use super::super::vocab::Level;
use crate::shell::QuitState;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn render_status(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let width = usize::from(area.width.saturating_sub(1));
    let line = match &app.shell.message {
        Some(m) => {
            let style = match m.level {
                Level::Info => theme.info,
                Level::Warn => theme.warn,
                Level::Error => theme.error,
            };
            Line::from(Span::styled(
                format!(" {}", fit(&safe(&m.text), width, false)),
                style,
            ))
        }
        None if matches!(app.shell.quit, QuitState::Cancelling { .. }) => Line::from(Span::styled(
            " quitting: waiting for the run to finish its chunk…",
            theme.warn,
        )),
        None => Line::from(Span::styled(" ready", theme.dim)),
    };
    frame.render_widget(Paragraph::new(line), area);
}

pub fn render_hints(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut items = commands::footer(app);
    let width = |items: &[commands::Command]| -> usize {
        items
            .iter()
            .map(|c| c.keys.chars().count() + 1 + c.hint.map_or(0, |h| h.chars().count()) + 2)
            .sum::<usize>()
            + 1
    };
    // Too long: drop what does not apply first, then hints from the end (help and quit stay).
    while width(&items) > area.width as usize {
        if let Some(i) = items.iter().rposition(|c| !c.enabled) {
            items.remove(i);
        } else if items.len() > 2 {
            items.remove(items.len() - 3);
        } else {
            break;
        }
    }
    let mut spans = vec![Span::raw(" ")];
    for c in items {
        let (key, hint) = if c.enabled {
            (theme.key, theme.hint)
        } else {
            (theme.disabled, theme.disabled)
        };
        spans.push(Span::styled(c.keys, key));
        spans.push(Span::raw(" "));
        spans.push(Span::styled(c.hint.unwrap_or_default(), hint));
        spans.push(Span::raw("  "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
