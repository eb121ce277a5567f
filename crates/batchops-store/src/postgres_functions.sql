-- The PostgreSQL functions and trigger functions of batchops, as they are now: the one place to
-- change them. Applied after the migrations whenever its checksum differs from the one the database
-- records (crates/batchops-store/src/functions.rs), in one transaction under an advisory lock, so
-- concurrent first connections do not replace the same function at once.
--
-- Every statement is a CREATE OR REPLACE: applying the file twice changes nothing. The migrations
-- create tables, indexes and triggers (a trigger names its function, whose body lives here); a
-- change of a function's arguments or result type is a migration that drops the old function,
-- and its new definition here.

-- The number of an import key, given on first use. Two sessions numbering one new key at once:
-- the second waits on the first's unique-index entry, then reads its row.
CREATE OR REPLACE FUNCTION batchops_import_no(p_import_key TEXT) RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
    n INTEGER;
BEGIN
    SELECT k.import_no INTO n FROM import_keys k WHERE k.import_key = p_import_key;
    IF n IS NULL THEN
        INSERT INTO import_keys (import_key) VALUES (p_import_key)
        ON CONFLICT (import_key) DO NOTHING RETURNING import_no INTO n;
        IF n IS NULL THEN
            SELECT k.import_no INTO n FROM import_keys k WHERE k.import_key = p_import_key;
        END IF;
    END IF;
    RETURN n;
END
$$;

-- Every run carries its key's number.
CREATE OR REPLACE FUNCTION batchops_run_import_no() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    NEW.import_no := batchops_import_no(NEW.import_key);
    RETURN NEW;
END
$$;

-- The run id, also set as this transaction's `batchops.run_id` (read by the defaults of
-- inventory_items.created_run_id and item_aliases.learned_run_id): an argument of the chunk
-- writer, so it is set before the writer runs, in one statement.
CREATE OR REPLACE FUNCTION batchops_as_run(p_run_id BIGINT) RETURNS BIGINT
LANGUAGE sql VOLATILE AS $$
    SELECT set_config('batchops.run_id', p_run_id::TEXT, true)::BIGINT
$$;

