//! The Platform API client: a client-credentials token, then bearer `GET`s
//! with bounded 429/5xx retries and listings merged over every page.
//!
//! Connections go through the probe layer's machinery ([`crate::probe`]):
//! the same trust store (system roots plus `--ca-file`), `--resolver`,
//! `--connect-to` pins (which take precedence over a proxy, as in the probes)
//! and proxy. Neither the secret nor the access token is ever put into an
//! error: both are held as [`SecretString`] and scrubbed from any server text
//! that is echoed.

use crate::probe::ProbeConfig;
use crate::probe::dns::Dns;
use crate::probe::http::error_chain;
use crate::probe::http::{ClientSpec, client as probe_client};
use crate::probe::proxy::printable;
use crate::probe::tls::TrustStore;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Largest response body read (a page of 100 roles with expanded policies is
/// well under 1 MiB; a block page is tiny).
const MAX_BODY: usize = 32 * 1024 * 1024;
/// Retries after 429 or a 502/503/504 for one request.
pub const MAX_RETRIES: u32 = 5;
/// Longest `Retry-After` honoured; a longer one is capped to this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// Pages followed for one listing before giving up (100 per page: 100,000 entities).
const MAX_PAGES: u32 = 1000;
/// Page size asked of listings (the API's maximum for these calls).
pub const PAGE_SIZE: u32 = 100;

/// HTTP clients for the hosts of one run, sharing one trust store and resolver.
pub struct Http {
    cfg: ProbeConfig,
    trust: Arc<TrustStore>,
    dns: Option<Arc<Dns>>,
    clients: std::sync::Mutex<HashMap<(String, u16), reqwest::Client>>,
}

impl Http {
    /// Loads the trust store and the resolver once (blocking: reads files).
    pub fn new(cfg: &ProbeConfig) -> Result<Http, String> {
        let trust = TrustStore::load(cfg)?;
        // Without a usable resolver, only pinned hosts (and a proxy) work;
        // the request then fails with a clear DNS error.
        let dns = Dns::new(cfg).ok().map(Arc::new);
        Ok(Http {
            cfg: cfg.clone(),
            trust: Arc::new(trust),
            dns,
            clients: std::sync::Mutex::new(HashMap::new()),
        })
    }

    /// The per-request budget (`--timeout`).
    #[must_use]
    pub fn timeout(&self) -> Duration {
        self.cfg.timeout
    }

    /// The client for `url`'s host: pinned by `--connect-to`, else through
    /// the proxy when it applies, else direct with the probe's resolver.
    pub fn client_for(&self, url: &url::Url) -> Result<reqwest::Client, String> {
        let host = url
            .host_str()
            .ok_or_else(|| format!("`{url}` has no host"))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let port = url.port_or_known_default().unwrap_or(443);
        let key = (host.clone(), port);
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(c) = clients.get(&key) {
            return Ok(c.clone());
        }
        let mut names: BTreeMap<String, Vec<SocketAddr>> = BTreeMap::new();
        let pin = self.cfg.pin_for(&host, port).map(|(_, t)| t);
        let proxy = match pin {
            Some(target) => {
                names.insert(host.clone(), vec![target]);
                None
            }
            None => self.cfg.proxy.as_ref().filter(|p| p.applies_to(&host)),
        };
        if let Some(p) = proxy
            && let Some((_, target)) = self.cfg.pin_for(&p.host, p.port)
        {
            names.insert(p.host.to_ascii_lowercase(), vec![target]);
        }
        let c = probe_client(ClientSpec {
            trust: &self.trust,
            proxy,
            names,
            fallback: self.dns.clone(),
            timeout: self.cfg.timeout,
        })?;
        clients.insert(key, c.clone());
        Ok(c)
    }
}

/// A response: status, `Retry-After`, body (JSON when it parses).
#[derive(Debug)]
struct Reply {
    status: u16,
    retry_after: Option<Duration>,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// Why a request got no usable answer, or which answer it got.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// No HTTP answer (connection, TLS, timeout, DNS).
    Transport { url: String, detail: String },
    /// The token endpoint refused the credentials.
    TokenRefused {
        status: u16,
        error: Option<String>,
        description: Option<String>,
    },
    /// The token endpoint answered 200 without an `access_token`, or not JSON.
    TokenMalformed { status: u16, detail: String },
    /// A non-success answer to a `GET`.
    Status {
        url: String,
        status: u16,
        code: Option<String>,
        message: Option<String>,
    },
    /// 429/5xx still after [`MAX_RETRIES`] retries.
    Throttled { url: String, status: u16 },
    /// A listing that does not page sensibly (loops, too many pages, foreign `nextUri`).
    Paging { url: String, detail: String },
    /// A 2xx answer that is not JSON.
    NotJson { url: String, detail: String },
}

impl ApiError {
    /// The OAuth error code of a refused token request (`invalid_client`).
    #[must_use]
    pub fn oauth_error(&self) -> Option<&str> {
        match self {
            ApiError::TokenRefused { error, .. } => error.as_deref(),
            _ => None,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Transport { url, detail } => write!(f, "{url}: no answer: {detail}"),
            ApiError::TokenRefused {
                status,
                error,
                description,
            } => write!(
                f,
                "the token endpoint refused the credentials (HTTP {status}, error `{}`{})",
                error.as_deref().unwrap_or("none"),
                description
                    .as_deref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            ),
            ApiError::TokenMalformed { status, detail } => write!(
                f,
                "the token endpoint answered HTTP {status} without a usable access token: {detail}"
            ),
            ApiError::Status {
                url,
                status,
                code,
                message,
            } => write!(
                f,
                "{url}: HTTP {status}{}{}",
                code.as_deref()
                    .map(|c| format!(" ({c})"))
                    .unwrap_or_default(),
                message
                    .as_deref()
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default()
            ),
            ApiError::Throttled { url, status } => write!(
                f,
                "{url}: still HTTP {status} after {MAX_RETRIES} retries (rate limited or unavailable); try again later"
            ),
            ApiError::Paging { url, detail } | ApiError::NotJson { url, detail } => {
                write!(f, "{url}: {detail}")
            }
        }
    }
}

impl std::error::Error for ApiError {}

/// Replaces every occurrence of the secrets in server-provided text and
/// keeps it printable and short.
fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut t = printable(text);
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        t = t.replace(s, "<redacted>");
    }
    if t.chars().count() > 300 {
        t = t.chars().take(300).collect::<String>() + "…";
    }
    t
}

