//! What the integration tests share, one module per topic.

pub mod binary;
pub mod catalog;
pub mod console;
pub mod db;
pub mod files;
pub mod library;
pub mod oracle;
pub mod property;
pub mod proxy;
pub mod terminal;
