//! A TLS server that speaks like Genesys Cloud's login and API hosts (OAuth
//! error JSON on the token endpoint, 401 on `v2/organizations/me`), or like
//! what sits in the way: a proxy block page, a captive-portal redirect.

use super::pki::Leaf;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Debug, Clone, Copy)]
pub enum Mode {
    /// Genesys-like answers with a `Date` this many seconds off the real clock.
    Genesys { date_offset_secs: i64 },
    /// 403 text/html "Access Denied" for everything.
    BlockPage,
    /// 302 to a captive portal for everything.
    Redirect,
}

pub struct WebServer {
    pub addr: SocketAddr,
    /// TLS connections accepted (handshakes started).
    pub connections: Arc<AtomicUsize>,
    /// `METHOD /path` of every HTTP request.
    pub requests: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for WebServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn http_date(offset_secs: i64) -> String {
    let t = time::OffsetDateTime::now_utc() + time::Duration::seconds(offset_secs);
    let f = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.format(&f).unwrap()
}

pub async fn serve_tls(leaf: Leaf, mode: Mode) -> WebServer {
    serve_tls_on("127.0.0.1:0", leaf, mode).await
}

pub async fn serve_tls_on(bind: &str, leaf: Leaf, mode: Mode) -> WebServer {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(leaf.chain, leaf.key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let listener = tokio::net::TcpListener::bind(bind).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let (c, r) = (connections.clone(), requests.clone());
    let task = tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            c.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            let r = r.clone();
            tokio::spawn(async move {
                let Ok(Ok(mut tls)) =
                    tokio::time::timeout(std::time::Duration::from_secs(5), acceptor.accept(tcp))
                        .await
                else {
                    return;
                };
                let Some((line, _body)) = read_request(&mut tls).await else {
                    return;
                };
                r.lock().unwrap().push(line.clone());
                let resp = respond(&line, mode);
                let _ = tls.write_all(resp.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    WebServer {
        addr,
        connections,
        requests,
        task,
    }
}

/// Reads the request head and a Content-Length body; returns `METHOD /path`.
async fn read_request<S: tokio::io::AsyncRead + Unpin>(s: &mut S) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        if buf.len() > 65536 {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let len = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
        })
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let mut parts = head.lines().next()?.split(' ');
    Some((format!("{} {}", parts.next()?, parts.next()?), body))
}

fn respond(line: &str, mode: Mode) -> String {
    let (status, ctype, body, extra) = match mode {
        Mode::BlockPage => (
            "403 Forbidden",
            "text/html",
            "<html><head><title>Access Denied - Corporate Web Filter</title></head><body>Blocked</body></html>".to_owned(),
            String::new(),
        ),
        Mode::Redirect => ("302 Found", "text/html", String::new(), "Location: http://portal.corp.test/login\r\n".to_owned()),
        Mode::Genesys { .. } => match line {
            l if l.starts_with("POST ") && l.ends_with("/oauth/token") => (
                "400 Bad Request",
                "application/json",
                r#"{"error":"invalid_client","description":"client id was not provided"}"#.to_owned(),
                String::new(),
            ),
            l if l.starts_with("GET ") && l.ends_with("/api/v2/organizations/me") => (
                "401 Unauthorized",
                "application/json",
                r#"{"message":"No authentication bearer token specified in authorization header.","code":"authentication.required","status":401}"#.to_owned(),
                String::new(),
            ),
            _ => ("404 Not Found", "application/json", r#"{"status":404,"code":"not.found"}"#.to_owned(), String::new()),
        },
    };
    let offset = match mode {
        Mode::Genesys { date_offset_secs } => date_offset_secs,
        _ => 0,
    };
    format!(
        "HTTP/1.1 {status}\r\nDate: {}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{body}",
        http_date(offset),
        body.len()
    )
}
