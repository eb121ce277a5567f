-- Re-sent invoices, SQLite flavour: each landed line's content fingerprint, and what is known of
-- the invoice each import key carried.

-- The line's content fingerprint and line key (src/domain/fingerprint.rs): 8 bytes each of the
-- SHA-256 of its normalised SKU, description, quantity and price (the key: SKU and description)
-- with their occurrence number in the file. NULL for rows landed before, or by retries, decisions
-- and reject files. Only the fingerprint is indexed: keys are read by run.
ALTER TABLE transactions ADD COLUMN fingerprint INTEGER;
ALTER TABLE transactions ADD COLUMN line_key INTEGER;
CREATE INDEX transactions_fingerprint ON transactions (fingerprint) WHERE fingerprint IS NOT NULL;

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
