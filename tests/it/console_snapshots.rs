//! Every tab (and the popups) drawn with ratatui's `TestBackend` from a fixed state and a
//! hand-driven clock, at the sizes the console is tried at (60×15, 120×36, 250×50), checked with
//! insta snapshots; and one snapshot per behaviour a screen must keep, at those sizes, with the
//! assertion that names it.

use crate::support::console::*;
use batchops::console::app::App;
use batchops::console::clock::ManualClock;
use batchops::console::theme::Theme;
use batchops::console::ui;
use batchops::console::vocab::{
    Effect, ErrorCount, JobId, JobResult, Msg, Outcome, Stream, StreamSide, Tab,
};
use batchops::domain::{Mode, Phase, RunStatus};
use batchops::engine::ProgressEvent;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use std::sync::Arc;
use std::time::Duration;

const SIZES: [(u16, u16); 3] = [(60, 15), (120, 36), (250, 50)];

fn render_with(app: &App, w: u16, h: u16, theme: &Theme) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("a test terminal");
    terminal.draw(|f| ui::draw(f, app, theme)).expect("drawn");
    terminal
}

fn render(app: &App, w: u16, h: u16) -> String {
    render_with(app, w, h, &Theme::colour())
        .backend()
        .to_string()
}

fn job_of(fx: &[Effect]) -> JobId {
    fx.iter()
        .find_map(|e| match e {
            Effect::StartJob(j) => Some(j.id),
            _ => None,
        })
        .expect("a job started")
}

