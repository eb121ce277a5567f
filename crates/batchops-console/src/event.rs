//! The one stream of events the console loop reads: terminal input (as soon as it arrives), the
//! fixed-rate frame tick carrying every engine event queued since the last frame, the answers of
//! background tasks, and termination signals. A task `select!`s over the sources.

use super::vocab::{JobId, JobResult, Outcome, Stream};
use crate::engine::ProgressEvent;
use batchops_engine::signals::Signals;
use crossterm::event::{Event as TermEvent, EventStream};
use futures::StreamExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Frames per second at most; a frame is drawn only when something changed.
pub const FPS: u32 = 20;

/// What the engine side sends: progress of a job's run(s), then the job's end (always last).
#[derive(Debug)]
pub enum EngineMsg {
    Progress(Stream, ProgressEvent),
    Finished(JobId, Result<JobResult, String>),
}

#[derive(Debug)]
pub enum Event {
    /// Time to draw (if anything changed), with the engine messages queued since the last one.
    Frame(Vec<EngineMsg>),
    Input(TermEvent),
    Done(Outcome),
    /// The terminal's input ended or failed: the console cannot go on.
    InputClosed(String),
    /// SIGTERM, SIGHUP or SIGINT from outside.
    Terminate,
}

pub struct Events {
    rx: UnboundedReceiver<Event>,
    tx: UnboundedSender<Event>,
    engine_tx: UnboundedSender<EngineMsg>,
    frame_taken: Arc<AtomicBool>,
    stop: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl Events {
    /// Start the event task. `terminal`: read the terminal's input (off in tests).
    pub fn start(terminal: bool) -> Self {
        let (tx, rx) = unbounded_channel();
        let (engine_tx, engine_rx) = unbounded_channel();
        let frame_taken = Arc::new(AtomicBool::new(true));
        let stop = CancellationToken::new();
        let task = tokio::spawn(event_task(
            tx.clone(),
            engine_rx,
            frame_taken.clone(),
            stop.clone(),
            terminal,
        ));
        Self {
            rx,
            tx,
            engine_tx,
            frame_taken,
            stop,
            task: Some(task),
        }
    }

    /// For background tasks' answers.
    pub fn sender(&self) -> UnboundedSender<Event> {
        self.tx.clone()
    }

    /// For jobs' progress.
    pub fn engine_sender(&self) -> UnboundedSender<EngineMsg> {
        self.engine_tx.clone()
    }

    pub async fn next(&mut self) -> Option<Event> {
        let ev = self.rx.recv().await;
        if matches!(ev, Some(Event::Frame(_))) {
            self.frame_taken.store(true, Ordering::Release);
        }
        ev
    }

    pub async fn stop(&mut self) {
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

async fn event_task(
    tx: UnboundedSender<Event>,
    mut engine_rx: UnboundedReceiver<EngineMsg>,
    frame_taken: Arc<AtomicBool>,
    stop: CancellationToken,
    terminal: bool,
) {
    let mut input = terminal.then(EventStream::new);
    let mut frames = tokio::time::interval(Duration::from_secs(1) / FPS);
    frames.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut pending: Vec<EngineMsg> = Vec::new();
    let mut signals = Signals::new();
    loop {
        let next_input = async {
            match input.as_mut() {
                Some(s) => s.next().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            _ = stop.cancelled() => break,
            ev = next_input => {
                let sent = match ev {
                    Some(Ok(ev)) => tx.send(Event::Input(ev)),
                    Some(Err(e)) => {
                        input = None;
                        tx.send(Event::InputClosed(format!("cannot read the terminal: {e}")))
                    }
                    None => {
                        input = None;
                        tx.send(Event::InputClosed("the terminal's input ended".into()))
                    }
                };
                if sent.is_err() {
                    break;
                }
            }
            _ = signals.recv() => {
                if tx.send(Event::Terminate).is_err() {
                    break;
                }
            }
            _ = frames.tick() => {
                // One frame in flight at most: a busy loop skips frames instead of queueing them.
                if frame_taken.swap(false, Ordering::AcqRel) {
                    let batch = std::mem::take(&mut pending);
                    if tx.send(Event::Frame(batch)).is_err() {
                        break;
                    }
                }
            }
            Some(msg) = engine_rx.recv() => pending.push(msg),
        }
    }
}
