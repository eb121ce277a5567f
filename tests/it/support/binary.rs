//! The real `batchops` binary, run as an operator runs it: with a clean environment (no
//! `DATABASE_URL`, fail point, staleness threshold or log filter leaking in from the caller), and
//! no catalog kept in the user's cache directory (a test that keeps one names its own).

use crate::support::oracle::{Oracle, d};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_batchops"));
    c.env_remove("DATABASE_URL")
        .env_remove("BATCHOPS_FAILPOINT")
        .env_remove("BATCHOPS_STALE_AFTER_SECONDS")
        .env_remove("RUST_LOG")
        .env("BATCHOPS_CATALOG_CACHE", "off");
    c
}

pub fn batchops(url: &str, args: &[&str]) -> Output {
    batchops_env(url, args, &[])
}

pub fn batchops_env(url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    batchops_command(url, args, env)
        .output()
        .expect("run batchops")
}

/// The command [`batchops_env`] runs, for a test that starts it and waits itself.
pub fn batchops_command(url: &str, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = bin();
    c.arg("--database-url").arg(url).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

pub fn text(o: &Output) -> String {
    format!(
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(o)))
}

/// (line, error) of each failed item a `--format json` report lists.
pub fn failed_lines(report: &Value) -> BTreeMap<u64, String> {
    report["failed_items"]
        .as_array()
        .unwrap_or_else(|| panic!("a report with failed_items: {report}"))
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["error"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The signal that ended a child, if a signal did.
pub fn signal(o: &Output) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    o.status.signal()
}

/// Import `path` through the binary with `--format json`; returns the output.
pub fn import(url: &str, path: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["import", "--format", "json"];
    args.extend_from_slice(extra);
    let p = path.to_str().unwrap();
    args.push(p);
    batchops(url, &args)
}

/// A run as `batchops runs` shows it, with the staleness threshold at `stale` seconds.
pub fn run_status(url: &str, run_id: i64, stale: Option<&str>) -> String {
    let env: Vec<(&str, &str)> = stale
        .map(|s| vec![("BATCHOPS_STALE_AFTER_SECONDS", s)])
        .unwrap_or_default();
    let out = batchops_env(url, &["runs", "--format", "json", "--limit", "1000"], &env);
    assert!(out.status.success(), "{}", text(&out));
    let runs = json(&out);
    let run = runs
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == run_id)
        .unwrap_or_else(|| panic!("run {run_id} is listed: {runs}"));
    run["status"].as_str().unwrap().to_string()
}

/// SKU → quantity as `batchops inventory --format json` prints it.
pub fn inventory(url: &str) -> Oracle {
    let out = batchops(url, &["inventory", "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out));
    json(&out)
        .as_array()
        .expect("an array")
        .iter()
        .map(|r| {
            (
                r["sku"].as_str().expect("a sku").to_string(),
                d(r["quantity"].as_str().expect("a quantity")),
            )
        })
        .collect()
}
