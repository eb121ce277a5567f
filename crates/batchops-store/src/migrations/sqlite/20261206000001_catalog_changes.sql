-- Which item each change counted in catalog_stamp.changes touched, numbered by the count it
-- brought the stamp to: a catalog kept between runs applies the renames and merges since it was
-- kept instead of reading the catalog again (crates/batchops-store/src/catalog_cache.rs). Only
-- the last 2,000 changes are logged: a catalog kept further back is read whole
-- (`KEPT_CHANGES_AT_MOST`).
CREATE TABLE catalog_changes (
    seq INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL
);
DROP TRIGGER inventory_items_changed;
DROP TRIGGER inventory_items_removed;
CREATE TRIGGER inventory_items_changed AFTER UPDATE OF sku, name, retired_at, merged_into
    ON inventory_items
    WHEN OLD.sku IS NOT NEW.sku OR OLD.name IS NOT NEW.name
        OR OLD.retired_at IS NOT NEW.retired_at OR OLD.merged_into IS NOT NEW.merged_into
BEGIN
    UPDATE catalog_stamp SET changes = changes + 1 WHERE id = 1;
    INSERT INTO catalog_changes (seq, item_id)
        SELECT changes, NEW.id FROM catalog_stamp WHERE id = 1;
    DELETE FROM catalog_changes
        WHERE seq <= (SELECT changes FROM catalog_stamp WHERE id = 1) - 2000;
END;
CREATE TRIGGER inventory_items_removed AFTER DELETE ON inventory_items
BEGIN
    UPDATE catalog_stamp SET changes = changes + 1 WHERE id = 1;
    INSERT INTO catalog_changes (seq, item_id)
        SELECT changes, OLD.id FROM catalog_stamp WHERE id = 1;
    DELETE FROM catalog_changes
        WHERE seq <= (SELECT changes FROM catalog_stamp WHERE id = 1) - 2000;
END;
