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
use batchops::console::tabs::review::Popup;
use batchops::console::tasks::Runner;
use batchops::console::theme::Theme;
use batchops::console::ui;
use batchops::console::vocab::{Effect, Outcome, Tab};
use batchops::domain::Candidate;
use batchops::engine::ImportOptions;
use batchops::engine::review::{self, Choice, Group};
use batchops::mapping::generated_sku;
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

/// The app on the Review tab with the fixed groups loaded.
fn on_review(w: u16, h: u16) -> App {
    let clock = clock();
    let mut app = app_with(&clock, w, h);
    let fx = ch(&mut app, '6');
    assert_eq!(app.shell.tab, Tab::Review);
    assert!(fx.contains(&Effect::LoadReview), "{fx:?}");
    app.update(Outcome::Review(Ok(groups())));
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
    assert!(fx.contains(&Effect::LoadReview), "{fx:?}");
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
    assert!(fx.contains(&Effect::LoadReview));
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
    app.update(Outcome::Review(Ok(fewer)));
    assert_eq!(app.review.selected().map(|g| g.id), Some(15));
    app.update(Outcome::Review(Ok(Vec::new())));
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
        assert!(fx.contains(&Effect::LoadReview), "{}", db.kind);
        let loaded = answer(&mut runner, &mut rx, Effect::LoadReview).await;
        app.update(loaded);
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
            .find(|e| *e == Effect::LoadReview)
            .expect("read again");
        let loaded = answer(&mut runner, &mut rx, reload).await;
        app.update(loaded);
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
        app.update(Outcome::Review(Ok(Vec::new())));
        assert_eq!(app.shell.tab, Tab::Review);
        ch(&mut app, key);
        assert_eq!(app.shell.tab, tab, "{key} on an empty Review tab");
    }
}

#[test]
fn filters_narrow_the_groups_by_why_held_score_band_and_candidate() {
    let mut app = on_review(120, 36);
    let shown = |app: &App| -> Vec<String> {
        app.review
            .groups
            .iter()
            .map(|g| g.description.clone())
            .collect()
    };
    // f: held by a veto (the screws' top candidate states another material).
    ch(&mut app, 'f');
    assert_eq!(shown(&app), vec!["Hex Screw M6 Stainless"]);
    // f again: an attribute stated on one side only.
    ch(&mut app, 'f');
    assert_eq!(shown(&app), vec!["Hex Bolt M8 Zinc"]);
    ch(&mut app, 'f');
    assert!(shown(&app).is_empty(), "no group is held by a close score");
    ch(&mut app, 'f');
    assert_eq!(shown(&app).len(), 2, "all again");
    // b: the top score's band (1.00 and 0.93 are both 0.90 and up; none below 0.75).
    ch(&mut app, 'b');
    assert_eq!(shown(&app).len(), 2);
    ch(&mut app, 'b');
    assert!(shown(&app).is_empty(), "0.75 to 0.90");
    press(&mut app, KeyCode::Esc);
    assert_eq!(shown(&app).len(), 2, "Esc clears the filters");
    // C: only the groups whose top candidate is the highlighted group's.
    ch(&mut app, 'C');
    assert_eq!(shown(&app), vec!["Hex Bolt M8 Zinc"]);
    ch(&mut app, 'C');
    assert_eq!(shown(&app).len(), 2);
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
