//! Lost connections: the real binary talks to PostgreSQL through a TCP proxy that cuts every
//! connection at a chosen moment (before a chunk's write reaches the server, after the server
//! committed it but before the client heard, in the middle of the statement, while the next chunk
//! is on its way). The run reconnects and retries the chunk, or ends `failed` and resumable; either
//! way the totals end exact.
//!
//! A chunk is one statement (`batchops_write_chunk`, its own transaction): the moments are found
//! by the run's import key, which travels with the reads that prepare the run (its lock, the
//! catalog as it was before the key's runs, the key's line states), then with the run's start
//! (`import_runs`) and then with every chunk's write: [`nth_read`] counts them.

use crate::support::binary::{batchops_env, json, run_status, text};
use crate::support::db::{self, TestDb, drift, duplicates, inventory_by_name, landed, runs_of};
use crate::support::files::write_file;
use crate::support::library;
use crate::support::oracle::{Batch, Rng, Spec, assert_exact};
use crate::support::proxy::{CutAt, Proxy};
use std::net::ToSocketAddrs;
use std::process::Output;
use std::time::Duration;

/// A test schema on the real server, and its URL through a new proxy.
async fn pg_via_proxy() -> Option<(TestDb, Proxy, String)> {
    let db = db::postgres().await?;
    // postgres://user@host:port/db?options=… → the same with the proxy's address.
    let (scheme, rest) = db.url.split_once("://").unwrap();
    let (auth, tail) = rest.split_at(rest.find('/').unwrap());
    let (user, hostport) = match auth.rsplit_once('@') {
        Some((u, h)) => (format!("{u}@"), h),
        None => (String::new(), auth),
    };
    let upstream = hostport
        .to_socket_addrs()
        .expect("resolve the PostgreSQL address")
        .next()
        .unwrap();
    let proxy = Proxy::start(upstream, Duration::ZERO).await.unwrap();
    let url = format!("{scheme}://{user}{}{tail}", proxy.addr);
    Some((db, proxy, url))
}

/// The binary, on a blocking thread so this runtime keeps the proxy going.
async fn run(url: &str, args: Vec<String>, env: Vec<(&'static str, &'static str)>) -> Output {
    let url = url.to_string();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        batchops_env(&url, &args, &env)
    })
    .await
    .unwrap()
}

fn import_args(path: &std::path::Path) -> Vec<String> {
    ["import", "--format", "json", "--chunk-size", "100"]
        .iter()
        .map(|s| s.to_string())
        .chain([path.display().to_string()])
        .collect()
}

/// [`import_args`] for a batch of its own: the soak's generated batches share many lines by
/// content (the same items, quantities and prices), which the re-sent invoice check would refuse.
fn new_invoice_args(path: &std::path::Path) -> Vec<String> {
    let mut args = import_args(path);
    args.insert(1, "--as-new-invoice".to_string());
    args
}

fn batch() -> Batch {
    Batch::generate(Spec {
        lines: 800,
        seed: 31,
        ..Spec::default()
    })
}

/// Check the end of an import that must have ended well after retrying: partial success (the
/// batch has bad lines), transient retries counted, and everything exact.
async fn assert_retried_to_exact(
    db: &TestDb,
    batch: &Batch,
    out: &Output,
    what: &str,
) -> serde_json::Value {
    assert_eq!(out.status.code(), Some(2), "{what}: {}", text(out));
    let r = json(out);
    assert!(
        r["transient_retries"].as_u64().unwrap() >= 1,
        "{what}: the lost connection was retried: {r}"
    );
    assert_eq!(r["items_total"], batch.lines.len() as u64);
    assert_eq!(
        r["items_processed"].as_u64().unwrap() + r["items_already_imported"].as_u64().unwrap(),
        batch.good().len() as u64,
        "{what}"
    );
    assert_eq!(r["items_failed"], batch.bad().len() as u64, "{what}");
    let key = r["import_key"].as_str().unwrap();
    assert_exact(db, batch, key, &batch.oracle()).await;
    assert_eq!(drift(db).await, 0);
    r
}

/// The import key of the runs [`cut_once`] cuts: its bytes mark the run's start and each chunk.
const CUT_KEY: &str = "cut-marker-4f1c9a";

/// Reads carrying the import key before a run starts: the key's lock (taken, and its holder
/// recorded), the overlap check's look-ups of the key and of the file's lines
/// (crates/batchops-engine/src/engine/overlap.rs, read-only), the catalog's items and aliases not made by the key's runs,
/// and the key's number and line states (the binary here keeps no catalog between runs: with one
/// kept, the question whether the key's runs created items is one read more).
const BEFORE_THE_RUN: u64 = 8;
/// Reads carrying the key between the run's start and its first chunk: the run named in its lock.
const AFTER_THE_START: u64 = 1;

