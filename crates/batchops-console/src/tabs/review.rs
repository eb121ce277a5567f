//! The Review tab: held lines grouped by their normalized description (most lines first), the
//! selected group's candidates side by side, and the operator's decision: `1`–`3` (or Enter on
//! the highlighted candidate) pick one, `n` a new item (SKU and name editable), `x` none of
//! these, `s` skips. A decision moves stock for good, so it is confirmed in a popup first; it
//! runs on a task of its own ([`Effect::Decide`]), its result goes to the status line and the
//! groups are read again.
//!
//! At speed: space selects groups (`a` every group shown, `A` none), `t` lands each selected
//! group's lines on its top candidate in one transaction (one confirmation stating how many lines
//! land on which items), `u` undoes the last decision (asks first). `/` searches the descriptions
//! in the database (`n`/`N` next/previous match, Esc clears); `f`, `b` and `C` narrow the list by
//! why the lines are held, by the top score's band, by the selected group's top candidate.

use super::Page;
use crate::controls::input::TextInput;
use crate::controls::nav::ListNav;
use crate::controls::prompt::edit_text;
use crate::controls::search::{Search, Typed};
use crate::engine::review::{BulkOutcome, Choice, Group, HeldKind, Outcome as Decision};
use crate::keymap::{Binding, Context, b, ch, code};
use crate::mapping::generated_sku;
use crate::shell::{Request, Shell};
use crate::store::GroupQuery;
use crate::theme::Theme;
use crate::vocab::{Action, Effect, Level, ReviewPage, ReviewRequest, Tab};
use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::Rect;

/// Candidates shown (and pickable with `1`…) per group.
pub const SHOWN: usize = 3;

pub static KEYS: &[Binding] = &[
    b(
        &[ch('1')],
        Action::Pick(1),
        Some("pick"),
        "land the group's lines on candidate 1 (asks first)",
    ),
    b(
        &[ch('2')],
        Action::Pick(2),
        None,
        "land the group's lines on candidate 2 (asks first)",
    ),
    b(
        &[ch('3')],
        Action::Pick(3),
        None,
        "land the group's lines on candidate 3 (asks first)",
    ),
    b(
        &[code(KeyCode::Enter)],
        Action::Enter,
        None,
        "land the group's lines on the highlighted candidate (asks first)",
    ),
    b(
        &[ch('h'), code(KeyCode::Left)],
        Action::Left,
        None,
        "highlight the candidate to the left",
    ),
    b(
        &[ch('l'), code(KeyCode::Right)],
        Action::Right,
        None,
        "highlight the candidate to the right",
    ),
    b(
        &[ch('n')],
        Action::SearchNext,
        Some("new"),
        "a new item for the group (asks first); with a search kept: the next match",
    ),
    b(
        &[ch('i')],
        Action::NewItem,
        None,
        "a new item for the group (asks first), with a search kept too",
    ),
    b(
        &[ch('x')],
        Action::Reject,
        Some("none"),
        "reject these candidates; the lines are mapped again (asks first)",
    ),
    b(
        &[ch('s')],
        Action::Skip,
        Some("skip"),
        "leave the group undecided and go to the next",
    ),
    b(
        &[ch(' ')],
        Action::Mark,
        Some("select"),
        "select or unselect the group",
    ),
    b(
        &[ch('a')],
        Action::MarkAll,
        None,
        "select every group shown",
    ),
    b(&[ch('A')], Action::MarkNone, None, "clear the selection"),
    b(
        &[ch('t')],
        Action::AcceptTop,
        Some("accept top"),
        "land each selected group (or this one) on its top candidate (asks first)",
    ),
    b(
        &[ch('u')],
        Action::Undo,
        Some("undo"),
        "undo the last decision: its lines held again, its stock taken back (asks first)",
    ),
    b(
        &[ch('/')],
        Action::Filter,
        None,
        "search the descriptions (in the database, as you type)",
    ),
    b(&[ch('N')], Action::SearchPrev, None, "previous match"),
    b(
        &[code(KeyCode::Esc)],
        Action::Close,
        None,
        "clear the search and the filters",
    ),
    b(
        &[ch('f')],
        Action::FilterWhy,
        None,
        "filter by why held: veto, one-sided attribute, close score, all",
    ),
    b(
        &[ch('b')],
        Action::FilterBand,
        None,
        "filter by the top score: 0.90 and up, 0.75 to 0.90, below 0.75, all",
    ),
    b(
        &[ch('C')],
        Action::FilterCandidate,
        None,
        "only the groups whose top candidate is this group's (again: all)",
    ),
];

