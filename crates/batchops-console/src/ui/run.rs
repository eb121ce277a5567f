//! Run: one row per phase (gauge, elapsed, lines/s, statements), the overall gauge with ETA,
//! chunks and counts, a throughput sparkline, the failures by reason and the log of run events.
//!
//! ```text
//! ┌ Run 5 · batch · …/full.csv ───────────────────────────────────── running ┐
//! │phase            progress               done/total  elapsed lines/s stmts │
//! │Mapping          ██████████░░░░ 25%     250k/1.00M  1.44 s  …             │
//! │Overall ███████░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░ 24%    │
//! │ 241,500/1,000,000 lines · 12.00 s elapsed · 20,125 lines/s · ETA 38s     │
//! │ 4 failed · 2 held · 483 chunks committed · …                             │
//! │ throughput (sparkline)                                                   │
//! │ failed by reason: 4× quantity "…" has a comma (lines 17–213,983)         │
//! │ events (run-level)                                                       │
//! └──────────────────────────────────────────────────────────────────────────┘
//! ```

use super::super::format::{
    bar, clock, compact, count, duration, fit, percent, rate, safe, seconds,
};
use super::super::theme::Theme;
use super::super::vocab::Level;
use super::block;
use crate::domain::{Mode, Phase, RunStatus};
use crate::shell::Shell;
use crate::tabs::run::RunTab;
use crate::tabs::run::{PHASES, RunView, SETUP_PHASES};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Sparkline, Table, Wrap};
use std::time::Duration;

