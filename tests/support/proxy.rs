//! A TCP proxy for tests and benchmarks: sits between batchops and a database server on loopback,
//! adds a delay to every forwarded read in each direction, and can cut every connection on demand
//! (or after a number of bytes) to simulate a lost network.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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
    /// Cut all connections once this many more client → server bytes have passed (0: off).
    cut_after: Arc<AtomicU64>,
}

impl Proxy {
    /// Start a proxy to `upstream` adding `delay` to each forwarded chunk in each direction.
    pub async fn start(upstream: SocketAddr, delay: Duration) -> std::io::Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (cut_tx, cut_rx) = watch::channel(0u64);
        let refuse = Arc::new(AtomicBool::new(false));
        let upstream_bytes = Arc::new(AtomicU64::new(0));
        let cut_after = Arc::new(AtomicU64::new(0));
        let proxy = Proxy {
            addr,
            cut_tx: cut_tx.clone(),
            refuse: refuse.clone(),
            upstream_bytes: upstream_bytes.clone(),
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
                    cut_after: cut_after.clone(),
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
    cut_after: Arc<AtomicU64>,
}

impl Pump {
    async fn run(self, client: TcpStream, server: TcpStream) {
        let (cr, cw) = client.into_split();
        let (sr, sw) = server.into_split();
        let mut cut = self.cut.clone();
        let up = copy(cr, sw, self.delay, Some((&self.upstream_bytes, &self.cut_after, &self.cut_tx)));
        let down = copy(sr, cw, self.delay, None);
        tokio::select! {
            _ = async { tokio::join!(up, down) } => {}
            _ = cut.changed() => {}
        }
        // Dropping the halves closes both sockets.
    }
}

async fn copy(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    delay: Duration,
    count: Option<(&Arc<AtomicU64>, &Arc<AtomicU64>, &watch::Sender<u64>)>,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        if let Some((total, cut_after, cut_tx)) = count {
            let after = total.fetch_add(n as u64, Ordering::SeqCst) + n as u64;
            let limit = cut_after.load(Ordering::SeqCst);
            if limit > 0 && after >= limit {
                cut_after.store(0, Ordering::SeqCst);
                cut_tx.send_modify(|c| *c += 1);
                break;
            }
        }
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}
