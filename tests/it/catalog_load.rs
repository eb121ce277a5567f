//! The whole catalog as the store loads it (built on a thread of its own from batches of rows, its
//! names read while the next rows arrive), and the catalog it kept from an earlier run with the
//! items added since and the renames and merges since applied, is the catalog built from the same
//! items in one go; a kept catalog the database no longer holds (a database restored from a copy
//! and imported into again, a damaged file) is never used. Real SQLite files and the real
//! PostgreSQL server.

use crate::support::binary::{batchops_command, batchops_env, json, signal, text};
use crate::support::db::{TestDb, backends, inventory_by_sku, sqlite};
use crate::support::files::write_file;
use crate::support::library::import;
use batchops::engine::ImportOptions;
use batchops::mapping::signature::signature;
use batchops::mapping::{Catalog, CatalogItem, Exact, lexicon};
use batchops::store::{self, CatalogCache, OpenOptions, Store};
use std::path::Path;
use std::sync::Arc;

/// Items enough for several batches of rows and blocks of names.
const ITEMS: u64 = 5_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_loaded_catalog_is_the_catalog_built_from_its_items() {
    let items = batchops::generate::catalog(ITEMS, 11);
    let mut csv = String::from("sku,description,quantity,unit_price\n");
    for (sku, name, _) in &items {
        csv.push_str(&format!("{sku},\"{name}\",1,1.00\n"));
    }
    let (_dir, path) = write_file("catalog.csv", &csv);
    for db in backends().await {
        let report = import(&db, &path, &ImportOptions::default()).await;
        assert_eq!(report.decisions.created, ITEMS, "{}", db.kind);
        let mut loaded = db
            .store
            .load_catalog()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", db.kind));
        assert_eq!(loaded.len(), items.len(), "{}", db.kind);
        assert_is_the_database_catalog(&db, &mut loaded, "read whole").await;
    }
}

/// A CSV of `n` items whose SKUs start with `prefix`, named as the generator names products.
fn items_csv(prefix: &str, n: u64, seed: u64) -> String {
    let mut csv = String::from("sku,description,quantity,unit_price\n");
    for (i, (_, name, _)) in batchops::generate::catalog(n, seed).iter().enumerate() {
        csv.push_str(&format!("{prefix}-{i:05},\"{name} {prefix}\",1,1.00\n"));
    }
    csv
}

/// Add items as another program would: `n` rows straight into the table, SKUs starting with
/// `prefix`, the generator's names.
async fn insert_items(db: &TestDb, prefix: &str, n: u64, seed: u64) {
    let values: Vec<String> = batchops::generate::catalog(n, seed)
        .iter()
        .enumerate()
        .map(|(i, (_, name, _))| {
            format!(
                "('{prefix}-{i:05}', '{} {prefix}', 0)",
                name.replace('\'', "''")
            )
        })
        .collect();
    db.exec(&format!(
        "INSERT INTO inventory_items (sku, name, quantity) VALUES {}",
        values.join(", ")
    ))
    .await;
}

/// Import a CSV under the key `name`.
async fn import_csv(store: &dyn Store, name: &str, csv: &str) {
    let (_dir, path) = write_file(name, csv);
    let opts = ImportOptions {
        import_key: Some(name.to_string()),
        ..ImportOptions::default()
    };
    let report = crate::support::library::import_into(store, &path, &opts).await;
    assert_eq!(
        report.decisions.created as usize,
        csv.lines().count() - 1,
        "{name}: every line its own new item"
    );
}

/// A store of the database keeping its catalog in `dir` from 1,000 items.
async fn keeping(db: &TestDb, dir: &Path) -> Arc<dyn Store> {
    let opts = OpenOptions {
        catalog_cache: Some(CatalogCache {
            dir: dir.to_path_buf(),
            from_items: 1_000,
        }),
        ..OpenOptions::default()
    };
    store::open_with(&db.url, &opts)
        .await
        .expect("open the store")
}