pub fn render(frame: &mut Frame, area: Rect, t: &RunTab, sh: &Shell, theme: &Theme) {
    let Some(v) = &t.view else {
        let text = vec![
            Line::from("No run yet."),
            Line::from(""),
            Line::from(
                "Pick a batch on 1 Batches and press b (batch mode) or s (sequential mode),",
            ),
            Line::from("or open a run of the history on 4 Runs."),
        ];
        frame.render_widget(
            Paragraph::new(text)
                .style(theme.dim)
                .block(block(" Run ", theme))
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    };
    let now = sh.now();
    render_view(frame, area, v, now, theme, true);
}

struct Parts {
    phases: Rect,
    overall: Rect,
    counts: Rect,
    spark_label: Rect,
    spark: Rect,
    log: Rect,
}

fn parts(inner: Rect, v: &RunView, wide: bool) -> Parts {
    let phase_rows = PHASES
        .iter()
        .filter(|&&p| p != Phase::Retry || v.mode == Mode::Retry)
        .count() as u16
        + SETUP_PHASES.len() as u16;
    // A short screen gives the sparkline's rows to the log.
    let spark_h = if wide {
        5
    } else if inner.height >= 16 {
        2
    } else {
        0
    };
    let label_h = u16::from(spark_h > 0);
    let [phases, overall, counts, spark_label, spark, log] = Layout::vertical([
        Constraint::Length(phase_rows + 1),
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Length(label_h),
        Constraint::Length(spark_h),
        Constraint::Fill(1),
    ])
    .areas(inner);
    Parts {
        phases,
        overall,
        counts,
        spark_label,
        spark,
        log,
    }
}

fn inner_of(area: Rect) -> Rect {
    Rect {
        x: area.x + 1,
        y: area.y + 1,
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(2),
    }
}

fn is_wide(area: Rect) -> bool {
    area.width >= 120 && area.height >= 30
}

/// The event log's lines on screen (what paging the log moves by).
pub fn list_area(body: Rect, t: &RunTab) -> Rect {
    let Some(v) = &t.view else {
        return Rect::default();
    };
    let log = parts(inner_of(body), v, is_wide(body)).log;
    let reasons = reasons_height(v, log);
    Rect {
        y: log.y + reasons + 1,
        height: log.height.saturating_sub(reasons + 1),
        ..log
    }
}

/// Rows the failures-by-reason block takes in the log area: up to a third of it.
fn reasons_height(v: &RunView, log: Rect) -> u16 {
    if v.reasons.is_empty() {
        return 0;
    }
    let want = v.reasons.len() as u16 + 1 + u16::from(v.other_failures > 0);
    want.min(log.height / 3).max(u16::from(log.height >= 3) * 2)
}

/// The whole run panel (also used for a rehearsal's sides when `full` is false: gauge lines only).
pub fn render_view(
    frame: &mut Frame,
    area: Rect,
    v: &RunView,
    now: Duration,
    theme: &Theme,
    full: bool,
) {
    let run = v
        .run_id
        .map(|id| format!("Run {id}"))
        .unwrap_or_else(|| "Run (starting)".into());
    let kind = if v.live { "" } else { " · from the history" };
    let room =
        (area.width as usize).saturating_sub(run.len() + v.mode.as_str().len() + kind.len() + 30);
    let title = format!(
        " {run} · {} · {}{kind} ",
        v.mode,
        fit(&safe(&v.source), room.max(10), true)
    );
    let status_text = if v.cancelling {
        "cancelling…".to_string()
    } else {
        v.status.to_string()
    };
    let status = Line::from(vec![
        Span::raw(" "),
        Span::styled(
            status_text,
            theme
                .status(v.status)
                .add_modifier(ratatui::style::Modifier::BOLD),
        ),
        Span::raw(" "),
    ])
    .right_aligned();
    let status_w = u16::try_from(status.width()).unwrap_or(0);
    let outer = block(super::fit_title(&title, area.width, status_w + 1), theme).title_top(status);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    if !full {
        return;
    }
    let phases: Vec<Phase> = PHASES
        .iter()
        .copied()
        .filter(|&p| p != Phase::Retry || v.mode == Mode::Retry)
        .collect();
    let p = parts(inner, v, is_wide(area));
    render_phases(frame, p.phases, v, &phases, theme);
    render_overall(frame, p.overall, v, now, theme);
    render_counts(frame, p.counts, v, theme);
    render_spark(frame, p.spark_label, p.spark, v, now, theme);
    let reasons_h = reasons_height(v, p.log);
    let [reasons_area, log_area] =
        Layout::vertical([Constraint::Length(reasons_h), Constraint::Fill(1)]).areas(p.log);
    render_reasons(frame, reasons_area, v, theme);
    render_log(frame, log_area, v, theme);
}

fn render_reasons(frame: &mut Frame, area: Rect, v: &RunView, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let width = usize::from(area.width);
    let mut lines = vec![Line::from(vec![
        Span::styled(" failed by reason", theme.table_header),
        Span::styled(
            format!(" {} (the Failed tab lists every line)", count(v.failed)),
            theme.dim,
        ),
    ])];
    let room = usize::from(area.height.saturating_sub(1));
    let shown = if v.reasons.len() > room {
        room.saturating_sub(1)
    } else {
        room
    };
    for r in v.reasons.iter().take(shown) {
        let lines_of = if r.first_line == r.last_line {
            format!("line {}", r.first_line)
        } else {
            format!("lines {}–{}", r.first_line, r.last_line)
        };
        let text = format!(
            " {:>7}× {}: {} ({lines_of})",
            count(r.count),
            r.phase,
            safe(&r.reason)
        );
        lines.push(Line::from(Span::styled(
            fit(&text, width, false),
            theme.error,
        )));
    }
    let hidden: u64 = v.reasons.iter().skip(shown).map(|r| r.count).sum::<u64>() + v.other_failures;
    if hidden > 0 {
        let text = format!(" {:>7}× for other reasons", count(hidden));
        lines.push(Line::from(Span::styled(
            fit(&text, width, false),
            theme.error,
        )));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn render_phases(frame: &mut Frame, area: Rect, v: &RunView, phases: &[Phase], theme: &Theme) {
    let wide = area.width >= 110;
    // Narrow: the statements column goes (the counts line has the total), names are cut with `…`.
    let (name_w, done_w, el_w, ips_w, st_w) = if wide {
        (18, 23, 10, 10, 10)
    } else if area.width >= 80 {
        (16, 15, 8, 8, 7)
    } else {
        (12, 13, 8, 8, 0)
    };
    let fixed = name_w + 5 + done_w + el_w + ips_w + st_w + 6;
    let bar_w = (area.width as usize).saturating_sub(fixed).max(4);
    let header = Row::new([
        "phase",
        "progress",
        "",
        "done/total",
        "elapsed",
        "lines/s",
        "stmts",
    ])
    .style(theme.table_header);
    // Start-up and catalog: their seconds, as the report gives them (no lines of their own).
    let setup = SETUP_PHASES.iter().zip(v.setup).map(|(&phase, secs)| {
        let (elapsed, style) = match secs {
            Some(d) => (seconds(d.as_secs_f64()), theme.base),
            None => ("—".to_string(), theme.dim),
        };
        Row::new(vec![
            ratatui::widgets::Cell::from(fit(phase.title(), name_w, false)),
            ratatui::widgets::Cell::from(""),
            ratatui::widgets::Cell::from(""),
            ratatui::widgets::Cell::from(""),
            ratatui::widgets::Cell::from(elapsed),
            ratatui::widgets::Cell::from(""),
            ratatui::widgets::Cell::from(""),
        ])
        .style(style)
    });
    let rows = phases.iter().map(|&phase| {
        let p = v.phase(phase);
        let done = v.step_done(phase);
        let total = if p.total > 0 {
            p.total.max(v.total)
        } else {
            v.total
        };
        let total = if v.total_known { total } else { 0 };
        let ratio = if total > 0 {
            done as f64 / total as f64
        } else {
            0.0
        };
        let (filled, todo) = bar(ratio, bar_w);
        let style = if p.started { theme.base } else { theme.dim };
        let gauge = Line::from(vec![
            Span::styled(filled, theme.bar_done),
            Span::styled(todo, theme.bar_todo),
        ]);
        let elapsed = if p.started {
            seconds(p.elapsed.as_secs_f64())
        } else {
            "—".into()
        };
        let ips = if p.started {
            rate(p.items_per_second())
        } else {
            "—".into()
        };
        Row::new(vec![
            ratatui::widgets::Cell::from(fit(phase.title(), name_w, false)),
            ratatui::widgets::Cell::from(gauge),
            ratatui::widgets::Cell::from(percent(done, total)),
            ratatui::widgets::Cell::from(match (wide, total > 0) {
                _ if !v.counts_known => "—".to_string(),
                (true, true) => format!("{}/{}", count(done), count(total)),
                (false, true) => format!("{}/{}", compact(done), compact(total)),
                (true, false) => count(done),
                (false, false) => compact(done),
            }),
            ratatui::widgets::Cell::from(elapsed),
            ratatui::widgets::Cell::from(ips),
            ratatui::widgets::Cell::from(count(p.statements)),
        ])
        .style(style)
    });
    let widths = [
        Constraint::Length(name_w as u16),
        Constraint::Length(bar_w as u16),
        Constraint::Length(4),
        Constraint::Length(done_w as u16),
        Constraint::Length(el_w as u16),
        Constraint::Length(ips_w as u16),
        Constraint::Length(st_w as u16),
    ];
    let widths = &widths[..if st_w == 0 { 6 } else { 7 }];
    frame.render_widget(
        Table::new(setup.chain(rows), widths.to_vec())
            .header(header)
            .column_spacing(1),
        area,
    );
}

fn render_overall(frame: &mut Frame, area: Rect, v: &RunView, now: Duration, theme: &Theme) {
    let done = v.done();
    // A stopped run whose file is not loaded knows only the lines it read: no share to show.
    let total = if v.total_known { v.total.max(done) } else { 0 };
    let eta = match v.eta(now) {
        Some(d) if d < Duration::from_secs(1) => "ETA <1s".to_string(),
        Some(d) => format!("ETA {}", duration(d)),
        None if v.is_finished() && v.stopped_early() => {
            format!("stopped: {}", v.status)
        }
        None if v.is_finished() && !v.counts_known => "no report".into(),
        None if v.is_finished() => "done".into(),
        None => "ETA —".into(),
    };
    let pct = format!(" {:>4}", percent(done, total));
    let label = "Overall ";
    let bar_w = (area.width as usize)
        .saturating_sub(label.len() + pct.len())
        .max(4);
    let ratio = if total > 0 {
        done as f64 / total as f64
    } else {
        0.0
    };
    let (filled, todo) = bar(ratio, bar_w);
    let gauge = Line::from(vec![
        Span::styled(label, theme.title),
        Span::styled(filled, theme.bar_done),
        Span::styled(todo, theme.bar_todo),
        Span::styled(pct, theme.title),
    ]);
    let of_total = if total > 0 {
        format!("{}/{} lines", count(done), count(total))
    } else if v.counts_known {
        format!("{} lines read (of a file not loaded here)", count(done))
    } else {
        "lines unknown".to_string()
    };
    let figures = Line::from(vec![
        Span::styled(format!(" {eta} · "), theme.title),
        Span::raw(format!(
            "{of_total} · {} elapsed · {} lines/s",
            seconds(v.elapsed(now).as_secs_f64()),
            rate(v.items_per_second(now))
        )),
    ]);
    frame.render_widget(
        Paragraph::new(vec![gauge, fit_line(figures, area.width, theme)]),
        area,
    );
}

fn render_counts(frame: &mut Frame, area: Rect, v: &RunView, theme: &Theme) {
    if !v.counts_known {
        let text = match v.written {
            Some((landed, failed)) => format!(
                " in the database: {} landed, {} failed (the run died before storing its counts)",
                crate::format::plural(landed, "line", "lines"),
                count(failed)
            ),
            None => {
                " counts unknown: the run stopped before it stored them; counting what it wrote…"
                    .to_string()
            }
        };
        frame.render_widget(
            Paragraph::new(Span::styled(
                fit(&text, usize::from(area.width), false),
                theme.warn,
            )),
            area,
        );
        return;
    }
    let failed_style = if v.failed > 0 {
        theme.error
    } else {
        theme.base
    };
    let chunks = if v.chunks == 1 { "chunk" } else { "chunks" };
    let statements: u64 = v
        .report
        .as_ref()
        .map(|r| r.statements_executed)
        .unwrap_or_else(|| v.phases.iter().map(|p| p.statements).sum());
    let wide = area.width >= 110;
    let fallbacks = if v.fallbacks == 1 {
        "fallback"
    } else {
        "fallbacks"
    };
    let held_style = if v.held > 0 { theme.warn } else { theme.base };
    let mut spans = vec![
        Span::raw(" "),
        Span::styled(format!("{} failed", count(v.failed)), failed_style),
        Span::raw(" · "),
        Span::styled(format!("{} held", count(v.held)), held_style),
        Span::raw(if wide {
            format!(" · {} {chunks} committed · ", count(v.chunks))
        } else {
            format!(" · {} {chunks} · ", count(v.chunks))
        }),
        Span::raw(if wide {
            format!(
                "{} imported · {} already imported · ",
                count(v.inserted),
                count(v.already)
            )
        } else {
            format!(
                "{} new · {} already · ",
                compact(v.inserted),
                compact(v.already)
            )
        }),
        Span::raw(format!(
            "{} {fallbacks} · {} statements",
            v.fallbacks,
            count(statements)
        )),
    ];
    if v.transient_retries > 0 {
        spans.push(Span::styled(
            format!(" · {} transient retries", v.transient_retries),
            theme.warn,
        ));
    }
    frame.render_widget(
        Paragraph::new(fit_line(Line::from(spans), area.width, theme)),
        area,
    );
}

fn render_spark(
    frame: &mut Frame,
    label_area: Rect,
    area: Rect,
    v: &RunView,
    now: Duration,
    theme: &Theme,
) {
    let width = area.width as usize;
    let data: Vec<u64> = v
        .throughput
        .iter()
        .rev()
        .take(width)
        .rev()
        .copied()
        .collect();
    let last = data.last().copied();
    let peak = data.iter().copied().max();
    let label = match (last, peak) {
        (Some(l), Some(p)) => format!(
            " throughput: {}/s now, peak {}/s (one bar a second)",
            count(l),
            count(p)
        ),
        _ if v.live && !v.is_finished() => " throughput: measuring…".to_string(),
        _ => format!(
            " throughput: {} lines/s on average",
            rate(v.items_per_second(now))
        ),
    };
    frame.render_widget(Paragraph::new(Span::styled(label, theme.dim)), label_area);
    frame.render_widget(
        Sparkline::default().data(&data).style(theme.sparkline),
        area,
    );
}

fn render_log(frame: &mut Frame, area: Rect, v: &RunView, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let [title_area, lines_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let scrolled = if v.log_scroll > 0 {
        format!(
            " (scrolled back {}; G follows)",
            crate::format::plural(v.log_scroll as u64, "line", "lines")
        )
    } else {
        String::new()
    };
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(" events", theme.table_header),
            Span::styled(format!(" {}{scrolled}", v.log.len()), theme.dim),
        ])),
        title_area,
    );
    let h = lines_area.height as usize;
    let end = v.log.len().saturating_sub(v.log_scroll);
    let start = end.saturating_sub(h);
    let lines: Vec<Line> = v
        .log
        .range(start..end)
        .map(|l| {
            let style = match l.level {
                Level::Info => theme.base,
                Level::Warn => theme.warn,
                Level::Error => theme.error,
            };
            let text = fit(
                &safe(&l.text),
                (lines_area.width as usize).saturating_sub(10),
                false,
            );
            let at = l.at.map(clock).unwrap_or_else(|| "   ·   ".into());
            Line::from(vec![
                Span::styled(format!(" {at} "), theme.dim),
                Span::styled(text, style),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), lines_area);
}

/// A one-line gauge of a run (the rehearsal's sides).
pub fn gauge_line(v: &RunView, now: Duration, width: u16, theme: &Theme) -> Line<'static> {
    let done = v.done();
    let total = if v.total_known { v.total.max(done) } else { 0 };
    let status = if v.is_finished() {
        v.status.to_string()
    } else if v.run_id.is_some() {
        RunStatus::Running.to_string()
    } else {
        "waiting".into()
    };
    let text = format!(
        " {} {}/{} · {} lines/s · {} · {status}",
        percent(done, total),
        count(done),
        count(total),
        rate(v.items_per_second(now)),
        seconds(v.elapsed(now).as_secs_f64())
    );
    let label = format!("{:<11}", v.mode.as_str());
    let bar_w = (width as usize)
        .saturating_sub(label.len() + text.chars().count() + 1)
        .max(4);
    let ratio = if total > 0 {
        done as f64 / total as f64
    } else {
        0.0
    };
    let (filled, todo) = bar(ratio, bar_w);
    let style = if v.mode == Mode::Batch {
        theme.batch
    } else {
        theme.sequential
    };
    Line::from(vec![
        Span::styled(label, style),
        Span::styled(filled, style),
        Span::styled(todo, theme.bar_todo),
        Span::styled(text, theme.status(v.status)),
    ])
}

/// A line that fits `width`, or its text as one plain span cut with `…` (never a silent cut).
fn fit_line<'a>(line: Line<'a>, width: u16, theme: &Theme) -> Line<'a> {
    if line.width() <= usize::from(width) {
        return line;
    }
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    Line::from(Span::styled(
        fit(&text, usize::from(width), false),
        theme.base,
    ))
}
