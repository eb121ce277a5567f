//! Fixtures for the console tests: a hand-driven clock, an app, keys, and deterministic rows.
#![allow(dead_code)]

use batchops::console::app::App;
use batchops::console::clock::ManualClock;
use batchops::console::commands;
use batchops::console::vocab::{Effect, Listing, Msg, Outcome};
use batchops::domain::{
    DecisionCounts, FailedLine, Mode, Phase, PhaseReport, RunReport, RunStatus,
};
use batchops::input::{BatchFile, InputFormat};
use batchops::store::{FailedRow, RunRow};
use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub const URL: &str = "sqlite:/var/lib/batchops/batchops.db";

pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(Duration::from_secs(100)))
}

pub fn app_with(clock: &Arc<ManualClock>, w: u16, h: u16) -> App {
    let mut app = App::new(clock.clone(), "sqlite", URL);
    app.update(Msg::Resize(w, h));
    app.start(Vec::new(), None);
    app.update(Outcome::Pong(Ok(Duration::from_micros(210))));
    app
}

pub fn app() -> (App, Arc<ManualClock>) {
    let c = clock();
    (app_with(&c, 80, 24), c)
}

/// Press a key the way the console does: through the keymap of the current context.
pub fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    press_mod(app, code, KeyModifiers::NONE)
}

pub fn press_mod(app: &mut App, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
    match commands::action_for(app.context(), &KeyEvent::new(code, mods)) {
        Some(action) => app.update(action),
        None => Vec::new(),
    }
}

pub fn ch(app: &mut App, c: char) -> Vec<Effect> {
    let mods = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    press_mod(app, KeyCode::Char(c), mods)
}

pub fn typed(app: &mut App, text: &str) -> Vec<Effect> {
    text.chars().flat_map(|c| ch(app, c)).collect()
}

pub fn batch_file(path: &str, lines: u64, key: &str) -> BatchFile {
    BatchFile {
        path: PathBuf::from(path),
        format: InputFormat::from_path(std::path::Path::new(path)).unwrap_or(InputFormat::Csv),
        size_bytes: lines * 48,
        sha256: format!("{key:0<64}"),
        estimated_lines: lines,
        spool: None,
        analysed: Default::default(),
    }
}

/// Load files as the runtime answers: listed, then inspected.
pub fn load(app: &mut App, files: &[BatchFile]) {
    let paths: Vec<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
    let fx = app.update(Outcome::Listed {
        path: PathBuf::from("."),
        chosen: false,
        result: Ok(Listing {
            files: paths,
            skipped: Vec::new(),
        }),
    });
    for (effect, file) in fx.into_iter().zip(files) {
        let Effect::Inspect { batch, .. } = effect else {
            panic!("expected an inspection, got {effect:?}");
        };
        app.update(Outcome::Inspected {
            batch,
            result: Ok(file.clone()),
        });
    }
}

pub fn phases(
    mapping: f64,
    insert: f64,
    update: f64,
    fallback: f64,
    items: u64,
    stmts: [u64; 4],
) -> Vec<PhaseReport> {
    [
        (Phase::Mapping, mapping),
        (Phase::BatchInsert, insert),
        (Phase::InventoryUpdate, update),
        (Phase::Fallback, fallback),
    ]
    .into_iter()
    .zip(stmts)
    .map(|((name, seconds), statements)| PhaseReport {
        name,
        seconds,
        items: if name == Phase::Fallback && fallback == 0.0 {
            0
        } else {
            items
        },
        statements,
    })
    .collect()
}

