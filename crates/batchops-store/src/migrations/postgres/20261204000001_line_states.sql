-- One state per line: a line identity (import_key, line) is landed (a row in transactions), held
-- (an open row in held_lines), failed (an open row in failed_items), skipped (held, decided, not
-- landed) or not seen yet; never two of them (src/domain/line_state.rs names the transitions).
-- The triggers below refuse a write that would put a line in a second state, and make the moves
-- out of failed part of the write that causes them. They are statement triggers over the rows the
-- statement wrote (transition tables): a chunk's insert pays one join, not a call per row.

-- Which run created an item or learned an alias: a run over an import key maps against the
-- catalog as it was before that key's runs changed it, so that a re-import or a resume makes the
-- decisions of one uninterrupted run. The chunk writer (batchops_write_chunk) names its run by
-- the transaction setting `batchops.run_id` (see batchops_as_run); other writers set the columns.
ALTER TABLE inventory_items ADD COLUMN created_run_id BIGINT
    DEFAULT nullif(current_setting('batchops.run_id', true), '')::BIGINT;
ALTER TABLE item_aliases ADD COLUMN learned_run_id BIGINT
    DEFAULT nullif(current_setting('batchops.run_id', true), '')::BIGINT;

-- The run id, also set as this transaction's `batchops.run_id` (read by the column defaults
-- above): an argument of the chunk writer, so it is set before the writer runs, in one statement.
CREATE FUNCTION batchops_as_run(p_run_id BIGINT) RETURNS BIGINT
LANGUAGE sql VOLATILE AS $$
    SELECT set_config('batchops.run_id', p_run_id::TEXT, true)::BIGINT
$$;

-- Lines already in two states are settled first: landed wins over held and failed, held over
-- failed, and of several open failed rows of a line the newest stays open.
UPDATE held_lines h
SET decided_at = now(), decision_json = '{"choice":"landed before"}'
FROM import_keys k, transactions t
WHERE h.decided_at IS NULL AND k.import_key = h.import_key
  AND t.import_no = k.import_no AND t.line = h.line;
UPDATE failed_items f
SET resolved_at = now()
WHERE f.resolved_at IS NULL
  AND (EXISTS (SELECT 1 FROM import_keys k JOIN transactions t ON t.import_no = k.import_no
               WHERE k.import_key = f.import_key AND t.line = f.line)
       OR EXISTS (SELECT 1 FROM held_lines h
                  WHERE h.import_key = f.import_key AND h.line = f.line AND h.decided_at IS NULL)
       OR EXISTS (SELECT 1 FROM failed_items n
                  WHERE n.import_key = f.import_key AND n.line = f.line
                    AND n.resolved_at IS NULL AND n.id > f.id));

-- At most one open failed row per line.
CREATE UNIQUE INDEX failed_items_open ON failed_items (import_key, line) WHERE resolved_at IS NULL;

-- Rows landed: none of them may be held (a held line lands only by a decision, which marks it
-- decided first, in the same transaction); failed ones among them (retry, reject file) are
-- resolved by the same write. Per import key of the statement (one, for a chunk): the lines'
-- range bounds the index scans, so the cost follows the chunk, not the key's held or failed lines.
CREATE FUNCTION batchops_transactions_line_state() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
DECLARE
    k     TEXT;
    lines BIGINT[];
    lo    BIGINT;
    hi    BIGINT;
    bad   BIGINT;
BEGIN
    FOR k, lines, lo, hi IN
        SELECT import_key, array_agg(line), min(line), max(line) FROM new_rows GROUP BY import_key
    LOOP
        SELECT h.line INTO bad FROM held_lines h
        WHERE h.import_key = k AND h.line BETWEEN lo AND hi AND h.line = ANY (lines)
          AND h.decided_at IS NULL
        LIMIT 1;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'line state: line % is held for review; only a review decision lands it', bad
                USING ERRCODE = '23514';
        END IF;
        UPDATE failed_items f SET resolved_at = now(), attempts = f.attempts + 1
        WHERE f.import_key = k AND f.line BETWEEN lo AND hi AND f.line = ANY (lines)
          AND f.resolved_at IS NULL;
    END LOOP;
    RETURN NULL;
END
$$;
CREATE TRIGGER transactions_line_state AFTER INSERT ON transactions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION batchops_transactions_line_state();

-- Lines held: none of them may have landed; failed ones among them (a retry that maps the line to
-- review) are resolved by the same write. Per import key, probed by its number and the lines'
-- range, as above: the transition table has no statistics, and a join on it may otherwise scan
-- the whole transactions table for every chunk.
CREATE FUNCTION batchops_held_line_state() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
DECLARE
    k     TEXT;
    kno   BIGINT;
    lines BIGINT[];
    lo    BIGINT;
    hi    BIGINT;
    bad   BIGINT;
BEGIN
    FOR k, lines, lo, hi IN
        SELECT import_key, array_agg(line), min(line), max(line) FROM new_rows GROUP BY import_key
    LOOP
        SELECT import_no INTO kno FROM import_keys WHERE import_key = k;
        IF kno IS NOT NULL THEN
            SELECT t.line INTO bad FROM transactions t
            WHERE t.import_no = kno AND t.line BETWEEN lo AND hi AND t.line = ANY (lines)
            LIMIT 1;
            IF bad IS NOT NULL THEN
                RAISE EXCEPTION 'line state: line % has landed; it cannot be held', bad
                    USING ERRCODE = '23514';
            END IF;
        END IF;
        UPDATE failed_items f SET resolved_at = now(), attempts = f.attempts + 1
        WHERE f.import_key = k AND f.line BETWEEN lo AND hi AND f.line = ANY (lines)
          AND f.resolved_at IS NULL;
    END LOOP;
    RETURN NULL;
END
$$;
CREATE TRIGGER held_lines_line_state AFTER INSERT ON held_lines
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION batchops_held_line_state();

-- Lines failed: none of them may have landed or be held (probed as above).
CREATE FUNCTION batchops_failed_line_state() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
DECLARE
    k     TEXT;
    kno   BIGINT;
    lines BIGINT[];
    lo    BIGINT;
    hi    BIGINT;
    bad   BIGINT;
BEGIN
    FOR k, lines, lo, hi IN
        SELECT import_key, array_agg(line), min(line), max(line) FROM new_rows GROUP BY import_key
    LOOP
        SELECT import_no INTO kno FROM import_keys WHERE import_key = k;
        IF kno IS NOT NULL THEN
            SELECT t.line INTO bad FROM transactions t
            WHERE t.import_no = kno AND t.line BETWEEN lo AND hi AND t.line = ANY (lines)
            LIMIT 1;
        END IF;
        IF bad IS NULL THEN
            SELECT h.line INTO bad FROM held_lines h
            WHERE h.import_key = k AND h.line BETWEEN lo AND hi AND h.line = ANY (lines)
              AND h.decided_at IS NULL
            LIMIT 1;
        END IF;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'line state: line % has landed or is held; it cannot be failed', bad
                USING ERRCODE = '23514';
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
CREATE TRIGGER failed_items_line_state AFTER INSERT ON failed_items
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION batchops_failed_line_state();