-- Isolate the bad rows of a chunk whose batch insert failed, inside the database: one call instead
-- of a round trip per part and per savepoint (each cost about 1 ms from the client).
--
-- The same steps as `Bisect` in crates/batchops-store/src/bisect.rs (read its comment): the rows
-- are scanned in parts, each in its own subtransaction (BEGIN … EXCEPTION). A part that lands is kept and the
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
CREATE OR REPLACE FUNCTION batchops_insert_isolating(
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
    v_no       INTEGER := batchops_import_no(p_import_key);
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
                INSERT INTO transactions (run_id, import_key, import_no, operator, line, item_id, quantity, unit_cost)
                SELECT p_run_id, p_import_key, v_no, p_operator, p_lines[i], p_items[i], p_quantities[i], p_costs[i]
                FROM generate_series(pos, hi) AS i
                ON CONFLICT (import_no, line) DO NOTHING
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

-- One round trip per chunk: the whole chunk write (new items, learned aliases, transaction rows,
-- the inventory deltas of the rows actually inserted, the chunk's failed lines) in one function
-- call, with the chunk's lines held for review. Called as a statement of its own, the call is
-- its own transaction: all of it or nothing.
--
-- Locks are taken in one order by every caller, so concurrent chunks (two of the same run written
-- at once, or other importers) wait for each other but never deadlock: new items by SKU
-- (`ON CONFLICT DO NOTHING` takes no lock on an item that exists, and waits for one another
-- transaction is inserting), then aliases by alias, then transaction rows (each chunk its own
-- lines), then the inventory rows by item id (locked in that order before they are updated: an UPDATE
-- joined to the deltas locks rows in the order of its plan, which a sequential scan makes the
-- rows' physical order).
--
-- Rows name their item by id (`p_items[i] > 0`, an item known to exist) or by position in the
-- new items (`p_items[i] = -k`: the item `p_new_skus[k]`, created here unless it exists).
-- With `p_isolate` the rows are written by `batchops_insert_isolating` (the bisection of
-- `Bisect` in crates/batchops-store/src/bisect.rs, inside the database): the rows it refused
-- come back in `bad_*`, 1-based, and the failed and held lines are not written (the caller records them on its own).
--
-- Returns one row: the items created (SKU and id, for the caller's cache), the rows inserted now,
-- the SQL statements executed, the seconds of the insert part and of the inventory update, and
-- the refused rows.
-- Each row also carries its fingerprint and line key (crates/batchops-core/src/domain/fingerprint.rs),
-- stored by the same INSERT (the isolating path sets them with the aliases).
CREATE OR REPLACE FUNCTION batchops_write_chunk(
    p_run_id BIGINT,
    p_import_key TEXT,
    p_operator TEXT,
    p_new_skus TEXT[],
    p_new_names TEXT[],
    p_alias_texts TEXT[],
    p_alias_items BIGINT[],
    p_lines BIGINT[],
    p_items BIGINT[],
    p_quantities NUMERIC[],
    p_costs NUMERIC[],
    p_fail_lines BIGINT[],
    p_fail_raw TEXT[],
    p_fail_fields TEXT[],
    p_fail_phases TEXT[],
    p_fail_errors TEXT[],
    p_fail_sqlstates TEXT[],
    p_fail_decisions TEXT[],
    p_isolate BOOLEAN,
    p_row_aliases TEXT[],
    p_held_lines BIGINT[],
    p_held_descriptions TEXT[],
    p_held_aliases TEXT[],
    p_held_quantities NUMERIC[],
    p_held_costs NUMERIC[],
    p_held_raw TEXT[],
    p_held_fields TEXT[],
    p_held_candidates TEXT[],
    p_fingerprints BIGINT[],
    p_line_keys BIGINT[]
) RETURNS TABLE (
    created_skus TEXT[],
    created_ids BIGINT[],
    inserted BIGINT,
    statements INT,
    insert_seconds DOUBLE PRECISION,
    update_seconds DOUBLE PRECISION,
    bad_idx INT[],
    bad_states TEXT[],
    bad_messages TEXT[]
)
LANGUAGE plpgsql AS $$
DECLARE
    started   TIMESTAMPTZ := clock_timestamp();
    updating  TIMESTAMPTZ;
    updated   TIMESTAMPTZ;
    did_update BOOLEAN := false;
    new_ids   BIGINT[] := '{}';
    items     BIGINT[];
    c_skus    TEXT[] := '{}';
    c_ids     BIGINT[] := '{}';
    c_start   NUMERIC[] := '{}';
    d_ids     BIGINT[];
    d_deltas  NUMERIC[];
    n_ins     BIGINT := 0;
    n_stmt    INT := 0;
    b_idx     INT[] := '{}';
    b_state   TEXT[] := '{}';
    b_msg     TEXT[] := '{}';
    ok_idx    INT[];
    writes    INT;
    v_no      INTEGER := batchops_import_no(p_import_key);
    fresh     BOOLEAN;
    -- The items the chunk creates, each at the sum of its rows' quantities; %s: what an item
    -- that exists already does.
    insert_items CONSTANT TEXT := 'WITH plan AS (
            SELECT -x AS k, sum(q) AS q FROM unnest($1::BIGINT[], $2::NUMERIC[]) AS u(x, q)
            WHERE x < 0 AND NOT $3 GROUP BY -x
        ), ins AS (
            INSERT INTO inventory_items (sku, name, quantity)
            SELECT u.s, u.n, coalesce(plan.q, 0)
            FROM unnest($4::TEXT[], $5::TEXT[]) WITH ORDINALITY AS u(s, n, k)
            LEFT JOIN plan ON plan.k = u.k ORDER BY u.s
            %s
            RETURNING id, sku, quantity
        )
        SELECT coalesce(array_agg(sku), ''{}''), coalesce(array_agg(id), ''{}''),
               coalesce(array_agg(quantity), ''{}'')
        FROM ins';
    -- The chunk's rows and the deltas of those inserted; %s: what a stored line does.
    insert_rows CONSTANT TEXT := 'WITH ins AS (
            INSERT INTO transactions (run_id, import_key, import_no, operator, line, item_id, quantity, unit_cost, alias, fingerprint, line_key)
            SELECT $1, $2, $3, $4, t.line, t.item, t.q, t.c, t.a, t.f, t.k
            FROM unnest($5::BIGINT[], $6::BIGINT[], $7::NUMERIC[], $8::NUMERIC[], $9::TEXT[], $10::BIGINT[], $11::BIGINT[]) AS t(line, item, q, c, a, f, k)
            %s
            RETURNING item_id, quantity
        )
        SELECT coalesce(sum(g.n), 0), array_agg(g.item_id ORDER BY g.item_id),
               array_agg(g.delta ORDER BY g.item_id)
        FROM (SELECT item_id, sum(quantity) AS delta, count(*) AS n FROM ins GROUP BY item_id) AS g';
BEGIN
    IF coalesce(array_length(p_new_skus, 1), 0) > 0 THEN
        -- An item this chunk creates starts at the sum of its rows' quantities (an all-or-nothing
        -- write: each row goes in, or the write fails), so it is written once, not created and
        -- then updated; the update below settles what the rows that did go in leave different.
        -- Rows written one at a time (p_isolate) may fail alone: their items start at 0.
        -- They go in without ON CONFLICT first (its check per row costs a third of the
        -- insert's time, and the ids of all of them come back with it): an item another writer
        -- created meanwhile fails that insert as a whole (its subtransaction undone), and they go
        -- in skipping the items that exist, whose ids are then looked up.
        fresh := true;
        BEGIN
            EXECUTE format(insert_items, '') INTO c_skus, c_ids, c_start
                USING p_items, p_quantities, p_isolate, p_new_skus, p_new_names;
        EXCEPTION WHEN unique_violation THEN
            fresh := false;
        END;
        n_stmt := n_stmt + 1;
        IF fresh THEN
            SELECT array_agg(c.id ORDER BY u.ord) INTO new_ids
            FROM unnest(p_new_skus) WITH ORDINALITY AS u(sku, ord)
            JOIN unnest(c_skus, c_ids) AS c(sku, id) ON c.sku = u.sku;
            n_stmt := n_stmt + 1;
        ELSE
            EXECUTE format(insert_items, 'ON CONFLICT (sku) DO NOTHING') INTO c_skus, c_ids, c_start
                USING p_items, p_quantities, p_isolate, p_new_skus, p_new_names;
            SELECT array_agg(i.id ORDER BY u.ord) INTO new_ids
            FROM unnest(p_new_skus) WITH ORDINALITY AS u(sku, ord)
            JOIN inventory_items i ON i.sku = u.sku;
            n_stmt := n_stmt + 2;
        END IF;
        IF coalesce(array_length(new_ids, 1), 0) <> array_length(p_new_skus, 1) THEN
            RAISE EXCEPTION 'internal: % new items, % found after creating them',
                array_length(p_new_skus, 1), coalesce(array_length(new_ids, 1), 0)
                USING ERRCODE = 'XX000';
        END IF;
    END IF;
    SELECT array_agg(CASE WHEN x > 0 THEN x ELSE new_ids[-x] END ORDER BY ord) INTO items
    FROM unnest(p_items) WITH ORDINALITY AS u(x, ord);

    IF coalesce(array_length(p_alias_texts, 1), 0) > 0 THEN
        INSERT INTO item_aliases (alias, item_id, learned_by)
        SELECT a, CASE WHEN x > 0 THEN x ELSE new_ids[-x] END, 'auto'
        FROM unnest(p_alias_texts, p_alias_items) AS u(a, x) ORDER BY a
        ON CONFLICT (alias) DO NOTHING;
        n_stmt := n_stmt + 1;
    END IF;

    IF coalesce(array_length(p_lines, 1), 0) > 0 THEN
        IF p_isolate THEN
            SELECT coalesce(array_agg(r.idx) FILTER (WHERE r.ok), '{}'),
                   coalesce(array_agg(r.idx ORDER BY r.idx) FILTER (WHERE NOT r.ok), '{}'),
                   coalesce(array_agg(r.sqlstate ORDER BY r.idx) FILTER (WHERE NOT r.ok), '{}'),
                   coalesce(array_agg(r.message ORDER BY r.idx) FILTER (WHERE NOT r.ok), '{}'),
                   coalesce(sum(r.statements) FILTER (WHERE r.idx = 0), 0)
              INTO ok_idx, b_idx, b_state, b_msg, writes
            FROM batchops_insert_isolating(p_run_id, p_import_key, p_operator, p_lines, items,
                                           p_quantities, p_costs) AS r;
            n_stmt := n_stmt + writes;
            n_ins := coalesce(array_length(ok_idx, 1), 0);
            -- The isolating writes leave out the alias each row was mapped through and its
            -- fingerprint and line key.
            IF n_ins > 0 AND (EXISTS (SELECT 1 FROM unnest(p_row_aliases) AS a WHERE a IS NOT NULL)
                              OR EXISTS (SELECT 1 FROM unnest(p_fingerprints) AS f WHERE f IS NOT NULL)) THEN
                UPDATE transactions AS t SET alias = p_row_aliases[i], fingerprint = p_fingerprints[i],
                    line_key = p_line_keys[i]
                FROM unnest(ok_idx) AS i
                WHERE (p_row_aliases[i] IS NOT NULL OR p_fingerprints[i] IS NOT NULL)
                  AND t.import_no = v_no AND t.line = p_lines[i];
                n_stmt := n_stmt + 1;
            END IF;
            SELECT array_agg(g.id ORDER BY g.id), array_agg(g.delta ORDER BY g.id)
              INTO d_ids, d_deltas
            FROM (SELECT items[i] AS id, sum(p_quantities[i]) AS delta
                  FROM unnest(ok_idx) AS i GROUP BY items[i]) AS g;
        ELSE
            -- When no line of the chunk's range is stored yet (a new import, not a resumed one),
            -- the rows go in without ON CONFLICT, which checks the key once more per row before
            -- inserting it (measured: 14-24% of the insert's time). Lines a concurrent writer of
            -- the same import key stores meanwhile make that insert fail as a whole (its
            -- subtransaction undone) and the rows go in as below, skipping them.
            SELECT NOT EXISTS (
                SELECT 1 FROM transactions
                WHERE import_no = v_no AND line BETWEEN (SELECT min(l) FROM unnest(p_lines) AS l)
                                                    AND (SELECT max(l) FROM unnest(p_lines) AS l))
              INTO fresh;
            n_stmt := n_stmt + 1;
            IF fresh THEN
                BEGIN
                    EXECUTE format(insert_rows, '') INTO n_ins, d_ids, d_deltas
                        USING p_run_id, p_import_key, v_no, p_operator, p_lines, items, p_quantities,
                              p_costs, p_row_aliases, p_fingerprints, p_line_keys;
                    n_stmt := n_stmt + 1;
                EXCEPTION WHEN unique_violation THEN
                    fresh := false;
                    n_stmt := n_stmt + 1;
                END;
            END IF;
            IF NOT fresh THEN
                EXECUTE format(insert_rows, 'ON CONFLICT (import_no, line) DO NOTHING')
                    INTO n_ins, d_ids, d_deltas
                    USING p_run_id, p_import_key, v_no, p_operator, p_lines, items, p_quantities,
                          p_costs, p_row_aliases, p_fingerprints, p_line_keys;
                n_stmt := n_stmt + 1;
            END IF;
        END IF;
    END IF;

    -- What the rows that went in add, less what an item created above started at.
    IF coalesce(array_length(c_ids, 1), 0) > 0 THEN
        SELECT array_agg(g.id ORDER BY g.id), array_agg(g.delta ORDER BY g.id)
          INTO d_ids, d_deltas
        FROM (SELECT coalesce(a.id, c.id) AS id, coalesce(a.delta, 0) - coalesce(c.q, 0) AS delta,
                     c.id IS NOT NULL AS created
              FROM unnest(d_ids, d_deltas) AS a(id, delta)
              FULL JOIN unnest(c_ids, c_start) AS c(id, q) ON c.id = a.id) AS g
        WHERE NOT g.created OR g.delta <> 0;
    END IF;

    updating := clock_timestamp();
    IF coalesce(array_length(d_ids, 1), 0) > 0 THEN
        PERFORM 1 FROM inventory_items WHERE id = ANY (d_ids) ORDER BY id FOR NO KEY UPDATE;
        UPDATE inventory_items AS i SET quantity = i.quantity + d.delta, updated_at = now()
        FROM unnest(d_ids, d_deltas) AS d(id, delta) WHERE i.id = d.id;
        n_stmt := n_stmt + 1;
        did_update := true;
    END IF;
    updated := clock_timestamp();

    IF NOT p_isolate AND coalesce(array_length(p_fail_lines, 1), 0) > 0 THEN
        INSERT INTO failed_items
            (run_id, import_key, line, raw_record, fields_json, phase, error, sqlstate, decision)
        SELECT p_run_id, p_import_key, f.*
        FROM unnest(p_fail_lines, p_fail_raw, p_fail_fields, p_fail_phases, p_fail_errors,
                    p_fail_sqlstates, p_fail_decisions)
          AS f(line, raw_record, fields_json, phase, error, sqlstate, decision)
        ON CONFLICT (run_id, line) DO UPDATE SET raw_record = EXCLUDED.raw_record,
            fields_json = EXCLUDED.fields_json, phase = EXCLUDED.phase, error = EXCLUDED.error,
            sqlstate = EXCLUDED.sqlstate, decision = EXCLUDED.decision, resolved_at = NULL;
        n_stmt := n_stmt + 1;
    END IF;

    IF NOT p_isolate AND coalesce(array_length(p_held_lines, 1), 0) > 0 THEN
        INSERT INTO held_lines (run_id, import_key, operator, line, description, alias, quantity,
                                unit_cost, raw_record, fields_json, candidates_json)
        SELECT p_run_id, p_import_key, p_operator, h.*
        FROM unnest(p_held_lines, p_held_descriptions, p_held_aliases, p_held_quantities,
                    p_held_costs, p_held_raw, p_held_fields, p_held_candidates)
          AS h(line, description, alias, quantity, unit_cost, raw_record, fields_json, candidates_json)
        ON CONFLICT (import_key, line) DO NOTHING;
        n_stmt := n_stmt + 1;
    END IF;

    RETURN QUERY SELECT c_skus, c_ids, n_ins, n_stmt,
        extract(epoch FROM (updating - started) + (clock_timestamp() - updated))::DOUBLE PRECISION,
        CASE WHEN did_update THEN extract(epoch FROM updated - updating)::DOUBLE PRECISION END,
        b_idx, b_state, b_msg;
END
$$;

-- Rows landed: none of them may be held (a held line lands only by a decision, which marks it
-- decided first, in the same transaction); failed ones among them (retry, reject file) are
-- resolved by the same write. Per import key of the statement (one, for a chunk): the lines'
-- range bounds the index scans, so the cost follows the chunk, not the key's held or failed lines.
CREATE OR REPLACE FUNCTION batchops_transactions_line_state() RETURNS TRIGGER
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

-- Lines held: none of them may have landed; failed ones among them (a retry that maps the line to
-- review) are resolved by the same write. Per import key, probed by its number and the lines'
-- range, as above: the transition table has no statistics, and a join on it may otherwise scan
-- the whole transactions table for every chunk.
CREATE OR REPLACE FUNCTION batchops_held_line_state() RETURNS TRIGGER
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

-- Lines failed: none of them may have landed or be held (probed as above).
CREATE OR REPLACE FUNCTION batchops_failed_line_state() RETURNS TRIGGER
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

-- The run's state, re-checked inside every write (one check per statement): nothing lands under a
-- reverted run, nor (for retries, reject files and review decisions of their lines) under the
-- identity of a failed line whose every import run was reverted. The runs' rows are locked FOR
-- SHARE: a revert (which locks its run FOR UPDATE) waits for this write to commit and removes its
-- rows, or this write waits for the revert and is refused.
CREATE OR REPLACE FUNCTION batchops_run_not_reverted() RETURNS TRIGGER
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

-- A change to the catalog's items other than a new one (a new SKU or name, a merge, a removal),
-- counted and logged by item: a catalog kept between runs from before it applies the renames and
-- merges since, or is read again (crates/batchops-store/src/catalog_cache.rs).
CREATE OR REPLACE FUNCTION batchops_catalog_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    n BIGINT;
BEGIN
    UPDATE catalog_stamp SET changes = changes + 1 WHERE id = 1 RETURNING changes INTO n;
    INSERT INTO catalog_changes (seq, item_id) VALUES (n, NEW.id);
    DELETE FROM catalog_changes WHERE seq <= n - 2000;
    RETURN NULL;
END
$$;

-- The items a statement removed (`gone`, its transition table), each a change.
CREATE OR REPLACE FUNCTION batchops_catalog_removed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    n BIGINT;
    k BIGINT;
BEGIN
    SELECT count(*) INTO k FROM gone;
    UPDATE catalog_stamp SET changes = changes + k WHERE id = 1 RETURNING changes INTO n;
    INSERT INTO catalog_changes (seq, item_id)
    SELECT g.seq, g.id
    FROM (SELECT n - k + row_number() OVER (ORDER BY id) AS seq, id FROM gone) AS g
    WHERE g.seq > n - 2000;
    DELETE FROM catalog_changes WHERE seq <= n - 2000;
    RETURN NULL;
END
$$;
