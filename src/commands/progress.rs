//! The headless progress bar on stderr (only when stderr is a terminal), fed by engine events.

use crate::engine::{EventSink, ProgressEvent};
use crate::report::escape_control;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::Path;
use tokio::task::JoinHandle;

pub struct Progress {
    task: Option<JoinHandle<()>>,
}

impl Progress {
    /// A sink for the engine and the bar that listens to it. Drop the sink, then `finish`.
    pub fn start(path: &Path) -> (EventSink, Progress) {
        if !std::io::stderr().is_terminal() {
            return (EventSink::none(), Progress { task: None });
        }
        let (sink, mut rx) = EventSink::channel();
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(10));
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} [{bar:30}] {human_pos}/{human_len} lines · {msg} · eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix(escape_control(&path.display().to_string()).into_owned());
        let task = tokio::spawn(async move {
            let mut failed = 0u64;
            while let Some(ev) = rx.recv().await {
                match ev {
                    ProgressEvent::RunStarted { total_estimate, .. } => {
                        bar.set_length(total_estimate)
                    }
                    ProgressEvent::PhaseAdvanced {
                        phase: crate::domain::Phase::Mapping,
                        done,
                        total,
                        ..
                    } => {
                        bar.set_length(total.max(done));
                        bar.set_position(done);
                        let secs = bar.elapsed().as_secs_f64();
                        let rate = if secs > 0.0 { done as f64 / secs } else { 0.0 };
                        bar.set_message(format!("{rate:.0} lines/s · {failed} failed"));
                    }
                    ProgressEvent::ItemFailed { .. } => {
                        failed += 1;
                    }
                    ProgressEvent::Fallback {
                        first_line,
                        last_line,
                        ..
                    } => {
                        bar.println(format!("fallback: lines {first_line}–{last_line}"));
                    }
                    ProgressEvent::RunFinished(_) => bar.finish_and_clear(),
                    _ => {}
                }
            }
            bar.finish_and_clear();
        });
        (sink, Progress { task: Some(task) })
    }

    pub async fn finish(self) {
        if let Some(t) = self.task {
            let _ = t.await;
        }
    }
}
