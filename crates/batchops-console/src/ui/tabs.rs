//! The tab bar: `1`–`6` jump (on Review `1`–`3` pick a candidate instead), Tab / Shift-Tab cycle, a click picks one. Drawn as one line whose
//! title positions [`spans`] also tells the mouse.

use super::super::app::App;
use super::super::tabs;
use super::super::theme::Theme;
use super::super::vocab::Tab;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

fn title(app: &App, t: Tab, tight: bool) -> String {
    let pad = if tight { "" } else { " " };
    format!(
        "{pad}{} {}{}{pad}",
        t.index() + 1,
        t.title(),
        (tabs::page(t).badge)(app)
    )
}

/// Whether the titles lose their padding to fit `width` (a narrow terminal keeps every tab).
fn tight(app: &App, width: u16) -> bool {
    let full: usize = Tab::ALL
        .iter()
        .map(|&t| title(app, t, false).width() + 1)
        .sum();
    full.saturating_sub(1) > usize::from(width)
}

/// Each tab and the columns its title covers (`from..to`).
pub fn spans(app: &App) -> Vec<(Tab, u16, u16)> {
    let mut x = 0u16;
    let tight = tight(app, app.size.0);
    Tab::ALL
        .iter()
        .map(|&t| {
            let w = u16::try_from(title(app, t, tight).width()).unwrap_or(u16::MAX);
            let span = (t, x, x.saturating_add(w));
            x = x.saturating_add(w + 1);
            span
        })
        .collect()
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut line = Vec::new();
    let tight = tight(app, area.width);
    for (i, &t) in Tab::ALL.iter().enumerate() {
        if i > 0 {
            line.push(Span::styled("│", theme.tab));
        }
        let style = if t == app.tab {
            theme.tab_active
        } else {
            theme.tab
        };
        line.push(Span::styled(title(app, t, tight), style));
    }
    frame.render_widget(Paragraph::new(Line::from(line)), area);
}
