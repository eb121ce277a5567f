//! The console's behaviour as plain state transitions: a key goes through the keymap of the
//! current context, becomes an action, and `update` changes the state and asks for effects.
//! No terminal, no database.

use crate::support::console::*;
use batchops::console::clock::Clock;
use batchops::console::keymap::Context;
use batchops::console::shell::{Overlay, QuitState};
use batchops::console::tabs::failed::{Popup, RetryMark};
use batchops::console::vocab::{
    Action, Effect, ItemsRequest, JobId, JobResult, JobSpec, Msg, Outcome, Stream, StreamSide, Tab,
};
use batchops::domain::{Mode, Phase, RunStatus};
use batchops::engine::ProgressEvent;
use batchops::store::{FailedSort, PageFrom};
use crossterm::event::{KeyCode, KeyModifiers};
use std::time::Duration;

fn started_job(fx: &[Effect]) -> (JobId, JobSpec) {
    fx.iter()
        .find_map(|e| match e {
            Effect::StartJob(j) => Some((j.id, j.spec.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no job started in {fx:?}"))
}

fn main(job: JobId) -> Stream {
    Stream {
        job,
        side: StreamSide::Main,
    }
}

/// An app with the history loaded and run 1's failed items (`n` of them) on the Failed tab.
fn failed_tab(
    n: u64,
) -> (
    batchops::console::app::App,
    std::sync::Arc<batchops::console::clock::ManualClock>,
) {
    let (mut app, clock) = app();
    app.update(Outcome::Runs(Ok(vec![run_row(
        1,
        Mode::Batch,
        RunStatus::PartialSuccess,
        41,
        3,
        0.05,
    )])));
    press(&mut app, KeyCode::Char('3'));
    let generation = app.failed.generation;
    app.update(Outcome::FailedCount {
        generation,
        result: Ok(n),
    });
    app.update(Outcome::FailedPage {
        generation,
        offset: 0,
        result: Ok((0..n.min(500))
            .map(|i| failed_row(i as i64 + 1, 1, i + 1))
            .collect()),
    });
    (app, clock)
}

#[test]
fn number_keys_and_tab_switch_tabs() {
    let (mut app, _) = app();
    assert_eq!(app.shell.tab, Tab::Batches);
    for (c, tab) in [
        ('2', Tab::Run),
        ('3', Tab::Failed),
        ('4', Tab::Runs),
        ('5', Tab::Compare),
        ('6', Tab::Review),
        ('4', Tab::Runs),
        ('1', Tab::Batches),
    ] {
        press(&mut app, KeyCode::Char(c));
        assert_eq!(app.shell.tab, tab);
    }
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.shell.tab, Tab::Run);
    press_mod(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    press_mod(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(app.shell.tab, Tab::Inventory, "Shift-Tab wraps around");
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.shell.tab, Tab::Batches, "Tab wraps around");
}

#[test]
fn opening_the_history_reads_it_again() {
    let (mut app, _) = app();
    app.update(Outcome::Runs(Ok(Vec::new())));
    let fx = press(&mut app, KeyCode::Char('4'));
    assert!(fx.contains(&Effect::LoadRuns));
}

#[test]
fn lists_scroll_with_j_k_pages_and_g() {
    let (mut app, _) = app();
    let rows = (1..=100)
        .rev()
        .map(|id| run_row(id, Mode::Batch, RunStatus::Success, 10, 0, 0.1))
        .collect();
    app.update(Outcome::Runs(Ok(rows)));
    press(&mut app, KeyCode::Char('4'));
    // PageDown moves by the rows on screen less one (one row stays in view).
    let page = app.list_rows(Tab::Runs) - 1;
    assert_eq!(app.runs.nav.selected, 0);
    ch(&mut app, 'j');
    press(&mut app, KeyCode::Down);
    assert_eq!(app.runs.nav.selected, 2);
    ch(&mut app, 'k');
    assert_eq!(app.runs.nav.selected, 1);
    press(&mut app, KeyCode::PageDown);
    assert_eq!(app.runs.nav.selected, 1 + page);
    assert!(app.runs.nav.top > 0, "the page scrolled");
    press(&mut app, KeyCode::PageUp);
    assert_eq!(app.runs.nav.selected, 1);
    ch(&mut app, 'G');
    assert_eq!(app.runs.nav.selected, 99);
    assert_eq!(app.runs.nav.top, 100 - app.list_rows(Tab::Runs));
    ch(&mut app, 'g');
    assert_eq!((app.runs.nav.selected, app.runs.nav.top), (0, 0));
    app.update(Action::WheelDown);
    assert_eq!(
        app.runs.nav.selected, 3,
        "the mouse wheel scrolls three rows"
    );
}

#[test]
fn failed_items_are_paged_from_the_database() {
    let (mut app, _) = failed_tab(200_000);
    assert_eq!(app.failed.len(), 200_000);
    assert_eq!(
        app.failed.cache.len(),
        500,
        "one page in memory, not 200,000 rows"
    );
    assert!(
        ch(&mut app, 'j').is_empty(),
        "moving inside the page asks for nothing"
    );
    let fx = ch(&mut app, 'G');
    let Some(Effect::LoadFailed(req)) = fx.first() else {
        panic!("G asks for the last page: {fx:?}");
    };
    assert_eq!(app.failed.selected, 199_999);
    assert!(req.offset <= 199_999 && req.offset + req.query.limit == 200_000);
    assert_eq!(
        req.query.from,
        PageFrom::Last,
        "the last page is read from the end, not counted to"
    );
    assert!(!req.count);
}

#[test]
fn slash_filters_as_you_type_and_esc_clears() {
    let (mut app, _) = failed_tab(3);
    ch(&mut app, '/');
    assert_eq!(app.context(), Context::Filter);
    let fx = typed(&mut app, "q1");
    assert_eq!(app.shell.tab, Tab::Failed, "q is typed, not quit");
    assert_eq!(app.failed.filter, "q1");
    let Some(Effect::LoadFailed(req)) = fx.last() else {
        panic!("typing asks for the filtered items: {fx:?}");
    };
    assert_eq!(req.query.filter.as_deref(), Some("q1"));
    assert!(req.count);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.context(), Context::Tab(Tab::Failed));
    assert_eq!(app.failed.filter, "q1", "Enter keeps the filter");
    let fx = press(&mut app, KeyCode::Esc);
    assert_eq!(app.failed.filter, "");
    assert!(matches!(fx.last(), Some(Effect::LoadFailed(r)) if r.query.filter.is_none()));
}

#[test]
fn s_sorts_by_the_next_column_and_shift_s_reverses() {
    let (mut app, _) = failed_tab(3);
    let fx = ch(&mut app, 's');
    assert_eq!(app.failed.sort, FailedSort::Phase);
    assert!(matches!(fx.last(), Some(Effect::LoadFailed(r)) if r.query.sort == FailedSort::Phase));
    ch(&mut app, 's');
    ch(&mut app, 's');
    assert_eq!(app.failed.sort, FailedSort::Attempts);
    ch(&mut app, 's');
    assert_eq!(app.failed.sort, FailedSort::Line);
    let fx = ch(&mut app, 'S');
    assert!(app.failed.descending);
    assert!(matches!(fx.last(), Some(Effect::LoadFailed(r)) if r.query.descending));
    let fx = ch(&mut app, 'u');
    assert!(matches!(fx.last(), Some(Effect::LoadFailed(r)) if r.query.unresolved_only));
}

#[test]
fn popups_open_and_esc_closes_them() {
    let (mut app, _) = failed_tab(3);
    ch(&mut app, '?');
    assert!(matches!(app.shell.overlay, Some(Overlay::Help { .. })));
    ch(&mut app, 'j');
    assert_eq!(app.shell.overlay, Some(Overlay::Help { scroll: 1 }));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.shell.overlay, None);
    press(&mut app, KeyCode::Enter);
    let Some(Popup::Detail { row, .. }) = &app.failed.popup else {
        panic!("Enter opens the detail");
    };
    assert_eq!(row.line, 1);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.failed.popup, None);
    ch(&mut app, 'x');
    assert!(
        matches!(&app.failed.popup, Some(Popup::Prompt(p)) if p.input.text() == "rejects-run-1.csv")
    );
    let fx = press(&mut app, KeyCode::Enter);
    assert!(
        matches!(&fx[..], [Effect::Export { run_id: 1, path, query }] if path.ends_with("rejects-run-1.csv") && query.unresolved_only),
        "the reject file never holds items that landed: {fx:?}"
    );
}

#[test]
fn quitting_while_idle_needs_no_confirmation() {
    let (mut app, _) = app();
    let fx = ch(&mut app, 'q');
    assert_eq!(fx, vec![Effect::Quit]);
    assert!(app.should_quit());
}

#[test]
fn quitting_while_a_run_is_active_asks_first_and_cancels_it() {
    let (mut app, _) = app();
    load(&mut app, &[batch_file("a.csv", 41, "a")]);
    let (job, _) = started_job(&ch(&mut app, 'b'));
    app.update(Msg::Engine(
        main(job),
        ProgressEvent::RunStarted {
            run_id: 7,
            source: "a.csv".into(),
            import_key: "a".into(),
            mode: Mode::Batch,
            total_estimate: 41,
        },
    ));
    assert!(ch(&mut app, 'q').is_empty());
    assert_eq!(app.shell.overlay, Some(Overlay::ConfirmQuit));
    ch(&mut app, 'n');
    assert_eq!(app.shell.overlay, None);
    assert!(!app.should_quit());
    press_mod(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(app.shell.overlay, Some(Overlay::ConfirmQuit));
    let fx = ch(&mut app, 'y');
    assert_eq!(fx, vec![Effect::Cancel(job)]);
    assert!(matches!(app.shell.quit, QuitState::Cancelling { .. }));
    let report = report(7, Mode::Batch, RunStatus::Cancelled, 20, 0, 0.5);
    app.update(Msg::Engine(
        main(job),
        ProgressEvent::RunFinished(Box::new(report.clone())),
    ));
    let fx = app.update(Msg::JobFinished(
        job,
        Ok(JobResult::Report(Box::new(report))),
    ));
    assert!(
        fx.contains(&Effect::Quit),
        "quits once the run has finished its chunk"
    );
    assert!(app.should_quit());
}

#[test]
fn batches_run_one_after_another_and_the_run_tab_follows() {
    let (mut app, clock) = app();
    load(
        &mut app,
        &[batch_file("a.csv", 41, "a"), batch_file("b.jsonl", 10, "b")],
    );
    assert_eq!(app.batches.nav.selected, 0);
    let (job, spec) = started_job(&ch(&mut app, 'b'));
    assert!(matches!(
        spec,
        JobSpec::Import {
            mode: Mode::Batch,
            resume: None,
            ..
        }
    ));
    assert_eq!(app.shell.tab, Tab::Run, "starting a run shows its progress");
    ch(&mut app, '1');
    ch(&mut app, 'j');
    let fx = ch(&mut app, 's');
    assert!(fx.is_empty(), "the second batch waits: {fx:?}");
    assert_eq!(
        app.shell.tab,
        Tab::Batches,
        "a queued batch does not take the screen"
    );
    assert_eq!(app.batches.entries[1].status_text(), "queued (sequential)");

    let fx = app.update(Msg::Engine(
        main(job),
        ProgressEvent::RunStarted {
            run_id: 1,
            source: "a.csv".into(),
            import_key: "a".into(),
            mode: Mode::Batch,
            total_estimate: 41,
        },
    ));
    assert!(
        matches!(fx.first(), Some(Effect::LoadFailed(r)) if r.run_id == 1),
        "Failed follows the run"
    );
    clock.advance(Duration::from_millis(500));
    for ev in [
        ProgressEvent::PhaseAdvanced {
            phase: Phase::Mapping,
            done: 41,
            total: 41,
            elapsed: Duration::from_millis(2),
            statements: 0,
        },
        ProgressEvent::ItemFailed {
            line: 15,
            phase: Phase::Parse,
            error: "bad".into(),
        },
        ProgressEvent::ChunkCommitted {
            chunk: 0,
            first_line: 1,
            last_line: 20,
            inserted: 19,
            already: 0,
            held: 0,
        },
    ] {
        app.update(Msg::Engine(main(job), ev));
    }
    let v = app.run.view.as_ref().expect("a run view");
    assert_eq!(
        (v.run_id, v.failed, v.done(), v.status),
        (Some(1), 1, 20, RunStatus::Running)
    );
    assert_eq!(
        v.eta(clock.now()),
        Some(Duration::from_secs_f64(0.525)),
        "21 lines left at 40 lines/s"
    );

    let report = report(1, Mode::Batch, RunStatus::PartialSuccess, 41, 1, 1.0);
    app.update(Msg::Engine(
        main(job),
        ProgressEvent::RunFinished(Box::new(report.clone())),
    ));
    assert_eq!(
        app.run.view.as_ref().map(|v| v.status),
        Some(RunStatus::PartialSuccess)
    );
    assert_eq!(
        app.batches.entries[0].status_text(),
        "done: partial_success"
    );
    let fx = app.update(Msg::JobFinished(
        job,
        Ok(JobResult::Report(Box::new(report))),
    ));
    let (_, spec) = started_job(&fx);
    assert!(
        matches!(
            spec,
            JobSpec::Import {
                mode: Mode::Sequential,
                ..
            }
        ),
        "the queued batch starts"
    );
}

#[test]
fn c_cancels_the_active_run_and_b_resumes_it() {
    let (mut app, _) = app();
    load(&mut app, &[batch_file("a.csv", 41, "a")]);
    let (job, _) = started_job(&ch(&mut app, 'b'));
    assert_eq!(ch(&mut app, 'c'), vec![Effect::Cancel(job)]);
    assert!(ch(&mut app, 'c').is_empty(), "cancelling twice asks once");
    let mut report = report(3, Mode::Batch, RunStatus::Cancelled, 20, 0, 0.5);
    report.stop_reason = Some("cancelled by the operator".into());
    app.update(Msg::Engine(
        main(job),
        ProgressEvent::RunFinished(Box::new(report.clone())),
    ));
    app.update(Msg::JobFinished(
        job,
        Ok(JobResult::Report(Box::new(report))),
    ));
    ch(&mut app, '1');
    let (_, spec) = started_job(&ch(&mut app, 'b'));
    let JobSpec::Import {
        resume: Some(p), ..
    } = spec
    else {
        panic!("b resumes the cancelled run");
    };
    assert_eq!(p.run_id, 3);
}

#[test]
fn r_retries_the_selected_item_and_shows_its_result() {
    let (mut app, _) = failed_tab(3);
    ch(&mut app, 'j');
    let (job, spec) = started_job(&ch(&mut app, 'r'));
    assert_eq!(
        spec,
        JobSpec::Retry {
            run_id: 1,
            lines: vec![2],
            correction: None
        }
    );
    assert_eq!(app.failed.marks.get(&2), Some(&RetryMark::Pending));
    app.update(Msg::Engine(
        main(job),
        ProgressEvent::ItemRetried {
            failed_id: 2,
            line: 2,
            ok: false,
            error: Some("still bad".into()),
        },
    ));
    assert_eq!(
        app.failed.marks.get(&2),
        Some(&RetryMark::FailedAgain("still bad".into()))
    );
    let report = report(2, Mode::Retry, RunStatus::Failed, 1, 1, 0.01);
    let fx = app.update(Msg::JobFinished(
        job,
        Ok(JobResult::Report(Box::new(report))),
    ));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadFailed(r) if r.count)),
        "the list is read again"
    );
    let (_, spec) = started_job(&ch(&mut app, 'R'));
    assert!(
        matches!(spec, JobSpec::Retry { lines, .. } if lines.is_empty()),
        "R retries every unresolved item"
    );
}

