//! The real console in a pseudo-terminal, read back through a terminal emulator: what an operator
//! would see, at a given size.

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the screen stays unchanged before a frame counts as written whole.
const SETTLED: Duration = Duration::from_millis(60);

pub struct Terminal {
    screen: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    master: Box<dyn portable_pty::MasterPty + Send>,
}

/// The `batchops` binary with `--database-url db_url`, a terminal type and no database URL from
/// the caller's environment: add arguments, a working directory or variables, then
/// [`Terminal::spawn`] it.
pub fn batchops(db_url: &str) -> CommandBuilder {
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_batchops"));
    cmd.args(["--database-url", db_url]);
    cmd.env("TERM", "xterm-256color");
    cmd.env_remove("DATABASE_URL");
    cmd.env_remove("NO_COLOR");
    cmd
}

impl Terminal {
    /// Run `cmd` in a pseudo-terminal of `cols` × `rows`.
    pub fn spawn(cmd: CommandBuilder, cols: u16, rows: u16) -> Terminal {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal");
        let child = pty.slave.spawn_command(cmd).expect("the console starts");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("a reader");
        let writer = pty.master.take_writer().expect("a writer");
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZeroU16::new(rows).expect("rows"),
            std::num::NonZeroU16::new(cols).expect("cols"),
            0,
        )));
        let parser = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => parser.lock().expect("parser").process(&buf[..n]),
                }
            }
        });
        Terminal {
            screen,
            writer,
            child,
            master: pty.master,
        }
    }

    /// The console's process id (to signal it).
    pub fn process_id(&self) -> Option<u32> {
        self.child.process_id()
    }

    /// The text of the underlined cells, row by row (a search's highlighted match), one line per
    /// row that has any.
    pub fn underlined(&self) -> Vec<String> {
        let parser = self.screen.lock().expect("parser");
        let screen = parser.screen();
        let (rows, cols) = screen.size();
        (0..rows.get())
            .filter_map(|r| {
                let text: String = (0..cols.get())
                    .filter_map(|c| screen.cell(r, c))
                    .filter(|cell| cell.underline())
                    .map(|cell| cell.contents().to_string())
                    .collect();
                (!text.is_empty()).then_some(text)
            })
            .collect()
    }

    pub fn contents(&self) -> String {
        self.screen.lock().expect("parser").screen().contents()
    }

    /// Wait until the screen shows every one of `texts`, or fail with what it shows; then until
    /// the frame being written is complete (the screen unchanged for a moment), so what is read
    /// next is a whole frame, not the first rows of one.
    pub fn wait_for(&mut self, texts: &[&str], timeout: Duration, what: &str) {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.contents();
            if texts.iter().all(|t| screen.contains(t)) {
                self.settle(deadline);
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "the console exited ({status:?}) while waiting for {what}; last screen:\n{screen}"
                );
            }
            if Instant::now() > deadline {
                panic!(
                    "timed out after {timeout:?} waiting for {what} ({texts:?}); the screen shows:\n{screen}"
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Wait until the screen stays the same for [`SETTLED`] (a screen that keeps moving, a live
    /// run's, is taken after half a second; never past the deadline).
    fn settle(&self, deadline: Instant) {
        let deadline = deadline.min(Instant::now() + Duration::from_millis(500));
        let mut last = self.contents();
        let mut since = Instant::now();
        while Instant::now() < deadline && since.elapsed() < SETTLED {
            std::thread::sleep(Duration::from_millis(10));
            let now = self.contents();
            if now != last {
                last = now;
                since = Instant::now();
            }
        }
    }

    pub fn keys(&mut self, keys: &str) {
        self.writer
            .write_all(keys.as_bytes())
            .expect("keys reach the console");
        self.writer.flush().expect("keys are flushed");
    }

    pub fn wait_exit(&mut self, timeout: Duration) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("the child's status") {
                return status;
            }
            if Instant::now() > deadline {
                let screen = self.contents();
                let _ = self.child.kill();
                panic!("the console did not exit within {timeout:?}; the screen shows:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The terminal is back to normal: main screen, cursor shown, mouse off, canonical input with
    /// echo.
    pub fn assert_restored(&self) {
        // The reader may still be draining the last bytes.
        let deadline = Instant::now() + Duration::from_secs(5);
        while self
            .screen
            .lock()
            .expect("parser")
            .screen()
            .alternate_screen()
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        let parser = self.screen.lock().expect("parser");
        let screen = parser.screen();
        assert!(!screen.alternate_screen(), "still on the alternate screen");
        assert!(!screen.hide_cursor(), "the cursor is still hidden");
        assert_eq!(
            screen.mouse_protocol_mode(),
            vt100::MouseProtocolMode::None,
            "mouse capture is still on"
        );
        let termios = self.master.get_termios().expect("the terminal's settings");
        use nix::sys::termios::LocalFlags;
        assert!(
            termios.local_flags.contains(LocalFlags::ICANON),
            "still in raw mode (no ICANON)"
        );
        assert!(
            termios.local_flags.contains(LocalFlags::ECHO),
            "still in raw mode (no ECHO)"
        );
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
    }
}
