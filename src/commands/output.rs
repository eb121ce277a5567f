//! Where a headless command's output goes: stdout (which may be a pipe that closes early) or a
//! file named with `-o` (which is never overwritten without `--force`).
//!
//! Every command, old or new, writes through these two helpers:
//!
//! - [`stdout`] gives a buffered writer on stdout. Write to it with `write!`/`writeln!` and `?`,
//!   never with `print!` (which panics when the reader went away). When the reader closes the pipe
//!   (`batchops runs | head -1`), the write fails with [`std::io::ErrorKind::BrokenPipe`]; let that
//!   error travel up like any other: `main` recognises it with [`is_broken_pipe`] and ends the
//!   process quietly with [`EXIT_PIPE_CLOSED`](super::EXIT_PIPE_CLOSED) (141, the code a shell
//!   shows for a process ended by SIGPIPE), printing nothing.
//! - [`destination`] opens `-o FILE` (refusing an existing file unless `force`) or stdout, for
//!   commands that take `-o FILE [--force]`; add both flags with [`crate::cli::OutputFile`].
//! - [`note`] writes a message for the operator on stderr; unlike `eprintln!` it never panics
//!   when stderr is a closed pipe too (`batchops … 2>&1 | head -1`).

use color_eyre::eyre::{Result, WrapErr, eyre};
use std::error::Error as StdError;
use std::fs::File;
use std::io::{self, BufWriter, StdoutLock, Write};
use std::path::Path;

/// Buffered stdout for a command's output; `flush` it (or let it drop) at the end.
pub fn stdout() -> BufWriter<StdoutLock<'static>> {
    BufWriter::with_capacity(64 * 1024, io::stdout().lock())
}

static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// With `quiet` (`--quiet`), [`note`] says nothing.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, std::sync::atomic::Ordering::Relaxed);
}

/// A line for the operator on stderr, unless `--quiet` (a write error is ignored: there is no one
/// left to tell).
pub fn note(msg: impl std::fmt::Display) {
    if QUIET.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    let _ = writeln!(io::stderr().lock(), "{msg}");
}

/// Serialize `value` as pretty JSON on its own line to `out`.
pub fn json_pretty<T: serde::Serialize + ?Sized>(out: &mut impl Write, value: &T) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// Create `path` for writing. An existing file is refused (its content stays as it was) unless
/// `force` is set, then it is truncated and rewritten.
pub fn create_file(path: &Path, force: bool) -> Result<File> {
    let mut open = std::fs::OpenOptions::new();
    open.write(true);
    if force {
        open.create(true).truncate(true);
    } else {
        open.create_new(true);
    }
    match open.open(path) {
        Ok(file) => Ok(file),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(eyre!(
            "{} exists already: it was left as it is (use --force to overwrite it)",
            path.display()
        )),
        Err(e) => Err(e).wrap_err_with(|| format!("cannot write {}", path.display())),
    }
}

/// `-o FILE` (see [`create_file`]) or, without it, [`stdout`].
pub fn destination(path: Option<&Path>, force: bool) -> Result<Box<dyn Write>> {
    Ok(match path {
        Some(path) => Box::new(BufWriter::with_capacity(1 << 20, create_file(path, force)?)),
        None => Box::new(stdout()),
    })
}

/// Whether `err` (or anything it wraps) is a write to a pipe whose reader has gone.
pub fn is_broken_pipe(err: &(dyn StdError + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            if io.kind() == io::ErrorKind::BrokenPipe {
                return true;
            }
            // An io::Error made from another error (csv, for one) keeps that error inside.
            if let Some(inner) = io.get_ref()
                && is_broken_pipe(inner)
            {
                return true;
            }
        }
        // These two keep their io::Error where `source` does not reach it.
        if let Some(j) = e.downcast_ref::<serde_json::Error>()
            && j.io_error_kind() == Some(io::ErrorKind::BrokenPipe)
        {
            return true;
        }
        if let Some(c) = e.downcast_ref::<csv::Error>()
            && let csv::ErrorKind::Io(io) = c.kind()
            && io.kind() == io::ErrorKind::BrokenPipe
        {
            return true;
        }
        next = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pipe() -> io::Error {
        io::Error::from(io::ErrorKind::BrokenPipe)
    }

    #[test]
    fn a_closed_pipe_is_recognised_however_it_is_wrapped() {
        assert!(is_broken_pipe(&pipe()));
        let wrapped = color_eyre::eyre::Report::new(pipe()).wrap_err("while listing");
        assert!(is_broken_pipe(wrapped.as_ref()));
        let csv_err = csv::Error::from(pipe());
        assert!(is_broken_pipe(&csv_err));
        let io_of_csv = io::Error::other(csv::Error::from(pipe()));
        assert!(is_broken_pipe(&io_of_csv));
        let json = serde_json::Error::io(pipe());
        assert!(is_broken_pipe(&json));
        assert!(!is_broken_pipe(&io::Error::from(
            io::ErrorKind::PermissionDenied
        )));
        assert!(!is_broken_pipe(
            color_eyre::eyre::eyre!("there is no run 7").as_ref()
        ));
    }

    #[test]
    fn an_existing_file_is_refused_without_force_and_replaced_with_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out.csv");
        std::fs::write(&path, "keep me").expect("write");
        let err = create_file(&path, false).expect_err("refused");
        assert!(err.to_string().contains("--force"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "keep me");
        let mut f = create_file(&path, true).expect("forced");
        f.write_all(b"new").expect("write");
        drop(f);
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "new");
        let fresh = dir.path().join("fresh.csv");
        create_file(&fresh, false).expect("a new file is fine");
    }
}