/// A console in the middle of a long batch run, with a history, a queue and failed items.
fn scene(w: u16, h: u16) -> (App, Arc<ManualClock>) {
    let clock = clock();
    let mut app = app_with(&clock, w, h);
    app.update(Outcome::Runs(Ok(vec![
        {
            let mut r = run_row(4, Mode::Batch, RunStatus::Interrupted, 12_000, 0, 0.0);
            r.report = None;
            r.finished_at = None;
            r.source = "/srv/drop/invoice-bolt-2026-10.csv".into();
            r.import_key = format!("{:0<64}", "77aa");
            r
        },
        run_row(3, Mode::Retry, RunStatus::Success, 1, 0, 0.004),
        run_row(2, Mode::Sequential, RunStatus::PartialSuccess, 41, 3, 0.21),
        run_row(1, Mode::Batch, RunStatus::PartialSuccess, 41, 3, 0.012),
    ])));
    load(
        &mut app,
        &[
            batch_file("/srv/drop/invoices-2026-11-full.csv", 1_000_000, "c0ffee"),
            batch_file("sample-data/invoice-acme-2026-11.csv", 41, "f9874d35"),
            batch_file("sample-data/receipts-week-48.jsonl", 40, "5eed"),
        ],
    );
    let fx = app.update(Outcome::Listed {
        path: "notes.txt".into(),
        chosen: false,
        result: Ok(batchops::console::vocab::Listing {
            files: vec!["notes.txt".into()],
            skipped: Vec::new(),
        }),
    });
    if let Some(Effect::Inspect { batch, .. }) = fx.first() {
        app.update(Outcome::Inspected {
            batch: *batch,
            result: Err("notes.txt: cannot tell the format from the extension; name it .csv, .json or .jsonl".into()),
        });
    }
    press(&mut app, KeyCode::Char('g'));
    let job = job_of(&press(&mut app, KeyCode::Char('b')));
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('s'));
    let main = Stream {
        job,
        side: StreamSide::Main,
    };
    app.update(Msg::Engine(
        main,
        ProgressEvent::RunStarted {
            run_id: 5,
            source: "/srv/drop/invoices-2026-11-full.csv".into(),
            import_key: format!("{:0<64}", "c0ffee"),
            mode: Mode::Batch,
            total_estimate: 1_000_000,
        },
    ));
    let mut done = 0u64;
    for second in 1..=12u64 {
        let per_s = 18_000 + (second % 4) * 3_500;
        done += per_s;
        let chunk = done / 500;
        for (phase, frac, stmts) in [
            (Phase::Mapping, 0.12, 0),
            (Phase::BatchInsert, 0.55, chunk * 4),
            (Phase::InventoryUpdate, 0.25, chunk),
        ] {
            app.update(Msg::Engine(
                main,
                ProgressEvent::PhaseAdvanced {
                    phase,
                    done: if phase == Phase::Mapping {
                        done + 1000
                    } else {
                        done - 500
                    },
                    total: 1_000_000,
                    elapsed: Duration::from_secs_f64(second as f64 * frac),
                    statements: stmts,
                },
            ));
        }
        app.update(Msg::Engine(
            main,
            ProgressEvent::ChunkCommitted {
                chunk,
                first_line: done - per_s + 1,
                last_line: done,
                inserted: per_s,
                already: 0,
                held: 0,
            },
        ));
        if second == 4 {
            app.update(Msg::Engine(
                main,
                ProgressEvent::Fallback {
                    chunk: 142,
                    first_line: 71_001,
                    last_line: 71_500,
                    cause: "numeric field overflow [22003]".into(),
                },
            ));
            app.update(Msg::Engine(
                main,
                ProgressEvent::PhaseAdvanced {
                    phase: Phase::Fallback,
                    done: 500,
                    total: 1_000_000,
                    elapsed: Duration::from_millis(38),
                    statements: 19,
                },
            ));
        }
        if second % 3 == 0 {
            app.update(Msg::Engine(
                main,
                ProgressEvent::ItemFailed {
                    line: done - 17,
                    phase: Phase::Parse,
                    error: "quantity \"1,5\" has a comma: use a point for decimals".into(),
                },
            ));
        }
        clock.advance(Duration::from_secs(1));
        app.update(Msg::Frame);
    }
    app.update(Msg::Engine(
        main,
        ProgressEvent::TransientRetry {
            attempt: 1,
            error: "database is locked".into(),
        },
    ));
    let generation = app.failed.generation;
    app.update(Outcome::FailedCount {
        generation,
        result: Ok(4),
    });
    app.update(Outcome::FailedPage {
        generation,
        offset: 0,
        result: Ok((1..=4)
            .map(|i| failed_row(i, 5, 40_000 * i as u64 + i as u64))
            .collect()),
    });
    app.update(Outcome::Reasons {
        run_id: 5,
        result: Ok(vec![
            ErrorCount {
                error: "numeric field overflow".into(),
                total: 2,
                unresolved: 2,
            },
            ErrorCount {
                error: "unit_price \"abc\" is not a decimal number".into(),
                total: 1,
                unresolved: 1,
            },
            ErrorCount {
                error: "quantity \"1,5\" has a comma: use a point for decimals and no thousands separators".into(),
                total: 1,
                unresolved: 1,
            },
        ]),
    });
    app.update(Outcome::Pong(Ok(Duration::from_micros(210))));
    (app, clock)
}

#[test]
fn every_tab_at_two_sizes() {
    for (w, h) in SIZES {
        let (mut app, _) = scene(w, h);
        for tab in Tab::ALL {
            app.shell.tab = tab;
            insta::assert_snapshot!(
                format!("{}_{w}x{h}", tab.title().to_lowercase()),
                render(&app, w, h)
            );
        }
    }
}

#[test]
fn a_finished_run_from_the_history() {
    for (w, h) in SIZES {
        let clock = clock();
        let mut app = app_with(&clock, w, h);
        let mut row = run_row(1, Mode::Batch, RunStatus::PartialSuccess, 41, 3, 0.012);
        if let Some(r) = &mut row.report {
            r.fallbacks.push(batchops::domain::report::FallbackRecord {
                chunk: 0,
                first_line: 1,
                last_line: 41,
                cause: "value too long for type character varying(64) [22001]".into(),
            });
        }
        app.update(Outcome::Runs(Ok(vec![row])));
        app.shell.tab = Tab::Run;
        insta::assert_snapshot!(format!("run_history_{w}x{h}"), render(&app, w, h));
    }
}

