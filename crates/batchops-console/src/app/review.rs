//! The Review tab: held lines grouped by their normalized description (most lines first), the
//! selected group's candidates side by side, and the operator's decision: `1`–`3` (or Enter on
//! the highlighted candidate) pick one, `n` a new item (SKU and name editable), `x` none of
//! these, `s` skips. A decision moves stock for good, so it is confirmed in a popup first; it
//! runs on a task of its own ([`Effect::Decide`]), its result goes to the status line and the
//! groups are read again.

use super::App;
use super::input::TextInput;
use super::nav::ListNav;
use super::popup::{Popup, edit_text};
use crate::engine::review::{Choice, Group, Outcome as Decision};
use crate::keymap::{Binding, b, ch, code};
use crate::mapping::generated_sku;
use crate::vocab::{Action, Effect, Level, Tab};
use crossterm::event::KeyCode;

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
        Action::NewItem,
        Some("new"),
        "a new item for the group (SKU and name editable; asks first)",
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
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReviewTab {
    pub groups: Vec<Group>,
    pub nav: ListNav,
    /// The highlighted candidate of the selected group (0-based).
    pub candidate: usize,
    pub loaded: bool,
    pending: bool,
    /// The description of the group whose decision is being applied.
    pub deciding: Option<String>,
    /// Why the groups could not be read.
    pub error: Option<String>,
}

impl ReviewTab {
    pub fn selected(&self) -> Option<&Group> {
        self.groups.get(self.nav.selected)
    }

    /// Candidates of the selected group on screen.
    pub fn shown(&self) -> usize {
        self.selected().map_or(0, |g| g.candidates.len().min(SHOWN))
    }

