//! The integration tests: one binary, one module per area, the helpers they share in [`support`].

mod support;

mod cli;
mod cli_run_rules;
mod concurrency_matrix;
mod console_app;
mod console_e2e;
mod console_resent;
mod console_review;
mod console_snapshots;
mod console_store;
mod corrections_cli;
mod corrections_crash;
mod docs_examples;
mod engine_import;
mod explain;
mod fallback_isolation;
mod hostile_input;
mod input_identity;
mod isolation_conformance;
mod line_states;
mod line_states_model;
mod matching_review;
mod migration_upgrade;
mod pg_functions;
mod reliability_concurrency;
mod reliability_connection;
mod reliability_crash;
mod reliability_first_use;
mod reliability_nul;
mod reliability_operator;
mod reliability_proptest;
mod reliability_rules;
mod resent_invoices;
mod supplier_files;
mod supplier_parts;
