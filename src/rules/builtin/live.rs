//! OAU006 (opt-in, `audit --live-auth`): a client-credentials token request
//! with the tenant's `ewt` credentials at its `base_auth_url`, through the
//! same client as `collect` (trust store, `--connect-to`, proxy, timeout).
//!
//! The requests run once per audit, before the rules ([`check_all`]); the
//! built-in only reads the tenant's result. Off by default: the check sends
//! real credentials to the login service, which a user must ask for.

use super::{Builtin, Ctx, no_params};
use crate::collect::client::{self, ApiError, Http};
use crate::evidence::Deployment;
use crate::probe::ProbeConfig;
use crate::result::Outcome;
use crate::rules::model::Scope;
use secrecy::SecretString;
use std::sync::Arc;

/// Tenants whose token requests are in flight at once.
const CONCURRENCY: usize = 16;

/// OAU006: the `ewt` client obtains a token.
pub const LIVE_TOKEN: Builtin = Builtin {
    name: "live-token",
    scope: Scope::Tenant,
    validate: no_params,
    run: live_token,
};

fn live_token(ctx: &Ctx<'_>, _: &serde_json::Value) -> Outcome {
    let Some(results) = &ctx.derived.live_auth else {
        return Outcome::skip(
            "live-auth-disabled",
            "the live token check is off: run `audit --live-auth` to request a token with the ewt credentials",
        );
    };
    match ctx.tenant_index.and_then(|i| results.get(i)) {
        Some(o) => o.clone(),
        None => Outcome::error("wrong-scope", "this check needs a tenant subject"),
    }
}

/// One token request per tenant (same order as `d.tenants`), at most
/// [`CONCURRENCY`] at once. Blocking: runs its own runtime.
pub fn check_all(d: &Deployment, cfg: &ProbeConfig) -> Vec<Outcome> {
    let inputs: Vec<Result<Request, Outcome>> = d.tenants.iter().map(request_of).collect();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let o = Outcome::error(
                "token-request-failed",
                format!("cannot start the async runtime: {e}"),
            );
            return inputs.iter().map(|_| o.clone()).collect();
        }
    };
    // The resolver and HTTP clients are built inside the runtime's context.
    let guard = rt.enter();
    let http = match Http::new(cfg) {
        Ok(h) => Arc::new(h),
        Err(e) => {
            let o = Outcome::error(
                "trust-store-error",
                format!("HTTP client setup failed: {e}"),
            );
            return inputs
                .into_iter()
                .map(|i| i.err().unwrap_or_else(|| o.clone()))
                .collect();
        }
    };
    drop(guard);
    rt.block_on(async move {
        let sem = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
        let mut handles = Vec::with_capacity(inputs.len());
        for input in inputs {
            let (http, sem) = (http.clone(), sem.clone());
            handles.push(tokio::spawn(async move {
                let req = input?;
                let _permit = sem.acquire().await.ok();
                Ok::<Outcome, Outcome>(judge(&req, &http).await)
            }));
        }
        let mut out = Vec::with_capacity(handles.len());
        for h in handles {
            out.push(match h.await {
                Ok(Ok(o) | Err(o)) => o,
                Err(_) => Outcome::error("token-request-failed", "the token request task failed"),
            });
        }
        out
    })
}

/// What one tenant's request needs.
struct Request {
    url: String,
    client_id: String,
    secret: SecretString,
}

fn request_of(t: &crate::evidence::Tenant) -> Result<Request, Outcome> {
    let Some(o) = t.object() else {
        return Err(Outcome::skip(
            "missing-object",
            "no hybrid_integration object for this tenant (CFG001)",
        ));
    };
    let opt = |s: &str, n: &str| {
        o.option(s, n)
            .map(|v| v.text.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let missing = |name: &str| {
        Outcome::skip(
            "missing-option",
            format!("{name} is not set (CFG013/CFG014): nothing to request a token with"),
        )
    };
    let url = opt("general", "base_auth_url").ok_or_else(|| missing("general/base_auth_url"))?;
    let client_id = opt("ewt", "client_id").ok_or_else(|| missing("ewt/client_id"))?;
    // The password is used exactly as exported (no trimming of a secret).
    let secret = o
        .option("ewt", "password")
        .map(|v| v.text.clone())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| missing("ewt/password"))?;
    Ok(Request {
        url,
        client_id,
        secret: SecretString::from(secret),
    })
}

async fn judge(r: &Request, http: &Http) -> Outcome {
    let url = match crate::collect::token_url(&r.url) {
        Ok(u) => u,
        Err(e) => return Outcome::skip("invalid-url", e).with("base_auth_url", r.url.clone()),
    };
    let ev = |o: Outcome| {
        o.with("token_url", url.clone())
            .with("client_id", r.client_id.clone())
    };
    match client::request_token(http, &url, &r.client_id, &r.secret).await {
        Ok(t) => ev(Outcome::pass(format!(
            "the ewt client obtained a token at {url}"
        )))
        .with("token_type", t.token_type.clone())
        .with("expires_in", t.expires_in),
        Err(ApiError::TokenRefused {
            status,
            error,
            description,
        }) => ev(Outcome::fail(
            "token-refused",
            format!(
                "{url} refused the ewt credentials (HTTP {status}, `{}`{}): check ewt/client_id, ewt/password and that the client belongs to this region's org",
                error.as_deref().unwrap_or("no error code"),
                description
                    .as_deref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            ),
        ))
        .with("http_status", status)
        .with("error", error)
        .with("error_description", description),
        Err(ApiError::TokenMalformed { status, detail }) => ev(Outcome::fail(
            "no-access-token",
            format!("{url} answered HTTP {status} without a token: {detail}"),
        ))
        .with("http_status", status),
        Err(e) => ev(Outcome::error(
            "token-request-failed",
            format!("no answer from the token endpoint: {e}"),
        )),
    }
}
