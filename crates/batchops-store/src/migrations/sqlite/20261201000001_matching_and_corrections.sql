-- Matching you can trust, and corrections (review, aliases, merges, reverts), SQLite flavour.
-- Quantities stay INTEGER units of 0.0001.

-- How each alias was learned: 'legacy' (learned by the old whole-string matcher, before this
-- migration: may be wrong, see `batchops aliases check`), 'auto' (an automatic match the new rules
-- accepted), 'operator' (a review decision or `aliases move`).
ALTER TABLE item_aliases ADD COLUMN learned_by TEXT NOT NULL DEFAULT 'legacy';

-- Pairings an operator rejected ("none of these"): never proposed again.
CREATE TABLE alias_rejections (
    alias       TEXT    NOT NULL,
    item_id     INTEGER NOT NULL REFERENCES inventory_items (id),
    operator    TEXT    NOT NULL,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (alias, item_id)
);

-- A merged item is retired: kept for history, never matched again.
ALTER TABLE inventory_items ADD COLUMN retired_at TEXT;
ALTER TABLE inventory_items ADD COLUMN merged_into INTEGER REFERENCES inventory_items (id);

-- The normalized description a description-only line was mapped through (NULL for lines mapped by
-- SKU): what `aliases move` moves.
ALTER TABLE transactions ADD COLUMN alias TEXT;
CREATE INDEX transactions_alias ON transactions (alias) WHERE alias IS NOT NULL;
CREATE INDEX transactions_run ON transactions (run_id);

-- Lines the matcher could not decide: they land nowhere until an operator decides. A held line
-- keeps its identity (import_key, line): when decided it lands under it, so at most once.
CREATE TABLE held_lines (
    id               INTEGER PRIMARY KEY,
    run_id           INTEGER NOT NULL REFERENCES import_runs (id),
    import_key       TEXT    NOT NULL,
    line             INTEGER NOT NULL,
    description      TEXT    NOT NULL,
    alias            TEXT    NOT NULL,
    quantity         INTEGER NOT NULL CHECK (typeof(quantity) = 'integer'),
    unit_cost        INTEGER NOT NULL CHECK (typeof(unit_cost) = 'integer'),
    raw_record       TEXT    NOT NULL,
    fields_json      TEXT    NOT NULL DEFAULT '[]',
    candidates_json  TEXT    NOT NULL DEFAULT '[]',
    operator         TEXT    NOT NULL,
    created_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    decided_at       TEXT,
    decision_json    TEXT,
    correction_id    INTEGER,
    UNIQUE (import_key, line)
);
CREATE INDEX held_lines_open ON held_lines (alias) WHERE decided_at IS NULL;
CREATE INDEX held_lines_run ON held_lines (run_id);

ALTER TABLE import_runs ADD COLUMN items_held INTEGER NOT NULL DEFAULT 0;
ALTER TABLE import_runs ADD COLUMN reverted_at TEXT;

-- The audit of corrections: who, when, what moved.
CREATE TABLE corrections (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL,
    operator     TEXT    NOT NULL,
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    summary      TEXT    NOT NULL,
    lines        INTEGER NOT NULL DEFAULT 0,
    quantity     INTEGER NOT NULL DEFAULT 0 CHECK (typeof(quantity) = 'integer'),
    detail_json  TEXT    NOT NULL DEFAULT '{}'
);
