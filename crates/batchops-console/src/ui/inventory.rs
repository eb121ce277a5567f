//! Inventory: the catalog a page at a time, the sort and the search in the title, the match
//! highlighted; the item popup (stock, aliases, part numbers, movements) and the correction
//! prompts. The SKU and the stock are the last columns to go when the terminal is narrow.
//!
//! ```text
//! ┌ Inventory · 1,000,000 items · by SKU ↑ · search: bolt ─────────────────────┐
//! │SKU          name                                 stock  last movement      │
//! │BOLT-M8      Hex bolt M8 zinc                        40  YYYY-MM-DD hh:mm    │
//! └────────────────────────────────────────────────────────────────────────────┘
//! ```

use super::super::format::{count, fit, safe};
use super::super::theme::Theme;
use super::table::{self, Column, DataRow};
use super::{block, centered, fit_title};
use crate::store::inventory::ItemDetail;
use crate::tabs::inventory::InventoryTab;
use crate::tabs::inventory::{CorrectionPrompt, ItemView};
use crate::vocab::Correction;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

const COLUMNS: [Column; 4] = [
    Column::new("SKU", 6, 24, 0),
    Column::new("name", 10, 80, 1).grow(),
    Column::new("stock", 5, 20, 0).right(),
    Column::new("last movement", 16, 16, 2),
];

fn table_area(body: Rect, t: &InventoryTab) -> Rect {
    super::search::below(body, &t.search)
}

pub fn list_area(body: Rect, t: &InventoryTab) -> Rect {
    table::rows_area(table_area(body, t), true)
}

fn title(t: &InventoryTab) -> String {
    let inv = t;
    let (one, many) = if inv.search_text().is_empty() {
        ("item", "items")
    } else {
        ("match", "matches")
    };
    let total = match inv.total {
        Some(n) => crate::format::plural(n, one, many),
        None => format!("counting {many}…"),
    };
    let position = match (inv.first, inv.rows.is_empty()) {
        (Some(f), false) => format!(" · row {}", count(f + inv.nav.selected as u64 + 1)),
        _ => String::new(),
    };
    let arrow = if inv.descending { "↓" } else { "↑" };
    format!(
        " Inventory · {total}{position} · by {} {arrow} ",
        inv.sort.label()
    )
}

