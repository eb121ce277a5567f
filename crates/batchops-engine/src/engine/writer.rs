//! Writing mapped chunks: one transaction per chunk, transient errors retried with a bounded
//! backoff, data errors isolated by the fallback (bisect or item by item).

use super::events::{EventSink, ProgressEvent};
use super::options::FallbackStrategy;
use super::pipeline::MappedChunk;
use super::stats::RunStats;
use crate::domain::Phase;
use crate::domain::report::FallbackRecord;
use crate::mapping::{HeldLine, MappedLine};
use crate::store::{
    ErrorClass, FailureRecord, RunCtx, Store, StoreError, StoreResult, WriteBatch, WriteOutcome,
};
use std::future::Future;
use std::time::{Duration, Instant};

/// Attempts for work that fails with a transient error, before the run gives up (resumable).
pub const MAX_ATTEMPTS: u32 = 6;

/// Run `op` again while it fails with a transient error, backing off 50 ms, 100 ms, … up to 2 s.
pub async fn retry_transient<T, F, Fut>(
    events: &EventSink,
    retries: &mut u64,
    mut op: F,
) -> StoreResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = StoreResult<T>>,
{
    let mut attempt = 1;
    loop {
        match op().await {
            Err(e) if e.is_transient() && attempt < MAX_ATTEMPTS => {
                events.emit(ProgressEvent::TransientRetry {
                    attempt,
                    error: e.to_string(),
                });
                *retries += 1;
                let backoff = Duration::from_millis(50u64 << (attempt - 1).min(5));
                tokio::time::sleep(backoff.min(Duration::from_secs(2))).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

pub struct Writer<'a> {
    pub store: &'a dyn Store,
    pub ctx: RunCtx<'a>,
    pub rollback: bool,
    pub fallback: FallbackStrategy,
    pub events: &'a EventSink,
}

fn db_failure(row: &MappedLine, e: &StoreError) -> FailureRecord {
    FailureRecord {
        line: row.line,
        raw: row.item.raw.clone(),
        fields: row.item.fields.clone(),
        phase: e.phase.unwrap_or(Phase::BatchInsert),
        error: e.message.clone(),
        sqlstate: e.sqlstate.clone(),
        decision: Some(row.decision.describe(&row.sku)),
    }
}

impl Writer<'_> {
    async fn batch(
        &self,
        rows: &[MappedLine],
        failures: &[FailureRecord],
        held: &[HeldLine],
        retries: &mut u64,
    ) -> StoreResult<WriteOutcome> {
        let batch = WriteBatch {
            ctx: self.ctx,
            rows,
            failures,
            held,
            rollback: self.rollback,
        };
        retry_transient(self.events, retries, || self.store.write_batch(&batch)).await
    }

    /// Write a chunk in batch mode, retrying transient errors; returns the result and the retries.
    /// Several chunks can be attempted at once ([`Store::write_lanes`]), each its own transaction;
    /// [`Writer::settle`] then takes their results in chunk order.
    pub async fn attempt(&self, chunk: &MappedChunk) -> (StoreResult<WriteOutcome>, u64) {
        if chunk.rows.is_empty() && chunk.failures.is_empty() && chunk.held.is_empty() {
            // Every line kept its state: nothing to write.
            return (Ok(WriteOutcome::default()), 0);
        }
        let mut retries = 0;
        let result = self
            .batch(&chunk.rows, &chunk.failures, &chunk.held, &mut retries)
            .await;
        (result, retries)
    }

    /// Count an attempted chunk, or isolate its bad lines when its write failed with a data error.
    /// `Err` only for errors that stop the run.
    pub async fn settle(
        &self,
        chunk: &MappedChunk,
        result: StoreResult<WriteOutcome>,
        retries: u64,
        stats: &mut RunStats,
    ) -> StoreResult<()> {
        stats.transient_retries += retries;
        match result {
            Ok(o) => {
                stats.add_write(self.events, &o, chunk.rows.len() as u64, false);
                for f in &chunk.failures {
                    stats.add_failure(self.events, f);
                }
                self.committed(chunk, &o, stats);
                Ok(())
            }
            Err(e) if e.class == ErrorClass::Data => self.fall_back(chunk, e, stats).await,
            Err(e) => Err(e),
        }
    }

    fn committed(&self, chunk: &MappedChunk, o: &WriteOutcome, stats: &mut RunStats) {
        stats.chunks_committed += 1;
        self.events.emit(ProgressEvent::ChunkCommitted {
            chunk: chunk.index,
            first_line: chunk.first_line,
            last_line: chunk.last_line,
            inserted: o.inserted,
            already: o.already,
            held: chunk.held.len() as u64,
        });
    }

    /// Isolate the bad lines of a chunk whose batch write failed with a data error.
    async fn fall_back(
        &self,
        chunk: &MappedChunk,
        cause: StoreError,
        stats: &mut RunStats,
    ) -> StoreResult<()> {
        let start = Instant::now();
        let cause_text = cause.to_string();
        tracing::warn!(chunk = chunk.index, first_line = chunk.first_line, last_line = chunk.last_line, cause = %cause_text, "chunk fell back");
        self.events.emit(ProgressEvent::Fallback {
            chunk: chunk.index,
            first_line: chunk.first_line,
            last_line: chunk.last_line,
            cause: cause_text.clone(),
        });
        stats.fallbacks.push(FallbackRecord {
            chunk: chunk.index,
            first_line: chunk.first_line,
            last_line: chunk.last_line,
            cause: cause_text,
        });
        let mut total = WriteOutcome::default();
        let mut failures: Vec<FailureRecord> = chunk.failures.clone();
        let mut retries = 0;
        match self.fallback {
            FallbackStrategy::Sequential => {
                for row in &chunk.rows {
                    let r = retry_transient(self.events, &mut retries, || {
                        self.store.write_one(self.ctx, row, self.rollback)
                    })
                    .await;
                    match r {
                        Ok(o) => total.add(&o),
                        Err(e) if e.class == ErrorClass::Data => failures.push(db_failure(row, &e)),
                        Err(e) => return Err(e),
                    }
                    crate::failpoint::hit("fallback_part");
                }
            }
            FallbackStrategy::Bisect => {
                // First in one transaction (savepoints around the parts): one commit per chunk,
                // and the chunk's good rows land all at once or not at all.
                let batch = WriteBatch {
                    ctx: self.ctx,
                    rows: &chunk.rows,
                    failures: &[],
                    held: &[],
                    rollback: self.rollback,
                };
                match retry_transient(self.events, &mut retries, || {
                    self.store.write_isolating(&batch)
                })
                .await
                {
                    Ok(isolated) => {
                        total.add(&isolated.outcome);
                        for (i, e) in &isolated.failed {
                            failures.push(db_failure(&chunk.rows[*i], e));
                        }
                    }
                    Err(e) if e.is_transient() => return Err(e),
                    // A data error outside the rows (items, aliases, inventory deltas) or a
                    // savepoint the database dropped: isolate with one transaction per part.
                    Err(e) => {
                        tracing::debug!(chunk = chunk.index, error = %e, "isolating in one transaction failed; one transaction per part");
                        self.bisect_in_parts(chunk, &mut total, &mut failures, &mut retries)
                            .await?;
                    }
                }
            }
        }
        total.already += self
            .already_imported(&mut failures, chunk.failures.len(), &mut retries)
            .await?;
        failures.sort_by_key(|f| f.line);
        let mut statements = total.statements();
        statements += self.record_held(chunk, &mut retries).await?;
        if !self.rollback && !failures.is_empty() {
            statements += retry_transient(self.events, &mut retries, || {
                self.store.record_failures(self.ctx, &failures)
            })
            .await?;
        }
        stats.transient_retries += retries;
        stats.add_write(self.events, &total, chunk.rows.len() as u64, true);
        for f in &failures {
            stats.add_failure(self.events, f);
        }
        stats.advance(
            self.events,
            Phase::Fallback,
            start.elapsed().as_secs_f64(),
            chunk.lines_read,
            statements,
        );
        self.committed(chunk, &total, stats);
        Ok(())
    }

    /// Bisection with one transaction per part (each a [`Store::write_batch`]): the isolation of
    /// the seed, used when [`Store::write_isolating`] cannot isolate in one transaction.
    async fn bisect_in_parts(
        &self,
        chunk: &MappedChunk,
        total: &mut WriteOutcome,
        failures: &mut Vec<FailureRecord>,
        retries: &mut u64,
    ) -> StoreResult<()> {
        // Ranges still to write, the next one last; the whole chunk is known to fail.
        let n = chunk.rows.len();
        let mut todo = vec![(n / 2, n), (0, n / 2)];
        while let Some((lo, hi)) = todo.pop() {
            if lo >= hi {
                continue;
            }
            let part = &chunk.rows[lo..hi];
            match self.batch(part, &[], &[], retries).await {
                Ok(o) => {
                    total.add(&o);
                    crate::failpoint::hit("fallback_part");
                }
                Err(e) if e.class == ErrorClass::Data => {
                    if part.len() == 1 {
                        failures.push(db_failure(&part[0], &e));
                    } else {
                        let mid = lo + part.len() / 2;
                        todo.push((mid, hi));
                        todo.push((lo, mid));
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Drop the database failures (`failures[from..]`) of lines an earlier run already landed: a
    /// trigger or CHECK can refuse a line again before `ON CONFLICT` skips it, but the line is
    /// already imported, not failed (see [`Store::imported_lines`]). Returns how many.
    async fn already_imported(
        &self,
        failures: &mut Vec<FailureRecord>,
        from: usize,
        retries: &mut u64,
    ) -> StoreResult<u64> {
        if failures.len() <= from {
            return Ok(0);
        }
        let lines: Vec<u64> = failures[from..].iter().map(|f| f.line).collect();
        let found = retry_transient(self.events, retries, || {
            self.store.imported_lines(self.ctx.import_key, &lines)
        })
        .await?;
        if found.is_empty() {
            return Ok(0);
        }
        let before = failures.len();
        let mut i = 0;
        failures.retain(|f| {
            i += 1;
            i <= from || !found.contains(&f.line)
        });
        Ok((before - failures.len()) as u64)
    }

    /// Record a chunk's held lines on their own (idempotent by `(import_key, line)`), for the
    /// paths that do not write them with the chunk. Returns the statements executed.
    async fn record_held(&self, chunk: &MappedChunk, retries: &mut u64) -> StoreResult<u64> {
        if self.rollback || chunk.held.is_empty() {
            return Ok(0);
        }
        retry_transient(self.events, retries, || {
            self.store.record_held(self.ctx, &chunk.held)
        })
        .await
    }

    /// Sequential mode: every line in its own transaction (find, create, insert, update).
    pub async fn write_sequential(
        &self,
        chunk: &MappedChunk,
        stats: &mut RunStats,
    ) -> StoreResult<()> {
        let mut retries = 0;
        let mut failures = chunk.failures.clone();
        let before = (stats.processed, stats.already);
        for row in &chunk.rows {
            let r = retry_transient(self.events, &mut retries, || {
                self.store.write_one(self.ctx, row, self.rollback)
            })
            .await;
            match r {
                Ok(o) => stats.add_write(self.events, &o, 1, false),
                Err(e) if e.class == ErrorClass::Data => failures.push(db_failure(row, &e)),
                Err(e) => {
                    stats.transient_retries += retries;
                    return Err(e);
                }
            }
        }
        let already = self
            .already_imported(&mut failures, chunk.failures.len(), &mut retries)
            .await?;
        if already > 0 {
            let o = WriteOutcome {
                already,
                ..WriteOutcome::default()
            };
            stats.add_write(self.events, &o, 0, true);
        }
        if !self.rollback && !failures.is_empty() {
            stats.other_statements += retry_transient(self.events, &mut retries, || {
                self.store.record_failures(self.ctx, &failures)
            })
            .await?;
        }
        stats.other_statements += self.record_held(chunk, &mut retries).await?;
        stats.transient_retries += retries;
        for f in &failures {
            stats.add_failure(self.events, f);
        }
        // Each line was its own transaction; the listeners hear of the chunk as in batch mode.
        let o = WriteOutcome {
            inserted: stats.processed - before.0,
            already: stats.already - before.1,
            ..WriteOutcome::default()
        };
        self.committed(chunk, &o, stats);
        Ok(())
    }
}