/// The kept files in `dir`: (name, size).
fn kept_files(dir: &Path) -> Vec<(String, u64)> {
    let mut files: Vec<(String, u64)> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| {
                    let size = e.metadata().map(|m| m.len()).unwrap_or(0);
                    (e.file_name().to_string_lossy().into_owned(), size)
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// `loaded` holds the database's live items in id order, and finds for each of a sample of names
/// what the catalog built from those items in one go finds (so that ties fall alike): the exact
/// key's item and the same candidates with the same scores, its own item among them.
async fn assert_is_the_database_catalog(db: &TestDb, loaded: &mut Catalog, what: &str) {
    let rows = db
        .pairs("SELECT id, sku FROM inventory_items WHERE retired_at IS NULL ORDER BY id")
        .await;
    // The items in the order of their positions, those gone since the catalog was kept left out.
    let order: Vec<String> = (0..loaded.items().len() as u32)
        .map(|idx| loaded.item(idx).0.to_string())
        .filter(|sku| {
            loaded
                .index_of(sku)
                .is_some_and(|i| loaded.item(i).0 == sku)
        })
        .collect();
    let skus: Vec<String> = rows.into_iter().map(|(_, sku)| sku).collect();
    assert_eq!(order, skus, "{} {what}: the items, in id order", db.kind);
    let names = db
        .pairs("SELECT id, name FROM inventory_items WHERE retired_at IS NULL ORDER BY id")
        .await;
    let in_order: Vec<CatalogItem> = skus
        .iter()
        .zip(&names)
        .map(|(sku, (_, name))| CatalogItem {
            sku: sku.clone(),
            name: name.clone(),
        })
        .collect();
    let mut built = Catalog::new::<(String, String)>(in_order, vec![]);
    let lex = lexicon::current();
    let found = |c: &Catalog, found: &[(u32, batchops::mapping::compare::Comparison)]| {
        found
            .iter()
            .map(|(idx, cmp)| (c.item(*idx).0.to_string(), cmp.score))
            .collect::<Vec<_>>()
    };
    for (sku, (_, name)) in skus.iter().zip(&names).step_by(97) {
        assert_eq!(loaded.name(sku), Some(name.as_str()), "{} {what}", db.kind);
        let sig = signature(&name.to_lowercase(), &lex);
        let key = sig.key();
        assert_eq!(
            loaded.exact(&key),
            built.exact(&key),
            "{} {what}: {name}",
            db.kind
        );
        let (a, b) = (loaded.candidates(&key, &sig), built.candidates(&key, &sig));
        assert_eq!(
            found(loaded, &a),
            found(&built, &b),
            "{} {what}: {name}",
            db.kind
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_catalog_with_the_items_added_since_is_the_catalog_read_whole() {
    for db in backends().await {
        let cache = tempfile::tempdir().expect("tempdir");
        import_csv(&*db.store, "first.csv", &items_csv("FIRST", 3_000, 21)).await;
        let kept = keeping(&db, cache.path()).await;

        // Read whole, and kept.
        let mut loaded = kept.load_catalog().await.expect("load");
        assert_is_the_database_catalog(&db, &mut loaded, "read whole").await;
        let files = kept_files(cache.path());
        assert_eq!(files.len(), 1, "{}: one kept file: {files:?}", db.kind);

        // Another program adds fewer items than make a new file worth it: the kept catalog
        // serves, with them read after it.
        insert_items(&db, "SECOND", 400, 22).await;
        let mut loaded = kept.load_catalog().await.expect("load");
        assert_is_the_database_catalog(&db, &mut loaded, "kept + 400 new").await;
        assert_eq!(
            kept_files(cache.path()),
            files,
            "{}: not written again",
            db.kind
        );

        // As many items again as a file is kept from: kept again with them.
        insert_items(&db, "THIRD", 1_200, 23).await;
        let mut loaded = kept.load_catalog().await.expect("load");
        assert_is_the_database_catalog(&db, &mut loaded, "kept + 1,600 new").await;
        let grown = kept_files(cache.path());
        assert!(
            grown[0].1 > files[0].1,
            "{}: kept again: {grown:?}",
            db.kind
        );

        // A renamed item: the kept catalog no longer serves.
        db.exec(
            "UPDATE inventory_items SET name = 'Renamed Bracket Zeta Quartz' WHERE sku = 'FIRST-00007'",
        )
        .await;
        let mut loaded = kept.load_catalog().await.expect("load");
        assert_eq!(
            loaded.name("FIRST-00007"),
            Some("Renamed Bracket Zeta Quartz")
        );
        assert_is_the_database_catalog(&db, &mut loaded, "after a rename").await;

        // A file cut short is read whole again, and kept again.
        let path = cache.path().join(&kept_files(cache.path())[0].0);
        let bytes = std::fs::read(&path).expect("read the kept file");
        std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("damage it");
        let mut loaded = kept.load_catalog().await.expect("load");
        assert_is_the_database_catalog(&db, &mut loaded, "after a damaged file").await;
        assert_eq!(
            std::fs::read(&path).expect("read the kept file").len(),
            bytes.len(),
            "{}: kept again whole",
            db.kind
        );

        // So is a file of the right length with one byte changed inside a part, or inside its
        // header (which holds the items' ids).
        for what in ["in a part", "in the header's item ids"] {
            let mut flipped = std::fs::read(&path).expect("read the kept file");
            // The file: its format (8 bytes), then the header's part: the length of its
            // serialized bytes (8) and their checksum (8), those bytes, how many columns follow
            // (8), and its one column (the items' ids): length (8), checksum (8), the ids. The
            // catalog's parts follow.
            let number = |at: usize| u64::from_le_bytes(flipped[at..at + 8].try_into().unwrap());
            let columns_at = 24 + number(8) as usize;
            assert_eq!(
                number(columns_at),
                1,
                "{}: the header's one column",
                db.kind
            );
            let ids_end = columns_at + 24 + number(columns_at + 8) as usize;
            // The lowest bit of the last id: the ids still read, one wrong.
            let (at, bits) = match what {
                "in a part" => (flipped.len() - flipped.len() / 3, 0x5a),
                _ => (ids_end - 8, 0x01),
            };
            flipped[at] ^= bits;
            std::fs::write(&path, &flipped).expect("damage it");
            let mut loaded = kept.load_catalog().await.expect("load");
            assert_is_the_database_catalog(&db, &mut loaded, what).await;
            assert!(
                std::fs::read(&path).expect("read the kept file") != flipped,
                "{} {what}: not used, and kept again",
                db.kind
            );
        }

        // A catalog loaded for a key whose runs created items is not the kept one: those items
        // are left out, and nothing is kept.
        let before = kept_files(cache.path());
        let without = kept
            .load_catalog_before("first.csv")
            .await
            .expect("load without a key's items");
        let first = (0..without.len() as u32)
            .filter(|&i| without.item(i).0.starts_with("FIRST-"))
            .count();
        assert_eq!(first, 0, "{}: without the items of first.csv", db.kind);
        assert_eq!(without.len(), 1_600, "{}: the items added", db.kind);
        assert_eq!(kept_files(cache.path()), before, "{}", db.kind);
    }
}

/// Renames and merges since a catalog was kept are applied to it: the catalog is the one read
/// whole from the items as they are, and the kept file is not read whole or written again. A
/// rename the kept catalog cannot read as a whole read would (a word new to the items before
/// it), a deleted item, or more items added since than a file is kept from, read it whole and
/// keep it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renames_and_merges_since_are_applied_to_the_kept_catalog() {
    for db in backends().await {
        let cache = tempfile::tempdir().expect("tempdir");
        import_csv(&*db.store, "first.csv", &items_csv("FIRST", 3_000, 31)).await;
        // Coach screws, two copies of the first among them, after the generated items.
        db.exec(
            "INSERT INTO inventory_items (sku, name, quantity) VALUES \
             ('COACH-80', 'Coach Screw M10 x 80mm Zinc Plated', 5), \
             ('COACH-100', 'Coach Screw M10 x 100mm Zinc Plated Pack of 10', 5), \
             ('COACH-80-DUP', 'Coach Screw M10 x 80mm Zinc Plated', 7), \
             ('COACH-80-PK', 'Coach Screw M10 x 80mm Zinc Plated Pack of 10', 1), \
             ('SPARE-1', 'Coach Screw M10 x 80mm Zinc Plated', 0), \
             ('COACH-80-ART', 'Coach Screw M10 x 80mm Zinc Plated Art 98765', 2)",
        )
        .await;
        let kept = keeping(&db, cache.path()).await;
        let mut loaded = kept.load_catalog().await.expect("load");
        assert_is_the_database_catalog(&db, &mut loaded, "read whole").await;
        let files = kept_files(cache.path());
        let path = cache.path().join(&files[0].0);
        let modified = || std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        let written = modified();

        // An operator merges the copy into the first, and the one with an article number no
        // other item has (it goes with it); another program renames the pack of 80mm screws to
        // the 100mm ones' name and an item to its name in capitals.
        for from in ["COACH-80-DUP", "COACH-80-ART"] {
            let applied =
                batchops::corrections::merge_items(&*db.store, from, "COACH-80", "tester").await;
            assert!(applied.is_ok(), "{}: merged {from}: {applied:?}", db.kind);
        }
        db.exec(
            "UPDATE inventory_items SET name = 'Coach Screw M10 x 100mm Zinc Plated Pack of 10' \
             WHERE sku = 'COACH-80-PK'",
        )
        .await;
        db.exec("UPDATE inventory_items SET name = upper(name) WHERE sku = 'FIRST-00012'")
            .await;
        insert_items(&db, "LATER", 50, 32).await;
        let mut loaded = kept.load_catalog().await.expect("load");
        assert_eq!(loaded.sku("COACH-80-DUP").as_deref(), Some("COACH-80"));
        assert_eq!(
            loaded.name("COACH-80-PK"),
            Some("Coach Screw M10 x 100mm Zinc Plated Pack of 10")
        );
        let key = loaded.key_of("coach screw m10 x 100mm zinc plated pack of 10");
        assert_eq!(
            loaded.exact(&key),
            Some(Exact::Several(vec![
                "COACH-100".into(),
                "COACH-80-PK".into()
            ])),
            "{}: the two items named alike",
            db.kind
        );
        assert_is_the_database_catalog(&db, &mut loaded, "renamed and merged").await;
        assert_eq!(kept_files(cache.path()), files, "{}", db.kind);
        assert_eq!(modified(), written, "{}: applied, not read whole", db.kind);

        // An import through the kept catalog: the merged item's SKU lands on the item it was
        // merged into, and a line named as the renamed item and the one it is now named alike
        // with is held (two items read the same).
        let csv = "sku,description,quantity,unit_price\n\
                   COACH-80-ART,Coach Screw M10 x 80mm Zinc Plated Art 98765,3,1.00\n\
                   ,Coach Screw M10 x 100mm Zinc Plated Pack of 10,1,1.00\n";
        let (_dir, path) = write_file("after.csv", csv);
        let before = inventory_by_sku(&*kept).await;
        let opts = ImportOptions::default();
        let report = crate::support::library::import_into(&*kept, &path, &opts).await;
        let after = inventory_by_sku(&*kept).await;
        let moved = after["COACH-80"] - before["COACH-80"];
        assert_eq!(moved, 3.into(), "{}: {report:?}", db.kind);
        assert_eq!(report.decisions.held, 1, "{}: {report:?}", db.kind);
        assert_eq!(
            modified(),
            written,
            "{}: the import applied them too",
            db.kind
        );

        // Applied again by the next run, with a merge more.
        let applied =
            batchops::corrections::merge_items(&*db.store, "COACH-80-PK", "COACH-100", "tester")
                .await;
        assert!(applied.is_ok(), "{}: merged: {applied:?}", db.kind);
        let mut loaded = kept.load_catalog().await.expect("load");
        assert_is_the_database_catalog(&db, &mut loaded, "merged twice").await;
        assert_eq!(modified(), written, "{}: applied again", db.kind);

        // A name with a word no item before it has: read whole, and kept again.
        db.exec(
            "UPDATE inventory_items SET name = 'Quintzelbrack Plate' WHERE sku = 'FIRST-00020'",
        )
        .await;
        let mut loaded = kept.load_catalog().await.expect("load");
        assert_is_the_database_catalog(&db, &mut loaded, "a new word").await;
        let again = modified();
        assert_ne!(again, written, "{}: read whole and kept again", db.kind);

        // A deleted item: read whole.
        db.exec("DELETE FROM inventory_items WHERE sku = 'SPARE-1'")
            .await;
        let mut loaded = kept.load_catalog().await.expect("load");
        assert_eq!(loaded.name("SPARE-1"), None);
        assert_is_the_database_catalog(&db, &mut loaded, "an item deleted").await;
        let deleted = modified();
        assert_ne!(deleted, again, "{}: read whole and kept again", db.kind);

        // More changes than a kept catalog applies: the log keeps as many, and the catalog is
        // read whole.
        db.exec("UPDATE inventory_items SET name = upper(name) WHERE sku LIKE 'FIRST-%'")
            .await;
        let logged = db.scalar("SELECT COUNT(*) FROM catalog_changes").await;
        let most = batchops::store::catalog_cache::KEPT_CHANGES_AT_MOST;
        assert_eq!(logged, most, "{}: the last changes logged", db.kind);
        let mut loaded = kept.load_catalog().await.expect("load");
        assert_is_the_database_catalog(&db, &mut loaded, "3,000 renames").await;
        assert_ne!(
            modified(),
            deleted,
            "{}: read whole and kept again",
            db.kind
        );
    }
}

/// A database file restored from a copy and imported into again holds other items under the
/// ids the kept catalog knows, as many of them, nothing renamed: its runs differ, and the kept
/// catalog is not used.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_restored_from_a_copy_and_imported_into_again_is_read_whole() {
    let db = sqlite().await;
    let cache = tempfile::tempdir().expect("tempdir");
    let file = db.url.trim_start_matches("sqlite:").to_string();
    let backup = format!("{file}.backup");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("VACUUM INTO '{backup}'")))
        .execute(db_pool(&db).await.as_mut())
        .await
        .expect("back up the database");

    import_csv(&*db.store, "x.csv", &items_csv("X", 1_000, 32)).await;
    let kept = keeping(&db, cache.path()).await;
    let mut loaded = kept.load_catalog().await.expect("load");
    assert_is_the_database_catalog(&db, &mut loaded, "with X").await;
    assert_eq!(kept_files(cache.path()).len(), 1);
    drop(loaded);
    kept.close().await;
    db.store.close().await;

    // Restored, then another file of as many items imported: the same ids, other items.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{file}{suffix}"));
    }
    std::fs::copy(&backup, &file).expect("restore the copy");
    let restored = store::open(&db.url).await.expect("open the restored file");
    import_csv(&*restored, "y.csv", &items_csv("Y", 1_000, 33)).await;
    let kept = keeping(&db, cache.path()).await;
    let mut loaded = kept.load_catalog().await.expect("load");
    assert!(
        loaded.name("Y-00000").is_some(),
        "the restored database's items"
    );
    assert!(loaded.name("X-00000").is_none(), "not the kept catalog's");
    assert_is_the_database_catalog(&db, &mut loaded, "restored, with Y").await;
}

