//! Compare: a batch run and a sequential run side by side. Rates are compared (items/s and
//! milliseconds per 1,000 items for each phase), never absolute seconds, so runs of different
//! sizes compare; when the inputs differ or a run stopped early the table says so. A
//! rehearsal's two live progressions sit on top.

use super::super::format::{count, fit, rate, safe, seconds};
use super::super::theme::Theme;
use super::block;
use super::run::gauge_line;
use crate::domain::Phase;
use crate::shell::Shell;
use crate::tabs::compare::CompareView;
use crate::tabs::compare::{Side, SideFigures, caveats, speedup};
use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Cell, Paragraph, Row, Table, Wrap};

/// A side's lines, with those held for review when there are any: `41 (1 held)`.
fn items(f: &SideFigures) -> String {
    match f.held {
        0 => count(f.items),
        held => format!("{} ({} held)", count(f.items), count(held)),
    }
}

pub fn render(frame: &mut Frame, area: Rect, t: &CompareView, sh: &Shell, theme: &Theme) {
    let c = t;
    let find = |id: Option<i64>| {
        id.and_then(|id| t.history.iter().find(|r| r.id == id))
            .map(SideFigures::of)
    };
    let batch = find(c.batch);
    let seq = find(c.sequential);
    let rehearsal_h = if c.rehearsal.is_some() || c.error.is_some() {
        4
    } else {
        0
    };
    let [reh_area, rest] =
        Layout::vertical([Constraint::Length(rehearsal_h), Constraint::Fill(1)]).areas(area);
    if let Some(r) = &c.rehearsal {
        let now = sh.now();
        let cap = r
            .sequential_lines
            .map(|n| format!(" (sequential: first {} lines)", count(n)))
            .unwrap_or_default();
        let title = format!(" Rehearsal of {}{cap} ", fit(&safe(&r.source), 40, true));
        let b = block(title, theme);
        let inner = b.inner(reh_area);
        frame.render_widget(b, reh_area);
        let lines = vec![
            gauge_line(&r.batch, now, inner.width, theme),
            gauge_line(&r.sequential, now, inner.width, theme),
        ];
        frame.render_widget(Paragraph::new(lines), inner);
    } else if let Some(e) = &c.error {
        frame.render_widget(
            Paragraph::new(Span::styled(safe(e), theme.error))
                .block(block(" Rehearsal ", theme))
                .wrap(Wrap { trim: true }),
            reh_area,
        );
    }
    if batch.is_none() && seq.is_none() {
        let text = vec![
            Line::from(
                "Nothing to compare yet: the history has no finished batch or sequential run.",
            ),
            Line::from(""),
            Line::from(
                "Import a batch with b and with s (1 Batches), or press p to rehearse the selected batch",
            ),
            Line::from(
                "in both modes on scratch copies of the catalog (live data is not touched).",
            ),
        ];
        frame.render_widget(
            Paragraph::new(text)
                .style(theme.dim)
                .block(block(" Compare ", theme))
                .wrap(Wrap { trim: true }),
            rest,
        );
        return;
    }
    let wide = rest.width >= 120 && rest.height >= 24;
    if wide {
        let [top, bottom] =
            Layout::vertical([Constraint::Length(17), Constraint::Fill(1)]).areas(rest);
        let [table_area, chart_area] =
            Layout::horizontal([Constraint::Fill(3), Constraint::Fill(2)]).areas(top);
        render_table(frame, table_area, t, batch.as_ref(), seq.as_ref(), theme);
        render_chart(frame, chart_area, batch.as_ref(), seq.as_ref(), true, theme);
        render_phase_chart(frame, bottom, batch.as_ref(), seq.as_ref(), theme);
    } else {
        let [table_area, chart_area] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(4)]).areas(rest);
        render_table(frame, table_area, t, batch.as_ref(), seq.as_ref(), theme);
        render_chart(
            frame,
            chart_area,
            batch.as_ref(),
            seq.as_ref(),
            false,
            theme,
        );
    }
}

