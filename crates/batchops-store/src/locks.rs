//! Named locks that keep two writers off one import key (or off the catalog): the primitive behind
//! [`Store::try_lock`](super::Store::try_lock). Which command takes which lock, and whether it
//! waits, is decided in one place: the engine's `locks` module.
//!
//! A request takes all its locks or none, at once, without waiting: the caller retries (or
//! refuses) with the holder it is told about. Each lock is exclusive or shared; a shared lock
//! conflicts only with an exclusive one.
//!
//! - **PostgreSQL**: a session advisory lock on a hash of the schema and the key
//!   (`pg_try_advisory_lock[_shared]`), held on a connection of its own for the command's whole
//!   duration. The server releases it when that connection ends, however the process ends. The
//!   `key_locks` table only says who holds it, for the refusal's message.
//! - **SQLite**: a row per lock and holder in `key_locks`, taken in a `BEGIN IMMEDIATE` transaction
//!   (so two takers never both see the key free). **The rule**: a row holds its lock while its
//!   heartbeat (every [`BEAT_EVERY`]) is younger than [`STALE_AFTER`] and, when the holder runs on
//!   this host, while its process is alive. A SIGKILLed holder's row is therefore free at once for
//!   the next taker on the same host (which removes it), and after [`STALE_AFTER`] from another
//!   host; a live holder keeps its lock as long as it beats.

use super::StoreResult;
use chrono::{DateTime, Utc};
use sqlx::{Connection, Row};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The lock key that stands for the whole catalog (items and aliases).
pub const CATALOG: &str = "catalog";

/// How often a SQLite lock's holder says it is alive.
pub const BEAT_EVERY: Duration = Duration::from_secs(5);
/// A SQLite lock whose holder has not beaten for this long is free.
pub const STALE_AFTER: Duration = Duration::from_secs(60);

/// Exclusive sorts first: a request naming a key twice keeps the stronger lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LockMode {
    Exclusive,
    Shared,
}

impl LockMode {
    fn as_str(self) -> &'static str {
        match self {
            LockMode::Exclusive => "exclusive",
            LockMode::Shared => "shared",
        }
    }
}

/// One lock of a request.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Wanted {
    pub key: String,
    pub mode: LockMode,
}

/// Who asks: the command and its operator.
#[derive(Debug, Clone)]
pub struct Who {
    pub command: String,
    pub operator: String,
}

/// Who holds a lock that was refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Holder {
    /// The lock key in conflict.
    pub key: String,
    /// `None` when the holder is not recorded yet (it is starting).
    pub command: Option<String>,
    pub operator: String,
    pub run_id: Option<i64>,
    pub since: Option<DateTime<Utc>>,
    pub host: String,
    pub pid: i64,
}

/// What [`Store::try_lock`](super::Store::try_lock) got.
pub enum Acquired {
    Held(KeyLock),
    Busy(Holder),
}

/// Locks held until [`KeyLock::release`] or drop (and in any case until the process ends).
pub struct KeyLock {
    token: String,
    keys: Vec<String>,
    held: Backend,
}

enum Backend {
    Sqlite {
        pool: sqlx::SqlitePool,
        beat: tokio::task::JoinHandle<()>,
    },
    Pg {
        conn: tokio::sync::Mutex<Option<sqlx::PgConnection>>,
    },
    Released,
}

impl KeyLock {
    /// Whether this holds the lock on `key`.
    pub fn covers(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key)
    }

    /// Name the run this command writes, for whoever is refused meanwhile.
    pub async fn set_run(&self, run_id: i64) -> StoreResult<()> {
        const SET_RUN: &str = crate::sql::locks::SET_RUN;
        match &self.held {
            Backend::Sqlite { pool, .. } => {
                sqlx::query(SET_RUN)
                    .bind(run_id)
                    .bind(&self.token)
                    .execute(pool)
                    .await?;
            }
            Backend::Pg { conn } => {
                if let Some(c) = conn.lock().await.as_mut() {
                    sqlx::query(SET_RUN)
                        .bind(run_id)
                        .bind(&self.token)
                        .execute(c)
                        .await?;
                }
            }
            Backend::Released => {}
        }
        Ok(())
    }

    /// Give the locks back now.
    pub async fn release(mut self) {
        match std::mem::replace(&mut self.held, Backend::Released) {
            Backend::Sqlite { pool, beat } => {
                beat.abort();
                forget_rows(&pool, &self.token).await;
            }
            Backend::Pg { conn } => {
                if let Some(mut c) = conn.into_inner() {
                    // The server drops the advisory locks with the session.
                    let _ = sqlx::query(crate::sql::locks::RELEASE)
                        .bind(&self.token)
                        .execute(&mut c)
                        .await;
                    let _ = c.close().await;
                }
            }
            Backend::Released => {}
        }
    }
}

