//! The console's Review tab: its keys and decisions as plain state changes, its screen at the
//! three sizes (insta snapshots, hand-driven clock, fixed data), and one decision driven through
//! the console's task runner against the real databases (SQLite file, PostgreSQL schema), ending
//! with the inventory checked.

use crate::support::console::*;
use crate::support::db;
use crate::support::files::write_file;
use crate::support::library;
use batchops::console::app::App;
use batchops::console::event::Event;
use batchops::console::keymap::Context;
use batchops::console::tabs::review::{GROUP_PAGE, Popup};
use batchops::console::tasks::Runner;
use batchops::console::theme::Theme;
use batchops::console::ui;
use batchops::console::vocab::{Effect, Outcome, ReviewPage, Tab};
use batchops::domain::Candidate;
use batchops::engine::ImportOptions;
use batchops::engine::review::{self, Choice, Group};
use batchops::mapping::generated_sku;
use batchops::store::{Band, GroupQuery, HeldKind};
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rust_decimal::Decimal;
use std::sync::Arc;

fn candidate(sku: &str, name: &str, length: &str) -> Candidate {
    Candidate {
        sku: sku.into(),
        name: name.into(),
        score: 1.0,
        agreed: vec!["material zinc".into(), "thread m8".into()],
        differed: Vec::new(),
        one_sided: vec![format!("length {length} (item only)")],
        ..Candidate::default()
    }
}

fn groups() -> Vec<Group> {
    vec![
        Group {
            alias: "bolt hex m8 zinc".into(),
            id: 11,
            description: "Hex Bolt M8 Zinc".into(),
            lines: 4,
            runs: vec![2, 3],
            reason: "not stated on both sides: length 40 mm (item only)".into(),
            candidates: vec![
                candidate("HB-M8-40", "Hex Bolt M8 x 40mm Zinc", "40 mm"),
                candidate("HB-M8-50", "Hex Bolt M8 x 50mm Zinc", "50 mm"),
            ],
        },
        Group {
            alias: "hex m6 screw stainless".into(),
            id: 15,
            description: "Hex Screw M6 Stainless".into(),
            lines: 2,
            runs: vec![5],
            reason: "a size differs: M6 ≠ M8".into(),
            candidates: vec![
                Candidate {
                    sku: "HS-M6-20".into(),
                    name: "Hex Screw M6 x 20mm Stainless".into(),
                    score: 0.93,
                    agreed: vec!["thread m6".into()],
                    differed: vec!["material stainless ≠ zinc".into()],
                    one_sided: vec!["length 20 mm (item only)".into()],
                    ..Candidate::default()
                },
                candidate("HS-M6-30", "Hex Screw M6 x 30mm Zinc", "30 mm"),
                candidate("HS-M6-40", "Hex Screw M6 x 40mm Zinc", "40 mm"),
                candidate("HS-M6-50", "Hex Screw M6 x 50mm Zinc", "50 mm"),
            ],
        },
    ]
}

/// The groups as one page of the database's answer.
fn loaded(app: &App, groups: Vec<Group>) -> Outcome {
    Outcome::Review {
        generation: app.review.generation(),
        more: false,
        result: Ok(ReviewPage {
            total_groups: groups.len() as u64,
            total_lines: groups.iter().map(|g| g.lines).sum(),
            groups,
        }),
    }
}

/// The first page of the groups read afresh, among the effects.
fn review_read(fx: &[Effect]) -> Option<&GroupQuery> {
    fx.iter().find_map(|e| match e {
        Effect::LoadReview(r) if r.query.after.is_none() => Some(&r.query),
        _ => None,
    })
}

fn reads_review(fx: &[Effect]) -> bool {
    review_read(fx).is_some()
}

/// The app on the Review tab with the fixed groups loaded.
fn on_review(w: u16, h: u16) -> App {
    let clock = clock();
    let mut app = app_with(&clock, w, h);
    let fx = ch(&mut app, '6');
    assert_eq!(app.shell.tab, Tab::Review);
    assert!(reads_review(&fx), "{fx:?}");
    app.update(loaded(&app, groups()));
    app
}

