//! The Inventory tab: the catalog, read a page at a time by keyset (a window of a few pages is
//! kept; moving past either end reads the next page that way), sorted by SKU, name, stock or last
//! movement, searched in the database (`/`, as typed). Enter opens an item: its stock, aliases,
//! supplier part numbers and recent movements, and the corrections of the command line (move an
//! alias, merge the item into another), each confirmed first.

use super::App;
use super::input::TextInput;
use super::nav::ListNav;
use super::popup::Popup;
use super::search::{Search, Typed};
use crate::keymap::{Binding, b, ch, code};
use crate::store::inventory::{ItemDetail, ItemQuery, ItemRow, ItemSort};
use crate::vocab::{Action, Correction, Effect, ItemsRequest, Level, Place, Tab};
use crossterm::event::KeyCode;

/// Rows read per page.
pub const PAGE: u64 = 200;
/// The window never holds more than this many rows (pages fall off the far end).
const WINDOW: usize = 3 * PAGE as usize;

pub static KEYS: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        Action::Enter,
        Some("open"),
        "the item: stock, aliases, part numbers, movements, corrections",
    ),
    b(
        &[ch('/')],
        Action::Filter,
        Some("search"),
        "search SKUs and names (in the database, as you type)",
    ),
    b(&[ch('n')], Action::SearchNext, None, "next match"),
    b(&[ch('N')], Action::SearchPrev, None, "previous match"),
    b(
        &[code(KeyCode::Esc)],
        Action::Close,
        None,
        "clear the search",
    ),
    b(
        &[ch('s')],
        Action::SortNext,
        Some("sort"),
        "sort by the next column (SKU, name, stock, last movement)",
    ),
    b(&[ch('S')], Action::SortReverse, None, "reverse the order"),
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct InventoryTab {
    /// The window of rows read, in order.
    pub rows: Vec<ItemRow>,
    pub nav: ListNav,
    pub sort: ItemSort,
    pub descending: bool,
    pub search: Search,
    /// Items matching the search (every item without one), once counted.
    pub total: Option<u64>,
    /// The position of `rows[0]` in the whole order, when known.
    pub first: Option<u64>,
    /// The window holds the first row, the last row.
    pub at_start: bool,
    pub at_end: bool,
    pub loaded: bool,
    /// Answers of an older query are dropped.
    generation: u64,
    /// A page is on its way.
    pending: bool,
    /// The page on its way is the last one (`G`).
    from_end: bool,
    /// The generation whose count is awaited.
    counting: u64,
}

impl InventoryTab {
    pub fn selected(&self) -> Option<&ItemRow> {
        self.rows.get(self.nav.selected)
    }

    pub fn search_text(&self) -> &str {
        self.search.text()
    }

    fn query(&self) -> ItemQuery {
        ItemQuery {
            sort: self.sort,
            descending: self.descending,
            search: self.search_text().to_string(),
            after: None,
            backward: false,
            limit: PAGE,
        }
    }

    /// Read the first page afresh (and count): a new sort, a new search, a correction.
    fn reload(&mut self, fx: &mut Vec<Effect>) {
        self.generation += 1;
        self.pending = true;
        self.from_end = false;
        self.total = None;
        self.counting = self.generation;
        fx.push(Effect::LoadItems(ItemsRequest {
            generation: self.generation,
            query: self.query(),
            place: Place::Replace,
        }));
        fx.push(Effect::CountItems {
            generation: self.generation,
            search: self.search_text().to_string(),
        });
    }

    /// Read the last page (the end of the order).
    fn load_last(&mut self, fx: &mut Vec<Effect>) {
        self.generation += 1;
        self.pending = true;
        self.from_end = true;
        let mut query = self.query();
        query.backward = true;
        fx.push(Effect::LoadItems(ItemsRequest {
            generation: self.generation,
            query,
            place: Place::Replace,
        }));
    }

    /// Read the page after the window's last row or before its first.
    fn load_next(&mut self, place: Place, fx: &mut Vec<Effect>) {
        let edge = match place {
            Place::Append => self.rows.last(),
            _ => self.rows.first(),
        };
        let Some(edge) = edge else {
            return;
        };
        let mut query = self.query();
        query.after = Some(edge.cursor.clone());
        query.backward = place == Place::Prepend;
        self.pending = true;
        fx.push(Effect::LoadItems(ItemsRequest {
            generation: self.generation,
            query,
            place,
        }));
    }

    /// After a move: read on when the selection nears an edge of the window.
    fn read_ahead(&mut self, height: usize, fx: &mut Vec<Effect>) {
        if self.pending || self.rows.is_empty() {
            return;
        }
        if !self.at_end && self.nav.selected + height >= self.rows.len() {
            self.load_next(Place::Append, fx);
        } else if !self.at_start && self.nav.selected < height {
            self.load_next(Place::Prepend, fx);
        }
    }
}

