//! The tab list: what each tab is made of. A tab is one state-and-update module under
//! [`super::app`] (its state, its keys `KEYS`, its handlers `on_action` / `on_show`, which of its
//! actions apply now `enabled`, its tab-bar `badge`) and one render module under [`super::ui`]
//! (`render`, and `list_area`: where its list's rows are). Adding a tab is a variant of
//! [`Tab`], those two modules, and one line below.

use super::app::{self, App};
use super::keymap::Binding;
use super::theme::Theme;
use super::ui;
use super::vocab::{Action, Effect, Tab};
use ratatui::Frame;
use ratatui::layout::Rect;

pub struct Page {
    pub tab: Tab,
    /// The tab's own keys.
    pub keys: &'static [Binding],
    /// Whether the list keys (j/k, pages, g/G) move a selection here.
    pub list: bool,
    pub on_action: fn(&mut App, Action, &mut Vec<Effect>),
    /// The tab came on screen.
    pub on_show: fn(&mut App, &mut Vec<Effect>),
    pub enabled: fn(&App, Action) -> bool,
    pub badge: fn(&App) -> String,
    pub render: fn(&mut Frame, Rect, &App, &Theme),
    /// The rows of the tab's list (or log) inside the body: paging and clicks use it.
    pub list_area: fn(Rect, &App) -> Rect,
}

macro_rules! page {
    ($tab:ident, $module:ident, list: $list:expr) => {
        Page {
            tab: Tab::$tab,
            keys: app::$module::KEYS,
            list: $list,
            on_action: app::$module::on_action,
            on_show: app::$module::on_show,
            enabled: app::$module::enabled,
            badge: app::$module::badge,
            render: ui::$module::render,
            list_area: ui::$module::list_area,
        }
    };
}

/// One line per tab, in the order of [`Tab::ALL`].
pub static PAGES: [Page; 7] = [
    page!(Batches, batches, list: true),
    page!(Run, run, list: false),
    page!(Failed, failed, list: true),
    page!(Runs, runs, list: true),
    page!(Compare, compare, list: false),
    page!(Review, review, list: true),
    page!(Inventory, inventory, list: true),
];

pub fn page(tab: Tab) -> &'static Page {
    PAGES.iter().find(|p| p.tab == tab).unwrap_or(&PAGES[0])
}
