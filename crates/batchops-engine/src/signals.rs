//! Termination signals of the process (SIGTERM, SIGHUP, SIGINT): the console restores the
//! terminal on them, a headless rehearsal removes its scratch databases.

/// A listener for the termination signals.
pub struct Signals {
    #[cfg(unix)]
    inner: Vec<tokio::signal::unix::Signal>,
}

impl Default for Signals {
    fn default() -> Self {
        Self::new()
    }
}

impl Signals {
    pub fn new() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let inner = [
                SignalKind::terminate(),
                SignalKind::hangup(),
                SignalKind::interrupt(),
            ]
            .into_iter()
            .filter_map(|k| signal(k).ok())
            .collect();
            Self { inner }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }

    pub async fn recv(&mut self) {
        #[cfg(unix)]
        {
            if self.inner.is_empty() {
                return std::future::pending().await;
            }
            let futures = self.inner.iter_mut().map(|s| Box::pin(s.recv()));
            let _ = futures::future::select_all(futures).await;
        }
        #[cfg(not(unix))]
        {
            std::future::pending::<()>().await
        }
    }
}
