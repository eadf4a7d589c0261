//! The Genesys Cloud evidence folder: raw Platform API responses, one file
//! per call. Kept as JSON values so parsing stays lenient (unknown fields
//! ignored, older field sets accepted) and so a rule can tell the boolean
//! `true` from the string `"true"`.

use crate::error::InputError;
use crate::evidence::text::read_text;
use crate::evidence::transaction::json_phrase;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One evidence file and the API call it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CloudFile {
    OrganizationsMe,
    IdentityProviderPureEngage,
    IdentityProviders,
    OAuthClients,
    AuthorizationRoles,
    DivisionsHome,
}

impl CloudFile {
    pub const ALL: [CloudFile; 6] = [
        CloudFile::OrganizationsMe,
        CloudFile::IdentityProviderPureEngage,
        CloudFile::IdentityProviders,
        CloudFile::OAuthClients,
        CloudFile::AuthorizationRoles,
        CloudFile::DivisionsHome,
    ];

    #[must_use]
    pub const fn file_name(self) -> &'static str {
        match self {
            CloudFile::OrganizationsMe => "organizations-me.json",
            CloudFile::IdentityProviderPureEngage => "identityproviders-pureengage.json",
            CloudFile::IdentityProviders => "identityproviders.json",
            CloudFile::OAuthClients => "oauth-clients.json",
            CloudFile::AuthorizationRoles => "authorization-roles.json",
            CloudFile::DivisionsHome => "divisions-home.json",
        }
    }

    /// The name used in fact paths (`cloud.idp.issuerURI`).
    #[must_use]
    pub const fn key(self) -> &'static str {
        match self {
            CloudFile::OrganizationsMe => "org",
            CloudFile::IdentityProviderPureEngage => "idp",
            CloudFile::IdentityProviders => "idps",
            CloudFile::OAuthClients => "oauth_clients",
            CloudFile::AuthorizationRoles => "roles",
            CloudFile::DivisionsHome => "home_division",
        }
    }

    /// The Platform API call whose response the file holds.
    #[must_use]
    pub const fn api_call(self) -> &'static str {
        match self {
            CloudFile::OrganizationsMe => "GET /api/v2/organizations/me",
            CloudFile::IdentityProviderPureEngage => "GET /api/v2/identityproviders/pureengage",
            CloudFile::IdentityProviders => "GET /api/v2/identityproviders",
            CloudFile::OAuthClients => "GET /api/v2/oauth/clients",
            CloudFile::AuthorizationRoles => "GET /api/v2/authorization/roles",
            CloudFile::DivisionsHome => "GET /api/v2/authorization/divisions/home",
        }
    }

    pub fn from_key(key: &str) -> Option<CloudFile> {
        CloudFile::ALL.into_iter().find(|f| f.key() == key)
    }
}

/// Why a piece of evidence cannot be used: reported as `skip` or `error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable {
    /// `skip` when evidence is simply absent, `error` when it is there but unusable.
    pub is_error: bool,
    pub reason: &'static str,
    pub message: String,
}

impl Unavailable {
    pub fn skip(reason: &'static str, message: impl Into<String>) -> Self {
        Unavailable {
            is_error: false,
            reason,
            message: message.into(),
        }
    }
    pub fn error(reason: &'static str, message: impl Into<String>) -> Self {
        Unavailable {
            is_error: true,
            reason,
            message: message.into(),
        }
    }
}

/// A listing response (`entities` plus the paging envelope).
#[derive(Debug, Clone, Copy)]
pub struct Listing<'a> {
    pub entities: &'a [Value],
    /// `total` in the response, when given.
    pub total: Option<u64>,
}

impl Listing<'_> {
    /// Every entity the org has is in the file.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.total.is_none_or(|t| t <= self.entities.len() as u64)
    }
}

/// One tenant's Genesys Cloud evidence folder.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudEvidence {
    pub dir: PathBuf,
    files: BTreeMap<CloudFile, Value>,
}

impl CloudEvidence {
    /// Reads every known file present in `dir`; absent files are allowed.
    pub fn load(dir: &Path) -> Result<CloudEvidence, InputError> {
        if !dir.exists() {
            return Err(InputError::new(dir, "cloud evidence folder not found"));
        }
        if !dir.is_dir() {
            return Err(InputError::new(dir, "cloud evidence path is not a folder"));
        }
        let mut files = BTreeMap::new();
        for f in CloudFile::ALL {
            let path = dir.join(f.file_name());
            if !path.exists() {
                continue;
            }
            let text = read_text(&path)?;
            let value: Value = serde_json::from_str(&text).map_err(|e| {
                InputError::new(&path, format!("invalid JSON: {}", json_phrase(&e)))
                    .at(e.line() as u64, e.column() as u64)
            })?;
            files.insert(f, value);
        }
        Ok(CloudEvidence {
            dir: dir.to_path_buf(),
            files,
        })
    }