pub use crate::store::Band;

/// Groups read per page.
pub const GROUP_PAGE: u64 = 500;
/// Read the next page when the selection comes this close to the last group read.
const MORE_MARGIN: usize = 50;

/// What narrows the groups shown (in the database).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub why: Option<HeldKind>,
    pub band: Option<Band>,
    /// Only groups whose top candidate is this SKU.
    pub candidate: Option<String>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        self.why.is_none() && self.band.is_none() && self.candidate.is_none()
    }

    /// In words, for the title.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(w) = self.why {
            parts.push(w.label().to_string());
        }
        if let Some(b) = self.band {
            parts.push(b.label().to_string());
        }
        if let Some(c) = &self.candidate {
            parts.push(format!("top {c}"));
        }
        parts.join(", ")
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReviewTab {
    /// The groups read so far, in the list's order (narrowed by the search and the filters in
    /// the database); more are read as the selection nears the last.
    pub groups: Vec<Group>,
    /// The groups and held lines the narrowed list holds in all.
    pub total_groups: u64,
    pub total_lines: u64,
    pub filters: Filters,
    pub search: Search,
    /// The selected groups, by key (a selection outlives a filter, not a decision).
    pub marked: std::collections::BTreeMap<String, Group>,
    /// The correction of this session's last decision (what `u` undoes first).
    pub last_decision: Option<i64>,
    pub nav: ListNav,
    /// The highlighted candidate of the selected group (0-based).
    pub candidate: usize,
    pub loaded: bool,
    /// Bumped whenever the list is read afresh; answers to an older reading are dropped.
    generation: u64,
    /// A reading is on its way (`Some(true)`: the next page).
    pending: Option<bool>,
    /// The search changed while a reading was on its way: read when it arrives.
    search_waiting: bool,
    /// The description of the group whose decision is being applied.
    pub deciding: Option<String>,
    /// Why the groups could not be read.
    pub error: Option<String>,
    pub popup: Option<Popup>,
}

/// The tab's popups.
#[derive(Debug, Clone, PartialEq)]
pub enum Popup {
    /// A decision waiting for the operator's yes.
    ConfirmDecision(Box<PendingDecision>),
    /// A bulk accept or an undo, waiting for yes.
    ConfirmBulk(Box<PendingBulk>),
    /// The new item's SKU and name.
    NewItem(Box<NewItemForm>),
}

impl ReviewTab {
    pub fn selected(&self) -> Option<&Group> {
        self.groups.get(self.nav.selected)
    }

    /// Candidates of the selected group on screen.
    pub fn shown(&self) -> usize {
        self.selected().map_or(0, |g| g.candidates.len().min(SHOWN))
    }

    fn query(&self, after: Option<(u64, i64)>) -> GroupQuery {
        GroupQuery {
            search: Some(self.search.text().to_string()).filter(|t| !t.is_empty()),
            why: self.filters.why,
            band: self.filters.band,
            top_sku: self.filters.candidate.clone(),
            after,
            limit: GROUP_PAGE,
        }
    }

    /// The reading the answers must belong to.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Read the first page, unless a reading of the whole list is on its way.
    fn load(&mut self, fx: &mut Vec<Effect>) {
        if self.pending != Some(false) {
            self.research(fx);
        }
    }

    /// The search or a filter changed (or a decision was made): read the first page again at
    /// once (an answer to an older reading is dropped).
    fn research(&mut self, fx: &mut Vec<Effect>) {
        self.generation += 1;
        self.pending = Some(false);
        fx.push(Effect::LoadReview(ReviewRequest {
            generation: self.generation,
            query: self.query(None),
        }));
    }

