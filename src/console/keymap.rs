//! Every key binding, once: per context a list of [`Binding`]s that both [`action_for`] reads to
//! turn a key into an [`Action`] and the footer and the `?` help popup are drawn from, so the three
//! never disagree.

use super::app::{Action, Tab};
use crate::domain::Mode;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};

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
    Prompt,
}

impl Context {
    /// Text is typed here: unbound printable keys are characters, and the global keys are off.
    pub fn is_text(self) -> bool {
        matches!(self, Context::Filter | Context::Edit | Context::Prompt)
    }

    pub fn title(self) -> &'static str {
        match self {
            Context::Tab(t) => t.title(),
            Context::Filter => "Failed: typing a filter",
            Context::Help => "Help",
            Context::Confirm => "Quit?",
            Context::Detail => "Failed item",
            Context::Edit => "Edit a failed item",
            Context::Prompt => "Path prompt",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn ch(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: false,
    }
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

const fn code(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

impl Key {
    fn matches(&self, ev: &KeyEvent) -> bool {
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

const fn b(
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
static MOVE: &[Binding] = &[
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

static BATCHES: &[Binding] = &[
    b(
        &[ch('o')],
        Action::Open,
        Some("open"),
        "open a file, or a directory of batch files",
    ),
    b(
        &[ch('b')],
        Action::Start(Mode::Batch),
        Some("batch"),
        "import the selected batch in batch mode (queued when busy; resumes a stopped run)",
    ),
    b(
        &[ch('s')],
        Action::Start(Mode::Sequential),
        Some("sequential"),
        "import the selected batch in sequential mode (the baseline)",
    ),
    b(
        &[ch('d'), code(KeyCode::Delete)],
        Action::Remove,
        Some("remove"),
        "remove the selected batch from the list",
    ),
    b(
        &[code(KeyCode::Enter)],
        Action::Enter,
        Some("show run"),
        "show the batch's run on Run and Failed",
    ),
];

static RUN: &[Binding] = &[
    b(
        &[ch('k'), code(KeyCode::Up)],
        Action::Up,
        Some("scroll log"),
        "scroll the event log back",
    ),
    b(
        &[ch('j'), code(KeyCode::Down)],
        Action::Down,
        None,
        "scroll the event log forward",
    ),
    b(
        &[code(KeyCode::PageUp), ctrl('b')],
        Action::PageUp,
        None,
        "page back in the log",
    ),
    b(
        &[code(KeyCode::PageDown), ctrl('f')],
        Action::PageDown,
        None,
        "page forward in the log",
    ),
    b(
        &[ch('g'), code(KeyCode::Home)],
        Action::Top,
        None,
        "oldest log line",
    ),
    b(
        &[ch('G'), code(KeyCode::End)],
        Action::Bottom,
        None,
        "newest log line (follow)",
    ),
];

static FAILED: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        Action::Enter,
        Some("detail"),
        "the raw record, the whole error, the mapping decision",
    ),
    b(
        &[ch('r')],
        Action::Retry,
        Some("retry"),
        "retry the selected item",
    ),
    b(
        &[ch('R')],
        Action::RetryAll,
        Some("retry all"),
        "retry every unresolved item, one at a time",
    ),
    b(
        &[ch('e')],
        Action::Edit,
        Some("edit"),
        "correct sku, description, quantity, unit price, then retry",
    ),
    b(
        &[ch('x')],
        Action::Export,
        Some("export"),
        "write the items shown to a CSV reject file",
    ),
    b(
        &[ch('/')],
        Action::Filter,
        Some("filter"),
        "filter by text in the record or the error",
    ),
    b(
        &[ch('s')],
        Action::SortNext,
        Some("sort"),
        "sort by the next column: line, phase, error, attempts",
    ),
    b(
        &[ch('S')],
        Action::SortReverse,
        None,
        "reverse the sort order",
    ),
    b(
        &[ch('u')],
        Action::ToggleUnresolved,
        None,
        "show unresolved items only / all items",
    ),
    b(
        &[code(KeyCode::Esc)],
        Action::Close,
        None,
        "clear the filter",
    ),
];

static RUNS: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        Action::Enter,
        Some("open"),
        "show the run on Run and Failed",
    ),
    b(
        &[ch('r')],
        Action::Resume,
        Some("resume"),
        "resume an interrupted, cancelled or aborted run",
    ),
];

static COMPARE: &[Binding] = &[
    b(
        &[ch('h'), code(KeyCode::Left)],
        Action::Left,
        Some("batch side"),
        "choose the batch run",
    ),
    b(
        &[ch('l'), code(KeyCode::Right)],
        Action::Right,
        Some("seq side"),
        "choose the sequential run",
    ),
    b(
        &[ch('k'), code(KeyCode::Up)],
        Action::Up,
        None,
        "a newer run on the chosen side",
    ),
    b(
        &[ch('j'), code(KeyCode::Down)],
        Action::Down,
        Some("pick run"),
        "an older run on the chosen side",
    ),
    b(
        &[ch('p')],
        Action::Rehearse,
        Some("rehearse"),
        "rehearse the selected batch in both modes on scratch copies",
    ),
];

static FILTER: &[Binding] = &[
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

static HELP: &[Binding] = &[
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
    b(&[code(KeyCode::PageUp)], Action::PageUp, None, "page up"),
    b(
        &[code(KeyCode::PageDown)],
        Action::PageDown,
        None,
        "page down",
    ),
    b(&[ctrl('c')], Action::Quit, None, "quit"),
];

static CONFIRM: &[Binding] = &[
    b(
        &[ch('y'), code(KeyCode::Enter)],
        Action::Yes,
        Some("quit"),
        "cancel the active run (it can be resumed) and quit",
    ),
    b(
        &[ch('n'), code(KeyCode::Esc)],
        Action::No,
        Some("stay"),
        "go back",
    ),
    b(&[ch('q'), ctrl('c')], Action::Quit, None, "quit"),
];

static DETAIL: &[Binding] = &[
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

static EDIT: &[Binding] = &[
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

static PROMPT: &[Binding] = &[
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

/// The bindings of a context (for a tab: its own, then moving; the global ones come after).
pub fn bindings(ctx: Context) -> Vec<&'static Binding> {
    let lists: &[&'static [Binding]] = match ctx {
        Context::Tab(Tab::Batches) => &[BATCHES, MOVE],
        Context::Tab(Tab::Run) => &[RUN],
        Context::Tab(Tab::Failed) => &[FAILED, MOVE],
        Context::Tab(Tab::Runs) => &[RUNS, MOVE],
        Context::Tab(Tab::Compare) => &[COMPARE],
        Context::Filter => &[FILTER],
        Context::Help => &[HELP],
        Context::Confirm => &[CONFIRM],
        Context::Detail => &[DETAIL],
        Context::Edit => &[EDIT],
        Context::Prompt => &[PROMPT],
    };
    lists.iter().flat_map(|l| l.iter()).collect()
}

/// The bindings in force: the context's, then (on a tab) the global ones.
fn in_force(ctx: Context) -> Vec<&'static Binding> {
    let mut all = bindings(ctx);
    if matches!(ctx, Context::Tab(_)) {
        all.extend(GLOBAL.iter());
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

/// Mouse wheel scrolling.
pub fn action_for_mouse(ev: &MouseEvent) -> Option<Action> {
    match ev.kind {
        MouseEventKind::ScrollUp => Some(Action::WheelUp),
        MouseEventKind::ScrollDown => Some(Action::WheelDown),
        _ => None,
    }
}

/// The footer: `(keys, hint)` of the context's bindings that have a hint, then the global ones.
pub fn footer(ctx: Context) -> Vec<(String, &'static str)> {
    in_force(ctx)
        .into_iter()
        .filter_map(|b| b.hint.map(|h| (keys_label(b), h)))
        .collect()
}

pub fn keys_label(b: &Binding) -> String {
    b.keys.iter().map(Key::label).collect::<Vec<_>>().join("/")
}

/// The help: every context with its bindings, the current one first.
pub fn help_sections(current: Context) -> Vec<(&'static str, Vec<&'static Binding>)> {
    let mut contexts = vec![current];
    for c in [
        Context::Tab(Tab::Batches),
        Context::Tab(Tab::Run),
        Context::Tab(Tab::Failed),
        Context::Tab(Tab::Runs),
        Context::Tab(Tab::Compare),
        Context::Filter,
        Context::Detail,
        Context::Edit,
        Context::Prompt,
    ] {
        if !contexts.contains(&c) {
            contexts.push(c);
        }
    }
    let mut sections: Vec<(&'static str, Vec<&'static Binding>)> = Vec::new();
    for (i, c) in contexts.into_iter().enumerate() {
        sections.push((c.title(), bindings(c)));
        if i == 0 {
            sections.push(("Everywhere", GLOBAL.iter().collect()));
        }
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn keys_become_actions_by_context() {
        let batches = Context::Tab(Tab::Batches);
        assert_eq!(
            action_for(batches, &key(KeyCode::Char('b'))),
            Some(Action::Start(Mode::Batch))
        );
        assert_eq!(
            action_for(batches, &key(KeyCode::Char('3'))),
            Some(Action::GoTo(Tab::Failed))
        );
        let failed = Context::Tab(Tab::Failed);
        assert_eq!(
            action_for(failed, &key(KeyCode::Char('s'))),
            Some(Action::SortNext)
        );
        assert_eq!(
            action_for(
                failed,
                &KeyEvent::new(KeyCode::Char('R'), KeyModifiers::SHIFT)
            ),
            Some(Action::RetryAll)
        );
        assert_eq!(
            action_for(
                failed,
                &KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)
            ),
            Some(Action::PrevTab)
        );
        assert_eq!(
            action_for(
                batches,
                &KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)
            ),
            Some(Action::Quit)
        );
        assert_eq!(
            action_for(batches, &key(KeyCode::Char('c'))),
            Some(Action::Cancel)
        );
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

    #[test]
    fn text_contexts_type_what_other_contexts_bind() {
        assert_eq!(
            action_for(Context::Filter, &key(KeyCode::Char('q'))),
            Some(Action::Char('q'))
        );
        assert_eq!(
            action_for(Context::Edit, &key(KeyCode::Char('3'))),
            Some(Action::Char('3'))
        );
        assert_eq!(
            action_for(Context::Prompt, &key(KeyCode::Esc)),
            Some(Action::Close)
        );
        assert_eq!(
            action_for(
                Context::Edit,
                &KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)
            ),
            Some(Action::Quit)
        );
        assert_eq!(
            action_for(Context::Tab(Tab::Run), &key(KeyCode::Char('z'))),
            None
        );
    }

    #[test]
    fn footer_and_help_come_from_the_same_bindings() {
        let ctx = Context::Tab(Tab::Failed);
        let footer = footer(ctx);
        assert!(footer.contains(&("r".to_string(), "retry")));
        assert!(footer.contains(&("?".to_string(), "help")));
        assert!(footer.contains(&("q/Ctrl-C".to_string(), "quit")));
        let help = help_sections(ctx);
        assert_eq!(help[0].0, "Failed");
        for (keys, hint) in footer {
            assert!(
                help.iter().any(|(_, bs)| bs
                    .iter()
                    .any(|b| keys_label(b) == keys && b.hint == Some(hint))),
                "{keys} {hint} is in the help"
            );
        }
    }

    #[test]
    fn every_key_is_bound_once_per_context() {
        for ctx in [
            Context::Tab(Tab::Batches),
            Context::Tab(Tab::Run),
            Context::Tab(Tab::Failed),
            Context::Tab(Tab::Runs),
            Context::Tab(Tab::Compare),
            Context::Filter,
            Context::Help,
            Context::Confirm,
            Context::Detail,
            Context::Edit,
            Context::Prompt,
        ] {
            let keys: Vec<Key> = in_force(ctx)
                .iter()
                .flat_map(|b| b.keys.iter().copied())
                .collect();
            for (i, k) in keys.iter().enumerate() {
                assert!(
                    !keys[i + 1..].contains(k),
                    "{ctx:?}: {} is bound twice",
                    k.label()
                );
            }
        }
    }
}
