//! A one-line prompt for a path (open a file, export the reject file), and the editing of a text
//! field by the keys every form shares.

use super::input::TextInput;
use crate::vocab::Action;

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

pub fn edit_text(input: &mut TextInput, a: Action) {
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

pub fn expand_home(text: &str) -> std::path::PathBuf {
    if let Some(rest) = text.strip_prefix("~/")
        && let Some(home) = std::env::var_os("HOME")
    {
        return std::path::PathBuf::from(home).join(rest);
    }
    std::path::PathBuf::from(text)
}
