//! An in-process HTTPS server on loopback that speaks like Genesys Cloud's
//! login service and Platform API: the client-credentials grant with HTTP
//! Basic auth (`invalid_client` for wrong credentials), bearer-checked `GET`s
//! answering with the API's JSON shapes, listings paged with `nextUri` (OAuth
//! clients, identity providers) or only `pageNumber`/`pageCount` (roles), a
//! 429 with `Retry-After`, a 403 `missing.permissions` and a 404 `not.found`.
#![allow(dead_code)]

use base64::Engine;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What the org holds and how the server behaves.
#[derive(Clone)]
pub struct Org {
    pub client_id: String,
    pub secret: String,
    /// The access token issued (tests grep outputs for it).
    pub token: String,
    /// Evidence file name → the JSON the API returns (listings: their entities).
    pub files: BTreeMap<String, Value>,
    /// Page size of `GET /api/v2/oauth/clients` and `/identityproviders` (with `nextUri`).
    pub next_uri_page_size: usize,
    /// Page size of `GET /api/v2/authorization/roles` (`pageNumber`/`pageCount` only).
    pub roles_page_size: usize,
    /// The first request whose path and query contain this gets 429, `Retry-After: 1`.
    pub throttle_once: Option<String>,
    /// Requests whose path starts with this get 403 `missing.permissions`.
    pub forbid: Option<(String, String)>,
    /// `GET /api/v2/identityproviders/pureengage` answers 404.
    pub missing_provider: bool,
}

impl Org {
    /// An org serving the evidence folder `dir` (e.g. the sample's tenant-a).
    pub fn from_folder(dir: &Path, client_id: &str, secret: &str) -> Org {
        let mut files = BTreeMap::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            files.insert(p.file_name().unwrap().to_string_lossy().into_owned(), v);
        }
        Org {
            client_id: client_id.to_owned(),
            secret: secret.to_owned(),
            token: "tok-7c1e0b9a4f2d4e6c8a5b3d1f0e9c7a6b".to_owned(),
            files,
            next_uri_page_size: 100,
            roles_page_size: 100,
            throttle_once: None,
            forbid: None,
            missing_provider: false,
        }
    }

    /// A token server only (OAU006): accepts these credentials.
    pub fn token_only(client_id: &str, secret: &str) -> Org {
        Org {
            client_id: client_id.to_owned(),
            secret: secret.to_owned(),
            token: "tok-live-3f1a9c7e5d2b4a6c8e0f1a3b5c7d9e1f".to_owned(),
            files: BTreeMap::new(),
            next_uri_page_size: 100,
            roles_page_size: 100,
            throttle_once: None,
            forbid: None,
            missing_provider: false,
        }
    }
}

