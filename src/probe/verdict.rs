//! NET001–NET007: one [`Outcome`] per rule from an [`EndpointReport`].
//!
//! A rule whose stage did not run skips with the earlier failure as reason
//! (`dns-failed`, `tcp-failed`, `tls-failed`); a stage cut short by the run
//! deadline is an `error`. Nothing here passes on missing data.

use crate::probe::dns::Lookup;
use crate::probe::http::{Call, HttpExchange, HttpResponse, HttpResult, parse_http_date};
use crate::probe::proxy::Tunnel;
use crate::probe::tcp::{PortState, TcpAttempt};
use crate::probe::tls::{ChainVerdict, TlsResult, TlsSession, version_at_least_1_2};
use crate::probe::{DnsResult, EndpointReport, ProxyLeg, TcpResult};
use crate::result::{Outcome, Status};
use serde_json::{Value, json};

/// Adds the provenance every network outcome carries.
fn finish(o: Outcome, r: &EndpointReport) -> Outcome {
    let mut o = o;
    for (k, v) in r.provenance() {
        o.evidence.entry(k.to_owned()).or_insert(v);
    }
    o
}

/// A stage that did not run: `skip` with its reason, or `error` for the run deadline.
fn not_run(reason: &str, message: &str) -> Outcome {
    let msg = if message.is_empty() {
        "the stage this rule needs did not run".to_owned()
    } else {
        message.to_owned()
    };
    if reason == "run-deadline" {
        Outcome::error(reason, msg)
    } else {
        Outcome::skip(reason, msg)
    }
}

fn host(r: &EndpointReport) -> String {
    r.endpoint.authority()
}

fn lookup_evidence(l: &Lookup) -> Value {
    l.to_json()
}

/// NET001: the name resolves (A/AAAA).
pub fn net001(r: &EndpointReport) -> Outcome {
    let name = &r.endpoint.host;
    let o = match &r.dns {
        DnsResult::Literal(ip) => Outcome::pass(format!("{name} is an IP address ({ip}); no DNS lookup is needed")),
        DnsResult::Pinned(t) => Outcome::skip(
            "connect-to",
            format!("{} is pinned to {t} by --connect-to, so DNS was not consulted; run without the pin to check resolution", host(r)),
        )
        .with("pinned_to", t.to_string()),
        DnsResult::ByProxy => Outcome::skip(
            "resolved-by-proxy",
            format!("{name} is resolved by the proxy in the path, not by this host; NET002 reports whether the proxy reaches it"),
        ),
        DnsResult::ResolverError(e) => Outcome::error("resolver-error", format!("the DNS resolver could not be set up: {e}")),
        DnsResult::NotRun { reason, message } => not_run(reason, message),
        DnsResult::Answered(l) => {
            let o = match l.failure() {
                None => {
                    let addrs: Vec<String> = l.addresses().iter().map(ToString::to_string).collect();
                    Outcome::pass(format!("{name} resolves to {} via {}", addrs.join(", "), r.resolver)).with("addresses", addrs)
                }
                Some((reason, phrase)) => {
                    let msg = format!("{name} does not resolve via {}: {phrase}", r.resolver);
                    match reason {
                        "dns-error" | "run-deadline" => Outcome::error(reason, msg),
                        _ => Outcome::fail(reason, msg),
                    }
                }
            };
            o.with("dns", lookup_evidence(l))
        }
    };
    finish(o, r)
}

fn attempts_json(a: &[TcpAttempt]) -> Value {
    json!(a.iter().map(TcpAttempt::to_json).collect::<Vec<_>>())
}