impl Drop for KeyLock {
    fn drop(&mut self) {
        match std::mem::replace(&mut self.held, Backend::Released) {
            Backend::Sqlite { pool, beat } => {
                beat.abort();
                // Best effort: a row left behind is freed by the rule (its process is gone).
                if let Ok(rt) = tokio::runtime::Handle::try_current() {
                    let token = std::mem::take(&mut self.token);
                    rt.spawn(async move { forget_rows(&pool, &token).await });
                }
            }
            // Dropping the connection ends the session, and with it the advisory locks.
            Backend::Pg { .. } | Backend::Released => {}
        }
    }
}

async fn forget_rows(pool: &sqlx::SqlitePool, token: &str) {
    if let Err(e) = sqlx::query(crate::sql::locks::RELEASE)
        .bind(token)
        .execute(pool)
        .await
    {
        tracing::warn!(error = %e, "could not remove a released lock's row; it is freed once stale");
    }
}

/// This process, as a lock holder.
fn host() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates within it or fails.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return "localhost".into();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

fn new_token() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
    format!(
        "{}:{}:{nanos}:{}",
        host(),
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Whether process `pid` of this host is alive (a zombie is not).
fn process_alive(pid: i64) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists and may be signalled.
    let rc = unsafe { libc::kill(pid, 0) };
    if rc != 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EPERM) {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name in parentheses.
        Ok(stat) => !matches!(
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next()),
            Some("Z" | "X")
        ),
        Err(_) => true,
    }
}

/// Does a SQLite lock row still hold its lock? (The rule in the module documentation.)
fn row_alive(holder: &Holder, beat: DateTime<Utc>, now: DateTime<Utc>, here: &str) -> bool {
    let fresh = (now - beat)
        .to_std()
        .map(|d| d <= STALE_AFTER)
        .unwrap_or(true);
    fresh && (holder.host != here || process_alive(holder.pid))
}

const HOLDER_COLUMNS: &str =
    "holder, mode, command, operator, run_id, host, pid, acquired_at, heartbeat_at";

fn holder_of<R: Row>(key: &str, r: &R) -> StoreResult<Holder>
where
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> DateTime<Utc>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
{
    Ok(Holder {
        key: key.to_string(),
        command: Some(r.try_get("command")?),
        operator: r.try_get("operator")?,
        run_id: r.try_get("run_id")?,
        since: Some(r.try_get("acquired_at")?),
        host: r.try_get("host")?,
        pid: r.try_get("pid")?,
    })
}

/// The requests' locks in one order (keys sorted), so that two takers never wait on each other.
fn ordered(wanted: &[Wanted]) -> Vec<Wanted> {
    let mut w = wanted.to_vec();
    w.sort();
    w.dedup_by(|a, b| a.key == b.key);
    w
}

/// SQLite's [`Store::try_lock`](super::Store::try_lock).
pub(crate) async fn sqlite_try_lock(
    pool: &sqlx::SqlitePool,
    wanted: &[Wanted],
    who: &Who,
) -> StoreResult<Acquired> {
    let wanted = ordered(wanted);
    let here = host();
    let now = Utc::now();
    let mut tx = pool.begin_with(crate::sql::locks::BEGIN_IMMEDIATE).await?;
    for w in &wanted {
        let rows = sqlx::query(sqlx::AssertSqlSafe(
            crate::sql::locks::sqlite_try_lock_select_key_locks(HOLDER_COLUMNS),
        ))
        .bind(&w.key)
        .fetch_all(&mut *tx)
        .await?;
        for r in rows {
            let holder = holder_of(&w.key, &r)?;
            if !row_alive(&holder, r.try_get("heartbeat_at")?, now, &here) {
                sqlx::query(crate::sql::locks::SQLITE_TRY_LOCK_DELETE_KEY_LOCKS)
                    .bind(&w.key)
                    .bind(r.try_get::<String, _>("holder")?)
                    .execute(&mut *tx)
                    .await?;
                continue;
            }
            let mode: String = r.try_get("mode")?;
            if w.mode == LockMode::Exclusive || mode == LockMode::Exclusive.as_str() {
                tx.rollback().await?;
                return Ok(Acquired::Busy(holder));
            }
        }
    }
    let token = new_token();
    for w in &wanted {
        sqlx::query(crate::sql::locks::SQLITE_TRY_LOCK_INSERT_KEY_LOCKS)
            .bind(&w.key)
            .bind(&token)
            .bind(w.mode.as_str())
            .bind(&who.command)
            .bind(&who.operator)
            .bind(&here)
            .bind(i64::from(std::process::id()))
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    let beat = {
        let (pool, token) = (pool.clone(), token.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(BEAT_EVERY).await;
                if let Err(e) = sqlx::query(crate::sql::locks::SQLITE_TRY_LOCK_UPDATE_KEY_LOCKS)
                    .bind(Utc::now())
                    .bind(&token)
                    .execute(&pool)
                    .await
                {
                    tracing::warn!(error = %e, "could not renew a lock's heartbeat");
                }
            }
        })
    };
    Ok(Acquired::Held(KeyLock {
        token,
        keys: wanted.into_iter().map(|w| w.key).collect(),
        held: Backend::Sqlite {
            pool: pool.clone(),
            beat,
        },
    }))
}

