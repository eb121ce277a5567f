//! Keys and bindings: a [`Binding`] ties keys to an [`Action`] with the words the footer and the
//! help use. The bindings of every tab live in the tab's own module (`KEYS`); this module holds
//! what no tab owns (the global keys, moving in a list, the popups and the text fields). The
//! lists are read by [`super::commands`], which turns a key into an action and builds the footer
//! and the help from the same lists, so the three never disagree. Depends on the vocabulary only.

use super::vocab::{Action, Tab};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

/// Where keys go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Tab(Tab),
    /// Typing the Failed tab's filter.
    Filter,
    Help,
    Confirm,
    Detail,
    Edit,
    Reasons,
    Prompt,
    /// The Review tab's new-item form (SKU and name).
    NewItem,
    /// An import refused because its file overlaps earlier imports: what to do.
    Overlap,
    /// Typing the Inventory tab's search.
    Search,
    /// Inventory: one item in detail.
    Item,
    /// Batches: the import screen.
    Import,
    /// The import screen: typing an option's value or a profile's name.
    ImportEdit,
}

impl Context {
    /// Text is typed here: unbound printable keys are characters, and the global keys are off.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Context::Filter
                | Context::Search
                | Context::Edit
                | Context::Prompt
                | Context::NewItem
                | Context::ImportEdit
        )
    }

    pub fn title(self) -> &'static str {
        match self {
            Context::Tab(t) => t.title(),
            Context::Filter => "Failed: typing a filter",
            Context::Help => "Help",
            Context::Confirm => "Confirm",
            Context::Detail => "Failed item",
            Context::Edit => "Edit a failed item",
            Context::Reasons => "Failure reasons",
            Context::Prompt => "Path prompt",
            Context::NewItem => "Review: a new item",
            Context::Overlap => "A re-sent invoice",
            Context::Search => "Typing a search",
            Context::Item => "Inventory: an item",
            Context::Import => "Import screen",
            Context::ImportEdit => "Import screen: typing a value",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

pub const fn ch(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: false,
    }
}

pub const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

pub const fn code(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

impl Key {
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        let ev_ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        match (self.code, ev.code) {
            // Shift is part of the character already ('R'); other modifiers must agree.
            (KeyCode::Char(a), KeyCode::Char(b)) => a == b && self.ctrl == ev_ctrl,
            (KeyCode::BackTab, KeyCode::BackTab) => true,
            (KeyCode::Tab, KeyCode::Tab) => !ev.modifiers.contains(KeyModifiers::SHIFT) && !ev_ctrl,
            (a, b) => a == b && self.ctrl == ev_ctrl,
        }
    }

    /// How the key is written in the footer and the help.
    pub fn label(&self) -> String {
        let name = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Backspace => "Bksp".into(),
            KeyCode::Delete => "Del".into(),
            other => format!("{other:?}"),
        };
        if self.ctrl {
            format!("Ctrl-{}", name.to_uppercase())
        } else {
            name
        }
    }
}

/// One binding: the keys, what they do, and how the footer (if at all) and the help name it.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    /// Short name for the footer; `None`: only in the help.
    pub hint: Option<&'static str>,
    pub help: &'static str,
}

pub const fn b(
    keys: &'static [Key],
    action: Action,
    hint: Option<&'static str>,
    help: &'static str,
) -> Binding {
    Binding {
        keys,
        action,
        hint,
        help,
    }
}

/// Keys that work on every tab.
pub static GLOBAL: &[Binding] = &[
    b(
        &[ch('1')],
        Action::GoTo(Tab::Batches),
        None,
        "Batches: the files loaded",
    ),
    b(
        &[ch('2')],
        Action::GoTo(Tab::Run),
        None,
        "Run: the live run",
    ),
    b(
        &[ch('3')],
        Action::GoTo(Tab::Failed),
        None,
        "Failed: the failed items of the run",
    ),
    b(
        &[ch('4')],
        Action::GoTo(Tab::Runs),
        None,
        "Runs: the history",
    ),
    b(
        &[ch('5')],
        Action::GoTo(Tab::Compare),
        None,
        "Compare: batch against sequential",
    ),
    b(
        &[ch('6')],
        Action::GoTo(Tab::Review),
        None,
        "Review: held lines to decide",
    ),
    b(
        &[ch('7')],
        Action::GoTo(Tab::Inventory),
        None,
        "Inventory: the catalog, its stock and corrections",
    ),
    b(&[code(KeyCode::Tab)], Action::NextTab, None, "next tab"),
    b(
        &[code(KeyCode::BackTab)],
        Action::PrevTab,
        None,
        "previous tab",
    ),
    b(
        &[ch('c')],
        Action::Cancel,
        Some("cancel"),
        "cancel the active run after its current chunk (resumable)",
    ),
    b(&[ch('?')], Action::Help, Some("help"), "this help"),
    b(
        &[ch('q'), ctrl('c')],
        Action::Quit,
        Some("quit"),
        "quit (asks first while a run is active)",
    ),
];

