//! batchops: import invoice line items into a relational database with the collect-then-batch pattern.
//!
//! The engine ([`engine`]) is free of UI code; the console ([`console`]) and the headless commands
//! ([`cli`], [`report`]) both listen to its typed progress events.

pub mod cli;
pub mod commands;
pub mod console;
pub mod corrections;
pub mod domain;
pub mod engine;
pub mod failpoint;
pub mod generate;
pub mod input;
pub mod locks;
pub mod mapping;
pub mod report;
pub mod store;