    fn load(&mut self, fx: &mut Vec<Effect>) {
        if !self.pending {
            self.pending = true;
            fx.push(Effect::LoadReview);
        }
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

pub fn on_show(app: &mut App, fx: &mut Vec<Effect>) {
    app.review.load(fx);
}

pub fn enabled(app: &App, a: Action) -> bool {
    let r = &app.review;
    let free = r.deciding.is_none() && r.selected().is_some();
    match a {
        Action::Pick(n) => free && usize::from(n) <= r.shown() && n > 0,
        Action::Enter => free && r.shown() > 0,
        Action::Left | Action::Right => r.shown() > 1,
        Action::NewItem | Action::Reject => free,
        Action::Skip => r.groups.len() > 1,
        _ => true,
    }
}

pub fn badge(app: &App) -> String {
    if app.review.groups.is_empty() {
        String::new()
    } else {
        format!(
            " ({})",
            crate::format::count(app.review.groups.len() as u64)
        )
    }
}

pub fn on_action(app: &mut App, a: Action, fx: &mut Vec<Effect>) {
    let (len, h) = (app.review.groups.len(), app.list_rows(Tab::Review));
    // With nothing to decide the number keys are the tabs' again.
    if let Action::Pick(n) = a
        && len == 0
        && let Some(&tab) = Tab::ALL.get(usize::from(n).wrapping_sub(1))
    {
        app.switch_tab(tab, fx);
        return;
    }
    let clicked = match a {
        Action::Click(x, y) => app.clicked_row(x, y),
        _ => None,
    };
    let before = app.review.nav.selected;
    if app.review.nav.apply(a, clicked, len, h) {
        if app.review.nav.selected != before {
            app.review.candidate = 0;
        }
        return;
    }
    if !enabled(app, a) {
        if let (Some(d), Action::Pick(_) | Action::Enter | Action::NewItem | Action::Reject) =
            (&app.review.deciding, a)
        {
            let text = format!("a decision on \"{d}\" is being applied; wait for its result");
            app.say(Level::Info, text);
        }
        return;
    }
    let Some(g) = app.review.selected().cloned() else {
        return;
    };
    match a {
        Action::Left => app.review.candidate = app.review.candidate.saturating_sub(1),
        Action::Right => {
            app.review.candidate = (app.review.candidate + 1).min(app.review.shown() - 1)
        }
        Action::Pick(n) => pick(app, &g, usize::from(n) - 1),
        Action::Enter => {
            let i = app.review.candidate.min(app.review.shown() - 1);
            pick(app, &g, i)
        }
        Action::NewItem => {
            app.popup = Some(Popup::NewItem(Box::new(NewItemForm {
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
            confirm(app, &g, Choice::Reject, what);
        }
        Action::Skip => {
            let next = (app.review.nav.selected + 1) % len;
            app.review.nav.select(next, len, h);
            app.review.candidate = 0;
        }
        _ => {}
    }
}

fn pick(app: &mut App, g: &Group, i: usize) {
    let Some(c) = g.candidates.get(i) else {
        return;
    };
    let what = format!("land them on {} \"{}\" and learn the alias", c.sku, c.name);
    confirm(app, g, Choice::Item(c.sku.clone()), what);
}

fn confirm(app: &mut App, g: &Group, choice: Choice, what: String) {
    app.popup = Some(Popup::ConfirmDecision(Box::new(PendingDecision {
        held_id: g.id,
        description: g.description.clone(),
        lines: g.lines,
        choice,
        what,
    })));
}

/// Keys in the confirmation popup: yes applies the decision.
pub(crate) fn on_confirm(app: &mut App, d: Box<PendingDecision>, a: Action, fx: &mut Vec<Effect>) {
    match a {
        Action::Yes | Action::Enter => {
            app.review.deciding = Some(d.description.clone());
            app.say(
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
        _ => app.popup = Some(Popup::ConfirmDecision(d)),
    }
}

/// Keys in the new-item form: Enter asks to confirm the new item.
pub(crate) fn on_new_item(app: &mut App, mut f: Box<NewItemForm>, a: Action) {
    match a {
        Action::Close => {}
        Action::NextField | Action::PrevField => {
            f.focus = 1 - f.focus.min(1);
            app.popup = Some(Popup::NewItem(f));
        }
        Action::Enter => {
            let sku = f.sku.text().trim().to_string();
            let name = f.name.text().trim().to_string();
            if sku.is_empty() || name.is_empty() {
                f.error = Some("the SKU and the name cannot be empty".into());
                app.popup = Some(Popup::NewItem(f));
                return;
            }
            let what = format!("create item {sku} \"{name}\", land them on it and learn the alias");
            app.popup = Some(Popup::ConfirmDecision(Box::new(PendingDecision {
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
            app.popup = Some(Popup::NewItem(f));
        }
    }
}

pub(crate) fn on_loaded(app: &mut App, result: Result<Vec<Group>, String>) {
    app.review.pending = false;
    app.review.loaded = true;
    let groups = match result {
        Ok(g) => g,
        Err(e) => {
            app.review.error = Some(e.clone());
            app.say(Level::Error, format!("cannot read the held lines: {e}"));
            return;
        }
    };
    app.review.error = None;
    let keep = app.review.selected().map(|g| g.alias.clone());
    app.review.groups = groups;
    let len = app.review.groups.len();
    let h = app.list_rows(Tab::Review);
    let index = keep
        .and_then(|a| app.review.groups.iter().position(|g| g.alias == a))
        .unwrap_or(app.review.nav.selected);
    let old = app.review.nav.selected;
    app.review.nav.select(index, len, h);
    if app.review.nav.selected != old || app.review.candidate >= app.review.shown() {
        app.review.candidate = 0;
    }
}

pub(crate) fn on_decided(
    app: &mut App,
    description: &str,
    result: Result<Decision, String>,
    fx: &mut Vec<Effect>,
) {
    app.review.deciding = None;
    match result {
        Ok(o) => {
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
            app.say(
                Level::Info,
                format!(
                    "\"{description}\"{onto}: {} landed · quantity {}{rejected}{still}{correction}",
                    super::plural(o.landed, "line", "lines"),
                    o.quantity
                ),
            );
        }
        Err(e) => app.say(Level::Error, format!("\"{description}\" not decided: {e}")),
    }
    app.review.load(fx);
}
