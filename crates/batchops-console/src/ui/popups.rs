//! Popups over the body that belong to no tab: the help (from the commands in force), the quit
//! question and a re-sent invoice's choices; and the pieces the tabs' own popups are drawn with
//! (the frame, a text field, the path prompt). Esc closes each.

use super::super::app::App;
use super::super::commands;
use super::super::format::{fit, safe};
use super::super::theme::Theme;
use super::centered;
use crate::controls::input::TextInput;
use crate::controls::prompt::{Prompt, PromptKind};
use crate::shell::Overlay;
use crate::vocab::Overlapping;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

pub fn render(frame: &mut Frame, body: Rect, app: &App, theme: &Theme) {
    match &app.shell.overlay {
        None => {}
        Some(Overlay::Help { scroll }) => help(frame, body, app, *scroll, theme),
        Some(Overlay::ConfirmQuit) => confirm(frame, body, app, theme),
        Some(Overlay::Overlap(o)) => overlap(frame, body, o, theme),
    }
}

pub(super) fn popup_block<'a>(title: String, theme: &Theme) -> Block<'a> {
    Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Span::styled(title, theme.title))
        .title_bottom(Line::from(Span::styled(" Esc closes ", theme.dim)).right_aligned())
        .style(theme.popup)
}

fn help_area(body: Rect) -> Rect {
    centered(body, 84, body.height)
}

fn help_lines(app: &App, width: u16, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines: Vec<Line> = Vec::new();
    let room = usize::from(width.saturating_sub(2 + 20));
    for (title, cmds) in commands::help_sections(app) {
        if !lines.is_empty() {
            lines.push(Line::from(""));
        }
        lines.push(Line::from(Span::styled(title, theme.table_header)));
        for c in cmds {
            let (key, text) = if c.enabled {
                (theme.key, theme.base)
            } else {
                (theme.disabled, theme.disabled)
            };
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<18}", fit(&c.keys, 17, false)), key),
                Span::styled(fit(c.help, room, false), text),
            ]));
        }
    }
    lines
}

/// Lines of the help in all, and how many the popup shows at once.
pub fn help_extent(app: &App, body: Rect) -> (u16, u16) {
    let area = help_area(body);
    let n = help_lines(app, area.width, &Theme::monochrome()).len();
    (
        u16::try_from(n).unwrap_or(u16::MAX),
        area.height.saturating_sub(2),
    )
}

fn help(frame: &mut Frame, body: Rect, app: &App, scroll: u16, theme: &Theme) {
    let area = help_area(body);
    let lines = help_lines(app, area.width, theme);
    let shown = area.height.saturating_sub(2);
    let total = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let max = total.saturating_sub(shown);
    let top = scroll.min(max);
    let last = (top + shown).min(total);
    let position = format!(
        " lines {}–{} of {} · j/k g/G PgUp/PgDn ",
        top + 1,
        last,
        total
    );
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(
                popup_block(" Keys (greyed: not now) ".into(), theme)
                    .title_bottom(Line::from(Span::styled(position, theme.dim))),
            )
            .scroll((top, 0)),
        area,
    );
}

fn confirm(frame: &mut Frame, body: Rect, app: &App, theme: &Theme) {
    let area = centered(body, 64, 8);
    let what = match app.shell.active_run() {
        Some(id) => format!("Run {id} is active."),
        None => "A job is active or queued.".to_string(),
    };
    let text = vec![
        Line::from(what),
        Line::from("Quit? The run is cancelled after its current chunk and can be resumed."),
        Line::from(format!(
            "batchops then exits with code {}.",
            crate::EXIT_ON_QUIT
        )),
        Line::from(""),
        Line::from(vec![
            Span::styled("y", theme.key),
            Span::raw(" quit   "),
            Span::styled("n", theme.key),
            Span::raw(" stay"),
        ]),
    ];
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(text)
            .block(popup_block(" Quit? ".into(), theme))
            .wrap(Wrap { trim: true }),
        area,
    );
}

/// An import refused because its file overlaps earlier imports: the summary the command line
/// prints, and the choices.
fn overlap(frame: &mut Frame, body: Rect, o: &Overlapping, theme: &Theme) {
    let summary = o.overlap.summary_lines();
    let height = u16::try_from(summary.len() + 4).unwrap_or(u16::MAX);
    let area = centered(body, 96, height);
    let room = usize::from(area.width.saturating_sub(2));
    let mut text: Vec<Line> = summary
        .iter()
        .map(|l| Line::from(fit(&safe(l), room, false)))
        .collect();
    text.push(Line::from(""));
    text.push(Line::from(vec![
        Span::styled("o", theme.key),
        Span::raw(" only the new lines (changed ones held for review)   "),
        Span::styled("a", theme.key),
        Span::raw(" all of it, as a new invoice   "),
        Span::styled("Esc", theme.key),
        Span::raw(" nothing"),
    ]));
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(text).block(popup_block(" A re-sent invoice? ".into(), theme)),
        area,
    );
}

pub(super) fn input_line<'a>(
    label: &'a str,
    input: &TextInput,
    focused: bool,
    width: usize,
    theme: &Theme,
) -> Line<'a> {
    let text = safe(input.text());
    let shown = if focused {
        let (before, after): (String, String) = {
            let chars: Vec<char> = input.text().chars().collect();
            let cut = input.cursor().min(chars.len());
            (
                safe(&chars[..cut].iter().collect::<String>()),
                safe(&chars[cut..].iter().collect::<String>()),
            )
        };
        format!("{before}▏{after}")
    } else {
        text
    };
    let shown = super::super::format::fit(&shown, width, true);
    let style = if focused { theme.input } else { theme.base };
    Line::from(vec![
        Span::styled(
            format!("{label:>12} "),
            if focused { theme.key } else { theme.dim },
        ),
        Span::styled(format!("{shown:<width$}"), style),
    ])
}

pub fn prompt(frame: &mut Frame, body: Rect, p: &Prompt, theme: &Theme) {
    let area = centered(body, 76, 8);
    let title = match p.kind {
        PromptKind::OpenPath => " Open ",
        PromptKind::ExportPath => " Export reject file ",
    };
    let width = (area.width as usize).saturating_sub(16);
    let inner = usize::from(area.width.saturating_sub(2));
    let status = match (&p.error, p.busy) {
        (Some(e), _) => Line::from(Span::styled(fit(&safe(e), inner, false), theme.error)),
        (None, true) => Line::from(Span::styled("writing…", theme.info)),
        (None, false) => Line::from(""),
    };
    let lines = vec![
        Line::from(Span::styled(fit(&p.note, inner, false), theme.dim)),
        Line::from(""),
        input_line("path", &p.input, true, width, theme),
        Line::from(""),
        status,
    ];
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(popup_block(title.into(), theme))
            .wrap(Wrap { trim: false }),
        area,
    );
}
