//! Every colour of the console in one place. With `NO_COLOR` set (to anything non-empty) the
//! console draws with modifiers only (bold, reversed, dim), never a colour.

use crate::domain::RunStatus;
use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub base: Style,
    pub dim: Style,
    pub title: Style,
    pub border: Style,
    pub border_focus: Style,
    pub header: Style,
    pub tab: Style,
    pub tab_active: Style,
    pub table_header: Style,
    pub selected: Style,
    pub key: Style,
    pub hint: Style,
    /// A command that does not apply now.
    pub disabled: Style,
    pub ok: Style,
    pub warn: Style,
    pub error: Style,
    pub info: Style,
    pub bar_done: Style,
    pub bar_todo: Style,
    pub sparkline: Style,
    pub batch: Style,
    pub sequential: Style,
    pub popup: Style,
    pub input: Style,
}

impl Theme {
    /// The theme the settings ask for: monochrome when `no_color` (`NO_COLOR` set and not empty).
    pub fn for_settings(no_color: bool) -> Self {
        if no_color {
            Self::monochrome()
        } else {
            Self::colour()
        }
    }

    pub fn colour() -> Self {
        let bold = Modifier::BOLD;
        Self {
            base: Style::new(),
            dim: Style::new().fg(Color::DarkGray),
            title: Style::new().fg(Color::Cyan).add_modifier(bold),
            border: Style::new().fg(Color::DarkGray),
            border_focus: Style::new().fg(Color::Cyan),
            header: Style::new().fg(Color::White).bg(Color::Blue),
            tab: Style::new().fg(Color::Gray),
            tab_active: Style::new()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(bold),
            table_header: Style::new().fg(Color::Yellow).add_modifier(bold),
            selected: Style::new().bg(Color::DarkGray).add_modifier(bold),
            key: Style::new().fg(Color::Cyan).add_modifier(bold),
            hint: Style::new().fg(Color::Gray),
            disabled: Style::new().fg(Color::DarkGray).add_modifier(Modifier::DIM),
            ok: Style::new().fg(Color::Green),
            warn: Style::new().fg(Color::Yellow),
            error: Style::new().fg(Color::Red).add_modifier(bold),
            info: Style::new().fg(Color::Cyan),
            bar_done: Style::new().fg(Color::Green),
            bar_todo: Style::new().fg(Color::DarkGray),
            sparkline: Style::new().fg(Color::Cyan),
            batch: Style::new().fg(Color::Green),
            sequential: Style::new().fg(Color::Magenta),
            popup: Style::new().fg(Color::White).bg(Color::Black),
            input: Style::new().fg(Color::Black).bg(Color::Gray),
        }
    }

    pub fn monochrome() -> Self {
        let plain = Style::new();
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let dim = Style::new().add_modifier(Modifier::DIM);
        let rev = Style::new().add_modifier(Modifier::REVERSED);
        Self {
            base: plain,
            dim,
            title: bold,
            border: plain,
            border_focus: bold,
            header: rev,
            tab: plain,
            tab_active: rev.add_modifier(Modifier::BOLD),
            table_header: bold.add_modifier(Modifier::UNDERLINED),
            selected: rev,
            key: bold,
            hint: plain,
            disabled: dim,
            ok: plain,
            warn: bold,
            error: bold,
            info: plain,
            bar_done: plain,
            bar_todo: dim,
            sparkline: plain,
            batch: plain,
            sequential: plain,
            popup: plain,
            input: Style::new().add_modifier(Modifier::UNDERLINED),
        }
    }

    /// The style of a run status, in the report's words.
    pub fn status(&self, status: RunStatus) -> Style {
        match status {
            RunStatus::Success => self.ok,
            RunStatus::PartialSuccess => self.warn,
            RunStatus::Running | RunStatus::Reverted => self.info,
            RunStatus::Failed => self.error,
            RunStatus::Cancelled | RunStatus::Aborted | RunStatus::Interrupted => self.warn,
        }
    }
}
