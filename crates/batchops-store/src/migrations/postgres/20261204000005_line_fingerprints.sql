-- Re-sent invoices: each landed line's content fingerprint, and what is known of the invoice each
-- import key carried.

-- The line's content fingerprint and line key (src/domain/fingerprint.rs): 8 bytes each of the
-- SHA-256 of its normalised SKU, description, quantity and price (the key: SKU and description)
-- with their occurrence number in the file. NULL for rows landed before, or by retries, decisions
-- and reject files. Keys are read by run.
ALTER TABLE transactions ADD COLUMN fingerprint BIGINT;
ALTER TABLE transactions ADD COLUMN line_key BIGINT;
-- The look-up of fingerprints by value: one row per landed row of a run that ended, written when
-- the run ends (finish_run), sorted, in one statement. An index on transactions (fingerprint)
-- would take one random B-tree insert per row in every chunk's transaction (each chunk dirtying
-- a page per row), which doubled an import's time. Rows of runs not ended yet (running, killed)
-- are found through their run instead (`prints_indexed` false).
-- Keyed by the fingerprint first (filled in its order). A row names its transaction row by the
-- line's identity (the primary key of transactions) and fingerprint: a reverted run's rows leave
-- theirs behind, matched by nothing.
CREATE TABLE line_prints (
    fingerprint BIGINT  NOT NULL,
    import_no   INTEGER NOT NULL,
    line        BIGINT  NOT NULL,
    PRIMARY KEY (fingerprint, import_no, line)
);
ALTER TABLE import_runs ADD COLUMN prints_indexed BOOLEAN NOT NULL DEFAULT false;
-- Runs before this migration carry no fingerprints: nothing of theirs to look up.
UPDATE import_runs SET prints_indexed = true;

-- One row per import key whose file named its invoice, or whose overlap with earlier runs the
-- operator answered (`only-new`, `as-new-invoice`).
CREATE TABLE import_invoices (
    import_key  TEXT        PRIMARY KEY,
    vendor      TEXT,
    invoice_id  TEXT,
    answer      TEXT,
    operator    TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX import_invoices_invoice ON import_invoices (vendor, invoice_id) WHERE invoice_id IS NOT NULL;

-- The chunk write of 20261202000001 with two more arguments, the rows' fingerprints and line keys
-- (stored by the same INSERT; the isolating path sets them with the aliases).
DROP FUNCTION batchops_write_chunk(BIGINT, TEXT, TEXT, TEXT[], TEXT[], TEXT[], BIGINT[], BIGINT[],
    BIGINT[], NUMERIC[], NUMERIC[], BIGINT[], TEXT[], TEXT[], TEXT[], TEXT[], TEXT[], TEXT[], BOOLEAN,
    TEXT[], BIGINT[], TEXT[], TEXT[], NUMERIC[], NUMERIC[], TEXT[], TEXT[], TEXT[]);

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
    v_no      INTEGER := batchops_import_no(p_import_key);
    fresh     BOOLEAN;
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
