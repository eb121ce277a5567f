//! Popups over the body. The help and the quit question belong to no tab and are handled here;
//! the others hand their keys to the tab they belong to (the detail, the edit form, the reasons
//! and the export prompt to Failed, the open prompt to Batches).

use super::failed::{self, EditForm};
use super::input::TextInput;
use super::nav::ListNav;
use super::review::{self, NewItemForm, PendingBulk, PendingDecision};
use super::{App, batches};
use crate::keymap::Context;
use crate::store::FailedRow;
use crate::vocab::{Action, Effect};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    OpenPath,
    ExportPath,
}

/// A one-line prompt; it stays open with the error when what was typed cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: TextInput,
    /// What the prompt does, in a sentence.
    pub note: String,
    pub error: Option<String>,
    /// The answer is on its way (the export is writing).
    pub busy: bool,
}

impl Prompt {
    pub fn new(kind: PromptKind, text: impl Into<String>, note: impl Into<String>) -> Self {
        Self {
            kind,
            input: TextInput::new(text),
            note: note.into(),
            error: None,
            busy: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Popup {
    Help {
        scroll: u16,
    },
    ConfirmQuit,
    /// `R` on many items asks first.
    ConfirmRetryAll {
        run_id: i64,
        items: u64,
    },
    Detail {
        row: Box<FailedRow>,
        scroll: u16,
    },
    Edit(Box<EditForm>),
    /// The failure reasons of the run, counted; Enter filters the table by one.
    Reasons {
        nav: ListNav,
    },
    Prompt(Box<Prompt>),
    /// Runs: `v` asks before a run is undone.
    ConfirmRevert {
        run_id: i64,
        source: String,
        items: u64,
    },
    /// Review: a decision waiting for the operator's yes.
    ConfirmDecision(Box<PendingDecision>),
    /// Review: a bulk accept or an undo, waiting for yes.
    ConfirmBulk(Box<PendingBulk>),
    /// Review: the new item's SKU and name.
    NewItem(Box<NewItemForm>),
    /// An import refused because its file overlaps earlier imports: the summary and the choices.
    Overlap(Box<batches::Overlapping>),
    /// Inventory: one item in detail.
    Item(Box<super::inventory::ItemView>),
    /// Inventory: the SKU a correction needs.
    CorrectionPrompt(Box<super::inventory::CorrectionPrompt>),
    /// Inventory: a correction waiting for the operator's yes.
    ConfirmCorrection(Box<crate::vocab::Correction>),
    /// Batches: the import screen (what will be read, the run's options).
    Import(Box<super::import::ImportScreen>),
}

impl Popup {
    pub fn context(&self) -> Context {
        match self {
            Popup::Help { .. } => Context::Help,
            Popup::ConfirmQuit
            | Popup::ConfirmRetryAll { .. }
            | Popup::ConfirmRevert { .. }
            | Popup::ConfirmDecision(_)
            | Popup::ConfirmBulk(_)
            | Popup::ConfirmCorrection(_) => Context::Confirm,
            Popup::Item(_) => Context::Item,
            Popup::CorrectionPrompt(_) => Context::Prompt,
            Popup::NewItem(_) => Context::NewItem,
            Popup::Detail { .. } => Context::Detail,
            Popup::Edit(_) => Context::Edit,
            Popup::Reasons { .. } => Context::Reasons,
            Popup::Prompt(_) => Context::Prompt,
            Popup::Overlap(_) => Context::Overlap,
            Popup::Import(s) if s.typing.is_some() => Context::ImportEdit,
            Popup::Import(_) => Context::Import,
        }
    }
}

pub(super) fn on_action(app: &mut App, a: Action, fx: &mut Vec<Effect>) {
    let Some(popup) = app.popup.take() else {
        return;
    };
    match popup {
        Popup::Help { scroll } => {
            let (lines, shown) = crate::ui::help_extent(app);
            let max = lines.saturating_sub(shown);
            let page = shown.saturating_sub(1).max(1);
            let scroll = match a {
                Action::Close | Action::Help | Action::No => return,
                Action::Up | Action::WheelUp => scroll.saturating_sub(1),
                Action::Down | Action::WheelDown => scroll.saturating_add(1),
                Action::PageUp => scroll.saturating_sub(page),
                Action::PageDown => scroll.saturating_add(page),
                Action::Top => 0,
                Action::Bottom => max,
                _ => scroll,
            };
            app.popup = Some(Popup::Help {
                scroll: scroll.min(max),
            });
        }
        Popup::ConfirmQuit => match a {
            Action::Yes | Action::Enter => {
                app.popup = Some(Popup::ConfirmQuit);
                app.confirm_quit(fx);
            }
            Action::No | Action::Close => {}
            _ => app.popup = Some(Popup::ConfirmQuit),
        },
        Popup::ConfirmRetryAll { run_id, items } => match a {
            Action::Yes | Action::Enter => failed::retry_all(app, run_id, fx),
            Action::No | Action::Close => {}
            _ => app.popup = Some(Popup::ConfirmRetryAll { run_id, items }),
        },
        Popup::Overlap(o) => batches::on_overlap(app, o, a, fx),
        Popup::Detail { row, scroll } => failed::on_detail(app, row, scroll, a, fx),
        Popup::Edit(form) => failed::on_edit(app, form, a, fx),
        Popup::Reasons { nav } => failed::on_reasons_popup(app, nav, a, fx),
        Popup::ConfirmRevert {
            run_id,
            source,
            items,
        } => match a {
            Action::Yes | Action::Enter => super::runs::revert(app, run_id, fx),
            Action::No | Action::Close => {}
            _ => {
                app.popup = Some(Popup::ConfirmRevert {
                    run_id,
                    source,
                    items,
                })
            }
        },
        Popup::ConfirmDecision(d) => review::on_confirm(app, d, a, fx),
        Popup::ConfirmBulk(p) => review::on_confirm_bulk(app, p, a, fx),
        Popup::NewItem(f) => review::on_new_item(app, f, a),
        Popup::Item(v) => super::inventory::on_item_popup(app, v, a),
        Popup::CorrectionPrompt(p) => super::inventory::on_correction_prompt(app, p, a),
        Popup::ConfirmCorrection(c) => super::inventory::on_confirm(app, c, a, fx),
        Popup::Import(s) => super::import::on_action(app, s, a, fx),
        Popup::Prompt(mut prompt) => match a {
            Action::Close => {}
            Action::Enter if !prompt.busy => {
                let text = prompt.input.text().trim().to_string();
                if text.is_empty() {
                    app.popup = Some(Popup::Prompt(prompt));
                    return;
                }
                let path = expand_home(&text);
                match prompt.kind {
                    PromptKind::OpenPath => batches::open_path(app, path, fx),
                    PromptKind::ExportPath => failed::export_to(app, prompt, path, fx),
                }
            }
            other => {
                if !prompt.busy {
                    edit_text(&mut prompt.input, other);
                    prompt.error = None;
                }
                app.popup = Some(Popup::Prompt(prompt));
            }
        },
    }
}

pub(super) fn edit_text(input: &mut TextInput, a: Action) {
    match a {
        Action::Char(c) => input.insert(c),
        Action::Backspace => input.backspace(),
        Action::Delete => input.delete(),
        Action::Left => input.left(),
        Action::Right => input.right(),
        Action::Home | Action::Top => input.home(),
        Action::End | Action::Bottom => input.end(),
        _ => {}
    }
}

fn expand_home(text: &str) -> std::path::PathBuf {
    if let Some(rest) = text.strip_prefix("~/")
        && let Some(home) = std::env::var_os("HOME")
    {
        return std::path::PathBuf::from(home).join(rest);
    }
    std::path::PathBuf::from(text)
}
