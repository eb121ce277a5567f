//! Store errors, classified so the engine knows whether to retry, fall back or stop.

use super::dialect::{Dialect, Lite, Pg};
use super::url::redact_secrets;
use std::fmt;

/// What the engine should do about an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Lost connection, deadlock, serialization failure, busy database: retry the same work.
    Transient,
    /// The data broke a rule (constraint, trigger, type, range): isolate the bad line(s).
    Data,
    /// Anything else (schema missing, bad URL, bug): stop.
    Fatal,
}

#[derive(Debug, Clone)]
pub struct StoreError {
    pub class: ErrorClass,
    pub message: String,
    /// PostgreSQL SQLSTATE, or SQLite's extended result code, where the database gave one.
    pub sqlstate: Option<String>,
    /// The pipeline step whose statement failed, where the store knows it.
    pub phase: Option<crate::domain::Phase>,
}

impl StoreError {
    pub fn config(message: impl Into<String>) -> Self {
        Self {
            class: ErrorClass::Fatal,
            message: message.into(),
            sqlstate: None,
            phase: None,
        }
    }

    /// A row the database refused for its data (constraint, trigger, type or range).
    pub(crate) fn refused(message: String, sqlstate: Option<String>) -> Self {
        Self {
            class: ErrorClass::Data,
            message,
            sqlstate,
            phase: None,
        }
    }

    pub fn in_phase(mut self, phase: crate::domain::Phase) -> Self {
        self.phase.get_or_insert(phase);
        self
    }

    pub fn is_transient(&self) -> bool {
        self.class == ErrorClass::Transient
    }

    /// Add what was being done; the message never carries a password (URLs are redacted).
    pub fn context(mut self, what: &str) -> Self {
        self.message = format!("{what}: {}", self.message);
        self
    }

    pub(crate) fn from_sqlx(err: sqlx::Error) -> Self {
        use sqlx::Error as E;
        let (class, sqlstate) = match &err {
            E::Database(db) => {
                let code = db.code().map(|c| c.to_string());
                (dialect_class(&**db, code.as_deref()), code)
            }
            E::Io(_) | E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed | E::Protocol(_) => {
                (ErrorClass::Transient, None)
            }
            E::Tls(_) => (ErrorClass::Transient, None),
            _ => (ErrorClass::Fatal, None),
        };
        let message = match &err {
            E::Database(db) => db.message().to_string(),
            other => redact_secrets(&other.to_string()),
        };
        Self {
            class,
            message,
            sqlstate,
            phase: None,
        }
    }
}

/// The text of the error the run-state check raises (both backends).
const RUN_REVERTED: &str = "nothing lands under a reverted run";

/// A database error classified by the dialect of the backend that raised it.
fn dialect_class(db: &dyn sqlx::error::DatabaseError, code: Option<&str>) -> ErrorClass {
    let Some(code) = code else {
        return ErrorClass::Fatal;
    };
    // The run-state check (migration 20261204000004) refuses the write, not the line: stop.
    if db.message().contains(RUN_REVERTED) {
        return ErrorClass::Fatal;
    }
    if db
        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .is_some()
    {
        Pg::classify(code)
    } else if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        Lite::classify(code)
    } else {
        ErrorClass::Fatal
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.sqlstate {
            Some(code) => write!(f, "{} (SQLSTATE {code})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        Self::from_sqlx(err)
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        match err {
            sqlx::migrate::MigrateError::Execute(e) => Self::from_sqlx(e).context("migration"),
            other => Self::config(format!("migration: {other}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_classified_by_their_backend() {
        assert_eq!(Pg::classify("40P01"), ErrorClass::Transient);
        assert_eq!(Pg::classify("40001"), ErrorClass::Transient);
        assert_eq!(Pg::classify("08006"), ErrorClass::Transient);
        assert_eq!(Pg::classify("23505"), ErrorClass::Data);
        assert_eq!(Pg::classify("22P05"), ErrorClass::Data);
        assert_eq!(Pg::classify("P0001"), ErrorClass::Data);
        assert_eq!(Pg::classify("42P01"), ErrorClass::Fatal);
        assert_eq!(Pg::classify("22003"), ErrorClass::Data);
        assert_eq!(Pg::classify("53300"), ErrorClass::Transient);
        assert_eq!(Pg::classify("55P03"), ErrorClass::Transient);
        assert_eq!(Lite::classify("5"), ErrorClass::Transient);
        assert_eq!(Lite::classify("1811"), ErrorClass::Data);
        assert_eq!(Lite::classify("275"), ErrorClass::Data);
        assert_eq!(Lite::classify("1"), ErrorClass::Fatal);
        // A code means what its backend says: SQLite's 5 is BUSY, never a SQLSTATE.
        assert_eq!(Pg::classify("5"), ErrorClass::Fatal);
    }
}
