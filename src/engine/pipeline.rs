//! Reading and mapping, on their own thread, one chunk ahead of the database writes.
//!
//! Mapping is sequential in file order (later lines see items earlier lines created); running it on
//! a thread overlaps the mapping of chunk n+1 with the database write of chunk n.

use super::overlap::{OnlyNew, Resent};
use crate::domain::fingerprint::Fingerprinter;
use crate::domain::{DecisionCounts, LineError, Phase};
use crate::input::LineReader;
use crate::mapping::{HeldLine, Mapped, MappedLine, Mapper};
use crate::store::FailureRecord;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;

/// A chunk of lines, mapped and ready to write.
#[derive(Debug)]
pub struct MappedChunk {
    /// 0-based chunk index.
    pub index: u64,
    pub rows: Vec<MappedLine>,
    /// Lines that failed to read or validate.
    pub failures: Vec<FailureRecord>,
    /// Lines held for review (they land nowhere until an operator decides).
    pub held: Vec<HeldLine>,
    pub decisions: DecisionCounts,
    /// Lines read for this chunk, good and bad.
    pub lines_read: u64,
    /// Lines skipped under `--only-new`: an earlier run landed them with the same content.
    pub landed_elsewhere: u64,
    pub first_line: u64,
    pub last_line: u64,
    pub mapping_seconds: f64,
}

pub fn parse_failure(e: LineError) -> FailureRecord {
    FailureRecord {
        line: e.line,
        raw: e.raw,
        fields: e.fields,
        phase: Phase::Parse,
        error: e.reason,
        sqlstate: None,
        decision: None,
    }
}

/// Start the reader/mapper thread. Chunks arrive in order, then one empty chunk marks the end; the channel holds `ahead` of them so
/// memory stays bounded whatever the file size. Dropping the receiver stops the thread.
pub fn spawn(
    reader: LineReader,
    mut mapper: Mapper,
    chunk_size: usize,
    ahead: usize,
    max_lines: Option<u64>,
    only_new: Option<Arc<OnlyNew>>,
) -> std::io::Result<mpsc::Receiver<MappedChunk>> {
    let (tx, rx) = mpsc::channel(ahead.max(1));
    let chunk_size = chunk_size.max(1);
    let mut reader =
        reader.take(max_lines.map_or(usize::MAX, |n| n.min(usize::MAX as u64) as usize));
    std::thread::Builder::new()
        .name("batchops-mapper".into())
        .spawn(move || {
            let mut index = 0;
            let mut prints = Fingerprinter::new();
            loop {
                let start = Instant::now();
                let mut chunk = MappedChunk {
                    index,
                    rows: Vec::with_capacity(chunk_size),
                    failures: Vec::new(),
                    held: Vec::new(),
                    decisions: DecisionCounts::default(),
                    lines_read: 0,
                    landed_elsewhere: 0,
                    first_line: 0,
                    last_line: 0,
                    mapping_seconds: 0.0,
                };
                for result in reader.by_ref().take(chunk_size) {
                    let line = match &result {
                        Ok(item) => item.line,
                        Err(e) => e.line,
                    };
                    if chunk.lines_read == 0 {
                        chunk.first_line = line;
                    }
                    chunk.last_line = line;
                    chunk.lines_read += 1;
                    let item = match result {
                        Ok(item) => item,
                        Err(e) => {
                            chunk.failures.push(parse_failure(e));
                            continue;
                        }
                    };
                    let print = prints.next(&item);
                    match only_new.as_deref().and_then(|f| f.get(item.line)) {
                        Some(Resent::Identical) => {
                            chunk.landed_elsewhere += 1;
                            continue;
                        }
                        Some(Resent::Changed(changed)) => {
                            chunk.decisions.held += 1;
                            chunk.held.push(changed.hold(item, mapper.catalog()));
                            continue;
                        }
                        None => {}
                    }
                    match mapper.map(item) {
                        Mapped::Land(mut mapped) => {
                            mapped.fingerprint = Some(print);
                            chunk.decisions.add(&mapped.decision);
                            chunk.rows.push(mapped);
                        }
                        Mapped::Hold(held) => {
                            chunk.decisions.held += 1;
                            chunk.held.push(held);
                        }
                    }
                }
                if chunk.lines_read == 0 {
                    // The end-of-input marker: an empty chunk. A channel that closes without it
                    // means this thread died, and the writer must not take that for the end.
                    let _ = tx.blocking_send(chunk);
                    return;
                }
                chunk.mapping_seconds = start.elapsed().as_secs_f64();
                if tx.blocking_send(chunk).is_err() {
                    return; // the writer stopped (cancelled, budget spent, fatal error)
                }
                index += 1;
            }
        })?;
    Ok(rx)
}