    /// Read the next page when the selection nears the last group read and more are there.
    fn more(&mut self, fx: &mut Vec<Effect>) {
        let read = self.groups.len();
        if self.pending.is_some()
            || read as u64 >= self.total_groups
            || self.nav.selected + MORE_MARGIN < read
        {
            return;
        }
        let Some(last) = self.groups.last() else {
            return;
        };
        self.pending = Some(true);
        fx.push(Effect::LoadReview(ReviewRequest {
            generation: self.generation,
            query: self.query(Some((last.lines, last.id))),
        }));
    }

    /// The selected groups (those read or not).
    pub fn marked_groups(&self) -> Vec<&Group> {
        self.marked.values().collect()
    }
}

/// The new-item form: SKU and name, prefilled with the generated SKU and the description.
#[derive(Debug, Clone, PartialEq)]
pub struct NewItemForm {
    pub held_id: i64,
    pub description: String,
    pub lines: u64,
    pub sku: TextInput,
    pub name: TextInput,
    /// 0: SKU, 1: name.
    pub focus: usize,
    pub error: Option<String>,
}

/// A decision waiting for the operator's yes.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingDecision {
    pub held_id: i64,
    pub description: String,
    pub lines: u64,
    pub choice: Choice,
    /// What it will do, in a sentence.
    pub what: String,
}

fn on_show(t: &mut ReviewTab, fx: &mut Vec<Effect>) {
    t.load(fx);
}

fn enabled(t: &ReviewTab, a: Action) -> bool {
    let r = t;
    let free = r.deciding.is_none() && r.selected().is_some();
    match a {
        Action::Pick(n) => free && usize::from(n) <= r.shown() && n > 0,
        Action::Enter => free && r.shown() > 0,
        Action::Left | Action::Right => r.shown() > 1,
        Action::NewItem | Action::Reject => free,
        Action::Skip => r.groups.len() > 1,
        Action::Mark => r.selected().is_some(),
        Action::MarkAll => !r.groups.is_empty(),
        Action::MarkNone => !r.marked.is_empty(),
        Action::AcceptTop => {
            r.deciding.is_none()
                && (r.marked_groups().iter().any(|g| !g.candidates.is_empty())
                    || r.selected().is_some_and(|g| !g.candidates.is_empty()))
        }
        Action::Undo => r.deciding.is_none(),
        Action::SearchPrev => !r.search.text().is_empty(),
        Action::SearchNext if r.search.text().is_empty() => free,
        Action::Close => !r.search.text().is_empty() || !r.filters.is_empty(),
        Action::FilterCandidate => {
            r.filters.candidate.is_some() || r.selected().is_some_and(|g| !g.candidates.is_empty())
        }
        _ => true,
    }
}

fn badge(t: &ReviewTab) -> String {
    if t.total_groups == 0 {
        String::new()
    } else {
        format!(" ({})", crate::format::count(t.total_groups))
    }
}