fn decide_effect(fx: &[Effect]) -> Option<(i64, Choice)> {
    fx.iter().find_map(|e| match e {
        Effect::Decide {
            held_id, choice, ..
        } => Some((*held_id, choice.clone())),
        _ => None,
    })
}

#[test]
fn a_number_asks_first_then_yes_decides_on_that_candidate() {
    let mut app = on_review(120, 36);
    assert!(decide_effect(&ch(&mut app, '2')).is_none(), "asks first");
    assert_eq!(app.context(), Context::Confirm);
    let fx = ch(&mut app, 'y');
    assert_eq!(
        decide_effect(&fx),
        Some((11, Choice::Item("HB-M8-50".into())))
    );
    assert!(app.review.popup.is_none());
    assert_eq!(app.review.deciding.as_deref(), Some("Hex Bolt M8 Zinc"));
    // While it is applied, another decision waits.
    assert!(decide_effect(&ch(&mut app, '1')).is_none());
    assert!(
        app.review.popup.is_none(),
        "no second confirmation while deciding"
    );
    // The result is shown and the groups are read again.
    let fx = app.update(Outcome::Decided {
        held_id: 11,
        description: "Hex Bolt M8 Zinc".into(),
        result: Ok(review::Outcome {
            correction_id: Some(7),
            alias: "bolt hex m8 zinc".into(),
            lines: 4,
            landed: 4,
            quantity: Decimal::new(19, 0),
            sku: Some("HB-M8-50".into()),
            rejected: Vec::new(),
            still_held: 0,
        }),
    });
    assert!(reads_review(&fx), "{fx:?}");
    let text = &app.shell.message.as_ref().expect("a message").text;
    assert!(
        text.contains("onto HB-M8-50: 4 lines landed · quantity 19 · correction 7"),
        "{text}"
    );
    assert!(app.review.deciding.is_none());
}

#[test]
fn no_and_esc_go_back_without_a_decision_and_three_needs_a_third_candidate() {
    let mut app = on_review(120, 36);
    ch(&mut app, '1');
    assert!(decide_effect(&ch(&mut app, 'n')).is_none());
    assert!(app.review.popup.is_none());
    ch(&mut app, '1');
    assert!(decide_effect(&press(&mut app, KeyCode::Esc)).is_none());
    assert!(app.review.popup.is_none());
    // The first group has two candidates: 3 does nothing (and the footer greys it).
    ch(&mut app, '3');
    assert!(app.review.popup.is_none());
    // 1–3 are the Review tab's: they do not switch tabs here.
    assert_eq!(app.shell.tab, Tab::Review);
}

#[test]
fn enter_picks_the_highlighted_candidate_and_l_h_move_the_highlight() {
    let mut app = on_review(120, 36);
    ch(&mut app, 'l');
    assert_eq!(app.review.candidate, 1);
    ch(&mut app, 'l');
    assert_eq!(app.review.candidate, 1, "stays on the last candidate");
    press(&mut app, KeyCode::Enter);
    let fx = ch(&mut app, 'y');
    assert_eq!(
        decide_effect(&fx),
        Some((11, Choice::Item("HB-M8-50".into())))
    );
    let mut app = on_review(120, 36);
    ch(&mut app, 'l');
    ch(&mut app, 'h');
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        decide_effect(&ch(&mut app, 'y')),
        Some((11, Choice::Item("HB-M8-40".into())))
    );
}