/// `Retry-After` as seconds or an HTTP date, capped at [`MAX_RETRY_AFTER`].
fn retry_after(h: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = h.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    let d = if let Ok(secs) = v.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        let at = crate::probe::http::parse_http_date(v)?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        Duration::from_secs(u64::try_from(at - now).unwrap_or(0))
    };
    Some(d.min(MAX_RETRY_AFTER))
}

/// Sends one request within `timeout` and reads at most [`MAX_BODY`] bytes.
async fn send(
    req: reqwest::RequestBuilder,
    url: &str,
    timeout: Duration,
) -> Result<Reply, ApiError> {
    let transport = |detail: String| ApiError::Transport {
        url: url.to_owned(),
        detail,
    };
    let fut = async {
        let mut resp = req.send().await.map_err(|e| transport(error_chain(&e)))?;
        let status = resp.status().as_u16();
        let retry_after = retry_after(resp.headers());
        let mut body = Vec::new();
        while let Some(c) = resp.chunk().await.map_err(|e| transport(error_chain(&e)))? {
            if body.len() + c.len() > MAX_BODY {
                return Err(transport(format!("response larger than {MAX_BODY} bytes")));
            }
            body.extend_from_slice(&c);
        }
        Ok(Reply {
            status,
            retry_after,
            body,
        })
    };
    tokio::time::timeout(timeout, fut)
        .await
        .unwrap_or_else(|_| Err(transport(format!("no complete answer within {timeout:?}"))))
}

/// An issued access token (never printed).
pub struct Token {
    pub access_token: SecretString,
    pub token_type: Option<String>,
    pub expires_in: Option<u64>,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &"<redacted>")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// `POST token_url` with HTTP Basic `client_id:secret` and the form