fn on_action(t: &mut ReviewTab, sh: &mut Shell, a: Action, fx: &mut Vec<Effect>) {
    let (len, h) = (t.groups.len(), t.list_rows(sh));
    // With nothing to decide the number keys are the tabs' again.
    if let Action::Pick(n) = a
        && len == 0
        && let Some(&tab) = Tab::ALL.get(usize::from(n).wrapping_sub(1))
    {
        sh.request(Request::Show(tab));
        return;
    }
    // `n` is the next match with a search kept, a new item without (`i` is always one).
    let a = match a {
        Action::SearchNext if t.search.text().is_empty() => Action::NewItem,
        Action::SearchNext => Action::Down,
        Action::SearchPrev => Action::Up,
        other => other,
    };
    if on_speed_action(t, sh, a, h, fx) {
        return;
    }
    let clicked = match a {
        Action::Click(x, y) => t.clicked_row(sh, x, y),
        _ => None,
    };
    let before = t.nav.selected;
    if t.nav.apply(a, clicked, len, h) {
        if t.nav.selected != before {
            t.candidate = 0;
        }
        t.more(fx);
        return;
    }
    if !enabled(t, a) {
        if let (Some(d), Action::Pick(_) | Action::Enter | Action::NewItem | Action::Reject) =
            (&t.deciding, a)
        {
            let text = format!("a decision on \"{d}\" is being applied; wait for its result");
            sh.say(Level::Info, text);
        }
        return;
    }
    let Some(g) = t.selected().cloned() else {
        return;
    };
    match a {
        Action::Left => t.candidate = t.candidate.saturating_sub(1),
        Action::Right => t.candidate = (t.candidate + 1).min(t.shown() - 1),
        Action::Pick(n) => pick(t, &g, usize::from(n) - 1),
        Action::Enter => {
            let i = t.candidate.min(t.shown() - 1);
            pick(t, &g, i)
        }
        Action::NewItem => {
            t.popup = Some(Popup::NewItem(Box::new(NewItemForm {
                held_id: g.id,
                description: g.description.clone(),
                lines: g.lines,
                sku: TextInput::new(generated_sku(&g.alias)),
                name: TextInput::new(g.description.clone()),
                focus: 0,
                error: None,
            })))
        }
        Action::Reject => {
            let skus: Vec<&str> = g
                .candidates
                .iter()
                .map(|c| c.sku.as_str())
                .collect::<Vec<_>>();
            let what = if skus.is_empty() {
                "map the lines again".to_string()
            } else {
                format!(
                    "never pair it with {} again and map the lines again",
                    skus.join(", ")
                )
            };
            confirm(t, &g, Choice::Reject, what);
        }
        Action::Skip => {
            let next = (t.nav.selected + 1) % len;
            t.nav.select(next, len, h);
            t.candidate = 0;
            t.more(fx);
        }
        _ => {}
    }
}

fn pick(t: &mut ReviewTab, g: &Group, i: usize) {
    let Some(c) = g.candidates.get(i) else {
        return;
    };
    let what = format!("land them on {} \"{}\" and learn the alias", c.sku, c.name);
    confirm(t, g, Choice::Item(c.sku.clone()), what);
}

fn confirm(t: &mut ReviewTab, g: &Group, choice: Choice, what: String) {
    t.popup = Some(Popup::ConfirmDecision(Box::new(PendingDecision {
        held_id: g.id,
        description: g.description.clone(),
        lines: g.lines,
        choice,
        what,
    })));
}

/// Keys in the confirmation popup: yes applies the decision.
fn on_confirm(
    t: &mut ReviewTab,
    sh: &mut Shell,
    d: Box<PendingDecision>,
    a: Action,
    fx: &mut Vec<Effect>,
) {
    match a {
        Action::Yes | Action::Enter => {
            t.deciding = Some(d.description.clone());
            sh.say(
                Level::Info,
                format!("applying the decision on \"{}\"…", d.description),
            );
            fx.push(Effect::Decide {
                held_id: d.held_id,
                description: d.description,
                choice: d.choice,
            });
        }
        Action::No | Action::Close => {}
        _ => t.popup = Some(Popup::ConfirmDecision(d)),
    }
}

/// Keys in the new-item form: Enter asks to confirm the new item.
fn on_new_item(t: &mut ReviewTab, mut f: Box<NewItemForm>, a: Action) {
    match a {
        Action::Close => {}
        Action::NextField | Action::PrevField => {
            f.focus = 1 - f.focus.min(1);
            t.popup = Some(Popup::NewItem(f));
        }
        Action::Enter => {
            let sku = f.sku.text().trim().to_string();
            let name = f.name.text().trim().to_string();
            if sku.is_empty() || name.is_empty() {
                f.error = Some("the SKU and the name cannot be empty".into());
                t.popup = Some(Popup::NewItem(f));
                return;
            }
            let what = format!("create item {sku} \"{name}\", land them on it and learn the alias");
            t.popup = Some(Popup::ConfirmDecision(Box::new(PendingDecision {
                held_id: f.held_id,
                description: f.description.clone(),
                lines: f.lines,
                choice: Choice::New {
                    sku: Some(sku),
                    name: Some(name),
                },
                what,
            })));
        }
        other => {
            let input = if f.focus == 0 {
                &mut f.sku
            } else {
                &mut f.name
            };
            edit_text(input, other);
            f.error = None;
            t.popup = Some(Popup::NewItem(f));
        }
    }
}

