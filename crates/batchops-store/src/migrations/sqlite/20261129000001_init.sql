-- batchops schema, SQLite flavour.
-- Quantities and money are exact: stored as INTEGER units of 0.0001 (NUMERIC(18,4) scaled by 10^4),
-- all arithmetic is integer arithmetic. CHECKs reject anything that is not an integer in range,
-- so an overflow (which SQLite would turn into REAL) fails the statement instead of losing digits.

CREATE TABLE inventory_items (
    id          INTEGER PRIMARY KEY,
    sku         TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    quantity    INTEGER NOT NULL DEFAULT 0
                CHECK (typeof(quantity) = 'integer'
                       AND quantity BETWEEN -999999999999999999 AND 999999999999999999),
    updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE item_aliases (
    alias       TEXT    PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES inventory_items (id),
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE import_runs (
    id                        INTEGER PRIMARY KEY,
    source                    TEXT    NOT NULL,
    import_key                TEXT    NOT NULL,
    mode                      TEXT    NOT NULL,
    status                    TEXT    NOT NULL,
    operator                  TEXT    NOT NULL,
    dry_run                   INTEGER NOT NULL DEFAULT 0,
    rehearsal                 INTEGER NOT NULL DEFAULT 0,
    chunk_size                INTEGER NOT NULL DEFAULT 0,
    started_at                TEXT    NOT NULL,
    finished_at               TEXT,
    heartbeat_at              TEXT    NOT NULL,
    items_total               INTEGER NOT NULL DEFAULT 0,
    items_processed           INTEGER NOT NULL DEFAULT 0,
    items_already_imported    INTEGER NOT NULL DEFAULT 0,
    items_failed              INTEGER NOT NULL DEFAULT 0,
    mapping_seconds           REAL    NOT NULL DEFAULT 0,
    batch_insert_seconds      REAL    NOT NULL DEFAULT 0,
    inventory_update_seconds  REAL    NOT NULL DEFAULT 0,
    fallback_seconds          REAL    NOT NULL DEFAULT 0,
    processing_seconds        REAL    NOT NULL DEFAULT 0,
    statements                INTEGER NOT NULL DEFAULT 0,
    report_json               TEXT
);
CREATE INDEX import_runs_import_key ON import_runs (import_key);

CREATE TABLE transactions (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES import_runs (id),
    import_key  TEXT    NOT NULL,
    line        INTEGER NOT NULL,
    item_id     INTEGER NOT NULL REFERENCES inventory_items (id),
    quantity    INTEGER NOT NULL CHECK (typeof(quantity) = 'integer'),
    unit_cost   INTEGER NOT NULL CHECK (typeof(unit_cost) = 'integer'),
    operator    TEXT    NOT NULL,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (import_key, line)
);

CREATE TABLE failed_items (
    id              INTEGER PRIMARY KEY,
    run_id          INTEGER NOT NULL REFERENCES import_runs (id),
    import_key      TEXT    NOT NULL,
    line            INTEGER NOT NULL,
    raw_record      TEXT    NOT NULL,
    fields_json     TEXT    NOT NULL DEFAULT '[]',
    corrected_json  TEXT,
    phase           TEXT    NOT NULL,
    error           TEXT    NOT NULL,
    sqlstate        TEXT,
    decision        TEXT,
    attempts        INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    resolved_at     TEXT,
    UNIQUE (run_id, line)
);

-- Exact decimal text of the scaled integers, for people and outside tools (integer arithmetic only).
CREATE VIEW inventory_items_decimal AS
SELECT id, sku, name,
       CASE WHEN quantity < 0 THEN '-' ELSE '' END
         || (abs(quantity) / 10000) || '.' || substr('0000' || (abs(quantity) % 10000), -4) AS quantity,
       updated_at
FROM inventory_items;
