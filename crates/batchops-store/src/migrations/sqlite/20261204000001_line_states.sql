-- One state per line: a line identity (import_key, line) is landed (a row in transactions), held
-- (an open row in held_lines), failed (an open row in failed_items), skipped (held, decided, not
-- landed) or not seen yet; never two of them (src/domain/line_state.rs names the transitions).
-- The triggers below refuse a write that would put a line in a second state, and make the moves
-- out of failed part of the write that causes them.

-- Which run created an item or learned an alias: a run over an import key maps against the
-- catalog as it was before that key's runs changed it, so that a re-import or a resume makes the
-- decisions of one uninterrupted run.
ALTER TABLE inventory_items ADD COLUMN created_run_id INTEGER;
ALTER TABLE item_aliases ADD COLUMN learned_run_id INTEGER;

-- Lines already in two states are settled first: landed wins over held and failed, held over
-- failed, and of several open failed rows of a line the newest stays open.
UPDATE held_lines
SET decided_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), decision_json = '{"choice":"landed before"}'
WHERE decided_at IS NULL
  AND EXISTS (SELECT 1 FROM transactions t
              WHERE t.import_key = held_lines.import_key AND t.line = held_lines.line);
UPDATE failed_items
SET resolved_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE resolved_at IS NULL
  AND (EXISTS (SELECT 1 FROM transactions t
               WHERE t.import_key = failed_items.import_key AND t.line = failed_items.line)
       OR EXISTS (SELECT 1 FROM held_lines h
                  WHERE h.import_key = failed_items.import_key AND h.line = failed_items.line
                    AND h.decided_at IS NULL)
       OR EXISTS (SELECT 1 FROM failed_items n
                  WHERE n.import_key = failed_items.import_key AND n.line = failed_items.line
                    AND n.resolved_at IS NULL AND n.id > failed_items.id));

-- At most one open failed row per line.
CREATE UNIQUE INDEX failed_items_open ON failed_items (import_key, line) WHERE resolved_at IS NULL;

-- A held line lands only by a decision, which marks it decided first (in the same transaction).
CREATE TRIGGER transactions_not_held BEFORE INSERT ON transactions
WHEN EXISTS (SELECT 1 FROM held_lines h
             WHERE h.import_key = NEW.import_key AND h.line = NEW.line AND h.decided_at IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'line state: the line is held for review; only a review decision lands it');
END;

-- A failed line that lands (retry, reject file) is resolved by the same write.
CREATE TRIGGER transactions_resolve_failed AFTER INSERT ON transactions
WHEN EXISTS (SELECT 1 FROM failed_items f
             WHERE f.import_key = NEW.import_key AND f.line = NEW.line AND f.resolved_at IS NULL)
BEGIN
    UPDATE failed_items
    SET resolved_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), attempts = attempts + 1
    WHERE import_key = NEW.import_key AND line = NEW.line AND resolved_at IS NULL;
END;

-- A landed line is never held.
CREATE TRIGGER held_lines_not_landed BEFORE INSERT ON held_lines
WHEN EXISTS (SELECT 1 FROM transactions t WHERE t.import_key = NEW.import_key AND t.line = NEW.line)
BEGIN
    SELECT RAISE(ABORT, 'line state: the line has landed; it cannot be held');
END;

-- A failed line held on retry is resolved by the same write.
CREATE TRIGGER held_lines_resolve_failed AFTER INSERT ON held_lines
BEGIN
    UPDATE failed_items
    SET resolved_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), attempts = attempts + 1
    WHERE import_key = NEW.import_key AND line = NEW.line AND resolved_at IS NULL;
END;

-- A landed or held line is never failed.
CREATE TRIGGER failed_items_not_landed_or_held BEFORE INSERT ON failed_items
WHEN EXISTS (SELECT 1 FROM transactions t WHERE t.import_key = NEW.import_key AND t.line = NEW.line)
  OR EXISTS (SELECT 1 FROM held_lines h
             WHERE h.import_key = NEW.import_key AND h.line = NEW.line AND h.decided_at IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'line state: the line has landed or is held; it cannot be failed');
END;