#[test]
fn e_edits_the_four_fields_then_saves_and_retries() {
    let (mut app, _) = failed_tab(3);
    ch(&mut app, 'e');
    assert_eq!(app.context(), Context::Edit);
    let Some(Popup::Edit(form)) = &app.failed.popup else {
        panic!("e opens the form");
    };
    assert_eq!(
        form.inputs.iter().map(|i| i.text()).collect::<Vec<_>>(),
        ["ACM-60110", "Masking Tape 25mm x 50m", "12", "abc"]
    );
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    for _ in 0..3 {
        press(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, "0.45q");
    press(&mut app, KeyCode::Backspace);
    let (_, spec) = started_job(&press(&mut app, KeyCode::Enter));
    let JobSpec::Retry {
        lines,
        correction: Some((failed_id, fields)),
        ..
    } = spec
    else {
        panic!("Enter saves and retries");
    };
    assert_eq!((lines, failed_id), (vec![1], 1));
    assert!(fields.contains(&("unit_price".to_string(), "0.45".to_string())));
    assert!(fields.contains(&("quantity".to_string(), "12".to_string())));
    assert_eq!(app.failed.popup, None);
}

#[test]
fn esc_abandons_an_edit() {
    let (mut app, _) = failed_tab(3);
    ch(&mut app, 'e');
    typed(&mut app, "zzz");
    assert!(press(&mut app, KeyCode::Esc).is_empty());
    assert_eq!(app.failed.popup, None);
}

#[test]
fn interrupted_runs_resume_from_the_history() {
    let (mut app, _) = app();
    let mut row = run_row(4, Mode::Sequential, RunStatus::Interrupted, 41, 0, 0.0);
    row.report = None;
    app.update(Outcome::Runs(Ok(vec![
        row,
        run_row(3, Mode::Retry, RunStatus::Success, 1, 0, 0.01),
    ])));
    press(&mut app, KeyCode::Char('4'));
    let (_, spec) = started_job(&ch(&mut app, 'r'));
    assert!(
        matches!(spec, JobSpec::Import { mode: Mode::Sequential, resume: Some(p), .. } if p.run_id == 4)
    );
    ch(&mut app, 'j');
    let fx = ch(&mut app, 'r');
    assert!(fx.is_empty(), "a retry run cannot be resumed");
}

#[test]
fn enter_on_a_run_opens_it_on_run_and_failed() {
    let (mut app, _) = app();
    app.update(Outcome::Runs(Ok(vec![
        run_row(2, Mode::Sequential, RunStatus::Success, 41, 0, 0.2),
        run_row(1, Mode::Batch, RunStatus::PartialSuccess, 41, 3, 0.05),
    ])));
    press(&mut app, KeyCode::Char('4'));
    ch(&mut app, 'j');
    let fx = press(&mut app, KeyCode::Enter);
    assert_eq!(app.shell.tab, Tab::Run);
    assert_eq!(app.run.view.as_ref().and_then(|v| v.run_id), Some(1));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadFailed(r) if r.run_id == 1))
    );
    assert!(fx.contains(&Effect::LoadReasons { run_id: 1 }));
}

