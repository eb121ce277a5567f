//! The search line every searched list shares: it takes the first row of the list's area while
//! a search is typed or kept (the field, and what Enter, Esc, `n`/`N` do).

use super::super::theme::Theme;
use crate::controls::search::Search;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The area below the search line (all of `area` when there is no search, or no room).
pub fn below(area: Rect, search: &Search) -> Rect {
    if search.is_active() && area.height > 3 {
        Rect {
            y: area.y + 1,
            height: area.height - 1,
            ..area
        }
    } else {
        area
    }
}

/// Draw the search line in the first row of `area` (nothing without a search).
pub fn render(frame: &mut Frame, area: Rect, search: &Search, theme: &Theme) {
    if !search.is_active() || area.height <= 3 {
        return;
    }
    let label = if search.typing {
        "search (Enter keeps, Esc clears)"
    } else {
        "search (/ edits, n/N next/previous, Esc clears)"
    };
    let line = super::popups::input_line(
        "/",
        &search.input,
        search.typing,
        usize::from(area.width.saturating_sub(14)),
        theme,
    );
    let mut spans = line.spans;
    spans.insert(0, Span::styled(format!("{label} "), theme.dim));
    let first = Rect { height: 1, ..area };
    let width = usize::from(area.width);
    let text: String = spans.iter().map(|s| s.content.as_ref()).collect();
    if text.chars().count() > width {
        spans.remove(0);
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), first);
}

/// How a searched list shows the match in its rows.
pub fn match_style(theme: &Theme) -> Style {
    theme.key.add_modifier(Modifier::UNDERLINED)
}
