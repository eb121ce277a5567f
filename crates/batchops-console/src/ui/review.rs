//! Review: the held-line groups (most lines first) above, the selected group's candidates side by
//! side below, with what agrees (ok), what differs (a veto: error) and what only one side states
//! (warn); the highlighted candidate has the focused border. Its popups (the new item's form,
//! the confirmation) are drawn here too.
//!
//! ```text
//! ┌ Review · 2 groups, 5 held lines (most lines first) ─────────────────────────┐
//! │description              lines runs  reason                                  │
//! │Hex Bolt M8 Zinc             3 2     2 items fit as well: …                  │
//! └─────────────────────────────────────────────────────────────────────────────┘
//! ┌ 1 HB-M8-40 · 0.90 ─────────┐┌ 2 HB-M8-50 · 0.90 ─────────┐
//! │Hex Bolt M8 x 40mm Zinc     ││Hex Bolt M8 x 50mm Zinc     │
//! │± length 40 mm (item only)  ││± length 50 mm (item only)  │
//! │✓ thread M8                 ││✓ thread M8                 │
//! └────────────────────────────┘└────────────────────────────┘
//! ```

use super::super::format::{count, fit, safe};
use super::super::theme::Theme;
use super::popups::{input_line, popup_block};
use super::table::{self, Column, DataRow};
use super::{block, centered};
use crate::domain::Candidate;
use crate::engine::review::Choice;
use crate::tabs::review::{
    BulkAct, NewItemForm, PendingBulk, PendingDecision, Popup, ReviewTab, SHOWN,
};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

const COLUMNS: [Column; 4] = [
    Column::new("description", 16, 60, 0).grow(),
    Column::new("lines", 5, 7, 0).right(),
    Column::new("runs", 4, 14, 2),
    Column::new("reason", 10, 80, 1),
];

/// The list and the candidates panel of the body.
fn split(body: Rect, t: &ReviewTab) -> (Rect, Rect) {
    // Borders and the header line, then a row per group, at most half the body.
    let want = u16::try_from(t.groups.len().max(1))
        .unwrap_or(u16::MAX)
        .saturating_add(3);
    let list = want.min(body.height / 2).max(4).min(body.height);
    let [top, bottom] =
        Layout::vertical([Constraint::Length(list), Constraint::Fill(1)]).areas(body);
    (top, bottom)
}

pub fn list_area(body: Rect, t: &ReviewTab) -> Rect {
    table::rows_area(split(below(body, t), t).0, true)
}

/// The body below the search line (while a search is typed or kept).
fn below(body: Rect, t: &ReviewTab) -> Rect {
    super::search::below(body, &t.search)
}