/// The read carrying [`CUT_KEY`] that is the `nth` event of a run (1: the run's start, 2: the first
/// chunk's write, …).
fn nth_read(nth: u64) -> u64 {
    match nth {
        0 | 1 => BEFORE_THE_RUN + nth,
        _ => BEFORE_THE_RUN + AFTER_THE_START + nth,
    }
}

/// Cut every connection at the `nth` client → server read carrying [`CUT_KEY`] after the reads
/// that prepare the run (1: the run's start, 2: the first chunk's write, …).
async fn cut_once(nth: u64, at: CutAt, what: &str) -> Option<serde_json::Value> {
    let (db, proxy, url) = pg_via_proxy().await?;
    let batch = batch();
    let (_dir, path) = write_file("cut.csv", &batch.csv);
    proxy.cut_on(CUT_KEY.as_bytes(), nth_read(nth), at);
    let mut args = import_args(&path);
    args.splice(1..1, ["--import-key".to_string(), CUT_KEY.to_string()]);
    let out = run(&url, args, vec![]).await;
    assert!(!proxy.cut_pending(), "{what}: the cut happened");
    Some(assert_retried_to_exact(&db, &batch, &out, what).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunk_lost_before_the_server_saw_it_is_retried() {
    cut_once(4, CutAt::Before, "cut before the third chunk's write").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunk_the_server_committed_but_the_client_never_heard_of_is_not_doubled() {
    if let Some(r) = cut_once(3, CutAt::After, "cut after the second chunk's write").await {
        // The chunk had committed; its retry found every row already there.
        assert!(
            r["items_already_imported"].as_u64().unwrap() > 0,
            "the retried chunk was already in: {r}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_torn_in_half_is_retried() {
    cut_once(2, CutAt::Midway, "the first chunk's write torn in half").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_once_the_first_chunk_created_its_items_is_retried() {
    if let Some(r) = cut_once(2, CutAt::After, "cut after the first chunk's write").await {
        // The items, aliases and rows were there: nothing created twice, nothing doubled.
        assert!(
            r["items_already_imported"].as_u64().unwrap() > 0,
            "the retried chunk was already in: {r}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_while_two_chunks_are_on_their_way_is_retried() {
    // The fifth chunk's write is cut as it leaves; the fourth is then still on its way or
    // being written on the other connection, and is cut too.
    cut_once(6, CutAt::Midway, "cut with two chunks in flight").await;
}

/// The database stays unreachable for longer than the retries last: the run ends `failed`,
/// resumable, with nothing half-written; once the network is back, `resume` finishes it exactly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_gone_for_good_fails_the_run_resumably_and_resume_finishes_it() {
    let Some((db, proxy, url)) = pg_via_proxy().await else {
        return;
    };
    let batch = batch();
    let (_dir, path) = write_file("gone.csv", &batch.csv);
    // From the cut on, every new connection is refused.
    proxy.cut_on_then_refuse(CUT_KEY.as_bytes(), nth_read(5), CutAt::Before);
    let mut args = import_args(&path);
    args.splice(1..1, ["--import-key".to_string(), CUT_KEY.to_string()]);
    let out = run(&url, args, vec![]).await;
    assert!(!proxy.cut_pending());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    proxy.refuse_new(false);
    let runs = runs_of(&db).await;
    let (run_id, stored) = runs.last().unwrap().clone();
    let r = json(&out);
    assert_eq!(r["status"], "failed");
    assert!(
        r["stop_reason"].as_str().unwrap().contains("resume"),
        "the report says how to go on: {r}"
    );
    // Its end could not be written either: it stays `running`, and shows as interrupted.
    assert_eq!(stored, "running");
    assert_eq!(run_status(&db.url, run_id, Some("0")), "interrupted");
    assert_eq!(drift(&db).await, 0, "whole chunks only");
    let out = run(
        &url,
        vec![
            "resume".into(),
            run_id.to_string(),
            "--format".into(),
            "json".into(),
            "--chunk-size".into(),
            "100".into(),
        ],
        vec![("BATCHOPS_STALE_AFTER_SECONDS", "0")],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let r = json(&out);
    assert_eq!(r["run_id"], run_id);
    assert!(r["items_already_imported"].as_u64().unwrap() >= 100);
    let key = r["import_key"].as_str().unwrap().to_string();
    assert_exact(&db, &batch, &key, &batch.oracle()).await;
}

/// sqlx's pool opens new connections after every connection was cut: the same store goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_recovers_after_every_connection_was_cut() {
    use batchops::engine::ImportOptions;

    let Some((db, proxy, url)) = pg_via_proxy().await else {
        return;
    };
    let store = batchops::store::open(&url).await.unwrap();
    let first = Batch::generate(Spec {
        lines: 300,
        seed: 41,
        ..Spec::default()
    });
    let second = Batch::generate(Spec {
        lines: 300,
        seed: 42,
        ..Spec::default()
    });
    let (_d1, p1) = write_file("one.csv", &first.csv);
    let (_d2, p2) = write_file("two.csv", &second.csv);
    let opts = ImportOptions {
        chunk_size: 50,
        ..ImportOptions::default()
    };
    let r1 = library::import_into(&*store, &p1, &opts).await;
    assert_eq!(r1.items_processed, first.good().len() as u64);
    // Every pooled connection dies while idle.
    proxy.cut();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let r2 = library::import_into(&*store, &p2, &opts).await;
    assert_eq!(
        r2.items_processed,
        second.good().len() as u64,
        "the same pool imports again: {:?}",
        r2.stop_reason
    );
    // And a cut in the middle of a run of this store is retried on a new connection.
    proxy.cut_on(CUT_KEY.as_bytes(), nth_read(3), CutAt::Before);
    let r3 = library::import_into(
        &*store,
        &p1,
        &ImportOptions {
            import_key: Some(CUT_KEY.into()),
            resent: Some(batchops::engine::overlap::Answer::AsNewInvoice),
            ..opts.clone()
        },
    )
    .await;
    assert!(!proxy.cut_pending());
    assert!(r3.transient_retries >= 1);
    // The cut also takes the chunk on its way on the other connection: if the server had all of
    // it, it committed and its retry finds its rows there (already imported, never doubled).
    assert_eq!(
        r3.items_processed + r3.items_already_imported,
        first.good().len() as u64
    );
    let mut oracle = first.oracle();
    second.add_to(&mut oracle, &second.good());
    first.add_to(&mut oracle, &first.good());
    assert_eq!(inventory_by_name(&db).await, oracle);
    assert_eq!(duplicates(&db).await, 0);
    store.close().await;
}

/// The long variant for `.ci/run` (`cargo test -- --ignored`): every connection cut after a random
/// number of bytes (during connect, a query, a statement's parameters, a COMMIT, …), round after
/// round; each batch ends exact, by retries, or by `resume` (or a new import when the cut came
/// before the run existed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "soak: run from .ci/run with --ignored"]
async fn soak_random_cuts() {
    let Some((db, proxy, url)) = pg_via_proxy().await else {
        return;
    };
    let seed = std::env::var("BATCHOPS_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    eprintln!("random cuts: seed {seed}");
    let mut rng = Rng::new(seed);
    let mut oracle = std::collections::BTreeMap::new();
    let mut cuts = 0;
    for round in 0..25u64 {
        let batch = Batch::generate(Spec {
            lines: 2_500,
            seed: seed * 1_000 + round,
            ..Spec::default()
        });
        let (_dir, path) = write_file("soak.csv", &batch.csv);
        let runs_before = runs_of(&db).await.len();
        let at = rng.below(180_000) + 1;
        let start = proxy
            .upstream_bytes
            .load(std::sync::atomic::Ordering::SeqCst);
        proxy.cut_after_bytes(at);
        let mut out = run(&url, new_invoice_args(&path), vec![]).await;
        let mut attempts = 0;
        while out.status.code() != Some(2) {
            attempts += 1;
            assert!(
                attempts < 5,
                "round {round}: no end in sight: {}",
                text(&out)
            );
            assert_eq!(out.status.code(), Some(1), "round {round}: {}", text(&out));
            let runs = runs_of(&db).await;
            out = if runs.len() > runs_before {
                let id = runs.last().unwrap().0.to_string();
                let args = ["resume", &id, "--format", "json", "--chunk-size", "100"];
                run(
                    &url,
                    args.map(String::from).to_vec(),
                    vec![("BATCHOPS_STALE_AFTER_SECONDS", "0")],
                )
                .await
            } else {
                run(&url, new_invoice_args(&path), vec![]).await
            };
        }
        // Disarm a cut that did not come (the run was shorter than its byte count).
        let sent = proxy
            .upstream_bytes
            .load(std::sync::atomic::Ordering::SeqCst)
            - start;
        if sent >= at {
            cuts += 1;
        }
        proxy.cut_after_bytes(u64::MAX / 2);
        let key = json(&out)["import_key"].as_str().unwrap().to_string();
        assert_eq!(landed(&db, &key).await, batch.good(), "round {round}");
        batch.add_to(&mut oracle, &batch.good());
        assert_eq!(inventory_by_name(&db).await, oracle, "round {round}");
        assert_eq!(duplicates(&db).await, 0);
        assert_eq!(drift(&db).await, 0, "round {round}");
    }
    eprintln!("{cuts} of 25 rounds were cut");
    assert!(cuts >= 15, "most rounds were cut somewhere ({cuts} of 25)");
}
