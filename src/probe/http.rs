//! HTTP with reqwest on the same addresses, trust store and proxy as the
//! earlier stages: a credential-less client-credentials POST to each token URL
//! (NET005), an unauthenticated `GET v2/organizations/me` on each API base
//! (NET006), and the `Date` header of genuine answers (NET007).
//!
//! Redirects are never followed: a redirect is itself the finding (a captive
//! portal), and so is a proxy's HTML block page.

use crate::probe::dns::{Dns, round_ms};
use crate::probe::proxy::{ProxySetting, printable};
use crate::probe::tls::TrustStore;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// Largest body read from an answer (enough for any error JSON or block page title).
const MAX_BODY: usize = 64 * 1024;

/// Which check a request serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `POST base_auth_url` with `grant_type=client_credentials`, no credentials.
    Token,
    /// `GET base_service_url + v2/organizations/me`, no token.
    OrgMe,
}

impl Call {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Call::Token => "token",
            Call::OrgMe => "organizations-me",
        }
    }
}

/// An HTTP answer, reduced to what the rules judge.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub date: Option<String>,
    pub server: Option<String>,
    /// Whether the body parsed as JSON.
    pub is_json: bool,
    /// The JSON body's `error` string (OAuth error code).
    pub oauth_error: Option<String>,
    /// `<title>` of an HTML body (what a block page calls itself).
    pub title: Option<String>,
    /// Local clock (Unix milliseconds) when the response head arrived.
    pub received_unix_ms: i64,
    /// Request start to response head.
    pub elapsed_ms: f64,
}

impl HttpResponse {
    #[must_use]
    pub fn is_html(&self) -> bool {
        self.content_type
            .as_deref()
            .is_some_and(|c| c.to_ascii_lowercase().contains("text/html"))
    }
}

/// One request and what came of it.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpExchange {
    pub call: Call,
    pub method: &'static str,
    pub url: String,
    pub result: Result<HttpResponse, HttpFailure>,
}

/// A request that got no HTTP answer.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpFailure {
    /// `http-timeout`, `http-error`, `http-body-timeout`, `http-body-error`,
    /// `run-deadline`, `invalid-url`.
    pub reason: &'static str,
    pub detail: String,
}

impl HttpExchange {
    #[must_use]
    pub fn to_json(&self) -> Value {
        let mut v = json!({"call": self.call.as_str(), "method": self.method, "url": self.url});
        match &self.result {
            Ok(r) => {
                v["status"] = json!(r.status);
                v["content_type"] = json!(r.content_type);
                v["date"] = json!(r.date);
                v["elapsed_ms"] = json!(round_ms(r.elapsed_ms));
                if let Some(l) = &r.location {
                    v["location"] = json!(l);
                }
                if let Some(s) = &r.server {
                    v["server"] = json!(s);
                }
                if let Some(e) = &r.oauth_error {
                    v["oauth_error"] = json!(e);
                }
                if let Some(t) = &r.title {
                    v["title"] = json!(t);
                }
            }
            Err(f) => {
                v["error"] = json!(f.reason);
                v["detail"] = json!(f.detail);
            }
        }
        v
    }
}

/// What the HTTP stage produced.
#[derive(Debug, Clone, PartialEq)]
pub enum HttpResult {
    NotRun {
        reason: &'static str,
        message: String,
    },
    Done(Vec<HttpExchange>),
}

/// Resolves the endpoint's (and proxy's) names to the addresses the earlier
/// stages used; anything else through the probe's resolver.
struct Pinned {
    names: BTreeMap<String, Vec<SocketAddr>>,
    fallback: Option<Arc<Dns>>,
}

impl reqwest::dns::Resolve for Pinned {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let key = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        let known = self.names.get(&key).cloned();
        let fallback = self.fallback.clone();
        Box::pin(async move {
            if let Some(a) = known {
                return Ok(Box::new(a.into_iter()) as reqwest::dns::Addrs);
            }
            let Some(dns) = fallback else {
                return Err(format!("{key} was not resolved by the probe").into());
            };
            let ips = dns
                .lookup_ip(&key)
                .await
                .map_err(Box::<dyn std::error::Error + Send + Sync>::from)?;
            Ok(Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0))) as reqwest::dns::Addrs)
        })
    }
}