/// A connection of the test's own to a SQLite database.
async fn db_pool(db: &TestDb) -> Box<sqlx::SqliteConnection> {
    use sqlx::Connection;
    Box::new(
        sqlx::SqliteConnection::connect(&db.url)
            .await
            .expect("connect"),
    )
}

/// Killed with the kept catalog written whole under its temporary name, before it was renamed into
/// place: nothing is kept, nothing landed; the import run again lands every line once, keeps the
/// catalog, and the next run reads it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_keeping_the_catalog_then_imported_again() {
    let kept_from = batchops::store::catalog_cache::KEPT_FROM_ITEMS as u64;
    for db in backends().await {
        let cache = tempfile::tempdir().expect("tempdir");
        insert_items(&db, "BASE", kept_from, 41).await;
        // A line without a SKU, named as an item is: found by its name in the whole catalog.
        let named = db
            .pairs("SELECT id, name FROM inventory_items WHERE sku = 'BASE-00003'")
            .await;
        let (_dir, path) = write_file(
            "invoice.csv",
            &format!(
                "sku,description,quantity,unit_price\n\
                 BASE-00001,first,3,1.00\n\
                 BASE-00002,second,4,1.00\n\
                 ,\"{}\",2,1.00\n\
                 BASE-00001,first again,5,1.00\n",
                named[0].1
            ),
        );
        let dir = cache.path().to_str().unwrap();
        let run = |failpoint: Option<&str>| {
            let mut env = vec![("BATCHOPS_CATALOG_CACHE", dir)];
            if let Some(point) = failpoint {
                env.push(("BATCHOPS_FAILPOINT", point));
            }
            let args = ["-v", "import", "--format", "json", path.to_str().unwrap()];
            batchops_env(&db.url, &args, &env)
        };

        let killed = run(Some("catalog_kept_before_rename"));
        assert_eq!(signal(&killed), Some(9), "{}: {}", db.kind, text(&killed));
        let files: Vec<String> = kept_files(cache.path()).into_iter().map(|f| f.0).collect();
        assert!(
            files.len() == 1 && files[0].starts_with(".catalog-"),
            "{}: only the unfinished file: {files:?}",
            db.kind
        );
        let nothing = inventory_by_sku(&*db.store).await;
        assert!(
            nothing.values().all(|q| q.is_zero()),
            "{}: nothing landed",
            db.kind
        );

        let again = run(None);
        assert!(again.status.success(), "{}: {}", db.kind, text(&again));
        assert_eq!(json(&again)["items_processed"], 4, "{}", db.kind);
        assert!(
            kept_files(cache.path())
                .iter()
                .any(|(name, _)| name.ends_with(".catalog")),
            "{}: kept",
            db.kind
        );
        let inventory = inventory_by_sku(&*db.store).await;
        assert_eq!(inventory["BASE-00001"], 8.into(), "{}", db.kind);
        assert_eq!(inventory["BASE-00002"], 4.into(), "{}", db.kind);
        assert_eq!(inventory["BASE-00003"], 2.into(), "{}", db.kind);
        assert_eq!(
            inventory.values().filter(|q| !q.is_zero()).count(),
            3,
            "{}: only the invoice's items moved",
            db.kind
        );

        let next = run(None);
        assert!(
            String::from_utf8_lossy(&next.stderr).contains("kept catalog read"),
            "{}: the next run reads the kept catalog: {}",
            db.kind,
            text(&next)
        );
        assert_eq!(
            json(&next)["items_processed"],
            0,
            "{}: imported once",
            db.kind
        );
        assert_eq!(inventory_by_sku(&*db.store).await, inventory, "{}", db.kind);
    }
}