/// `grant_type=client_credentials` (the OAuth 2 client-credentials grant, as
/// Genesys Cloud's login service expects it). 429/5xx are retried like `GET`s.
pub async fn request_token(
    http: &Http,
    token_url: &str,
    client_id: &str,
    secret: &SecretString,
) -> Result<Token, ApiError> {
    let url = url::Url::parse(token_url.trim()).map_err(|e| ApiError::Transport {
        url: token_url.to_owned(),
        detail: format!("not a URL: {e}"),
    })?;
    let client = http
        .client_for(&url)
        .map_err(|detail| ApiError::Transport {
            url: url.to_string(),
            detail,
        })?;
    let basic = zeroize::Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(
        zeroize::Zeroizing::new(format!("{client_id}:{}", secret.expose_secret())).as_bytes(),
    ));
    let auth = zeroize::Zeroizing::new(format!("Basic {}", basic.as_str()));
    let mut header =
        reqwest::header::HeaderValue::from_str(&auth).map_err(|_| ApiError::TokenMalformed {
            status: 0,
            detail: "the client id or secret contains characters HTTP cannot carry".into(),
        })?;
    header.set_sensitive(true);
    let secrets = [secret.expose_secret()];
    let reply = with_retries(url.as_str(), || {
        let req = client
            .post(url.clone())
            .header(reqwest::header::AUTHORIZATION, header.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .body("grant_type=client_credentials");
        send(req, url.as_str(), http.timeout())
    })
    .await?;
    let body = reply.json();
    let text = |k: &str| {
        body.as_ref()
            .and_then(|b| b.get(k))
            .and_then(Value::as_str)
            .map(|s| scrub(s, &secrets))
    };
    if reply.status == 200 {
        let Some(b) = &body else {
            return Err(ApiError::TokenMalformed {
                status: 200,
                detail: "the body is not JSON (a proxy's page?)".into(),
            });
        };
        return match b.get("access_token").and_then(Value::as_str) {
            Some(t) if !t.is_empty() => Ok(Token {
                access_token: SecretString::from(t.to_owned()),
                token_type: text("token_type"),
                expires_in: b.get("expires_in").and_then(Value::as_u64),
            }),
            _ => Err(ApiError::TokenMalformed {
                status: 200,
                detail: "no `access_token` in the answer".into(),
            }),
        };
    }
    if body.is_none() {
        return Err(ApiError::TokenMalformed {
            status: reply.status,
            detail: "the body is not JSON (a proxy's page?)".into(),
        });
    }
    Err(ApiError::TokenRefused {
        status: reply.status,
        error: text("error"),
        description: text("error_description").or_else(|| text("description")),
    })
}

/// Runs `attempt` until it is not 429/502/503/504, at most [`MAX_RETRIES`]
/// more times, waiting `Retry-After` (else 1 s, 2 s, 4 s …, capped).
async fn with_retries<F, Fut>(url: &str, mut attempt: F) -> Result<Reply, ApiError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Reply, ApiError>>,
{
    let mut backoff = Duration::from_secs(1);
    for n in 0..=MAX_RETRIES {
        let r = attempt().await?;
        if !matches!(r.status, 429 | 502 | 503 | 504) {
            return Ok(r);
        }
        if n == MAX_RETRIES {
            return Err(ApiError::Throttled {
                url: url.to_owned(),
                status: r.status,
            });
        }
        let wait = r.retry_after.unwrap_or(backoff).min(MAX_RETRY_AFTER);
        tokio::time::sleep(wait).await;
        backoff = (backoff * 2).min(MAX_RETRY_AFTER);
    }
    Err(ApiError::Throttled {
        url: url.to_owned(),
        status: 429,
    })
}

/// An authenticated session against one API base (`https://api.…/api/`).
pub struct Session<'a> {
    pub http: &'a Http,
    pub base: url::Url,
    pub token: &'a Token,
    client: reqwest::Client,
}

