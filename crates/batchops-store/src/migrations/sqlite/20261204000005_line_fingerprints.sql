-- Re-sent invoices, SQLite flavour: each landed line's content fingerprint, and what is known of
-- the invoice each import key carried.

-- The line's content fingerprint and line key (src/domain/fingerprint.rs): 8 bytes each of the
-- SHA-256 of its normalised SKU, description, quantity and price (the key: SKU and description)
-- with their occurrence number in the file. NULL for rows landed before, or by retries, decisions
-- and reject files. Keys are read by run.
ALTER TABLE transactions ADD COLUMN fingerprint INTEGER;
ALTER TABLE transactions ADD COLUMN line_key INTEGER;
-- The look-up of fingerprints by value: one row per landed row of a run that ended, written when
-- the run ends (finish_run), sorted, in one statement. An index on transactions (fingerprint)
-- would take one random B-tree insert per row in every chunk's transaction (each chunk dirtying
-- a page per row), which doubled an import's time. Rows of runs not ended yet (running, killed)
-- are found through their run instead (`prints_indexed` false).
-- Keyed by the fingerprint first (one B-tree, filled in its order). A row names its transaction
-- row by id and fingerprint: a reverted run's rows leave theirs behind, matched by nothing.
CREATE TABLE line_prints (
    fingerprint INTEGER NOT NULL,
    txn_id      INTEGER NOT NULL,
    PRIMARY KEY (fingerprint, txn_id)
) WITHOUT ROWID;
ALTER TABLE import_runs ADD COLUMN prints_indexed INTEGER NOT NULL DEFAULT 0;
-- Runs before this migration carry no fingerprints: nothing of theirs to look up.
UPDATE import_runs SET prints_indexed = 1;

-- One row per import key whose file named its invoice, or whose overlap with earlier runs the
-- operator answered (`only-new`, `as-new-invoice`).
CREATE TABLE import_invoices (
    import_key  TEXT    PRIMARY KEY,
    vendor      TEXT,
    invoice_id  TEXT,
    answer      TEXT,
    operator    TEXT    NOT NULL,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX import_invoices_invoice ON import_invoices (vendor, invoice_id) WHERE invoice_id IS NOT NULL;
