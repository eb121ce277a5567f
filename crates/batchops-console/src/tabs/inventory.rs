//! The Inventory tab: the catalog, read a page at a time by keyset (a window of a few pages is
//! kept; moving past either end reads the next page that way), sorted by SKU, name, stock or last
//! movement, searched in the database (`/`, as typed). Enter opens an item: its stock, aliases,
//! supplier part numbers and recent movements, and the corrections of the command line (move an
//! alias, merge the item into another), each confirmed first.

use super::Page;
use crate::controls::input::TextInput;
use crate::controls::nav::ListNav;
use crate::controls::search::{Search, Typed};
use crate::keymap::{Binding, Context, b, ch, code};
use crate::shell::Shell;
use crate::store::inventory::{ItemDetail, ItemQuery, ItemRow, ItemSort};
use crate::theme::Theme;
use crate::vocab::{Action, Correction, Effect, ItemsRequest, Level, Place, Tab};
use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::Rect;

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
    /// The search changed while a page was on its way: it is read when that page arrives (one
    /// reading at a time, the last text typed).
    search_waiting: bool,
    /// The generation whose count is awaited.
    counting: u64,
    pub popup: Option<Popup>,
}

/// The tab's popups: an item, the SKU a correction needs, a correction waiting for yes.
#[derive(Debug, Clone, PartialEq)]
pub enum Popup {
    Item(Box<ItemView>),
    CorrectionPrompt(Box<CorrectionPrompt>),
    ConfirmCorrection(Box<Correction>),
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

fn on_show(t: &mut InventoryTab, fx: &mut Vec<Effect>) {
    if !t.loaded && !t.pending {
        t.reload(fx);
    }
}

fn enabled(t: &InventoryTab, a: Action) -> bool {
    match a {
        Action::Enter => t.selected().is_some(),
        Action::SearchNext | Action::SearchPrev | Action::Close => !t.search_text().is_empty(),
        _ => true,
    }
}

fn on_action(t: &mut InventoryTab, sh: &mut Shell, a: Action, fx: &mut Vec<Effect>) {
    let h = t.list_rows(sh);
    let len = t.rows.len();
    let clicked = match a {
        Action::Click(x, y) => t.clicked_row(sh, x, y),
        _ => None,
    };
    let inv = &mut *t;
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

/// A key while the search is typed: a change searches again at once, or, while a page is on its
/// way, once it arrives (keys typed meanwhile make one search, of the last text).
fn on_search_input(t: &mut InventoryTab, a: Action, fx: &mut Vec<Effect>) {
    if t.search.on_key(a) == Typed::Changed {
        if t.pending {
            t.search_waiting = true;
        } else {
            t.reload(fx);
        }
    }
}

pub(crate) fn on_page(
    t: &mut InventoryTab,
    sh: &mut Shell,
    generation: u64,
    place: Place,
    result: Result<Vec<ItemRow>, String>,
    fx: &mut Vec<Effect>,
) {
    let h = t.list_rows(sh);
    let inv = &mut *t;
    if generation != inv.generation {
        return;
    }
    inv.pending = false;
    if std::mem::take(&mut inv.search_waiting) {
        inv.reload(fx);
        return;
    }
    let page = match result {
        Ok(page) => page,
        Err(e) => {
            sh.say(Level::Error, format!("cannot read the inventory: {e}"));
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

pub(crate) fn on_count(
    t: &mut InventoryTab,
    sh: &mut Shell,
    generation: u64,
    result: Result<u64, String>,
) {
    // `G` reads the last page under a new generation; the count of the same search still holds.
    if generation != t.counting {
        return;
    }
    match result {
        Ok(n) => t.total = Some(n),
        Err(e) => sh.say(Level::Error, format!("cannot count the items: {e}")),
    }
}

/// The detail of an item: which alias is selected (for `a`).
#[derive(Debug, Clone, PartialEq)]
pub struct ItemView {
    pub detail: ItemDetail,
    pub alias: ListNav,
}

pub(crate) fn on_item(
    t: &mut InventoryTab,
    sh: &mut Shell,
    result: Result<Option<ItemDetail>, String>,
) {
    match result {
        Ok(Some(detail)) => {
            t.popup = Some(Popup::Item(Box::new(ItemView {
                detail,
                alias: ListNav::default(),
            })))
        }
        Ok(None) => sh.say(Level::Info, "the item is gone (merged or removed since)"),
        Err(e) => sh.say(Level::Error, format!("cannot read the item: {e}")),
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

fn on_item_popup(t: &mut InventoryTab, mut view: Box<ItemView>, a: Action) {
    let aliases = view.detail.aliases.len();
    match a {
        Action::Close => {}
        Action::Up | Action::Down => {
            let d = if a == Action::Up { -1 } else { 1 };
            view.alias.move_by(d, aliases, aliases.max(1));
            t.popup = Some(Popup::Item(view));
        }
        Action::MoveAlias if aliases > 0 => {
            let alias = view.detail.aliases[view.alias.selected.min(aliases - 1)]
                .0
                .clone();
            t.popup = Some(Popup::CorrectionPrompt(Box::new(CorrectionPrompt {
                view,
                alias: Some(alias),
                sku: TextInput::default(),
            })));
        }
        Action::Merge if !view.detail.item.retired => {
            t.popup = Some(Popup::CorrectionPrompt(Box::new(CorrectionPrompt {
                view,
                alias: None,
                sku: TextInput::default(),
            })));
        }
        _ => t.popup = Some(Popup::Item(view)),
    }
}

fn on_correction_prompt(t: &mut InventoryTab, mut p: Box<CorrectionPrompt>, a: Action) {
    match a {
        Action::Close => t.popup = Some(Popup::Item(p.view)),
        Action::Enter if !p.sku.text().trim().is_empty() => {
            t.popup = Some(Popup::ConfirmCorrection(Box::new(p.correction())))
        }
        other => {
            crate::controls::prompt::edit_text(&mut p.sku, other);
            t.popup = Some(Popup::CorrectionPrompt(p));
        }
    }
}

fn on_confirm(
    t: &mut InventoryTab,
    sh: &mut Shell,
    c: Box<Correction>,
    a: Action,
    fx: &mut Vec<Effect>,
) {
    match a {
        Action::Yes | Action::Enter => {
            sh.say(Level::Info, format!("{}…", describe(&c)));
            fx.push(Effect::Correct(*c));
        }
        Action::No | Action::Close => {}
        _ => t.popup = Some(Popup::ConfirmCorrection(c)),
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
    t: &mut InventoryTab,
    sh: &mut Shell,
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
            sh.say(Level::Info, format!("{}{id}", a.summary));
            t.reload(fx);
        }
        Err(e) => sh.say(
            Level::Error,
            format!("not done ({}): {e}", describe(&correction)),
        ),
    }
}

impl Page for InventoryTab {
    fn context(&self) -> Context {
        match &self.popup {
            Some(Popup::Item(_)) => Context::Item,
            Some(Popup::CorrectionPrompt(_)) => Context::Prompt,
            Some(Popup::ConfirmCorrection(_)) => Context::Confirm,
            None if self.search.typing => Context::Search,
            None => Context::Tab(Tab::Inventory),
        }
    }

    fn on_action(&mut self, sh: &mut Shell, a: Action, fx: &mut Vec<Effect>) {
        match self.popup.take() {
            Some(Popup::Item(v)) => on_item_popup(self, v, a),
            Some(Popup::CorrectionPrompt(p)) => on_correction_prompt(self, p, a),
            Some(Popup::ConfirmCorrection(c)) => on_confirm(self, sh, c, a, fx),
            None if self.search.typing => on_search_input(self, a, fx),
            None => on_action(self, sh, a, fx),
        }
    }

    fn on_show(&mut self, _sh: &mut Shell, fx: &mut Vec<Effect>) {
        on_show(self, fx)
    }

    fn enabled(&self, _sh: &Shell, ctx: Context, a: Action) -> bool {
        ctx != Context::Tab(Tab::Inventory) || enabled(self, a)
    }

    fn render(&self, frame: &mut Frame, body: Rect, _sh: &Shell, theme: &Theme) {
        crate::ui::inventory::render(frame, body, self, theme);
        match &self.popup {
            None => {}
            Some(Popup::Item(v)) => crate::ui::inventory::render_item(frame, body, v, theme),
            Some(Popup::CorrectionPrompt(p)) => {
                crate::ui::inventory::render_prompt(frame, body, p, theme)
            }
            Some(Popup::ConfirmCorrection(c)) => {
                crate::ui::inventory::render_confirm(frame, body, c, theme)
            }
        }
    }

    fn list_area(&self, body: Rect) -> Rect {
        crate::ui::inventory::list_area(body, self)
    }
}