    /// Builds evidence from values already in memory (tests, `collect`).
    pub fn from_values(dir: PathBuf, files: BTreeMap<CloudFile, Value>) -> CloudEvidence {
        CloudEvidence { dir, files }
    }

    /// Display path of one file, for provenance.
    pub fn path_of(&self, f: CloudFile) -> String {
        self.dir.join(f.file_name()).display().to_string()
    }

    /// The whole response of one call.
    pub fn get(&self, f: CloudFile) -> Result<&Value, Unavailable> {
        self.files.get(&f).ok_or_else(|| {
            Unavailable::skip(
                "missing-evidence-file",
                format!(
                    "{} is not in the cloud evidence folder ({})",
                    f.file_name(),
                    f.api_call()
                ),
            )
        })
    }

    /// A listing's entities and completeness.
    pub fn listing(&self, f: CloudFile) -> Result<Listing<'_>, Unavailable> {
        let v = self.get(f)?;
        let entities = match v.get("entities") {
            Some(Value::Array(a)) => a.as_slice(),
            Some(_) => {
                return Err(Unavailable::error(
                    "malformed-evidence",
                    format!("{}: `entities` is not a list", f.file_name()),
                ));
            }
            None if v.is_array() => v.as_array().map_or(&[][..], Vec::as_slice),
            None => {
                return Err(Unavailable::error(
                    "malformed-evidence",
                    format!("{}: no `entities` list", f.file_name()),
                ));
            }
        };
        Ok(Listing {
            entities,
            total: v.get("total").and_then(Value::as_u64),
        })
    }

    /// A listing that must be complete for the rule to decide.
    pub fn complete_listing(&self, f: CloudFile) -> Result<Listing<'_>, Unavailable> {
        let l = self.listing(f)?;
        if !l.is_complete() {
            return Err(Unavailable::error(
                "incomplete-evidence",
                format!(
                    "{} holds {} of {} entities: page through the listing (pageNumber/nextUri) and merge all pages",
                    f.file_name(),
                    l.entities.len(),
                    l.total.unwrap_or_default()
                ),
            ));
        }
        Ok(l)
    }

    /// The `pureengage` identity provider; `Ok(None)` when the org has none
    /// (the file records the API's 404).
    pub fn pureengage(&self) -> Result<Option<&Value>, Unavailable> {
        let v = self.get(CloudFile::IdentityProviderPureEngage)?;
        if is_not_found(v) {
            return Ok(None);
        }
        if !v.is_object() {
            return Err(Unavailable::error(
                "malformed-evidence",
                "identityproviders-pureengage.json is not a JSON object",
            ));
        }
        Ok(Some(v))
    }
}

/// A Platform API error body for 404 (`{"status":404,"code":"not.found",…}`),
/// or an empty object: the provider is not configured.
pub fn is_not_found(v: &Value) -> bool {
    let status_404 = v.get("status").and_then(Value::as_u64) == Some(404);
    let code_nf = v
        .get("code")
        .and_then(Value::as_str)
        .is_some_and(|c| c.contains("not.found") || c == "not_found");
    let empty = v.as_object().is_some_and(serde_json::Map::is_empty) || v.is_null();
    status_404 || code_nf || empty
}

/// Reads a string field, or `None`.
pub fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn incomplete_listing_is_an_error_not_a_verdict() {
        let mut files = BTreeMap::new();
        files.insert(
            CloudFile::OAuthClients,
            json!({"entities": [{"id": "a"}], "total": 30, "pageCount": 2}),
        );
        let c = CloudEvidence::from_values("d".into(), files);
        let e = c.complete_listing(CloudFile::OAuthClients).unwrap_err();
        assert!(e.is_error);
        assert_eq!(e.reason, "incomplete-evidence");
        assert!(c.listing(CloudFile::OAuthClients).is_ok());
        let missing = c.get(CloudFile::AuthorizationRoles).unwrap_err();
        assert_eq!((missing.is_error, missing.reason), (false, "missing-evidence-file"));
    }

    #[test]
    fn recorded_404_means_not_configured() {
        let mut files = BTreeMap::new();
        files.insert(
            CloudFile::IdentityProviderPureEngage,
            json!({"status": 404, "code": "not.found", "message": "not found"}),
        );
        let c = CloudEvidence::from_values("d".into(), files);
        assert_eq!(c.pureengage(), Ok(None));
    }
}
