//! Moving a selection through a list that shows `height` rows at a time.

use crate::vocab::Action;

/// A selection in a list and the first row on screen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListNav {
    pub selected: usize,
    pub top: usize,
}

impl ListNav {
    pub fn move_by(&mut self, delta: i64, len: usize, height: usize) {
        if len == 0 {
            *self = ListNav::default();
            return;
        }
        let target = (self.selected as i64 + delta).clamp(0, len as i64 - 1) as usize;
        self.select(target, len, height);
    }

    pub fn select(&mut self, index: usize, len: usize, height: usize) {
        if len == 0 {
            *self = ListNav::default();
            return;
        }
        let height = height.max(1);
        self.selected = index.min(len - 1);
        if self.selected < self.top {
            self.top = self.selected;
        } else if self.selected >= self.top + height {
            self.top = self.selected + 1 - height;
        }
        // A list that shrank (a search, a filter) fills the rows it has again.
        self.top = self.top.min(len.saturating_sub(height));
    }

    /// The first row to draw in a list `height` rows tall: `top`, unless the area is shorter than
    /// the one `top` was kept for, when the selection is kept on screen.
    pub fn first_on_screen(&self, height: usize) -> usize {
        let height = height.max(1);
        if self.selected >= self.top + height {
            self.selected + 1 - height
        } else {
            self.top
        }
    }

    /// Apply a movement (keys, wheel, a click on a visible row); `false` when `a` is none.
    pub fn apply(&mut self, a: Action, clicked: Option<usize>, len: usize, height: usize) -> bool {
        match Move::of(a, clicked, height) {
            Some(Move::By(d)) => self.move_by(d, len, height),
            Some(Move::Top) => self.select(0, len, height),
            Some(Move::Bottom) => self.select(len.saturating_sub(1), len, height),
            Some(Move::Row(r)) if self.top + r < len => self.select(self.top + r, len, height),
            Some(Move::Row(_)) => {}
            None => return false,
        }
        true
    }
}

/// How far a movement goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    By(i64),
    Top,
    Bottom,
    /// The visible row clicked (0 = the first on screen).
    Row(usize),
}

impl Move {
    /// The movement of an action in a list of `height` visible rows; `clicked` is the visible row a
    /// click hit, if it hit the list.
    pub fn of(a: Action, clicked: Option<usize>, height: usize) -> Option<Move> {
        let page = height.max(2) as i64 - 1;
        Some(match a {
            Action::Up => Move::By(-1),
            Action::Down => Move::By(1),
            Action::PageUp => Move::By(-page),
            Action::PageDown => Move::By(page),
            Action::WheelUp => Move::By(-3),
            Action::WheelDown => Move::By(3),
            Action::Top => Move::Top,
            Action::Bottom => Move::Bottom,
            Action::Click(..) => Move::Row(clicked?),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::ListNav;

    #[test]
    fn a_list_that_shrinks_under_a_deep_selection_fills_the_rows_it_has() {
        let mut nav = ListNav::default();
        nav.select(999, 1000, 10);
        assert_eq!((nav.selected, nav.top), (999, 990));
        nav.select(999, 11, 10);
        assert_eq!(
            (nav.selected, nav.top),
            (10, 1),
            "the last row selected, nine above it"
        );
        nav.select(3, 5, 10);
        assert_eq!((nav.selected, nav.top), (3, 0));
    }
}
