//! What a path names before it is read: a regular file is read where it is; standard input (`-`),
//! a FIFO or a process substitution (`<(…)`) is copied once into a spool and read from there;
//! a directory or a device is refused at once.
//!
//! The spool is an unnamed temporary file (`O_TMPFILE` in the temporary directory, or a file
//! unlinked as soon as it is created): it has no name to leave behind, so it is gone on every exit,
//! `kill -9` included. A pipe is read once, with two bounds: at most [`SpoolLimits::max_bytes`]
//! (more is an error, and nothing is imported), and no more than [`SpoolLimits::wait`] without a
//! byte (a FIFO nobody writes to, a writer that stalls): never a hang.

use super::InputError;
use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::fs::{FileExt, FileTypeExt, OpenOptionsExt};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The environment variable that sets [`SpoolLimits::max_bytes`] (bytes, or with a `K`, `M` or
/// `G` suffix: powers of 1024).
pub const SPOOL_LIMIT_ENV: &str = "BATCHOPS_SPOOL_LIMIT";
/// The environment variable that sets [`SpoolLimits::wait`], in seconds.
pub const PIPE_WAIT_ENV: &str = "BATCHOPS_PIPE_WAIT";

/// Bounds of reading a pipe into the spool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpoolLimits {
    /// The most bytes a pipe may bring: 1 GiB unless [`SPOOL_LIMIT_ENV`] says otherwise.
    pub max_bytes: u64,
    /// The longest wait for a byte (or the end): 60 s unless [`PIPE_WAIT_ENV`] says otherwise.
    pub wait: Duration,
}

impl Default for SpoolLimits {
    fn default() -> Self {
        SpoolLimits {
            max_bytes: 1 << 30,
            wait: Duration::from_secs(60),
        }
    }
}

static INSTALLED: std::sync::OnceLock<SpoolLimits> = std::sync::OnceLock::new();

impl SpoolLimits {
    /// Make `limits` the process's bounds (the binary's settings, read once at start); later
    /// calls keep the first.
    pub fn install(limits: SpoolLimits) {
        let _ = INSTALLED.set(limits);
    }

    /// The bounds [`install`](Self::install)ed at start, else the defaults.
    pub fn current() -> SpoolLimits {
        INSTALLED.get().copied().unwrap_or_default()
    }
}

/// A size as [`SPOOL_LIMIT_ENV`] takes it: `1048576`, `512K`, `500M`, `2G`.
pub fn parse_spool_limit(text: &str) -> Result<u64, String> {
    parse_size(text).ok_or_else(|| format!("{text:?} is not a size (e.g. 500M, 2G, 1048576)"))
}

/// A wait as [`PIPE_WAIT_ENV`] takes it: seconds above 0.
pub fn parse_pipe_wait(text: &str) -> Result<Duration, String> {
    text.trim()
        .parse()
        .ok()
        .filter(|s: &f64| s.is_finite() && *s > 0.0 && *s < 1e9)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("{text:?} is not a number of seconds above 0"))
}

/// `1048576`, `512K`, `500M`, `2G` (powers of 1024; a trailing `B`/`iB` is allowed).
fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim().to_ascii_uppercase();
    let t = t.trim_end_matches("IB").trim_end_matches('B');
    let (digits, shift) = match t.char_indices().last()? {
        (i, 'K') => (&t[..i], 10),
        (i, 'M') => (&t[..i], 20),
        (i, 'G') => (&t[..i], 30),
        _ => (t, 0),
    };
    digits.trim().parse::<u64>().ok()?.checked_mul(1 << shift)
}

/// A batch's bytes copied out of a pipe. Clones share the one unnamed file.
#[derive(Clone)]
pub struct Spool(Arc<File>);

impl Spool {
    /// A reader of the spool from its first byte (readers do not share a position).
    pub(crate) fn reader(&self) -> SpoolReader {
        SpoolReader {
            file: Arc::clone(&self.0),
            pos: 0,
        }
    }

    pub(crate) fn len(&self) -> io::Result<u64> {
        Ok(self.0.metadata()?.len())
    }
}

impl std::fmt::Debug for Spool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Spool")
    }
}

/// The same spool (not merely the same bytes).
impl PartialEq for Spool {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}
impl Eq for Spool {}

