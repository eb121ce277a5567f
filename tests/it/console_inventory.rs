//! The Inventory tab end to end: the real binary in a pseudo-terminal (80×24 and 200×50) against
//! a SQLite database of 1,000,000 generated items, opened, paged to the end and searched.

use crate::support::{catalog, db};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ITEMS: u64 = 1_000_000;

struct Pty {
    screen: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Pty {
    fn start(db_url: &str, cols: u16, rows: u16) -> Pty {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_batchops"));
        cmd.args(["--database-url", db_url]);
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("DATABASE_URL");
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
            let _master = pty.master;
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => parser.lock().expect("parser").process(&buf[..n]),
                }
            }
        });
        Pty {
            screen,
            writer,
            child,
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().expect("parser").screen().contents()
    }

    fn wait_for(&mut self, texts: &[&str], what: &str) -> Duration {
        let start = Instant::now();
        loop {
            let screen = self.contents();
            if texts.iter().all(|t| screen.contains(t)) {
                return start.elapsed();
            }
            if start.elapsed() > Duration::from_secs(30) {
                panic!("timed out waiting for {what} ({texts:?}); the screen shows:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn keys(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("keys");
        self.writer.flush().expect("flushed");
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_large_inventory_opens_pages_to_the_end_and_is_searched_in_the_database() {
    let db = db::sqlite().await;
    catalog::fill(&db, ITEMS).await;
    let url = db.url.clone();
    for (cols, rows) in [(80, 24), (200, 50)] {
        let mut c = Pty::start(&url, cols, rows);
        c.wait_for(&["7 Inventory"], "the console");
        c.keys("7");
        c.wait_for(&["1,000,000 items", "GEN-0000001"], "the first page");
        c.keys("G");
        c.wait_for(&["GEN-1000000", "row 1,000,000"], "the last page");
        c.keys("/0999999");
        c.wait_for(&["1 match ", "GEN-0999999"], "the search");
        assert!(
            !c.contents().contains("GEN-0000001"),
            "{cols}x{rows}: the list is narrowed"
        );
        c.keys("\x1b");
        c.wait_for(&["1,000,000 items"], "the search cleared");
        c.keys("q");
    }
}
