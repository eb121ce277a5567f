//! Fuzz the JSON reader: `batchops::input::inspect` + `open`, drained to the end.
#![no_main]

#[path = "common.rs"]
mod common;

use batchops::input::InputFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::read(data, InputFormat::Json));
