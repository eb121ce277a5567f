//! The search every searched list shares (`/` opens it, typing searches again in the database,
//! Enter keeps it, Esc clears it; `n`/`N` then move between matches): the text field and whether
//! it is being typed, and what a key did to it. The tab decides what a changed search reads.

use super::input::TextInput;
use super::prompt::edit_text;
use crate::vocab::Action;

/// A list's search.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Search {
    pub input: TextInput,
    /// The search is being typed (keys go to the field).
    pub typing: bool,
}

/// What a key did to the search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Typed {
    /// The text changed (search again) or was cleared (read the whole list again).
    Changed,
    /// Nothing to read again (kept, or an unchanged field).
    Same,
}

impl Search {
    /// The text searched for (trimmed; empty: no search).
    pub fn text(&self) -> &str {
        self.input.text().trim()
    }

    pub fn is_active(&self) -> bool {
        self.typing || !self.text().is_empty()
    }

    /// `/`: type the search (the kept text stays editable).
    pub fn open(&mut self) {
        self.typing = true;
    }

    /// Esc on the list: clear a kept search.
    pub fn clear(&mut self) -> Typed {
        self.typing = false;
        if self.text().is_empty() {
            return Typed::Same;
        }
        self.input = TextInput::default();
        Typed::Changed
    }

    /// A key while the search is typed: Enter keeps it, Esc clears it, the rest edit it.
    pub fn on_key(&mut self, a: Action) -> Typed {
        match a {
            Action::Enter => {
                self.typing = false;
                Typed::Same
            }
            Action::Close => self.clear(),
            other => {
                let before = self.text().to_string();
                edit_text(&mut self.input, other);
                if self.text() != before {
                    Typed::Changed
                } else {
                    Typed::Same
                }
            }
        }
    }
}
