//! Reading and mapping, on their own thread, one chunk ahead of the database writes.
//!
//! Mapping is sequential in file order (later lines see items earlier lines created); running it on
//! a thread overlaps the mapping of chunk n+1 with the database write of chunk n.
//!
//! Every line is mapped, from line 1, also those a run of the same import key already decided (a
//! re-import, a resume): the mapper's own state (items created, aliases learned, what each key was
//! decided as) is then the state of one uninterrupted run when it reaches the lines still to
//! write. A line that has a state ([`LineStates`]) keeps it: it is counted, not written again.

use super::overlap::{OnlyNew, Resent};
use crate::domain::fingerprint::Fingerprinter;
use crate::domain::line_state::{LineState, LineStates};
use crate::domain::{DecisionCounts, LineError, LineExplanation, Phase};
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
    /// Lines that had landed before (or were decided and skipped): not written again.
    pub kept_landed: u64,
    /// Lines failed before and still open: counted as failed, not written again (retry is the way
    /// out).
    pub kept_failed: Vec<FailureRecord>,
    /// Lines read for this chunk, good and bad.
    pub lines_read: u64,
    /// Lines skipped under `--only-new`: an earlier run landed them with the same content.
    pub landed_elsewhere: u64,
    pub first_line: u64,
    pub last_line: u64,
    pub mapping_seconds: f64,
    /// Each mapped line's decision and the candidates weighed (`import --explain`).
    pub explained: Vec<LineExplanation>,
    /// Why the kept catalog's file failed a read while the chunk was mapped: a look-up may have
    /// missed, so none of its lines may land.
    pub catalog_failed: Option<String>,
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

impl MappedChunk {
    /// A line to write: landed, held or failed by this run.
    fn add(&mut self, mapped: Result<Mapped, FailureRecord>) {
        match mapped {
            Ok(Mapped::Land(m)) => {
                self.decisions.add(&m.decision);
                self.rows.push(m);
            }
            Ok(Mapped::Hold(h)) => {
                self.decisions.held += 1;
                self.held.push(h);
            }
            Err(f) => self.failures.push(f),
        }
    }
}

/// A line failed before that maps now: failed as it was stored (its error is set by the caller).
fn kept_failure(m: Mapped) -> FailureRecord {
    let (item, decision) = match m {
        Mapped::Land(l) => {
            let d = l.decision.describe(&l.sku);
            (l.item, Some(d))
        }
        Mapped::Hold(h) => (h.item, None),
    };
    FailureRecord {
        line: item.line,
        raw: item.raw,
        fields: item.fields,
        phase: Phase::BatchInsert,
        error: String::new(),
        sqlstate: None,
        decision,
    }
}

/// Start the reader/mapper thread. Chunks arrive in order, then one empty chunk marks the end; the channel holds `ahead` of them so
/// memory stays bounded whatever the file size. Dropping the receiver stops the thread.
pub fn spawn(
    reader: LineReader,
    mut mapper: Mapper,
    known: LineStates,
    chunk_size: usize,
    ahead: usize,
    max_lines: Option<u64>,
    only_new: Option<Arc<OnlyNew>>,
) -> std::io::Result<mpsc::Receiver<MappedChunk>> {
    let (tx, rx) = mpsc::channel(ahead.max(1));
    let chunk_size = chunk_size.max(1);
    let explain = mapper.explaining();
    let expected_lines =
        max_lines.map_or(reader.expected_lines(), |n| n.min(reader.expected_lines()));
    let mut reader =
        reader.take(max_lines.map_or(usize::MAX, |n| n.min(usize::MAX as u64) as usize));
    std::thread::Builder::new()
        .name("batchops-mapper".into())
        .spawn(move || {
            let mut index = 0;
            let mut prints = Fingerprinter::for_lines(expected_lines as usize);
            loop {
                let start = Instant::now();
                let mut chunk = MappedChunk {
                    index,
                    rows: Vec::with_capacity(chunk_size),
                    failures: Vec::new(),
                    held: Vec::new(),
                    decisions: DecisionCounts::default(),
                    kept_landed: 0,
                    kept_failed: Vec::new(),
                    lines_read: 0,
                    landed_elsewhere: 0,
                    first_line: 0,
                    last_line: 0,
                    mapping_seconds: 0.0,
                    explained: Vec::new(),
                    catalog_failed: None,
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
                    let mut explained = None;
                    let mapped = match result {
                        Err(e) => Err(parse_failure(e)),
                        Ok(item) => {
                            let print = prints.next(&item);
                            let said =
                                explain.then(|| (item.sku.clone(), item.description.clone()));
                            match only_new.as_deref().and_then(|f| f.get(item.line)) {
                                // Never written under this key, so never a state to keep.
                                Some(Resent::Identical) => {
                                    chunk.landed_elsewhere += 1;
                                    continue;
                                }
                                Some(Resent::Changed(changed)) => {
                                    Ok(Mapped::Hold(changed.hold(item, mapper.catalog())))
                                }
                                None => {
                                    let mapped = match mapper.map(item) {
                                        Mapped::Land(mut m) => {
                                            m.fingerprint = Some(print);
                                            Mapped::Land(m)
                                        }
                                        held => held,
                                    };
                                    explained = said.map(|(sku, description)| LineExplanation {
                                        line,
                                        sku,
                                        description,
                                        item: match &mapped {
                                            Mapped::Land(m) => Some(m.sku.to_string()),
                                            Mapped::Hold(_) => None,
                                        },
                                        decision: mapped.decision(),
                                        considered: mapper.take_weighed(),
                                    });
                                    Ok(mapped)
                                }
                            }
                        }
                    };
                    match known.keeps(line) {
                        None => {
                            chunk.explained.extend(explained);
                            chunk.add(mapped)
                        }
                        Some(k) => match k.state {
                            LineState::Landed | LineState::Skipped => chunk.kept_landed += 1,
                            LineState::Held => chunk.decisions.held += 1,
                            LineState::Failed => {
                                let mut f = match mapped {
                                    Err(f) => f,
                                    Ok(m) => kept_failure(m),
                                };
                                if let Some((_, error)) = &k.failed {
                                    f.error = error.clone();
                                }
                                chunk.kept_failed.push(f);
                            }
                        },
                    }
                }
                if chunk.lines_read == 0 {
                    // The end-of-input marker: an empty chunk. A channel that closes without it
                    // means this thread died, and the writer must not take that for the end.
                    let _ = tx.blocking_send(chunk);
                    return;
                }
                chunk.mapping_seconds = start.elapsed().as_secs_f64();
                chunk.catalog_failed = mapper.catalog().read_failure().map(str::to_string);
                if tx.blocking_send(chunk).is_err() {
                    return; // the writer stopped (cancelled, budget spent, fatal error)
                }
                index += 1;
            }
        })?;
    Ok(rx)
}
