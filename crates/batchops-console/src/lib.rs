//! The operations console: a live terminal UI over the engine's progress events.
//!
//! - [`vocab`]: the shared words (tabs, actions, effects, answers, jobs).
//! - [`app`]: the state and its one `update` (pure; unit-tested): it routes to the tabs and does
//!   what touches several of them (the jobs, the answers, the history).
//! - [`shell`]: what every tab shares and the requests a tab makes of the app.
//! - [`tabs`]: one module per tab (its state, keys and handlers; no tab sees the app).
//! - [`controls`]: the pieces tabs are built of (text field, list selection, search, prompt).
//! - [`event`]: the event task (terminal input, the frame tick with the engine's events, answers).
//! - [`tasks`]: carries out effects (queries, inspection, jobs) on tasks of their own.
//! - [`keymap`] and [`commands`]: the key bindings, and the commands in force that turn keys into
//!   actions and draw the footer and the help.
//! - [`ui`]: one render module per region and tab; [`theme`]: every colour.
//!
//! The import runs on its own task; the loop applies what arrived, and draws at most [`event::FPS`]
//! times a second and only when something changed. The terminal is restored on every way out:
//! return, error, panic (the hook below) and termination signals.

pub mod app;
pub mod clock;
pub mod commands;
pub mod controls;
pub mod event;
pub mod format;
pub mod keymap;
pub mod shell;
pub mod tabs;
pub mod tasks;
pub mod theme;
pub mod ui;
pub mod vocab;

use crate::domain::Mode;
use crate::store::Store;
use app::App;
use batchops_core::{domain, input, mapping};
use batchops_engine::{corrections, engine, report};
use batchops_store as store;
use clock::SystemClock;
use color_eyre::eyre::{Result, WrapErr, eyre};
use crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event as TermEvent};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use event::{EngineMsg, Event, Events};
use futures::FutureExt;
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};
use std::io::Stdout;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;
use tasks::Runner;
use theme::Theme;
use vocab::{Effect, Msg};

/// How long leaving waits for cancelled jobs to finish their chunk.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(15);

/// The exit code of the process when the operator quits the console, whether a run was cancelled
/// on the way out or not (a cancelled run is resumable; the quit itself succeeded).
pub const EXIT_ON_QUIT: u8 = 0;

/// What the console takes from the binary's settings.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConsoleSettings {
    /// Draw without colours (`NO_COLOR`).
    pub no_color: bool,
}

/// Open the console on `store` with `files` loaded; `start` begins the first batch at once.
/// Returns the process exit code ([`EXIT_ON_QUIT`] when the operator quits).
pub async fn run(
    store: Arc<dyn Store>,
    files: Vec<PathBuf>,
    start: Option<Mode>,
    settings: ConsoleSettings,
) -> Result<u8> {
    let theme = Theme::for_settings(settings.no_color);
    let mut app = App::new(
        Arc::new(SystemClock::new()),
        store.backend().as_str(),
        store.redacted_url(),
    );
    let mut terminal = TerminalGuard::enter()?;
    let mut events = Events::start(true);
    let mut runner = Runner::new(store, events.sender(), events.engine_sender());
    if let Ok(size) = terminal.terminal.size() {
        app.update(Msg::Resize(size.width, size.height));
    }
    let first = app.start(files, start);
    let result = AssertUnwindSafe(event_loop(
        &mut terminal.terminal,
        &mut app,
        &theme,
        &mut events,
        &mut runner,
        first,
    ))
    .catch_unwind()
    .await;
    // Jobs still running are cancelled: the current chunk finishes and the run can be resumed.
    runner.shutdown(SHUTDOWN_GRACE).await;
    events.stop().await;
    drop(terminal);
    for p in take_worker_panics() {
        eprintln!("a background task panicked: {p}");
    }
    match result {
        Ok(r) => r.map(|()| EXIT_ON_QUIT),
        Err(panic) => Err(eyre!(
            "the console crashed: {}",
            panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into())
        )),
    }
}

