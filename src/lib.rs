//! batchops: import invoice line items into a relational database with the collect-then-batch pattern.
//!
//! The engine ([`engine`]) is free of UI code; the console ([`console`]) and the headless commands
//! ([`cli`], [`report`]) both listen to its typed progress events. Each layer is its own crate
//! (core ← store ← engine ← console ← this binary); the old module paths are re-exported here.

pub mod cli;
pub mod commands;
pub mod settings;

pub use batchops_console as console;
pub use batchops_core::{domain, failpoint, generate, input, mapping};
pub use batchops_engine::{corrections, engine, locks, report, signals};
pub use batchops_store as store;
