//! Property: every line identity (import key, line) is in exactly one state — landed, held (open),
//! failed (open), or none yet — whatever sequence of imports, re-imports, stopped runs, resumes,
//! review decisions, retries, fixed reject files and reverts a small batch goes through; the
//! inventory is the sum of the landed quantities; and a stopped run, resumed, ends exactly where
//! one uninterrupted run of the same file ends. Review decisions come one group at a time, in bulk
//! (every open group onto its top candidate, one transaction) and undone (the newest decision
//! still standing: its lines held again, its stock taken back).
//!
//! The model is plain: it maps the file once in memory with the real mapper over the starting
//! catalog (plus the aliases operators taught by their decisions), which is what one uninterrupted
//! run does, and moves each line between states by the transitions of
//! [`batchops::domain::line_state`].

use crate::support::db::{LineStates, TestDb, line_states, nonzero_inventory};
use crate::support::library::import;
use crate::support::property::{config, on_postgres, on_sqlite};
use batchops::engine::review::{Choice, accept_top, candidates_of, decide, undo};
use batchops::engine::{ErrorBudget, EventSink, ImportOptions, RetryOptions, retry_failed};
use batchops::mapping::{
    AliasEntry, Catalog, CatalogItem, DEFAULT_MATCH_THRESHOLD, Mapped, Mapper,
};
use batchops::store::{FailedQuery, HeldFilter};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::Path;
use tokio_util::sync::CancellationToken;

/// The starting catalog: two bolts that a description without its length cannot tell apart.
const CATALOG: [(&str, &str); 3] = [
    ("HB-M8-40", "Hex Bolt M8 x 40mm Zinc"),
    ("HB-M8-50", "Hex Bolt M8 x 50mm Zinc"),
    ("CP-15", "Copper Pipe 15mm 3m"),
];

#[derive(Debug, Clone)]
enum Line {
    /// By SKU, known item.
    Known { item: usize, qty: u32 },
    /// Description only, held (two candidates) unless something the run made decides it.
    Ambiguous { qty: u32 },
    /// A new SKU named like the ambiguous description: created by the run.
    NewSku { n: u8, qty: u32 },
    /// A description nothing in the catalog reads like: a new item created by the run.
    Fresh { qty: u32 },
    /// Fails to parse (quantity NaN); its fixed version lands on HB-M8-40 with quantity 3.
    Bad,
}

const FIXED_QTY: u32 = 3;

#[derive(Debug, Clone)]
enum Stop {
    No,
    /// `max_lines`.
    Lines(u64),
    /// `--max-errors` with this chunk size.
    Budget {
        errors: u64,
        chunk: usize,
    },
}

#[derive(Debug, Clone)]
enum Op {
    Import {
        stop: Stop,
        chunk: usize,
    },
    /// Resume the newest stopped run.
    Resume {
        chunk: usize,
    },
    /// Decide the n-th open held group onto its c-th candidate.
    Decide {
        group: usize,
        candidate: usize,
    },
    /// Retry the failed lines of the n-th import run.
    Retry(usize),
    /// Import the fixed reject file of the n-th import run.
    FixRejects(usize),
    /// Revert the n-th import run.
    Revert(usize),
    /// Accept the top candidate of every open held group, in one decision.
    AcceptTop,
    /// Undo the newest review decision still standing.
    Undo,
}

fn line() -> impl Strategy<Value = Line> {
    let qty = 1u32..50;
    prop_oneof![
        3 => (0usize..3, qty.clone()).prop_map(|(item, qty)| Line::Known { item, qty }),
        3 => qty.clone().prop_map(|qty| Line::Ambiguous { qty }),
        2 => (1u8..3, qty.clone()).prop_map(|(n, qty)| Line::NewSku { n, qty }),
        1 => qty.prop_map(|qty| Line::Fresh { qty }),
        1 => Just(Line::Bad),
    ]
}

fn stop() -> impl Strategy<Value = Stop> {
    prop_oneof![
        2 => Just(Stop::No),
        2 => (1u64..12).prop_map(Stop::Lines),
        1 => (0u64..2, 1usize..4).prop_map(|(errors, chunk)| Stop::Budget { errors, chunk }),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (stop(), 1usize..5).prop_map(|(stop, chunk)| Op::Import { stop, chunk }),
        3 => (1usize..5).prop_map(|chunk| Op::Resume { chunk }),
        2 => (0usize..4, 0usize..3).prop_map(|(group, candidate)| Op::Decide { group, candidate }),
        1 => (0usize..4).prop_map(Op::Retry),
        1 => (0usize..4).prop_map(Op::FixRejects),
        1 => (0usize..4).prop_map(Op::Revert),
        1 => Just(Op::AcceptTop),
        2 => Just(Op::Undo),
    ]
}