/// The loop: apply what arrived; on a frame tick, draw if anything changed.
pub async fn event_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    theme: &Theme,
    events: &mut Events,
    runner: &mut Runner,
    first: Vec<Effect>,
) -> Result<()>
where
    B::Error: Send + Sync + 'static,
{
    let mut effects = first;
    loop {
        for fx in effects.drain(..) {
            if !runner.execute(fx) {
                return Ok(());
            }
        }
        if app.should_quit() {
            return Ok(());
        }
        let Some(ev) = events.next().await else {
            return Ok(());
        };
        match ev {
            Event::Input(TermEvent::Key(key)) => {
                for key in keymap::split_alt(key) {
                    if let Some(action) = commands::action_for(app.context(), &key) {
                        effects.extend(app.update(action));
                    }
                }
            }
            Event::Input(TermEvent::Mouse(m)) => {
                if let Some(action) = keymap::action_for_mouse(&m) {
                    effects.extend(app.update(action));
                }
            }
            Event::Input(TermEvent::Resize(w, h)) => {
                effects.extend(app.update(Msg::Resize(w, h)));
                terminal.autoresize().wrap_err("cannot resize")?;
            }
            Event::Input(_) => {}
            Event::Done(outcome) => effects.extend(app.update(Msg::Done(outcome))),
            Event::Frame(batch) => {
                crash_if_asked();
                for msg in batch {
                    let msg = match msg {
                        EngineMsg::Progress(stream, ev) => Msg::Engine(stream, ev),
                        EngineMsg::Finished(job, result) => Msg::JobFinished(job, result),
                    };
                    effects.extend(app.update(msg));
                }
                effects.extend(app.update(Msg::Frame));
                if app.shell.dirty {
                    app.shell.dirty = false;
                    terminal
                        .draw(|f| ui::draw(f, app, theme))
                        .wrap_err("cannot draw")?;
                }
            }
            Event::Terminate => return Ok(()),
            Event::InputClosed(why) => return Err(eyre!(why)),
        }
    }
}

/// Debug builds panic on the first frame when `BATCHOPS_CONSOLE_TEST_PANIC` is set: the
/// end-to-end tests check that a panic leaves the terminal restored.
fn crash_if_asked() {
    #[cfg(debug_assertions)]
    if std::env::var_os("BATCHOPS_CONSOLE_TEST_PANIC").is_some() {
        panic!("BATCHOPS_CONSOLE_TEST_PANIC is set");
    }
}

/// Whether the terminal is in the console's state (raw, alternate screen, mouse).
static ACTIVE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();
static WORKER_PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn take_worker_panics() -> Vec<String> {
    WORKER_PANICS
        .lock()
        .map(|mut v| std::mem::take(&mut *v))
        .unwrap_or_default()
}

/// Put the terminal back the way it was. Safe to call more than once, from any thread.
pub fn restore_terminal() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        let _ = execute!(
            std::io::stdout(),
            DisableMouseCapture,
            LeaveAlternateScreen,
            crossterm::cursor::Show
        );
    }
}

/// The terminal in raw mode on the alternate screen; restored when dropped.
struct TerminalGuard {
    terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl TerminalGuard {
    fn enter() -> Result<Self> {
        install_panic_hook();
        enable_raw_mode().wrap_err("cannot put the terminal in raw mode")?;
        ACTIVE.store(true, Ordering::SeqCst);
        let setup = execute!(std::io::stdout(), EnterAlternateScreen, EnableMouseCapture)
            .wrap_err("cannot set up the terminal")
            .and_then(|()| {
                Terminal::new(CrosstermBackend::new(std::io::stdout()))
                    .wrap_err("cannot open the terminal")
            });
        match setup {
            Ok(mut terminal) => {
                let _ = terminal.hide_cursor();
                let _ = terminal.clear();
                Ok(Self { terminal })
            }
            Err(e) => {
                restore_terminal();
                Err(e)
            }
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// A panic on the console's thread restores the terminal before the report is printed. A panic in
/// a background task (reported to the console as a failed job) is kept and printed after the
/// terminal is restored, instead of being written over the screen.
fn install_panic_hook() {
    HOOK.call_once(|| {
        let ui_thread = std::thread::current().id();
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().id() != ui_thread && ACTIVE.load(Ordering::SeqCst) {
                if let Ok(mut v) = WORKER_PANICS.lock() {
                    v.push(info.to_string());
                }
                return;
            }
            restore_terminal();
            previous(info);
        }));
    });
}