/// Moving in a list (Batches, Failed, Runs; the log on Run).
pub static MOVE: &[Binding] = &[
    b(&[ch('k'), code(KeyCode::Up)], Action::Up, None, "up"),
    b(&[ch('j'), code(KeyCode::Down)], Action::Down, None, "down"),
    b(
        &[code(KeyCode::PageUp), ctrl('b')],
        Action::PageUp,
        None,
        "page up",
    ),
    b(
        &[code(KeyCode::PageDown), ctrl('f')],
        Action::PageDown,
        None,
        "page down",
    ),
    b(&[ch('g'), code(KeyCode::Home)], Action::Top, None, "first"),
    b(&[ch('G'), code(KeyCode::End)], Action::Bottom, None, "last"),
];

pub static FILTER: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        Action::Enter,
        Some("keep"),
        "keep the filter and go back to the list",
    ),
    b(
        &[code(KeyCode::Esc)],
        Action::Close,
        Some("clear"),
        "clear the filter",
    ),
    b(
        &[code(KeyCode::Backspace)],
        Action::Backspace,
        None,
        "delete back",
    ),
    b(&[ctrl('c')], Action::Quit, None, "quit"),
];

pub static SEARCH: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        Action::Enter,
        Some("keep"),
        "keep the search and go back to the list (n/N: next/previous match)",
    ),
    b(
        &[code(KeyCode::Esc)],
        Action::Close,
        Some("clear"),
        "clear the search",
    ),
    b(
        &[code(KeyCode::Backspace)],
        Action::Backspace,
        None,
        "delete back",
    ),
    b(&[ctrl('c')], Action::Quit, None, "quit"),
];

pub static ITEM: &[Binding] = &[
    b(
        &[code(KeyCode::Esc), code(KeyCode::Enter)],
        Action::Close,
        Some("close"),
        "back to the list",
    ),
    b(
        &[ch('a')],
        Action::MoveAlias,
        Some("move alias"),
        "point the selected alias at another item (its lines' stock moves too; asks first)",
    ),
    b(
        &[ch('m')],
        Action::Merge,
        Some("merge"),
        "merge this item into another (stock, lines and aliases move; asks first)",
    ),
    b(
        &[ch('k'), code(KeyCode::Up)],
        Action::Up,
        Some("alias"),
        "select the alias above",
    ),
    b(
        &[ch('j'), code(KeyCode::Down)],
        Action::Down,
        None,
        "select the alias below",
    ),
    b(&[ch('q'), ctrl('c')], Action::Quit, None, "quit"),
];

pub static HELP: &[Binding] = &[
    b(
        &[code(KeyCode::Esc), ch('?'), ch('q')],
        Action::Close,
        Some("close"),
        "close the help",
    ),
    b(
        &[ch('k'), code(KeyCode::Up)],
        Action::Up,
        Some("scroll"),
        "scroll up",
    ),
    b(
        &[ch('j'), code(KeyCode::Down)],
        Action::Down,
        None,
        "scroll down",
    ),
    b(
        &[code(KeyCode::PageUp), ctrl('b')],
        Action::PageUp,
        None,
        "page up",
    ),
    b(
        &[code(KeyCode::PageDown), ctrl('f'), ch(' ')],
        Action::PageDown,
        None,
        "page down",
    ),
    b(
        &[ch('g'), code(KeyCode::Home)],
        Action::Top,
        None,
        "the top",
    ),
    b(
        &[ch('G'), code(KeyCode::End)],
        Action::Bottom,
        None,
        "the end",
    ),
    b(&[ctrl('c')], Action::Quit, None, "quit"),
];