/// One `GET`'s outcome: the JSON body, or the API's error answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Got {
    Ok(Value),
    /// A 4xx/5xx with the body as sent (JSON error or `{}`).
    Status {
        status: u16,
        body: Value,
    },
}

impl<'a> Session<'a> {
    pub fn new(http: &'a Http, base: &str, token: &'a Token) -> Result<Session<'a>, String> {
        let mut base =
            url::Url::parse(base.trim()).map_err(|e| format!("`{base}` is not a URL: {e}"))?;
        if !matches!(base.scheme(), "https" | "http") {
            return Err(format!("`{base}` is not an http(s) URL"));
        }
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        let client = http.client_for(&base)?;
        Ok(Session {
            http,
            base,
            token,
            client,
        })
    }

    /// `base` + `v2/…` (`rel` is relative to the API base, e.g. `v2/oauth/clients`).
    pub fn url(&self, rel: &str) -> Result<url::Url, String> {
        self.base
            .join(rel)
            .map_err(|e| format!("bad path `{rel}`: {e}"))
    }

    /// `GET url` with the bearer token; 429/5xx retried.
    pub async fn get(&self, url: &url::Url) -> Result<Got, ApiError> {
        let mut bearer = reqwest::header::HeaderValue::from_str(&format!(
            "Bearer {}",
            self.token.access_token.expose_secret()
        ))
        .map_err(|_| ApiError::TokenMalformed {
            status: 200,
            detail: "the access token contains characters HTTP cannot carry".into(),
        })?;
        bearer.set_sensitive(true);
        let reply = with_retries(url.as_str(), || {
            let req = self
                .client
                .get(url.clone())
                .header(reqwest::header::AUTHORIZATION, bearer.clone())
                .header(reqwest::header::ACCEPT, "application/json");
            send(req, url.as_str(), self.http.timeout())
        })
        .await?;
        let body = reply.json();
        if (200..300).contains(&reply.status) {
            return body.map(Got::Ok).ok_or_else(|| ApiError::NotJson {
                url: url.to_string(),
                detail: format!("HTTP {} with a body that is not JSON", reply.status),
            });
        }
        let token = self.token.access_token.expose_secret();
        let body = body.map_or_else(|| json!({}), |b| scrub_value(b, &[token]));
        Ok(Got::Status {
            status: reply.status,
            body,
        })
    }

    /// Every page of a listing merged: `entities` of all pages, `total` the
    /// merged count (or the API's, when it says more exist), `pageCount` 1.
    /// Follows `nextUri` (same origin only: the token goes nowhere else),
    /// else `pageNumber` up to `pageCount`.
    pub async fn listing(&self, rel: &str) -> Result<Listing, ApiError> {
        let mut url = self
            .url(&format!("{rel}?pageSize={PAGE_SIZE}&pageNumber=1"))
            .map_err(|detail| ApiError::Paging {
                url: rel.to_owned(),
                detail,
            })?;
        let mut entities = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut pages = 0u32;
        let mut api_total = None;
        let started = Instant::now();
        loop {
            if !seen.insert(url.to_string()) {
                return Err(ApiError::Paging {
                    url: url.to_string(),
                    detail: "the listing pages in a loop (nextUri repeats a page)".into(),
                });
            }
            pages += 1;
            if pages > MAX_PAGES {
                return Err(ApiError::Paging {
                    url: url.to_string(),
                    detail: format!("more than {MAX_PAGES} pages"),
                });
            }
            let page = match self.get(&url).await? {
                Got::Ok(v) => v,
                Got::Status { status, body } => return Err(status_error(&url, status, &body)),
            };
            match page.get("entities") {
                Some(Value::Array(a)) => entities.extend(a.iter().cloned()),
                None | Some(Value::Null) => {}
                Some(_) => {
                    return Err(ApiError::Paging {
                        url: url.to_string(),
                        detail: "`entities` is not a list".into(),
                    });
                }
            }
            api_total = page.get("total").and_then(Value::as_u64).or(api_total);
            let next = match page.get("nextUri").and_then(Value::as_str) {
                Some(n) if !n.trim().is_empty() => Some(self.same_origin(&url, n)?),
                _ => {
                    let number = page.get("pageNumber").and_then(Value::as_u64);
                    let count = page.get("pageCount").and_then(Value::as_u64);
                    match (number, count) {
                        (Some(n), Some(c)) if n < c => {
                            let mut u = url.clone();
                            let pairs: Vec<(String, String)> = u
                                .query_pairs()
                                .filter(|(k, _)| k != "pageNumber")
                                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                                .collect();
                            u.query_pairs_mut()
                                .clear()
                                .extend_pairs(pairs)
                                .append_pair("pageNumber", &(n + 1).to_string());
                            Some(u)
                        }
                        _ => None,
                    }
                }
            };
            match next {
                Some(n) => url = n,
                None => break,
            }
        }
        let merged = entities.len() as u64;
        Ok(Listing {
            total: api_total.filter(|t| *t > merged).unwrap_or(merged),
            entities,
            pages,
            elapsed: started.elapsed(),
        })
    }

    /// Resolves a `nextUri` (usually `/api/v2/…?pageNumber=2`) against the
    /// page it came from; a different scheme, host or port is refused.
    fn same_origin(&self, from: &url::Url, next: &str) -> Result<url::Url, ApiError> {
        let u = from.join(next.trim()).map_err(|e| ApiError::Paging {
            url: from.to_string(),
            detail: format!("nextUri `{}` is not a URL: {e}", printable(next)),
        })?;
        if u.origin() != self.base.origin() {
            return Err(ApiError::Paging {
                url: from.to_string(),
                detail: format!(
                    "nextUri points to another server ({}); the token is only sent to {}",
                    u.origin().ascii_serialization(),
                    self.base.origin().ascii_serialization()
                ),
            });
        }
        Ok(u)
    }
}