#[test]
fn empty_tabs_say_what_to_do() {
    let clock = clock();
    let mut app = app_with(&clock, 80, 24);
    app.update(Outcome::Runs(Ok(Vec::new())));
    for tab in Tab::ALL {
        app.shell.tab = tab;
        insta::assert_snapshot!(
            format!("empty_{}", tab.title().to_lowercase()),
            render(&app, 80, 24)
        );
    }
}

#[test]
fn popups() {
    let (mut app, _) = scene(80, 24);
    app.shell.tab = Tab::Failed;
    press(&mut app, KeyCode::Char('?'));
    insta::assert_snapshot!("popup_help", render(&app, 80, 24));
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Enter);
    insta::assert_snapshot!("popup_detail", render(&app, 80, 24));
    insta::assert_snapshot!("popup_detail_160x48", render(&app, 160, 48));
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('e'));
    insta::assert_snapshot!("popup_edit", render(&app, 80, 24));
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('q'));
    insta::assert_snapshot!("popup_quit", render(&app, 80, 24));
    press(&mut app, KeyCode::Char('n'));
    app.shell.tab = Tab::Batches;
    press(&mut app, KeyCode::Char('o'));
    typed(&mut app, "sample-data/");
    insta::assert_snapshot!("popup_open", render(&app, 80, 24));
}

#[test]
fn filter_line_and_retry_results_on_failed() {
    let clock = clock();
    let mut app = app_with(&clock, 80, 24);
    app.update(Outcome::Runs(Ok(vec![run_row(
        1,
        Mode::Batch,
        RunStatus::PartialSuccess,
        41,
        3,
        0.012,
    )])));
    press(&mut app, KeyCode::Char('3'));
    let generation = app.failed.generation;
    app.update(Outcome::FailedCount {
        generation,
        result: Ok(3),
    });
    app.update(Outcome::FailedPage {
        generation,
        offset: 0,
        result: Ok((1..=3)
            .map(|i| failed_row(i, 1, 40_000 * i as u64 + i as u64))
            .collect()),
    });
    let fx = press(&mut app, KeyCode::Char('r'));
    let job = job_of(&fx);
    app.update(Msg::Engine(
        Stream {
            job,
            side: StreamSide::Main,
        },
        ProgressEvent::ItemRetried {
            failed_id: 1,
            line: 40_001,
            ok: true,
            error: None,
        },
    ));
    press(&mut app, KeyCode::Char('/'));
    typed(&mut app, "comma");
    let generation = app.failed.generation;
    app.update(Outcome::FailedCount {
        generation,
        result: Ok(2),
    });
    app.update(Outcome::FailedPage {
        generation,
        offset: 0,
        result: Ok(vec![failed_row(1, 1, 40_001), failed_row(3, 1, 120_003)]),
    });
    insta::assert_snapshot!("failed_filter_and_retry", render(&app, 80, 24));
}

