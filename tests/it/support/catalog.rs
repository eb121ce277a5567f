//! Large catalogs made in the database itself (one `INSERT … SELECT` over a generated series), for
//! the tests that page and search the inventory.

use super::db::TestDb;

/// SKU of the `i`th generated item (1-based): `GEN-0000042`.
pub fn sku(i: u64) -> String {
    format!("GEN-{i:07}")
}

/// Name of the `i`th generated item: 97 names repeat, so sorting by name has ties.
pub fn name(i: u64) -> String {
    format!("Generated part {:02}", i % 97)
}

/// Add `n` items (see [`sku`], [`name`]; stock 0 to 12) to the catalog in one statement.
pub async fn fill(db: &TestDb, n: u64) {
    let sql = if db.kind == "sqlite" {
        // SQLite keeps quantities as units of 0.0001.
        format!(
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) \
             INSERT INTO inventory_items (sku, name, quantity) \
             SELECT printf('GEN-%07d', i), printf('Generated part %02d', i % 97), (i % 13) * 10000 FROM s"
        )
    } else {
        format!(
            "INSERT INTO inventory_items (sku, name, quantity) \
             SELECT 'GEN-' || lpad(i::text, 7, '0'), 'Generated part ' || lpad((i % 97)::text, 2, '0'), i % 13 \
             FROM generate_series(1, {n}) AS s(i)"
        )
    };
    db.exec(&sql).await;
    if db.kind != "sqlite" {
        db.exec("ANALYZE inventory_items").await;
    }
}
