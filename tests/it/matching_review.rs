//! Matching and review through the real binary, on a SQLite file and on PostgreSQL (own schema):
//! stock lands on the right item, uncertain lines are held and land once when decided, kills in
//! the middle of a decision end exact, and legacy aliases the rules refuse are listed with their
//! stock. Each test ends by comparing the inventory with what the lines say it must be.

use crate::support::db::backends;
use crate::support::files::write_file;
use crate::support::oracle::d;
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::{Command, Output};

fn batchops(db: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_batchops"));
    c.arg("--database-url")
        .arg(db)
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("BATCHOPS_FAILPOINT");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run batchops")
}

fn ok(o: &Output) -> &Output {
    assert!(
        o.status.success(),
        "exit {:?}: {}{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)))
}

/// (key, quantity) of every item as `inventory --format json` reports it, keyed by `field`.
fn quantities(db: &str, field: &str) -> BTreeMap<String, Decimal> {
    let v = json(ok(&batchops(db, &["inventory", "--format", "json"], &[])));
    v.as_array()
        .expect("an array")
        .iter()
        .map(|i| {
            let q = match &i["quantity"] {
                Value::String(s) => d(s),
                other => d(&other.to_string()),
            };
            (i[field].as_str().unwrap().to_string(), q)
        })
        .collect()
}

/// sku → quantity.
fn inventory(db: &str) -> BTreeMap<String, Decimal> {
    quantities(db, "sku")
}

/// name → quantity (created items have generated SKUs).
fn by_name(db: &str) -> BTreeMap<String, Decimal> {
    quantities(db, "name")
}

const CATALOG: &str = "sku,description,quantity,unit_price\n\
    ACM-1,Hex Bolt M8 x 40mm Zinc,10,0.30\n\
    ACM-5,Hex Bolt M8 x 50mm Zinc,10,0.30\n\
    ACM-2,Flat Washer M8,10,0.10\n\
    ACM-3,Cable tie 200mm black,10,0.10\n";

/// Lines a whole-string similarity would put on the wrong item (another length, size or thread).
const ISSUE_LINES: &str = "sku,description,quantity,unit_price\n\
    ,Hex Bolt M8 x 60mm Zinc,5,0.3\n\
    ,Hex Bolt M10 x 40mm Zinc,7,0.3\n\
    ,Hex bolt m8x40mm zinc,1,0.2\n\
    ,Flat Washer M6,4,0.1\n\
    ,Cable tie 300mm black,2,0.1\n";

#[tokio::test]
async fn stock_lands_on_the_item_each_line_names() {
    let (_c, catalog) = write_file("catalog.csv", CATALOG);
    let (_l, lines) = write_file("lines.csv", ISSUE_LINES);
    for db in backends().await {
        ok(&batchops(
            &db.url,
            &["import", catalog.to_str().unwrap()],
            &[],
        ));
        ok(&batchops(
            &db.url,
            &["import", lines.to_str().unwrap()],
            &[],
        ));
        let inv = by_name(&db.url);
        // Only the true spelling of ACM-1 lands on it; every sibling is an item of its own.
        assert_eq!(inv["Hex Bolt M8 x 40mm Zinc"], d("11"), "{}", db.kind);
        assert_eq!(inv["Hex Bolt M8 x 50mm Zinc"], d("10"));
        assert_eq!(inv["Flat Washer M8"], d("10"));
        assert_eq!(inv["Cable tie 200mm black"], d("10"));
        assert_eq!(inv["Hex Bolt M8 x 60mm Zinc"], d("5"));
        assert_eq!(inv["Hex Bolt M10 x 40mm Zinc"], d("7"));
        assert_eq!(inv["Flat Washer M6"], d("4"));
        assert_eq!(inv["Cable tie 300mm black"], d("2"));
        // Nothing wrong was learned: a second run of the same spellings (deliberately the same
        // lines again) changes nothing.
        let again = json(ok(&batchops(
            &db.url,
            &[
                "import",
                "--format",
                "json",
                "--import-key",
                "again",
                "--as-new-invoice",
                lines.to_str().unwrap(),
            ],
            &[],
        )));
        assert_eq!(again["decisions"]["created"], 0, "{}", db.kind);
        assert_eq!(by_name(&db.url)["Hex Bolt M8 x 40mm Zinc"], d("12"));
    }
}

const HELD_LINES: &str = "sku,description,quantity,unit_price\n\
    ,Hex Bolt M8 Zinc,3,0.3\n\
    ,hex bolt m8 zinc,2,0.3\n\
    ,Flat Washer M8,1,0.1\n";

#[tokio::test]
async fn held_lines_land_nowhere_until_decided_then_exactly_once() {
    let (_c, catalog) = write_file("catalog.csv", CATALOG);
    let (_l, lines) = write_file("held.csv", HELD_LINES);
    for db in backends().await {
        ok(&batchops(
            &db.url,
            &["import", catalog.to_str().unwrap()],
            &[],
        ));
        let before = inventory(&db.url);
        let out = batchops(
            &db.url,
            &["import", "--format", "json", lines.to_str().unwrap()],
            &[],
        );
        assert_eq!(
            out.status.code(),
            Some(3),
            "held lines: exit 3 ({})",
            db.kind
        );
        let r = json(&out);
        assert_eq!(r["items_held"], 2);
        assert_eq!(r["items_processed"], 1);
        let after = inventory(&db.url);
        assert_eq!(after["ACM-1"], before["ACM-1"], "a held line lands nowhere");
        assert_eq!(after["ACM-5"], before["ACM-5"]);
        assert_eq!(after["ACM-2"], before["ACM-2"] + d("1"));

        let listed = json(ok(&batchops(
            &db.url,
            &["review", "list", "--format", "json"],
            &[],
        )));
        let listed = listed.as_array().unwrap();
        assert_eq!(listed.len(), 2);
        for l in listed {
            for k in ["id", "run_id", "line", "description", "candidates"] {
                assert!(!l[k].is_null(), "{k} in {l}");
            }
            let skus: Vec<&str> = l["candidates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["sku"].as_str().unwrap())
                .collect();
            assert!(
                skus.contains(&"ACM-1") && skus.contains(&"ACM-5"),
                "{skus:?}"
            );
            assert!(l["candidates"][0]["score"].as_f64().is_some());
        }
        let id = listed[0]["id"].as_i64().unwrap().to_string();
        // One decision lands both lines of the description.
        let decided = json(ok(&batchops(
            &db.url,
            &[
                "review", "decide", &id, "--item", "ACM-5", "--format", "json",
            ],
            &[],
        )));
        assert_eq!(decided["lines"], 2);
        assert_eq!(decided["landed"], 2);
        assert_eq!(inventory(&db.url)["ACM-5"], before["ACM-5"] + d("5"));
        // Deciding again, or importing the file again, moves nothing.
        let again = batchops(&db.url, &["review", "decide", &id, "--item", "ACM-1"], &[]);
        assert_eq!(again.status.code(), Some(1));
        let reimport = batchops(
            &db.url,
            &["import", "--format", "json", lines.to_str().unwrap()],
            &[],
        );
        assert_eq!(json(&reimport)["items_processed"], 0, "{}", db.kind);
        let end = inventory(&db.url);
        assert_eq!(end["ACM-5"], before["ACM-5"] + d("5"));
        assert_eq!(end["ACM-1"], before["ACM-1"]);
        // The operator's decision is learned: the spelling now maps by alias.
        let (_n, more) = write_file(
            "more.csv",
            "sku,description,quantity,unit_price\n,HEX BOLT M8 ZINC,4,0.3\n",
        );
        let r = json(&batchops(
            &db.url,
            &["import", "--format", "json", more.to_str().unwrap()],
            &[],
        ));
        assert_eq!(r["decisions"]["alias"], 1);
        assert_eq!(inventory(&db.url)["ACM-5"], before["ACM-5"] + d("9"));
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM corrections WHERE kind = 'review'")
                .await,
            1
        );
    }
}

/// Import the catalog, then the file of held lines: the inventory before the held file, the
/// review listing (JSON) and the first held line's id.
fn with_held_lines(
    db: &str,
    catalog: &std::path::Path,
    lines: &std::path::Path,
) -> (BTreeMap<String, Decimal>, Value, String) {
    ok(&batchops(db, &["import", catalog.to_str().unwrap()], &[]));
    let before = inventory(db);
    batchops(db, &["import", lines.to_str().unwrap()], &[]);
    let listed = json(ok(&batchops(
        db,
        &["review", "list", "--format", "json"],
        &[],
    )));
    let id = listed[0]["id"].as_i64().unwrap().to_string();
    (before, listed, id)
}

#[tokio::test]
async fn none_of_these_is_remembered_and_a_new_item_lands_the_lines() {
    let (_c, catalog) = write_file("catalog.csv", CATALOG);
    let (_l, lines) = write_file("held.csv", HELD_LINES);
    for db in backends().await {
        let (before, listed, id) = with_held_lines(&db.url, &catalog, &lines);
        let r = json(ok(&batchops(
            &db.url,
            &["review", "decide", &id, "--reject", "--format", "json"],
            &[],
        )));
        // With both bolts rejected nothing plausible is left: the lines create their own item.
        assert_eq!(r["landed"], 2, "{r}");
        let sku = r["sku"].as_str().unwrap().to_string();
        assert!(sku.starts_with("GEN-"), "{sku}");
        let inv = inventory(&db.url);
        assert_eq!(inv[&sku], d("5"));
        assert_eq!(inv["ACM-1"], before["ACM-1"]);
        assert_eq!(inv["ACM-5"], before["ACM-5"]);
        // Every candidate shown was rejected (both bolts among them).
        let shown = listed[0]["candidates"].as_array().unwrap().len() as i64;
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM alias_rejections").await,
            shown
        );
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM alias_rejections r JOIN inventory_items i ON i.id = r.item_id WHERE i.sku IN ('ACM-1', 'ACM-5')").await,
            2
        );
        // The rejected pairings are never proposed again, even on a new line.
        let (_n, more) = write_file(
            "more.csv",
            "sku,description,quantity,unit_price\n,Hex Bolt M8 Zinc,1,0.3\n",
        );
        let r = json(&batchops(
            &db.url,
            &["import", "--format", "json", more.to_str().unwrap()],
            &[],
        ));
        assert_eq!(r["items_held"], 0, "{r}");
        assert_eq!(inventory(&db.url)[&sku], d("6"));
    }
}

