//! The permissions graph: every principal interned once, membership edges,
//! and the traversal that finds who holds READ on an object.
//!
//! Building is linear in the export (one hash lookup per reference, names
//! and tenants interned to integers); a traversal visits what the object's
//! READ entries reach, with state in two flat arrays freed when it ends, so
//! memory stays proportional to the input however many objects are checked.

use crate::evidence::permissions::{AccessGroup, ENVIRONMENT, PermissionsExport, Principal};
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

/// FxHash (rustc's hasher): the keys are names from a local export file,
/// and hashing them with SipHash dominated building the index.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type HashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Index of a principal in [`Graph::nodes`].
pub type NodeId = u32;

/// A set of access flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Access(u8);

impl Access {
    /// Configuration Server's object permission flags, as the export spells them.
    pub const FLAGS: [&'static str; 7] = [
        "read",
        "create",
        "change",
        "delete",
        "execute",
        "read_permissions",
        "change_permissions",
    ];

    /// Known flags, any case; flags this version does not know are ignored
    /// (none of them can be READ).
    pub fn parse(flags: &[String]) -> Access {
        let mut bits = 0u8;
        for f in flags {
            let f = f.trim();
            if let Some(i) = Self::FLAGS.iter().position(|k| k.eq_ignore_ascii_case(f)) {
                bits |= 1 << i;
            }
        }
        Access(bits)
    }

    #[must_use]
    pub const fn has_read(self) -> bool {
        self.0 & 1 != 0
    }

    #[must_use]
    pub const fn union(self, other: Access) -> Access {
        Access(self.0 | other.0)
    }

    /// The flags set, in [`Access::FLAGS`] order.
    pub fn names(self) -> Vec<&'static str> {
        Self::FLAGS
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, f)| *f)
            .collect()
    }
}

/// Whether a group's members are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Members {
    Listed(Vec<NodeId>),
    /// The group is in the export without its members (or one of its
    /// copies omits them).
    NotListed,
    /// The group is referenced but absent from `access_groups`.
    NotExported,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    /// `agent` merged over every mention: `true` wins, then `false`; `None`
    /// only when no mention says.
    Person {
        agent: Option<bool>,
    },
    Group {
        members: Members,
    },
    /// A principal of a type this version does not know.
    Other {
        kind: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub tenant: Option<String>,
    /// `tenant` interned: 0 when not recorded.
    pub tenant_key: u32,
    pub kind: NodeKind,
}

impl Node {
    /// `person`, `group`, or the exported type of an unknown principal.
    pub fn type_name(&self) -> &str {
        match &self.kind {
            NodeKind::Person { .. } => "person",
            NodeKind::Group { .. } => "group",
            NodeKind::Other { kind } => kind,
        }
    }
}

/// The ACL of one `hybrid_integration` object (copies merged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectAcl {
    /// How many times the export lists the object.
    pub copies: usize,
    pub entries: Vec<(NodeId, Access)>,
}

const NO_PARENT: NodeId = NodeId::MAX;

/// What one traversal found. Dense per node: every reached node holds
/// READ, so a zero access set means "not reached".
#[derive(Debug)]
pub struct Reached {
    /// Reached nodes in discovery order.
    pub order: Vec<NodeId>,
    /// Union of the flags of every READ entry that reaches the node.
    access: Vec<Access>,
    /// The group through which the node was first reached (a shortest
    /// path); [`NO_PARENT`] for a principal named in the ACL itself.
    parent: Vec<NodeId>,
}

impl Reached {
    fn new(nodes: usize) -> Reached {
        Reached {
            order: Vec::new(),
            access: vec![Access::default(); nodes],
            parent: vec![NO_PARENT; nodes],
        }
    }

    /// The flags reaching `node` (empty when not reached).
    pub fn access(&self, node: NodeId) -> Access {
        self.access.get(node as usize).copied().unwrap_or_default()
    }

    fn parent(&self, node: NodeId) -> Option<NodeId> {
        self.parent
            .get(node as usize)
            .copied()
            .filter(|p| *p != NO_PARENT)
    }

    /// Nodes from `node` up to the ACL subject: `[agent9, Shift Pool, Floor Leads]`.
    pub fn path(&self, node: NodeId) -> Vec<NodeId> {
        let mut out = vec![node];
        let mut cur = node;
        // Parents were discovered strictly earlier, so this ends; the bound
        // only guards against a future bug turning it into a hang.
        while let Some(p) = self.parent(cur) {
            if out.len() > self.order.len() {
                break;
            }
            out.push(p);
            cur = p;
        }
        out
    }
}

