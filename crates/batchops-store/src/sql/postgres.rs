//! Statements only the PostgreSQL store runs (around its functions, `postgres_functions.sql`).

pub(crate) const WRITE_CHUNK: &str = "SELECT created_skus, created_ids, inserted, statements, insert_seconds, \
    update_seconds, bad_idx, bad_states, bad_messages \
    FROM batchops_write_chunk(batchops_as_run($1), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
    $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30)";

pub(crate) const INSERT_HELD: &str = "INSERT INTO held_lines \
    (run_id, import_key, operator, line, description, alias, quantity, unit_cost, raw_record, fields_json, candidates_json) \
    SELECT $1, $2, $3, h.* FROM unnest($4::bigint[], $5::text[], $6::text[], $7::numeric[], $8::numeric[], $9::text[], $10::text[], $11::text[]) \
      AS h(line, description, alias, quantity, unit_cost, raw_record, fields_json, candidates_json) \
    ON CONFLICT (import_key, line) DO NOTHING";

pub(crate) const INSERT_FAILURES: &str = "INSERT INTO failed_items \
    (run_id, import_key, line, raw_record, fields_json, phase, error, sqlstate, decision) \
    SELECT $1, $2, f.* FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) \
      AS f(line, raw_record, fields_json, phase, error, sqlstate, decision) \
    ON CONFLICT (run_id, line) DO UPDATE SET raw_record = EXCLUDED.raw_record, \
      fields_json = EXCLUDED.fields_json, phase = EXCLUDED.phase, error = EXCLUDED.error, \
      sqlstate = EXCLUDED.sqlstate, decision = EXCLUDED.decision, resolved_at = NULL";

pub(crate) const WRITE_CHUNK_2: &str = "INSERT INTO supplier_parts (supplier, part_number, item_id, learned_by, learned_run_id) \
                     SELECT s, n, i, 'auto', $4 FROM UNNEST($1::text[], $2::text[], $3::bigint[]) AS p (s, n, i) \
                     ON CONFLICT (supplier, part_number) DO NOTHING";

pub(crate) fn drop_scratch_schema(schema: impl std::fmt::Display) -> String {
    format!("DROP SCHEMA IF EXISTS {schema} CASCADE")
}

pub(crate) const IMPORTED_LINES: &str = "SELECT line FROM transactions \
             WHERE import_no = (SELECT import_no FROM import_keys WHERE import_key = $1) \
             AND line = ANY($2) ORDER BY line";

pub(crate) const INVENTORY: &str = "SELECT sku, name, quantity FROM inventory_items ORDER BY sku";

pub(crate) const COPY_CATALOG_ITEMS: &str = "INSERT INTO inventory_items (sku, name, quantity) \
             SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[]) ON CONFLICT (sku) DO NOTHING";

pub(crate) const COPY_CATALOG_ALIASES: &str = "INSERT INTO item_aliases (alias, item_id) SELECT a.alias, i.id \
             FROM unnest($1::text[], $2::text[]) AS a(alias, sku) JOIN inventory_items i ON i.sku = a.sku \
             ON CONFLICT (alias) DO NOTHING";

pub(crate) fn open_scratch(schema: impl std::fmt::Display) -> String {
    format!("CREATE SCHEMA {schema}")
}

pub(crate) const CURRENT: &str =
    "SELECT EXISTS (SELECT 1 FROM schema_functions WHERE checksum = md5($1))";

pub(crate) const APPLY_LOCK: &str =
    "SELECT pg_advisory_xact_lock(hashtext('batchops functions'), hashtext(current_schema()))";

pub(crate) const APPLY_DELETE_SCHEMA_FUNCTIONS: &str = "DELETE FROM schema_functions";

pub(crate) const APPLY_INSERT_SCHEMA_FUNCTIONS: &str =
    "INSERT INTO schema_functions (checksum) VALUES (md5($1))";

pub(crate) const INDEX_PRINTS: &str = "INSERT INTO line_prints (fingerprint, import_no, line) \
        SELECT fingerprint, import_no, line FROM transactions \
        WHERE run_id = $1 AND fingerprint IS NOT NULL ORDER BY 1, 2, 3 ON CONFLICT DO NOTHING";

/// [`INDEX_PRINTS`] without `ON CONFLICT`, whose speculative insertion costs PostgreSQL twice the
/// time per row (1M rows: 2.5 s against 1.3 s); a unique violation says some row is there already.
pub(crate) const INDEX_PRINTS_NEW: &str = "INSERT INTO line_prints (fingerprint, import_no, line) \
        SELECT fingerprint, import_no, line FROM transactions \
        WHERE run_id = $1 AND fingerprint IS NOT NULL ORDER BY 1, 2, 3";

/// `column` tested against the list bound as `$1`.
pub(crate) fn in_array(column: &str) -> String {
    format!("{column} = ANY($1)")
}

/// How a read that a correction goes on to change locks its rows (the run, the item `i`).
pub(crate) const FOR_UPDATE: &str = " FOR UPDATE";
pub(crate) const FOR_UPDATE_OF_I: &str = " FOR UPDATE OF i";

/// The rows of the import key numbered `$2` (for `line_states`; `$1` the key). The number is
/// looked up first ([`IMPORT_NO`]) and bound, so the planner knows it: compared with a
/// sub-query's result it guesses a share of rows from the keys' count, and with a few large
/// imports it reads the whole table (1,000,000 rows each for two keys: 157 ms, every run).
pub(crate) const ROWS_OF_KEY: &str = "import_no = $2";

/// The number of an import key (`$1`).
pub(crate) const IMPORT_NO: &str = "SELECT import_no FROM import_keys WHERE import_key = $1";