pub struct ApiServer {
    pub addr: SocketAddr,
    /// `METHOD /path?query STATUS` of every request, in order.
    pub log: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ApiServer {
    pub fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

pub async fn serve(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    org: Org,
) -> ApiServer {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let state = Arc::new(State {
        org,
        throttled: Mutex::new(false),
    });
    let l = log.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let (acceptor, l, state) = (acceptor.clone(), l.clone(), state.clone());
            tokio::spawn(async move {
                let Ok(Ok(mut tls)) =
                    tokio::time::timeout(std::time::Duration::from_secs(5), acceptor.accept(tcp))
                        .await
                else {
                    return;
                };
                let Some(req) = read_request(&mut tls).await else {
                    return;
                };
                let (status, headers, body) = state.answer(&req);
                l.lock()
                    .unwrap()
                    .push(format!("{} {} {}", req.method, req.target, status));
                let resp = format!(
                    "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{headers}Connection: close\r\n\r\n{body}",
                    reason(status),
                    body.len()
                );
                let _ = tls.write_all(resp.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    ApiServer { addr, log, task }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        _ => "Status",
    }
}

struct Request {
    method: String,
    target: String,
    authorization: Option<String>,
    body: String,
}

struct State {
    org: Org,
    throttled: Mutex<bool>,
}

impl State {
    fn answer(&self, req: &Request) -> (u16, String, String) {
        let org = &self.org;
        let (path, query) = req.target.split_once('?').unwrap_or((&req.target, ""));
        if req.method == "POST" && path == "/oauth/token" {
            let expected = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{}", org.client_id, org.secret))
            );
            if req.authorization.as_deref() == Some(expected.as_str())
                && req.body.trim() == "grant_type=client_credentials"
            {
                return ok(
                    json!({"access_token": org.token, "token_type": "bearer", "expires_in": 86399}),
                );
            }
            return (
                400,
                String::new(),
                json!({"error": "invalid_client", "description": "authentication failed", "error_description": "authentication failed"}).to_string(),
            );
        }
        if req.authorization.as_deref() != Some(format!("Bearer {}", org.token).as_str()) {
            return (
                401,
                String::new(),
                json!({"message": "Invalid login credentials.", "code": "bad.credentials", "status": 401}).to_string(),
            );
        }
        if let Some(t) = &org.throttle_once {
            let mut done = self.throttled.lock().unwrap();
            if !*done && req.target.contains(t.as_str()) {
                *done = true;
                return (
                    429,
                    "Retry-After: 1\r\n".to_owned(),
                    json!({"message": "Rate limit exceeded the maximum. Retry the request in [1] seconds", "code": "too.many.requests", "status": 429}).to_string(),
                );
            }
        }
        if let Some((prefix, perm)) = &org.forbid
            && path.starts_with(prefix.as_str())
        {
            return (
                403,
                String::new(),
                json!({"message": format!("You are missing the following permission(s): [{perm}]"), "code": "missing.permissions", "status": 403, "messageParams": {"permissions": perm}}).to_string(),
            );
        }
        let page_number = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("pageNumber="))
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(1);
        match path {
            "/api/v2/organizations/me" => self.file("organizations-me.json"),
            "/api/v2/identityproviders/pureengage" if org.missing_provider => not_found(),
            "/api/v2/identityproviders/pureengage" => {
                self.file("identityproviders-pureengage.json")
            }
            "/api/v2/authorization/divisions/home" => self.file("divisions-home.json"),
            "/api/v2/identityproviders" => self.page(
                "identityproviders.json",
                path,
                page_number,
                org.next_uri_page_size,
                true,
            ),
            "/api/v2/oauth/clients" => self.page(
                "oauth-clients.json",
                path,
                page_number,
                org.next_uri_page_size,
                true,
            ),
            "/api/v2/authorization/roles" => self.page(
                "authorization-roles.json",
                path,
                page_number,
                org.roles_page_size,
                false,
            ),
            _ => not_found(),
        }
    }

    fn file(&self, name: &str) -> (u16, String, String) {
        match self.org.files.get(name) {
            Some(v) => ok(v.clone()),
            None => not_found(),
        }
    }

    /// One page of a listing, in the API's envelope.
    fn page(
        &self,
        name: &str,
        path: &str,
        n: usize,
        size: usize,
        next_uri: bool,
    ) -> (u16, String, String) {
        let Some(v) = self.org.files.get(name) else {
            return not_found();
        };
        let all = v["entities"].as_array().cloned().unwrap_or_default();
        let count = all.len().div_ceil(size).max(1);
        let n = n.max(1);
        let slice: Vec<Value> = all
            .iter()
            .skip((n - 1) * size)
            .take(size)
            .cloned()
            .collect();
        let uri = |p: usize| format!("{path}?pageSize={size}&pageNumber={p}");
        let mut page = json!({
            "entities": slice,
            "pageSize": size,
            "pageNumber": n,
            "total": all.len(),
            "pageCount": count,
        });
        if next_uri {
            page["firstUri"] = json!(uri(1));
            page["selfUri"] = json!(uri(n));
            page["lastUri"] = json!(uri(count));
            if n < count {
                page["nextUri"] = json!(uri(n + 1));
            }
            if n > 1 {
                page["previousUri"] = json!(uri(n - 1));
            }
        }
        ok(page)
    }
}

fn ok(v: Value) -> (u16, String, String) {
    (200, String::new(), v.to_string())
}

fn not_found() -> (u16, String, String) {
    (
        404,
        String::new(),
        json!({"message": "The requested resource was not found.", "code": "not.found", "status": 404}).to_string(),
    )
}

/// Reads the request head and a Content-Length body.
async fn read_request<S: tokio::io::AsyncRead + Unpin>(s: &mut S) -> Option<Request> {
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
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    };
    let len = header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
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
    Some(Request {
        method: parts.next()?.to_owned(),
        target: parts.next()?.to_owned(),
        authorization: header("authorization"),
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}