/// Inputs for one endpoint's HTTP client.
pub(crate) struct ClientSpec<'a> {
    pub trust: &'a TrustStore,
    pub proxy: Option<&'a ProxySetting>,
    pub names: BTreeMap<String, Vec<SocketAddr>>,
    pub fallback: Option<Arc<Dns>>,
    pub timeout: Duration,
}

pub(crate) fn client(spec: ClientSpec<'_>) -> Result<reqwest::Client, String> {
    let tls = spec.trust.strict_config()?;
    let mut b = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .dns_resolver(Pinned {
            names: spec.names,
            fallback: spec.fallback,
        })
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(spec.timeout)
        .timeout(spec.timeout)
        .http1_only()
        .pool_max_idle_per_host(1)
        .user_agent(concat!("hybrid-preflight/", env!("CARGO_PKG_VERSION")));
    b = match spec.proxy {
        Some(p) => {
            let mut proxy = reqwest::Proxy::all(format!(
                "http://{}",
                crate::probe::proxy::host_port(&p.host, p.port)
            ))
            .map_err(|e| format!("proxy setting unusable: {e}"))?;
            if let Some(user) = &p.username {
                let pass = p
                    .password()
                    .map(|s| s.expose_secret().to_owned())
                    .unwrap_or_default();
                proxy = proxy.basic_auth(user, &zeroize::Zeroizing::new(pass));
            }
            b.proxy(proxy)
        }
        None => b.no_proxy(),
    };
    b.build()
        .map_err(|e| format!("HTTP client setup failed: {e}"))
}

/// `base_service_url` + `v2/organizations/me` (a missing trailing slash is
/// added so the path is the one agents' desktops use).
pub(crate) fn org_me_url(base: &str) -> Result<String, String> {
    let mut u = url::Url::parse(base.trim()).map_err(|e| format!("`{base}` is not a URL: {e}"))?;
    if !u.path().ends_with('/') {
        let p = format!("{}/", u.path());
        u.set_path(&p);
    }
    u.join("v2/organizations/me")
        .map(|u| u.to_string())
        .map_err(|e| e.to_string())
}