pub fn on_show(app: &mut App, fx: &mut Vec<Effect>) {
    if !app.inventory.loaded && !app.inventory.pending {
        app.inventory.reload(fx);
    }
}

pub fn enabled(app: &App, a: Action) -> bool {
    match a {
        Action::Enter => app.inventory.selected().is_some(),
        Action::SearchNext | Action::SearchPrev | Action::Close => {
            !app.inventory.search_text().is_empty()
        }
        _ => true,
    }
}

pub fn badge(_app: &App) -> String {
    String::new()
}

pub fn on_action(app: &mut App, a: Action, fx: &mut Vec<Effect>) {
    let h = app.list_rows(Tab::Inventory);
    let len = app.inventory.rows.len();
    let clicked = match a {
        Action::Click(x, y) => app.clicked_row(x, y),
        _ => None,
    };
    let inv = &mut app.inventory;
    match a {
        Action::Top => {
            inv.reload(fx);
            return;
        }
        Action::Bottom => {
            inv.load_last(fx);
            return;
        }
        Action::SearchNext => {
            inv.nav.move_by(1, len, h);
            inv.read_ahead(h, fx);
            return;
        }
        Action::SearchPrev => {
            inv.nav.move_by(-1, len, h);
            inv.read_ahead(h, fx);
            return;
        }
        _ => {}
    }
    if inv.nav.apply(a, clicked, len, h) {
        inv.read_ahead(h, fx);
        return;
    }
    match a {
        Action::Filter => inv.search.open(),
        // Esc clears a kept search (and reads the whole list again).
        Action::Close if inv.search.clear() == Typed::Changed => inv.reload(fx),
        Action::SortNext => {
            inv.sort = inv.sort.next();
            inv.descending = false;
            inv.reload(fx);
        }
        Action::SortReverse => {
            inv.descending = !inv.descending;
            inv.reload(fx);
        }
        Action::Enter => {
            if let Some(row) = inv.selected() {
                fx.push(Effect::LoadItem { id: row.id });
            }
        }
        _ => {}
    }
}

/// A key while the search is typed: every change searches again.
pub(crate) fn on_search_input(app: &mut App, a: Action, fx: &mut Vec<Effect>) {
    if app.inventory.search.on_key(a) == Typed::Changed {
        app.inventory.reload(fx);
    }
}

pub(crate) fn on_page(
    app: &mut App,
    generation: u64,
    place: Place,
    result: Result<Vec<ItemRow>, String>,
) {
    let h = app.list_rows(Tab::Inventory);
    let inv = &mut app.inventory;
    if generation != inv.generation {
        return;
    }
    inv.pending = false;
    let page = match result {
        Ok(page) => page,
        Err(e) => {
            app.say(Level::Error, format!("cannot read the inventory: {e}"));
            return;
        }
    };
    inv.loaded = true;
    let full = page.len() as u64 >= PAGE;
    match place {
        Place::Replace => {
            inv.rows = page;
            inv.nav = ListNav::default();
            if inv.from_end {
                inv.from_end = false;
                inv.at_end = true;
                inv.at_start = !full;
                inv.first = match (inv.total, inv.at_start) {
                    (_, true) => Some(0),
                    (Some(t), false) => Some(t.saturating_sub(inv.rows.len() as u64)),
                    (None, false) => None,
                };
                inv.nav.selected = inv.rows.len().saturating_sub(1);
            } else {
                inv.at_start = true;
                inv.at_end = !full;
                inv.first = Some(0);
            }
        }
        Place::Append => {
            inv.at_end = !full;
            inv.rows.extend(page);
            if inv.rows.len() > WINDOW {
                let drop = inv.rows.len() - WINDOW;
                inv.rows.drain(..drop);
                inv.nav.selected = inv.nav.selected.saturating_sub(drop);
                inv.nav.top = inv.nav.top.saturating_sub(drop);
                inv.first = inv.first.map(|f| f + drop as u64);
                inv.at_start = false;
            }
        }
        Place::Prepend => {
            let n = page.len();
            inv.at_start = !full;
            let mut rows = page;
            rows.append(&mut inv.rows);
            inv.rows = rows;
            inv.nav.selected += n;
            inv.nav.top += n;
            inv.first = inv.first.map(|f| f.saturating_sub(n as u64));
            if inv.at_start {
                inv.first = Some(0);
            }
            if inv.rows.len() > WINDOW {
                inv.rows.truncate(WINDOW);
                inv.at_end = false;
            }
        }
    }
    let len = inv.rows.len();
    let selected = inv.nav.selected;
    inv.nav.select(selected, len, h);
}