#[tokio::test]
async fn a_decision_killed_midway_is_decided_again_exactly() {
    let (_c, catalog) = write_file("catalog.csv", CATALOG);
    let (_l, lines) = write_file("held.csv", HELD_LINES);
    for point in ["review_after_land", "review_before_commit"] {
        for db in backends().await {
            let (before, _, id) = with_held_lines(&db.url, &catalog, &lines);
            let killed = batchops(
                &db.url,
                &["review", "decide", &id, "--item", "ACM-1"],
                &[("BATCHOPS_FAILPOINT", point)],
            );
            assert_eq!(killed.status.code(), None, "{point}: killed by SIGKILL");
            // Killed after landing: the stock is there once, the lines still open.
            let open = json(ok(&batchops(
                &db.url,
                &["review", "list", "--format", "json"],
                &[],
            )));
            assert_eq!(open.as_array().unwrap().len(), 2, "{point} {}", db.kind);
            ok(&batchops(
                &db.url,
                &["review", "decide", &id, "--item", "ACM-1"],
                &[],
            ));
            let inv = inventory(&db.url);
            assert_eq!(
                inv["ACM-1"],
                before["ACM-1"] + d("5"),
                "{point} {}",
                db.kind
            );
            assert_eq!(
                db.scalar("SELECT COUNT(*) FROM transactions WHERE alias IS NOT NULL AND item_id = (SELECT id FROM inventory_items WHERE sku = 'ACM-1')")
                    .await,
                2
            );
            let open = json(ok(&batchops(
                &db.url,
                &["review", "list", "--format", "json"],
                &[],
            )));
            assert!(open.as_array().unwrap().is_empty());
        }
    }
}