pub static CONFIRM: &[Binding] = &[
    b(
        &[ch('y'), code(KeyCode::Enter)],
        Action::Yes,
        Some("yes"),
        "do it (quit: the active run is cancelled and can be resumed)",
    ),
    b(
        &[ch('n'), code(KeyCode::Esc)],
        Action::No,
        Some("stay"),
        "go back",
    ),
    b(&[ch('q'), ctrl('c')], Action::Quit, None, "quit"),
];

pub static OVERLAP: &[Binding] = &[
    b(
        &[ch('o')],
        Action::OnlyNew,
        Some("only new"),
        "land the new lines, hold the changed ones for review, skip the identical ones",
    ),
    b(
        &[ch('a')],
        Action::AsNewInvoice,
        Some("as new invoice"),
        "import every line, deliberately, as another invoice",
    ),
    b(
        &[code(KeyCode::Esc), ch('n')],
        Action::No,
        Some("cancel"),
        "import nothing",
    ),
    b(&[ch('q'), ctrl('c')], Action::Quit, None, "quit"),
];

pub static DETAIL: &[Binding] = &[
    b(
        &[code(KeyCode::Esc), code(KeyCode::Enter)],
        Action::Close,
        Some("close"),
        "back to the list",
    ),
    b(&[ch('r')], Action::Retry, Some("retry"), "retry this item"),
    b(
        &[ch('e')],
        Action::Edit,
        Some("edit"),
        "correct this item, then retry it",
    ),
    b(
        &[ch('k'), code(KeyCode::Up)],
        Action::Up,
        Some("scroll"),
        "scroll up",
    ),
    b(
        &[ch('j'), code(KeyCode::Down)],
        Action::Down,
        None,
        "scroll down",
    ),
    b(&[ch('q'), ctrl('c')], Action::Quit, None, "quit"),
];

pub static EDIT: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        Action::Enter,
        Some("save & retry"),
        "keep the correction beside the original and retry the item",
    ),
    b(
        &[code(KeyCode::Tab), code(KeyCode::Down)],
        Action::NextField,
        Some("next field"),
        "next field",
    ),
    b(
        &[code(KeyCode::BackTab), code(KeyCode::Up)],
        Action::PrevField,
        None,
        "previous field",
    ),
    b(
        &[code(KeyCode::Esc)],
        Action::Close,
        Some("cancel"),
        "close without saving",
    ),
    b(
        &[code(KeyCode::Backspace)],
        Action::Backspace,
        None,
        "delete back",
    ),
    b(
        &[code(KeyCode::Delete)],
        Action::Delete,
        None,
        "delete forward",
    ),
    b(&[code(KeyCode::Left)], Action::Left, None, "cursor left"),
    b(&[code(KeyCode::Right)], Action::Right, None, "cursor right"),
    b(
        &[code(KeyCode::Home), ctrl('a')],
        Action::Home,
        None,
        "start of the field",
    ),
    b(
        &[code(KeyCode::End), ctrl('e')],
        Action::End,
        None,
        "end of the field",
    ),
    b(&[ctrl('c')], Action::Quit, None, "quit"),
];

pub static PROMPT: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        Action::Enter,
        Some("ok"),
        "use this path",
    ),
    b(
        &[code(KeyCode::Esc)],
        Action::Close,
        Some("cancel"),
        "close",
    ),
    b(
        &[code(KeyCode::Backspace)],
        Action::Backspace,
        None,
        "delete back",
    ),
    b(
        &[code(KeyCode::Delete)],
        Action::Delete,
        None,
        "delete forward",
    ),
    b(&[code(KeyCode::Left)], Action::Left, None, "cursor left"),
    b(&[code(KeyCode::Right)], Action::Right, None, "cursor right"),
    b(
        &[code(KeyCode::Home), ctrl('a')],
        Action::Home,
        None,
        "start of the line",
    ),
    b(
        &[code(KeyCode::End), ctrl('e')],
        Action::End,
        None,
        "end of the line",
    ),
    b(&[ctrl('c')], Action::Quit, None, "quit"),
];