/// A merged listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub entities: Vec<Value>,
    /// Entities the org has (the merged count unless the API said more).
    pub total: u64,
    pub pages: u32,
    pub elapsed: Duration,
}

impl Listing {
    /// The evidence-file form: one page holding everything.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "entities": self.entities,
            "pageSize": self.entities.len(),
            "pageNumber": 1,
            "total": self.total,
            "pageCount": 1,
        })
    }
}

/// A non-success answer as an error, with the API's `code` and `message`.
pub fn status_error(url: &url::Url, status: u16, body: &Value) -> ApiError {
    let field = |k: &str| body.get(k).and_then(Value::as_str).map(printable);
    ApiError::Status {
        url: url.to_string(),
        status,
        code: field("code"),
        message: field("message"),
    }
}

/// Scrubs secrets out of every string of a JSON value.
fn scrub_value(v: Value, secrets: &[&str]) -> Value {
    match v {
        Value::String(s) => Value::String(scrub(&s, secrets)),
        Value::Array(a) => Value::Array(a.into_iter().map(|x| scrub_value(x, secrets)).collect()),
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, x)| (k, scrub_value(x, secrets)))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_cap() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(reqwest::header::RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert(reqwest::header::RETRY_AFTER, "86400".parse().unwrap());
        assert_eq!(retry_after(&h), Some(MAX_RETRY_AFTER));
        h.insert(reqwest::header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn scrub_removes_secrets_and_bounds_length() {
        assert_eq!(
            scrub("bad secret s3cr3t-value here", &["s3cr3t-value"]),
            "bad secret <redacted> here"
        );
        assert!(scrub(&"x".repeat(1000), &[]).chars().count() <= 301);
        let v = scrub_value(json!({"a": ["tok-123456"]}), &["tok-123456"]);
        assert_eq!(v, json!({"a": ["<redacted>"]}));
    }

    #[test]
    fn listing_envelope_is_one_complete_page() {
        let l = Listing {
            entities: vec![json!({"id": "a"}), json!({"id": "b"})],
            total: 2,
            pages: 2,
            elapsed: Duration::ZERO,
        };
        let v = l.to_json();
        assert_eq!(v["total"], 2);
        assert_eq!(v["pageCount"], 1);
        assert_eq!(v["entities"].as_array().unwrap().len(), 2);
    }
}
