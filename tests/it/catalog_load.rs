//! The whole catalog as the store loads it (built on a thread of its own from batches of rows, its
//! names read while the next rows arrive) is the catalog built from the same items in one go.
//! Real SQLite files and the real PostgreSQL server.

use crate::support::db::backends;
use crate::support::files::write_file;
use crate::support::library::import;
use batchops::engine::ImportOptions;
use batchops::mapping::signature::signature;
use batchops::mapping::{Catalog, CatalogItem, lexicon};

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
        // Built in the order the store read the items, so that ties fall alike.
        let in_order: Vec<CatalogItem> = (0..loaded.len() as u32)
            .map(|idx| {
                let (sku, name) = loaded.item(idx);
                CatalogItem {
                    sku: sku.to_string(),
                    name: name.to_string(),
                }
            })
            .collect();
        let mut built = Catalog::new::<(String, String)>(in_order, vec![]);

        let lex = lexicon::current();
        let skus = |c: &Catalog, found: &[(u32, batchops::mapping::compare::Comparison)]| {
            found
                .iter()
                .map(|(idx, cmp)| (c.item(*idx).0.to_string(), cmp.score))
                .collect::<Vec<_>>()
        };
        for (sku, name, _) in items.iter().step_by(89) {
            let query = name.to_lowercase();
            let sig = signature(&query, &lex);
            let key = sig.key();
            assert_eq!(
                loaded.exact(&key),
                built.exact(&key),
                "{}: {query}",
                db.kind
            );
            let from_store = loaded.candidates(&key, &sig);
            assert!(
                from_store
                    .iter()
                    .any(|(idx, _)| &**loaded.item(*idx).0 == sku.as_str()),
                "{}: {query} reaches {sku}",
                db.kind
            );
            let from_items = built.candidates(&key, &sig);
            assert_eq!(
                skus(&loaded, &from_store),
                skus(&built, &from_items),
                "{}: {query}",
                db.kind
            );
        }
    }
}