fn csv(lines: &[Line]) -> String {
    let mut s = String::from("sku,description,quantity,unit_price\n");
    for l in lines {
        s.push_str(&match l {
            Line::Known { item, qty } => format!("{},,{qty},1.00", CATALOG[*item].0),
            Line::Ambiguous { qty } => format!(",Hex Bolt M8 Zinc,{qty},1.00"),
            Line::NewSku { n, qty } => format!("NEW-{n},Hex Bolt M8 Zinc,{qty},1.00"),
            Line::Fresh { qty } => format!(",Teflon Tape 12mm,{qty},1.00"),
            Line::Bad => "HB-M8-40,Bad quantity,NaN,1.00".into(),
        });
        s.push('\n');
    }
    s
}

/// What one uninterrupted run makes of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Land { sku: String, qty: Decimal },
    Hold { alias: String },
    Fail,
}

/// The state of a line identity in the model.
#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// `owner`: the run whose revert frees it.
    Landed {
        sku: String,
        qty: Decimal,
        owner: i64,
    },
    Held {
        alias: String,
        run: i64,
    },
    Failed {
        run: i64,
    },
}

struct Model {
    lines: Vec<Line>,
    states: BTreeMap<u64, State>,
    /// Aliases operators taught: key → SKU.
    taught: Vec<(String, String)>,
    /// Import runs, oldest first, and whether each was reverted.
    runs: Vec<(i64, bool)>,
    /// The newest run that stopped before the end of the file, not resumed since.
    stopped: Option<i64>,
    /// Review decisions still standing, oldest first: the lines each decided (and the run that
    /// held them) and the (alias, SKU) pairs it taught.
    decisions: Vec<Decision>,
}

struct Decision {
    lines: Vec<(u64, String, i64)>,
    taught: Vec<(String, String)>,
}

impl Model {
    /// Map the whole file as one uninterrupted run does, over the starting catalog and the
    /// aliases taught so far.
    fn outcomes(&self, path: &Path) -> Vec<Outcome> {
        let items = CATALOG
            .iter()
            .map(|(sku, name)| CatalogItem {
                sku: sku.to_string(),
                name: name.to_string(),
            })
            .collect();
        let aliases: Vec<AliasEntry> = self
            .taught
            .iter()
            .map(|(alias, sku)| AliasEntry {
                alias: alias.clone(),
                sku: sku.clone(),
                learned_by: "operator".into(),
            })
            .collect();
        let mut mapper = Mapper::new(Catalog::new(items, aliases), DEFAULT_MATCH_THRESHOLD);
        let file = batchops::input::inspect(path, None).unwrap();
        batchops::input::open(&file)
            .unwrap()
            .map(|r| match r {
                Ok(item) => match mapper.map(item) {
                    Mapped::Land(m) => Outcome::Land {
                        sku: m.sku.to_string(),
                        qty: m.quantity,
                    },
                    Mapped::Hold(h) => Outcome::Hold {
                        alias: h.alias.to_string(),
                    },
                },
                Err(_) => Outcome::Fail,
            })
            .collect()
    }

    /// A run over lines `from..=to` of the file: lines with a state keep it, the others take
    /// their uninterrupted outcome.
    fn run_over(&mut self, outcomes: &[Outcome], run: i64, lines: impl Iterator<Item = u64>) {
        for line in lines {
            if self.states.contains_key(&line) {
                continue;
            }
            let state = match &outcomes[line as usize - 1] {
                Outcome::Land { sku, qty } => State::Landed {
                    sku: sku.clone(),
                    qty: *qty,
                    owner: run,
                },
                Outcome::Hold { alias } => State::Held {
                    alias: alias.clone(),
                    run,
                },
                Outcome::Fail => State::Failed { run },
            };
            self.states.insert(line, state);
        }
    }