/// Seconds per phase, batch beside sequential.
fn render_phase_chart(
    frame: &mut Frame,
    area: Rect,
    b: Option<&SideFigures>,
    s: Option<&SideFigures>,
    theme: &Theme,
) {
    // Microseconds per 1,000 items: the per-item cost, whatever the runs' sizes.
    let micros = |f: Option<&SideFigures>, i: usize| {
        f.and_then(|f| f.phase_ms_per_1000(i))
            .map(|ms| (ms.max(0.0) * 1000.0).round() as u64)
            .unwrap_or(0)
    };
    let groups: Vec<BarGroup> = Phase::TIMED
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let bar = |side: &'static str, v: u64, style: Style| {
                Bar::default()
                    .label(Line::from(side))
                    .value(v)
                    .text_value(format!("{:.1}", v as f64 / 1000.0))
                    .style(style)
                    .value_style(style.add_modifier(ratatui::style::Modifier::REVERSED))
            };
            BarGroup::default().label(Line::from(p.title())).bars(&[
                bar("batch", micros(b, i), theme.batch),
                bar("seq", micros(s, i), theme.sequential),
            ])
        })
        .collect();
    let width = ((area.width.saturating_sub(2 + 4 * 3)) / 8).clamp(3, 14);
    let mut chart = BarChart::default()
        .block(block(
            " ms per 1,000 items, by phase (batch · sequential) ",
            theme,
        ))
        .bar_width(width)
        .bar_gap(1)
        .group_gap(3);
    for g in &groups {
        chart = chart.data(g.clone());
    }
    frame.render_widget(chart, area);
}

fn render_table(
    frame: &mut Frame,
    area: Rect,
    t: &CompareView,
    b: Option<&SideFigures>,
    s: Option<&SideFigures>,
    theme: &Theme,
) {
    let focus = t.focus;
    let head = |side: Side, f: Option<&SideFigures>| {
        let name = match side {
            Side::Batch => "batch",
            Side::Sequential => "sequential",
        };
        let text = match f {
            Some(f) => format!("{name} · run {}", f.run_id),
            None => format!("{name} · none"),
        };
        let mut style = if side == Side::Batch {
            theme.batch
        } else {
            theme.sequential
        };
        if side == focus {
            style = style.add_modifier(ratatui::style::Modifier::REVERSED);
        }
        Cell::from(text).style(style)
    };
    let col = ((area.width as usize).saturating_sub(2 + 24 + 2) / 2).max(8);
    let val = |f: Option<&SideFigures>, get: &dyn Fn(&SideFigures) -> String| {
        f.map(|f| fit(&get(f), col, false))
            .unwrap_or_else(|| "—".into())
    };
    let mut rows = vec![
        (
            "file",
            val(b, &|f| fit(&safe(&f.source), col, true)),
            val(s, &|f| fit(&safe(&f.source), col, true)),
        ),
        (
            "kind",
            val(b, &|f| kind(f).into()),
            val(s, &|f| kind(f).into()),
        ),
        (
            "status",
            val(b, &|f| f.status.to_string()),
            val(s, &|f| f.status.to_string()),
        ),
        ("items", val(b, &items), val(s, &items)),
        (
            "seconds (own size)",
            val(b, &|f| seconds(f.seconds)),
            val(s, &|f| seconds(f.seconds)),
        ),
        (
            "items/s",
            val(b, &|f| rate(f.items_per_second)),
            val(s, &|f| rate(f.items_per_second)),
        ),
        (
            "statements",
            val(b, &|f| count(f.statements)),
            val(s, &|f| count(f.statements)),
        ),
        (
            "statements / 1000 items",
            val(b, &|f| {
                count(f.statements_per_1000().max(0.0).round() as u64)
            }),
            val(s, &|f| {
                count(f.statements_per_1000().max(0.0).round() as u64)
            }),
        ),
    ];
    let per_1000 = |f: &SideFigures, i: usize| {
        f.phase_ms_per_1000(i)
            .map(|ms| format!("{ms:.2} ms"))
            .unwrap_or_else(|| "—".into())
    };
    for (i, p) in Phase::TIMED.iter().enumerate() {
        rows.push((
            p.title(),
            val(b, &|f| per_1000(f, i)),
            val(s, &|f| per_1000(f, i)),
        ));
    }
    let mut warning = None;
    let speed = match (b, s) {
        (Some(b), Some(s)) => {
            let why = caveats(b, s);
            if !why.is_empty() {
                warning = Some(format!("not like for like: {}", why.join("; ")));
            }
            match speedup(b, s) {
                Some(x) => format!("{x:.1}× (items/s ÷ items/s)"),
                None => "— (no rate on one side)".into(),
            }
        }
        _ => "— (pick a run on both sides)".into(),
    };
    // The verdict first: on a short screen it is what must not fall off the bottom.
    let mut table_rows: Vec<Row> = vec![Row::new(vec![
        Cell::from("speedup").style(theme.title),
        Cell::from(speed).style(theme.title).column_span(2),
    ])];
    if let Some(w) = warning {
        let room = usize::from(area.width.saturating_sub(2 + 25));
        table_rows.push(Row::new(vec![
            Cell::from("⚠ caution").style(theme.warn),
            Cell::from(fit(&w, room, false))
                .style(theme.warn)
                .column_span(2),
        ]));
    }
    table_rows.extend(rows.into_iter().map(|(k, x, y)| {
        let k = if Phase::TIMED.iter().any(|p| p.title() == k) {
            format!("  {k} /1000")
        } else {
            k.to_string()
        };
        Row::new(vec![
            Cell::from(k).style(theme.dim),
            Cell::from(x),
            Cell::from(y),
        ])
    }));
    let header = Row::new(vec![
        Cell::from(""),
        head(Side::Batch, b),
        head(Side::Sequential, s),
    ])
    .style(theme.table_header);
    let table = Table::new(
        table_rows,
        [
            Constraint::Length(24),
            Constraint::Fill(1),
            Constraint::Fill(1),
        ],
    )
    .header(header)
    .block(block(
        " Compare · h/l side, j/k pick a run, p rehearse ",
        theme,
    ))
    .column_spacing(1);
    frame.render_widget(table, area);
}

