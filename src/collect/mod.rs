//! `hybrid-preflight collect`: fetch a Genesys Cloud org's evidence folder
//! from the Platform API with a client-credentials OAuth client, so users
//! never call the API by hand.
//!
//! ```text
//! POST base_auth_url (Basic id:secret, grant_type=client_credentials)
//!   └► GET organizations/me, identityproviders/pureengage, identityproviders,
//!          oauth/clients, authorization/roles, authorization/divisions/home
//!        (listings merged over every page; 429 Retry-After honoured, bounded)
//!   └► the six evidence files, written into a new folder and swapped in
//! ```
//!
//! The secret comes from the caller (the CLI reads it from
//! `HYBRID_PREFLIGHT_CLIENT_SECRET` only); neither it nor the access token
//! ever reaches a file, an error or the screen.

pub mod client;
pub mod write;

use crate::evidence::CloudFile;
use crate::evidence::cloud::is_not_found;
use crate::probe::ProbeConfig;
use client::{ApiError, Got, Http, Session, Token};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::path::PathBuf;

/// The environment variable holding the client secret (never a flag: `ps` shows flags).
pub const SECRET_ENV: &str = "HYBRID_PREFLIGHT_CLIENT_SECRET";

/// What to collect and how to connect.
pub struct CollectOptions {
    /// The token URL (`https://login.mypurecloud.ie/oauth/token`); a bare
    /// origin (`https://login.mypurecloud.ie`) gets `/oauth/token` appended.
    pub base_auth_url: String,
    /// The API base (`https://api.mypurecloud.ie/api/`).
    pub base_service_url: String,
    pub client_id: String,
    pub secret: SecretString,
    /// The evidence folder to write (replaced as a whole).
    pub out: PathBuf,
    /// Trust store, resolver, pins, proxy and per-request timeout.
    pub probe: ProbeConfig,
}

/// What was written.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectReport {
    pub out: PathBuf,
    /// Each file written and a one-line note (`3 pages, 250 entities`).
    pub files: Vec<(CloudFile, String)>,
    /// Things the user should know (an optional file not written).
    pub warnings: Vec<String>,
}

/// Why nothing was written.
#[derive(Debug)]
pub enum CollectError {
    /// Bad options or an unusable trust store / URL.
    Setup(String),
    /// The token endpoint refused the client credentials.
    AuthFailed {
        url: String,
        error: ApiError,
    },
    /// The API refused the token (401).
    Unauthorized {
        call: &'static str,
        error: ApiError,
    },
    /// The client lacks a permission (403).
    Forbidden {
        call: &'static str,
        permission: Option<&'static str>,
        error: ApiError,
    },
    /// Any other API or transport failure.
    Api {
        call: &'static str,
        error: ApiError,
    },
    Write(write::WriteError),
}

impl std::fmt::Display for CollectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CollectError::Setup(s) => f.write_str(s),
            CollectError::AuthFailed { url, error } => {
                write!(
                    f,
                    "authentication failed: check client id/secret and region ({url}: {error})"
                )
            }
            CollectError::Unauthorized { call, error } => write!(
                f,
                "{call} refused the access token (401): check that --base-service-url is in the same region as --base-auth-url ({error})"
            ),
            CollectError::Forbidden {
                call,
                permission,
                error,
            } => match permission {
                Some(p) => write!(
                    f,
                    "{call} was refused (403): the OAuth client lacks the permission `{p}`; give the client a role that grants it ({error})"
                ),
                None => write!(
                    f,
                    "{call} was refused (403): the OAuth client lacks a permission ({error})"
                ),
            },
            CollectError::Api { call, error } => write!(f, "{call} failed: {error}"),
            CollectError::Write(e) => write!(f, "cannot write the evidence folder: {e}"),
        }
    }
}

impl std::error::Error for CollectError {}

/// The permission a call needs (what a 403 means).
#[must_use]
pub const fn permission(f: CloudFile) -> Option<&'static str> {
    match f {
        CloudFile::OrganizationsMe => None,
        CloudFile::IdentityProviderPureEngage | CloudFile::IdentityProviders => {
            Some("sso:provider:view")
        }
        CloudFile::OAuthClients => Some("oauth:client:view"),
        CloudFile::AuthorizationRoles => Some("authorization:role:view"),
        CloudFile::DivisionsHome => Some("authorization:division:view"),
    }
}

/// The call's path under the API base.
const fn path(f: CloudFile) -> &'static str {
    match f {
        CloudFile::OrganizationsMe => "v2/organizations/me",
        CloudFile::IdentityProviderPureEngage => "v2/identityproviders/pureengage",
        CloudFile::IdentityProviders => "v2/identityproviders",
        CloudFile::OAuthClients => "v2/oauth/clients",
        CloudFile::AuthorizationRoles => "v2/authorization/roles",
        CloudFile::DivisionsHome => "v2/authorization/divisions/home",
    }
}

const fn is_listing(f: CloudFile) -> bool {
    matches!(
        f,
        CloudFile::IdentityProviders | CloudFile::OAuthClients | CloudFile::AuthorizationRoles
    )
}

/// `https://login.x/oauth/token` as given; a bare origin gets `/oauth/token`.
pub fn token_url(base_auth_url: &str) -> Result<String, String> {
    let mut u = url::Url::parse(base_auth_url.trim())
        .map_err(|e| format!("--base-auth-url `{base_auth_url}` is not a URL: {e}"))?;
    if !matches!(u.scheme(), "https" | "http") {
        return Err(format!(
            "--base-auth-url `{base_auth_url}` is not an http(s) URL"
        ));
    }
    if u.path().trim_matches('/').is_empty() {
        u.set_path("/oauth/token");
    }
    Ok(u.to_string())
}