/// A merge killed inside its transaction, with the catalog kept: nothing of it is logged, and the
/// next import reads the kept catalog as it was and lands the merged SKU on its own item; the
/// merge run again is logged, applied to the kept catalog (not read whole), and the same SKU lands
/// on the item it was merged into. The inventory is the oracle's after each step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merge_killed_with_the_catalog_kept_then_run_again_is_applied_once() {
    let kept_from = batchops::store::catalog_cache::KEPT_FROM_ITEMS as u64;
    for db in backends().await {
        let cache = tempfile::tempdir().expect("tempdir");
        insert_items(&db, "BASE", kept_from, 47).await;
        db.exec(
            "INSERT INTO inventory_items (sku, name, quantity) \
             VALUES ('DUP-3', 'Copy of the third Art 424242', 0)",
        )
        .await;
        // A line named as an item is, so that each run reads the catalog.
        let named = db
            .pairs("SELECT id, name FROM inventory_items WHERE sku = 'BASE-00005'")
            .await
            .remove(0)
            .1;
        let dir = cache.path().to_str().unwrap();
        let import = |name: &str, qty: u32| {
            let (_dir, path) = write_file(
                name,
                &format!(
                    "sku,description,quantity,unit_price\nDUP-3,copy,{qty},1.00\n,\"{named}\",1,1.00\n"
                ),
            );
            let args = [
                "-v",
                "import",
                "--format",
                "json",
                "--as-new-invoice",
                path.to_str().unwrap(),
            ];
            batchops_env(&db.url, &args, &[("BATCHOPS_CATALOG_CACHE", dir)])
        };
        let changes = "SELECT changes FROM catalog_stamp";
        let first = import("first.csv", 1);
        assert!(first.status.success(), "{}: {}", db.kind, text(&first));
        let path = cache.path().join(&kept_files(cache.path())[0].0);
        let modified = || std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        let written = modified();
        let counted = db.scalar(changes).await;

        let merge = ["items", "merge", "DUP-3", "--into", "BASE-00003"];
        let killed = batchops_env(
            &db.url,
            &merge,
            &[("BATCHOPS_FAILPOINT", "merge_before_commit")],
        );
        assert_eq!(signal(&killed), Some(9), "{}: {}", db.kind, text(&killed));
        assert_eq!(
            db.scalar(changes).await,
            counted,
            "{}: nothing counted",
            db.kind
        );
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM catalog_changes").await,
            0,
            "{}: nothing logged",
            db.kind
        );
        let after_kill = import("second.csv", 2);
        assert!(
            after_kill.status.success(),
            "{}: {}",
            db.kind,
            text(&after_kill)
        );
        let inventory = inventory_by_sku(&*db.store).await;
        assert_eq!(inventory["DUP-3"], 3.into(), "{}: not merged", db.kind);
        assert_eq!(modified(), written, "{}: the kept catalog served", db.kind);

        let merged = batchops_env(&db.url, &merge, &[]);
        assert!(merged.status.success(), "{}: {}", db.kind, text(&merged));
        assert_eq!(db.scalar(changes).await, counted + 1, "{}", db.kind);
        let third = import("third.csv", 4);
        assert!(
            String::from_utf8_lossy(&third.stderr).contains("changed=1"),
            "{}: the merge applied to the kept catalog: {}",
            db.kind,
            text(&third)
        );
        assert_eq!(modified(), written, "{}: not read whole", db.kind);
        let inventory = inventory_by_sku(&*db.store).await;
        assert_eq!(
            inventory["BASE-00003"],
            7.into(),
            "{}: 3 merged, 4 landed",
            db.kind
        );
        let emptied = inventory.get("DUP-3").is_none_or(|q| q.is_zero());
        assert!(emptied, "{}: retired, emptied", db.kind);
        assert_eq!(inventory["BASE-00005"], 3.into(), "{}: once a run", db.kind);
        assert_eq!(
            inventory.values().filter(|q| !q.is_zero()).count(),
            2,
            "{}: only the invoices' items hold stock",
            db.kind
        );
    }
}

