//! Servers that misbehave on purpose, each on loopback: one that accepts and
//! never speaks, one that trickles TLS bytes (slowloris), an HTTPS server
//! whose body never ends, one that redirects to itself, and DNS servers that
//! answer with a cut-off packet or a truncated (TC) one with no TCP behind it.

use super::pki::Leaf;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A running server; dropping it stops it.
pub struct Hostile {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn run(addr: SocketAddr, fut: impl std::future::Future<Output = ()> + Send + 'static) -> Hostile {
    Hostile {
        addr,
        task: tokio::spawn(fut),
    }
}

/// Accepts every connection and never sends a byte (nor closes).
pub async fn silent_tcp() -> Hostile {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    run(addr, async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = l.accept().await {
            held.push(s);
        }
    })
}

/// Reads the ClientHello, then answers with a plausible ServerHello record
/// one byte per `every` (a slowloris on the client's handshake).
pub async fn slowloris_tls(every: Duration) -> Hostile {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    run(addr, async move {
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                // Handshake record, TLS 1.2, 0x4000 bytes long: never complete.
                let mut bytes = vec![0x16, 0x03, 0x03, 0x40, 0x00, 0x02, 0x00, 0x3f, 0xfc];
                bytes.extend(std::iter::repeat_n(0x03, 1000));
                for b in bytes {
                    if s.write_all(&[b]).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(every).await;
                }
            });
        }
    })
}

/// What the HTTPS server answers after a good handshake.
#[derive(Debug, Clone, Copy)]
pub enum Web {
    /// A 400 OAuth-looking head, then a chunked body that never ends.
    EndlessBody,
    /// `302` to the very URL asked.
    RedirectLoop,
}

pub async fn serve_tls(leaf: Leaf, web: Web) -> Hostile {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(leaf.chain, leaf.key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    run(addr, async move {
        while let Ok((tcp, _)) = l.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Some((path, host)) = read_head(&mut tls).await else {
                    return;
                };
                match web {
                    Web::RedirectLoop => {
                        let resp = format!(
                            "HTTP/1.1 302 Found\r\nLocation: https://{host}{path}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        );
                        let _ = tls.write_all(resp.as_bytes()).await;
                        let _ = tls.shutdown().await;
                    }
                    Web::EndlessBody => {
                        let head = "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n";
                        if tls.write_all(head.as_bytes()).await.is_err() {
                            return;
                        }
                        loop {
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            if tls.write_all(b"1\r\n \r\n").await.is_err() {
                                return;
                            }
                            let _ = tls.flush().await;
                        }
                    }
                }
            });
        }
    })
}

/// Reads a request head; returns its path and `Host`.
async fn read_head<S: tokio::io::AsyncRead + Unpin>(s: &mut S) -> Option<(String, String)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > 65536 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let path = head.lines().next()?.split(' ').nth(1)?.to_owned();
    let host = head.lines().find_map(|l| {
        l.to_ascii_lowercase()
            .strip_prefix("host:")
            .map(|h| h.trim().to_owned())
    })?;
    Some((path, host))
}

/// How the DNS server spoils its answers.
#[derive(Debug, Clone, Copy)]
pub enum BadDns {
    /// A valid-looking answer cut off in the middle of its answer record.
    CutOff,
    /// The TC (truncated) flag with an empty answer, and no TCP server behind it.
    Truncated,
}

/// A UDP DNS server on 127.0.0.1 that answers every query badly.
pub async fn bad_dns(how: BadDns) -> Hostile {
    use hickory_resolver::proto::op::Message;
    use hickory_resolver::proto::rr::rdata::A;
    use hickory_resolver::proto::rr::{RData, Record};
    let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = sock.local_addr().unwrap();
    run(addr, async move {
        let mut buf = vec![0u8; 4096];
        loop {
            let Ok((n, peer)) = sock.recv_from(&mut buf).await else {
                return;
            };
            let Ok(req) = Message::from_vec(&buf[..n]) else {
                continue;
            };
            let Some(q) = req.queries.first().cloned() else {
                continue;
            };
            let mut resp = Message::response(req.metadata.id, req.metadata.op_code);
            resp.metadata.recursion_desired = req.metadata.recursion_desired;
            resp.metadata.recursion_available = true;
            resp.queries = req.queries.clone();
            let bytes = match how {
                BadDns::Truncated => {
                    resp.metadata.truncation = true;
                    resp.to_vec().unwrap()
                }
                BadDns::CutOff => {
                    resp.answers.push(Record::from_rdata(
                        q.name().clone(),
                        60,
                        RData::A(A("127.0.0.1".parse().unwrap())),
                    ));
                    let full = resp.to_vec().unwrap();
                    full[..full.len() - 3].to_vec()
                }
            };
            let _ = sock.send_to(&bytes, peer).await;
        }
    })
}
