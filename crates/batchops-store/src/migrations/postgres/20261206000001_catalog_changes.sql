-- Which item each change counted in catalog_stamp.changes touched, numbered by the count it
-- brought the stamp to: a catalog kept between runs applies the renames and merges since it was
-- kept instead of reading the catalog again (crates/batchops-store/src/catalog_cache.rs). Only
-- the last 2,000 changes are logged: a catalog kept further back is read whole
-- (`KEPT_CHANGES_AT_MOST`). The functions are those of
-- crates/batchops-store/src/postgres_functions.sql, which is applied after the migrations.
CREATE TABLE catalog_changes (
    seq BIGINT PRIMARY KEY,
    item_id BIGINT NOT NULL
);

CREATE OR REPLACE FUNCTION batchops_catalog_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    n BIGINT;
BEGIN
    UPDATE catalog_stamp SET changes = changes + 1 WHERE id = 1 RETURNING changes INTO n;
    INSERT INTO catalog_changes (seq, item_id) VALUES (n, NEW.id);
    DELETE FROM catalog_changes WHERE seq <= n - 2000;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION batchops_catalog_removed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    n BIGINT;
    k BIGINT;
BEGIN
    SELECT count(*) INTO k FROM gone;
    UPDATE catalog_stamp SET changes = changes + k WHERE id = 1 RETURNING changes INTO n;
    INSERT INTO catalog_changes (seq, item_id)
    SELECT g.seq, g.id
    FROM (SELECT n - k + row_number() OVER (ORDER BY id) AS seq, id FROM gone) AS g
    WHERE g.seq > n - 2000;
    DELETE FROM catalog_changes WHERE seq <= n - 2000;
    RETURN NULL;
END
$$;

DROP TRIGGER inventory_items_removed ON inventory_items;
CREATE TRIGGER inventory_items_removed AFTER DELETE ON inventory_items
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION batchops_catalog_removed();
