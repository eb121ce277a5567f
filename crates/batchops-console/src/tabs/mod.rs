//! The tabs. Each is a module here holding its state, its keys (`KEYS`) and its handlers, the
//! [`Page`] its state implements, and a render module under [`super::ui`]. A tab's handlers get its
//! own state and the [`Shell`] (the status line, the size, the job queue, the requests it makes of
//! the console): no tab sees the app or another tab's state. The app routes each action to the
//! tab on screen through [`Page::on_action`] and carries out what the tab requested. Adding a tab
//! is a variant of [`Tab`], its two modules, one line in [`KEYS`] and one in the app's `page`.

pub mod batches;
pub mod compare;
pub mod failed;
pub mod inventory;
pub mod review;
pub mod run;
pub mod runs;

use super::keymap::{Binding, Context};
use super::shell::Shell;
use super::theme::Theme;
use super::vocab::{Action, Effect, Tab};
use ratatui::Frame;
use ratatui::layout::Rect;

/// What the app asks of the tab on screen.
pub trait Page {
    /// Which keymap applies: the tab's, or that of its popup or the field being typed.
    fn context(&self) -> Context;
    /// A key (or a click, or the wheel) while the tab is on screen.
    fn on_action(&mut self, sh: &mut Shell, a: Action, fx: &mut Vec<Effect>);
    /// The tab came on screen.
    fn on_show(&mut self, _sh: &mut Shell, _fx: &mut Vec<Effect>) {}
    /// Whether an action of `ctx` (the tab's or its popup's) applies now.
    fn enabled(&self, _sh: &Shell, _ctx: Context, _a: Action) -> bool {
        true
    }
    /// What the tab bar shows after the tab's title.
    fn badge(&self, _sh: &Shell) -> String {
        String::new()
    }
    /// Draw the tab, and its popup over it, in the body.
    fn render(&self, frame: &mut Frame, body: Rect, sh: &Shell, theme: &Theme);
    /// The rows of the tab's list (or log) inside the body: paging and clicks use it.
    fn list_area(&self, _body: Rect) -> Rect {
        Rect::default()
    }
    /// How many rows of the list the screen shows (at least one).
    fn list_rows(&self, sh: &Shell) -> usize {
        Shell::rows(self.list_area(sh.body()))
    }
    /// The shown row of the list that a click at (`x`, `y`) hit.
    fn clicked_row(&self, sh: &Shell, x: u16, y: u16) -> Option<usize> {
        Shell::clicked(self.list_area(sh.body()), x, y)
    }
}

/// A tab's keys.
pub struct Keys {
    pub tab: Tab,
    /// The tab's own keys.
    pub keys: &'static [Binding],
    /// Whether the list keys (j/k, pages, g/G) move a selection here.
    pub list: bool,
}

/// One line per tab, in the order of [`Tab::ALL`].
pub static KEYS: [Keys; 7] = [
    Keys {
        tab: Tab::Batches,
        keys: batches::KEYS,
        list: true,
    },
    Keys {
        tab: Tab::Run,
        keys: run::KEYS,
        list: false,
    },
    Keys {
        tab: Tab::Failed,
        keys: failed::KEYS,
        list: true,
    },
    Keys {
        tab: Tab::Runs,
        keys: runs::KEYS,
        list: true,
    },
    Keys {
        tab: Tab::Compare,
        keys: compare::KEYS,
        list: false,
    },
    Keys {
        tab: Tab::Review,
        keys: review::KEYS,
        list: true,
    },
    Keys {
        tab: Tab::Inventory,
        keys: inventory::KEYS,
        list: true,
    },
];

pub fn keys(tab: Tab) -> &'static Keys {
    KEYS.iter().find(|k| k.tab == tab).unwrap_or(&KEYS[0])
}