#[test]
fn n_opens_the_new_item_form_prefilled_and_its_fields_are_edited() {
    let mut app = on_review(120, 36);
    ch(&mut app, 'n');
    assert_eq!(app.context(), Context::NewItem);
    let Some(Popup::NewItem(f)) = &app.review.popup else {
        panic!("the new-item form: {:?}", app.review.popup);
    };
    assert_eq!(f.sku.text(), generated_sku("bolt hex m8 zinc"));
    assert_eq!(f.name.text(), "Hex Bolt M8 Zinc");
    // Typed text goes into the fields ('n', 'x', 's' are letters here, not commands).
    for _ in 0..f.sku.text().chars().count() {
        press(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, "HB-M8-NEW");
    press(&mut app, KeyCode::Tab);
    typed(&mut app, " (box of 100)");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.context(), Context::Confirm);
    assert_eq!(
        decide_effect(&ch(&mut app, 'y')),
        Some((
            11,
            Choice::New {
                sku: Some("HB-M8-NEW".into()),
                name: Some("Hex Bolt M8 Zinc (box of 100)".into()),
            }
        ))
    );
}

#[test]
fn an_empty_sku_is_refused_in_the_form() {
    let mut app = on_review(120, 36);
    ch(&mut app, 'n');
    for _ in 0..40 {
        press(&mut app, KeyCode::Backspace);
    }
    press(&mut app, KeyCode::Enter);
    let Some(Popup::NewItem(f)) = &app.review.popup else {
        panic!("the form stays open: {:?}", app.review.popup);
    };
    assert!(
        f.error
            .as_deref()
            .is_some_and(|e| e.contains("cannot be empty"))
    );
}

#[test]
fn x_rejects_after_asking_and_s_skips_to_the_next_group() {
    let mut app = on_review(120, 36);
    ch(&mut app, 's');
    assert_eq!(app.review.selected().map(|g| g.id), Some(15));
    ch(&mut app, 's');
    assert_eq!(app.review.selected().map(|g| g.id), Some(11), "wraps");
    ch(&mut app, 'j');
    ch(&mut app, 'x');
    assert_eq!(app.context(), Context::Confirm);
    assert_eq!(
        decide_effect(&ch(&mut app, 'y')),
        Some((15, Choice::Reject))
    );
}

#[test]
fn an_error_is_shown_and_the_list_is_read_again() {
    let mut app = on_review(120, 36);
    ch(&mut app, '1');
    ch(&mut app, 'y');
    let fx = app.update(Outcome::Decided {
        held_id: 11,
        description: "Hex Bolt M8 Zinc".into(),
        result: Err("there is no item HB-M8-40 (batchops inventory)".into()),
    });
    assert!(reads_review(&fx));
    let m = app.shell.message.as_ref().expect("a message");
    assert_eq!(m.level, batchops::console::vocab::Level::Error);
    assert!(
        m.text.contains("not decided: there is no item"),
        "{}",
        m.text
    );
}

#[test]
fn the_list_keeps_the_selected_group_when_read_again() {
    let mut app = on_review(120, 36);
    ch(&mut app, 'j');
    let mut fewer = groups();
    fewer.remove(0);
    app.update(loaded(&app, fewer));
    assert_eq!(app.review.selected().map(|g| g.id), Some(15));
    app.update(loaded(&app, Vec::new()));
    assert!(app.review.selected().is_none());
    assert!(decide_effect(&ch(&mut app, '1')).is_none());
    assert!(app.review.popup.is_none());
}

fn screen(app: &App, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("a test terminal");
    terminal
        .draw(|f| ui::draw(f, app, &Theme::colour()))
        .expect("drawn");
    terminal.backend().to_string()
}

