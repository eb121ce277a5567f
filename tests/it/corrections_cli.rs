//! Corrections end to end, through the real binary, on a SQLite file and on PostgreSQL (a schema
//! of its own per test): reject files that carry each line's identity, retry validating as import
//! does, revert, aliases, merges and their audit. Every test ends by comparing the inventory with
//! an oracle computed here from the lines that should have landed.

use crate::support::binary::{batchops, batchops_env, failed_lines, inventory, json, text};
use crate::support::db::{TestDb, backends, duplicates};
use crate::support::files::write_file;
use crate::support::oracle::{Oracle, d, oracle};
use serde_json::Value;
use std::path::{Path, PathBuf};

async fn assert_inventory(db: &TestDb, want: &Oracle, ctx: &str) {
    assert_eq!(
        &inventory(&db.url),
        want,
        "{}: {ctx}: inventory equals the oracle",
        db.kind
    );
    assert_eq!(duplicates(db).await, 0, "{}: no line twice", db.kind);
}

fn import(url: &str, path: &Path) -> Value {
    let out = batchops(url, &["import", "--format", "json", path.to_str().unwrap()]);
    assert!(
        matches!(out.status.code(), Some(0 | 2 | 3)),
        "import {}: {}",
        path.display(),
        text(&out)
    );
    json(&out)
}

fn ok(url: &str, args: &[&str]) -> Value {
    let out = batchops(url, args);
    assert!(out.status.success(), "{args:?}: {}", text(&out));
    json(&out)
}

