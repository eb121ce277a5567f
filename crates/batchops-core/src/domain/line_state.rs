//! The states of a line and the moves between them.
//!
//! A line's identity is its import key and its line number. At any moment it is in exactly one
//! state: not seen yet, [`LineState::Landed`] (a row in `transactions`), [`LineState::Held`] (an
//! open row in `held_lines`, waiting for review), [`LineState::Failed`] (an open row in
//! `failed_items`) or [`LineState::Skipped`] (held, decided, and not landed). The store enforces
//! it (migration `20261204000001_line_states`: a trigger refuses a write that would put a line in
//! a second state, and resolves a failed line in the same write that lands or holds it).
//!
//! An import, a re-import or a resume writes only lines not seen yet; a line with a state keeps it
//! ([`LineStates::keeps`]). Only the moves of [`Move::allowed`] leave a state.

use std::collections::HashMap;

/// Where a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineState {
    Landed,
    Held,
    Failed,
    Skipped,
}

impl LineState {
    pub fn as_str(self) -> &'static str {
        match self {
            LineState::Landed => "landed",
            LineState::Held => "held",
            LineState::Failed => "failed",
            LineState::Skipped => "skipped",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "landed" => LineState::Landed,
            "held" => LineState::Held,
            "failed" => LineState::Failed,
            "skipped" => LineState::Skipped,
            _ => return None,
        })
    }
}

/// What moves a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// An import, re-import or resume reading the line.
    Import,
    /// A review decision onto an item (or a "none of these" that maps the line again).
    Decide,
    /// A retry of a failed line, or a reject file's corrected row.
    Retry,
    /// A revert of the run that owns the line.
    Revert,
    /// The undo of a review decision: the lines it decided are held again (those it landed
    /// leave `transactions`, with their stock).
    Undo,
}

impl Move {
    /// Whether this move may take a line from `from` to `to` (`None`: not seen yet).
    pub fn allowed(self, from: Option<LineState>, to: Option<LineState>) -> bool {
        use LineState::*;
        match (self, from, to) {
            (_, a, b) if a == b => true,
            // Only a line not seen yet is written by an import.
            (Move::Import, None, Some(Landed | Held | Failed)) => true,
            (Move::Decide, Some(Held), Some(Landed | Skipped)) => true,
            (Move::Retry, Some(Failed), Some(Landed | Held)) => true,
            // A revert frees the run's lines; a line another run failed and this one landed
            // (a retry run reverted on its own) fails again.
            (Move::Revert, Some(Landed | Held | Failed | Skipped), None) => true,
            (Move::Revert, Some(Landed), Some(Failed)) => true,
            (Move::Undo, Some(Landed | Skipped), Some(Held)) => true,
            _ => false,
        }
    }
}

/// A line of an import key that has a state, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownLine {
    pub line: u64,
    pub state: LineState,
    /// For a failed line: the run that failed it and the newest error.
    pub failed: Option<(i64, String)>,
}

/// The lines of one import key that have a state: what a run over that key must not write again.
#[derive(Debug, Clone, Default)]
pub struct LineStates {
    known: HashMap<u64, KnownLine>,
}

impl LineStates {
    pub fn new(lines: Vec<KnownLine>) -> Self {
        Self {
            known: lines.into_iter().map(|k| (k.line, k)).collect(),
        }
    }

    /// The state of `line`, if it has one: the run leaves such a line as it is.
    pub fn keeps(&self, line: u64) -> Option<&KnownLine> {
        self.known.get(&line)
    }

    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    pub fn len(&self) -> usize {
        self.known.len()
    }
}

#[cfg(test)]
mod tests {
    use super::LineState::*;
    use super::*;

    #[test]
    fn only_decide_retry_and_revert_leave_held_and_failed() {
        for to in [Some(Landed), Some(Failed), Some(Skipped), None] {
            assert!(
                !Move::Import.allowed(Some(Held), to),
                "import held -> {to:?}"
            );
        }
        for to in [Some(Landed), Some(Held), None] {
            assert!(
                !Move::Import.allowed(Some(Failed), to),
                "import failed -> {to:?}"
            );
        }
        assert!(Move::Decide.allowed(Some(Held), Some(Landed)));
        assert!(!Move::Decide.allowed(Some(Failed), Some(Landed)));
        assert!(Move::Retry.allowed(Some(Failed), Some(Landed)));
        assert!(Move::Retry.allowed(Some(Failed), Some(Held)));
        assert!(!Move::Retry.allowed(Some(Landed), Some(Failed)));
        assert!(Move::Revert.allowed(Some(Landed), None));
        assert!(Move::Revert.allowed(Some(Landed), Some(Failed)));
        assert!(Move::Import.allowed(None, Some(Held)));
        assert!(Move::Undo.allowed(Some(Landed), Some(Held)));
        assert!(Move::Undo.allowed(Some(Skipped), Some(Held)));
        assert!(!Move::Undo.allowed(Some(Failed), Some(Held)));
        assert!(!Move::Undo.allowed(Some(Landed), None));
        assert!(!Move::Import.allowed(Some(Landed), Some(Held)));
    }

    #[test]
    fn a_run_keeps_every_line_that_has_a_state() {
        let s = LineStates::new(vec![
            KnownLine {
                line: 2,
                state: Held,
                failed: None,
            },
            KnownLine {
                line: 5,
                state: Failed,
                failed: Some((1, "bad".into())),
            },
        ]);
        assert_eq!(s.keeps(2).map(|k| k.state), Some(Held));
        assert_eq!(s.keeps(5).map(|k| k.state), Some(Failed));
        assert!(s.keeps(1).is_none());
    }
}
