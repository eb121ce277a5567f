//! NUL bytes, which PostgreSQL text refuses, in every place a line carries text: the SKU (the new
//! item's key and the mapping decision kept in the dead letters), the description (the new item's
//! name), another column, and a number. On PostgreSQL each such line fails alone with the
//! database's message and is kept in the dead letters; on SQLite the text lands verbatim. Nothing
//! else is disturbed, on either backend, and a retry of the refused lines fails them again cleanly.

use crate::support::binary::{batchops, failed_lines, import, json, text};
use crate::support::db::{backends, failed_of};
use crate::support::files::write_file;
use crate::support::oracle::d;
use std::collections::{BTreeMap, BTreeSet};

const CSV: &str = "sku,description,quantity,unit_price,note\n\
    A-1,Fine,1,1,ok\n\
    N\0UL,Nul in the sku,2,1,ok\n\
    B-1,Fine too,3,1,ok\n\
    ,Nul\0in the name,4,1,ok\n\
    C-1,Nul in another column,5,1,n\0te\n\
    D-1,Nul in a number,6\0,1,ok\n\
    A-1,Fine,7,1,ok\n";

#[tokio::test]
async fn nul_bytes_fail_their_own_line_on_postgresql_and_land_on_sqlite() {
    let (_dir, path) = write_file("nul.csv", CSV);
    for db in backends().await {
        let pg = db.kind == "postgres";
        let out = import(&db.url, &path, &["--chunk-size", "500"]);
        assert_eq!(out.status.code(), Some(2), "{}: {}", db.kind, text(&out));
        let r = json(&out);
        assert!(r.get("stop_reason").is_none(), "{}: {r}", db.kind);
        let failed = failed_lines(&r);
        // Line 6: the number is not a number, on every backend.
        assert!(failed[&6].contains("quantity"), "{}", failed[&6]);
        let refused: BTreeSet<u64> = if pg { [2, 4].into() } else { BTreeSet::new() };
        for line in &refused {
            assert!(
                failed[line].contains("invalid byte sequence") && failed[line].contains("0x00"),
                "the database's own message: {}",
                failed[line]
            );
        }
        let expect_failed: BTreeSet<u64> = refused.iter().copied().chain([6]).collect();
        assert_eq!(
            failed.keys().copied().collect::<BTreeSet<_>>(),
            expect_failed,
            "{}",
            db.kind
        );
        // Every dead letter is stored, NUL and all.
        let run_id = r["run_id"].as_i64().unwrap();
        let stored = failed_of(&db, run_id).await;
        assert_eq!(
            stored.keys().copied().collect::<BTreeSet<_>>(),
            expect_failed
        );
        // Everything else landed.
        let inv: BTreeMap<String, _> = db
            .store
            .inventory()
            .await
            .unwrap()
            .into_iter()
            .map(|i| (i.sku, i.quantity))
            .collect();
        assert_eq!(inv["A-1"], d("8"));
        assert_eq!(inv["B-1"], d("3"));
        assert_eq!(
            inv["C-1"],
            d("5"),
            "a NUL in a column batchops does not store"
        );
        if pg {
            assert_eq!(inv.len(), 3, "{inv:?}");
        } else {
            assert_eq!(inv["N\0UL"], d("2"), "SQLite keeps the SKU verbatim");
            let names: Vec<String> = db
                .store
                .inventory()
                .await
                .unwrap()
                .into_iter()
                .map(|i| i.name)
                .collect();
            assert!(names.iter().any(|n| n == "Nul\0in the name"), "{names:?}");
        }
        // A retry of the run processes the unresolved lines again; the NUL lines fail again,
        // cleanly, and nothing lands twice.
        let retry = batchops(&db.url, &["retry", &run_id.to_string(), "--format", "json"]);
        assert_eq!(retry.status.code(), Some(1), "{}", text(&retry));
        let rr = json(&retry);
        assert_eq!(rr["items_failed"], expect_failed.len() as u64);
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM transactions").await,
            7 - expect_failed.len() as i64
        );
        let attempts = db
            .scalar(&format!(
                "SELECT CAST(MIN(attempts) AS BIGINT) FROM failed_items WHERE run_id = {run_id}"
            ))
            .await;
        assert_eq!(attempts, 2);
    }
}