/// A command that must be refused: exit 1, nothing on stdout; returns stderr.
fn refused(url: &str, args: &[&str]) -> String {
    let out = batchops(url, args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{args:?} is refused: {}",
        text(&out)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn reject_file(url: &str, run: i64, dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let out = batchops(
        url,
        &[
            "failed",
            &run.to_string(),
            "--format",
            "csv",
            "--unresolved",
            "-o",
            path.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    path
}

/// Rewrite a CSV file cell by cell: `f(column name, value) -> new value`, columns reordered by
/// `order` (indexes into the original header) as a spreadsheet would save them.
fn edit_csv(from: &Path, to: &Path, order: Option<&[usize]>, f: impl Fn(&str, &str) -> String) {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(from)
        .unwrap();
    let rows: Vec<Vec<String>> = rdr
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let header = rows[0].clone();
    let order: Vec<usize> = order
        .map(<[usize]>::to_vec)
        .unwrap_or_else(|| (0..header.len()).collect());
    let mut w = csv::Writer::from_path(to).unwrap();
    w.write_record(order.iter().map(|&i| header[i].as_str()))
        .unwrap();
    for row in &rows[1..] {
        let cells: Vec<String> = order.iter().map(|&i| f(&header[i], &row[i])).collect();
        w.write_record(&cells).unwrap();
    }
    w.flush().unwrap();
}

fn failed_items(url: &str, run: i64) -> Vec<Value> {
    ok(url, &["failed", &run.to_string(), "--format", "json"])
        .as_array()
        .unwrap()
        .clone()
}

fn resolved(url: &str, run: i64, line: u64) -> bool {
    failed_items(url, run)
        .iter()
        .find(|f| f["line"] == line)
        .map(|f| !f["resolved_at"].is_null())
        .unwrap_or_else(|| panic!("run {run} has failed line {line}"))
}

const FIVE: &str = "sku,description,quantity,unit_price\n\
A-1,Nut,1,0.10\n\
A-2,Bolt,2,0.20\n\
A-3,Washer,3,0.30\n\
A-4,Screw,abc,0.40\n\
A-5,Pin,5,0.50,surplus\n";

#[tokio::test]
async fn a_reject_file_fixed_twice_over_and_retried_lands_each_line_once() {
    for db in backends().await {
        let (dir, five) = write_file("five.csv", FIVE);
        let r = import(&db.url, &five);
        assert_eq!(r["items_failed"], 2, "{r}");
        let rej = reject_file(&db.url, 1, dir.path(), "rej.csv");
        let header = std::fs::read_to_string(&rej).unwrap();
        assert!(
            header
                .lines()
                .next()
                .unwrap()
                .ends_with(",batchops_line,batchops_error,batchops_import_key"),
            "{header}"
        );

        // One operator fixes `abc` to 4 and imports the reject file.
        let fixed = dir.path().join("fixed.csv");
        edit_csv(&rej, &fixed, None, |col, v| {
            if col == "quantity" && v == "abc" {
                "4".into()
            } else {
                v.into()
            }
        });
        let r = import(&db.url, &fixed);
        assert_eq!(
            (r["items_processed"].as_u64(), r["mode"].as_str()),
            (Some(1), Some("retry")),
            "{r}"
        );
        assert!(
            resolved(&db.url, 1, 4),
            "{}: the original failed item is resolved",
            db.kind
        );
        let mut want = oracle(&[("A-1", "1"), ("A-2", "2"), ("A-3", "3"), ("A-4", "4")]);
        assert_inventory(&db, &want, "after the first fix").await;

        // A colleague fixes the same reject file in a spreadsheet: columns reordered, `4.0` for
        // the line and the quantity. The line is already there: nothing lands twice.
        let sheet = dir.path().join("sheet.csv");
        let n = header.lines().next().unwrap().split(',').count();
        let reversed: Vec<usize> = (0..n).rev().collect();
        edit_csv(&rej, &sheet, Some(&reversed), |col, v| match (col, v) {
            ("quantity", "abc") => "4.0".into(),
            ("batchops_line", "4") => "4.0".into(),
            _ => v.into(),
        });
        let r = import(&db.url, &sheet);
        assert_eq!(r["items_already_imported"], 1, "{}: {r}", db.kind);
        assert_eq!(r["items_processed"], 0, "{}: {r}", db.kind);
        // Line 5 (5 fields under a 4-column header) still has its surplus cell: it fails again,
        // reordered or not, exactly as on import.
        assert_eq!(r["failed_items"][0]["line"], 5, "{r}");
        assert_eq!(
            r["failed_items"][0]["error"],
            "has 5 fields, the header has 4"
        );
        assert_inventory(&db, &want, "after the second fix").await;

        // The console's edit-and-retry of the same line (a correction, then retry): already done.
        let out = batchops(&db.url, &["retry", "1", "--line", "4", "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(
            text(&out).contains("line 4: resolved already"),
            "{}: a resolved line is not retried: {}",
            db.kind,
            text(&out)
        );
        assert_inventory(&db, &want, "after retry").await;

        // The operator empties the surplus cell of line 5 and imports the reject file again.
        let surplus_gone = dir.path().join("surplus.csv");
        edit_csv(&rej, &surplus_gone, None, |col, v| match col {
            "column_5" => String::new(),
            "quantity" if v == "abc" => "4".into(),
            _ => v.into(),
        });
        let r = import(&db.url, &surplus_gone);
        assert_eq!(
            (
                r["items_processed"].as_u64(),
                r["items_already_imported"].as_u64()
            ),
            (Some(1), Some(1)),
            "{r}"
        );
        assert!(resolved(&db.url, 1, 5));
        want.insert("A-5".into(), d("5"));
        assert_inventory(&db, &want, "after the surplus cell was emptied").await;
    }
}

#[tokio::test]
async fn a_console_edit_first_then_the_reject_file_lands_the_line_once() {
    for db in backends().await {
        let (dir, five) = write_file("five.csv", FIVE);
        import(&db.url, &five);
        let rej = reject_file(&db.url, 1, dir.path(), "rej.csv");
        // The console's `e`: the correction is kept beside the original, then the item retried.
        let item = failed_items(&db.url, 1)
            .into_iter()
            .find(|f| f["line"] == 4)
            .unwrap();
        let fields = vec![
            ("sku".to_string(), "A-4".to_string()),
            ("description".to_string(), "Screw".to_string()),
            ("quantity".to_string(), "4".to_string()),
            ("unit_price".to_string(), "0.40".to_string()),
        ];
        db.store
            .save_correction(item["id"].as_i64().unwrap(), &fields)
            .await
            .unwrap();
        let out = batchops(&db.url, &["retry", "1", "--line", "4", "--format", "json"]);
        assert_eq!(json(&out)["items_processed"], 1, "{}", text(&out));
        let fixed = dir.path().join("fixed.csv");
        edit_csv(&rej, &fixed, None, |col, v| {
            if col == "quantity" && v == "abc" {
                "4".into()
            } else {
                v.into()
            }
        });
        let r = import(&db.url, &fixed);
        assert_eq!(r["items_already_imported"], 1, "{}: {r}", db.kind);
        let want = oracle(&[("A-1", "1"), ("A-2", "2"), ("A-3", "3"), ("A-4", "4")]);
        assert_inventory(&db, &want, "edit, then reject file").await;
    }
}

#[tokio::test]
async fn retry_refuses_five_fields_under_a_four_column_header_as_import_does() {
    for db in backends().await {
        let (_dir, five) = write_file("five.csv", FIVE);
        import(&db.url, &five);
        let out = batchops(&db.url, &["retry", "1", "--format", "json"]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let r = json(&out);
        let errors = failed_lines(&r);
        assert_eq!(errors[&5], "has 5 fields, the header has 4", "{}", db.kind);
        assert_eq!(errors[&4], "quantity \"abc\" is not a decimal number");
        assert!(!resolved(&db.url, 1, 5));
        let want = oracle(&[("A-1", "1"), ("A-2", "2"), ("A-3", "3")]);
        assert_inventory(&db, &want, "nothing landed by retry").await;
    }
}

#[tokio::test]
async fn a_reject_file_with_its_identity_removed_or_damaged_is_refused_naming_file_and_line() {
    for db in backends().await {
        let (dir, five) = write_file("five.csv", FIVE);
        import(&db.url, &five);
        let rej = reject_file(&db.url, 1, dir.path(), "rej.csv");
        let want = oracle(&[("A-1", "1"), ("A-2", "2"), ("A-3", "3")]);
        let fix = |col: &str, v: &str| {
            if col == "quantity" && v == "abc" {
                "4".to_string()
            } else {
                v.to_string()
            }
        };

        let damaged = dir.path().join("damaged.csv");
        edit_csv(&rej, &damaged, None, |col, v| {
            if col == "batchops_line" && v == "5" {
                "five".into()
            } else {
                fix(col, v)
            }
        });
        let err = refused(&db.url, &["import", damaged.to_str().unwrap()]);
        assert!(
            err.contains("damaged.csv")
                && err.contains("line 2")
                && err.contains("batchops_line \"five\""),
            "{}: {err}",
            db.kind
        );

        let moved = dir.path().join("moved.csv");
        edit_csv(&rej, &moved, None, |col, v| {
            if col == "batchops_line" && v == "4" {
                "3".into()
            } else {
                fix(col, v)
            }
        });
        let err = refused(&db.url, &["import", moved.to_str().unwrap()]);
        assert!(
            err.contains("moved.csv") && err.contains("line 1") && err.contains("no failed line 3"),
            "{err}"
        );

        // Without the key column: refused as a whole, naming the missing column.
        let header: Vec<String> = std::fs::read_to_string(&rej)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .split(',')
            .map(str::to_string)
            .collect();
        let keep: Vec<usize> = (0..header.len())
            .filter(|&i| header[i] != "batchops_import_key")
            .collect();
        let keyless = dir.path().join("keyless.csv");
        edit_csv(&rej, &keyless, Some(&keep), fix);
        let err = refused(&db.url, &["import", keyless.to_str().unwrap()]);
        assert!(
            err.contains("keyless.csv") && err.contains("batchops_import_key"),
            "{err}"
        );

        // An empty key cell.
        let blank = dir.path().join("blank.csv");
        edit_csv(&rej, &blank, None, |col, v| {
            if col == "batchops_import_key" {
                String::new()
            } else {
                fix(col, v)
            }
        });
        let err = refused(&db.url, &["import", blank.to_str().unwrap()]);
        assert!(
            err.contains("blank.csv")
                && err.contains("line 1")
                && err.contains("batchops_import_key is empty"),
            "{err}"
        );

        assert_inventory(&db, &want, "nothing landed from refused files").await;
        assert!(!resolved(&db.url, 1, 4));
    }
}

#[tokio::test]
async fn revert_removes_exactly_a_run_and_what_was_fixed_for_it_and_the_file_lands_again() {
    for db in backends().await {
        let (dir, five) = write_file("five.csv", FIVE);
        let (_d2, other) = write_file(
            "other.csv",
            "sku,description,quantity,unit_price\nA-1,Nut,10,0.10\nB-1,Cap,7.5,1\nA-3,Washer,-1,0.30\n",
        );
        import(&db.url, &five);
        // Line 4 fixed through the reject file (a retry run of its own).
        let rej = reject_file(&db.url, 1, dir.path(), "rej.csv");
        let fixed = dir.path().join("fixed.csv");
        edit_csv(&rej, &fixed, None, |col, v| match col {
            "quantity" if v == "abc" => "4".into(),
            _ => v.into(),
        });
        import(&db.url, &fixed); // run 2
        import(&db.url, &other); // run 3
        let both = oracle(&[
            ("A-1", "11"),
            ("A-2", "2"),
            ("A-3", "2"),
            ("A-4", "4"),
            ("B-1", "7.5"),
        ]);
        assert_inventory(&db, &both, "before the revert").await;

        let r = ok(
            &db.url,
            &["revert", "1", "--operator", "alice", "--format", "json"],
        );
        assert_eq!(
            r["lines"], 4,
            "{}: three lines of run 1 and line 4 its reject file landed: {r}",
            db.kind
        );
        assert_eq!(d(r["quantity"].as_str().unwrap()), d("10"));
        let after = oracle(&[
            ("A-1", "10"),
            ("A-2", "0"),
            ("A-3", "-1"),
            ("A-4", "0"),
            ("B-1", "7.5"),
        ]);
        assert_inventory(&db, &after, "after the revert").await;
        let runs = ok(&db.url, &["runs", "--format", "json"]);
        let status = |id: i64| {
            runs.as_array()
                .unwrap()
                .iter()
                .find(|r| r["id"] == id)
                .unwrap()["status"]
                .clone()
        };
        assert_eq!(status(1), "reverted");

        // Again: nothing changes.
        let again = ok(&db.url, &["revert", "1", "--format", "json"]);
        assert!(
            again["correction_id"].is_null() && again["lines"] == 0,
            "{again}"
        );
        assert!(
            again["summary"]
                .as_str()
                .unwrap()
                .contains("already reverted")
        );
        assert_inventory(&db, &after, "after reverting again").await;
        // A reverted run is not retried, nor its lines landed from its reject file.
        let err = refused(&db.url, &["retry", "1"]);
        assert!(err.contains("reverted"), "{err}");

        // The same file imported again lands again (the keys were freed).
        let r = import(&db.url, &five); // run 4
        assert_eq!(r["items_processed"], 3, "{}: {r}", db.kind);
        assert_eq!(r["items_already_imported"], 0);
        let relanded = oracle(&[
            ("A-1", "11"),
            ("A-2", "2"),
            ("A-3", "2"),
            ("A-4", "0"),
            ("B-1", "7.5"),
        ]);
        assert_inventory(&db, &relanded, "after importing the file again").await;

        // A retry run reverted on its own: only what it landed, its failed item open again.
        let rej4 = reject_file(&db.url, 4, dir.path(), "rej4.csv");
        let fixed4 = dir.path().join("fixed4.csv");
        edit_csv(&rej4, &fixed4, None, |col, v| match col {
            "quantity" if v == "abc" => "4".into(),
            _ => v.into(),
        });
        let r = import(&db.url, &fixed4);
        let retry_run = r["run_id"].as_i64().unwrap();
        assert!(resolved(&db.url, 4, 4));
        let r = ok(
            &db.url,
            &["revert", &retry_run.to_string(), "--format", "json"],
        );
        assert_eq!(r["lines"], 1, "{r}");
        assert!(
            !resolved(&db.url, 4, 4),
            "{}: the line is a failed item again",
            db.kind
        );
        assert_inventory(&db, &relanded, "after reverting the retry run").await;

        let err = refused(&db.url, &["revert", "99"]);
        assert!(err.contains("there is no run 99"), "{err}");
        let audit = ok(&db.url, &["corrections", "--format", "json"]);
        let kinds: Vec<&str> = audit
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["revert", "revert"], "{audit}");
        assert_eq!(audit[1]["operator"], "alice");
        assert_eq!(audit[1]["lines"], 4);
        assert_eq!(audit[1]["detail"]["run_id"], 1);
    }
}

#[tokio::test]
async fn a_running_run_is_not_reverted() {
    for db in backends().await {
        let (_dir, five) = write_file("five.csv", FIVE);
        // Killed while running: the run stays `running`; with a long staleness threshold it counts
        // as live, and revert refuses it.
        let out = batchops_env(
            &db.url,
            &["import", five.to_str().unwrap()],
            &[("BATCHOPS_FAILPOINT", "batch_after_commit")],
        );
        assert!(!out.status.success());
        let out = batchops_env(
            &db.url,
            &["revert", "1"],
            &[("BATCHOPS_STALE_AFTER_SECONDS", "100000")],
        );
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(text(&out).contains("run 1 is running"), "{}", text(&out));
        let want = oracle(&[("A-1", "1"), ("A-2", "2"), ("A-3", "3")]);
        assert_inventory(&db, &want, "a live run is left alone").await;
        // Once it shows as interrupted, it can be reverted.
        let out = batchops_env(
            &db.url,
            &["revert", "1"],
            &[("BATCHOPS_STALE_AFTER_SECONDS", "0")],
        );
        assert!(out.status.success(), "{}", text(&out));
        let want = oracle(&[("A-1", "0"), ("A-2", "0"), ("A-3", "0")]);
        assert_inventory(&db, &want, "an interrupted run is reverted").await;
    }
}

const NUTS: &str = "sku,description,quantity,unit_price\n\
PW-8,Penny Washer M8 Zinc Box of 100,10,1\n\
PW-6,Penny Washer M6 Zinc Box of 100,10,1\n\
,Penny Washer M8 Zinc Box of 100,3,1\n\
,Penny Wahser M8 Zinc Box of 100,6,1\n";

/// The alias the misspelling was learned as (the matcher's key of the description).
fn alias_row(url: &str) -> Option<Value> {
    ok(url, &["aliases", "list", "--format", "json"])
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["alias"].as_str().unwrap().contains("wahser"))
        .cloned()
}

#[tokio::test]
async fn moving_an_alias_moves_the_stock_of_every_line_that_landed_through_it() {
    for db in backends().await {
        let (_dir, nuts) = write_file("nuts.csv", NUTS);
        import(&db.url, &nuts);
        let alias = "Penny Wahser M8 Zinc Box of 100";
        let a =
            alias_row(&db.url).unwrap_or_else(|| panic!("{}: the fuzzy match is learned", db.kind));
        assert_eq!(
            (
                a["sku"].as_str(),
                a["lines"].as_u64(),
                a["learned_by"].as_str()
            ),
            (Some("PW-8"), Some(1), Some("auto")),
            "{a}"
        );
        assert_eq!(d(a["quantity"].as_str().unwrap()), d("6"));
        assert_inventory(
            &db,
            &oracle(&[("PW-8", "19"), ("PW-6", "10")]),
            "as imported",
        )
        .await;

        // The operator says the misspelling is the M6 nut; typed as written on the invoice.
        let r = ok(
            &db.url,
            &[
                "aliases",
                "move",
                "Penny Wahser M8 Zinc Box of 100",
                "--to",
                "PW-6",
                "--operator",
                "bob",
                "--format",
                "json",
            ],
        );
        assert_eq!(r["lines"], 1, "{r}");
        assert_inventory(
            &db,
            &oracle(&[("PW-8", "13"), ("PW-6", "16")]),
            "after the move",
        )
        .await;
        // Later lines follow the alias; the list counts them.
        let (_d2, more) = write_file(
            "more.csv",
            "sku,description,quantity,unit_price\n,Penny Wahser M8 Zinc Box of 100,2,1\n",
        );
        import(&db.url, &more);
        let a = alias_row(&db.url).unwrap();
        assert_eq!(
            (
                a["sku"].as_str(),
                a["lines"].as_u64(),
                a["learned_by"].as_str()
            ),
            (Some("PW-6"), Some(2), Some("operator")),
            "{a}"
        );
        assert_eq!(d(a["quantity"].as_str().unwrap()), d("8"));
        assert_inventory(
            &db,
            &oracle(&[("PW-8", "13"), ("PW-6", "18")]),
            "a later line",
        )
        .await;

        // Moving it back moves both lines, exactly.
        ok(
            &db.url,
            &["aliases", "move", alias, "--to", "PW-8", "--format", "json"],
        );
        assert_inventory(
            &db,
            &oracle(&[("PW-8", "21"), ("PW-6", "10")]),
            "moved back",
        )
        .await;
        let err = refused(&db.url, &["aliases", "move", alias, "--to", "NOPE"]);
        assert!(err.contains("there is no item NOPE"), "{err}");
        let err = refused(
            &db.url,
            &["aliases", "move", "no such words", "--to", "PW-8"],
        );
        assert!(err.contains("there is no alias"), "{err}");

        // Forget: the alias is gone, the stock stays where it is.
        ok(&db.url, &["aliases", "forget", alias, "--format", "json"]);
        assert!(alias_row(&db.url).is_none());
        assert_inventory(
            &db,
            &oracle(&[("PW-8", "21"), ("PW-6", "10")]),
            "after forget",
        )
        .await;
        let audit = ok(&db.url, &["corrections", "--format", "json"]);
        let kinds: Vec<&str> = audit
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            ["alias_forget", "alias_move", "alias_move"],
            "{audit}"
        );
        assert_eq!(audit[2]["operator"], "bob");
        assert_eq!(d(audit[1]["quantity"].as_str().unwrap()), d("8"));
    }
}

#[tokio::test]
async fn merging_items_moves_lines_quantity_and_aliases_and_retires_the_old_sku() {
    for db in backends().await {
        let (_dir, nuts) = write_file("nuts.csv", NUTS);
        import(&db.url, &nuts);
        // PW-8 and its misspelling alias go into PW-6 (say the two SKUs are one product).
        let r = ok(
            &db.url,
            &[
                "items", "merge", "PW-8", "--into", "PW-6", "--format", "json",
            ],
        );
        assert_eq!(r["lines"], 3, "{}: {r}", db.kind);
        assert_eq!(d(r["quantity"].as_str().unwrap()), d("19"));
        assert_inventory(
            &db,
            &oracle(&[("PW-8", "0"), ("PW-6", "29")]),
            "after the merge",
        )
        .await;
        assert_eq!(alias_row(&db.url).unwrap()["sku"], "PW-6");
        let retired = db
            .scalar("SELECT COUNT(*) FROM inventory_items WHERE sku = 'PW-8' AND retired_at IS NOT NULL AND merged_into = (SELECT id FROM inventory_items WHERE sku = 'PW-6')")
            .await;
        assert_eq!(
            retired, 1,
            "{}: PW-8 is kept, retired, pointing at PW-6",
            db.kind
        );

        // The retired SKU is never matched again: its lines, and lines with its name, land on PW-6.
        let (_d2, later) = write_file(
            "later.csv",
            "sku,description,quantity,unit_price\nPW-8,Penny Washer M8 Zinc Box of 100,5,1\n,Penny Washer M8 Zinc Box of 100,1,1\n,Penny Wahser M8 Zinc Box of 100,2,1\n",
        );
        let r = import(&db.url, &later);
        assert_eq!(r["items_processed"], 3, "{r}");
        assert_inventory(
            &db,
            &oracle(&[("PW-8", "0"), ("PW-6", "37")]),
            "after a later import",
        )
        .await;

        let err = refused(&db.url, &["items", "merge", "PW-8", "--into", "PW-6"]);
        assert!(err.contains("already retired"), "{err}");
        let err = refused(&db.url, &["items", "merge", "PW-6", "--into", "PW-8"]);
        assert!(err.contains("PW-8 is retired (merged into PW-6)"), "{err}");
        let err = refused(&db.url, &["items", "merge", "PW-6", "--into", "PW-6"]);
        assert!(err.contains("into itself"), "{err}");
        let audit = ok(&db.url, &["corrections", "--format", "json"]);
        assert_eq!(audit[0]["kind"], "merge");
        assert_eq!(audit[0]["detail"]["items"][1]["sku"], "PW-6");
        let txt = batchops(&db.url, &["corrections"]);
        assert!(
            String::from_utf8_lossy(&txt.stdout).contains("merged PW-8 into PW-6"),
            "{}",
            text(&txt)
        );
    }
}

#[tokio::test]
async fn a_reject_file_line_the_matcher_cannot_decide_is_held_under_its_identity_and_reverted_with_its_run()
 {
    for db in backends().await {
        let (dir, f) = write_file(
            "bolts.csv",
            "sku,description,quantity,unit_price\n\
             HB-40,Hex Bolt M8 x 40mm Zinc,10,1\n\
             HB-50,Hex Bolt M8 x 50mm Zinc,20,1\n\
             ,Hex Bolt M8 Zinc,abc,1\n",
        );
        import(&db.url, &f);
        let rej = reject_file(&db.url, 1, dir.path(), "rej.csv");
        let fixed = dir.path().join("fixed.csv");
        edit_csv(&rej, &fixed, None, |col, v| {
            if col == "quantity" && v == "abc" {
                "4".into()
            } else {
                v.into()
            }
        });
        let out = batchops(
            &db.url,
            &["import", "--format", "json", fixed.to_str().unwrap()],
        );
        let r = json(&out);
        assert_eq!(
            (r["items_processed"].as_u64(), r["items_failed"].as_u64()),
            (Some(0), Some(0)),
            "{}: {r}",
            db.kind
        );
        assert!(
            resolved(&db.url, 1, 3),
            "{}: held for review, it leaves the dead-letter table",
            db.kind
        );
        let key = r["import_key"].as_str().unwrap().to_string();
        let held = db
            .scalar(&format!("SELECT COUNT(*) FROM held_lines WHERE import_key = '{key}' AND line = 3 AND decided_at IS NULL"))
            .await;
        assert_eq!(held, 1, "{}: held under its original identity", db.kind);
        // The same reject file again: the line is held already, nothing doubles.
        import(&db.url, &fixed);
        let held_rows = db.scalar("SELECT COUNT(*) FROM held_lines").await;
        assert_eq!(held_rows, 1, "{}", db.kind);
        assert_inventory(
            &db,
            &oracle(&[("HB-40", "10"), ("HB-50", "20")]),
            "held lines land nowhere",
        )
        .await;
        // Reverting run 1 removes the held line of its failed line 3: never decided into stock.
        ok(&db.url, &["revert", "1", "--format", "json"]);
        let rows = db.scalar("SELECT COUNT(*) FROM held_lines").await;
        assert_eq!(rows, 0, "{}", db.kind);
        assert_inventory(
            &db,
            &oracle(&[("HB-40", "0"), ("HB-50", "0")]),
            "after the revert",
        )
        .await;

        // A line held on import, the run reverted, the file imported again: held again for review.
        let (_d2, g) = write_file(
            "held.csv",
            "sku,description,quantity,unit_price\nHB-40,Hex Bolt M8 x 40mm Zinc,1,1\n,Hex Bolt M8 Zinc,5,1\n",
        );
        let r = import(&db.url, &g);
        let run = r["run_id"].as_i64().unwrap();
        let open = "SELECT COUNT(*) FROM held_lines WHERE line = 2 AND decided_at IS NULL";
        assert_eq!(db.scalar(open).await, 1, "{}: {r}", db.kind);
        ok(&db.url, &["revert", &run.to_string(), "--format", "json"]);
        assert_eq!(db.scalar(open).await, 0, "{}", db.kind);
        import(&db.url, &g);
        assert_eq!(
            db.scalar(open).await,
            1,
            "{}: held again after the revert",
            db.kind
        );
        assert_inventory(
            &db,
            &oracle(&[("HB-40", "1"), ("HB-50", "0")]),
            "imported again",
        )
        .await;
    }
}
