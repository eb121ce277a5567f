//! The console and a re-sent invoice, on the real runner and the real databases: starting the
//! import of a file that overlaps an earlier import shows the summary in a popup with the choices;
//! `o` imports only the new lines, Esc imports nothing.

use crate::support::console::*;
use crate::support::db;
use crate::support::files::write_file;
use batchops::console::app::App;
use batchops::console::event::EngineMsg;
use batchops::console::keymap::Context;
use batchops::console::shell::Overlay;
use batchops::console::tasks::Runner;
use batchops::console::theme::Theme;
use batchops::console::ui;
use batchops::console::vocab::{Effect, JobSpec, Msg};
use batchops::engine::overlap::Answer;
use batchops::engine::{self, EventSink, ImportOptions};
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

const ORIGINAL: &str = "sku,description,quantity,unit_price\n\
R-1,Part one,1,2.50\nR-2,Part two,2,2.50\nR-3,Part three,3,2.50\nR-4,Part four,4,2.50\n";

/// R-3 at 30 instead of 3, and one line added.
const RESENT: &str = "sku,description,quantity,unit_price\n\
R-1,Part one,1,2.50\nR-2,Part two,2,2.50\nR-3,Part three,30,2.50\nR-4,Part four,4,2.50\n\
R-5,Part five,5,2.50\n";

fn screen(app: &App, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("a test terminal");
    terminal
        .draw(|f| ui::draw(f, app, &Theme::colour()))
        .expect("drawn");
    terminal.backend().to_string()
}

/// Start the job an effect list asks for on the real runner, and hand its end to the app.
async fn run_job(
    app: &mut App,
    runner: &mut Runner,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<EngineMsg>,
    fx: Vec<Effect>,
) -> JobSpec {
    let job = fx
        .into_iter()
        .find_map(|e| match e {
            Effect::StartJob(j) => Some(j),
            _ => None,
        })
        .expect("a job started");
    let spec = job.spec.clone();
    assert!(runner.execute(Effect::StartJob(job)));
    loop {
        match tokio::time::timeout(std::time::Duration::from_secs(60), rx.recv()).await {
            Ok(Some(EngineMsg::Finished(id, result))) => {
                app.update(Msg::JobFinished(id, result));
                return spec;
            }
            Ok(Some(EngineMsg::Progress(stream, ev))) => {
                app.update(Msg::Engine(stream, ev));
            }
            other => panic!("no end from the runner: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_resent_invoice_started_in_the_console_shows_the_summary_and_the_choices() {
    let (_a, first) = write_file("invoice.csv", ORIGINAL);
    let (_b, again) = write_file("invoice-resent.csv", RESENT);
    for db in db::backends().await {
        let ctx = db.kind;
        engine::import_file(
            &*db.store,
            &first,
            &ImportOptions::default(),
            &EventSink::none(),
            &CancellationToken::new(),
        )
        .await
        .expect("the original lands");
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let (engine_tx, mut engine_rx) = tokio::sync::mpsc::unbounded_channel();
        let mut runner = Runner::new(Arc::clone(&db.store), tx, engine_tx);
        let clock = clock();
        let mut app = app_with(&clock, 120, 36);
        let file = batchops::input::inspect(&again, None).expect("inspected");
        load(&mut app, &[file]);

        // Esc: nothing is imported.
        let fx = ch(&mut app, 'b');
        run_job(&mut app, &mut runner, &mut engine_rx, fx).await;
        assert!(
            matches!(app.shell.overlay, Some(Overlay::Overlap(_))),
            "{ctx}"
        );
        assert_eq!(app.context(), Context::Overlap, "{ctx}");
        let s = screen(&app, 120, 36);
        for part in [
            "5 lines: 3 identical, 1 changed, 1 new; 0 missing",
            "changed line 3 R-3",
            "quantity 3 → 30",
            "o only the new lines",
            "a all of it, as a new invoice",
        ] {
            assert!(s.contains(part), "{ctx}: {part:?} on screen:\n{s}");
        }
        let fx = press(&mut app, KeyCode::Esc);
        assert!(
            fx.iter().all(|e| !matches!(e, Effect::StartJob(_))),
            "{ctx}: {fx:?}"
        );
        assert!(app.shell.overlay.is_none(), "{ctx}");
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM transactions").await,
            4,
            "{ctx}"
        );

        // o: only the new line lands, the changed one is held.
        ch(&mut app, '1');
        let fx = ch(&mut app, 'b');
        run_job(&mut app, &mut runner, &mut engine_rx, fx).await;
        assert!(
            matches!(app.shell.overlay, Some(Overlay::Overlap(_))),
            "{ctx}"
        );
        let fx = ch(&mut app, 'o');
        let spec = run_job(&mut app, &mut runner, &mut engine_rx, fx).await;
        assert!(
            matches!(
                spec,
                JobSpec::Import {
                    resent: Some(Answer::OnlyNew),
                    resume: None,
                    ..
                }
            ),
            "{ctx}: {spec:?}"
        );
        assert!(app.shell.overlay.is_none(), "{ctx}");
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM transactions").await,
            5,
            "{ctx}"
        );
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM held_lines").await,
            1,
            "{ctx}"
        );
        assert_eq!(
            db.scalar(
                "SELECT COUNT(*) FROM inventory_items i WHERE i.quantity <> \
                 (SELECT COALESCE(SUM(t.quantity), 0) FROM transactions t WHERE t.item_id = i.id)"
            )
            .await,
            0,
            "{ctx}: inventory = sum of landed rows"
        );
    }
}