#[test]
fn snapshots_at_the_three_sizes() {
    for (w, h) in [(60, 15), (120, 36), (250, 50)] {
        let app = on_review(w, h);
        let s = screen(&app, w, h);
        assert!(s.contains("Hex Bolt M8 Zinc"), "{w}x{h}:\n{s}");
        assert!(s.contains("HB-M8-40"), "{w}x{h}: the first candidate:\n{s}");
        insta::assert_snapshot!(format!("review_{w}x{h}"), s);
    }
    // The second group: three of its four candidates, the veto shown.
    let mut app = on_review(120, 36);
    ch(&mut app, 'j');
    let s = screen(&app, 120, 36);
    assert!(s.contains("✗ material stainless ≠ zinc"), "{s}");
    assert!(
        !s.contains("HS-M6-50"),
        "a fourth candidate is not shown:\n{s}"
    );
    insta::assert_snapshot!("review_second_group_120x36", s);
    ch(&mut app, 'n');
    insta::assert_snapshot!("review_new_item_120x36", screen(&app, 120, 36));
    press(&mut app, KeyCode::Enter);
    insta::assert_snapshot!("review_confirm_120x36", screen(&app, 120, 36));
}

const CATALOG: &str = "sku,description,quantity,unit_price\n\
HB-M8-40,Hex Bolt M8 x 40mm Zinc,100,0.12\n\
HB-M8-50,Hex Bolt M8 x 50mm Zinc,80,0.14\n";

const NO_SKU: &str = "sku,description,quantity,unit_price\n\
,Hex Bolt M8 Zinc,5,0.12\n\
,Hex Bolt M8 Zinc,7,0.12\n\
,Hex Bolt M8 Zinc,3,0.12\n";