#[test]
fn a_rehearsal_in_progress() {
    let clock = clock();
    let mut app = app_with(&clock, 80, 24);
    app.update(Outcome::Runs(Ok(vec![
        run_row(2, Mode::Sequential, RunStatus::PartialSuccess, 41, 3, 0.21),
        run_row(1, Mode::Batch, RunStatus::PartialSuccess, 41, 3, 0.012),
    ])));
    load(
        &mut app,
        &[batch_file(
            "sample-data/invoice-acme-2026-11.csv",
            41,
            "f9874d35",
        )],
    );
    press(&mut app, KeyCode::Char('5'));
    let job = job_of(&press(&mut app, KeyCode::Char('p')));
    let side = |side| Stream { job, side };
    app.update(Msg::Engine(
        side(StreamSide::Batch),
        ProgressEvent::RunStarted {
            run_id: 9,
            source: "sample-data/invoice-acme-2026-11.csv".into(),
            import_key: "k".into(),
            mode: Mode::Batch,
            total_estimate: 41,
        },
    ));
    clock.advance(Duration::from_millis(20));
    let batch = report(9, Mode::Batch, RunStatus::PartialSuccess, 41, 3, 0.004);
    app.update(Msg::Engine(
        side(StreamSide::Batch),
        ProgressEvent::RunFinished(Box::new(batch)),
    ));
    app.update(Msg::Engine(
        side(StreamSide::Sequential),
        ProgressEvent::RunStarted {
            run_id: 10,
            source: "sample-data/invoice-acme-2026-11.csv".into(),
            import_key: "k".into(),
            mode: Mode::Sequential,
            total_estimate: 41,
        },
    ));
    for _ in 0..17 {
        app.update(Msg::Engine(
            side(StreamSide::Sequential),
            ProgressEvent::PhaseAdvanced {
                phase: Phase::BatchInsert,
                done: 17,
                total: 41,
                elapsed: Duration::from_millis(40),
                statements: 51,
            },
        ));
    }
    clock.advance(Duration::from_millis(100));
    insta::assert_snapshot!("compare_rehearsal", render(&app, 80, 24));
    let _ = JobResult::Report;
}

#[test]
fn data_never_sends_control_characters_to_the_terminal() {
    let (mut app, _) = scene(160, 48);
    app.shell.tab = Tab::Failed;
    press(&mut app, KeyCode::Char('G'));
    press(&mut app, KeyCode::Enter);
    let terminal = render_with(&app, 160, 48, &Theme::colour());
    let buffer = terminal.backend().buffer();
    for cell in buffer.content() {
        assert!(
            !cell.symbol().chars().any(char::is_control),
            "a control character reached the screen"
        );
    }
    let text = terminal.backend().to_string();
    assert!(
        text.contains("ACM-9\\u{1b}[31mX"),
        "the escape is shown escaped"
    );
}

#[test]
fn no_color_draws_with_modifiers_only() {
    let (mut app, _) = scene(80, 24);
    for tab in Tab::ALL {
        app.shell.tab = tab;
        let terminal = render_with(&app, 80, 24, &Theme::monochrome());
        for cell in terminal.backend().buffer().content() {
            assert_eq!(
                (cell.fg, cell.bg),
                (Color::Reset, Color::Reset),
                "{tab:?} uses a colour"
            );
        }
    }
}

#[test]
fn a_tiny_terminal_gets_a_message_not_a_mess() {
    let (app, _) = scene(40, 10);
    insta::assert_snapshot!("tiny", render(&app, 40, 10));
}

// ---------------------------------------------------------------------------------------------
// One snapshot per behaviour a screen must keep, at the three sizes.

