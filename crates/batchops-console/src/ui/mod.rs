//! Drawing: one module per region and per tab, each a function of the state alone (a tab's of its
//! own state, the header, footer and tab bar of the app's).
//!
//! ```text
//! ┌──────────────────────────────────────────────────────────────────────────────┐
//! │ batchops │ sqlite │ sqlite:batchops.db │ rtt 0.21 ms          ● run 3 42%   │ header
//! │ 1 Batches │ 2 Run │ 3 Failed (3) │ 4 Runs │ 5 Compare                        │ tabs
//! │┌ the selected tab ──────────────────────────────────────────────────────────┐│
//! ││ batches.rs │ run.rs │ failed.rs │ runs.rs │ compare.rs │ review.rs          ││ body
//! │└────────────────────────────────────────────────────────────────────────────┘│
//! │ the last message (info, warning, error)                                      │ status
//! │ b batch  s sequential  o open  …  c cancel  ? help  q quit                   │ footer (keymap)
//! └──────────────────────────────────────────────────────────────────────────────┘
//!          popups.rs (help, quit?, detail, edit, prompt) float over the body
//! ```

pub mod batches;
pub mod compare;
pub mod failed;
mod footer;
mod header;
pub mod import;
pub mod inventory;
pub mod popups;
pub mod review;
pub mod run;
pub mod runs;
mod search;
pub mod table;
mod tabs;

use super::app::App;
use super::theme::Theme;
use super::vocab::Tab;
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
    let s = Screen::of(area);
    header::render(frame, s.header, app, theme);
    tabs::render(frame, s.tabs, app, theme);
    app.page(app.shell.tab)
        .render(frame, s.body, &app.shell, theme);
    footer::render_status(frame, s.status, app, theme);
    footer::render_hints(frame, s.footer, app, theme);
    popups::render(frame, s.body, app, theme);
}

/// The regions of the screen: the one layout the drawing and the state (paging, clicks) share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Screen {
    pub header: Rect,
    pub tabs: Rect,
    pub body: Rect,
    pub status: Rect,
    pub footer: Rect,
}

impl Screen {
    pub fn of(area: Rect) -> Self {
        let [header, tabs, body, status, footer] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        Self {
            header,
            tabs,
            body,
            status,
            footer,
        }
    }

    /// The screen of the app's terminal size.
    pub fn of_app(app: &App) -> Self {
        Self::of(Rect::new(0, 0, app.shell.size.0, app.shell.size.1))
    }
}

/// The screen row of the tab bar.
pub fn tab_bar_row() -> u16 {
    1
}

/// The tab whose title is at column `x` of the tab bar.
pub fn tab_at(app: &App, x: u16) -> Option<Tab> {
    tabs::spans(app)
        .into_iter()
        .find(|(_, from, to)| x >= *from && x < *to)
        .map(|(t, _, _)| t)
}

/// The help popup's extent: lines in all, and lines shown at once.
pub fn help_extent(app: &App) -> (u16, u16) {
    popups::help_extent(app, Screen::of_app(app).body)
}

/// A title cut with `…` to fit a block drawn `width` cells wide (`extra`: room other titles take).
fn fit_title(title: &str, width: u16, extra: u16) -> String {
    let room = usize::from(width.saturating_sub(2 + extra));
    super::format::fit(title, room, false)
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