fn render_chart(
    frame: &mut Frame,
    area: Rect,
    b: Option<&SideFigures>,
    s: Option<&SideFigures>,
    wide: bool,
    theme: &Theme,
) {
    let value = |f: Option<&SideFigures>| {
        f.map(|f| f.items_per_second.max(0.0).round() as u64)
            .unwrap_or(0)
    };
    let bar = |label: &'static str, v: u64, style: Style| {
        Bar::default()
            .label(Line::from(label))
            .value(v)
            .text_value(format!("{} items/s", count(v)))
            .style(style)
            .value_style(style.add_modifier(ratatui::style::Modifier::REVERSED))
    };
    let bars = vec![
        bar("batch", value(b), theme.batch),
        bar("sequential", value(s), theme.sequential),
    ];
    let chart = BarChart::default()
        .block(block(" items/s ", theme))
        .data(BarGroup::default().bars(&bars))
        .bar_gap(if wide { 2 } else { 0 });
    let chart = if wide {
        let width = ((area.width.saturating_sub(4)) / 2).clamp(3, 20);
        chart.bar_width(width).direction(Direction::Vertical)
    } else {
        let width = (area.height.saturating_sub(3) / 2).clamp(1, 3);
        chart
            .bar_width(width)
            .bar_gap(u16::from(width > 1))
            .direction(Direction::Horizontal)
    };
    frame.render_widget(chart, area);
}

/// A run from a rehearsal (scratch database) or a real import.
fn kind(f: &SideFigures) -> &'static str {
    if f.rehearsal { "rehearsal" } else { "import" }
}

/// Compare has no list to page through.
pub fn list_area(_body: Rect, _t: &CompareView) -> Rect {
    Rect::default()
}
