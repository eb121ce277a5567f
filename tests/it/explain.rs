//! Explained decisions: `import --explain` (every line's decision, the candidates weighed, the
//! evidence for each and the rule that took, held or rejected it) and `review show`.
use crate::support::binary::{self, batchops, json, text};
use crate::support::db::{self, TestDb};
use crate::support::files::write_file;
use serde_json::Value;

const CATALOG: &str = "sku,description,quantity,unit_price
ABT-1,Linksys EtherFast 8-Port 10/100 Switch - EZXS88W,1,10
ABT-3,Microsoft Windows Vista Business Retail,1,10
HB-40,Hex Bolt M8 x 40mm Zinc,1,1
HB-50,Hex Bolt M8 x 50mm Zinc,1,1
";

const INVOICE: &str = "sku,description,quantity,unit_price
,Linksys EtherFast EZXS88W Ethernet Switch - EZXS88W,2,9
,microsoft windows vista ultimate retail,1,9
,Hex Bolt M8 Zinc,4,1
ABT-1,Linksys switch,1,1
";

/// The exit code of a run that landed its lines and held some for review.
const HELD: i32 = 3;

fn seeded(db: &TestDb) -> (tempfile::TempDir, std::path::PathBuf) {
    let (_c, catalog) = write_file("catalog.csv", CATALOG);
    let out = binary::import(&db.url, &catalog, &[]);
    assert!(out.status.success(), "{}", text(&out));
    write_file("invoice.csv", INVOICE)
}

fn line(explained: &Value, n: u64) -> &Value {
    explained
        .as_array()
        .expect("explained lines")
        .iter()
        .find(|e| e["line"] == n)
        .unwrap_or_else(|| panic!("line {n} explained: {explained}"))
}

fn verdict_of<'a>(e: &'a Value, sku: &str) -> &'a str {
    e["considered"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["sku"] == sku)
        .unwrap_or_else(|| panic!("{sku} weighed: {e}"))["verdict"]
        .as_str()
        .unwrap()
}

#[tokio::test]
async fn import_explain_lists_every_line_with_the_candidates_weighed_and_their_verdicts() {
    for db in db::backends().await {
        let (_dir, invoice) = seeded(&db);
        let out = binary::import(&db.url, &invoice, &["--explain", "--dry-run"]);
        assert_eq!(out.status.code(), Some(HELD), "{}", text(&out));
        let report = json(&out);
        let explained = &report["explained"];
        assert_eq!(explained.as_array().map(Vec::len), Some(4), "{report}");

        // A shared model code pins the item whatever the words.
        let switch = line(explained, 1);
        assert_eq!(switch["decision"]["kind"], "fuzzy", "{switch}");
        assert_eq!(switch["item"], "ABT-1");
        assert_eq!(switch["considered"][0]["identifiers"][0], "ezxs88w");
        assert!(verdict_of(switch, "ABT-1").starts_with("taken: the model code"));

        // A created item says which catalog item came close and what rejected it.
        let vista = line(explained, 2);
        assert_eq!(vista["decision"]["kind"], "created", "{vista}");
        assert_eq!(
            verdict_of(vista, "ABT-3"),
            "vetoed: edition ultimate ≠ business"
        );

        // A held line: both candidates, each with what one side leaves out.
        let bolt = line(explained, 3);
        assert_eq!(bolt["decision"]["kind"], "held", "{bolt}");
        assert!(bolt.get("item").is_none(), "{bolt}");
        assert_eq!(
            verdict_of(bolt, "HB-50"),
            "held for review: not stated on both sides: length 50 mm (item only)"
        );

        // By SKU: nothing was weighed.
        let by_sku = line(explained, 4);
        assert_eq!(by_sku["decision"]["kind"], "sku");
        assert_eq!(by_sku["sku"], "ABT-1");
        assert_eq!(by_sku["considered"], Value::Array(Vec::new()));

        // Without --explain the report carries no explanation.
        let plain = binary::import(&db.url, &invoice, &["--dry-run"]);
        assert!(json(&plain).get("explained").is_none(), "{}", text(&plain));
    }
}

#[tokio::test]
async fn import_explain_prints_the_decisions_above_the_text_report() {
    let db = db::sqlite().await;
    let (_dir, invoice) = seeded(&db);
    let out = batchops(
        &db.url,
        &[
            "import",
            "--explain",
            "--dry-run",
            invoice.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(HELD), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let (decisions, report) = stdout
        .split_once("\n\n")
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        decisions.starts_with("decisions, line by line:\n"),
        "{stdout}"
    );
    assert!(
        decisions.contains("line 2 \"microsoft windows vista ultimate retail\": created item GEN-"),
        "{stdout}"
    );
    assert!(
        decisions.contains(
            "    ABT-3 \"Microsoft Windows Vista Business Retail\" words 1.00; differed: edition \
             ultimate ≠ business → vetoed: edition ultimate ≠ business"
        ),
        "{stdout}"
    );
    assert!(
        decisions.contains("line 4 [ABT-1] \"Linksys switch\": matched by sku ABT-1"),
        "{stdout}"
    );
    assert!(report.contains("status success"), "{stdout}");
    assert!(report.contains("1 held"), "{stdout}");
}

#[tokio::test]
async fn review_show_lists_the_groups_lines_as_written_and_each_candidates_evidence() {
    for db in db::backends().await {
        let (_dir, invoice) = seeded(&db);
        let (_d2, again) = write_file(
            "again.csv",
            "sku,description,quantity,unit_price\n,hex bolt m8 zinc,2,1\n",
        );
        for f in [&invoice, &again] {
            let out = binary::import(&db.url, f, &[]);
            assert_eq!(out.status.code(), Some(HELD), "{}", text(&out));
        }
        let listed = json(&batchops(&db.url, &["review", "list", "--format", "json"]));
        let id = listed[0]["id"].as_i64().expect("a held line");

        let out = batchops(&db.url, &["review", "show", &id.to_string()]);
        assert!(out.status.success(), "{}", text(&out));
        let shown = String::from_utf8_lossy(&out.stdout);
        assert!(
            shown.starts_with(&format!(
                "held line {id} (open), read as \"bolt hex | material=zinc | thread=m8\"; 2 line(s):\n"
            )),
            "{shown}"
        );
        assert!(
            shown.contains(" line 3: ,Hex Bolt M8 Zinc,4,1\n"),
            "{shown}"
        );
        assert!(
            shown.contains(" line 1: ,hex bolt m8 zinc,2,1\n"),
            "{shown}"
        );
        assert!(
            shown.contains("  HB-50          1.00  Hex Bolt M8 x 50mm Zinc\n      agrees: material zinc, thread m8\n      differs: length 50 mm (item only)\n"),
            "{shown}"
        );

        let as_json = json(&batchops(
            &db.url,
            &["review", "show", &id.to_string(), "--format", "json"],
        ));
        assert_eq!(as_json.as_array().map(Vec::len), Some(2), "{as_json}");

        let missing = batchops(&db.url, &["review", "show", "999999"]);
        assert_eq!(missing.status.code(), Some(1), "{}", text(&missing));
        assert!(
            String::from_utf8_lossy(&missing.stderr).contains("no held line 999999"),
            "{}",
            text(&missing)
        );
    }
}
