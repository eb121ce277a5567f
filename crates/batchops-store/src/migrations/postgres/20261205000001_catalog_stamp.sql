-- What a catalog kept between runs is checked against (crates/batchops-store/src/catalog_cache.rs):
-- the database's own name, drawn once, and a count of the changes to its items other than new
-- ones (a new SKU or name, a merge, a removal). The items a run created are found by run.
CREATE TABLE catalog_stamp (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    instance TEXT NOT NULL,
    changes BIGINT NOT NULL DEFAULT 0
);
INSERT INTO catalog_stamp (id, instance)
    VALUES (1, md5(random()::text || clock_timestamp()::text || txid_current()::text));

CREATE OR REPLACE FUNCTION batchops_catalog_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_stamp SET changes = changes + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER inventory_items_changed AFTER UPDATE OF sku, name, retired_at, merged_into
    ON inventory_items FOR EACH ROW
    WHEN (OLD.sku IS DISTINCT FROM NEW.sku OR OLD.name IS DISTINCT FROM NEW.name
        OR OLD.retired_at IS DISTINCT FROM NEW.retired_at
        OR OLD.merged_into IS DISTINCT FROM NEW.merged_into)
    EXECUTE FUNCTION batchops_catalog_changed();
CREATE TRIGGER inventory_items_removed AFTER DELETE ON inventory_items
    FOR EACH STATEMENT EXECUTE FUNCTION batchops_catalog_changed();
CREATE INDEX IF NOT EXISTS inventory_items_created_run ON inventory_items (created_run_id);
