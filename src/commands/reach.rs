//! Whether a PostgreSQL server's address answers at all, tried beside the pool's first connect.
//!
//! The pool retries a refused connection until its acquire timeout (10 s) and then says only
//! `pool timed out`; one plain connect to the same address tells at once that nothing listens
//! there (or that the host name does not resolve).

use color_eyre::eyre::{Result, eyre};
use sqlx::postgres::PgConnectOptions;
use std::future::Future;
use std::io;
use std::str::FromStr;
use std::time::Duration;

/// How long an address may take to accept a connection: less than the pool's 10 s acquire
/// timeout, so a silent address is named before the pool gives up with `pool timed out`.
const NO_ANSWER: Duration = Duration::from_secs(8);

/// A future that fails when the server of a `postgres://` URL cannot be reached, and succeeds
/// when its address accepts a connection (the real connect then goes on as usual). `None` for
/// other URLs, and for URLs the store will refuse with its own message.
pub fn probe(url: &str) -> Option<impl Future<Output = Result<()>> + use<>> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return None;
    }
    let opts = PgConnectOptions::from_str(url).ok()?;
    let port = opts.get_port();
    let target = match opts.get_socket() {
        Some(dir) => Target::Socket(format!("{}/.s.PGSQL.{port}", dir.display())),
        None if opts.get_host().starts_with('/') => {
            Target::Socket(format!("{}/.s.PGSQL.{port}", opts.get_host()))
        }
        None => Target::Tcp(opts.get_host().to_string(), port),
    };
    Some(async move { target.connect().await })
}

enum Target {
    Tcp(String, u16),
    Socket(String),
}

impl Target {
    async fn connect(&self) -> Result<()> {
        match self {
            Target::Tcp(host, port) => {
                let addrs: Vec<_> = tokio::net::lookup_host((host.as_str(), *port))
                    .await
                    .map_err(|e| eyre!("the host name {host} does not resolve: {e}"))?
                    .collect();
                // Like the driver: the first address that answers will do. An address that never
                // answers (packets dropped) is reported before the pool's own timeout.
                let mut last = None;
                for addr in &addrs {
                    let connect = tokio::net::TcpStream::connect(addr);
                    match tokio::time::timeout(NO_ANSWER, connect).await {
                        Ok(Ok(_)) => return Ok(()),
                        Ok(Err(e)) => last = Some(e),
                        Err(_) => {
                            return Err(eyre!(
                                "{}: no answer within {} s (is the address right, or is a \
                                 firewall dropping the connection?)",
                                hostport(host, *port),
                                NO_ANSWER.as_secs()
                            ));
                        }
                    }
                }
                Err(match last {
                    Some(e) => eyre!("{}: {}", hostport(host, *port), describe(&e)),
                    None => eyre!("the host name {host} has no address"),
                })
            }
            #[cfg(unix)]
            Target::Socket(path) => match tokio::net::UnixStream::connect(path).await {
                Ok(_) => Ok(()),
                Err(e) => Err(eyre!("{path}: {}", describe(&e))),
            },
            #[cfg(not(unix))]
            Target::Socket(_) => Ok(()),
        }
    }
}

fn hostport(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The plain words for why a connect failed.
fn describe(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => {
            "connection refused (is the server running, and on this port?)".to_string()
        }
        io::ErrorKind::NotFound => "no such socket (is the server running?)".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::HostUnreachable => "host unreachable".to_string(),
        io::ErrorKind::NetworkUnreachable => "network unreachable".to_string(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_postgres_urls_are_probed() {
        assert!(probe("sqlite:batchops.db").is_none());
        assert!(probe("mysql://x@localhost/db").is_none());
        assert!(probe("postgres://u@127.0.0.1:1/db").is_some());
    }

    #[tokio::test]
    async fn a_port_nothing_listens_on_is_refused_at_once() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        drop(listener);
        let err = probe(&format!("postgres://u@127.0.0.1:{port}/db"))
            .expect("a postgres url")
            .await
            .expect_err("nothing listens");
        assert!(
            err.to_string()
                .starts_with(&format!("127.0.0.1:{port}: connection refused")),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_listening_port_passes() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        probe(&format!("postgres://u@127.0.0.1:{port}/db"))
            .expect("a postgres url")
            .await
            .expect("something listens");
    }
}