/// Sends one request within `until` (bounded by the run deadline) and reads
/// at most [`MAX_BODY`] bytes of the body, which must end by `until` too.
pub(crate) async fn exchange(
    client: &reqwest::Client,
    call: Call,
    url: &str,
    until: Instant,
    until_is_run_deadline: bool,
) -> HttpExchange {
    let (method, target) = match call {
        Call::Token => ("POST", Ok(url.trim().to_owned())),
        Call::OrgMe => ("GET", org_me_url(url)),
    };
    let url = match target {
        Ok(u) => u,
        Err(e) => {
            return HttpExchange {
                call,
                method,
                url: url.to_owned(),
                result: Err(HttpFailure {
                    reason: "invalid-url",
                    detail: e,
                }),
            };
        }
    };
    let req = match call {
        Call::Token => client
            .post(&url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .body("grant_type=client_credentials"),
        Call::OrgMe => client
            .get(&url)
            .header(reqwest::header::ACCEPT, "application/json"),
    };
    let started = Instant::now();
    let result = read(req, started, until, until_is_run_deadline).await;
    HttpExchange {
        call,
        method,
        url,
        result,
    }
}

/// Sends the request and reads the answer, both by `until`. A head that
/// arrives but a body that never ends (or breaks off) is its own failure,
/// never a half-read answer judged as if it were whole.
async fn read(
    req: reqwest::RequestBuilder,
    started: Instant,
    until: Instant,
    until_is_run_deadline: bool,
) -> Result<HttpResponse, HttpFailure> {
    let deadline_passed = || HttpFailure {
        reason: "run-deadline",
        detail: "the run deadline passed during the request".into(),
    };
    let mut resp = match tokio::time::timeout_at(until.into(), req.send()).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            return Err(HttpFailure {
                reason: if e.is_timeout() {
                    "http-timeout"
                } else {
                    "http-error"
                },
                detail: error_chain(&e),
            });
        }
        Err(_) if until_is_run_deadline => return Err(deadline_passed()),
        Err(_) => {
            return Err(HttpFailure {
                reason: "http-timeout",
                detail: "no answer within the timeout".into(),
            });
        }
    };
    let received_unix_ms = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
    let header = |name: reqwest::header::HeaderName| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(printable)
    };
    let status = resp.status().as_u16();
    let content_type = header(reqwest::header::CONTENT_TYPE);
    let location = header(reqwest::header::LOCATION);
    let date = header(reqwest::header::DATE);
    let server = header(reqwest::header::SERVER);
    let mut body = Vec::new();
    let status_line = format!("the {status} answer's body");
    let body_read = tokio::time::timeout_at(until.into(), async {
        while body.len() < MAX_BODY {
            match resp.chunk().await {
                Ok(Some(c)) => body.extend_from_slice(&c[..c.len().min(MAX_BODY - body.len())]),
                Ok(None) => break,
                Err(e) if e.is_timeout() => return Err(None),
                Err(e) => return Err(Some(error_chain(&e))),
            }
        }
        Ok(())
    })
    .await;
    match body_read {
        Ok(Ok(())) => {}
        Err(_) if until_is_run_deadline => return Err(deadline_passed()),
        Err(_) | Ok(Err(None)) => {
            return Err(HttpFailure {
                reason: "http-body-timeout",
                detail: format!(
                    "{status_line} did not end within the timeout ({} bytes received)",
                    body.len()
                ),
            });
        }
        Ok(Err(Some(e))) => {
            return Err(HttpFailure {
                reason: "http-body-error",
                detail: format!("{status_line} broke off after {} bytes: {e}", body.len()),
            });
        }
    }
    let json: Option<Value> = serde_json::from_slice(&body).ok();
    let oauth_error = json
        .as_ref()
        .and_then(|j| j.get("error"))
        .and_then(Value::as_str)
        .map(printable);
    Ok(HttpResponse {
        status,
        content_type,
        location,
        date,
        server,
        is_json: json.is_some(),
        oauth_error,
        title: html_title(&body),
        received_unix_ms,
        elapsed_ms,
    })
}

/// The error and its sources, `: `-joined (reqwest's top line alone says little).
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut src = e.source();
    let mut n = 0;
    while let Some(s) = src {
        out.push_str(": ");
        out.push_str(&s.to_string());
        src = s.source();
        n += 1;
        if n > 6 {
            break;
        }
    }
    out
}

fn html_title(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open_end = start + lower[start..].find('>')? + 1;
    let close = open_end + lower[open_end..].find("</title")?;
    let t = printable(text[open_end..close].trim());
    (!t.is_empty()).then_some(t)
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) to Unix seconds.
#[must_use]
pub fn parse_http_date(s: &str) -> Option<i64> {
    let fmt = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(s.trim(), &fmt)
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_date_and_org_me_url() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(parse_http_date("yesterday"), None);
        assert_eq!(
            org_me_url("https://api.mypurecloud.ie/api/").unwrap(),
            "https://api.mypurecloud.ie/api/v2/organizations/me"
        );
        assert_eq!(
            org_me_url("https://api.mypurecloud.ie/api").unwrap(),
            "https://api.mypurecloud.ie/api/v2/organizations/me"
        );
    }

    #[test]
    fn title_of_block_page() {
        assert_eq!(
            html_title(b"<html><head><TITLE> Access Denied </TITLE></head>").as_deref(),
            Some("Access Denied")
        );
        assert_eq!(html_title(b"{\"error\":\"x\"}"), None);
    }
}
