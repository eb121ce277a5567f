-- batchops schema, PostgreSQL flavour. Quantities and money are NUMERIC(18,4).

CREATE TABLE inventory_items (
    id          BIGSERIAL PRIMARY KEY,
    sku         TEXT          NOT NULL UNIQUE,
    name        TEXT          NOT NULL,
    quantity    NUMERIC(18,4) NOT NULL DEFAULT 0,
    updated_at  TIMESTAMPTZ   NOT NULL DEFAULT now()
);

CREATE TABLE item_aliases (
    alias       TEXT        PRIMARY KEY,
    item_id     BIGINT      NOT NULL REFERENCES inventory_items (id),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE import_runs (
    id                        BIGSERIAL PRIMARY KEY,
    source                    TEXT             NOT NULL,
    import_key                TEXT             NOT NULL,
    mode                      TEXT             NOT NULL,
    status                    TEXT             NOT NULL,
    operator                  TEXT             NOT NULL,
    dry_run                   BOOLEAN          NOT NULL DEFAULT false,
    rehearsal                 BOOLEAN          NOT NULL DEFAULT false,
    chunk_size                BIGINT           NOT NULL DEFAULT 0,
    started_at                TIMESTAMPTZ      NOT NULL,
    finished_at               TIMESTAMPTZ,
    heartbeat_at              TIMESTAMPTZ      NOT NULL,
    items_total               BIGINT           NOT NULL DEFAULT 0,
    items_processed           BIGINT           NOT NULL DEFAULT 0,
    items_already_imported    BIGINT           NOT NULL DEFAULT 0,
    items_failed              BIGINT           NOT NULL DEFAULT 0,
    mapping_seconds           DOUBLE PRECISION NOT NULL DEFAULT 0,
    batch_insert_seconds      DOUBLE PRECISION NOT NULL DEFAULT 0,
    inventory_update_seconds  DOUBLE PRECISION NOT NULL DEFAULT 0,
    fallback_seconds          DOUBLE PRECISION NOT NULL DEFAULT 0,
    processing_seconds        DOUBLE PRECISION NOT NULL DEFAULT 0,
    statements                BIGINT           NOT NULL DEFAULT 0,
    report_json               TEXT
);
CREATE INDEX import_runs_import_key ON import_runs (import_key);

CREATE TABLE transactions (
    id          BIGSERIAL PRIMARY KEY,
    run_id      BIGINT        NOT NULL REFERENCES import_runs (id),
    import_key  TEXT          NOT NULL,
    line        BIGINT        NOT NULL,
    item_id     BIGINT        NOT NULL REFERENCES inventory_items (id),
    quantity    NUMERIC(18,4) NOT NULL,
    unit_cost   NUMERIC(18,4) NOT NULL,
    operator    TEXT          NOT NULL,
    created_at  TIMESTAMPTZ   NOT NULL DEFAULT now(),
    UNIQUE (import_key, line)
);

CREATE TABLE failed_items (
    id              BIGSERIAL PRIMARY KEY,
    run_id          BIGINT      NOT NULL REFERENCES import_runs (id),
    import_key      TEXT        NOT NULL,
    line            BIGINT      NOT NULL,
    raw_record      TEXT        NOT NULL,
    fields_json     TEXT        NOT NULL DEFAULT '[]',
    corrected_json  TEXT,
    phase           TEXT        NOT NULL,
    error           TEXT        NOT NULL,
    sqlstate        TEXT,
    decision        TEXT,
    attempts        INTEGER     NOT NULL DEFAULT 1,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    resolved_at     TIMESTAMPTZ,
    UNIQUE (run_id, line)
);
