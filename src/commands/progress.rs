//! Headless progress on stderr, fed by engine events: a bar when stderr is a terminal; with
//! `--verbose` and no terminal, a line per step; nothing with `--quiet` or when stderr is not a
//! terminal (a script's log, a test).

use crate::engine::{EventSink, ProgressEvent};
use crate::report::escape_control;
use crate::settings::Verbosity;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::path::Path;
use tokio::task::JoinHandle;

static VERBOSITY: std::sync::OnceLock<Verbosity> = std::sync::OnceLock::new();

/// How much progress to show (the settings' verbosity; set once at start).
pub fn set_verbosity(v: Verbosity) {
    let _ = VERBOSITY.set(v);
}

pub struct Progress {
    task: Option<JoinHandle<()>>,
}

impl Progress {
    /// A sink for the engine and what listens to it. Drop the sink, then `finish`.
    pub fn start(path: &Path) -> (EventSink, Progress) {
        let verbosity = VERBOSITY.get().copied().unwrap_or(Verbosity::Normal);
        let name = escape_control(&path.display().to_string()).into_owned();
        match verbosity {
            Verbosity::Quiet => (EventSink::none(), Progress { task: None }),
            _ if std::io::stderr().is_terminal() => Self::bar(name),
            Verbosity::Verbose(_) => Self::lines(name),
            Verbosity::Normal => (EventSink::none(), Progress { task: None }),
        }
    }

    fn bar(name: String) -> (EventSink, Progress) {
        let (sink, mut rx) = EventSink::channel();
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(10));
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} [{bar:30}] {human_pos}/{human_len} lines · {msg} · eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix(name);
        let task = tokio::spawn(async move {
            let mut failed = 0u64;
            let mut retried = 0u64;
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
                    ProgressEvent::ItemRetried { ok, .. } => {
                        retried += 1;
                        if !ok {
                            failed += 1;
                        }
                        bar.set_position(retried);
                        bar.set_message(format!("{failed} failed again"));
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

    /// `--verbose` without a terminal: one line per run start, phase end, fallback and run end.
    fn lines(name: String) -> (EventSink, Progress) {
        let (sink, mut rx) = EventSink::channel();
        let task = tokio::spawn(async move {
            let say = |line: String| {
                let _ = writeln!(std::io::stderr().lock(), "{name}: {line}");
            };
            while let Some(ev) = rx.recv().await {
                match ev {
                    ProgressEvent::RunStarted {
                        run_id,
                        total_estimate,
                        ..
                    } => say(format!(
                        "run {run_id} started, about {total_estimate} lines"
                    )),
                    ProgressEvent::PhaseFinished {
                        phase,
                        done,
                        elapsed,
                        ..
                    } => say(format!(
                        "{phase} done: {done} lines in {:.2} s",
                        elapsed.as_secs_f64()
                    )),
                    ProgressEvent::Fallback {
                        first_line,
                        last_line,
                        ..
                    } => say(format!("fallback: lines {first_line}–{last_line}")),
                    ProgressEvent::RunFinished(r) => {
                        say(format!("run {} finished: {}", r.run_id, r.status))
                    }
                    _ => {}
                }
            }
        });
        (sink, Progress { task: Some(task) })
    }

    pub async fn finish(self) {
        if let Some(t) = self.task {
            let _ = t.await;
        }
    }
}