pub fn report(
    run_id: i64,
    mode: Mode,
    status: RunStatus,
    items: u64,
    failed: u64,
    seconds: f64,
) -> RunReport {
    let stmts = match mode {
        Mode::Batch => [0, 8, 2, 0],
        _ => [0, items * 3, items, 0],
    };
    RunReport {
        run_id,
        source: "sample-data/invoice-acme-2026-11.csv".into(),
        import_key: format!("{:0<64}", "f9874d35"),
        mode,
        status,
        dry_run: false,
        invoice: Default::default(),
        explained: Vec::new(),
        items_total: items,
        items_processed: items - failed,
        items_already_imported: 0,
        items_failed: failed,
        items_held: 0,
        failed_items: (0..failed)
            .map(|i| FailedLine {
                line: 15 + 7 * i,
                error: "quantity \"1,5\" has a comma".into(),
                phase: Phase::Parse,
                sqlstate: None,
            })
            .collect(),
        processing_time_seconds: seconds,
        items_per_second: items as f64 / seconds,
        phases: phases(
            seconds * 0.2,
            seconds * 0.5,
            seconds * 0.3,
            0.0,
            items,
            stmts,
        ),
        statements_executed: stmts.iter().sum(),
        chunks_committed: 1,
        decisions: DecisionCounts {
            sku: (items - failed).saturating_sub(2),
            alias: 1,
            fuzzy: 1,
            created: 0,
            held: 0,
        },
        fallbacks: Vec::new(),
        transient_retries: 0,
        stop_reason: None,
    }
}

pub fn run_row(
    id: i64,
    mode: Mode,
    status: RunStatus,
    items: u64,
    failed: u64,
    seconds: f64,
) -> RunRow {
    let report = report(id, mode, status, items, failed, seconds);
    RunRow {
        id,
        source: report.source.clone(),
        import_key: report.import_key.clone(),
        mode,
        status,
        operator: "ops".into(),
        dry_run: false,
        rehearsal: false,
        started_at: Utc
            .with_ymd_and_hms(2026, 11, 29, 6, 0, 0)
            .single()
            .expect("a time")
            + chrono::Duration::minutes(id * 7),
        finished_at: Some(
            Utc.with_ymd_and_hms(2026, 11, 29, 6, 1, 0)
                .single()
                .expect("a time")
                + chrono::Duration::minutes(id * 7),
        ),
        items_total: items,
        items_processed: items - failed,
        items_already_imported: 0,
        items_failed: failed,
        items_held: report.items_held,
        processing_seconds: seconds,
        statements: report.statements_executed,
        chunk_size: 500,
        invoice: Default::default(),
        sku_column: None,
        report: Some(report),
    }
}

pub fn failed_row(id: i64, run_id: i64, line: u64) -> FailedRow {
    let (fields, error, phase, sqlstate, decision) = match line % 3 {
        0 => (
            vec![
                ("sku", "ACM-20510"),
                ("description", "Hex Nut M8 Zinc"),
                ("quantity", "1,5"),
                ("unit_price", "0.05"),
            ],
            "quantity \"1,5\" has a comma: use a point for decimals and no thousands separators"
                .to_string(),
            Phase::Parse,
            None,
            None,
        ),
        1 => (
            vec![
                ("sku", "ACM-60110"),
                ("description", "Masking Tape 25mm x 50m"),
                ("quantity", "12"),
                ("unit_price", "abc"),
            ],
            "unit_price \"abc\" is not a decimal number".to_string(),
            Phase::Parse,
            None,
            None,
        ),
        _ => (
            vec![
                ("sku", "ACM-9\u{1b}[31mX"),
                ("description", "Cable Tie\t200mm"),
                ("quantity", "99999999999999999"),
                ("unit_price", "1.00"),
            ],
            "numeric field overflow".to_string(),
            Phase::BatchInsert,
            Some("22003".to_string()),
            Some("created item ACM-9".to_string()),
        ),
    };
    let fields: Vec<(String, String)> = fields
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    FailedRow {
        id,
        run_id,
        import_key: format!("{:0<64}", "f9874d35"),
        line,
        raw_record: fields
            .iter()
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
            .join(","),
        fields,
        corrected: None,
        phase,
        error,
        sqlstate,
        decision,
        attempts: 1,
        resolved_at: None,
    }
}