/// Importers started together on one kept catalog with a merge applied since: each reads the kept
/// file and applies the merge (none writes the file again), each lands its lines once on the item
/// the SKU was merged into, and the inventory is the sum of the files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn importers_at_once_apply_a_merge_to_one_kept_catalog() {
    let kept_from = batchops::store::catalog_cache::KEPT_FROM_ITEMS as u64;
    for db in backends().await {
        let cache = tempfile::tempdir().expect("tempdir");
        insert_items(&db, "BASE", kept_from, 53).await;
        db.exec(
            "INSERT INTO inventory_items (sku, name, quantity) \
             VALUES ('DUP-7', 'Copy of the seventh Art 535353', 0)",
        )
        .await;
        let named = db
            .pairs("SELECT id, name FROM inventory_items WHERE sku = 'BASE-00009'")
            .await
            .remove(0)
            .1;
        let dir = cache.path().to_str().unwrap();
        let env = [("BATCHOPS_CATALOG_CACHE", dir)];
        let files: Vec<_> = (1..=4u32)
            .map(|k| {
                let csv = format!(
                    "sku,description,quantity,unit_price\nDUP-7,copy,{k},1.00\n,\"{named}\",1,1.00\n"
                );
                write_file(&format!("part-{k}.csv"), &csv)
            })
            .collect();
        let import = |k: usize| {
            let path = files[k].1.to_str().unwrap();
            let args = ["-v", "import", "--format", "json", "--as-new-invoice", path];
            batchops_command(&db.url, &args, &env)
        };
        let first = import(0).output().expect("run");
        assert!(first.status.success(), "{}: {}", db.kind, text(&first));
        let path = cache.path().join(&kept_files(cache.path())[0].0);
        let written = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        let merge = ["items", "merge", "DUP-7", "--into", "BASE-00007"];
        let merged = batchops_env(&db.url, &merge, &[]);
        assert!(merged.status.success(), "{}: {}", db.kind, text(&merged));

        let children: Vec<_> = (1..4)
            .map(|k| {
                let mut c = import(k);
                c.stdout(std::process::Stdio::piped());
                c.stderr(std::process::Stdio::piped());
                c.spawn().expect("start an importer")
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().expect("wait");
            assert!(out.status.success(), "{}: {}", db.kind, text(&out));
            let log = String::from_utf8_lossy(&out.stderr);
            assert!(log.contains("changed=1"), "{}: applied: {log}", db.kind);
        }
        let now = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        assert_eq!(now, written, "{}: the kept file as it was", db.kind);
        let inventory = inventory_by_sku(&*db.store).await;
        assert_eq!(
            inventory["BASE-00007"],
            10.into(),
            "{}: 1 merged, 2+3+4",
            db.kind
        );
        assert_eq!(
            inventory["BASE-00009"],
            4.into(),
            "{}: once a file",
            db.kind
        );
        assert_eq!(
            inventory.values().filter(|q| !q.is_zero()).count(),
            2,
            "{}: only the files' items hold stock",
            db.kind
        );
    }
}

