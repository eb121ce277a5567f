//! The commands in force, gitui-style: the bindings of the current context, each with whether it
//! applies now. One list turns a key into an action, draws the footer (what does not apply is
//! greyed out) and the help, so the three never disagree.

use super::app::App;
use super::keymap::{self, Binding, Context, GLOBAL, MOVE};
use super::tabs;
use super::vocab::{Action, Tab};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// A binding as the footer and the help show it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub keys: String,
    /// The footer's word; `None`: only in the help.
    pub hint: Option<&'static str>,
    pub help: &'static str,
    pub action: Action,
    /// It applies now (a disabled command is greyed out and does nothing).
    pub enabled: bool,
}

/// The bindings of a context: for a tab its own, then moving in its list; for a popup its list.
pub fn bindings(ctx: Context) -> Vec<&'static Binding> {
    match ctx {
        Context::Tab(tab) => {
            let page = tabs::keys(tab);
            let mut all: Vec<&'static Binding> = page.keys.iter().collect();
            if page.list {
                all.extend(MOVE.iter());
            }
            all
        }
        other => keymap::popup_bindings(other)
            .unwrap_or_default()
            .iter()
            .collect(),
    }
}

/// The bindings in force: the context's, then (on a tab) the global ones. A tab's own key
/// shadows a global one (on Review `1`–`3` pick a candidate; Tab, Shift-Tab and the other
/// numbers still switch tabs).
pub fn in_force(ctx: Context) -> Vec<&'static Binding> {
    let mut all = bindings(ctx);
    if matches!(ctx, Context::Tab(_)) {
        let own: Vec<keymap::Key> = all.iter().flat_map(|b| b.keys.iter().copied()).collect();
        all.extend(
            GLOBAL
                .iter()
                .filter(|g| !g.keys.iter().any(|k| own.contains(k))),
        );
    }
    all
}

/// The action of a key in a context.
pub fn action_for(ctx: Context, key: &KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if let Some(b) = in_force(ctx)
        .into_iter()
        .find(|b| b.keys.iter().any(|k| k.matches(key)))
    {
        return Some(b.action);
    }
    match key.code {
        KeyCode::Char(c) if ctx.is_text() && !key.modifiers.contains(KeyModifiers::CONTROL) => {
            Some(Action::Char(c))
        }
        _ => None,
    }
}

/// Whether an action applies now in the app's current context.
pub fn enabled(app: &App, ctx: Context, a: Action) -> bool {
    match (ctx, a) {
        (Context::Tab(_), Action::Cancel) => {
            app.shell.active.as_ref().is_some_and(|j| !j.cancelling)
        }
        // A rehearsal runs the batch selected on the Batches tab.
        (Context::Tab(_), Action::Rehearse) => {
            app.batches.selected().is_some_and(|e| e.file().is_some())
        }
        (Context::Tab(tab), a) => app.page(tab).enabled(&app.shell, ctx, a),
        // The detail of a failed line: whether the line is still open.
        (Context::Detail, a) => app.page(Tab::Failed).enabled(&app.shell, ctx, a),
        _ => true,
    }
}

fn command(app: &App, ctx: Context, b: &Binding) -> Command {
    Command {
        keys: keymap::keys_label(b),
        hint: b.hint,
        help: b.help,
        action: b.action,
        enabled: enabled(app, ctx, b.action),
    }
}

/// The commands of the current context, in order (the global ones last).
pub fn commands(app: &App) -> Vec<Command> {
    let ctx = app.context();
    in_force(ctx)
        .into_iter()
        .map(|b| command(app, ctx, b))
        .collect()
}

/// The footer: the commands that have a hint (a global one only while it applies: `c cancel`
/// shows while something runs; a tab's own commands stay, greyed out, so the tab's keys are
/// always in view).
pub fn footer(app: &App) -> Vec<Command> {
    commands(app)
        .into_iter()
        .filter(|c| c.hint.is_some() && (c.enabled || c.action != Action::Cancel))
        .collect()
}

/// The help: every context with its commands, the current one (under any popup) first.
pub fn help_sections(app: &App) -> Vec<(&'static str, Vec<Command>)> {
    let current = app.base_context();
    let mut contexts = vec![current];
    let tabs = Tab::ALL.iter().map(|&t| Context::Tab(t));
    let popups = [
        Context::Filter,
        Context::Detail,
        Context::Edit,
        Context::Reasons,
        Context::Prompt,
        Context::NewItem,
    ];
    for c in tabs.chain(popups) {
        if !contexts.contains(&c) {
            contexts.push(c);
        }
    }
    let mut sections = Vec::new();
    for (i, c) in contexts.into_iter().enumerate() {
        let list = bindings(c)
            .into_iter()
            .map(|b| command(app, c, b))
            .collect();
        sections.push((c.title(), list));
        if i == 0 {
            let global = GLOBAL.iter().map(|b| command(app, c, b)).collect();
            sections.push(("Everywhere", global));
        }
    }
    sections
}