#[test]
fn start_option_begins_the_first_batch_at_once() {
    let clock = clock();
    let mut app = batchops::console::app::App::new(clock, "sqlite", URL);
    let fx = app.start(vec!["a.csv".into()], Some(Mode::Sequential));
    assert!(fx.contains(&Effect::LoadPath {
        path: "a.csv".into(),
        chosen: false
    }));
    let fx = app.update(Outcome::Listed {
        path: "a.csv".into(),
        chosen: false,
        result: Ok(batchops::console::vocab::Listing {
            files: vec!["a.csv".into()],
            skipped: Vec::new(),
        }),
    });
    let Some(Effect::Inspect { batch, .. }) = fx.first() else {
        panic!("{fx:?}");
    };
    let fx = app.update(Outcome::Inspected {
        batch: *batch,
        result: Ok(batch_file("a.csv", 41, "a")),
    });
    let (_, spec) = started_job(&fx);
    assert!(matches!(
        spec,
        JobSpec::Import {
            mode: Mode::Sequential,
            ..
        }
    ));
    assert_eq!(app.shell.tab, Tab::Run);
}

#[test]
fn a_rehearsal_shows_two_live_sides_then_selects_its_runs() {
    let (mut app, _) = app();
    load(&mut app, &[batch_file("a.csv", 41, "a")]);
    press(&mut app, KeyCode::Char('5'));
    let (job, spec) = started_job(&ch(&mut app, 'p'));
    assert!(matches!(
        spec,
        JobSpec::Compare {
            sequential_lines: None,
            ..
        }
    ));
    let side = |s| Stream { job, side: s };
    for (s, id) in [(StreamSide::Batch, 10), (StreamSide::Sequential, 11)] {
        app.update(Msg::Engine(
            side(s),
            ProgressEvent::RunStarted {
                run_id: id,
                source: "a.csv".into(),
                import_key: "a".into(),
                mode: if s == StreamSide::Batch {
                    Mode::Batch
                } else {
                    Mode::Sequential
                },
                total_estimate: 41,
            },
        ));
    }
    let r = app.compare.rehearsal.as_ref().expect("a rehearsal");
    assert_eq!((r.batch.run_id, r.sequential.run_id), (Some(10), Some(11)));
}

