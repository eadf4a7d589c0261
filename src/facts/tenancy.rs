//! Tenant isolation of `hybrid_integration` objects (rules TEN001–TEN004).
//!
//! The provisioning guide warns that in a multi-tenant deployment the agents
//! of one tenant must not have READ on another tenant's `hybrid_integration`
//! object: Workspace Desktop Edition 8.5.133.02 loads every such object the
//! agent can read, and with it the other tenant's Genesys Cloud credentials.
//!
//! [`TenancyAnalysis`] indexes the permissions export once (BRIEF §3); the
//! rule functions then answer per tenant or per deployment.
//!
//! # Decisions
//!
//! - **Effective READ** is the `read` flag (any case) of an ACL entry on the
//!   object, held directly or through access groups nested to any depth,
//!   across tenants and the Environment. Membership cycles end: a node is
//!   revisited only when the flags reaching it grow. Each finding's path is
//!   a shortest one; its `access` is the union of the flags of every
//!   READ-granting entry that reaches the principal.
//! - **An agent of another tenant** is a person with `agent: true` whose
//!   `tenant` differs from the object's. A person whose `agent` flag is not
//!   exported, or whose tenant is not recorded, is treated as a possible
//!   agent (reason `possible-cross-tenant-read`): isolation that cannot be
//!   proven is a finding. `agent` merges over every mention of the person:
//!   `true` wins, then `false`.
//! - **Environment-level persons** (service accounts, administrators) are
//!   not tenant agents and are never findings themselves; an Environment
//!   *group* is traversed like any other, so one holding other tenants'
//!   agents leaks.
//! - **Unknown membership**: a group exported without `members`, or
//!   referenced but absent from `access_groups`, that holds READ is a
//!   finding whatever its tenant (reason `isolation-unproven`), because
//!   nothing shows who is in it. So is a principal of an unknown type.
//! - **Identity**: principals are `(type, name, tenant)`. A group reference
//!   without a tenant resolves to the only exported group of that name, and
//!   otherwise counts as a group with unknown members.
//! - **Single-tenant** deployments have nothing to isolate: TEN002, TEN003
//!   and TEN004 `skip` with reason `single-tenant`; TEN001 applies CFG002's
//!   placement (the object belongs in Environment).
//! - **Evidence** lists at most [`MAX_LISTED`] findings, sorted (agents
//!   first, then by tenant and name), with the total, so a deployment-wide
//!   leak cannot inflate a report to megabytes. Output is deterministic.

mod graph;
mod isolation;
mod placement;

pub use graph::Access;
pub use isolation::{ten002, ten004};
pub use placement::{ten001, ten003};

use crate::evidence::Deployment;
use crate::evidence::permissions::PermissionsExport;
use graph::{Graph, ObjectAcl};

/// How many findings an outcome's evidence lists (the total is always given).
pub const MAX_LISTED: usize = 50;

/// The Workspace Desktop Edition release the guide's warning names.
pub const WDE_LOADS_READABLE_OBJECTS: &str = "8.5.133.02";

/// The permissions export, indexed once for every tenant's checks.
///
/// Building is linear in the export; each tenant's TEN002 check then walks
/// only what its object's ACL reaches.
#[derive(Debug)]
pub struct TenancyAnalysis {
    graph: Graph,
}

impl TenancyAnalysis {
    pub fn new(p: &PermissionsExport) -> TenancyAnalysis {
        TenancyAnalysis {
            graph: Graph::build(p),
        }
    }

    /// The deployment's analysis, when it has a permissions export.
    pub fn of(d: &Deployment) -> Option<TenancyAnalysis> {
        d.permissions.as_deref().map(TenancyAnalysis::new)
    }

    /// The ACL of `tenant`'s `hybrid_integration` object, if exported.
    fn object(&self, tenant: &str) -> Option<&ObjectAcl> {
        self.graph.objects.get(&Some(tenant.to_owned()))
    }
}

/// How findings name an object: `Tenant_B/hybrid_integration`.
fn object_label(tenant: &str) -> String {
    format!("{tenant}/{}", crate::evidence::transaction::OBJECT_NAME)
}
