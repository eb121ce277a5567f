//! A TCP proxy for tests and benchmarks: sits between batchops and a database server on loopback,
//! adds a delay to every forwarded read in each direction, and can cut every connection on demand
//! (or after a number of bytes) to simulate a lost network.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub struct Proxy {
    pub addr: SocketAddr,
    cut_tx: watch::Sender<u64>,
    refuse: Arc<AtomicBool>,
    /// Bytes forwarded client → server so far (all connections).
    pub upstream_bytes: Arc<AtomicU64>,
    /// Round trips so far (all connections): client → server reads that came after the server
    /// last spoke on that connection (or were its first). Requests the client sends before the
    /// reply to the previous one (pipelining) share its round trip.
    pub round_trips: Arc<AtomicU64>,
    /// Cut all connections once this many more client → server bytes have passed (0: off).
    cut_after: Arc<AtomicU64>,
    /// Cut when client → server bytes carry a pattern (see [`Proxy::cut_on`]).
    trigger: Arc<Mutex<Option<Trigger>>>,
}

/// Where a [`Proxy::cut_on`] cut falls relative to the client → server read carrying the pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutAt {
    /// Nothing of that read reaches the server: e.g. a `COMMIT` the server never sees.
    Before,
    /// The read reaches the server up to the middle of the pattern, then the connection is cut:
    /// a statement torn in half.
    Midway,
    /// The whole read reaches the server, which acts on it; its reply is dropped and the
    /// connection cut: e.g. a `COMMIT` that commits while the client only sees a lost connection.
    After,
}

#[derive(Debug)]
struct Trigger {
    pattern: Vec<u8>,
    remaining: u64,
    at: CutAt,
    /// Refuse new connections from the cut on (see [`Proxy::refuse_new`]).
    then_refuse: bool,
}

impl Proxy {
    /// Start a proxy to `upstream` adding `delay` to each forwarded chunk in each direction.
    pub async fn start(upstream: SocketAddr, delay: Duration) -> std::io::Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (cut_tx, cut_rx) = watch::channel(0u64);
        let refuse = Arc::new(AtomicBool::new(false));
        let upstream_bytes = Arc::new(AtomicU64::new(0));
        let round_trips = Arc::new(AtomicU64::new(0));
        let cut_after = Arc::new(AtomicU64::new(0));
        let trigger = Arc::new(Mutex::new(None));
        let proxy = Proxy {
            trigger: trigger.clone(),
            addr,
            cut_tx: cut_tx.clone(),
            refuse: refuse.clone(),
            upstream_bytes: upstream_bytes.clone(),
            round_trips: round_trips.clone(),
            cut_after: cut_after.clone(),
        };
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if refuse.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let Ok(server) = TcpStream::connect(upstream).await else {
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let ctx = Pump {
                    delay,
                    cut: cut_rx.clone(),
                    cut_tx: cut_tx.clone(),
                    upstream_bytes: upstream_bytes.clone(),
                    round_trips: round_trips.clone(),
                    cut_after: cut_after.clone(),
                    trigger: trigger.clone(),
                    refuse: refuse.clone(),
                };
                tokio::spawn(ctx.run(client, server));
            }
        });
        Ok(proxy)
    }

    /// Close every open connection now.
    pub fn cut(&self) {
        self.cut_tx.send_modify(|n| *n += 1);
    }

    /// Close every open connection once `bytes` more client → server bytes have been forwarded.
    pub fn cut_after_bytes(&self, bytes: u64) {
        let now = self.upstream_bytes.load(Ordering::SeqCst);
        self.cut_after.store(now + bytes, Ordering::SeqCst);
    }

    /// Cut every connection at the `nth` client → server read (1-based, over all connections)
    /// that contains `pattern`, at the place `at` says. Once.
    pub fn cut_on(&self, pattern: &[u8], nth: u64, at: CutAt) {
        self.arm(pattern, nth, at, false);
    }

    /// [`Proxy::cut_on`], and from that moment on refuse new connections: the database is gone
    /// until [`Proxy::refuse_new`]`(false)`.
    pub fn cut_on_then_refuse(&self, pattern: &[u8], nth: u64, at: CutAt) {
        self.arm(pattern, nth, at, true);
    }

    fn arm(&self, pattern: &[u8], nth: u64, at: CutAt, then_refuse: bool) {
        *self.trigger.lock().unwrap() = Some(Trigger {
            pattern: pattern.to_vec(),
            remaining: nth.max(1),
            at,
            then_refuse,
        });
    }

    /// Whether the [`Proxy::cut_on`] trigger is still waiting (false once it fired).
    pub fn cut_pending(&self) -> bool {
        self.trigger.lock().unwrap().is_some()
    }

    /// Refuse (close at once) new connections while `on`.
    pub fn refuse_new(&self, on: bool) {
        self.refuse.store(on, Ordering::SeqCst);
    }
}

struct Pump {
    delay: Duration,
    cut: watch::Receiver<u64>,
    cut_tx: watch::Sender<u64>,
    upstream_bytes: Arc<AtomicU64>,
    round_trips: Arc<AtomicU64>,
    cut_after: Arc<AtomicU64>,
    trigger: Arc<Mutex<Option<Trigger>>>,
    refuse: Arc<AtomicBool>,
}