pub static NEW_ITEM: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        Action::Enter,
        Some("create"),
        "create the item with this SKU and name (asks first)",
    ),
    b(
        &[code(KeyCode::Tab), code(KeyCode::Down)],
        Action::NextField,
        Some("next field"),
        "next field",
    ),
    b(
        &[code(KeyCode::BackTab), code(KeyCode::Up)],
        Action::PrevField,
        None,
        "previous field",
    ),
    b(
        &[code(KeyCode::Esc)],
        Action::Close,
        Some("cancel"),
        "close without deciding",
    ),
    b(
        &[code(KeyCode::Backspace)],
        Action::Backspace,
        None,
        "delete back",
    ),
    b(
        &[code(KeyCode::Delete)],
        Action::Delete,
        None,
        "delete forward",
    ),
    b(&[code(KeyCode::Left)], Action::Left, None, "cursor left"),
    b(&[code(KeyCode::Right)], Action::Right, None, "cursor right"),
    b(
        &[code(KeyCode::Home), ctrl('a')],
        Action::Home,
        None,
        "start of the field",
    ),
    b(
        &[code(KeyCode::End), ctrl('e')],
        Action::End,
        None,
        "end of the field",
    ),
    b(&[ctrl('c')], Action::Quit, None, "quit"),
];

/// The console binds nothing to Alt: a key that arrives with Alt is an Esc typed just before it
/// (terminals send both as one sequence), so it is taken as Esc, then the key.
pub fn split_alt(key: KeyEvent) -> Vec<KeyEvent> {
    if key.modifiers.contains(KeyModifiers::ALT) {
        let mut plain = key;
        plain.modifiers.remove(KeyModifiers::ALT);
        vec![KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE), plain]
    } else {
        vec![key]
    }
}

/// The mouse: the wheel scrolls, a left click picks a tab or a row.
pub fn action_for_mouse(ev: &MouseEvent) -> Option<Action> {
    match ev.kind {
        MouseEventKind::ScrollUp => Some(Action::WheelUp),
        MouseEventKind::ScrollDown => Some(Action::WheelDown),
        MouseEventKind::Down(MouseButton::Left) => Some(Action::Click(ev.column, ev.row)),
        _ => None,
    }
}

pub fn keys_label(b: &Binding) -> String {
    b.keys.iter().map(Key::label).collect::<Vec<_>>().join("/")
}

pub static REASONS: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        Action::Enter,
        Some("show these"),
        "show the items that failed for this reason",
    ),
    b(
        &[ch('k'), code(KeyCode::Up)],
        Action::Up,
        Some("pick"),
        "up",
    ),
    b(&[ch('j'), code(KeyCode::Down)], Action::Down, None, "down"),
    b(&[ch('g'), code(KeyCode::Home)], Action::Top, None, "first"),
    b(&[ch('G'), code(KeyCode::End)], Action::Bottom, None, "last"),
    b(
        &[code(KeyCode::Esc), ch('w')],
        Action::Close,
        Some("close"),
        "close",
    ),
    b(&[ch('q'), ctrl('c')], Action::Quit, None, "quit"),
];

/// The bindings of a context that is not a tab (`None` for a tab: its module has them).
pub fn popup_bindings(ctx: Context) -> Option<&'static [Binding]> {
    Some(match ctx {
        Context::Tab(_) => return None,
        Context::Filter => FILTER,
        Context::Help => HELP,
        Context::Confirm => CONFIRM,
        Context::Detail => DETAIL,
        Context::Edit => EDIT,
        Context::Reasons => REASONS,
        Context::Prompt => PROMPT,
        Context::NewItem => NEW_ITEM,
        Context::Overlap => OVERLAP,
        Context::Search => SEARCH,
        Context::Item => ITEM,
        Context::Import => super::tabs::batches::import::KEYS,
        Context::ImportEdit => super::tabs::batches::import::EDIT_KEYS,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn an_alt_key_is_esc_then_the_key() {
        let keys = split_alt(KeyEvent::new(KeyCode::Char('1'), KeyModifiers::ALT));
        assert_eq!(keys, vec![key(KeyCode::Esc), key(KeyCode::Char('1'))]);
        assert_eq!(
            split_alt(key(KeyCode::Char('1'))),
            vec![key(KeyCode::Char('1'))]
        );
    }
}