#[derive(Debug, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    /// `hybrid_integration` objects by owning tenant (`None`: not recorded).
    pub objects: BTreeMap<Option<String>, ObjectAcl>,
    tenants: HashMap<String, u32>,
    /// Each node's position in (tenant, name) order, built on first need.
    rank: OnceLock<Vec<u32>>,
}

/// Interning keys: principal class and tenant are small integers, so a
/// lookup by `&str` name needs no allocation.
#[derive(Default)]
struct Builder {
    nodes: Vec<Node>,
    tenants: HashMap<String, u32>,
    classes: HashMap<String, u32>,
    index: HashMap<(u32, u32), HashMap<String, NodeId>>,
    /// Declared groups by name, for references that omit the tenant.
    groups_by_name: HashMap<String, Vec<NodeId>>,
}

const PERSON: u32 = 0;
const GROUP: u32 = 1;

impl Builder {
    fn tenant_key(&mut self, tenant: Option<&str>) -> u32 {
        match tenant {
            None => 0,
            Some(t) => {
                if let Some(k) = self.tenants.get(t) {
                    return *k;
                }
                let k = self.tenants.len() as u32 + 1;
                self.tenants.insert(t.to_owned(), k);
                k
            }
        }
    }

    fn class_key(&mut self, p: &Principal) -> u32 {
        if p.is_person() {
            return PERSON;
        }
        if p.is_group() {
            return GROUP;
        }
        let next = self.classes.len() as u32 + 2;
        *self.classes.entry(p.kind.clone()).or_insert(next)
    }

    fn find(&self, class: u32, tenant_key: u32, name: &str) -> Option<NodeId> {
        self.index
            .get(&(class, tenant_key))
            .and_then(|m| m.get(name))
            .copied()
    }

    /// The node for `(class, tenant, name)`, created with `kind` if new.
    fn intern(
        &mut self,
        class: u32,
        name: &str,
        tenant: Option<&str>,
        kind: impl FnOnce() -> NodeKind,
    ) -> (NodeId, bool) {
        let tk = self.tenant_key(tenant);
        if let Some(id) = self.find(class, tk, name) {
            return (id, false);
        }
        let id = self.nodes.len() as NodeId;
        self.nodes.push(Node {
            name: name.to_owned(),
            tenant: tenant.map(str::to_owned),
            tenant_key: tk,
            kind: kind(),
        });
        self.index
            .entry((class, tk))
            .or_default()
            .insert(name.to_owned(), id);
        (id, true)
    }

    /// A reference to a person, group or other principal.
    fn resolve(&mut self, p: &Principal) -> NodeId {
        let class = self.class_key(p);
        match class {
            PERSON => {
                let (id, _) = self.intern(PERSON, &p.name, p.tenant.as_deref(), || {
                    NodeKind::Person { agent: None }
                });
                if let NodeKind::Person { agent } = &mut self.nodes[id as usize].kind {
                    *agent = merge_agent(*agent, p.agent);
                }
                id
            }
            GROUP => {
                let tk = self.tenant_key(p.tenant.as_deref());
                if let Some(id) = self.find(GROUP, tk, &p.name) {
                    return id;
                }
                if p.tenant.is_none()
                    && let Some([only]) = self.groups_by_name.get(&p.name).map(Vec::as_slice)
                {
                    return *only;
                }
                self.intern(GROUP, &p.name, p.tenant.as_deref(), || NodeKind::Group {
                    members: Members::NotExported,
                })
                .0
            }
            _ => {
                let kind = p.kind.clone();
                self.intern(class, &p.name, p.tenant.as_deref(), || NodeKind::Other {
                    kind,
                })
                .0
            }
        }
    }
}

/// Known answers win over silence; a conflict counts as an agent.
fn merge_agent(old: Option<bool>, new: Option<bool>) -> Option<bool> {
    match (old, new) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), _) | (_, Some(false)) => Some(false),
        _ => None,
    }
}

