//! The tab bar: `1`–`5` jump, Tab / Shift-Tab cycle.

use super::super::app::{App, Tab};
use super::super::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Tabs;

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let titles = Tab::ALL.iter().map(|&t| {
        let extra = match t {
            Tab::Run if app.active.is_some() && app.run_job.is_some() => " ●".to_string(),
            Tab::Failed => app
                .failed
                .total
                .filter(|&n| n > 0)
                .map(|n| format!(" ({n})"))
                .unwrap_or_default(),
            _ => String::new(),
        };
        Line::from(format!("{} {}{extra}", t.index() + 1, t.title()))
    });
    let tabs = Tabs::new(titles)
        .select(app.tab.index())
        .style(theme.tab)
        .highlight_style(theme.tab_active)
        .divider("│");
    frame.render_widget(tabs, area);
}