/// The kept file cut short while a run holds it (its tables left in the file, read as lines need
/// them): the run stops before any line lands, naming the file, and creates no item; the import
/// run again reads the catalog whole, keeps it again and lands every line once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_file_cut_short_during_a_run_stops_it_before_a_line_lands() {
    let kept_from = batchops::store::catalog_cache::KEPT_FROM_ITEMS as u64;
    for db in backends().await {
        let cache = tempfile::tempdir().expect("tempdir");
        insert_items(&db, "BASE", kept_from, 43).await;
        // Lines without a SKU, named as items are: each found by its name in the catalog.
        let mut named = Vec::new();
        for sku in ["BASE-00003", "BASE-00101", "BASE-07777"] {
            let sql = format!("SELECT id, name FROM inventory_items WHERE sku = '{sku}'");
            named.push((sku, db.pairs(&sql).await.remove(0).1));
        }
        let line = |(_, name): &(&str, String), qty: u32| format!(",\"{name}\",{qty},1.00\n");
        let (_warm_dir, warm) = write_file(
            "warm.csv",
            &format!(
                "sku,description,quantity,unit_price\n{}",
                line(&named[0], 1)
            ),
        );
        let (_dir, path) = write_file(
            "invoice.csv",
            &format!(
                "sku,description,quantity,unit_price\n{}{}{}",
                line(&named[0], 2),
                line(&named[1], 3),
                line(&named[2], 4)
            ),
        );
        let dir = cache.path().to_str().unwrap();
        let mut env = vec![("BATCHOPS_CATALOG_CACHE", dir)];
        let warmed = batchops_env(
            &db.url,
            &["import", "--format", "json", warm.to_str().unwrap()],
            &env,
        );
        assert!(warmed.status.success(), "{}: {}", db.kind, text(&warmed));
        let kept: Vec<String> = kept_files(cache.path()).into_iter().map(|f| f.0).collect();
        assert!(
            kept.len() == 1 && kept[0].ends_with(".catalog"),
            "{}: the catalog kept: {kept:?}",
            db.kind
        );
        let kept = cache.path().join(&kept[0]);
        let before = inventory_by_sku(&*db.store).await;
        let items_before = db.scalar("SELECT COUNT(*) FROM inventory_items").await;
        let rows_before = db.scalar("SELECT COUNT(*) FROM transactions").await;

        env.push(("BATCHOPS_FAILPOINT", "catalog_kept_read:1:stop"));
        let args = ["-v", "import", "--format", "json", path.to_str().unwrap()];
        let child = batchops_command(&db.url, &args, &env)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run batchops");
        wait_until_stopped(child.id());
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(&kept)
            .expect("open the kept file");
        file.set_len(4096).expect("cut the kept file short");
        drop(file);
        let resumed = std::process::Command::new("kill")
            .args(["-CONT", &child.id().to_string()])
            .status()
            .expect("kill -CONT");
        assert!(resumed.success());
        let stopped = child.wait_with_output().expect("wait for batchops");
        assert!(!stopped.status.success(), "{}: {}", db.kind, text(&stopped));
        let told = text(&stopped);
        assert!(
            told.contains("the kept catalog could not be read")
                && told.contains(&kept.display().to_string()),
            "{}: the stop names the kept file: {told}",
            db.kind
        );
        assert_eq!(
            inventory_by_sku(&*db.store).await,
            before,
            "{}: nothing landed",
            db.kind
        );
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM inventory_items").await,
            items_before,
            "{}: no item created",
            db.kind
        );
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM transactions").await,
            rows_before,
            "{}: no row of the invoice",
            db.kind
        );

        env.pop();
        let again = batchops_env(&db.url, &args, &env);
        assert!(again.status.success(), "{}: {}", db.kind, text(&again));
        assert_eq!(
            json(&again)["items_processed"],
            3,
            "{}: {}",
            db.kind,
            text(&again)
        );
        assert!(
            std::fs::metadata(&kept).expect("kept again").len() > 4096,
            "{}: kept again whole",
            db.kind
        );
        let after = inventory_by_sku(&*db.store).await;
        let moved = |sku: &str| after[sku] - before[sku];
        assert_eq!(moved(named[0].0), 2.into(), "{}", db.kind);
        assert_eq!(moved(named[1].0), 3.into(), "{}", db.kind);
        assert_eq!(moved(named[2].0), 4.into(), "{}", db.kind);
        assert_eq!(
            after
                .iter()
                .filter(|(sku, q)| before.get(*sku) != Some(q))
                .count(),
            3,
            "{}: only the invoice's items moved",
            db.kind
        );
        let once_more = batchops_env(&db.url, &args, &env);
        assert_eq!(
            json(&once_more)["items_processed"],
            0,
            "{}: imported once",
            db.kind
        );
        assert_eq!(inventory_by_sku(&*db.store).await, after, "{}", db.kind);
    }
}

