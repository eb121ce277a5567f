-- Which version of crates/batchops-store/src/postgres_functions.sql the database holds (the MD5 of
-- its text): the file is applied after the migrations when it differs (src/functions.rs).
CREATE TABLE schema_functions (
    checksum   TEXT        NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