#[test]
fn the_status_line_message_expires() {
    let (mut app, clock) = app();
    load(&mut app, &[batch_file("a.csv", 41, "a")]);
    ch(&mut app, 'd');
    assert!(app.shell.message.is_some());
    clock.advance(Duration::from_secs(11));
    app.update(Msg::Frame);
    assert!(app.shell.message.is_none());
}

#[test]
fn frames_sample_throughput_once_a_second() {
    let (mut app, clock) = app();
    load(&mut app, &[batch_file("a.csv", 1000, "a")]);
    let (job, _) = started_job(&ch(&mut app, 'b'));
    app.update(Msg::Engine(
        main(job),
        ProgressEvent::RunStarted {
            run_id: 1,
            source: "a.csv".into(),
            import_key: "a".into(),
            mode: Mode::Batch,
            total_estimate: 1000,
        },
    ));
    for i in 1..=3u64 {
        app.update(Msg::Engine(
            main(job),
            ProgressEvent::ChunkCommitted {
                chunk: i,
                first_line: (i - 1) * 100 + 1,
                last_line: i * 100,
                inserted: 100,
                already: 0,
                held: 0,
            },
        ));
        clock.advance(Duration::from_millis(500));
        app.update(Msg::Frame);
        clock.advance(Duration::from_millis(500));
        app.update(Msg::Frame);
    }
    let v = app.run.view.as_ref().expect("a run view");
    assert_eq!(
        v.throughput.iter().copied().collect::<Vec<_>>(),
        vec![100, 100, 100]
    );
    app.shell.dirty = false;
    app.update(Msg::Frame);
    assert!(!app.shell.dirty, "nothing changed: no redraw");
}