/// Waits (at most a minute) until the process `pid` is stopped (`T` in its `/proc` status).
fn wait_until_stopped(pid: u32) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // The state follows the command's name in parentheses.
        let state = stat
            .rsplit_once(") ")
            .and_then(|(_, rest)| rest.chars().next());
        if state == Some('T') {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "process {pid} never reached its fail point: {stat}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// A run that created many items refreshes PostgreSQL's statistics of them, so that a kept
/// catalog's look-ups (the items after an id, the merged items) are planned on the items as they
/// are even where autovacuum is off or has not come round; a run that created few leaves them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_created_many_items_refreshes_their_statistics() {
    // Skipped only as every PostgreSQL test is (no server configured outside CI).
    let Some(db) = crate::support::db::postgres().await else {
        return;
    };
    let analyzed = || {
        db.scalar(
            "SELECT COUNT(*) FROM pg_stat_user_tables WHERE relname = 'inventory_items' \
             AND schemaname = current_schema() AND last_analyze IS NOT NULL",
        )
    };
    import_csv(&*db.store, "few.csv", &items_csv("FEW", 100, 3)).await;
    assert_eq!(analyzed().await, 0, "100 items created: left as they were");
    import_csv(&*db.store, "many.csv", &items_csv("MANY", 10_000, 4)).await;
    assert_eq!(analyzed().await, 1, "10,000 items created: refreshed");
    let estimate = db
        .scalar(
            "SELECT CAST(reltuples AS BIGINT) FROM pg_class \
             WHERE oid = to_regclass('inventory_items')",
        )
        .await;
    assert!(
        (10_000..=10_200).contains(&estimate),
        "the planner's count of items: {estimate}"
    );
}