/// Reads a spool at a position of its own.
pub(crate) struct SpoolReader {
    file: Arc<File>,
    pos: u64,
}

impl Read for SpoolReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read_at(buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// What a path names, among what can be a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A regular file, opened by its path (as often as needed).
    File,
    /// Standard input (`-`).
    Stdin,
    /// A FIFO, a process substitution, a socket: bytes that can be read only once.
    Pipe,
}

fn unusable(path: &Path, reason: impl Into<String>) -> InputError {
    InputError::Unusable {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

fn io_error(path: &Path, source: io::Error) -> InputError {
    InputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What `path` names, refusing at once what can never be a batch: a directory, a device, and
/// (unless `pipes`) standard input (`-`) and a pipe. Nothing is opened.
pub(crate) fn classify(path: &Path, pipes: bool) -> Result<Kind, InputError> {
    if path == Path::new("-") {
        if !pipes {
            return Err(unusable(
                path,
                "standard input can be imported with `batchops import -` only",
            ));
        }
        if io::stdin().is_terminal() {
            return Err(unusable(
                path,
                "standard input is a terminal: pipe the batch into batchops (… | batchops import - \
                 --format-in csv) or give its path",
            ));
        }
        return Ok(Kind::Stdin);
    }
    let meta = std::fs::metadata(path).map_err(|e| io_error(path, e))?;
    let kind = meta.file_type();
    if kind.is_file() {
        return Ok(Kind::File);
    }
    if kind.is_dir() {
        return Err(unusable(path, "is a directory, not a batch file"));
    }
    if kind.is_char_device() || kind.is_block_device() {
        return Err(unusable(
            path,
            "is a device, not a batch file (it may never end)",
        ));
    }
    if !(kind.is_fifo() || kind.is_socket()) {
        return Err(unusable(path, "is not a regular file"));
    }
    if !pipes {
        return Err(unusable(
            path,
            "is a pipe, which can be read only once: import it with `batchops import`",
        ));
    }
    Ok(Kind::Pipe)
}

/// Read standard input or the pipe at `path` once into a spool, within `limits` (a regular file
/// needs no spool, but is read into one just as well).
pub(crate) fn spool(path: &Path, kind: Kind, limits: &SpoolLimits) -> Result<Spool, InputError> {
    match kind {
        Kind::Stdin => spool_from(path, &io::stdin().lock(), limits),
        // Opening a FIFO blocks until a writer opens it; without blocking, the wait is bounded
        // by `spool_from`.
        Kind::Pipe | Kind::File => {
            let pipe = std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(path)
                .map_err(|e| io_error(path, e))?;
            spool_from(path, &pipe, limits)
        }
    }
}

/// Copy everything a pipe brings into a new spool, within `limits`.
fn spool_from(path: &Path, pipe: &impl AsRawFd, limits: &SpoolLimits) -> Result<Spool, InputError> {
    let mut spool = tempfile::tempfile().map_err(|e| {
        unusable(
            path,
            format!("cannot create a temporary file to read it into: {e}"),
        )
    })?;
    let fd = pipe.as_raw_fd();
    let mut buf = vec![0u8; super::source::READ_BUFFER];
    let mut total: u64 = 0;
    let mut last_byte = Instant::now();
    loop {
        let left = limits.wait.saturating_sub(last_byte.elapsed());
        if !wait_readable(fd, left).map_err(|e| io_error(path, e))? {
            let waited = limits.wait.as_secs_f64();
            let what = if total == 0 {
                format!("nothing arrived within {waited} s: is anything writing to it?")
            } else {
                format!("nothing more arrived for {waited} s after {total} bytes")
            };
            return Err(unusable(
                path,
                format!("{what} ({PIPE_WAIT_ENV} sets the wait); nothing was imported"),
            ));
        }
        let n = match read_fd(fd, &mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                ) =>
            {
                continue;
            }
            Err(e) => return Err(io_error(path, e)),
        };
        total += n as u64;
        if total > limits.max_bytes {
            return Err(unusable(
                path,
                format!(
                    "brings more than {} bytes, the most batchops reads from a pipe ({SPOOL_LIMIT_ENV} \
                     sets it; a file of that size can be given by its path); nothing was imported",
                    limits.max_bytes
                ),
            ));
        }
        spool
            .write_all(&buf[..n])
            .map_err(|e| unusable(path, format!("cannot write it into a temporary file: {e}")))?;
        last_byte = Instant::now();
    }
    spool.flush().map_err(|e| io_error(path, e))?;
    Ok(Spool(Arc::new(spool)))
}

/// Wait until `fd` can be read without blocking (data, or its end), at most `timeout`.
/// `false` when the time ran out.
fn wait_readable(fd: RawFd, timeout: Duration) -> io::Result<bool> {
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let ms = left.as_millis().min(i32::MAX as u128) as libc::c_int;
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd for the duration of the call.
        let ready = unsafe { libc::poll(&mut pfd, 1, ms) };
        match ready {
            0 if left.is_zero() => return Ok(false),
            0 => continue,
            n if n > 0 => return Ok(true),
            _ => {
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
        }
    }
}

/// One `read(2)` on a descriptor the caller keeps open.
fn read_fd(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for `buf.len()` bytes; the descriptor outlives the call.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_with_suffixes() {
        assert_eq!(parse_size("1048576"), Some(1 << 20));
        assert_eq!(parse_size("512K"), Some(512 << 10));
        assert_eq!(parse_size(" 500m "), Some(500 << 20));
        assert_eq!(parse_size("2GiB"), Some(2 << 30));
        assert_eq!(parse_size("2 GB"), Some(2 << 30));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_size(""), None);
    }

    #[test]
    fn directories_and_devices_are_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        for (path, why) in [
            (dir.path(), "is a directory"),
            (Path::new("/dev/zero"), "is a device"),
            (Path::new("/dev/null"), "is a device"),
        ] {
            let e = classify(path, true).expect_err("refused");
            let text = e.to_string();
            assert!(
                text.starts_with(&format!("{}: {why}", path.display())),
                "{text}"
            );
        }
    }

    fn mkfifo(path: &Path) {
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    }

    #[test]
    fn a_fifo_with_a_writer_is_spooled_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("batch.csv");
        mkfifo(&fifo);
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                let mut w = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
                for _ in 0..1000 {
                    w.write_all(b"A,x,1,2\n").unwrap();
                }
            })
        };
        assert_eq!(classify(&fifo, true).unwrap(), Kind::Pipe);
        let spool = spool(&fifo, Kind::Pipe, &SpoolLimits::default()).unwrap();
        writer.join().unwrap();
        assert_eq!(spool.len().unwrap(), 8000);
        let mut text = String::new();
        spool.reader().read_to_string(&mut text).unwrap();
        assert_eq!(text.len(), 8000);
        let mut again = Vec::new();
        spool.reader().read_to_end(&mut again).unwrap();
        assert_eq!(again.len(), 8000, "every reader starts at the first byte");
    }

    #[test]
    fn a_fifo_without_a_writer_is_an_error_after_the_wait() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("nobody.csv");
        mkfifo(&fifo);
        let limits = SpoolLimits {
            wait: Duration::from_millis(300),
            ..SpoolLimits::default()
        };
        let started = Instant::now();
        let e = spool(&fifo, Kind::Pipe, &limits).expect_err("an error");
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(
            e.to_string().contains("nothing arrived within 0.3 s"),
            "{e}"
        );
        assert!(e.to_string().contains("nothing was imported"), "{e}");
    }

    #[test]
    fn a_pipe_over_the_limit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("big.csv");
        mkfifo(&fifo);
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                let mut w = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
                // The reader stops at the limit: the writer then sees a closed pipe.
                let _ = w.write_all(&vec![b'x'; 1 << 20]);
            })
        };
        let limits = SpoolLimits {
            max_bytes: 100_000,
            ..SpoolLimits::default()
        };
        let e = spool(&fifo, Kind::Pipe, &limits).expect_err("refused");
        writer.join().unwrap();
        assert!(e.to_string().contains("more than 100000 bytes"), "{e}");
    }

    #[test]
    fn pipes_are_refused_where_they_cannot_be_spooled() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("p.csv");
        mkfifo(&fifo);
        let e = classify(&fifo, false).expect_err("refused");
        assert!(e.to_string().contains("is a pipe"), "{e}");
        assert!(classify(Path::new("-"), false).is_err());
    }
}