// ---------------------------------------------------------------------------------------------
// What the screens keep through state transitions.

#[test]
fn files_from_the_command_line_keep_the_first_one_selected() {
    let (mut app, _) = app();
    for name in ["first.csv", "second.csv", "third.csv"] {
        app.update(Outcome::Listed {
            path: name.into(),
            chosen: false,
            result: Ok(batchops::console::vocab::Listing {
                files: vec![name.into()],
                skipped: Vec::new(),
            }),
        });
    }
    assert_eq!(
        app.batches.nav.selected, 0,
        "b runs the files in the order given"
    );
    assert_eq!(
        app.batches.entries[0].path,
        std::path::PathBuf::from("first.csv")
    );
}

#[test]
fn opening_a_directory_says_which_files_it_skipped() {
    let (mut app, _) = app();
    app.update(Outcome::Listed {
        path: "drop".into(),
        chosen: true,
        result: Ok(batchops::console::vocab::Listing {
            files: vec!["drop/a.csv".into()],
            skipped: vec!["drop/notes.txt".into(), "drop/readme.md".into()],
        }),
    });
    let text = &app.shell.message.as_ref().expect("a message").text;
    assert!(text.contains("loaded 1 batch file from drop"), "{text}");
    assert!(
        text.contains("skipped 2 files") && text.contains("notes.txt"),
        "{text}"
    );
}