pub(crate) fn on_count(app: &mut App, generation: u64, result: Result<u64, String>) {
    // `G` reads the last page under a new generation; the count of the same search still holds.
    if generation != app.inventory.counting {
        return;
    }
    match result {
        Ok(n) => app.inventory.total = Some(n),
        Err(e) => app.say(Level::Error, format!("cannot count the items: {e}")),
    }
}

/// The detail of an item: which alias is selected (for `a`).
#[derive(Debug, Clone, PartialEq)]
pub struct ItemView {
    pub detail: ItemDetail,
    pub alias: ListNav,
}

pub(crate) fn on_item(app: &mut App, result: Result<Option<ItemDetail>, String>) {
    match result {
        Ok(Some(detail)) => {
            app.popup = Some(Popup::Item(Box::new(ItemView {
                detail,
                alias: ListNav::default(),
            })))
        }
        Ok(None) => app.say(Level::Info, "the item is gone (merged or removed since)"),
        Err(e) => app.say(Level::Error, format!("cannot read the item: {e}")),
    }
}

/// A correction being prepared: the SKU it needs is typed here.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrectionPrompt {
    pub view: Box<ItemView>,
    /// `Some(alias)`: move that alias; `None`: merge the item.
    pub alias: Option<String>,
    pub sku: TextInput,
}

impl CorrectionPrompt {
    pub fn correction(&self) -> Correction {
        let to = self.sku.text().trim().to_string();
        match &self.alias {
            Some(alias) => Correction::MoveAlias {
                alias: alias.clone(),
                to_sku: to,
            },
            None => Correction::Merge {
                from_sku: self.view.detail.item.sku.clone(),
                into_sku: to,
            },
        }
    }
}

pub(crate) fn on_item_popup(app: &mut App, mut view: Box<ItemView>, a: Action) {
    let aliases = view.detail.aliases.len();
    match a {
        Action::Close => {}
        Action::Up | Action::Down => {
            let d = if a == Action::Up { -1 } else { 1 };
            view.alias.move_by(d, aliases, aliases.max(1));
            app.popup = Some(Popup::Item(view));
        }
        Action::MoveAlias if aliases > 0 => {
            let alias = view.detail.aliases[view.alias.selected.min(aliases - 1)]
                .0
                .clone();
            app.popup = Some(Popup::CorrectionPrompt(Box::new(CorrectionPrompt {
                view,
                alias: Some(alias),
                sku: TextInput::default(),
            })));
        }
        Action::Merge if !view.detail.item.retired => {
            app.popup = Some(Popup::CorrectionPrompt(Box::new(CorrectionPrompt {
                view,
                alias: None,
                sku: TextInput::default(),
            })));
        }
        _ => app.popup = Some(Popup::Item(view)),
    }
}

pub(crate) fn on_correction_prompt(app: &mut App, mut p: Box<CorrectionPrompt>, a: Action) {
    match a {
        Action::Close => app.popup = Some(Popup::Item(p.view)),
        Action::Enter if !p.sku.text().trim().is_empty() => {
            app.popup = Some(Popup::ConfirmCorrection(Box::new(p.correction())))
        }
        other => {
            super::popup::edit_text(&mut p.sku, other);
            app.popup = Some(Popup::CorrectionPrompt(p));
        }
    }
}

pub(crate) fn on_confirm(app: &mut App, c: Box<Correction>, a: Action, fx: &mut Vec<Effect>) {
    match a {
        Action::Yes | Action::Enter => {
            app.say(Level::Info, format!("{}…", describe(&c)));
            fx.push(Effect::Correct(*c));
        }
        Action::No | Action::Close => {}
        _ => app.popup = Some(Popup::ConfirmCorrection(c)),
    }
}

/// The correction in words.
pub fn describe(c: &Correction) -> String {
    match c {
        Correction::MoveAlias { alias, to_sku } => {
            format!("moving alias \"{alias}\" to {to_sku}")
        }
        Correction::Merge { from_sku, into_sku } => format!("merging {from_sku} into {into_sku}"),
    }
}

pub(crate) fn on_corrected(
    app: &mut App,
    correction: Correction,
    result: Result<crate::corrections::Applied, String>,
    fx: &mut Vec<Effect>,
) {
    match result {
        Ok(a) => {
            let id = a
                .correction_id
                .map(|c| format!(" · correction {c}"))
                .unwrap_or_default();
            app.say(Level::Info, format!("{}{id}", a.summary));
            app.inventory.reload(fx);
        }
        Err(e) => app.say(
            Level::Error,
            format!("not done ({}): {e}", describe(&correction)),
        ),
    }
}