fn each_size(name: &str, mut build: impl FnMut(u16, u16) -> App, check: impl Fn(&str, u16, u16)) {
    for (w, h) in SIZES {
        let app = build(w, h);
        let screen = render(&app, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
        check(&screen, w, h);
    }
}

/// The failed items of a run with long values, each cut with an ellipsis, never to another valid-looking value.
fn failed_with_long_values(w: u16, h: u16) -> App {
    let clock = clock();
    let mut app = app_with(&clock, w, h);
    app.update(Outcome::Runs(Ok(vec![run_row(
        1,
        Mode::Batch,
        RunStatus::PartialSuccess,
        300_000,
        3,
        2.5,
    )])));
    press(&mut app, KeyCode::Char('3'));
    let generation = app.failed.generation;
    let mut rows: Vec<_> = (1..=3).map(|i| failed_row(i, 1, 100 + i as u64)).collect();
    rows[0].fields = vec![
        ("sku".into(), "SKU-000109".into()),
        ("description".into(), "Hex Bolt M8 x 40 Zinc Plated".into()),
        ("quantity".into(), "1.23456".into()),
        ("unit_price".into(), "0.0725".into()),
    ];
    rows[0].error = "quantity \"1.23456\" has more than 4 decimals".into();
    rows[2].resolved_at = Some(chrono::Utc::now());
    app.update(Outcome::FailedCount {
        generation,
        result: Ok(3),
    });
    app.update(Outcome::FailedPage {
        generation,
        offset: 0,
        result: Ok(rows),
    });
    app.update(Outcome::Reasons {
        run_id: 1,
        result: Ok(vec![
            ErrorCount {
                error: "quantity \"1.23456\" has more than 4 decimals".into(),
                total: 1,
                unresolved: 1,
            },
            ErrorCount {
                error: "unit_price \"abc\" is not a decimal number".into(),
                total: 1,
                unresolved: 1,
            },
            ErrorCount {
                error: "numeric field overflow".into(),
                total: 1,
                unresolved: 0,
            },
        ]),
    });
    app
}

#[test]
fn failed_values_are_never_cut_without_an_ellipsis() {
    each_size(
        "failed_values_whole_or_cut_with_an_ellipsis",
        failed_with_long_values,
        |screen, w, _h| {
            assert!(
                !screen.contains("SKU-00010 "),
                "a cut SKU looks like another one"
            );
            assert!(
                !screen.contains("1.234 "),
                "a cut quantity looks like another one"
            );
            assert!(
                screen.contains("SKU-000109")
                    || screen.contains("SKU-0001…")
                    || screen.contains("SKU-…"),
                "the SKU is whole or visibly cut"
            );
            if w >= 120 {
                assert!(screen.contains("unit price"), "the unit price column");
                assert!(screen.contains("0.0725"));
            }
            assert!(
                screen.contains("Failed (2)"),
                "the badge counts the unresolved items only"
            );
            assert!(
                !screen.contains("numeric field overflow   "),
                "a resolved row does not keep its old error as if it were current"
            );
        },
    );
}

#[test]
fn runs_keep_their_status_when_narrow() {
    each_size(
        "runs_status_kept_when_narrow",
        |w, h| {
            let clock = clock();
            let mut app = app_with(&clock, w, h);
            let mut cancelled = run_row(3, Mode::Batch, RunStatus::Cancelled, 297_000, 0, 9.5);
            if let Some(r) = &mut cancelled.report {
                r.stop_reason = Some("cancelled by the operator".into());
            }
            let mut killed = run_row(2, Mode::Batch, RunStatus::Interrupted, 0, 0, 0.0);
            killed.report = None;
            killed.finished_at = None;
            app.update(Outcome::Runs(Ok(vec![
                cancelled,
                killed,
                run_row(1, Mode::Batch, RunStatus::Success, 300_000, 0, 3.0),
            ])));
            press(&mut app, KeyCode::Char('4'));
            app
        },
        |screen, _, _| {
            assert!(screen.contains("cancelled"), "a cancelled run is marked");
            assert!(screen.contains("interrupted"), "a killed run is marked");
            assert!(
                screen.contains("300,000") || screen.contains("300,…"),
                "counts are whole or visibly cut"
            );
            assert!(
                !screen.contains("300,00 "),
                "never a cut number that reads as another"
            );
            assert!(!screen.contains("cancell "), "never a cut status");
        },
    );
}

#[test]
fn a_cancelled_run_in_the_history_is_not_done() {
    each_size(
        "history_cancelled_run_not_done",
        |w, h| {
            let clock = clock();
            let mut app = app_with(&clock, w, h);
            let mut row = run_row(8, Mode::Batch, RunStatus::Cancelled, 30_000, 0, 1.5);
            if let Some(r) = &mut row.report {
                r.stop_reason = Some("cancelled by the operator".into());
            }
            app.update(Outcome::Runs(Ok(vec![row])));
            press(&mut app, KeyCode::Char('2'));
            app
        },
        |screen, _, _| {
            assert!(!screen.contains("100%"), "a cancelled run did not do 100%");
            assert!(!screen.contains(" done "), "nor is it done");
            assert!(screen.contains("stopped: cancelled"));
        },
    );
}

#[test]
fn a_killed_run_shows_the_lines_it_landed() {
    each_size(
        "history_killed_run_shows_lines_landed",
        |w, h| {
            let clock = clock();
            let mut app = app_with(&clock, w, h);
            let mut row = run_row(9, Mode::Batch, RunStatus::Interrupted, 0, 0, 0.0);
            row.report = None;
            row.finished_at = None;
            let fx = app.update(Outcome::Runs(Ok(vec![row])));
            assert!(
                fx.contains(&Effect::LoadWritten { run_id: 9 }),
                "what the run wrote is counted in the database: {fx:?}"
            );
            app.update(Outcome::Written {
                run_id: 9,
                result: Ok((14_000, 12)),
            });
            press(&mut app, KeyCode::Char('2'));
            app
        },
        |screen, _, _| {
            assert!(!screen.contains("0/0 lines"), "no made-up zeros");
            assert!(
                screen.contains("14,000 lines landed") || screen.contains("14,000 li…"),
                "the lines that landed are shown"
            );
        },
    );
}

#[test]
fn a_rehearsals_failed_tab_lists_its_failed_lines() {
    each_size(
        "rehearsal_failed_tab_lists_failed_lines",
        |w, h| {
            let clock = clock();
            let mut app = app_with(&clock, w, h);
            let mut row = run_row(6, Mode::Batch, RunStatus::PartialSuccess, 41, 3, 0.01);
            row.rehearsal = true;
            app.update(Outcome::Runs(Ok(vec![row])));
            press(&mut app, KeyCode::Char('4'));
            press(&mut app, KeyCode::Enter);
            press(&mut app, KeyCode::Char('3'));
            app
        },
        |screen, _, _| {
            assert!(
                !screen.contains("No failed items"),
                "the Run tab says 3 failed"
            );
            assert!(screen.contains("15"), "line 15 is listed");
        },
    );
}

#[test]
fn compare_says_when_runs_are_not_comparable() {
    each_size(
        "compare_says_not_like_for_like",
        |w, h| {
            let clock = clock();
            let mut app = app_with(&clock, w, h);
            let mut seq = run_row(2, Mode::Sequential, RunStatus::Cancelled, 10_000, 0, 20.0);
            seq.import_key = format!("{:0<64}", "bbbb");
            if let Some(r) = &mut seq.report {
                r.stop_reason = Some("cancelled by the operator".into());
                r.import_key = seq.import_key.clone();
            }
            app.update(Outcome::Runs(Ok(vec![
                seq,
                run_row(1, Mode::Batch, RunStatus::Success, 300_000, 0, 3.0),
            ])));
            press(&mut app, KeyCode::Char('5'));
            app
        },
        |screen, _, _| {
            assert!(screen.contains("not like for like"), "the caveat is said");
            assert!(screen.contains("speedup"));
        },
    );
}

#[test]
fn the_log_keeps_the_run_start_and_counts_failures_by_reason() {
    each_size(
        "log_keeps_run_start_and_counts_failures_by_reason",
        |w, h| {
            let clock = clock();
            let mut app = app_with(&clock, w, h);
            load(&mut app, &[batch_file("big.csv", 300_000, "b1")]);
            let job = job_of(&press(&mut app, KeyCode::Char('s')));
            let main = Stream {
                job,
                side: StreamSide::Main,
            };
            app.update(Msg::Engine(
                main,
                ProgressEvent::RunStarted {
                    run_id: 7,
                    source: "big.csv".into(),
                    import_key: "b1".into(),
                    mode: Mode::Sequential,
                    total_estimate: 300_000,
                },
            ));
            for line in 1..=3_000u64 {
                app.update(Msg::Engine(
                    main,
                    ProgressEvent::ItemFailed {
                        line: line * 3,
                        phase: Phase::Parse,
                        error: format!("quantity \"{line},5\" has a comma"),
                    },
                ));
                app.update(Msg::Engine(
                    main,
                    ProgressEvent::ChunkCommitted {
                        chunk: line,
                        first_line: line * 3 - 2,
                        last_line: line * 3,
                        inserted: 2,
                        already: 0,
                        held: 0,
                    },
                ));
            }
            clock.advance(Duration::from_secs(3));
            app.update(Msg::Frame);
            app
        },
        |screen, _, h| {
            if h >= 36 {
                assert!(
                    screen.contains("run 7 started"),
                    "the run's start stays in the log"
                );
                assert!(screen.contains("3,000×"), "failures are counted by reason");
            }
            assert!(screen.contains("3,000 failed"));
            assert!(
                !screen.contains(" 0 chunks"),
                "a sequential run counts its chunks as they commit"
            );
        },
    );
}

#[test]
fn help_scrolls_with_a_position_and_g_g_work() {
    for (w, h) in SIZES {
        let (mut app, _) = scene(w, h);
        app.shell.tab = Tab::Failed;
        press(&mut app, KeyCode::Char('?'));
        press(&mut app, KeyCode::Char('G'));
        let screen = render(&app, w, h);
        assert!(screen.contains(" of "), "the help says where it is");
        let Some(batchops::console::shell::Overlay::Help { scroll }) = app.shell.overlay else {
            panic!("the help is open");
        };
        let (lines, shown) = batchops::console::ui::help_extent(&app);
        assert_eq!(scroll, lines.saturating_sub(shown), "G goes to the end");
        insta::assert_snapshot!(format!("help_at_the_end_says_where_it_is_{w}x{h}"), screen);
        press(&mut app, KeyCode::Char('g'));
        assert!(matches!(
            app.shell.overlay,
            Some(batchops::console::shell::Overlay::Help { scroll: 0 })
        ));
    }
}

/// Every key binding, by context, as the help lists them (trippy-style): a change to the keys
/// shows up here, so the key list of docs/console.md can be checked against it.
#[test]
fn the_key_bindings_listing() {
    let (app, _) = scene(120, 36);
    let mut out = String::new();
    for (title, commands) in batchops::console::commands::help_sections(&app) {
        out.push_str(&format!("{title}\n"));
        for c in commands {
            let hint = c.hint.map(|h| format!(" [{h}]")).unwrap_or_default();
            out.push_str(&format!("  {:<22} {}{hint}\n", c.keys, c.help));
        }
    }
    insta::assert_snapshot!("key_bindings", out);
}

/// A batch run and a sequential rehearsal that sent lines to review: the Run, Runs and Compare
/// tabs show how many are held, so a run with lines waiting does not look complete.
fn runs_with_held_lines(w: u16, h: u16) -> App {
    let clock = clock();
    let mut app = app_with(&clock, w, h);
    let with_held = |mut row: batchops::store::RunRow, held: u64| {
        row.items_processed -= held;
        row.items_held = held;
        if let Some(r) = &mut row.report {
            r.items_processed -= held;
            r.items_held = held;
            r.decisions.held = held;
        }
        row
    };
    let mut seq = with_held(
        run_row(2, Mode::Sequential, RunStatus::Success, 1_000, 0, 5.0),
        12,
    );
    seq.rehearsal = true;
    app.update(Outcome::Runs(Ok(vec![
        seq,
        with_held(
            run_row(1, Mode::Batch, RunStatus::Success, 120_000, 0, 4.0),
            1_735,
        ),
    ])));
    app
}

#[test]
fn held_lines_show_on_the_run_runs_and_compare_tabs() {
    for (name, key, shown) in [
        ("held_run", '2', "1,735 held"),
        ("held_runs", '4', "1,735"),
        ("held_compare", '5', "(1,735 held)"),
    ] {
        each_size(
            name,
            |w, h| {
                let mut app = runs_with_held_lines(w, h);
                press(&mut app, KeyCode::Char(key));
                app
            },
            |screen, w, h| {
                // At 60x15 the Compare tab has no room for its table's rows.
                if key != '5' || h > 15 {
                    assert!(screen.contains(shown), "{name} at {w}x{h}: {screen}");
                }
            },
        );
    }
}
