//! Drawing: one module per region and per tab, each a function of the state (`&App`) alone.
//!
//! ```text
//! ┌──────────────────────────────────────────────────────────────────────────────┐
//! │ batchops │ sqlite │ sqlite:batchops.db │ rtt 0.21 ms          ● run 3 42%   │ header
//! │ 1 Batches │ 2 Run │ 3 Failed (3) │ 4 Runs │ 5 Compare                        │ tabs
//! │┌ the selected tab ──────────────────────────────────────────────────────────┐│
//! ││ batches.rs │ run.rs │ failed.rs │ runs.rs │ compare.rs                      ││ body
//! │└────────────────────────────────────────────────────────────────────────────┘│
//! │ the last message (info, warning, error)                                      │ status
//! │ b batch  s sequential  o open  …  c cancel  ? help  q quit                   │ footer (keymap)
//! └──────────────────────────────────────────────────────────────────────────────┘
//!          popups.rs (help, quit?, detail, edit, prompt) float over the body
//! ```

mod batches;
mod compare;
mod failed;
mod footer;
mod header;
mod popups;
mod run;
mod runs;
mod tabs;

use super::app::{App, Tab};
use super::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};

/// Below this the console asks for a bigger terminal instead of drawing a mess.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 12;

pub fn draw(frame: &mut Frame, app: &App, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "The terminal is {}×{}; the console needs {MIN_WIDTH}×{MIN_HEIGHT}. q quits.",
            area.width, area.height
        );
        frame.render_widget(
            Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    }
    let [header_area, tabs_area, body, status_area, footer_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    header::render(frame, header_area, app, theme);
    tabs::render(frame, tabs_area, app, theme);
    match app.tab {
        Tab::Batches => batches::render(frame, body, app, theme),
        Tab::Run => run::render(frame, body, app, theme),
        Tab::Failed => failed::render(frame, body, app, theme),
        Tab::Runs => runs::render(frame, body, app, theme),
        Tab::Compare => compare::render(frame, body, app, theme),
    }
    footer::render_status(frame, status_area, app, theme);
    footer::render_hints(frame, footer_area, app, theme);
    popups::render(frame, body, app, theme);
}

/// A bordered block with a title.
fn block<'a>(title: impl Into<Line<'a>>, theme: &Theme) -> Block<'a> {
    Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(title)
        .title_style(theme.title)
}

/// A rectangle of at most `w`×`h` centred in `area`.
fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}