/// Collects the evidence folder (blocking: runs its own runtime).
pub fn collect(opts: &CollectOptions) -> Result<CollectReport, CollectError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CollectError::Setup(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(collect_async(opts))
}

/// Collects the evidence folder.
pub async fn collect_async(opts: &CollectOptions) -> Result<CollectReport, CollectError> {
    if opts.client_id.trim().is_empty() {
        return Err(CollectError::Setup("--client-id is empty".into()));
    }
    let token_url = token_url(&opts.base_auth_url).map_err(CollectError::Setup)?;
    let cfg = opts.probe.clone();
    let http = tokio::task::spawn_blocking(move || Http::new(&cfg))
        .await
        .map_err(|_| CollectError::Setup("loading the trust store failed".into()))?
        .map_err(CollectError::Setup)?;
    let token = client::request_token(&http, &token_url, opts.client_id.trim(), &opts.secret)
        .await
        .map_err(|error| match error {
            ApiError::TokenRefused { .. } => CollectError::AuthFailed {
                url: token_url.clone(),
                error,
            },
            error => CollectError::Api {
                call: "the token request (POST base_auth_url)",
                error,
            },
        })?;
    let session = Session::new(&http, &opts.base_service_url, &token)
        .map_err(|e| CollectError::Setup(format!("--base-service-url: {e}")))?;
    let mut files = Vec::new();
    let mut notes = Vec::new();
    let mut warnings = Vec::new();
    for f in CloudFile::ALL {
        match fetch(&session, f).await {
            Ok((v, note)) => {
                files.push((f, v));
                notes.push((f, note));
            }
            Err(CollectError::Forbidden { error, .. } | CollectError::Api { error, .. })
                if f == CloudFile::DivisionsHome
                    && matches!(
                        error,
                        ApiError::Status {
                            status: 403 | 404,
                            ..
                        }
                    ) =>
            {
                warnings.push(format!(
                    "{} not written ({}): it is optional; grant `authorization:division:view` to include it",
                    f.file_name(),
                    error
                ));
            }
            Err(e) => return Err(e),
        }
    }
    drop(session);
    drop::<Token>(token);
    write::write_folder(&opts.out, &files).map_err(CollectError::Write)?;
    Ok(CollectReport {
        out: opts.out.clone(),
        files: notes,
        warnings,
    })
}

/// One evidence file's JSON and a note about it.
async fn fetch(s: &Session<'_>, f: CloudFile) -> Result<(Value, String), CollectError> {
    let call = f.api_call();
    let url = s.url(path(f)).map_err(CollectError::Setup)?;
    if is_listing(f) {
        let l = s.listing(path(f)).await.map_err(|e| classify(f, e))?;
        let note = if l.total > l.entities.len() as u64 {
            format!(
                "{} pages, {} of {} entities (the org changed while paging: the audit reports incomplete-evidence; collect again)",
                l.pages,
                l.entities.len(),
                l.total
            )
        } else {
            format!("{} page(s), {} entities", l.pages, l.entities.len())
        };
        return Ok((l.to_json(), note));
    }
    match s.get(&url).await.map_err(|e| classify(f, e))? {
        Got::Ok(v) => Ok((v, "ok".into())),
        Got::Status { status: 404, body } if f == CloudFile::IdentityProviderPureEngage => {
            let recorded = if is_not_found(&body) {
                body
            } else {
                json!({"status": 404, "code": "not.found", "message": "The pureengage identity provider is not configured"})
            };
            Ok((
                recorded,
                "not configured (404 recorded: IDP001 will fail)".into(),
            ))
        }
        Got::Status { status, body } => Err(classify(f, client::status_error(&url, status, &body))),
    }
    .map_err(|e| match e {
        CollectError::Api { error, .. } => CollectError::Api { call, error },
        other => other,
    })
}

/// A 401/403 explained; anything else as is.
fn classify(f: CloudFile, error: ApiError) -> CollectError {
    let call = f.api_call();
    match &error {
        ApiError::Status { status: 401, .. } => CollectError::Unauthorized { call, error },
        ApiError::Status { status: 403, .. } => CollectError::Forbidden {
            call,
            permission: permission(f),
            error,
        },
        _ => CollectError::Api { call, error },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_url_keeps_path_or_adds_oauth_token() {
        assert_eq!(
            token_url("https://login.mypurecloud.ie/oauth/token").unwrap(),
            "https://login.mypurecloud.ie/oauth/token"
        );
        assert_eq!(
            token_url("https://login.mypurecloud.ie").unwrap(),
            "https://login.mypurecloud.ie/oauth/token"
        );
        assert!(token_url("login.mypurecloud.ie").is_err());
        assert!(token_url("ftp://login.mypurecloud.ie/").is_err());
    }

    #[test]
    fn forbidden_names_the_permission() {
        let e = classify(
            CloudFile::OAuthClients,
            ApiError::Status {
                url: "https://api.x/api/v2/oauth/clients".into(),
                status: 403,
                code: Some("missing.permissions".into()),
                message: None,
            },
        );
        assert!(e.to_string().contains("`oauth:client:view`"), "{e}");
    }
}
