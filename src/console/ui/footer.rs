//! The status line (the last message) and the key hints, drawn from the keymap.

use super::super::app::{App, Level, QuitState};
use super::super::format::safe;
use super::super::keymap;
use super::super::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn render_status(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let line = match &app.message {
        Some(m) => {
            let style = match m.level {
                Level::Info => theme.info,
                Level::Warn => theme.warn,
                Level::Error => theme.error,
            };
            Line::from(Span::styled(format!(" {}", safe(&m.text)), style))
        }
        None if matches!(app.quit, QuitState::Cancelling { .. }) => Line::from(Span::styled(
            " quitting: waiting for the run to finish its chunk…",
            theme.warn,
        )),
        None => Line::from(Span::styled(" ready", theme.dim)),
    };
    frame.render_widget(Paragraph::new(line), area);
}

pub fn render_hints(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut items = keymap::footer(app.context());
    let width = |items: &[(String, &str)]| -> usize {
        items
            .iter()
            .map(|(k, h)| k.chars().count() + 1 + h.chars().count() + 2)
            .sum::<usize>()
            + 1
    };
    // Keep help and quit (the last two); drop hints from the end of the rest until it fits.
    while width(&items) > area.width as usize && items.len() > 2 {
        items.remove(items.len() - 3);
    }
    let mut spans = vec![Span::raw(" ")];
    for (k, h) in items {
        spans.push(Span::styled(k, theme.key));
        spans.push(Span::raw(" "));
        spans.push(Span::styled(h, theme.hint));
        spans.push(Span::raw("  "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
