//! Two operators start their first import at the same moment on a SQLite database file that does
//! not exist yet: both processes create and migrate it (SQLite has no migration lock), and both
//! imports must land exactly.

use crate::support::binary::{bin, json, text};
use crate::support::files::write_file;
use crate::support::oracle::{Batch, Spec};
use std::collections::BTreeMap;
use std::process::{Child, Stdio};

fn spawn_import(url: &str, path: &std::path::Path) -> Child {
    bin()
        .arg("--database-url")
        .arg(url)
        .args(["import", "--format", "json", "--chunk-size", "200"])
        .arg(path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn batchops")
}

#[tokio::test]
async fn two_first_imports_race_to_create_a_new_sqlite_database() {
    for round in 0..4 {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("fresh.db").display());
        let batches = [700 + round, 800 + round].map(|seed| {
            Batch::generate(Spec {
                lines: 1_500,
                no_sku_percent: 20,
                seed,
                ..Spec::default()
            })
        });
        let (_d0, p0) = write_file("a.csv", &batches[0].csv);
        let (_d1, p1) = write_file("b.csv", &batches[1].csv);
        let a = spawn_import(&url, &p0);
        let b = spawn_import(&url, &p1);
        for (child, batch) in [(a, &batches[0]), (b, &batches[1])] {
            let out = child.wait_with_output().unwrap();
            assert_eq!(out.status.code(), Some(2), "round {round}: {}", text(&out));
            assert_eq!(json(&out)["items_processed"], batch.good().len() as u64);
        }
        let store = batchops::store::open(&url).await.unwrap();
        let mut oracle = batches[0].oracle();
        batches[1].add_to(&mut oracle, &batches[1].good());
        let inv: BTreeMap<String, _> = store
            .inventory()
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.name, r.quantity))
            .collect();
        assert_eq!(inv, oracle, "round {round}");
        store.close().await;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("fresh.db"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "created readable by its owner only");
        }
    }
}
