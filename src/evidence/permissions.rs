//! The Configuration Server permissions export (input contract v1): ACLs of
//! transaction objects and access-group membership, nested to any depth.
//!
//! Parsing is lenient about what tools write differently (`CfgPerson` or
//! `Person`, `READ` or `read`, unknown fields) and strict about shape: a
//! wrong type is an [`InputError`] with line and column.

use crate::error::InputError;
use crate::evidence::transaction::{OBJECT_NAME, json_phrase};
use serde::Deserialize;
use std::path::Path;

/// The tenant name Configuration Server gives the single-tenant root.
pub const ENVIRONMENT: &str = "Environment";

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

impl AclObject {
    /// Whether this is a `hybrid_integration` transaction object (the name
    /// is exact: Configuration Server names are case-sensitive).
    #[must_use]
    pub fn is_hybrid_integration(&self) -> bool {
        self.name == OBJECT_NAME && kind_is(&self.kind, "Transaction")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AclEntry {
    pub subject: Principal,
    #[serde(default)]
    pub access: Vec<String>,
}

impl AclEntry {
    /// Whether the entry grants READ (the `read` flag, any case).
    #[must_use]
    pub fn grants_read(&self) -> bool {
        self.access
            .iter()
            .any(|a| a.trim().eq_ignore_ascii_case("read"))
    }
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
    /// `CfgAccessGroup` (or `AccessGroup`).
    #[must_use]
    pub fn is_group(&self) -> bool {
        kind_is(&self.kind, "AccessGroup")
    }

    /// `CfgPerson` (or `Person`).
    #[must_use]
    pub fn is_person(&self) -> bool {
        kind_is(&self.kind, "Person")
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

/// `Cfg<base>` or `<base>`, ignoring ASCII case.
fn kind_is(kind: &str, base: &str) -> bool {
    let k = kind.trim();
    let k = match k.get(..3) {
        Some(p) if p.eq_ignore_ascii_case("cfg") => &k[3..],
        _ => k,
    };
    k.eq_ignore_ascii_case(base)
}

/// Parses the permissions export.
pub fn parse(path: &Path, text: &str) -> Result<PermissionsExport, InputError> {
    serde_json::from_str(text).map_err(|e| {
        InputError::new(
            path,
            format!("invalid permissions export: {}", json_phrase(&e)),
        )
        .at(e.line() as u64, e.column() as u64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_lenient() {
        assert!(kind_is("CfgAccessGroup", "AccessGroup"));
        assert!(kind_is("accessgroup", "AccessGroup"));
        assert!(kind_is("CFGPERSON", "Person"));
        assert!(!kind_is("CfgPersonX", "Person"));
        assert!(!kind_is("Cf", "Person"));
    }

    #[test]
    fn parse_reports_position() {
        let e = parse(Path::new("p.json"), "{\"objects\": [\n  {\"type\": 1}]}").unwrap_err();
        assert_eq!(e.position.map(|p| p.line), Some(2));
        assert!(e.message.starts_with("invalid permissions export"));
    }

    #[test]
    fn read_flag_is_case_insensitive() {
        let e: AclEntry = serde_json::from_str(
            r#"{"subject": {"type": "CfgPerson", "name": "x"}, "access": ["Read"]}"#,
        )
        .unwrap();
        assert!(e.grants_read());
        let e: AclEntry = serde_json::from_str(
            r#"{"subject": {"type": "CfgPerson", "name": "x"}, "access": ["read_permissions"]}"#,
        )
        .unwrap();
        assert!(!e.grants_read());
    }
}
