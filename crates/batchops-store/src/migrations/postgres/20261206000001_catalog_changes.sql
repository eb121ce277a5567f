-- Which item each change counted in catalog_stamp.changes touched, numbered by the count it
-- brought the stamp to: a catalog kept between runs applies the renames and merges since it was
-- kept instead of reading the catalog again (crates/batchops-store/src/catalog_cache.rs). Only
-- the last 2,000 changes are logged: a catalog kept further back is read whole
-- (`KEPT_CHANGES_AT_MOST`). The triggers' functions are those of
-- crates/batchops-store/src/postgres_functions.sql, applied after the migrations: the one the
-- delete trigger needs is created here without a body.
CREATE TABLE catalog_changes (
    seq BIGINT PRIMARY KEY,
    item_id BIGINT NOT NULL
);

CREATE OR REPLACE FUNCTION batchops_catalog_removed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RETURN NULL;
END
$$;

DROP TRIGGER inventory_items_removed ON inventory_items;
CREATE TRIGGER inventory_items_removed AFTER DELETE ON inventory_items
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION batchops_catalog_removed();
