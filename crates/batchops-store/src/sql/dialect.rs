//! What differs in the SQL of each backend, in one place: how a bound value is written, how an
//! insert skips or updates a row whose key exists, `RETURNING`, the current time, the unique key
//! that names a transaction row, and what a database's error code means for the engine (the
//! error is classified by the dialect of the driver that raised it, never by the shape of its
//! code). SQL both backends run alike is written once with these (see [`crate::write_one`]); a
//! third backend (MySQL/MariaDB: `?` placeholders, `INSERT IGNORE` / `ON DUPLICATE KEY UPDATE`,
//! numeric error codes) adds one implementation of [`Dialect`].

use crate::ErrorClass;
use std::borrow::Cow;

pub(crate) trait Dialect {
    /// The `n`-th (1-based) bound value of a statement.
    fn param(n: usize) -> String {
        format!("${n}")
    }

    /// A statement both backends share (`store/sql.rs`, run by `bookkeeping!`), in this dialect.
    /// They are written with numbered `$N`, which PostgreSQL and SQLite both take as written. A
    /// dialect of positional `?` rewrites them here; some of them name a value twice or out of
    /// bound order (`failed_where`'s `$2`, `HEARTBEAT`'s `$2 … $1`), which such a dialect must
    /// also bind in its own order — not done while no such backend exists.
    fn render(statement: &'static str) -> Cow<'static, str> {
        Cow::Borrowed(statement)
    }

    /// `insert` (an `INSERT INTO t (…) VALUES (…)` or `… SELECT …`) that skips the rows whose
    /// unique `key` (a column list) exists.
    fn insert_skipping(insert: &str, key: &str) -> String {
        format!("{insert} ON CONFLICT ({key}) DO NOTHING")
    }

    /// `insert` that, where the row's unique `key` exists, applies `set` to it instead (so that
    /// `RETURNING` names the existing row).
    fn insert_or_update(insert: &str, key: &str, set: &str) -> String {
        format!("{insert} ON CONFLICT ({key}) DO UPDATE SET {set}")
    }

    /// The row an insert wrote (or updated), as a clause appended to it.
    fn returning(columns: &str) -> String {
        format!(" RETURNING {columns}")
    }

    /// The current time, as the backend stores timestamps.
    const NOW: &'static str;

    /// `column` is one of the strings of the JSON array (text) bound at `param`.
    fn in_json_strings(column: &str, param: &str) -> String;

    /// The scalar at `path` (object keys and array positions) of the JSON text in `column`, as
    /// text; NULL where there is none.
    fn json_text(column: &str, path: &[&str]) -> String;

    /// The number at `path` of the JSON text in `column`; NULL where there is none.
    fn json_number(column: &str, path: &[&str]) -> String;

    /// The length of the array at `path` of the JSON text in `column`; NULL where there is none.
    fn json_array_length(column: &str, path: &[&str]) -> String;

    /// The columns of a transaction row's identity that the insert names, and their values given
    /// the import key's placeholder.
    fn line_identity(import_key: &str) -> (&'static str, String);

    /// The unique key of `transactions` (a transaction row's identity), as `ON CONFLICT` names it.
    const LINE_KEY: &'static str;

    /// An ended run's (`$1`) landed fingerprints into `line_prints`, the look-up the overlap check
    /// reads, in the look-up's key order (one pass over its B-tree). A row put there before (a
    /// resumed run's earlier leg) is not doubled.
    const INDEX_PRINTS: &'static str;

    /// [`Dialect::INDEX_PRINTS`] as a plain insert, where it is the cheaper one: tried first,
    /// and given up for [`Dialect::INDEX_PRINTS`] when a row is in the look-up already.
    const INDEX_PRINTS_NEW: Option<&'static str>;

    /// What refreshes the planner's statistics of the items once a run created many of them
    /// ([`crate::sql::GROWN_ITEMS`]): PostgreSQL plans a kept catalog's look-ups (the items after
    /// an id, the merged items) from them, and a server whose autovacuum is off or not yet round
    /// would plan them as scans of every item. SQLite plans by its indexes alone.
    const REFRESH_ITEM_STATISTICS: Option<&'static str>;

    /// How a `line_prints` row `p` names its transaction row `t`.
    const PRINT_JOIN: &'static str;

    /// What the engine should do about the database's error `code`.
    fn classify(code: &str) -> ErrorClass;
}

/// PostgreSQL: SQLSTATEs; the import key numbered in `import_keys` (migration 20261202000001).
pub(crate) struct Pg;

/// SQLite: extended result codes; timestamps as ISO-8601 text.
pub(crate) struct Lite;

impl Dialect for Pg {
    const NOW: &'static str = "now()";

    fn in_json_strings(column: &str, param: &str) -> String {
        format!("{column} IN (SELECT jsonb_array_elements_text({param}::jsonb))")
    }
    fn json_text(column: &str, path: &[&str]) -> String {
        format!("({column}::jsonb #>> '{{{}}}')", path.join(","))
    }
    fn json_number(column: &str, path: &[&str]) -> String {
        format!("({column}::jsonb #>> '{{{}}}')::float8", path.join(","))
    }
    fn json_array_length(column: &str, path: &[&str]) -> String {
        format!(
            "jsonb_array_length({column}::jsonb #> '{{{}}}')",
            path.join(",")
        )
    }
    const LINE_KEY: &'static str = "import_no, line";
    const INDEX_PRINTS: &'static str = crate::sql::postgres::INDEX_PRINTS;
    const INDEX_PRINTS_NEW: Option<&'static str> = Some(crate::sql::postgres::INDEX_PRINTS_NEW);
    const REFRESH_ITEM_STATISTICS: Option<&'static str> = Some("ANALYZE inventory_items");
    const PRINT_JOIN: &'static str =
        "t.import_no = p.import_no AND t.line = p.line AND t.fingerprint = p.fingerprint";

    fn line_identity(import_key: &str) -> (&'static str, String) {
        (
            "import_key, import_no",
            format!("{import_key}, batchops_import_no({import_key})"),
        )
    }

    fn classify(code: &str) -> ErrorClass {
        match code.get(..2).unwrap_or(code) {
            _ if code.len() != 5 => ErrorClass::Fatal,
            _ if code == "55P03" => ErrorClass::Transient, // lock_not_available
            // Connection, transaction rollback (deadlock, serialization), resources, operator.
            "08" | "40" | "53" | "57" => ErrorClass::Transient,
            // Data exceptions, integrity constraints, PL/pgSQL raise (triggers).
            "22" | "23" | "P0" => ErrorClass::Data,
            _ => ErrorClass::Fatal,
        }
    }
}

/// A JSON path as SQLite writes it: `$.candidates[0].sku`.
fn lite_path(path: &[&str]) -> String {
    let mut out = String::from("$");
    for step in path {
        if step.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{step}]"));
        } else {
            out.push('.');
            out.push_str(step);
        }
    }
    out
}