    /// Where a run stopped by an error budget stops: the first line of the chunk that spends it
    /// (that chunk is not written), counting the lines that fail now and those failed before (so
    /// a resumed run stops where one uninterrupted run stops).
    fn budget_end(&self, outcomes: &[Outcome], errors: u64, chunk: usize) -> u64 {
        let n = outcomes.len() as u64;
        let mut failed = 0;
        let mut first = 1;
        while first <= n {
            let last = (first + chunk as u64 - 1).min(n);
            failed += (first..=last)
                .filter(|l| match self.states.get(l) {
                    None => outcomes[*l as usize - 1] == Outcome::Fail,
                    Some(s) => matches!(s, State::Failed { .. }),
                })
                .count() as u64;
            if failed > errors {
                return first - 1;
            }
            first = last + 1;
        }
        n
    }

    fn inventory(&self) -> BTreeMap<String, Decimal> {
        let mut inv: BTreeMap<String, Decimal> = BTreeMap::new();
        for s in self.states.values() {
            if let State::Landed { sku, qty, .. } = s {
                *inv.entry(sku.clone()).or_default() += qty;
            }
        }
        inv.retain(|_, q| !q.is_zero());
        inv
    }
}

fn expected(m: &Model) -> LineStates {
    let mut o = LineStates::default();
    for (line, s) in &m.states {
        match s {
            State::Landed { sku, .. } => {
                o.landed.insert(*line, sku.clone());
            }
            State::Held { alias, .. } => {
                o.held.insert(*line, alias.clone());
            }
            State::Failed { .. } => {
                o.failed.insert(*line);
            }
        }
    }
    o
}

/// The check after every step: no identity in two states (counted in the tables themselves),
/// every line where the model says, the inventory the sum of the landed quantities.
async fn check_step(db: &TestDb, m: &Model, ctx: &str) -> Result<(), TestCaseError> {
    let twice = db
        .scalar(
            "SELECT COUNT(*) FROM (SELECT import_key, line FROM ( \
               SELECT import_key, line FROM transactions \
               UNION ALL SELECT import_key, line FROM held_lines WHERE decided_at IS NULL \
               UNION ALL SELECT DISTINCT import_key, line FROM failed_items WHERE resolved_at IS NULL \
             ) AS s GROUP BY import_key, line HAVING COUNT(*) > 1) AS x",
        )
        .await;
    let seen = line_states(db).await;
    prop_assert_eq!(twice, 0, "{}: a line in two states: {:?}", ctx, seen);
    prop_assert_eq!(
        &seen,
        &expected(m),
        "{}: lines not where one uninterrupted run puts them",
        ctx
    );
    prop_assert_eq!(
        nonzero_inventory(db).await,
        m.inventory(),
        "{}: inventory",
        ctx
    );
    Ok(())
}