pub(crate) fn on_loaded(
    t: &mut ReviewTab,
    sh: &mut Shell,
    generation: u64,
    more: bool,
    result: Result<ReviewPage, String>,
    fx: &mut Vec<Effect>,
) {
    // A next page is taken only while asked for; the first page of the current reading always.
    if generation != t.generation || (more && t.pending != Some(true)) {
        return;
    }
    if t.pending == Some(more) {
        t.pending = None;
    }
    if std::mem::take(&mut t.search_waiting) {
        t.research(fx);
        return;
    }
    t.loaded = true;
    let page = match result {
        Ok(p) => p,
        Err(e) => {
            t.error = Some(e.clone());
            sh.say(Level::Error, format!("cannot read the held lines: {e}"));
            return;
        }
    };
    t.error = None;
    let h = t.list_rows(sh);
    if more {
        t.groups.extend(page.groups);
    } else {
        // Keep the selected group where it is still listed.
        let keep = t.selected().map(|g| g.alias.clone());
        t.groups = page.groups;
        t.total_groups = page.total_groups;
        t.total_lines = page.total_lines;
        let len = t.groups.len();
        let index = keep
            .and_then(|a| t.groups.iter().position(|g| g.alias == a))
            .unwrap_or(t.nav.selected);
        let old = t.nav.selected;
        t.nav.select(index, len, h);
        if t.nav.selected != old || t.candidate >= t.shown() {
            t.candidate = 0;
        }
    }
    t.more(fx);
}

pub(crate) fn on_decided(
    t: &mut ReviewTab,
    sh: &mut Shell,
    description: &str,
    result: Result<Decision, String>,
    fx: &mut Vec<Effect>,
) {
    t.deciding = None;
    match result {
        Ok(o) => {
            if o.correction_id.is_some() {
                t.last_decision = o.correction_id;
            }
            // A decided group is not selected any more, read again or not.
            t.marked.remove(&o.alias);
            let onto = o
                .sku
                .as_deref()
                .map(|s| format!(" onto {s}"))
                .unwrap_or_default();
            let rejected = if o.rejected.is_empty() {
                String::new()
            } else {
                format!(" · rejected {}", o.rejected.join(", "))
            };
            let still = if o.still_held > 0 {
                format!(" · {} still held with other candidates", o.still_held)
            } else {
                String::new()
            };
            let correction = o
                .correction_id
                .map(|c| format!(" · correction {c}"))
                .unwrap_or_else(|| " · nothing left to mark (decided before)".into());
            sh.say(
                Level::Info,
                format!(
                    "\"{description}\"{onto}: {} landed · quantity {}{rejected}{still}{correction}",
                    crate::format::plural(o.landed, "line", "lines"),
                    o.quantity
                ),
            );
        }
        Err(e) => sh.say(Level::Error, format!("\"{description}\" not decided: {e}")),
    }
    t.load(fx);
}

/// A bulk decision or an undo waiting for the operator's yes.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingBulk {
    pub act: BulkAct,
    /// What it will do, a line each.
    pub lines: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BulkAct {
    /// Held line ids, one per group.
    AcceptTop(Vec<i64>),
    /// A correction id (`None`: the newest decision still standing).
    Undo(Option<i64>),
}