impl Dialect for Lite {
    const NOW: &'static str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

    fn in_json_strings(column: &str, param: &str) -> String {
        format!("{column} IN (SELECT value FROM json_each({param}))")
    }
    fn json_text(column: &str, path: &[&str]) -> String {
        format!("json_extract({column}, '{}')", lite_path(path))
    }
    fn json_number(column: &str, path: &[&str]) -> String {
        Self::json_text(column, path)
    }
    fn json_array_length(column: &str, path: &[&str]) -> String {
        format!("json_array_length({column}, '{}')", lite_path(path))
    }
    const LINE_KEY: &'static str = "import_key, line";
    const INDEX_PRINTS: &'static str = crate::sql::sqlite::INDEX_PRINTS;
    // SQLite's ON CONFLICT DO NOTHING costs no more than the plain insert.
    const INDEX_PRINTS_NEW: Option<&'static str> = None;
    const REFRESH_ITEM_STATISTICS: Option<&'static str> = None;
    const PRINT_JOIN: &'static str = "t.id = p.txn_id AND t.fingerprint = p.fingerprint";

    fn line_identity(import_key: &str) -> (&'static str, String) {
        ("import_key", import_key.to_string())
    }

    fn classify(code: &str) -> ErrorClass {
        // The primary result code is the low byte of the extended one.
        match code.parse::<u32>().map(|n| n & 0xff) {
            Ok(5 | 6) => ErrorClass::Transient, // SQLITE_BUSY, SQLITE_LOCKED
            Ok(18..=20 | 25) => ErrorClass::Data, // TOOBIG, CONSTRAINT, MISMATCH, RANGE
            _ => ErrorClass::Fatal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_dialect_names_a_lines_identity_by_its_unique_key() {
        assert_eq!(
            Pg::insert_skipping("INSERT INTO t (a) VALUES ($1)", Pg::LINE_KEY),
            "INSERT INTO t (a) VALUES ($1) ON CONFLICT (import_no, line) DO NOTHING"
        );
        assert_eq!(Lite::line_identity("$2").1, "$2");
        assert_eq!(Pg::line_identity("$2").1, "$2, batchops_import_no($2)");
    }

    #[test]
    fn error_codes_are_read_per_dialect() {
        assert_eq!(Pg::classify("23505"), ErrorClass::Data);
        assert_eq!(Pg::classify("40P01"), ErrorClass::Transient);
        assert_eq!(Lite::classify("2067"), ErrorClass::Data); // SQLITE_CONSTRAINT_UNIQUE
        assert_eq!(Lite::classify("5"), ErrorClass::Transient);
        // The same text means different things to different backends.
        assert_eq!(Lite::classify("23505"), ErrorClass::Fatal);
    }
}