pub fn render(frame: &mut Frame, area: Rect, t: &InventoryTab, theme: &Theme) {
    let inv = t;
    super::search::render(frame, area, &inv.search, theme);
    let area = table_area(area, t);
    let title = fit_title(&title(t), area.width, 0);
    if inv.rows.is_empty() {
        let text = if !inv.loaded {
            "Reading the inventory…"
        } else if inv.search_text().is_empty() {
            "No item yet: imports create them."
        } else {
            "No item matches the search."
        };
        frame.render_widget(
            Paragraph::new(Line::from(text))
                .style(theme.dim)
                .block(block(title, theme))
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let mark = super::search::match_style(theme);
    let search = inv.search_text();
    let rows: Vec<DataRow> = inv
        .rows
        .iter()
        .map(|r| {
            let name = if r.retired {
                format!("[merged] {}", safe(&r.name))
            } else {
                safe(&r.name)
            };
            DataRow::new(vec![
                (safe(&r.sku), theme.base),
                (name, if r.retired { theme.dim } else { theme.base }),
                (
                    r.quantity.to_string(),
                    if r.quantity.is_sign_negative() {
                        theme.error
                    } else {
                        theme.base
                    },
                ),
                (
                    r.last_movement.format("%Y-%m-%d %H:%M").to_string(),
                    theme.base,
                ),
            ])
            .mark(search, mark)
        })
        .collect();
    let top = inv
        .nav
        .first_on_screen(usize::from(list_area(area, t).height));
    table::render(
        frame,
        area,
        Some(block(title, theme)),
        &COLUMNS,
        &rows,
        top,
        Some(inv.nav.selected),
        theme,
    );
}

/// The item popup: what the item is, its aliases (one selected, for `a`), part numbers and the
/// newest movements.
pub fn render_item(frame: &mut Frame, body: Rect, view: &ItemView, theme: &Theme) {
    let area = centered(body, 100, body.height.saturating_sub(2).max(10));
    let room = usize::from(area.width.saturating_sub(2));
    let lines = item_lines(&view.detail, view.alias.selected, room, theme);
    frame.render_widget(Clear, area);
    let title = format!(" Item {} ", safe(&view.detail.item.sku));
    frame.render_widget(
        Paragraph::new(lines).block(super::popups::popup_block(fit(&title, room, false), theme)),
        area,
    );
}

fn item_lines<'a>(d: &ItemDetail, alias: usize, room: usize, theme: &Theme) -> Vec<Line<'a>> {
    let it = &d.item;
    let mut lines = vec![
        Line::from(fit(
            &format!("{} · {}", safe(&it.sku), safe(&it.name)),
            room,
            false,
        )),
        Line::from(vec![
            Span::styled("stock ", theme.dim),
            Span::styled(it.quantity.to_string(), theme.key),
            Span::styled(
                format!(
                    " · last movement {} UTC · {} moved it",
                    it.last_movement.format("%Y-%m-%d %H:%M"),
                    crate::format::plural(d.movements_total, "line", "lines")
                ),
                theme.dim,
            ),
        ]),
    ];
    if let Some(into) = &d.merged_into {
        lines.push(Line::styled(
            format!("merged into {} (kept for history)", safe(into)),
            theme.warn,
        ));
    }
    lines.push(Line::from(""));
    lines.push(Line::styled(
        format!("aliases ({})", d.aliases.len()),
        theme.table_header,
    ));
    if d.aliases.is_empty() {
        lines.push(Line::styled("  none", theme.dim));
    }
    for (i, (a, by)) in d.aliases.iter().enumerate() {
        let text = fit(&format!("  {}  ({by})", safe(a)), room, false);
        lines.push(if i == alias {
            Line::styled(text, theme.selected)
        } else {
            Line::from(text)
        });
    }
    lines.push(Line::styled(
        format!("supplier part numbers ({})", d.parts.len()),
        theme.table_header,
    ));
    if d.parts.is_empty() {
        lines.push(Line::styled("  none", theme.dim));
    }
    for (supplier, part) in &d.parts {
        lines.push(Line::from(fit(
            &format!("  {} · {}", safe(supplier), safe(part)),
            room,
            false,
        )));
    }
    lines.push(Line::styled(
        format!(
            "recent movements ({} of {})",
            d.movements.len(),
            count(d.movements_total)
        ),
        theme.table_header,
    ));
    for m in &d.movements {
        // The run and line are what matter: the file's path is what gets cut.
        let head = format!(
            "  run {} line {} · {:>10} · {} · ",
            m.run_id,
            m.line,
            m.quantity.to_string(),
            m.at.format("%Y-%m-%d %H:%M")
        );
        let left = room.saturating_sub(head.chars().count());
        lines.push(Line::from(format!(
            "{head}{}",
            fit(&safe(&m.source), left, true)
        )));
    }
    lines
}

pub fn render_prompt(frame: &mut Frame, body: Rect, p: &CorrectionPrompt, theme: &Theme) {
    let area = centered(body, 76, 8);
    let inner = usize::from(area.width.saturating_sub(2));
    let (title, note) = match &p.alias {
        Some(a) => (
            " Move an alias ",
            format!(
                "Point \"{}\" at the item with this SKU; the lines that landed through it move too.",
                safe(a)
            ),
        ),
        None => (
            " Merge items ",
            format!(
                "Merge {} into the item with this SKU: stock, lines and aliases move; {} is retired.",
                safe(&p.view.detail.item.sku),
                safe(&p.view.detail.item.sku)
            ),
        ),
    };
    let width = inner.saturating_sub(14);
    let lines = vec![
        Line::styled(note, theme.dim),
        Line::from(""),
        super::popups::input_line("SKU", &p.sku, true, width, theme),
    ];
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(super::popups::popup_block(title.into(), theme))
            .wrap(Wrap { trim: false }),
        area,
    );
}

pub fn render_confirm(frame: &mut Frame, body: Rect, c: &Correction, theme: &Theme) {
    let area = centered(body, 72, 8);
    let what = match c {
        Correction::MoveAlias { alias, to_sku } => format!(
            "Alias \"{}\" will name {}; every line that landed through it moves its quantity there.",
            safe(alias),
            safe(to_sku)
        ),
        Correction::Merge { from_sku, into_sku } => format!(
            "{} is merged into {}: its stock, lines and aliases move; {} is retired.",
            safe(from_sku),
            safe(into_sku),
            safe(from_sku)
        ),
    };
    let text = vec![
        Line::from(what),
        Line::from("It is recorded in the corrections audit (batchops corrections)."),
        Line::from(""),
        Line::from(vec![
            Span::styled("y", theme.key),
            Span::raw(" do it   "),
            Span::styled("n", theme.key),
            Span::raw(" go back"),
        ]),
    ];
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(text)
            .block(super::popups::popup_block(
                " Correct the catalog? ".into(),
                theme,
            ))
            .wrap(Wrap { trim: true }),
        area,
    );
}
