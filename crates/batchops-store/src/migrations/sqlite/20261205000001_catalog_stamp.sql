-- What a catalog kept between runs is checked against (crates/batchops-store/src/catalog_cache.rs):
-- the database's own name, drawn once, and a count of the changes to its items other than new
-- ones (a new SKU or name, a merge, a removal). The items a run created are found by run.
CREATE TABLE catalog_stamp (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    instance TEXT NOT NULL,
    changes INTEGER NOT NULL DEFAULT 0
);
INSERT INTO catalog_stamp (id, instance) VALUES (1, lower(hex(randomblob(16))));
CREATE TRIGGER inventory_items_changed AFTER UPDATE OF sku, name, retired_at, merged_into
    ON inventory_items
    WHEN OLD.sku IS NOT NEW.sku OR OLD.name IS NOT NEW.name
        OR OLD.retired_at IS NOT NEW.retired_at OR OLD.merged_into IS NOT NEW.merged_into
BEGIN
    UPDATE catalog_stamp SET changes = changes + 1 WHERE id = 1;
END;
CREATE TRIGGER inventory_items_removed AFTER DELETE ON inventory_items
BEGIN
    UPDATE catalog_stamp SET changes = changes + 1 WHERE id = 1;
END;
CREATE INDEX IF NOT EXISTS inventory_items_created_run ON inventory_items (created_run_id);
