-- Isolate the bad rows of a chunk whose batch insert failed, inside the database: one call instead
-- of a round trip per part and per savepoint (each cost about 1 ms from the client).
--
-- The same steps as `Bisect` in src/store/plan.rs (read its comment): the rows are scanned in
-- parts, each in its own subtransaction (BEGIN … EXCEPTION). A part that lands is kept and the
-- next one doubles; a part that fails is narrowed by the hint (every row of a part draws the next
-- `transactions.id` before its checks and triggers run, conflicting rows too, and sequences ignore
-- rollbacks, so `currval` tells how many rows went through before the bad one): the rows before
-- the hinted row as one part, then that row alone; without a usable hint the part is halved. A
-- row is reported refused only when written alone, with its own SQLSTATE and message, so a wrong
-- hint costs writes, never a good row. Only data errors are caught (the classes the engine
-- isolates); anything else (a deadlock, a lost lock, a cancel) ends the call and the engine
-- retries the chunk.
--
-- Returns one row per inserted row (ok) and per refused row (not ok), by 1-based index into the
-- arrays; rows already imported (ON CONFLICT DO NOTHING) are not returned. A last row with idx 0
-- carries the number of INSERT statements executed.
CREATE FUNCTION batchops_insert_isolating(
    p_run_id BIGINT,
    p_import_key TEXT,
    p_operator TEXT,
    p_lines BIGINT[],
    p_items BIGINT[],
    p_quantities NUMERIC[],
    p_costs NUMERIC[]
) RETURNS TABLE (idx INT, ok BOOLEAN, sqlstate TEXT, message TEXT, statements INT)
LANGUAGE plpgsql AS $$
DECLARE
    n          INT := coalesce(array_length(p_lines, 1), 0);
    seq        TEXT := pg_get_serial_sequence('transactions', 'id');
    pos        INT := 1;     -- first row not yet landed or refused
    size       INT := n;     -- rows in the next part
    suspect    INT := 0;     -- the row a hint named (0: none)
    prev_bad   INT := 0;
    after_bad  INT := 8;     -- rows in the part after the last bad row
    predicted  BOOLEAN;
    bad_before INT := 0;     -- end (exclusive) of the shortest range known to hold a bad row (0: none)
    trust_last BOOLEAN := true;
    via_last   BOOLEAN := false;
    hi         INT;
    len        INT;
    before     BIGINT;
    k          BIGINT;
    got        INT[];
    inserted   INT[] := '{}';
    bad_idx    INT[] := '{}';
    bad_state  TEXT[] := '{}';
    bad_msg    TEXT[] := '{}';
    writes     INT := 0;
    e_state    TEXT;
    e_msg      TEXT;
BEGIN
    WHILE pos <= n LOOP
        hi := least(n, pos + greatest(size, 1) - 1);
        len := hi - pos + 1;
        before := nextval(seq);
        writes := writes + 1;
        BEGIN
            WITH ins AS (
                INSERT INTO transactions (run_id, import_key, operator, line, item_id, quantity, unit_cost)
                SELECT p_run_id, p_import_key, p_operator, p_lines[i], p_items[i], p_quantities[i], p_costs[i]
                FROM generate_series(pos, hi) AS i
                ON CONFLICT (import_key, line) DO NOTHING
                RETURNING line
            )
            SELECT coalesce(array_agg(i), '{}') INTO got
            FROM generate_series(pos, hi) AS i
            WHERE p_lines[i] IN (SELECT line FROM ins);
            inserted := inserted || got;
            predicted := len = 1 AND suspect = pos AND NOT via_last;
            IF via_last AND suspect = pos THEN
                trust_last := false;
                via_last := false;
            END IF;
            pos := hi + 1;
            IF suspect = pos THEN
                size := 1;
            ELSIF predicted THEN
                size := after_bad;          -- the row the spacing predicted was good
            ELSIF bad_before > pos THEN
                size := bad_before - pos;   -- the rest of a failed range, whole for its hint
            ELSE
                size := least(size * 2, n);
            END IF;
        EXCEPTION WHEN data_exception OR integrity_constraint_violation OR plpgsql_error THEN
            GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_msg = MESSAGE_TEXT;
            IF len = 1 THEN
                bad_idx := bad_idx || pos;
                bad_state := bad_state || e_state;
                bad_msg := bad_msg || e_msg;
                -- The next part: as many rows as lay between the previous bad row and this one;
                -- then the row after them alone (at a steady spacing, the next bad row).
                size := greatest(8, pos - prev_bad - 1);
                after_bad := size;
                IF pos - prev_bad - 1 >= 8 THEN
                    suspect := pos + 1 + (pos - prev_bad - 1);
                ELSE
                    suspect := 0;
                END IF;
                prev_bad := pos;
                via_last := false;
                bad_before := 0;
                pos := pos + 1;
            ELSE
                IF via_last THEN
                    trust_last := false;
                    via_last := false;
                END IF;
                bad_before := hi + 1;
                k := currval(seq) - before - 1;
                IF k >= 0 AND (k < len - 1 OR (k = len - 1 AND trust_last)) THEN
                    suspect := pos + k::INT;
                    via_last := k = len - 1;
                    size := greatest(k::INT, 1);
                ELSE
                    size := len / 2;
                END IF;
            END IF;
        END;
    END LOOP;
    RETURN QUERY SELECT u, true, NULL::TEXT, NULL::TEXT, NULL::INT FROM unnest(inserted) AS u;
    RETURN QUERY SELECT b.i, false, b.s, b.m, NULL::INT
        FROM unnest(bad_idx, bad_state, bad_msg) AS b(i, s, m);
    RETURN QUERY SELECT 0, NULL::BOOLEAN, NULL::TEXT, NULL::TEXT, writes;
END
$$;
