//! The command examples of the documentation, run against the real binary (trycmd).
//!
//! Every ```` ```console ```` block of the documents below is a test: a `$ batchops …` line is run,
//! `? N` is its exit code (0 when absent), and the lines after it are its output (stdout and
//! stderr together). In expected output `[..]` matches the rest of a line up to what follows and
//! `...` on a line of its own matches any number of lines; timings, run times and import keys are
//! elided that way. Blocks marked `text` or `sh` are prose, not tests.
//!
//! Each document runs in a sandbox of its own: a fresh temporary directory holding a copy of
//! `sample-data/`, where its commands run one after another (the database of the examples is
//! `batchops.db` in that directory, whatever `DATABASE_URL` says outside). The sandbox is built
//! from a copy of the document, so line numbers in a failure are the document's own.
//!
//! A failure names the copy (`/tmp/…/docs-operations.md:42` is line 42 of `docs/operations.md`)
//! and shows the difference. `TRYCMD=dump cargo test --test docs_examples` writes what the commands
//! print now under `dump/`; `TRYCMD=overwrite` would rewrite the copies only, so edit the document.

use std::path::Path;

/// The documents whose `console` blocks are tests.
const DOCUMENTS: &[&str] = &[
    "README.md",
    "docs/commands.md",
    "docs/operations.md",
    "docs/supplier-files.md",
];

#[test]
fn documentation_examples() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().expect("a temporary directory");
    let config = work.path().join("config");
    std::fs::create_dir(&config).expect("the configuration directory");

    let cases = trycmd::TestCases::new();
    cases
        .register_bin("batchops", Path::new(env!("CARGO_BIN_EXE_batchops")))
        .env("DATABASE_URL", "sqlite:batchops.db")
        .env("BATCHOPS_CONFIG_DIR", config.to_string_lossy())
        .env("NO_COLOR", "1")
        .env("USER", "operator");
    for doc in DOCUMENTS {
        let name = doc.replace('/', "-");
        let case = work.path().join(&name);
        std::fs::copy(root.join(doc), &case).unwrap_or_else(|e| panic!("copy {doc}: {e}"));
        let stem = case.with_extension("");
        let sandbox_in = stem.with_extension("in");
        copy_dir(&root.join("sample-data"), &sandbox_in.join("sample-data"));
        // An `.out` directory makes trycmd run the document's commands in one writable sandbox.
        let sandbox_out = stem.with_extension("out");
        std::fs::create_dir_all(&sandbox_out).expect("the sandbox's out directory");
        std::fs::write(sandbox_out.join(".keep"), "").expect("the sandbox's .keep");
        cases.case(&case);
    }
    cases.run();
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
        }
    }
}
