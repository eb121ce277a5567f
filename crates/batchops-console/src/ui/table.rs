//! One table widget for every list (bottom-style): columns declared once with their widths and a
//! priority, dropped by priority when the terminal is narrow (status-like columns last), and
//! every value that does not fit cut with `…` — never silently.

use super::super::format::fit;
use super::super::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table, TableState};
use unicode_width::UnicodeWidthStr;

/// A column: its title, how wide it may be, and how soon it goes when space is short.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub title: &'static str,
    /// Narrower than this the column is dropped instead.
    pub min: u16,
    /// Wider than this it never grows (its values are cut with `…`).
    pub max: u16,
    /// 0: never dropped; higher numbers are dropped first.
    pub priority: u8,
    /// Numbers: right-aligned.
    pub right: bool,
    /// Paths: a cut keeps the end (`…/invoice.csv`).
    pub keep_end: bool,
    /// Takes the room that is left once every column has its natural width.
    pub grow: bool,
}

impl Column {
    pub const fn new(title: &'static str, min: u16, max: u16, priority: u8) -> Self {
        Self {
            title,
            min,
            max,
            priority,
            right: false,
            keep_end: false,
            grow: false,
        }
    }
    pub const fn right(mut self) -> Self {
        self.right = true;
        self
    }
    pub const fn keep_end(mut self) -> Self {
        self.keep_end = true;
        self
    }
    pub const fn grow(mut self) -> Self {
        self.grow = true;
        self
    }
}

/// A row: one text per column (with its style), and the row's style.
#[derive(Debug, Clone, Default)]
pub struct DataRow {
    pub cells: Vec<(String, Style)>,
    pub style: Style,
    /// A searched text: where a cell shows it, it is highlighted.
    pub mark: Option<(String, Style)>,
}

impl DataRow {
    pub fn new(cells: Vec<(String, Style)>) -> Self {
        Self {
            cells,
            style: Style::default(),
            mark: None,
        }
    }
    pub fn mark(mut self, text: &str, style: Style) -> Self {
        if !text.is_empty() {
            self.mark = Some((text.to_string(), style));
        }
        self
    }
    pub fn style(mut self, style: Style) -> Self {
        self.style = style;
        self
    }
}

const SPACING: u16 = 1;

/// The width of each column in `width` cells (`None`: dropped), given the rows' texts.
///
/// A fixed column needs its natural width (its longest value, up to `max`): numbers, statuses
/// and keys are not cut while the column is on screen. A growing column (paths, descriptions,
/// errors) needs only `min` and takes what is left. Columns are dropped by priority until the
/// needs fit; only then do growing columns get room, up to their natural width, then `max`.
pub fn widths(columns: &[Column], rows: &[DataRow], width: u16) -> Vec<Option<u16>> {
    let natural: Vec<u16> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let longest = rows
                .iter()
                .filter_map(|r| r.cells.get(i))
                .map(|(t, _)| t.width())
                .max()
                .unwrap_or(0)
                .max(c.title.width());
            u16::try_from(longest)
                .unwrap_or(u16::MAX)
                .clamp(c.min, c.max.max(c.min))
        })
        .collect();
    let need_of = |i: usize| -> u16 {
        if columns[i].grow {
            columns[i].min
        } else {
            natural[i]
        }
    };
    let mut kept: Vec<bool> = vec![true; columns.len()];
    let need = |kept: &[bool], of: &dyn Fn(usize) -> u16| -> u32 {
        let n = kept.iter().filter(|&&k| k).count() as u32;
        let sum: u32 = (0..columns.len())
            .filter(|&i| kept[i])
            .map(|i| u32::from(of(i)))
            .sum();
        sum + n.saturating_sub(1) * u32::from(SPACING)
    };
    while need(&kept, &need_of) > u32::from(width) {
        // The droppable column with the highest priority number goes (the rightmost of equals).
        let drop = columns
            .iter()
            .enumerate()
            .filter(|(i, c)| kept[*i] && c.priority > 0)
            .max_by_key(|(i, c)| (c.priority, *i))
            .map(|(i, _)| i);
        match drop {
            Some(i) => kept[i] = false,
            None => break,
        }
    }
    // Still too wide with nothing left to drop: fixed columns shrink to their minimum.
    let fixed_min = |i: usize| columns[i].min;
    let squeezed = need(&kept, &need_of) > u32::from(width);
    let mut out: Vec<Option<u16>> = (0..columns.len())
        .map(|i| kept[i].then(|| if squeezed { fixed_min(i) } else { need_of(i) }))
        .collect();
    let used = need(&kept, &|i| out[i].unwrap_or(0));
    let mut left = u32::from(width).saturating_sub(used);
    let mut order: Vec<usize> = (0..columns.len()).filter(|&i| kept[i]).collect();
    order.sort_by_key(|&i| (columns[i].priority, i));
    // Room left: first the natural widths (squeezed fixed columns too), then growing columns.
    for &i in &order {
        if let Some(w) = &mut out[i] {
            let more = u32::from(natural[i].saturating_sub(*w)).min(left);
            *w += more as u16;
            left -= more;
        }
    }
    let growing: Vec<usize> = order.iter().copied().filter(|&i| columns[i].grow).collect();
    for (k, &i) in growing.iter().enumerate() {
        let share = left / (growing.len() - k) as u32;
        if let Some(w) = &mut out[i] {
            let more = share.min(u32::from(columns[i].max.saturating_sub(*w)));
            *w += more as u16;
            left -= more;
        }
    }
    out
}

