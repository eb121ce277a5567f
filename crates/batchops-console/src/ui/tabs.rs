//! The tab bar: `1`–`7` jump (on Review `1`–`3` pick a candidate instead), Tab / Shift-Tab cycle, a click picks one. Drawn as one line whose
//! title positions [`spans`] also tells the mouse.

use super::super::app::App;
use super::super::theme::Theme;
use super::super::vocab::Tab;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

/// How much room the titles have: padded, unpadded, or unpadded with short names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fit {
    Padded,
    Tight,
    Short,
}

/// A tab's name where the whole bar does not fit (`7 Inv` rather than a cut `7 Inv`…).
fn short(t: Tab) -> &'static str {
    match t {
        Tab::Batches => "Batch",
        Tab::Run => "Run",
        Tab::Failed => "Fail",
        Tab::Runs => "Runs",
        Tab::Compare => "Cmp",
        Tab::Review => "Rev",
        Tab::Inventory => "Inv",
    }
}

fn title(app: &App, t: Tab, fit: Fit) -> String {
    let pad = if fit == Fit::Padded { " " } else { "" };
    let name = if fit == Fit::Short && t != app.shell.tab {
        short(t)
    } else {
        t.title()
    };
    format!(
        "{pad}{} {name}{}{pad}",
        t.index() + 1,
        app.page(t).badge(&app.shell)
    )
}

/// The widest titles that fit `width` (a narrow terminal keeps every tab, the current one named
/// in full).
fn fit(app: &App, width: u16) -> Fit {
    let room = |f: Fit| -> usize {
        let all: usize = Tab::ALL.iter().map(|&t| title(app, t, f).width() + 1).sum();
        all.saturating_sub(1)
    };
    [Fit::Padded, Fit::Tight]
        .into_iter()
        .find(|&f| room(f) <= usize::from(width))
        .unwrap_or(Fit::Short)
}

/// Each tab and the columns its title covers (`from..to`).
pub fn spans(app: &App) -> Vec<(Tab, u16, u16)> {
    let mut x = 0u16;
    let fit = fit(app, app.shell.size.0);
    Tab::ALL
        .iter()
        .map(|&t| {
            let w = u16::try_from(title(app, t, fit).width()).unwrap_or(u16::MAX);
            let span = (t, x, x.saturating_add(w));
            x = x.saturating_add(w + 1);
            span
        })
        .collect()
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut line = Vec::new();
    let fit = fit(app, area.width);
    for (i, &t) in Tab::ALL.iter().enumerate() {
        if i > 0 {
            line.push(Span::styled("│", theme.tab));
        }
        let style = if t == app.shell.tab {
            theme.tab_active
        } else {
            theme.tab
        };
        line.push(Span::styled(title(app, t, fit), style));
    }
    frame.render_widget(Paragraph::new(Line::from(line)), area);
}
