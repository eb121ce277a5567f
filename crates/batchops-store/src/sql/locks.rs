//! Import-key locks: the `key_locks` table (SQLite) and advisory locks (PostgreSQL).

pub(crate) const SET_RUN: &str = "UPDATE key_locks SET run_id = $1 WHERE holder = $2";

pub(crate) const RELEASE: &str = "DELETE FROM key_locks WHERE holder = $1";

pub(crate) const BEGIN_IMMEDIATE: &str = "BEGIN IMMEDIATE";

pub(crate) fn sqlite_try_lock_select_key_locks(holder_columns: impl std::fmt::Display) -> String {
    format!("SELECT {holder_columns} FROM key_locks WHERE lock_key = $1")
}

pub(crate) const SQLITE_TRY_LOCK_DELETE_KEY_LOCKS: &str =
    "DELETE FROM key_locks WHERE lock_key = $1 AND holder = $2";

pub(crate) const SQLITE_TRY_LOCK_INSERT_KEY_LOCKS: &str = "INSERT INTO key_locks (lock_key, holder, mode, command, operator, host, pid, acquired_at, heartbeat_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)";

pub(crate) const SQLITE_TRY_LOCK_UPDATE_KEY_LOCKS: &str =
    "UPDATE key_locks SET heartbeat_at = $1 WHERE holder = $2";

pub(crate) fn pg_try_lock_select(
    function: impl std::fmt::Display,
    lock_no: impl std::fmt::Display,
) -> String {
    format!("SELECT {function}({lock_no})")
}

pub(crate) const PG_TRY_LOCK_DELETE_KEY_LOCKS: &str = "DELETE FROM key_locks WHERE lock_key = $1 AND ($2 = 'exclusive' \
             OR backend_pid NOT IN (SELECT pid FROM pg_stat_activity))";

pub(crate) const PG_TRY_LOCK_INSERT_KEY_LOCKS: &str = "INSERT INTO key_locks (lock_key, holder, mode, command, operator, host, pid, backend_pid, acquired_at, heartbeat_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, pg_backend_pid(), $8, $8)";

pub(crate) fn pg_holder(holder_columns: impl std::fmt::Display) -> String {
    format!(
        "SELECT {holder_columns} FROM key_locks WHERE lock_key = $1 AND backend_pid IN \
         (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted) \
         ORDER BY mode = 'exclusive' DESC, acquired_at LIMIT 1"
    )
}
