//! What a database's error code means for the engine, per backend: the error is classified by
//! the dialect of the driver that raised it (never by the shape of its code). A third backend
//! (MySQL/MariaDB, numeric error codes) adds one implementation of [`Dialect`].

use super::ErrorClass;

pub(crate) trait Dialect {
    /// What the engine should do about the database's error `code`.
    fn classify(code: &str) -> ErrorClass;
}

/// PostgreSQL: SQLSTATEs.
pub(crate) struct Pg;

/// SQLite: extended result codes.
pub(crate) struct Lite;

impl Dialect for Pg {
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

impl Dialect for Lite {
    fn classify(code: &str) -> ErrorClass {
        // The primary result code is the low byte of the extended one.
        match code.parse::<u32>().map(|n| n & 0xff) {
            Ok(5 | 6) => ErrorClass::Transient, // SQLITE_BUSY, SQLITE_LOCKED
            Ok(18..=20 | 25) => ErrorClass::Data, // TOOBIG, CONSTRAINT, MISMATCH, RANGE
            _ => ErrorClass::Fatal,
        }
    }
}
