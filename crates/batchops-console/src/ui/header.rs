//! The header: backend, redacted database URL, measured round trip, and the active job.

use super::super::app::App;
use super::super::format::{fit, percent, safe};
use super::super::theme::Theme;
use super::super::vocab::JobSpec;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let (rtt_text, rtt_style) = match &app.shell.rtt {
        None => ("rtt …".to_string(), theme.header),
        Some(Ok(d)) => {
            let ms = d.as_secs_f64() * 1000.0;
            let text = if ms < 10.0 {
                format!("rtt {ms:.2} ms")
            } else {
                format!("rtt {ms:.0} ms")
            };
            (text, theme.header)
        }
        Some(Err(e)) => (
            format!("database unreachable: {}", safe(e)),
            theme.header.patch(theme.error),
        ),
    };
    let job = job_summary(app);
    let [left, right] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(job.chars().count() as u16 + 1),
    ])
    .areas(area);
    let fixed = " batchops".len() + 3 + app.shell.backend.len() + 3 + 3 + rtt_text.chars().count();
    let url_room = (left.width as usize).saturating_sub(fixed).max(8);
    let rtt = Span::styled(rtt_text, rtt_style);
    let line = Line::from(vec![
        Span::styled(
            " batchops",
            theme.header.add_modifier(ratatui::style::Modifier::BOLD),
        ),
        Span::styled(" │ ", theme.header),
        Span::styled(app.shell.backend.clone(), theme.header),
        Span::styled(" │ ", theme.header),
        Span::styled(fit(&safe(&app.shell.url), url_room, true), theme.header),
        Span::styled(" │ ", theme.header),
        rtt,
    ]);
    frame.render_widget(Paragraph::new(line).style(theme.header), left);
    frame.render_widget(
        Paragraph::new(job).style(theme.header).right_aligned(),
        right,
    );
}

fn job_summary(app: &App) -> String {
    let waiting = if app.shell.queue.is_empty() {
        String::new()
    } else {
        format!(" +{} queued", app.shell.queue.len())
    };
    let Some(active) = &app.shell.active else {
        return waiting.trim().to_string();
    };
    let what = match (&active.job.spec, active.run_id) {
        (JobSpec::Import { .. }, Some(id)) => {
            let pct = app
                .run
                .view
                .as_ref()
                .filter(|v| v.run_id == Some(id))
                .map(|v| format!(" {}", percent(v.done(), v.total)))
                .unwrap_or_default();
            format!("● run {id}{pct}")
        }
        (JobSpec::Import { .. }, None) => "● starting".into(),
        (JobSpec::Retry { .. }, _) => "● retrying".into(),
        (JobSpec::Compare { .. }, _) => "● rehearsal".into(),
    };
    let cancel = if active.cancelling {
        " (cancelling)"
    } else {
        ""
    };
    format!("{what}{cancel}{waiting} ")
}
