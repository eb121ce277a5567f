//! The bottom layer of batchops: domain types ([`domain`]), input readers ([`input`]), matching
//! ([`mapping`]) and data generation ([`generate`]). Pure: no database, no runtime, no terminal.

pub mod domain;
pub mod failpoint;
pub mod generate;
pub mod input;
pub mod mapping;