/// The keys of reviewing at speed: selection, bulk accept, undo, filters, the search.
fn on_speed_action(
    t: &mut ReviewTab,
    sh: &mut Shell,
    a: Action,
    h: usize,
    fx: &mut Vec<Effect>,
) -> bool {
    if !matches!(
        a,
        Action::Mark
            | Action::MarkAll
            | Action::MarkNone
            | Action::AcceptTop
            | Action::Undo
            | Action::Filter
            | Action::Close
            | Action::FilterWhy
            | Action::FilterBand
            | Action::FilterCandidate
    ) {
        return false;
    }
    if !enabled(t, a) {
        if let (Some(d), Action::AcceptTop | Action::Undo) = (&t.deciding, a) {
            let text = format!("a decision on \"{d}\" is being applied; wait for its result");
            sh.say(Level::Info, text);
        }
        return true;
    }
    let r = &mut *t;
    match a {
        Action::Mark => {
            if let Some(g) = r.selected().cloned() {
                if r.marked.remove(&g.alias).is_none() {
                    r.marked.insert(g.alias.clone(), g);
                }
                let len = r.groups.len();
                r.nav.move_by(1, len, h);
                r.more(fx);
            }
        }
        Action::MarkAll => {
            let read = r.groups.iter().map(|g| (g.alias.clone(), g.clone()));
            r.marked.extend(read);
        }
        Action::MarkNone => r.marked.clear(),
        Action::Filter => r.search.open(),
        Action::Close => {
            r.filters = Filters::default();
            r.search.clear();
            r.research(fx);
        }
        Action::FilterWhy => {
            r.filters.why = match r.filters.why {
                None => Some(HeldKind::Veto),
                Some(HeldKind::Veto) => Some(HeldKind::OneSided),
                Some(HeldKind::OneSided) => Some(HeldKind::CloseScore),
                Some(HeldKind::CloseScore) => None,
            };
            r.research(fx);
        }
        Action::FilterBand => {
            r.filters.band = match r.filters.band {
                None => Some(Band::High),
                Some(Band::High) => Some(Band::Middle),
                Some(Band::Middle) => Some(Band::Low),
                Some(Band::Low) => None,
            };
            r.research(fx);
        }
        Action::FilterCandidate => {
            r.filters.candidate = match r.filters.candidate {
                Some(_) => None,
                None => r
                    .selected()
                    .and_then(|g| g.candidates.first())
                    .map(|c| c.sku.clone()),
            };
            r.research(fx);
        }
        Action::AcceptTop => accept_top(t),
        Action::Undo => {
            let id = t.last_decision;
            let what = match id {
                Some(c) => format!("undo correction {c}, this session's last decision:"),
                None => "undo the newest review decision still standing:".to_string(),
            };
            t.popup = Some(Popup::ConfirmBulk(Box::new(PendingBulk {
                act: BulkAct::Undo(id),
                lines: vec![
                    what,
                    "its lines are held again and the stock it added is taken back,".into(),
                    "in one transaction (undoing it again changes nothing).".into(),
                ],
            })));
        }
        _ => {}
    }
    true
}

/// `t`: the selected groups (or the highlighted one) onto their top candidates, after a
/// confirmation stating how many lines land on which items.
fn accept_top(t: &mut ReviewTab) {
    let r = &*t;
    let mut groups: Vec<&Group> = r.marked_groups();
    if groups.is_empty() {
        groups.extend(r.selected());
    }
    groups.retain(|g| !g.candidates.is_empty());
    let mut per_item: std::collections::BTreeMap<&str, (u64, u64)> = Default::default();
    for g in &groups {
        let e = per_item.entry(g.candidates[0].sku.as_str()).or_default();
        e.0 += g.lines;
        e.1 += 1;
    }
    let lines: u64 = groups.iter().map(|g| g.lines).sum();
    let mut text = vec![format!(
        "{} of {} onto their top candidates:",
        crate::format::plural(lines, "line", "lines"),
        crate::format::plural(groups.len() as u64, "group", "groups"),
    )];
    for (sku, (n, g)) in &per_item {
        text.push(format!(
            "  {} → {sku} ({})",
            crate::format::plural(*n, "line", "lines"),
            crate::format::plural(*g, "group", "groups")
        ));
    }
    let ids = groups.iter().map(|g| g.id).collect();
    t.popup = Some(Popup::ConfirmBulk(Box::new(PendingBulk {
        act: BulkAct::AcceptTop(ids),
        lines: text,
    })));
}

/// Keys in the bulk confirmation: yes applies it.
fn on_confirm_bulk(
    t: &mut ReviewTab,
    sh: &mut Shell,
    p: Box<PendingBulk>,
    a: Action,
    fx: &mut Vec<Effect>,
) {
    match a {
        Action::Yes | Action::Enter => match p.act {
            BulkAct::AcceptTop(held_ids) => {
                let n = held_ids.len() as u64;
                t.deciding = Some(crate::format::plural(n, "group", "groups"));
                sh.say(Level::Info, "accepting the top candidates…");
                fx.push(Effect::AcceptTop { held_ids });
            }
            BulkAct::Undo(correction_id) => {
                t.deciding = Some("the undo".into());
                sh.say(Level::Info, "undoing the last decision…");
                fx.push(Effect::UndoDecision { correction_id });
            }
        },
        Action::No | Action::Close => {}
        _ => t.popup = Some(Popup::ConfirmBulk(p)),
    }
}