#[test]
fn d_says_what_it_removed_and_the_next_key_clears_the_status_line() {
    let (mut app, _) = app();
    load(
        &mut app,
        &[batch_file("a.csv", 41, "a"), batch_file("b.csv", 4, "b")],
    );
    ch(&mut app, 'd');
    let text = &app.shell.message.as_ref().expect("feedback for d").text;
    assert!(text.contains("removed a.csv"), "{text}");
    ch(&mut app, 'j');
    assert!(
        app.shell.message.is_none(),
        "an old message does not outlive the next action"
    );
}

#[test]
fn resume_from_the_history_shows_its_progress() {
    let (mut app, _) = app();
    let mut row = run_row(4, Mode::Batch, RunStatus::Cancelled, 20, 0, 0.5);
    if let Some(r) = &mut row.report {
        r.stop_reason = Some("cancelled by the operator".into());
    }
    app.update(Outcome::Runs(Ok(vec![row])));
    ch(&mut app, '4');
    let (_, spec) = started_job(&ch(&mut app, 'r'));
    assert!(matches!(spec, JobSpec::Import { resume: Some(p), .. } if p.run_id == 4));
    assert_eq!(app.shell.tab, Tab::Run);
}

#[test]
fn retry_all_asks_first_when_there_are_many() {
    let (mut app, _) = failed_tab(3_000);
    app.update(Outcome::Reasons {
        run_id: 1,
        result: Ok(vec![batchops::console::vocab::ErrorCount {
            error: "quantity \"1,5\" has a comma".into(),
            total: 3_000,
            unresolved: 3_000,
        }]),
    });
    let fx = ch(&mut app, 'R');
    assert!(fx.is_empty(), "nothing starts before the answer: {fx:?}");
    assert!(matches!(
        app.failed.popup,
        Some(Popup::ConfirmRetryAll {
            run_id: 1,
            items: 3_000
        })
    ));
    ch(&mut app, 'n');
    assert_eq!(app.failed.popup, None);
    ch(&mut app, 'R');
    let (_, spec) = started_job(&ch(&mut app, 'y'));
    assert!(matches!(spec, JobSpec::Retry { run_id: 1, ref lines, .. } if lines.is_empty()));
}

#[test]
fn the_reasons_summary_filters_the_table_and_the_badge_counts_unresolved_items() {
    let (mut app, _) = failed_tab(3);
    app.update(Outcome::Reasons {
        run_id: 1,
        result: Ok(vec![
            batchops::console::vocab::ErrorCount {
                error: "quantity \"1,5\" has a comma".into(),
                total: 1,
                unresolved: 1,
            },
            batchops::console::vocab::ErrorCount {
                error: "quantity \"7,25\" has a comma".into(),
                total: 1,
                unresolved: 0,
            },
            batchops::console::vocab::ErrorCount {
                error: "numeric field overflow".into(),
                total: 1,
                unresolved: 1,
            },
        ]),
    });
    let reasons = app.failed.reasons.as_ref().expect("reasons");
    assert_eq!(
        reasons.len(),
        2,
        "values in quotes do not make reasons of their own"
    );
    assert_eq!(app.failed.unresolved(), Some(2));
    ch(&mut app, 'w');
    assert!(matches!(app.failed.popup, Some(Popup::Reasons { .. })));
    let fx = press(&mut app, KeyCode::Enter);
    let Some(Effect::LoadFailed(req)) = fx.first() else {
        panic!("choosing a reason queries again: {fx:?}");
    };
    assert_eq!(
        req.query.error_like.as_deref(),
        Some("quantity \"%\" has a comma"),
        "the most unresolved reason first"
    );
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.failed.reason, None, "Esc clears the reason");
}

#[test]
fn the_export_prompt_stays_open_on_an_error() {
    let (mut app, _) = failed_tab(3);
    ch(&mut app, 'x');
    let fx = press(&mut app, KeyCode::Enter);
    let Some(Effect::Export { path, .. }) = fx.first().cloned() else {
        panic!("{fx:?}");
    };
    app.update(Outcome::Exported {
        path: path.clone(),
        result: Err(format!("{} exists; give another name", path.display())),
    });
    let Some(Popup::Prompt(p)) = &app.failed.popup else {
        panic!("the prompt stays open");
    };
    assert!(p.error.as_deref().is_some_and(|e| e.contains("exists")));
    assert!(
        p.note.contains("unresolved"),
        "it says what it writes: {}",
        p.note
    );
    app.update(Outcome::Exported {
        path,
        result: Ok(3),
    });
    assert_eq!(app.failed.popup, None);
    assert!(
        app.shell
            .message
            .as_ref()
            .is_some_and(|m| m.text.contains("3 unresolved failed items"))
    );
}