fn cell_text(text: &str, width: u16, col: &Column) -> String {
    let w = usize::from(width);
    let cut = fit(text, w, col.keep_end);
    if col.right { format!("{cut:>w$}") } else { cut }
}

/// Draw a table: `rows` from `offset`, `selected` highlighted (an index into `rows`).
#[allow(clippy::too_many_arguments)]
pub fn render(
    frame: &mut Frame,
    area: Rect,
    block: Option<Block>,
    columns: &[Column],
    rows: &[DataRow],
    offset: usize,
    selected: Option<usize>,
    theme: &Theme,
) {
    let inner = block.as_ref().map(|b| b.inner(area)).unwrap_or(area);
    let widths = widths(columns, rows, inner.width);
    let shown: Vec<(usize, u16)> = widths
        .iter()
        .enumerate()
        .filter_map(|(i, w)| w.map(|w| (i, w)))
        .collect();
    let header = Row::new(
        shown
            .iter()
            .map(|&(i, w)| Cell::from(cell_text(columns[i].title, w, &columns[i])))
            .collect::<Vec<_>>(),
    )
    .style(theme.table_header);
    let body = rows.iter().map(|r| {
        Row::new(
            shown
                .iter()
                .map(|&(i, w)| {
                    let (text, style) = r.cells.get(i).cloned().unwrap_or_default();
                    let shown = cell_text(&text, w, &columns[i]);
                    match &r.mark {
                        Some((mark, on)) => Cell::from(marked(&shown, mark, *on)).style(style),
                        None => Cell::from(shown).style(style),
                    }
                })
                .collect::<Vec<_>>(),
        )
        .style(r.style)
    });
    let constraints: Vec<Constraint> = shown.iter().map(|&(_, w)| Constraint::Length(w)).collect();
    let mut table = Table::new(body, constraints)
        .header(header)
        .row_highlight_style(theme.selected)
        .column_spacing(SPACING);
    if let Some(b) = block {
        table = table.block(b);
    }
    let mut state = TableState::new()
        .with_offset(offset)
        .with_selected(selected);
    frame.render_stateful_widget(table, area, &mut state);
}

/// `text` with each (case-insensitive) occurrence of `mark` in the style `on`.
pub fn marked<'a>(text: &str, mark: &str, on: Style) -> Line<'a> {
    let lower = text.to_lowercase();
    let needle = mark.to_lowercase();
    // Lower-casing can change lengths outside ASCII: highlight only where it did not.
    if needle.is_empty() || lower.len() != text.len() {
        return Line::from(text.to_string());
    }
    let mut spans = Vec::new();
    let mut at = 0;
    while let Some(i) = lower[at..].find(&needle) {
        let start = at + i;
        let end = start + needle.len();
        if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            break;
        }
        spans.push(Span::raw(text[at..start].to_string()));
        spans.push(Span::styled(text[start..end].to_string(), on));
        at = end;
    }
    spans.push(Span::raw(text[at..].to_string()));
    Line::from(spans)
}

/// The rows area of a table drawn in `area` with a block (borders) and a header line.
pub fn rows_area(area: Rect, bordered: bool) -> Rect {
    let inner = if bordered {
        Rect {
            x: area.x + 1,
            y: area.y + 1,
            width: area.width.saturating_sub(2),
            height: area.height.saturating_sub(2),
        }
    } else {
        area
    };
    Rect {
        y: inner.y + 1,
        height: inner.height.saturating_sub(1),
        ..inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> DataRow {
        DataRow::new(
            cells
                .iter()
                .map(|c| (c.to_string(), Style::default()))
                .collect(),
        )
    }

    #[test]
    fn narrow_tables_drop_columns_by_priority_and_keep_the_status() {
        let cols = [
            Column::new("id", 3, 5, 0),
            Column::new("file", 8, 40, 2).grow(),
            Column::new("note", 6, 20, 3),
            Column::new("status", 9, 20, 1),
        ];
        let rows = [row(&[
            "12",
            "some/long/path/file.csv",
            "a note here",
            "cancelled",
        ])];
        let w = widths(&cols, &rows, 80);
        assert!(
            w.iter().all(Option::is_some),
            "everything fits at 80: {w:?}"
        );
        let w = widths(&cols, &rows, 24);
        assert_eq!(w[2], None, "the note goes first: {w:?}");
        assert_eq!(w[3], Some(9), "the status stays whole: {w:?}");
        let w = widths(&cols, &rows, 14);
        assert_eq!((w[1], w[3].is_some()), (None, true), "{w:?}");
    }

    #[test]
    fn every_cut_shows_an_ellipsis() {
        let col = Column::new("sku", 4, 9, 0);
        assert_eq!(cell_text("SKU-000109", 9, &col), "SKU-0001…");
        assert_eq!(
            cell_text("1.23456", 5, &Column::new("q", 3, 5, 0).right()),
            "1.23…"
        );
        assert_eq!(
            cell_text("12", 5, &Column::new("q", 3, 5, 0).right()),
            "   12"
        );
    }
}