/// A key while the search is typed: a change reads the matching groups again at once, or, while
/// a reading is on its way, once it arrives (keys typed meanwhile make one reading, of the last
/// text).
fn on_search_input(t: &mut ReviewTab, a: Action, fx: &mut Vec<Effect>) {
    if t.search.on_key(a) == Typed::Changed {
        if t.pending.is_some() {
            t.search_waiting = true;
        } else {
            t.research(fx);
        }
    }
}

pub(crate) fn on_accepted(
    t: &mut ReviewTab,
    sh: &mut Shell,
    result: Result<BulkOutcome, String>,
    fx: &mut Vec<Effect>,
) {
    t.deciding = None;
    match result {
        Ok(o) => {
            t.marked.clear();
            if o.correction_id.is_some() {
                t.last_decision = o.correction_id;
            }
            let left = if o.left > 0 {
                format!(" · {} left as they were", o.left)
            } else {
                String::new()
            };
            let correction = o
                .correction_id
                .map(|c| format!(" · correction {c} (u undoes it)"))
                .unwrap_or_else(|| " · nothing left to mark (decided before)".into());
            sh.say(
                Level::Info,
                format!(
                    "{} of {} landed on their top candidates · quantity {}{left}{correction}",
                    crate::format::plural(o.landed, "line", "lines"),
                    crate::format::plural(o.groups.len() as u64, "group", "groups"),
                    o.quantity
                ),
            );
        }
        Err(e) => sh.say(Level::Error, format!("not accepted: {e}")),
    }
    t.load(fx);
}

pub(crate) fn on_undone(
    t: &mut ReviewTab,
    sh: &mut Shell,
    result: Result<crate::corrections::Applied, String>,
    fx: &mut Vec<Effect>,
) {
    t.deciding = None;
    match result {
        Ok(a) => {
            t.last_decision = None;
            let id = a
                .correction_id
                .map(|c| format!(" · correction {c}"))
                .unwrap_or_default();
            sh.say(Level::Info, format!("{}{id}", a.summary));
        }
        Err(e) => sh.say(Level::Error, format!("not undone: {e}")),
    }
    t.load(fx);
}
impl Page for ReviewTab {
    fn context(&self) -> Context {
        match &self.popup {
            Some(Popup::ConfirmDecision(_) | Popup::ConfirmBulk(_)) => Context::Confirm,
            Some(Popup::NewItem(_)) => Context::NewItem,
            None if self.search.typing => Context::Search,
            None => Context::Tab(Tab::Review),
        }
    }

    fn on_action(&mut self, sh: &mut Shell, a: Action, fx: &mut Vec<Effect>) {
        match self.popup.take() {
            Some(Popup::ConfirmDecision(d)) => on_confirm(self, sh, d, a, fx),
            Some(Popup::ConfirmBulk(p)) => on_confirm_bulk(self, sh, p, a, fx),
            Some(Popup::NewItem(f)) => on_new_item(self, f, a),
            None if self.search.typing => on_search_input(self, a, fx),
            None => on_action(self, sh, a, fx),
        }
    }

    fn on_show(&mut self, _sh: &mut Shell, fx: &mut Vec<Effect>) {
        on_show(self, fx)
    }

    fn enabled(&self, _sh: &Shell, ctx: Context, a: Action) -> bool {
        ctx != Context::Tab(Tab::Review) || enabled(self, a)
    }

    fn badge(&self, _sh: &Shell) -> String {
        badge(self)
    }

    fn render(&self, frame: &mut Frame, body: Rect, _sh: &Shell, theme: &Theme) {
        crate::ui::review::render(frame, body, self, theme);
        crate::ui::review::render_popup(frame, body, self, theme);
    }

    fn list_area(&self, body: Rect) -> Rect {
        crate::ui::review::list_area(body, self)
    }
}
