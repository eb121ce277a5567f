-- Supplier part numbers and the invoice header, PostgreSQL flavour.

-- A supplier's part number names one of our items: learned like aliases (when a line of that
-- supplier lands on an item by its description, or by an operator's decision) and corrected like
-- aliases (`batchops parts move|forget`). `learned_run_id`: the run that learned it automatically
-- (NULL when an operator did), so a re-import of that key maps against the catalog before it.
CREATE TABLE supplier_parts (
    supplier        TEXT    NOT NULL,
    part_number     TEXT    NOT NULL,
    item_id         BIGINT  NOT NULL REFERENCES inventory_items (id),
    learned_by      TEXT    NOT NULL DEFAULT 'auto',
    learned_run_id  BIGINT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (supplier, part_number)
);
CREATE INDEX supplier_parts_item ON supplier_parts (item_id);

-- The invoice a run imported: from the file's title rows, the supplier profile or the flags.
-- `sku_column`: whose numbers the SKU column held ('ours' or 'supplier').
ALTER TABLE import_runs ADD COLUMN supplier TEXT;
ALTER TABLE import_runs ADD COLUMN invoice_number TEXT;
ALTER TABLE import_runs ADD COLUMN invoice_date TEXT;
ALTER TABLE import_runs ADD COLUMN currency TEXT;
ALTER TABLE import_runs ADD COLUMN sku_column TEXT;
CREATE INDEX import_runs_invoice ON import_runs (supplier, invoice_number);
