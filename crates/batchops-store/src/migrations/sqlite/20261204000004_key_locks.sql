-- One writer per import key (src/store/locks.rs): who holds which lock. A row is held while its
-- holder lives: on this host while its process does (and beats), elsewhere while it beats.
CREATE TABLE key_locks (
    lock_key      TEXT    NOT NULL,
    holder        TEXT    NOT NULL,
    mode          TEXT    NOT NULL CHECK (mode IN ('exclusive', 'shared')),
    command       TEXT    NOT NULL,
    operator      TEXT    NOT NULL,
    run_id        INTEGER,
    host          TEXT    NOT NULL,
    pid           INTEGER NOT NULL,
    acquired_at   TEXT    NOT NULL,
    heartbeat_at  TEXT    NOT NULL,
    PRIMARY KEY (lock_key, holder)
);

CREATE INDEX IF NOT EXISTS failed_items_identity ON failed_items (import_key, line);

-- The run's state, re-checked inside every write: nothing lands under a reverted run, nor (for
-- retries, reject files and review decisions of their lines) under the identity of a failed line
-- whose every import run was reverted. Writers are serialised (BEGIN IMMEDIATE): no race.
CREATE TRIGGER transactions_run_not_reverted BEFORE INSERT ON transactions
WHEN EXISTS (SELECT 1 FROM import_runs WHERE id = NEW.run_id AND reverted_at IS NOT NULL)
  OR (EXISTS (SELECT 1 FROM import_runs WHERE id = NEW.run_id AND mode NOT IN ('batch', 'sequential'))
      AND EXISTS (SELECT 1 FROM failed_items f JOIN import_runs r ON r.id = f.run_id
                  WHERE f.import_key = NEW.import_key AND f.line = NEW.line AND r.reverted_at IS NOT NULL)
      AND NOT EXISTS (SELECT 1 FROM failed_items f JOIN import_runs r ON r.id = f.run_id
                      WHERE f.import_key = NEW.import_key AND f.line = NEW.line AND r.reverted_at IS NULL))
BEGIN
    SELECT RAISE(ABORT, 'batchops: the run of this line was reverted while it was written; nothing lands under a reverted run');
END;