impl Pump {
    async fn run(self, client: TcpStream, server: TcpStream) {
        let (cr, cw) = client.into_split();
        let (sr, sw) = server.into_split();
        let mut cut = self.cut.clone();
        // Only cuts from now on close this connection: a receiver cloned from the accept loop's
        // would still see every earlier cut as new and close a fresh connection at once.
        cut.borrow_and_update();
        // Set when a `CutAt::After` read was forwarded: the server's next reply is dropped and cut.
        let cut_reply = AtomicBool::new(false);
        // Set when the server spoke: the client's next read starts a new round trip.
        let replied = AtomicBool::new(true);
        let watch = Watch {
            trigger: &self.trigger,
            refuse: &self.refuse,
            cut_reply: &cut_reply,
            cut_tx: &self.cut_tx,
            replied: &replied,
            round_trips: &self.round_trips,
        };
        let up = copy(
            cr,
            sw,
            self.delay,
            Some((&self.upstream_bytes, &self.cut_after, &self.cut_tx)),
            Dir::Up(&watch),
        );
        let down = copy(sr, cw, self.delay, None, Dir::Down(&watch));
        tokio::select! {
            _ = async { tokio::join!(up, down) } => {}
            _ = cut.changed() => {}
        }
        // Dropping the halves closes both sockets.
    }
}

/// The pattern trigger as one connection's two directions see it.
struct Watch<'a> {
    trigger: &'a Mutex<Option<Trigger>>,
    refuse: &'a AtomicBool,
    cut_reply: &'a AtomicBool,
    cut_tx: &'a watch::Sender<u64>,
    replied: &'a AtomicBool,
    round_trips: &'a AtomicU64,
}

enum Dir<'a> {
    Up(&'a Watch<'a>),
    Down(&'a Watch<'a>),
}

impl Watch<'_> {
    /// Whether this client → server read fires the trigger, and where to cut.
    fn fires(&self, data: &[u8]) -> Option<(CutAt, usize)> {
        let mut slot = self.trigger.lock().unwrap();
        let t = slot.as_mut()?;
        let pos = data
            .windows(t.pattern.len().max(1))
            .position(|w| w == t.pattern.as_slice())?;
        t.remaining -= 1;
        if t.remaining > 0 {
            return None;
        }
        let t = slot.take()?;
        if t.then_refuse {
            self.refuse.store(true, Ordering::SeqCst);
        }
        Some((t.at, pos + t.pattern.len() / 2))
    }
}

/// Forward `from` to `to` with a one-way latency of `delay`: each read is delivered `delay` after
/// it arrived, while later reads keep arriving (like a long wire, not a slow hop per packet).
async fn copy(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    delay: Duration,
    count: Option<(&Arc<AtomicU64>, &Arc<AtomicU64>, &watch::Sender<u64>)>,
    dir: Dir<'_>,
) {
    // `None` after data: cut every connection once that data is written (a cut_on trigger).
    let (tx, mut rx) =
        tokio::sync::mpsc::unbounded_channel::<(tokio::time::Instant, Option<Vec<u8>>)>();
    let cut_tx = match &dir {
        Dir::Up(w) | Dir::Down(w) => w.cut_tx,
    };
    let writer = async move {
        while let Some((due, data)) = rx.recv().await {
            tokio::time::sleep_until(due).await;
            let Some(data) = data else {
                cut_tx.send_modify(|c| *c += 1);
                break;
            };
            if to.write_all(&data).await.is_err() {
                break;
            }
        }
        let _ = to.shutdown().await;
    };
    let reader = async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match from.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if let Some((total, cut_after, cut_tx)) = count {
                let after = total.fetch_add(n as u64, Ordering::SeqCst) + n as u64;
                let limit = cut_after.load(Ordering::SeqCst);
                if limit > 0 && after >= limit {
                    cut_after.store(0, Ordering::SeqCst);
                    cut_tx.send_modify(|c| *c += 1);
                    break;
                }
            }
            let due = tokio::time::Instant::now() + delay;
            match &dir {
                Dir::Up(w) if w.replied.swap(false, Ordering::SeqCst) => {
                    w.round_trips.fetch_add(1, Ordering::SeqCst);
                }
                Dir::Down(w) => w.replied.store(true, Ordering::SeqCst),
                Dir::Up(_) => {}
            }
            match &dir {
                Dir::Down(w) if w.cut_reply.load(Ordering::SeqCst) => {
                    // The reply to a `CutAt::After` read: the client never gets it.
                    w.cut_tx.send_modify(|c| *c += 1);
                    break;
                }
                Dir::Up(w) => match w.fires(&buf[..n]) {
                    None => {}
                    Some((CutAt::Before, _)) => {
                        w.cut_tx.send_modify(|c| *c += 1);
                        break;
                    }
                    Some((CutAt::Midway, upto)) => {
                        let _ = tx.send((due, Some(buf[..upto].to_vec())));
                        let _ = tx.send((due, None));
                        break;
                    }
                    Some((CutAt::After, _)) => {
                        w.cut_reply.store(true, Ordering::SeqCst);
                    }
                },
                Dir::Down(_) => {}
            }
            if tx.send((due, Some(buf[..n].to_vec()))).is_err() {
                break;
            }
        }
    };
    tokio::join!(reader, writer);
}