async fn check(db: TestDb, lines: Vec<Line>, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("batch.csv");
    std::fs::write(&path, csv(&lines)).unwrap();
    for (sku, name) in CATALOG {
        db.exec(&format!(
            "INSERT INTO inventory_items (sku, name) VALUES ('{sku}', '{name}')"
        ))
        .await;
    }
    let n = lines.len() as u64;
    let mut m = Model {
        lines,
        states: BTreeMap::new(),
        taught: Vec::new(),
        runs: Vec::new(),
        stopped: None,
        decisions: Vec::new(),
    };
    // Every case ends by resuming what is left stopped.
    let ops = ops.into_iter().chain([Op::Resume { chunk: 3 }]);
    for (step, op) in ops.enumerate() {
        let ctx = format!("{} step {step} {op:?}", db.kind);
        let outcomes = m.outcomes(&path);
        match op {
            Op::Import { stop, chunk } => {
                let mut opts = ImportOptions {
                    chunk_size: chunk,
                    ..ImportOptions::default()
                };
                let end = match stop {
                    Stop::No => n,
                    Stop::Lines(l) => {
                        opts.max_lines = Some(l);
                        l.min(n)
                    }
                    Stop::Budget { errors, chunk } => {
                        opts.chunk_size = chunk;
                        opts.max_errors = Some(ErrorBudget::Count(errors));
                        m.budget_end(&outcomes, errors, chunk)
                    }
                };
                let r = import(&db, &path, &opts).await;
                m.runs.push((r.run_id, false));
                m.run_over(&outcomes, r.run_id, 1..=end);
                if end < n && matches!(stop, Stop::Lines(_)) {
                    // Cut short by max_lines: resumed as a cancel at that line would be.
                    db.exec(&format!(
                        "UPDATE import_runs SET status = 'cancelled' WHERE id = {}",
                        r.run_id
                    ))
                    .await;
                }
                m.stopped = (end < n).then_some(r.run_id);
            }
            Op::Resume { chunk } => {
                let Some(run) = m.stopped.take() else {
                    continue;
                };
                let opts = ImportOptions {
                    chunk_size: chunk,
                    resume_run: Some(run),
                    ..ImportOptions::default()
                };
                let r = import(&db, &path, &opts).await;
                prop_assert_eq!(r.run_id, run, "{}", ctx);
                m.run_over(&outcomes, run, 1..=n);
            }
            Op::Decide { group, candidate } => {
                let open = db.store.held(&HeldFilter::Open).await.unwrap();
                let mut aliases: Vec<&str> = open.iter().map(|h| h.alias.as_str()).collect();
                aliases.dedup();
                if aliases.is_empty() {
                    continue;
                }
                let alias = aliases[group % aliases.len()];
                let row = open.iter().find(|h| h.alias == alias).unwrap();
                let (_, candidates) = candidates_of(row);
                prop_assert!(
                    !candidates.is_empty(),
                    "{}: a held line without candidates",
                    ctx
                );
                let sku = candidates[candidate % candidates.len()].sku.clone();
                decide(&*db.store, row.id, &Choice::Item(sku.clone()), "model")
                    .await
                    .expect("decide");
                let mut decided = Vec::new();
                for (line, s) in m.states.iter_mut() {
                    if let State::Held { alias: a, run } = s
                        && a == alias
                    {
                        let l = &m.lines[*line as usize - 1];
                        let qty = match l {
                            Line::Ambiguous { qty } => Decimal::from(*qty),
                            other => panic!("held {other:?}"),
                        };
                        decided.push((*line, a.clone(), *run));
                        *s = State::Landed {
                            sku: sku.clone(),
                            qty,
                            owner: *run,
                        };
                    }
                }
                m.taught.retain(|(a, _)| a != alias);
                m.taught.push((alias.to_string(), sku.clone()));
                m.decisions.push(Decision {
                    lines: decided,
                    taught: vec![(alias.to_string(), sku)],
                });
            }
            Op::AcceptTop => {
                let open = db.store.held(&HeldFilter::Open).await.unwrap();
                let mut tops: Vec<(i64, String, String)> = Vec::new();
                for h in &open {
                    if tops.iter().any(|(_, a, _)| *a == h.alias) {
                        continue;
                    }
                    let (_, candidates) = candidates_of(h);
                    prop_assert!(!candidates.is_empty(), "{}: no candidate", ctx);
                    tops.push((h.id, h.alias.clone(), candidates[0].sku.clone()));
                }
                if tops.is_empty() {
                    continue;
                }
                let ids: Vec<i64> = tops.iter().map(|t| t.0).collect();
                let done = accept_top(&*db.store, &ids, "model")
                    .await
                    .expect("accept the top candidates");
                let held_now = m
                    .states
                    .values()
                    .filter(|s| matches!(s, State::Held { .. }))
                    .count() as u64;
                prop_assert_eq!(done.landed, held_now, "{}: every held line lands once", ctx);
                let mut decided = Vec::new();
                for (line, s) in m.states.iter_mut() {
                    if let State::Held { alias, run } = s {
                        let sku = tops.iter().find(|t| t.1 == *alias).unwrap().2.clone();
                        let qty = match &m.lines[*line as usize - 1] {
                            Line::Ambiguous { qty } => Decimal::from(*qty),
                            other => panic!("held {other:?}"),
                        };
                        decided.push((*line, alias.clone(), *run));
                        *s = State::Landed {
                            sku,
                            qty,
                            owner: *run,
                        };
                    }
                }
                let taught: Vec<(String, String)> =
                    tops.into_iter().map(|(_, a, sku)| (a, sku)).collect();
                for (a, sku) in &taught {
                    m.taught.retain(|(t, _)| t != a);
                    m.taught.push((a.clone(), sku.clone()));
                }
                m.decisions.push(Decision {
                    lines: decided,
                    taught,
                });
            }
            Op::Undo => {
                // Decisions whose every line a revert freed are gone from the database too.
                while m.decisions.last().is_some_and(|d| d.lines.is_empty()) {
                    m.decisions.pop();
                }
                let Some(d) = m.decisions.pop() else {
                    let refused = undo(&*db.store, None, "model").await;
                    prop_assert!(refused.is_err(), "{}: nothing to undo", ctx);
                    continue;
                };
                let id = db
                    .store
                    .corrections()
                    .last_review()
                    .await
                    .unwrap()
                    .expect("a decision to undo");
                let done = undo(&*db.store, Some(id), "model").await.expect("undo");
                prop_assert_eq!(
                    done.lines,
                    d.lines.len() as u64,
                    "{}: lines held again",
                    ctx
                );
                for (line, alias, run) in &d.lines {
                    m.states.insert(
                        *line,
                        State::Held {
                            alias: alias.clone(),
                            run: *run,
                        },
                    );
                }
                for pair in &d.taught {
                    m.taught.retain(|t| t != pair);
                }
                // Undone again (by its id): nothing changes.
                let again = undo(&*db.store, Some(id), "model")
                    .await
                    .expect("undo again");
                prop_assert_eq!(
                    (again.correction_id, again.lines),
                    (None, 0),
                    "{}: a second undo",
                    ctx
                );
            }
            Op::Retry(i) => {
                let Some(&(run, false)) = m.runs.get(i % m.runs.len().max(1)) else {
                    continue;
                };
                retry_failed(
                    &*db.store,
                    run,
                    &RetryOptions::default(),
                    &EventSink::none(),
                    &CancellationToken::new(),
                )
                .await
                .expect("retry runs");
                // The bad lines fail again: they stay failed.
            }
            Op::FixRejects(i) => {
                let Some(&(run, false)) = m.runs.get(i % m.runs.len().max(1)) else {
                    continue;
                };
                let query = FailedQuery {
                    unresolved_only: true,
                    ..FailedQuery::all()
                };
                let rows = db.store.failed_page(run, &query).await.unwrap();
                if rows.is_empty() {
                    continue;
                }
                let mut out = Vec::new();
                batchops::report::reject_file(&rows, &mut out).unwrap();
                let fixed = String::from_utf8(out)
                    .unwrap()
                    .replace(",NaN,", &format!(",{FIXED_QTY},"));
                let reject = dir.path().join(format!("rejects-{step}.csv"));
                std::fs::write(&reject, fixed).unwrap();
                let r = import(&db, &reject, &ImportOptions::default()).await;
                prop_assert!(r.failed_items.is_empty(), "{}: {:?}", ctx, r);
                for f in &rows {
                    let s = m.states.get_mut(&f.line).unwrap();
                    prop_assert_eq!(&*s, &State::Failed { run }, "{}", ctx);
                    *s = State::Landed {
                        sku: "HB-M8-40".into(),
                        qty: Decimal::from(FIXED_QTY),
                        owner: run,
                    };
                }
            }
            Op::Revert(i) => {
                let Some(&(run, false)) = m.runs.get(i % m.runs.len().max(1)) else {
                    continue;
                };
                db.store
                    .corrections()
                    .revert_run(run, "model")
                    .await
                    .expect("revert");
                m.runs.iter_mut().find(|(r, _)| *r == run).unwrap().1 = true;
                if m.stopped == Some(run) {
                    m.stopped = None;
                }
                for d in &mut m.decisions {
                    d.lines.retain(|(_, _, r)| *r != run);
                }
                // Every line the run owns is freed, whatever its state.
                m.states.retain(|_, s| match s {
                    State::Landed { owner, .. } => *owner != run,
                    State::Held { run: r, .. } | State::Failed { run: r } => *r != run,
                });
            }
        }
        check_step(&db, &m, &ctx).await?;
    }
    // Nothing runs on: every import run has finished or stopped for a reason.
    let running = db
        .scalar("SELECT COUNT(*) FROM import_runs WHERE status = 'running'")
        .await;
    prop_assert_eq!(running, 0, "{} runs left running", db.kind);
    Ok(())
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn sqlite_every_line_in_one_state_and_resume_is_one_run(
        lines in prop::collection::vec(line(), 1..14),
        ops in prop::collection::vec(op(), 1..7),
    ) {
        on_sqlite(|db| check(db, lines, ops))?;
    }
}

proptest! {
    #![proptest_config(config(24))]

    #[test]
    fn postgres_every_line_in_one_state_and_resume_is_one_run(
        lines in prop::collection::vec(line(), 1..14),
        ops in prop::collection::vec(op(), 1..7),
    ) {
        on_postgres(|db| check(db, lines, ops))?;
    }
}
