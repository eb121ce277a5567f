//! The engine layer of batchops: runs ([`engine`]), corrections ([`corrections`]), reports
//! ([`report`]) and who may import what at once ([`locks`]), over the store. No UI code.

pub mod corrections;
pub mod engine;
pub mod locks;
pub mod report;
pub mod signals;

use batchops_core::{domain, failpoint, input, mapping};
use batchops_store as store;