impl Graph {
    pub fn build(p: &PermissionsExport) -> Graph {
        let mut b = Builder::default();

        // Declare every exported group first, so that member references
        // resolve whatever order the export lists groups in.
        let mut declared: Vec<(NodeId, &AccessGroup)> = Vec::with_capacity(p.access_groups.len());
        for g in &p.access_groups {
            let (id, _) = b.intern(GROUP, &g.name, g.tenant.as_deref(), || NodeKind::Group {
                members: Members::Listed(Vec::new()),
            });
            declared.push((id, g));
        }
        for (id, _) in &declared {
            let name = b.nodes[*id as usize].name.clone();
            let ids = b.groups_by_name.entry(name).or_default();
            if !ids.contains(id) {
                ids.push(*id);
            }
        }

        // Members; a group listed several times gets the union of its lists,
        // or "not listed" if any copy omits them.
        let mut lists: HashMap<NodeId, Option<Vec<NodeId>>> = HashMap::default();
        for (id, g) in &declared {
            let resolved = g
                .members
                .as_ref()
                .map(|ms| ms.iter().map(|m| b.resolve(m)).collect::<Vec<_>>());
            match (lists.entry(*id), resolved) {
                (Entry::Vacant(v), r) => {
                    v.insert(r);
                }
                (Entry::Occupied(mut o), Some(more)) => {
                    if let Some(list) = o.get_mut() {
                        list.extend(more);
                    }
                }
                (Entry::Occupied(mut o), None) => {
                    *o.get_mut() = None;
                }
            }
        }
        for (id, list) in lists {
            let members = match list {
                Some(mut l) => {
                    // Keep first-mention order (determinism) while dropping repeats.
                    let mut seen = HashMap::default();
                    l.retain(|m| seen.insert(*m, ()).is_none());
                    Members::Listed(l)
                }
                None => Members::NotListed,
            };
            b.nodes[id as usize].kind = NodeKind::Group { members };
        }

        let mut objects: BTreeMap<Option<String>, ObjectAcl> = BTreeMap::new();
        b.tenant_key(Some(ENVIRONMENT));
        for o in p.objects.iter().filter(|o| o.is_hybrid_integration()) {
            b.tenant_key(o.tenant.as_deref());
            let acl = objects.entry(o.tenant.clone()).or_default();
            acl.copies += 1;
            for e in &o.acl {
                let id = b.resolve(&e.subject);
                acl.entries.push((id, Access::parse(&e.access)));
            }
        }

        Graph {
            nodes: b.nodes,
            objects,
            tenants: b.tenants,
            rank: OnceLock::new(),
        }
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id as usize]
    }

    /// The interned key of a tenant name (`None` if the export never names it).
    pub fn tenant_key(&self, tenant: &str) -> Option<u32> {
        self.tenants.get(tenant).copied()
    }

    /// Orders nodes by (tenant, name, id), as reports list them.
    pub fn cmp_nodes(&self, a: NodeId, b: NodeId) -> std::cmp::Ordering {
        let (na, nb) = (self.node(a), self.node(b));
        (&na.tenant, &na.name, a).cmp(&(&nb.tenant, &nb.name, b))
    }

    /// [`Graph::cmp_nodes`] as integers, so picking the first few of
    /// tens of thousands of findings does not compare strings.
    pub fn rank(&self, id: NodeId) -> u32 {
        let rank = self.rank.get_or_init(|| {
            let mut by_order: Vec<NodeId> = (0..self.nodes.len() as NodeId).collect();
            by_order.sort_unstable_by(|a, b| self.cmp_nodes(*a, *b));
            let mut rank = vec![0u32; self.nodes.len()];
            for (r, id) in by_order.into_iter().enumerate() {
                rank[id as usize] = r as u32;
            }
            rank
        });
        rank[id as usize]
    }

    /// Everything the READ entries of `entries` reach, through nested
    /// groups, with the union of the flags reaching each node.
    ///
    /// Breadth-first from all READ entries at once, so each node's recorded
    /// path is a shortest one. A node is queued again only when the flags
    /// reaching it grow, which happens at most once per flag: cycles end.
    pub fn reach(&self, entries: &[(NodeId, Access)]) -> Reached {
        let mut out = Reached::new(self.nodes.len());
        let mut queue = VecDeque::new();
        for &(id, access) in entries.iter().filter(|(_, a)| a.has_read()) {
            let i = id as usize;
            let old = out.access[i];
            if old == Access::default() {
                out.order.push(id);
            }
            if old.union(access) != old {
                out.access[i] = old.union(access);
                queue.push_back(id);
            }
        }
        while let Some(id) = queue.pop_front() {
            let NodeKind::Group {
                members: Members::Listed(members),
            } = &self.node(id).kind
            else {
                continue;
            };
            let access = out.access[id as usize];
            for &m in members {
                let i = m as usize;
                let old = out.access[i];
                if old.union(access) == old {
                    continue;
                }
                if old == Access::default() {
                    out.parent[i] = id;
                    out.order.push(m);
                }
                out.access[i] = old.union(access);
                if matches!(self.node(m).kind, NodeKind::Group { .. }) {
                    queue.push_back(m);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn export(json: &str) -> PermissionsExport {
        serde_json::from_str(json).unwrap()
    }

    fn id(g: &Graph, name: &str) -> NodeId {
        g.nodes.iter().position(|n| n.name == name).unwrap() as NodeId
    }

    #[test]
    fn access_parses_known_flags_only() {
        let a = Access::parse(&["READ".into(), " execute".into(), "bogus".into()]);
        assert!(a.has_read());
        assert_eq!(a.names(), vec!["read", "execute"]);
        assert!(!Access::parse(&["read_permissions".into()]).has_read());
    }

    #[test]
    fn cycle_terminates_and_paths_are_shortest() {
        let g = Graph::build(&export(
            r#"{"objects": [{"type": "CfgTransaction", "name": "hybrid_integration", "tenant": "T",
                 "acl": [{"subject": {"type": "CfgAccessGroup", "name": "A", "tenant": "T"}, "access": ["read"]}]}],
               "access_groups": [
                 {"name": "A", "tenant": "T", "members": [{"type": "CfgAccessGroup", "name": "B", "tenant": "T"}]},
                 {"name": "B", "tenant": "T", "members": [{"type": "CfgAccessGroup", "name": "A", "tenant": "T"},
                                                          {"type": "CfgPerson", "name": "p", "tenant": "U", "agent": true}]}]}"#,
        ));
        let acl = &g.objects[&Some("T".to_owned())];
        let r = g.reach(&acl.entries);
        assert_eq!(r.order.len(), 3);
        let path: Vec<&str> = r
            .path(id(&g, "p"))
            .iter()
            .map(|n| g.node(*n).name.as_str())
            .collect();
        assert_eq!(path, ["p", "B", "A"]);
    }

    #[test]
    fn flags_accumulate_over_entries() {
        let g = Graph::build(&export(
            r#"{"objects": [{"type": "CfgTransaction", "name": "hybrid_integration", "tenant": "T",
                 "acl": [{"subject": {"type": "CfgAccessGroup", "name": "A", "tenant": "T"}, "access": ["read"]},
                         {"subject": {"type": "CfgAccessGroup", "name": "B", "tenant": "T"}, "access": ["read", "change"]},
                         {"subject": {"type": "CfgAccessGroup", "name": "C", "tenant": "T"}, "access": ["delete"]}]}],
               "access_groups": [
                 {"name": "A", "tenant": "T", "members": [{"type": "CfgAccessGroup", "name": "B", "tenant": "T"}]},
                 {"name": "B", "tenant": "T", "members": [{"type": "CfgPerson", "name": "p", "tenant": "T"}]},
                 {"name": "C", "tenant": "T", "members": [{"type": "CfgPerson", "name": "p", "tenant": "T"}]}]}"#,
        ));
        let acl = &g.objects[&Some("T".to_owned())];
        let r = g.reach(&acl.entries);
        // C grants no READ, so it is not a source and its delete does not count.
        assert_eq!(r.access(id(&g, "p")).names(), vec!["read", "change"]);
        assert!(!r.access(id(&g, "C")).has_read());
        assert!(!r.order.contains(&id(&g, "C")));
    }

    #[test]
    fn membership_knowledge_is_tracked() {
        let g = Graph::build(&export(
            r#"{"access_groups": [
                 {"name": "A", "tenant": "T", "members": [{"type": "CfgAccessGroup", "name": "Gone", "tenant": "T"},
                                                          {"type": "CfgAccessGroup", "name": "B"}]},
                 {"name": "B", "tenant": "U"},
                 {"name": "D", "tenant": "T", "members": []},
                 {"name": "D", "tenant": "T"}]}"#,
        ));
        let kind = |n: &str| g.node(id(&g, n)).kind.clone();
        assert_eq!(
            kind("Gone"),
            NodeKind::Group {
                members: Members::NotExported
            }
        );
        assert_eq!(
            kind("B"),
            NodeKind::Group {
                members: Members::NotListed
            }
        );
        assert_eq!(
            kind("D"),
            NodeKind::Group {
                members: Members::NotListed
            }
        );
        // The tenant-less reference resolved to the only group named B.
        assert_eq!(g.nodes.iter().filter(|n| n.name == "B").count(), 1);
    }

    #[test]
    fn agent_flag_merges_conservatively() {
        assert_eq!(merge_agent(None, Some(false)), Some(false));
        assert_eq!(merge_agent(Some(false), Some(true)), Some(true));
        assert_eq!(merge_agent(None, None), None);
    }
}