#[tokio::test]
async fn legacy_aliases_the_rules_refuse_are_listed_with_their_stock() {
    let (_c, catalog) = write_file("catalog.csv", CATALOG);
    // A file the old matcher imported: its line 2 went onto ACM-1 through a wrong alias.
    let (_o, old) = write_file(
        "old.csv",
        "sku,description,quantity,unit_price\nACM-1,Hex Bolt M8 x 40mm Zinc,1,0.3\n,Hex Bolt M8 x 60mm Zinc,6,0.3\n",
    );
    for db in backends().await {
        ok(&batchops(
            &db.url,
            &["import", catalog.to_str().unwrap()],
            &[],
        ));
        ok(&batchops(&db.url, &["import", old.to_str().unwrap()], &[]));
        // Make the database look like the old matcher's: the 60mm line on ACM-1, its alias legacy.
        db.exec(
            "UPDATE inventory_items SET quantity = quantity + \
               (SELECT quantity FROM inventory_items WHERE name = 'Hex Bolt M8 x 60mm Zinc') \
             WHERE sku = 'ACM-1'; \
             UPDATE transactions SET item_id = (SELECT id FROM inventory_items WHERE sku = 'ACM-1'), alias = NULL \
             WHERE line = 2 AND import_key = (SELECT import_key FROM import_runs ORDER BY id DESC LIMIT 1); \
             UPDATE inventory_items SET quantity = 0 WHERE name = 'Hex Bolt M8 x 60mm Zinc'; \
             INSERT INTO item_aliases (alias, item_id, learned_by) \
               SELECT '60mm bolt hex m8 x zinc', id, 'legacy' FROM inventory_items WHERE sku = 'ACM-1'; \
             INSERT INTO item_aliases (alias, item_id, learned_by) \
               SELECT '40mm bolt hex m8 x zinc', id, 'legacy' FROM inventory_items WHERE sku = 'ACM-1';",
        )
        .await;
        let v = json(ok(&batchops(
            &db.url,
            &["aliases", "check", "--format", "json"],
            &[],
        )));
        let v = v.as_array().unwrap();
        assert_eq!(v.len(), 1, "only the wrong alias: {v:?}");
        assert_eq!(v[0]["alias"], "60mm bolt hex m8 x zinc");
        assert_eq!(v[0]["sku"], "ACM-1");
        assert!(
            v[0]["reason"].as_str().unwrap().contains("length"),
            "{}",
            v[0]
        );
        assert_eq!(v[0]["lines"], 1);
        assert_eq!(v[0]["quantity"], "6");
        // The refused alias is not used: the same spelling does not land on ACM-1.
        let before = inventory(&db.url)["ACM-1"];
        let (_n, more) = write_file(
            "more.csv",
            "sku,description,quantity,unit_price\n,Hex Bolt M8 x 60mm Zinc,1,0.3\n",
        );
        ok(&batchops(&db.url, &["import", more.to_str().unwrap()], &[]));
        assert_eq!(inventory(&db.url)["ACM-1"], before, "{}", db.kind);
    }
}
