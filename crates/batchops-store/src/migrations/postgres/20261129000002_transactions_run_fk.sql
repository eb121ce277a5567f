-- No foreign key from transactions to import_runs: its per-row check (a trigger plus a KEY SHARE
-- lock on the run's row) cost about as much as the insert of the row itself; the engine creates
-- the run before any of its rows, and runs are never deleted.
-- (A migration of its own: changing the applied 20261129000001 would break every database it
-- already created, whose stored checksum would no longer match.)
ALTER TABLE transactions DROP CONSTRAINT IF EXISTS transactions_run_id_fkey;
