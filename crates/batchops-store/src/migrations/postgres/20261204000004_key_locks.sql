-- One writer per import key (src/store/locks.rs). The lock itself is a session advisory lock;
-- this table only says who holds it (for the message that refuses a second writer). A row whose
-- backend is gone is stale and removed by the next holder of its key.
CREATE TABLE key_locks (
    lock_key      TEXT        NOT NULL,
    holder        TEXT        NOT NULL,
    mode          TEXT        NOT NULL CHECK (mode IN ('exclusive', 'shared')),
    command       TEXT        NOT NULL,
    operator      TEXT        NOT NULL,
    run_id        BIGINT,
    host          TEXT        NOT NULL,
    pid           BIGINT      NOT NULL,
    backend_pid   INTEGER     NOT NULL,
    acquired_at   TIMESTAMPTZ NOT NULL,
    heartbeat_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (lock_key, holder)
);

CREATE INDEX IF NOT EXISTS failed_items_identity ON failed_items (import_key, line);

-- The run's state, re-checked inside every write (one check per statement): nothing lands under a
-- reverted run, nor (for retries, reject files and review decisions of their lines) under the
-- identity of a failed line whose every import run was reverted. The runs' rows are locked FOR
-- SHARE: a revert (which locks its run FOR UPDATE) waits for this write to commit and removes its
-- rows, or this write waits for the revert and is refused.
CREATE FUNCTION batchops_run_not_reverted() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
DECLARE
    bad BIGINT;
BEGIN
    PERFORM 1 FROM import_runs WHERE id IN (SELECT DISTINCT run_id FROM new_rows) FOR SHARE;
    SELECT id INTO bad FROM import_runs
        WHERE id IN (SELECT DISTINCT run_id FROM new_rows) AND reverted_at IS NOT NULL LIMIT 1;
    IF bad IS NULL AND EXISTS (SELECT 1 FROM import_runs
            WHERE id IN (SELECT DISTINCT run_id FROM new_rows) AND mode NOT IN ('batch', 'sequential')) THEN
        PERFORM 1 FROM import_runs r
            WHERE r.id IN (SELECT f.run_id FROM failed_items f JOIN new_rows n
                           ON f.import_key = n.import_key AND f.line = n.line)
            FOR SHARE;
        SELECT f.run_id INTO bad FROM new_rows n
            JOIN failed_items f ON f.import_key = n.import_key AND f.line = n.line
            JOIN import_runs r ON r.id = f.run_id AND r.reverted_at IS NOT NULL
            WHERE NOT EXISTS (SELECT 1 FROM failed_items g JOIN import_runs s ON s.id = g.run_id
                              WHERE g.import_key = n.import_key AND g.line = n.line AND s.reverted_at IS NULL)
            LIMIT 1;
    END IF;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'batchops: run % was reverted while this write ran; nothing lands under a reverted run', bad
            USING ERRCODE = '55000';
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER transactions_run_not_reverted AFTER INSERT ON transactions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION batchops_run_not_reverted();