#[test]
fn a_click_picks_a_tab_or_a_row() {
    let (mut app, _) = app();
    let rows = (1..=10)
        .rev()
        .map(|id| run_row(id, Mode::Batch, RunStatus::Success, 10, 0, 0.1))
        .collect();
    app.update(Outcome::Runs(Ok(rows)));
    let x = batchops::console::ui::tab_bar_row();
    // " 1 Batches │ 2 Run │ 3 Failed │ 4 Runs …": column 33 is on "4 Runs".
    app.update(Action::Click(33, x));
    assert_eq!(app.shell.tab, Tab::Runs);
    let list = app.list_area();
    app.update(Action::Click(list.x + 2, list.y + 3));
    assert_eq!(app.runs.nav.selected, 3, "the fourth row shown");
    app.update(Action::Click(list.x + 2, list.y + 40));
    assert_eq!(
        app.runs.nav.selected, 3,
        "a click below the rows picks nothing"
    );
}

#[test]
fn c_is_greyed_out_and_does_nothing_when_nothing_runs() {
    let (mut app, _) = app();
    let footer = batchops::console::commands::footer(&app);
    assert!(
        !footer.iter().any(|c| c.action == Action::Cancel),
        "{footer:?}"
    );
    assert!(ch(&mut app, 'c').is_empty());
    assert!(app.shell.message.is_none());
    load(&mut app, &[batch_file("a.csv", 41, "a")]);
    ch(&mut app, 'b');
    let footer = batchops::console::commands::footer(&app);
    assert!(
        footer
            .iter()
            .any(|c| c.action == Action::Cancel && c.enabled)
    );
}

#[test]
fn the_footer_and_the_help_come_from_the_same_commands() {
    let (app, _) = failed_tab(3);
    let footer = batchops::console::commands::footer(&app);
    let help = batchops::console::commands::help_sections(&app);
    assert_eq!(help[0].0, "Failed");
    for c in &footer {
        assert!(
            help.iter()
                .any(|(_, cs)| cs.iter().any(|h| h.keys == c.keys && h.hint == c.hint)),
            "{} {:?} is in the help",
            c.keys,
            c.hint
        );
    }
}

#[test]
fn a_resumed_run_with_a_fast_start_does_not_promise_an_end_at_once() {
    let (mut app, clock) = app();
    load(&mut app, &[batch_file("a.csv", 100_000, "a")]);
    let (job, _) = started_job(&ch(&mut app, 'b'));
    app.update(Msg::Engine(
        main(job),
        ProgressEvent::RunStarted {
            run_id: 1,
            source: "a.csv".into(),
            import_key: "a".into(),
            mode: Mode::Batch,
            total_estimate: 100_000,
        },
    ));
    // The landed lines race by (already imported), then the real writing is slow.
    let mut line = 0;
    for second in 0..6u64 {
        let per_s = if second == 0 { 30_000 } else { 100 };
        app.update(Msg::Engine(
            main(job),
            ProgressEvent::ChunkCommitted {
                chunk: second,
                first_line: line + 1,
                last_line: line + per_s,
                inserted: 0,
                already: per_s,
                held: 0,
            },
        ));
        line += per_s;
        clock.advance(Duration::from_secs(1));
        app.update(Msg::Frame);
    }
    let v = app.run.view.as_ref().expect("a view");
    let eta = v.eta(clock.now()).expect("an ETA");
    assert!(
        eta > Duration::from_secs(600),
        "ETA at the recent rate: {eta:?}"
    );
}

#[test]
fn one_rule_says_which_runs_resume() {
    use batchops::domain::RunStatus as S;
    use batchops::domain::run_rules::{RunKind, resume_refusal};
    let kind = |status, mode, rehearsal| RunKind {
        status,
        mode,
        rehearsal,
        dry_run: false,
    };
    for s in [S::Cancelled, S::Aborted, S::Interrupted, S::Failed] {
        assert_eq!(resume_refusal(kind(s, Mode::Batch, false)), None, "{s}");
        assert!(
            resume_refusal(kind(s, Mode::Retry, false)).is_some(),
            "a retry of {s}"
        );
        assert!(
            resume_refusal(kind(s, Mode::Batch, true)).is_some(),
            "a rehearsal {s}"
        );
    }
    for s in [S::Success, S::PartialSuccess, S::Running] {
        assert!(resume_refusal(kind(s, Mode::Batch, false)).is_some(), "{s}");
    }
    // The Runs tab and the Batches tab use it: a cancelled run says `r resumes`, a finished one not.
    let (mut app, _) = app();
    app.update(Outcome::Runs(Ok(vec![
        run_row(2, Mode::Batch, RunStatus::Cancelled, 10, 0, 0.1),
        run_row(1, Mode::Batch, RunStatus::Success, 10, 0, 0.1),
    ])));
    ch(&mut app, '4');
    ch(&mut app, 'j');
    assert!(
        ch(&mut app, 'r').is_empty(),
        "a finished run is not resumed"
    );
    assert!(
        app.shell
            .message
            .as_ref()
            .is_some_and(|m| m.text.contains("nothing to resume"))
    );
}

