-- The retired SKUs (items merged into others): what a run's look-up of its SKUs asks for besides
-- the live items (crates/batchops-store/src/sql/mod.rs, `catalog_items_of`, `RETIRED_SKUS`). A
-- small index of the few retired items, so that part of the look-up does not probe the SKU index
-- of every item once per SKU of the file.
CREATE INDEX IF NOT EXISTS inventory_items_retired_sku ON inventory_items (sku)
    WHERE retired_at IS NOT NULL;