/// The advisory lock's number: the schema (each schema is a database of its own) and the key.
const LOCK_NO: &str = "hashtextextended(current_schema() || ':' || $1, 0)";

/// PostgreSQL's [`Store::try_lock`](super::Store::try_lock), on a connection of its own.
pub(crate) async fn pg_try_lock(
    connect: &sqlx::postgres::PgConnectOptions,
    wanted: &[Wanted],
    who: &Who,
) -> StoreResult<Acquired> {
    let wanted = ordered(wanted);
    let mut conn = sqlx::PgConnection::connect_with(connect).await?;
    for w in &wanted {
        let function = match w.mode {
            LockMode::Exclusive => "pg_try_advisory_lock",
            LockMode::Shared => "pg_try_advisory_lock_shared",
        };
        let got: bool = sqlx::query_scalar(sqlx::AssertSqlSafe(
            crate::sql::locks::pg_try_lock_select(function, LOCK_NO),
        ))
        .bind(&w.key)
        .fetch_one(&mut conn)
        .await?;
        if !got {
            let holder = pg_holder(&mut conn, &w.key).await;
            let _ = conn.close().await;
            return Ok(Acquired::Busy(holder?));
        }
    }
    let token = new_token();
    let now = Utc::now();
    for w in &wanted {
        // Rows of holders whose session is gone are stale; an exclusive key has no other holder.
        sqlx::query(crate::sql::locks::PG_TRY_LOCK_DELETE_KEY_LOCKS)
            .bind(&w.key)
            .bind(w.mode.as_str())
            .execute(&mut conn)
            .await?;
        sqlx::query(crate::sql::locks::PG_TRY_LOCK_INSERT_KEY_LOCKS)
            .bind(&w.key)
            .bind(&token)
            .bind(w.mode.as_str())
            .bind(&who.command)
            .bind(&who.operator)
            .bind(host())
            .bind(i64::from(std::process::id()))
            .bind(now)
            .execute(&mut conn)
            .await?;
    }
    Ok(Acquired::Held(KeyLock {
        token,
        keys: wanted.into_iter().map(|w| w.key).collect(),
        held: Backend::Pg {
            conn: tokio::sync::Mutex::new(Some(conn)),
        },
    }))
}

/// Who holds `key` on PostgreSQL: the recorded row of a session that holds an advisory lock.
async fn pg_holder(conn: &mut sqlx::PgConnection, key: &str) -> StoreResult<Holder> {
    let row = sqlx::query(sqlx::AssertSqlSafe(crate::sql::locks::pg_holder(
        HOLDER_COLUMNS,
    )))
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(r) => holder_of(key, &r),
        None => Ok(Holder {
            key: key.to_string(),
            command: None,
            operator: String::new(),
            run_id: None,
            since: None,
            host: String::new(),
            pid: 0,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holder(host: &str, pid: i64) -> Holder {
        Holder {
            key: "k".into(),
            command: Some("import".into()),
            operator: "ann".into(),
            run_id: Some(3),
            since: None,
            host: host.into(),
            pid,
        }
    }

    #[test]
    fn a_row_holds_its_lock_while_its_process_lives_and_beats() {
        let here = host();
        let now = Utc::now();
        let me = i64::from(std::process::id());
        let stale = now - chrono::Duration::seconds(STALE_AFTER.as_secs() as i64 + 1);
        assert!(row_alive(&holder(&here, me), now, now, &here));
        assert!(!row_alive(&holder(&here, me), stale, now, &here), "stale");
        assert!(
            row_alive(&holder("elsewhere", -1), now, now, &here),
            "another host: it beats"
        );
        assert!(!row_alive(&holder("elsewhere", -1), stale, now, &here));
        // A process that ended (reaped) holds nothing, however fresh its heartbeat.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = i64::from(child.id());
        child.wait().unwrap();
        assert!(!row_alive(&holder(&here, pid), now, now, &here));
    }

    #[test]
    fn a_zombie_is_not_alive() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = i64::from(child.id());
        // Not reaped yet: a zombie once it has exited.
        let begun = std::time::Instant::now();
        while process_alive(pid) && begun.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(!process_alive(pid));
        child.wait().unwrap();
    }

    #[test]
    fn a_request_takes_each_key_once_the_stronger_way_in_one_order() {
        let w = |key: &str, mode| Wanted {
            key: key.into(),
            mode,
        };
        let got = ordered(&[
            w("catalog", LockMode::Shared),
            w("b", LockMode::Exclusive),
            w("a", LockMode::Shared),
            w("a", LockMode::Exclusive),
        ]);
        assert_eq!(
            got,
            vec![
                w("a", LockMode::Exclusive),
                w("b", LockMode::Exclusive),
                w("catalog", LockMode::Shared)
            ]
        );
    }
}