/// Carry out one effect on the real runner and wait for its answer.
async fn answer(
    runner: &mut Runner,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Event>,
    effect: Effect,
) -> Outcome {
    assert!(runner.execute(effect));
    loop {
        match tokio::time::timeout(std::time::Duration::from_secs(30), rx.recv()).await {
            Ok(Some(Event::Done(o))) => return o,
            Ok(Some(_)) => continue,
            other => panic!("no answer from the runner: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_decision_from_the_tab_lands_the_held_lines_on_the_real_databases() {
    let (_d1, catalog) = write_file("catalog.csv", CATALOG);
    let (_d2, no_sku) = write_file("no-sku.csv", NO_SKU);
    for db in db::backends().await {
        for path in [&catalog, &no_sku] {
            library::import(&db, path, &ImportOptions::default()).await;
        }
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let (engine_tx, _engine_rx) = tokio::sync::mpsc::unbounded_channel();
        let mut runner = Runner::new(Arc::clone(&db.store), tx, engine_tx);
        let clock = clock();
        let mut app = app_with(&clock, 120, 36);
        let fx = ch(&mut app, '6');
        assert!(reads_review(&fx), "{}", db.kind);
        let read = fx
            .into_iter()
            .find(|e| matches!(e, Effect::LoadReview(_)))
            .expect("the groups read");
        let answered = answer(&mut runner, &mut rx, read).await;
        app.update(answered);
        let g = app.review.selected().expect("a held group").clone();
        assert_eq!(
            (g.lines, g.description.as_str()),
            (3, "Hex Bolt M8 Zinc"),
            "{}",
            db.kind
        );
        let second = g
            .candidates
            .iter()
            .position(|c| c.sku == "HB-M8-50")
            .expect("HB-M8-50 is a candidate");
        ch(&mut app, char::from(b'1' + second as u8));
        let fx = ch(&mut app, 'y');
        let effect = fx
            .into_iter()
            .find(|e| matches!(e, Effect::Decide { .. }))
            .expect("the decision");
        let decided = answer(&mut runner, &mut rx, effect).await;
        let fx = app.update(decided);
        let text = app.shell.message.as_ref().expect("a result").text.clone();
        assert!(
            text.contains("onto HB-M8-50: 3 lines landed · quantity 15 · correction"),
            "{}: {text}",
            db.kind
        );
        // The list is read again: nothing is left to decide.
        let reload = fx
            .into_iter()
            .find(|e| matches!(e, Effect::LoadReview(_)))
            .expect("read again");
        let answered = answer(&mut runner, &mut rx, reload).await;
        app.update(answered);
        assert!(
            app.review.groups.is_empty(),
            "{}: {:?}",
            db.kind,
            app.review.groups
        );
        let inventory: Vec<(String, Decimal)> = db
            .store
            .inventory()
            .await
            .expect("inventory")
            .into_iter()
            .map(|r| (r.sku, r.quantity))
            .collect();
        assert_eq!(
            inventory,
            vec![
                ("HB-M8-40".to_string(), Decimal::new(100, 0)),
                ("HB-M8-50".to_string(), Decimal::new(95, 0)),
            ],
            "{}",
            db.kind
        );
    }
}

#[tokio::test]
async fn v_on_the_runs_tab_asks_then_reverts_the_run_on_the_real_databases() {
    let (_d1, catalog) = write_file("catalog.csv", CATALOG);
    for db in db::backends().await {
        let report = library::import(&db, &catalog, &ImportOptions::default()).await;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let (engine_tx, _engine_rx) = tokio::sync::mpsc::unbounded_channel();
        let mut runner = Runner::new(Arc::clone(&db.store), tx, engine_tx);
        let clock = clock();
        let mut app = app_with(&clock, 120, 36);
        ch(&mut app, '4');
        let loaded = answer(&mut runner, &mut rx, Effect::LoadRuns).await;
        app.update(loaded);
        assert_eq!(app.runs.selected().map(|r| r.id), Some(report.run_id));
        assert!(
            !ch(&mut app, 'v')
                .iter()
                .any(|e| matches!(e, Effect::Revert { .. })),
            "asks first"
        );
        assert_eq!(app.context(), Context::Confirm, "{}", db.kind);
        let fx = ch(&mut app, 'y');
        let effect = fx
            .into_iter()
            .find(|e| matches!(e, Effect::Revert { .. }))
            .expect("the revert");
        let reverted = answer(&mut runner, &mut rx, effect).await;
        let fx = app.update(reverted);
        let text = app.shell.message.as_ref().expect("a result").text.clone();
        assert!(
            text.contains("reverted: 2 lines removed · quantity 180 subtracted · correction"),
            "{}: {text}",
            db.kind
        );
        assert!(fx.contains(&Effect::LoadRuns), "{}", db.kind);
        let loaded = answer(&mut runner, &mut rx, Effect::LoadRuns).await;
        app.update(loaded);
        assert!(
            !batchops::console::commands::enabled(
                &app,
                app.context(),
                batchops::console::vocab::Action::Revert
            ),
            "{}: a reverted run cannot be reverted again from the tab",
            db.kind
        );
        let quantities: Vec<Decimal> = db
            .store
            .inventory()
            .await
            .expect("inventory")
            .into_iter()
            .map(|r| r.quantity)
            .collect();
        assert!(
            quantities.iter().all(|q| q.is_zero()),
            "{}: {quantities:?}",
            db.kind
        );
    }
}

#[test]
fn on_an_empty_review_tab_the_number_keys_switch_tabs() {
    for (key, tab) in [('1', Tab::Batches), ('2', Tab::Run), ('3', Tab::Failed)] {
        let clock = clock();
        let mut app = app_with(&clock, 80, 24);
        ch(&mut app, '6');
        app.update(loaded(&app, Vec::new()));
        assert_eq!(app.shell.tab, Tab::Review);
        ch(&mut app, key);
        assert_eq!(app.shell.tab, tab, "{key} on an empty Review tab");
    }
}

#[test]
fn filters_narrow_the_groups_by_why_held_score_band_and_candidate_in_the_database() {
    let mut app = on_review(120, 36);
    let why = |app: &mut App| review_read(&ch(app, 'f')).map(|q| q.why);
    assert_eq!(why(&mut app), Some(Some(HeldKind::Veto)));
    assert_eq!(why(&mut app), Some(Some(HeldKind::OneSided)));
    assert_eq!(why(&mut app), Some(Some(HeldKind::CloseScore)));
    assert_eq!(why(&mut app), Some(None), "all again");
    let band = |app: &mut App| review_read(&ch(app, 'b')).map(|q| q.band);
    assert_eq!(band(&mut app), Some(Some(Band::High)));
    assert_eq!(band(&mut app), Some(Some(Band::Middle)));
    // The answer to the narrowed reading is what the tab shows, its title says so.
    app.update(loaded(&app, Vec::new()));
    assert!(app.review.groups.is_empty());
    assert!(
        screen(&app, 120, 36).contains("No held line matches the search and filters"),
        "{}",
        screen(&app, 120, 36)
    );
    let fx = press(&mut app, KeyCode::Esc);
    let q = review_read(&fx).expect("Esc reads the whole list again");
    assert_eq!((q.why, q.band, q.search.as_deref()), (None, None, None));
    app.update(loaded(&app, groups()));
    // C: only the groups whose top candidate is the highlighted group's.
    let fx = ch(&mut app, 'C');
    assert_eq!(
        review_read(&fx).and_then(|q| q.top_sku.as_deref()),
        Some("HB-M8-40")
    );
    let fx = ch(&mut app, 'C');
    assert_eq!(review_read(&fx).map(|q| q.top_sku.clone()), Some(None));
    // An answer to an older reading is dropped.
    let old = app.review.generation() - 1;
    app.update(Outcome::Review {
        generation: old,
        more: false,
        result: Ok(ReviewPage::default()),
    });
    assert_eq!(app.review.groups.len(), 2);
}

/// Many groups: the tab reads a page, and the next one (after the last group read) as the
/// selection nears its end.
#[test]
fn the_next_page_of_groups_is_read_as_the_selection_nears_the_end() {
    let clock = clock();
    let mut app = app_with(&clock, 120, 36);
    ch(&mut app, '6');
    let many: Vec<Group> = (0..GROUP_PAGE as i64)
        .map(|i| Group {
            alias: format!("group {i}"),
            id: 1000 + i,
            lines: 3,
            ..groups()[0].clone()
        })
        .collect();
    let last = (many[many.len() - 1].lines, many[many.len() - 1].id);
    app.update(Outcome::Review {
        generation: app.review.generation(),
        more: false,
        result: Ok(ReviewPage {
            groups: many,
            total_groups: 2 * GROUP_PAGE,
            total_lines: 6 * GROUP_PAGE,
        }),
    });
    assert!(
        ch(&mut app, 'j').is_empty(),
        "far from the end: nothing read"
    );
    let fx = ch(&mut app, 'G');
    let next = fx
        .iter()
        .find_map(|e| match e {
            Effect::LoadReview(r) if r.query.after.is_some() => Some(r.clone()),
            _ => None,
        })
        .expect("the next page");
    assert_eq!(next.query.after, Some(last));
    let more: Vec<Group> = (0..GROUP_PAGE as i64)
        .map(|i| Group {
            alias: format!("more {i}"),
            id: 5000 + i,
            lines: 3,
            ..groups()[0].clone()
        })
        .collect();
    app.update(Outcome::Review {
        generation: next.generation,
        more: true,
        result: Ok(ReviewPage {
            groups: more,
            total_groups: 2 * GROUP_PAGE,
            total_lines: 6 * GROUP_PAGE,
        }),
    });
    assert_eq!(app.review.groups.len() as u64, 2 * GROUP_PAGE);
    assert!(
        screen(&app, 120, 36).contains("1,000 groups, 3,000 held lines"),
        "{}",
        screen(&app, 120, 36)
    );
}

#[test]
fn space_selects_and_t_asks_with_the_lines_per_item_then_accepts_them_all() {
    let mut app = on_review(120, 36);
    ch(&mut app, ' ');
    assert_eq!(app.review.marked.len(), 1);
    assert_eq!(app.review.nav.selected, 1, "space moves down");
    ch(&mut app, 'A');
    assert!(app.review.marked.is_empty());
    ch(&mut app, 'a');
    assert_eq!(app.review.marked.len(), 2);
    let fx = ch(&mut app, 't');
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::AcceptTop { .. })),
        "asks first"
    );
    assert_eq!(app.context(), Context::Confirm);
    let s = screen(&app, 120, 36);
    for line in [
        "6 lines of 2 groups onto their top candidates:",
        "4 lines → HB-M8-40 (1 group)",
        "2 lines → HS-M6-20 (1 group)",
    ] {
        assert!(s.contains(line), "{line}:\n{s}");
    }
    let fx = ch(&mut app, 'y');
    assert!(
        fx.contains(&Effect::AcceptTop {
            held_ids: vec![11, 15]
        }),
        "{fx:?}"
    );
    // While it is applied, an undo waits.
    assert!(
        !ch(&mut app, 'u')
            .iter()
            .any(|e| matches!(e, Effect::UndoDecision { .. }))
    );
    assert!(app.review.popup.is_none());
}