pub fn render(frame: &mut Frame, area: Rect, t: &ReviewTab, theme: &Theme) {
    let r = t;
    super::search::render(frame, area, &r.search, theme);
    let area = below(area, t);
    let lines = r.total_lines;
    let narrowed = match (r.search.text(), r.filters.describe()) {
        ("", f) if f.is_empty() => String::new(),
        ("", f) => format!(" · {f}"),
        (s, f) if f.is_empty() => format!(" · \"{}\"", safe(s)),
        (s, f) => format!(" · \"{}\", {f}", safe(s)),
    };
    let marked = if r.marked.is_empty() {
        String::new()
    } else {
        format!(" · {} selected", count(r.marked.len() as u64))
    };
    let title = format!(
        " Review · {} group{}, {} held line{} (most lines first){narrowed}{marked} ",
        count(r.total_groups),
        if r.total_groups == 1 { "" } else { "s" },
        count(lines),
        if lines == 1 { "" } else { "s" },
    );
    if r.groups.is_empty() {
        let text = match (&r.error, r.loaded) {
            (Some(e), _) => format!("The held lines cannot be read: {}", safe(e)),
            (None, true) if !r.search.text().is_empty() || !r.filters.is_empty() => {
                "No held line matches the search and filters (Esc clears them).".to_string()
            }
            (None, true) => {
                "No line is held for review: every imported line found its item.".to_string()
            }
            (None, false) => "Reading the held lines…".to_string(),
        };
        frame.render_widget(
            Paragraph::new(Line::from(text))
                .style(theme.dim)
                .block(block(super::fit_title(&title, area.width, 0), theme))
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let (top, bottom) = split(area, t);
    let mark = super::search::match_style(theme);
    let rows: Vec<DataRow> = r
        .groups
        .iter()
        .map(|g| {
            let chosen = if r.marked.contains_key(&g.alias) {
                "● "
            } else {
                ""
            };
            let runs = g
                .runs
                .iter()
                .map(|r| r.to_string())
                .collect::<Vec<_>>()
                .join(",");
            DataRow::new(vec![
                (format!("{chosen}{}", safe(&g.description)), theme.base),
                (count(g.lines), theme.base),
                (runs, theme.base),
                (safe(&g.reason), theme.dim),
            ])
            .mark(r.search.text(), mark)
        })
        .collect();
    let height = usize::from(table::rows_area(top, true).height);
    // A list that fits is drawn from its first row (the search or a filter may have scrolled it).
    let first = if r.groups.len() <= height {
        0
    } else {
        r.nav.first_on_screen(height)
    };
    table::render(
        frame,
        top,
        Some(block(super::fit_title(&title, top.width, 0), theme)),
        &COLUMNS,
        &rows,
        first,
        Some(r.nav.selected),
        theme,
    );
    candidates(frame, bottom, t, theme);
}

fn candidates(frame: &mut Frame, area: Rect, t: &ReviewTab, theme: &Theme) {
    let r = t;
    let Some(g) = r.selected() else {
        return;
    };
    if area.height < 3 {
        return;
    }
    let [why, panels] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let width = usize::from(area.width);
    let head = match &r.deciding {
        Some(d) => format!(" applying the decision on \"{}\"…", safe(d)),
        None => format!(
            " \"{}\" · {} line{} · why held: {}",
            safe(&g.description),
            count(g.lines),
            if g.lines == 1 { "" } else { "s" },
            safe(&g.reason)
        ),
    };
    let style = if r.deciding.is_some() {
        theme.info
    } else {
        theme.base
    };
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(fit(&head, width, false), style))),
        why,
    );
    let shown: Vec<&Candidate> = g.candidates.iter().take(SHOWN).collect();
    if shown.is_empty() {
        frame.render_widget(
            Paragraph::new("No candidate: n creates a new item, x maps the lines again.")
                .style(theme.dim)
                .block(block(" candidates ", theme))
                .wrap(Wrap { trim: true }),
            panels,
        );
        return;
    }
    let cols = Layout::horizontal(vec![Constraint::Ratio(1, shown.len() as u32); shown.len()])
        .split(panels);
    for (i, (c, rect)) in shown.iter().zip(cols.iter()).enumerate() {
        candidate(frame, *rect, i, c, i == r.candidate, theme);
    }
}

fn candidate(frame: &mut Frame, area: Rect, i: usize, c: &Candidate, focused: bool, theme: &Theme) {
    let room = usize::from(area.width.saturating_sub(2));
    let title = fit(
        &format!(" {} {} · {:.2} ", i + 1, safe(&c.sku), c.score),
        room,
        false,
    );
    let (border, title_style) = if focused {
        (theme.border_focus, theme.title)
    } else {
        (theme.border, theme.base)
    };
    let mut lines = vec![Line::from(Span::styled(
        fit(&safe(&c.name), room, false),
        theme.table_header,
    ))];
    let mut add = |mark: &str, items: &[String], style: Style| {
        for a in items {
            lines.push(Line::from(Span::styled(
                fit(&format!("{mark} {}", safe(a)), room, false),
                style,
            )));
        }
    };
    // What differs first: it is what the decision turns on (and what a short panel keeps).
    add("✗", &c.differed, theme.error);
    add("±", &c.one_sided, theme.warn);
    add("✓", &c.agreed, theme.ok);
    if c.agreed.is_empty() && c.differed.is_empty() && c.one_sided.is_empty() {
        lines.push(Line::from(Span::styled("no attribute stated", theme.dim)));
    }
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::new()
                .borders(Borders::ALL)
                .border_style(border)
                .title(Span::styled(title, title_style)),
        ),
        area,
    );
}

