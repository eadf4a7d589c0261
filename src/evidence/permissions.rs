//! The Configuration Server permissions export (input contract v1): ACLs of
//! transaction objects and access-group membership, nested to any depth.

use crate::error::InputError;
use crate::evidence::transaction::json_phrase;
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PermissionsExport {
    #[serde(default)]
    pub objects: Vec<AclObject>,
    #[serde(default)]
    pub access_groups: Vec<AccessGroup>,
}

/// An object and who may do what on it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AclObject {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub tenant: Option<String>,
    #[serde(default)]
    pub acl: Vec<AclEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AclEntry {
    pub subject: Principal,
    #[serde(default)]
    pub access: Vec<String>,
}

/// A person or an access group.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub struct Principal {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub tenant: Option<String>,
    /// Persons only: whether the person is an agent.
    #[serde(default)]
    pub agent: Option<bool>,
}

impl Principal {
    #[must_use]
    pub fn is_group(&self) -> bool {
        self.kind == "CfgAccessGroup"
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AccessGroup {
    pub name: String,
    #[serde(default)]
    pub tenant: Option<String>,
    /// `None` when the export does not list the members (isolation then
    /// cannot be proven).
    #[serde(default)]
    pub members: Option<Vec<Principal>>,
}

/// Parses the permissions export.
pub fn parse(path: &Path, text: &str) -> Result<PermissionsExport, InputError> {
    serde_json::from_str(text).map_err(|e| {
        InputError::new(path, format!("invalid permissions export: {}", json_phrase(&e)))
            .at(e.line() as u64, e.column() as u64)
    })
}