const MORE_HELD: &str = "sku,description,quantity,unit_price\n\
HS-M6-20,Hex Screw M6 x 20mm Zinc,10,0.10\n\
HS-M6-30,Hex Screw M6 x 30mm Zinc,10,0.10\n\
,Hex Screw M6 Zinc,2,0.10\n\
,Hex Screw M6 Zinc,2,0.10\n";

/// The groups the database lists under each filter are those whose top candidate the tab reads
/// the same way (why held, score band, SKU), the search narrows their lines, and pages read one
/// after another are the whole list.
#[tokio::test]
async fn the_database_groups_narrows_and_pages_the_held_lines_as_the_tab_reads_them() {
    let (_d1, catalog) = write_file("catalog.csv", CATALOG);
    let (_d2, no_sku) = write_file("no-sku.csv", NO_SKU);
    let (_d3, more) = write_file("more.csv", MORE_HELD);
    for db in db::backends().await {
        for path in [&catalog, &no_sku, &more] {
            library::import(&db, path, &ImportOptions::default()).await;
        }
        let all = |q: GroupQuery| GroupQuery { limit: 100, ..q };
        let whole = db
            .store
            .held_groups(&all(GroupQuery::default()))
            .await
            .expect("the groups");
        assert_eq!(
            (whole.total_groups, whole.total_lines, whole.groups.len()),
            (2, 5, 2),
            "{}",
            db.kind
        );
        // The screws' group is held by a veto at 0.90 from now on.
        let screws = &whole.groups[1];
        assert_eq!(screws.first.description, "Hex Screw M6 Zinc", "{}", db.kind);
        // Written as the matcher writes a held line's candidates; 0.9 is the band's edge.
        let top = Candidate {
            sku: "HS-M6-30".into(),
            name: "Hex Screw M6 x 30mm Zinc".into(),
            score: 0.9,
            differed: vec!["length 20 mm ≠ 30 mm".into()],
            ..Candidate::default()
        };
        let veto = serde_json::json!({"reason": "a size differs", "candidates": [top]});
        let ids: Vec<i64> = db
            .store
            .held(&batchops::store::HeldFilter::OpenAlias(
                screws.first.alias.clone(),
            ))
            .await
            .expect("its lines")
            .iter()
            .map(|h| h.id)
            .collect();
        db.store
            .rehold(&ids, &veto.to_string())
            .await
            .expect("held anew");
        let whole: Vec<Group> = db
            .store
            .held_groups(&all(GroupQuery::default()))
            .await
            .expect("the groups")
            .groups
            .iter()
            .map(review::group_of)
            .collect();
        let aliases = |gs: &[Group]| gs.iter().map(|g| g.alias.clone()).collect::<Vec<_>>();
        let listed = |q: GroupQuery| {
            let store = Arc::clone(&db.store);
            async move {
                let page = store.held_groups(&all(q)).await.expect("a page");
                page.groups.iter().map(review::group_of).collect::<Vec<_>>()
            }
        };
        for why in [HeldKind::Veto, HeldKind::OneSided, HeldKind::CloseScore] {
            let expected: Vec<Group> = whole.iter().filter(|g| g.kind() == why).cloned().collect();
            let got = listed(GroupQuery {
                why: Some(why),
                ..GroupQuery::default()
            })
            .await;
            assert_eq!(aliases(&got), aliases(&expected), "{}: {why:?}", db.kind);
        }
        assert_eq!(
            whole.iter().map(|g| g.kind()).collect::<Vec<_>>(),
            vec![HeldKind::OneSided, HeldKind::Veto],
            "{}",
            db.kind
        );
        for band in [Band::High, Band::Middle, Band::Low] {
            let expected: Vec<Group> = whole
                .iter()
                .filter(|g| band.holds(g.top_score()))
                .cloned()
                .collect();
            let got = listed(GroupQuery {
                band: Some(band),
                ..GroupQuery::default()
            })
            .await;
            assert_eq!(aliases(&got), aliases(&expected), "{}: {band:?}", db.kind);
        }
        let got = listed(GroupQuery {
            top_sku: Some("HS-M6-30".into()),
            ..GroupQuery::default()
        })
        .await;
        assert_eq!(aliases(&got), aliases(&whole[1..]), "{}", db.kind);
        let searched = db
            .store
            .held_groups(&all(GroupQuery {
                search: Some("SCREW m6".into()),
                ..GroupQuery::default()
            }))
            .await
            .expect("a search");
        assert_eq!(
            (searched.total_groups, searched.total_lines),
            (1, 2),
            "{}",
            db.kind
        );
        // One group a page, each after the last: the whole list, runs and all.
        let mut paged = Vec::new();
        let mut after = None;
        loop {
            let page = db
                .store
                .held_groups(&GroupQuery {
                    after,
                    limit: 1,
                    ..GroupQuery::default()
                })
                .await
                .expect("a page");
            let Some(g) = page.groups.first() else { break };
            assert_eq!(page.total_groups, 2, "{}", db.kind);
            after = Some((g.lines, g.first.id));
            paged.push(review::group_of(g));
        }
        assert_eq!(paged, whole, "{}", db.kind);
        assert_eq!(whole[0].runs.len(), 1, "{}", db.kind);
    }
}

