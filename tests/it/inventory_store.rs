//! The inventory as the console reads it, on SQLite and PostgreSQL: pages by keyset in every sort
//! order, forward and backward, searched in the database, and one item's detail.

use crate::support::{catalog, db, files::write_file, library};
use batchops::engine::ImportOptions;
use batchops::store::Store;
use batchops::store::inventory::{ItemQuery, ItemRow, ItemSort};
use std::collections::BTreeSet;

const ITEMS: u64 = 1_000;

/// Every item, walking page after page from the start (or from the end, backward).
async fn walk(
    store: &dyn Store,
    sort: ItemSort,
    descending: bool,
    backward: bool,
    search: &str,
) -> Vec<ItemRow> {
    let mut all: Vec<ItemRow> = Vec::new();
    let mut after = None;
    loop {
        let q = ItemQuery {
            sort,
            descending,
            search: search.to_string(),
            after: after.clone(),
            backward,
            limit: 97,
        };
        let page = store.items().items_page(&q).await.expect("a page");
        let done = page.len() < 97;
        let edge = if backward { page.first() } else { page.last() };
        after = edge.map(|r| r.cursor.clone());
        if backward {
            let mut page = page;
            page.append(&mut all);
            all = page;
        } else {
            all.extend(page);
        }
        if done {
            return all;
        }
    }
}

fn key(r: &ItemRow, sort: ItemSort) -> String {
    match sort {
        ItemSort::Sku => r.sku.clone(),
        ItemSort::Name => r.name.clone(),
        ItemSort::Stock => format!("{:>20}", r.quantity.to_string()),
        ItemSort::LastMovement => r.last_movement.to_rfc3339(),
    }
}

#[tokio::test]
async fn pages_by_keyset_visit_every_item_once_in_order_in_each_sort_and_direction() {
    for db in db::backends().await {
        catalog::fill(&db, ITEMS).await;
        for sort in ItemSort::ALL {
            for descending in [false, true] {
                let rows = walk(&*db.store, sort, descending, false, "").await;
                let what = format!("{}: {sort:?} descending={descending}", db.kind);
                assert_eq!(rows.len() as u64, ITEMS, "{what}");
                let ids: BTreeSet<i64> = rows.iter().map(|r| r.id).collect();
                assert_eq!(ids.len() as u64, ITEMS, "{what}: an item twice");
                for pair in rows.windows(2) {
                    let (a, b) = (
                        (key(&pair[0], sort), pair[0].id),
                        (key(&pair[1], sort), pair[1].id),
                    );
                    if descending {
                        assert!(a > b, "{what}: {a:?} before {b:?}");
                    } else {
                        assert!(a < b, "{what}: {a:?} before {b:?}");
                    }
                }
                let back = walk(&*db.store, sort, descending, true, "").await;
                let back_ids: Vec<i64> = back.iter().map(|r| r.id).collect();
                let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
                assert_eq!(
                    back_ids, ids,
                    "{what}: backward from the end reads the same order"
                );
            }
        }
        assert_eq!(
            db.store.items().items_count("").await.expect("count"),
            ITEMS
        );
    }
}

#[tokio::test]
async fn a_search_matches_sku_or_name_case_insensitively_and_escapes_wildcards() {
    for db in db::backends().await {
        catalog::fill(&db, ITEMS).await;
        let expected: BTreeSet<String> = (1..=ITEMS)
            .filter(|&i| catalog::name(i).to_lowercase().contains("part 07"))
            .map(catalog::sku)
            .collect();
        let rows = walk(&*db.store, ItemSort::Name, false, false, "PART 07").await;
        let got: BTreeSet<String> = rows.iter().map(|r| r.sku.clone()).collect();
        assert_eq!(got, expected, "{}", db.kind);
        assert_eq!(
            db.store
                .items()
                .items_count("PART 07")
                .await
                .expect("count"),
            expected.len() as u64,
            "{}",
            db.kind
        );
        let by_sku = walk(&*db.store, ItemSort::Sku, false, false, "gen-00001").await;
        let expected: Vec<String> = (1..=ITEMS)
            .map(catalog::sku)
            .filter(|s| s.contains("GEN-00001"))
            .collect();
        assert_eq!(
            by_sku.iter().map(|r| r.sku.clone()).collect::<Vec<_>>(),
            expected,
            "{}",
            db.kind
        );
        // `%` and `_` are text, not wildcards.
        assert_eq!(
            db.store.items().items_count("%").await.expect("count"),
            0,
            "{}",
            db.kind
        );
        assert_eq!(
            db.store
                .items()
                .items_count("part_07")
                .await
                .expect("count"),
            0,
            "{}",
            db.kind
        );
    }
}

const INVOICE: &str = "sku,description,quantity,unit_price\n\
BOLT-8,Hex Bolt M8,5,0.20\n\
NUT-8,Hex Nut M8,7,0.05\n\
BOLT-8,Hex Bolt M8,3,0.20\n";

#[tokio::test]
async fn an_items_detail_shows_stock_aliases_parts_and_its_movements_by_run_and_line() {
    let (_dir, path) = write_file("invoice.csv", INVOICE);
    for db in db::backends().await {
        let report = library::import(&db, &path, &ImportOptions::default()).await;
        assert_eq!(report.items_failed, 0, "{}", db.kind);
        let page = walk(&*db.store, ItemSort::Sku, false, false, "bolt-8").await;
        assert_eq!(page.len(), 1, "{}", db.kind);
        let id = page[0].id;
        db.exec(&format!(
            "INSERT INTO item_aliases (alias, item_id, learned_by) VALUES ('bolt eight', {id}, 'operator')"
        ))
        .await;
        db.exec(&format!(
            "INSERT INTO supplier_parts (supplier, part_number, item_id, learned_by) VALUES ('acme', 'A-88', {id}, 'operator')"
        ))
        .await;
        let d = db
            .store
            .items()
            .item_detail(id)
            .await
            .expect("read")
            .expect("the item");
        assert_eq!(d.item.sku, "BOLT-8", "{}", db.kind);
        assert_eq!(d.item.quantity.to_string(), "8", "{}", db.kind);
        assert!(
            d.aliases
                .iter()
                .any(|(a, by)| a == "bolt eight" && by == "operator"),
            "{}: {:?}",
            db.kind,
            d.aliases
        );
        assert_eq!(
            d.parts,
            vec![("acme".to_string(), "A-88".to_string())],
            "{}",
            db.kind
        );
        assert_eq!(d.movements_total, 2, "{}", db.kind);
        let lines: Vec<(i64, i64, String)> = d
            .movements
            .iter()
            .map(|m| (m.run_id, m.line, m.quantity.to_string()))
            .collect();
        assert_eq!(
            lines,
            vec![
                (report.run_id, 3, "3".into()),
                (report.run_id, 1, "5".into())
            ],
            "{}: the newest first",
            db.kind
        );
        assert!(
            d.movements
                .iter()
                .all(|m| m.source.ends_with("invoice.csv")),
            "{}",
            db.kind
        );
        assert!(
            db.store
                .items()
                .item_detail(id + 1000)
                .await
                .expect("read")
                .is_none(),
            "{}",
            db.kind
        );
    }
}