fn summary(a: &[TcpAttempt]) -> String {
    a.iter()
        .map(|x| format!("{} {}", x.address, x.label()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// NET002: TCP reachable (or, through a proxy, the proxy reachable and CONNECT allowed).
pub fn net002(r: &EndpointReport) -> Outcome {
    let o = match &r.tcp {
        TcpResult::NotRun { reason, message } => not_run(reason, message),
        TcpResult::Direct(attempts) => direct(r, attempts),
        TcpResult::Proxy(leg) => via_proxy(r, leg),
    };
    finish(o, r)
}

fn direct(r: &EndpointReport, attempts: &[TcpAttempt]) -> Outcome {
    let open = attempts
        .iter()
        .filter(|a| a.state == PortState::Open)
        .count();
    let ev = attempts_json(attempts);
    let h = host(r);
    if attempts.is_empty() {
        return Outcome::error(
            "no-addresses",
            format!("no address was available to connect to {h}"),
        );
    }
    if open == attempts.len() {
        let addrs: Vec<String> = attempts.iter().map(|a| a.address.to_string()).collect();
        return Outcome::pass(format!("{h} is open on {}", addrs.join(", "))).with("tcp", ev);
    }
    if open > 0 {
        return Outcome::warn(
            "partially-reachable",
            format!("{h} is reachable on some addresses only: {}; clients that pick another address will fail", summary(attempts)),
        )
        .with("tcp", ev);
    }
    // Nothing open: the first address's reason names the finding; all are in the evidence.
    let first = &attempts[0];
    let msg = format!("{h} is not reachable: {}", summary(attempts));
    let o = if attempts.iter().all(|a| a.state == PortState::Error) {
        Outcome::error(first.reason, msg)
    } else {
        let decisive = attempts
            .iter()
            .find(|a| a.state != PortState::Error)
            .unwrap_or(first);
        let hint = match decisive.reason {
            "conn-refused" => " (nothing listens there, or a firewall answers with RST)",
            "no-response" => " (a firewall drops the SYN silently)",
            "admin-prohibited" => " (a firewall rejects it with ICMP administratively prohibited)",
            "local-firewall" => " (this host's own firewall blocks it)",
            _ => "",
        };
        Outcome::fail(decisive.reason, format!("{msg}{hint}"))
    };
    o.with("state", first.state.as_str()).with("tcp", ev)
}

fn via_proxy(r: &EndpointReport, leg: &ProxyLeg) -> Outcome {
    let h = host(r);
    let p = &leg.proxy;
    let mut ev =
        json!({"proxy": p, "connect": leg.authority, "proxy_tcp": attempts_json(&leg.attempts)});
    if let Some(l) = &leg.dns {
        ev["proxy_dns"] = l.to_json();
    }
    let o = match &leg.tunnel {
        None if leg.attempts.is_empty() => {
            let why = leg
                .dns
                .as_ref()
                .and_then(Lookup::failure)
                .map(|(_, m)| m)
                .unwrap_or_else(|| "no address".into());
            Outcome::fail(
                "proxy-unresolved",
                format!("the proxy {p} does not resolve: {why}"),
            )
        }
        None => Outcome::fail(
            "proxy-unreachable",
            format!("the proxy {p} is not reachable: {}", summary(&leg.attempts)),
        ),
        Some(Tunnel::Established { status }) => Outcome::pass(format!(
            "the proxy {p} accepted CONNECT {} ({status})",
            leg.authority
        )),
        // 407 is the standard answer; some proxies (tinyproxy) send 401 for
        // wrong credentials.
        Some(Tunnel::Refused {
            status: status @ (401 | 407),
            ..
        }) => {
            let what = if leg.has_credentials {
                "rejected the credentials in the proxy URL"
            } else {
                "requires credentials; put them in the proxy URL (http://user:password@host:port)"
            };
            Outcome::fail(
                "proxy-auth-required",
                format!("the proxy {p} answered CONNECT {h} with {status}: it {what}"),
            )
        }
        Some(Tunnel::Refused {
            status: 403,
            phrase,
            ..
        }) => Outcome::fail(
            "proxy-denied",
            format!(
                "the proxy {p} denies CONNECT {h} (403 {phrase}): its policy must allow this host and port"
            ),
        ),
        Some(Tunnel::Refused { status, phrase, .. }) if *status >= 500 => Outcome::fail(
            "proxy-upstream-failed",
            format!("the proxy {p} could not reach {h} ({status} {phrase})"),
        ),
        Some(Tunnel::Refused { status, phrase, .. }) => Outcome::fail(
            "proxy-error",
            format!("the proxy {p} refused CONNECT {h} ({status} {phrase})"),
        ),
        Some(Tunnel::Timeout) => Outcome::fail(
            "proxy-timeout",
            format!("the proxy {p} did not answer CONNECT {h} in time"),
        ),
        Some(Tunnel::BadResponse(m)) => Outcome::fail(
            "proxy-protocol-error",
            format!("the proxy {p} did not answer CONNECT like an HTTP proxy: {m}"),
        ),
        Some(Tunnel::Io(m)) => Outcome::fail(
            "proxy-error",
            format!("talking to the proxy {p} failed: {m}"),
        ),
    };
    if let Some(Tunnel::Refused { status, agent, .. }) = &leg.tunnel {
        ev["status"] = json!(status);
        if let Some(a) = agent {
            ev["proxy_agent"] = json!(a);
        }
    }
    o.with("proxy", ev)
}

fn tls_evidence(t: &TlsResult) -> Value {
    t.to_json()
}

/// NET003: handshake succeeds and the chain verifies for the host against the
/// store in use; a chain outside the public CA set is interception.
pub fn net003(r: &EndpointReport) -> Outcome {
    let h = host(r);
    let o = match &r.tls {
        TlsResult::NotRun { reason, message } => not_run(reason, message),
        TlsResult::Failed { reason, detail, .. } => {
            let msg = format!("the TLS handshake with {h} failed: {detail}");
            match *reason {
                "trust-store-error" | "run-deadline" => Outcome::error(reason, msg),
                "tls-timeout" | "tls-stalled" => Outcome::fail(
                    reason,
                    format!("{h} accepted TCP but completed no TLS handshake in time: {detail}"),
                ),
                _ => Outcome::fail("handshake-failed", msg),
            }
        }
        TlsResult::Done(s) => chain(r, s),
    };
    finish(o.with("tls", tls_evidence(&r.tls)), r)
}

fn chain(r: &EndpointReport, s: &TlsSession) -> Outcome {
    let h = host(r);
    let leaf = s.chain.first();
    let issuer = leaf.map(|c| c.issuer.as_str()).unwrap_or("?");
    match &s.verdict {
        ChainVerdict::Trusted => Outcome::pass(format!(
            "{h} presents a certificate issued by `{issuer}` that verifies for {} against the {}",
            r.endpoint.host, r.trust_store
        )),
        ChainVerdict::Interception {
            issuer,
            trusted_by_store,
        } => {
            let trust = if *trusted_by_store {
                "the trust store in use accepts it, but agent desktops and services that do not carry this CA will fail"
            } else {
                "nothing in the trust store in use accepts it"
            };
            Outcome::fail(
                "tls-interception",
                format!(
                    "TLS to {h} is intercepted: the chain is issued by `{issuer}`, which is not a public CA ({trust}); exempt this host from TLS inspection"
                ),
            )
            .with("interception_issuer", issuer.as_str())
            .with("trusted_by_store", *trusted_by_store)
        }
        ChainVerdict::Expired => Outcome::fail(
            "expired",
            format!(
                "the certificate {h} presents expired on {}",
                leaf.map(|c| c.not_after.as_str()).unwrap_or("?")
            ),
        ),
        ChainVerdict::NotYetValid => Outcome::fail(
            "not-yet-valid",
            format!(
                "the certificate {h} presents is not valid before {} (or this host's clock is wrong)",
                leaf.map(|c| c.not_before.as_str()).unwrap_or("?")
            ),
        ),
        ChainVerdict::WrongName => {
            let names = leaf.map(|c| c.dns_names.join(", ")).unwrap_or_default();
            Outcome::fail(
                "wrong-name",
                format!(
                    "the certificate {h} presents is for [{names}], not {}",
                    r.endpoint.host
                ),
            )
        }
        ChainVerdict::Untrusted(d) => Outcome::fail(
            "untrusted",
            format!(
                "the chain {h} presents (issued by `{issuer}`) does not verify against the {}: {d}",
                r.trust_store
            ),
        ),
    }
}

/// NET004: the certificates are not expiring within `min_days`; TLS ≥ 1.2.
pub fn net004(r: &EndpointReport, min_days: i64) -> Outcome {
    let h = host(r);
    let o = match &r.tls {
        TlsResult::NotRun { reason, message } => not_run(reason, message),
        TlsResult::Failed {
            reason: "tls-version-too-old",
            detail,
            ..
        } => Outcome::fail(
            "tls-version-too-old",
            format!("{h} refused TLS 1.2 and 1.3 ({detail})"),
        ),
        TlsResult::Failed {
            reason: "run-deadline",
            ..
        } => Outcome::error(
            "run-deadline",
            "the run deadline passed during the TLS handshake",
        ),
        TlsResult::Failed { .. } => Outcome::skip(
            "tls-failed",
            format!("no TLS session with {h} (see NET003)"),
        ),
        TlsResult::Done(s) if s.verdict != ChainVerdict::Trusted => Outcome::skip(
            "tls-untrusted",
            format!(
                "the chain {h} presents is not the endpoint's trusted chain (NET003: {}), so its dates are not judged",
                s.verdict.as_str()
            ),
        ),
        TlsResult::Done(s) => expiry(r, s, min_days),
    };
    finish(o.with("tls", tls_evidence(&r.tls)), r)
}

fn expiry(r: &EndpointReport, s: &TlsSession, min_days: i64) -> Outcome {
    let h = host(r);
    if !version_at_least_1_2(&s.version) {
        return Outcome::fail(
            "tls-version-too-old",
            format!("{h} negotiated {}, older than TLS 1.2", s.version),
        );
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    // The presented certificate that expires first decides (an expiring
    // intermediate breaks the chain as surely as the leaf).
    let Some(first) = s.chain.iter().min_by_key(|c| c.not_after_unix) else {
        return Outcome::error("no-certificate", format!("{h} presented no certificate"));
    };
    let days = first.days_left(now);
    let which = if std::ptr::eq(first, &s.chain[0]) {
        "certificate"
    } else {
        "intermediate certificate"
    };
    let o = if days < 0 {
        Outcome::fail(
            "expired",
            format!(
                "the {which} `{}` of {h} expired on {}",
                first.subject, first.not_after
            ),
        )
    } else if days < min_days {
        Outcome::fail(
            "expiring-soon",
            format!(
                "the {which} `{}` of {h} expires in {days} days ({}), within the {min_days}-day threshold",
                first.subject, first.not_after
            ),
        )
    } else {
        Outcome::pass(format!(
            "{h}: {} with {}; the certificates are valid for {days} more days (until {})",
            s.version, s.cipher, first.not_after
        ))
    };
    o.with("days_left", days)
        .with("tls_version", s.version.as_str())
        .with("cipher", s.cipher.as_str())
}

/// How one answer judges for its call: `Ok(message)` genuine, `Err(outcome)` a finding.
// Both arms are values to report, never propagated with `?`.
#[allow(clippy::result_large_err)]
fn judge(x: &HttpExchange) -> Result<String, Outcome> {
    let what = match x.call {
        Call::Token => "the OAuth token endpoint",
        Call::OrgMe => "the Platform API",
    };
    let url = &x.url;
    let resp: &HttpResponse = match &x.result {
        Ok(r) => r,
        Err(f) => {
            let msg = format!("{} {url} got no answer: {}", x.method, f.detail);
            return Err(match f.reason {
                "run-deadline" | "invalid-url" => Outcome::error(f.reason, msg),
                reason => Outcome::fail(reason, msg),
            });
        }
    };
    let st = resp.status;
    let title = resp
        .title
        .as_deref()
        .map(|t| format!(" titled `{t}`"))
        .unwrap_or_default();
    if st == 407 {
        return Err(Outcome::fail(
            "proxy-auth-required",
            format!(
                "{} {url} was answered 407 by a proxy demanding credentials, not by {what}",
                x.method
            ),
        ));
    }
    if (300..400).contains(&st) {
        let to = resp.location.as_deref().unwrap_or("(no Location)");
        if redirects_to_itself(url, to) {
            return Err(Outcome::fail(
                "redirect-loop",
                format!(
                    "{} {url} was redirected ({st}) to itself: following it would loop forever; a misconfigured proxy or load balancer is in the path, not {what}",
                    x.method
                ),
            ));
        }
        return Err(Outcome::fail(
            "redirected",
            format!(
                "{} {url} was redirected ({st}) to {to}: a captive portal or proxy login page is in the path, not {what}",
                x.method
            ),
        ));
    }
    if resp.is_html() && (400..500).contains(&st) {
        return Err(Outcome::fail(
            "proxy-block-page",
            format!(
                "{} {url} was answered {st} with an HTML page{title}: a proxy block page, not {what}",
                x.method
            ),
        ));
    }
    match x.call {
        Call::Token => match (st, &resp.oauth_error) {
            (400..=499, Some(e)) => Ok(format!(
                "POST {url} answered {st} with OAuth error `{e}`, as a token endpoint does"
            )),
            (200..=299, _) => Err(Outcome::fail(
                "unexpected-success",
                format!(
                    "POST {url} without credentials answered {st}: this is not how {what} behaves"
                ),
            )),
            (500..=599, _) => Err(Outcome::fail(
                "server-error",
                format!("POST {url} answered {st}{title}"),
            )),
            _ => Err(Outcome::fail(
                "not-oauth-endpoint",
                format!(
                    "POST {url} answered {st}{title} without an OAuth `error` field: not {what}"
                ),
            )),
        },
        Call::OrgMe => match st {
            401 if !resp.is_html() => Ok(format!(
                "GET {url} answered 401 without a token, as the Platform API does"
            )),
            404 => Err(Outcome::fail(
                "not-platform-api",
                format!("GET {url} answered 404: the base service URL does not lead to {what}"),
            )),
            500..=599 => Err(Outcome::fail(
                "server-error",
                format!("GET {url} answered {st}{title}"),
            )),
            _ => Err(Outcome::fail(
                "unexpected-status",
                format!("GET {url} without a token answered {st}{title}, not 401: not {what}"),
            )),
        },
    }
}

/// Whether `location` (absolute or relative) names the URL that was asked.
fn redirects_to_itself(url: &str, location: &str) -> bool {
    let Ok(base) = url::Url::parse(url) else {
        return false;
    };
    base.join(location.trim()).is_ok_and(|mut to| {
        to.set_fragment(None);
        to == base
    })
}

/// Worst of several outcomes (fail > error > warn > pass); passes merge.
fn combine(mut outs: Vec<Outcome>) -> Outcome {
    let rank = |s: Status| match s {
        Status::Fail => 4,
        Status::Error => 3,
        Status::Warn => 2,
        Status::Skip | Status::Waived => 1,
        Status::Pass => 0,
    };
    outs.sort_by_key(|o| std::cmp::Reverse(rank(o.status)));
    let mut first = outs.remove(0);
    if first.status == Status::Pass && !outs.is_empty() {
        let all: Vec<String> = std::iter::once(first.message.clone())
            .chain(outs.iter().map(|o| o.message.clone()))
            .collect();
        first.message = all.join("; ");
    }
    first
}

fn http_rule(r: &EndpointReport, call: Call, urls: &[String]) -> Outcome {
    if urls.is_empty() {
        let what = match call {
            Call::Token => "token URL (base_auth_url)",
            Call::OrgMe => "API URL (base_service_url)",
        };
        return finish(
            Outcome::skip(
                "not-applicable",
                format!("no {what} is served from {}", host(r)),
            ),
            r,
        );
    }
    let o = match &r.http {
        HttpResult::NotRun { reason, message } => not_run(reason, message),
        HttpResult::Done(xs) => {
            let mine: Vec<&HttpExchange> = xs.iter().filter(|x| x.call == call).collect();
            if mine.is_empty() {
                Outcome::error("not-probed", "no request was made for this rule")
            } else {
                let ev: Vec<Value> = mine.iter().map(|x| x.to_json()).collect();
                combine(mine.iter().map(|x| judge(x).with_pass()).collect()).with("http", ev)
            }
        }
    };
    finish(o, r)
}

trait PassFrom {
    fn with_pass(self) -> Outcome;
}

impl PassFrom for Result<String, Outcome> {
    fn with_pass(self) -> Outcome {
        match self {
            Ok(m) => Outcome::pass(m),
            Err(o) => o,
        }
    }
}

/// NET005: `base_auth_url` answers like an OAuth token endpoint.
pub fn net005(r: &EndpointReport) -> Outcome {
    http_rule(r, Call::Token, &r.endpoint.token_urls)
}

/// NET006: `base_service_url` answers like the Platform API (401 on `v2/organizations/me`).
pub fn net006(r: &EndpointReport) -> Outcome {
    http_rule(r, Call::OrgMe, &r.endpoint.api_urls)
}

/// NET007: the local clock is within `max_skew_secs` of the server's `Date`.
/// Only genuine answers count (a proxy's block page carries the proxy's clock);
/// the one-second resolution of `Date` plus the request time is an
/// uncertainty band reported as `warn`, never as a pass.
pub fn net007(r: &EndpointReport, max_skew_secs: i64) -> Outcome {
    if r.endpoint.token_urls.is_empty() && r.endpoint.api_urls.is_empty() {
        return finish(
            Outcome::skip(
                "not-applicable",
                format!("no token or API URL is served from {}", host(r)),
            ),
            r,
        );
    }
    let o = match &r.http {
        HttpResult::NotRun { reason, message } => not_run(reason, message),
        HttpResult::Done(xs) => {
            let genuine = xs.iter().find_map(|x| match (&x.result, judge(x)) {
                (Ok(resp), Ok(_)) => Some((x, resp)),
                _ => None,
            });
            match genuine {
                None => Outcome::skip(
                    "no-genuine-response",
                    format!(
                        "no answer came from {} itself (see NET005/NET006), so there is no server clock to compare",
                        host(r)
                    ),
                ),
                Some((x, resp)) => skew(x, resp, max_skew_secs),
            }
        }
    };
    finish(o, r)
}

fn skew(x: &HttpExchange, resp: &HttpResponse, max: i64) -> Outcome {
    let Some(date) = &resp.date else {
        return Outcome::error(
            "no-date-header",
            format!("{} {} answered without a Date header", x.method, x.url),
        );
    };
    let Some(server) = parse_http_date(date) else {
        return Outcome::error(
            "bad-date-header",
            format!(
                "the Date header `{date}` from {} is not an HTTP date",
                x.url
            ),
        );
    };
    let local = resp.received_unix_ms as f64 / 1000.0;
    let skew = server as f64 - local;
    let uncertainty = 1.0 + resp.elapsed_ms / 1000.0;
    let max = max as f64;
    let shown = (skew * 10.0).round() / 10.0;
    let direction = if skew > 0.0 { "behind" } else { "ahead of" };
    let o = if skew.abs() + uncertainty <= max {
        Outcome::pass(format!(
            "this host's clock is within {max} s of the server's (measured {shown:+} s)"
        ))
    } else if skew.abs() - uncertainty > max {
        Outcome::fail(
            "clock-skew",
            format!(
                "this host's clock is {:.1} s {direction} the server's Date (limit {max} s): SAML assertions will be rejected; synchronise with NTP",
                skew.abs()
            ),
        )
    } else {
        Outcome::warn(
            "clock-skew-uncertain",
            format!(
                "the measured skew ({shown:+} s) is within the Date header's 1 s resolution of the {max} s limit; check NTP"
            ),
        )
    };
    o.with("skew_secs", shown)
        .with("uncertainty_secs", (uncertainty * 10.0).round() / 10.0)
        .with("server_date", date.as_str())
        .with("from", x.url.as_str())
}

#[cfg(test)]
mod tests {
    use super::redirects_to_itself;

    #[test]
    fn redirect_to_the_same_url_is_a_loop() {
        let u = "https://login.x.test/oauth/token";
        assert!(redirects_to_itself(u, u));
        assert!(redirects_to_itself(u, "/oauth/token"));
        assert!(redirects_to_itself(u, "/oauth/token#again"));
        assert!(!redirects_to_itself(u, "http://portal.corp.test/login"));
        assert!(!redirects_to_itself(u, "/oauth/token?x=1"));
        assert!(!redirects_to_itself("not a url", "/"));
    }
}
