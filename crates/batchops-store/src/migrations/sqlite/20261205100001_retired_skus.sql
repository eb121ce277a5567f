-- The retired SKUs (items merged into others): what a run's look-up of its SKUs asks for besides
-- the live items (crates/batchops-store/src/sql/mod.rs, `catalog_items_of`, `RETIRED_SKUS`). That
-- part reads this index of the few retired items, not the SKU index of them all, for each SKU of
-- the file.
CREATE INDEX IF NOT EXISTS inventory_items_retired_sku ON inventory_items (sku)
    WHERE retired_at IS NOT NULL;
