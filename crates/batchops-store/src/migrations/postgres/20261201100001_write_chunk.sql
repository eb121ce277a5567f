-- One round trip per chunk: the whole chunk write (new items, learned aliases, transaction rows,
-- the inventory deltas of the rows actually inserted, the chunk's failed lines) in one function
-- call, with the chunk's lines held for review. Called as a statement of its own, the call is its own transaction: all of it or nothing.
--
-- Locks are taken in one order by every caller, so concurrent chunks (two of the same run written
-- at once, or other importers) wait for each other but never deadlock: new items by SKU
-- (`ON CONFLICT DO NOTHING` takes no lock on an item that exists, and waits for one another
-- transaction is inserting), then aliases by alias, then transaction rows (each chunk its own
-- lines), then the inventory rows by item id.
--
-- Rows name their item by id (`p_items[i] > 0`, an item known to exist) or by position in the
-- new items (`p_items[i] = -k`: the item `p_new_skus[k]`, created here unless it exists).
-- With `p_isolate` the rows are written by `batchops_insert_isolating` (the bisection of
-- `Bisect` in src/store/bisect.rs, inside the database): the rows it refused come back in `bad_*`,
-- 1-based, and the failed and held lines are not written (the caller records them on its own).
--
-- Returns one row: the items created (SKU and id, for the caller's cache), the rows inserted now,
-- the SQL statements executed, the seconds of the insert part and of the inventory update, and
-- the refused rows.
CREATE FUNCTION batchops_write_chunk(
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
    p_held_candidates TEXT[]
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
    new_ids   BIGINT[] := '{}';
    items     BIGINT[];
    c_skus    TEXT[] := '{}';
    c_ids     BIGINT[] := '{}';
    d_ids     BIGINT[];
    d_deltas  NUMERIC[];
    n_ins     BIGINT := 0;
    n_stmt    INT := 0;
    b_idx     INT[] := '{}';
    b_state   TEXT[] := '{}';
    b_msg     TEXT[] := '{}';
    ok_idx    INT[];
    writes    INT;
BEGIN
    IF coalesce(array_length(p_new_skus, 1), 0) > 0 THEN
        WITH ins AS (
            INSERT INTO inventory_items (sku, name)
            SELECT s, n FROM unnest(p_new_skus, p_new_names) AS u(s, n) ORDER BY s
            ON CONFLICT (sku) DO NOTHING
            RETURNING id, sku
        )
        SELECT coalesce(array_agg(sku), '{}'), coalesce(array_agg(id), '{}') INTO c_skus, c_ids FROM ins;
        SELECT array_agg(i.id ORDER BY u.ord) INTO new_ids
        FROM unnest(p_new_skus) WITH ORDINALITY AS u(sku, ord)
        JOIN inventory_items i ON i.sku = u.sku;
        n_stmt := n_stmt + 2;
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
            -- The isolating writes leave out the alias each row was mapped through.
            IF n_ins > 0 AND EXISTS (SELECT 1 FROM unnest(p_row_aliases) AS a WHERE a IS NOT NULL) THEN
                UPDATE transactions AS t SET alias = p_row_aliases[i]
                FROM unnest(ok_idx) AS i
                WHERE p_row_aliases[i] IS NOT NULL AND t.import_key = p_import_key AND t.line = p_lines[i];
                n_stmt := n_stmt + 1;
            END IF;
            SELECT array_agg(g.id ORDER BY g.id), array_agg(g.delta ORDER BY g.id)
              INTO d_ids, d_deltas
            FROM (SELECT items[i] AS id, sum(p_quantities[i]) AS delta
                  FROM unnest(ok_idx) AS i GROUP BY items[i]) AS g;
        ELSE
            WITH ins AS (
                INSERT INTO transactions (run_id, import_key, operator, line, item_id, quantity, unit_cost, alias)
                SELECT p_run_id, p_import_key, p_operator, t.line, t.item, t.q, t.c, t.a
                FROM unnest(p_lines, items, p_quantities, p_costs, p_row_aliases) AS t(line, item, q, c, a)
                ON CONFLICT (import_key, line) DO NOTHING
                RETURNING item_id, quantity
            )
            SELECT coalesce(sum(g.n), 0), array_agg(g.item_id ORDER BY g.item_id),
                   array_agg(g.delta ORDER BY g.item_id)
              INTO n_ins, d_ids, d_deltas
            FROM (SELECT item_id, sum(quantity) AS delta, count(*) AS n FROM ins GROUP BY item_id) AS g;
            n_stmt := n_stmt + 1;
        END IF;
    END IF;

    updating := clock_timestamp();
    IF coalesce(array_length(d_ids, 1), 0) > 0 THEN
        UPDATE inventory_items AS i SET quantity = i.quantity + d.delta, updated_at = now()
        FROM unnest(d_ids, d_deltas) AS d(id, delta) WHERE i.id = d.id;
        n_stmt := n_stmt + 1;
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
        extract(epoch FROM updated - updating)::DOUBLE PRECISION,
        b_idx, b_state, b_msg;
END
$$;
