-- Matching you can trust, and corrections (review, aliases, merges, reverts), PostgreSQL flavour.

-- How each alias was learned: 'legacy' (learned by the old whole-string matcher, before this
-- migration: may be wrong, see `batchops aliases check`), 'auto' (an automatic match the new rules
-- accepted), 'operator' (a review decision or `aliases move`).
ALTER TABLE item_aliases ADD COLUMN learned_by TEXT NOT NULL DEFAULT 'legacy';

-- Pairings an operator rejected ("none of these"): never proposed again.
CREATE TABLE alias_rejections (
    alias       TEXT        NOT NULL,
    item_id     BIGINT      NOT NULL REFERENCES inventory_items (id),
    operator    TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (alias, item_id)
);

-- A merged item is retired: kept for history, never matched again.
ALTER TABLE inventory_items ADD COLUMN retired_at TIMESTAMPTZ;
ALTER TABLE inventory_items ADD COLUMN merged_into BIGINT REFERENCES inventory_items (id);

-- The normalized description a description-only line was mapped through (NULL for lines mapped by
-- SKU): what `aliases move` moves.
ALTER TABLE transactions ADD COLUMN alias TEXT;
CREATE INDEX transactions_alias ON transactions (alias) WHERE alias IS NOT NULL;
CREATE INDEX transactions_run ON transactions (run_id);

-- Lines the matcher could not decide: they land nowhere until an operator decides. A held line
-- keeps its identity (import_key, line): when decided it lands under it, so at most once.
CREATE TABLE held_lines (
    id               BIGSERIAL     PRIMARY KEY,
    run_id           BIGINT        NOT NULL REFERENCES import_runs (id),
    import_key       TEXT          NOT NULL,
    line             BIGINT        NOT NULL,
    description      TEXT          NOT NULL,
    alias            TEXT          NOT NULL,
    quantity         NUMERIC(18,4) NOT NULL,
    unit_cost        NUMERIC(18,4) NOT NULL,
    raw_record       TEXT          NOT NULL,
    fields_json      TEXT          NOT NULL DEFAULT '[]',
    candidates_json  TEXT          NOT NULL DEFAULT '[]',
    operator         TEXT          NOT NULL,
    created_at       TIMESTAMPTZ   NOT NULL DEFAULT now(),
    decided_at       TIMESTAMPTZ,
    decision_json    TEXT,
    correction_id    BIGINT,
    UNIQUE (import_key, line)
);
CREATE INDEX held_lines_open ON held_lines (alias) WHERE decided_at IS NULL;
CREATE INDEX held_lines_run ON held_lines (run_id);

ALTER TABLE import_runs ADD COLUMN items_held BIGINT NOT NULL DEFAULT 0;
ALTER TABLE import_runs ADD COLUMN reverted_at TIMESTAMPTZ;

-- The audit of corrections: who, when, what moved.
CREATE TABLE corrections (
    id           BIGSERIAL     PRIMARY KEY,
    kind         TEXT          NOT NULL,
    operator     TEXT          NOT NULL,
    created_at   TIMESTAMPTZ   NOT NULL DEFAULT now(),
    summary      TEXT          NOT NULL,
    lines        BIGINT        NOT NULL DEFAULT 0,
    quantity     NUMERIC(18,4) NOT NULL DEFAULT 0,
    detail_json  TEXT          NOT NULL DEFAULT '{}'
);
