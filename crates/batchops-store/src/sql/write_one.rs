//! The statements of one line written in its own transaction (the sequential mode and the
//! item-by-item fallback), built from the backend's dialect.

use crate::dialect::Dialect;

/// The statements of one line's write, in the backend's dialect.
pub(crate) struct OneLineSql {
    /// The item of a SKU: `$1` sku → id.
    pub find_item: String,
    /// Create an item (or name the one a concurrent writer created): `$1` sku, `$2` name,
    /// `$3` the run creating it → id.
    pub create_item: String,
    /// Learn an alias unless it is known: `$1` alias, `$2` item id, `$3` the run learning it.
    pub learn_alias: String,
    /// Learn a supplier's part number: `$1` supplier, `$2` part number, `$3` item id, `$4`
    /// `auto` or `operator`, `$5` the run learning it (`NULL` for an operator). An automatic one
    /// leaves a known number alone; an operator's decision re-points it.
    pub learn_part: String,
    /// The transaction row, skipped when its identity exists: `$1` run, `$2` import key,
    /// `$3` operator, `$4` line, `$5` item, `$6` quantity, `$7` unit cost, `$8` alias.
    pub insert_row: String,
    /// `quantity = quantity + delta`: `$1` item id, `$2` delta.
    pub add_quantity: String,
}

impl OneLineSql {
    pub(crate) fn of<D: Dialect>() -> Self {
        let p = D::param;
        let (key_columns, key_values) = D::line_identity(&p(2));
        Self {
            find_item: format!("SELECT id FROM inventory_items WHERE sku = {}", p(1)),
            create_item: D::insert_or_update(
                &format!(
                    "INSERT INTO inventory_items (sku, name, created_run_id) VALUES ({}, {}, {})",
                    p(1),
                    p(2),
                    p(3)
                ),
                "sku",
                "sku = excluded.sku",
            ) + &D::returning("id"),
            learn_alias: D::insert_skipping(
                &format!(
                    "INSERT INTO item_aliases (alias, item_id, learned_by, learned_run_id) VALUES ({}, {}, 'auto', {})",
                    p(1),
                    p(2),
                    p(3)
                ),
                "alias",
            ),
            learn_part: format!(
                "INSERT INTO supplier_parts (supplier, part_number, item_id, learned_by, learned_run_id) \
                 VALUES ({}, {}, {}, {}, {}) ON CONFLICT (supplier, part_number) DO UPDATE SET \
                 item_id = excluded.item_id, learned_by = excluded.learned_by, \
                 learned_run_id = excluded.learned_run_id WHERE excluded.learned_by = 'operator'",
                p(1),
                p(2),
                p(3),
                p(4),
                p(5)
            ),
            insert_row: D::insert_skipping(
                &format!(
                    "INSERT INTO transactions (run_id, {key_columns}, operator, line, item_id, quantity, unit_cost, alias, fingerprint, line_key) \
                     VALUES ({}, {key_values}, {}, {}, {}, {}, {}, {}, {}, {})",
                    p(1),
                    p(3),
                    p(4),
                    p(5),
                    p(6),
                    p(7),
                    p(8),
                    p(9),
                    p(10)
                ),
                D::LINE_KEY,
            ),
            add_quantity: format!(
                "UPDATE inventory_items SET quantity = quantity + {}, updated_at = {} WHERE id = {}",
                p(2),
                D::NOW,
                p(1)
            ),
        }
    }
}