/// The Review tab's popups: the new item's form and the confirmation of a decision.
pub fn render_popup(frame: &mut Frame, body: Rect, t: &ReviewTab, theme: &Theme) {
    match &t.popup {
        Some(Popup::ConfirmDecision(d)) => confirm(frame, body, d, theme),
        Some(Popup::ConfirmBulk(p)) => confirm_bulk(frame, body, p, theme),
        Some(Popup::NewItem(f)) => new_item(frame, body, f, theme),
        _ => {}
    }
}

fn confirm(frame: &mut Frame, body: Rect, d: &PendingDecision, theme: &Theme) {
    let area = centered(body, 76, 9);
    let title = match d.choice {
        Choice::Item(_) => " Land on this item? ",
        Choice::New { .. } => " Create a new item? ",
        Choice::Reject => " None of these? ",
    };
    let text = vec![
        Line::from(format!(
            "{} held line{} of \"{}\":",
            count(d.lines),
            if d.lines == 1 { "" } else { "s" },
            safe(&d.description)
        )),
        Line::from(safe(&d.what)),
        Line::from(Span::styled(
            "Stock moves now and for good (every open line of this description, in every run).",
            theme.warn,
        )),
        Line::from(""),
        Line::from(vec![
            Span::styled("y", theme.key),
            Span::raw(" apply   "),
            Span::styled("n", theme.key),
            Span::raw(" go back"),
        ]),
    ];
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(text)
            .block(popup_block(title.into(), theme))
            .wrap(Wrap { trim: true }),
        area,
    );
}

fn confirm_bulk(frame: &mut Frame, body: Rect, p: &PendingBulk, theme: &Theme) {
    let shown = p
        .lines
        .len()
        .min(usize::from(body.height.saturating_sub(6)).max(1));
    let height = u16::try_from(shown + 5).unwrap_or(u16::MAX);
    let area = centered(body, 76, height);
    let title = match p.act {
        BulkAct::AcceptTop(_) => " Accept the top candidates? ",
        BulkAct::Undo(_) => " Undo the last decision? ",
    };
    let mut text: Vec<Line> = p
        .lines
        .iter()
        .take(shown)
        .map(|l| Line::from(safe(l)))
        .collect();
    if p.lines.len() > shown {
        text.push(Line::from(format!("  … {} more", p.lines.len() - shown)));
    }
    let warning = match p.act {
        BulkAct::AcceptTop(_) => "Stock moves now (u undoes the whole decision).",
        BulkAct::Undo(_) => "Stock moves now.",
    };
    text.push(Line::from(Span::styled(warning, theme.warn)));
    text.push(Line::from(vec![
        Span::styled("y", theme.key),
        Span::raw(" apply   "),
        Span::styled("n", theme.key),
        Span::raw(" go back"),
    ]));
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(text)
            .block(popup_block(title.into(), theme))
            .wrap(Wrap { trim: true }),
        area,
    );
}

fn new_item(frame: &mut Frame, body: Rect, f: &NewItemForm, theme: &Theme) {
    let area = centered(body, 76, 9);
    let width = usize::from(area.width).saturating_sub(16);
    let inner = usize::from(area.width.saturating_sub(2));
    let status = match &f.error {
        Some(e) => Line::from(Span::styled(fit(&safe(e), inner, false), theme.error)),
        None => Line::from(Span::styled(
            "Enter: create (asks first) · Tab: next field",
            theme.dim,
        )),
    };
    let lines = vec![
        Line::from(Span::styled(
            fit(
                &format!(
                    "A new item for the {} line{} of \"{}\"",
                    count(f.lines),
                    if f.lines == 1 { "" } else { "s" },
                    safe(&f.description)
                ),
                inner,
                false,
            ),
            theme.dim,
        )),
        Line::from(""),
        input_line("SKU", &f.sku, f.focus == 0, width, theme),
        input_line("name", &f.name, f.focus == 1, width, theme),
        Line::from(""),
        status,
    ];
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(popup_block(" New item ".into(), theme))
            .wrap(Wrap { trim: false }),
        area,
    );
}