/// Keys typed while the groups are read wait for the answer and make one reading, of the last
/// text.
#[test]
fn keys_typed_while_the_groups_are_read_make_one_search_of_the_last_text() {
    let mut app = on_review(120, 36);
    ch(&mut app, '/');
    let asked = review_read(&ch(&mut app, 'h'))
        .cloned()
        .expect("a search at once");
    assert_eq!(asked.search.as_deref(), Some("h"));
    for c in "ex".chars() {
        assert!(
            review_read(&ch(&mut app, c)).is_none(),
            "one reading at a time"
        );
    }
    let fx = app.update(loaded(&app, groups()));
    let again = review_read(&fx)
        .cloned()
        .expect("the last text, once the answer came");
    assert_eq!(again.search.as_deref(), Some("hex"));
    assert!(review_read(&app.update(loaded(&app, groups()))).is_none());
}

/// A selected group that a decision took is selected no more (the selection keeps groups not
/// read again, so it lets go of the decided ones itself).
#[test]
fn a_decided_group_leaves_the_selection() {
    let mut app = on_review(120, 36);
    ch(&mut app, ' ');
    ch(&mut app, ' ');
    assert_eq!(app.review.marked.len(), 2);
    app.update(Outcome::Decided {
        held_id: 11,
        description: "Hex Bolt M8 Zinc".into(),
        result: Ok(review::Outcome {
            correction_id: Some(7),
            alias: "bolt hex m8 zinc".into(),
            lines: 4,
            landed: 4,
            quantity: Decimal::new(19, 0),
            sku: Some("HB-M8-40".into()),
            rejected: Vec::new(),
            still_held: 0,
        }),
    });
    let left: Vec<&String> = app.review.marked.keys().collect();
    assert_eq!(left, vec!["hex m6 screw stainless"]);
}