#[test]
fn chunks_that_fell_back_count_on_the_insert_and_update_gauges() {
    let (mut app, _) = app();
    load(&mut app, &[batch_file("a.csv", 10_000, "a")]);
    let (job, _) = started_job(&ch(&mut app, 'b'));
    app.update(Msg::Engine(
        main(job),
        ProgressEvent::RunStarted {
            run_id: 1,
            source: "a.csv".into(),
            import_key: "a".into(),
            mode: Mode::Batch,
            total_estimate: 10_000,
        },
    ));
    // PostgreSQL isolates a failed chunk inside the database: the fallback phase did the writes.
    app.update(Msg::Engine(
        main(job),
        ProgressEvent::PhaseAdvanced {
            phase: Phase::Fallback,
            done: 5_000,
            total: 10_000,
            elapsed: Duration::from_millis(80),
            statements: 1,
        },
    ));
    let v = app.run.view.as_ref().expect("a view");
    assert_eq!(v.step_done(Phase::BatchInsert), 5_000);
    assert_eq!(v.step_done(Phase::InventoryUpdate), 5_000);
    assert_eq!(v.step_done(Phase::Mapping), 0);
}

#[test]
fn every_key_is_bound_once_per_context() {
    use batchops::console::commands::in_force;
    let mut contexts: Vec<Context> = Tab::ALL.iter().map(|&t| Context::Tab(t)).collect();
    contexts.extend([
        Context::Filter,
        Context::Help,
        Context::Confirm,
        Context::Detail,
        Context::Edit,
        Context::Reasons,
        Context::Prompt,
        Context::NewItem,
    ]);
    for ctx in contexts {
        let keys: Vec<_> = in_force(ctx)
            .iter()
            .flat_map(|b| b.keys.iter().copied())
            .collect();
        for (i, k) in keys.iter().enumerate() {
            assert!(
                !keys[i + 1..].contains(k),
                "{ctx:?}: {} is bound twice",
                k.label()
            );
        }
    }
}

#[test]
fn keys_become_actions_by_context_and_text_fields_type_them() {
    use batchops::console::commands::action_for;
    use crossterm::event::KeyEvent;
    let key = |c: KeyCode| KeyEvent::new(c, KeyModifiers::NONE);
    let batches = Context::Tab(Tab::Batches);
    assert_eq!(
        action_for(batches, &key(KeyCode::Char('b'))),
        Some(Action::Start(Mode::Batch))
    );
    assert_eq!(
        action_for(Context::Tab(Tab::Failed), &key(KeyCode::Char('w'))),
        Some(Action::Reasons)
    );
    assert_eq!(
        action_for(Context::Filter, &key(KeyCode::Char('q'))),
        Some(Action::Char('q'))
    );
    assert_eq!(
        action_for(Context::Help, &key(KeyCode::Char('G'))),
        Some(Action::Bottom)
    );
    assert_eq!(
        action_for(Context::Tab(Tab::Run), &key(KeyCode::Char('z'))),
        None
    );
}

fn items_request(fx: &[Effect]) -> Option<ItemsRequest> {
    fx.iter().find_map(|e| match e {
        Effect::LoadItems(r) => Some(r.clone()),
        _ => None,
    })
}

/// On a large catalog a search reads for a while: keys typed meanwhile wait for its page and
/// make one search, of the last text.
#[test]
fn keys_typed_while_a_search_reads_make_one_search_of_the_last_text() {
    let (mut app, _) = app();
    let first = items_request(&ch(&mut app, '7')).expect("the first page");
    app.update(Outcome::Items {
        generation: first.generation,
        place: first.place,
        result: Ok(Vec::new()),
    });
    ch(&mut app, '/');
    let asked = items_request(&ch(&mut app, 'b')).expect("a search at once");
    assert_eq!(asked.query.search, "b");
    for c in "olt".chars() {
        assert!(
            items_request(&ch(&mut app, c)).is_none(),
            "one search at a time"
        );
    }
    let fx = app.update(Outcome::Items {
        generation: asked.generation,
        place: asked.place,
        result: Ok(Vec::new()),
    });
    let again = items_request(&fx).expect("the last text, once the page came");
    assert_eq!(again.query.search, "bolt");
    assert!(
        items_request(&app.update(Outcome::Items {
            generation: again.generation,
            place: again.place,
            result: Ok(Vec::new()),
        }))
        .is_none(),
        "nothing more to read"
    );
}
