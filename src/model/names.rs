//! Interned names. A run never allocates a string: group, project, pool,
//! network and config names are small numbers into one table built when the
//! scenario is loaded, and a set of cluster groups is a bit mask.

use std::collections::BTreeMap;

use super::bits::{BitSet, CAPACITY, Element};

/// An interned string (a project, pool or network name, a config key or
/// value).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sym(pub u16);

/// A cluster group name, numbered among all group names a scenario can ever
/// mention (at most [`CAPACITY`], `default` included).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupName(pub u8);

/// The slot of the always-present `default` group.
pub const DEFAULT_GROUP: GroupName = GroupName(0);

impl Element for GroupName {
    fn index(self) -> usize {
        usize::from(self.0)
    }
    fn from_index(index: usize) -> GroupName {
        GroupName(u8::try_from(index).expect("an index below CAPACITY"))
    }
}

/// A set of cluster group names.
pub type GroupSet = BitSet<GroupName>;

/// The well-known config keys the model interprets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Keys {
    pub restricted: Sym,
    pub restricted_cluster_groups: Sym,
    pub features_networks: Sym,
    pub default_project: Sym,
}

/// The name table of one scenario.
#[derive(Clone, Debug, Hash)]
pub struct Names {
    strings: Vec<String>,
    index: BTreeMap<String, Sym>,
    groups: Vec<String>,
    group_index: BTreeMap<String, GroupName>,
    /// For every interned value that is a comma-separated group list, its
    /// groups in written order (Incus reports the first missing one).
    group_lists: BTreeMap<Sym, Vec<GroupName>>,
    /// Node names, indexed by node number.
    pub nodes: Vec<String>,
    /// The same names interned: the name each node's member row is created
    /// with (a joiner's `req.ServerName`). A member row carries its own name,
    /// which a rename changes.
    node_syms: Vec<Sym>,
    pub keys: Keys,
}

/// Names cannot be interned any more: the scenario has too many.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TooManyNames(pub String);

impl Default for Names {
    fn default() -> Names {
        Names::new()
    }
}

impl Names {
    pub fn new() -> Names {
        let mut names = Names {
            strings: Vec::new(),
            index: BTreeMap::new(),
            groups: Vec::new(),
            group_index: BTreeMap::new(),
            group_lists: BTreeMap::new(),
            nodes: Vec::new(),
            node_syms: Vec::new(),
            keys: Keys {
                restricted: Sym(0),
                restricted_cluster_groups: Sym(0),
                features_networks: Sym(0),
                default_project: Sym(0),
            },
        };
        let known = [
            "restricted",
            "restricted.cluster.groups",
            "features.networks",
            "default",
        ];
        let syms: Vec<Sym> = known.iter().map(|s| names.intern(s).expect("fits")).collect();
        names.keys = Keys {
            restricted: syms[0],
            restricted_cluster_groups: syms[1],
            features_networks: syms[2],
            default_project: syms[3],
        };
        let default = names.group("default").expect("fits");
        debug_assert_eq!(default, DEFAULT_GROUP);
        names
    }

    pub fn intern(&mut self, s: &str) -> Result<Sym, TooManyNames> {
        if let Some(&sym) = self.index.get(s) {
            return Ok(sym);
        }
        let sym = Sym(u16::try_from(self.strings.len())
            .map_err(|_| TooManyNames(format!("names (at most {})", usize::from(u16::MAX) + 1)))?);
        self.strings.push(s.to_string());
        self.index.insert(s.to_string(), sym);
        Ok(sym)
    }

    /// Names the next node (numbered in declaration order) and interns its
    /// name.
    pub fn add_node(&mut self, name: &str) -> Result<Sym, TooManyNames> {
        let sym = self.intern(name)?;
        self.nodes.push(name.to_string());
        self.node_syms.push(sym);
        Ok(sym)
    }

    /// Interns a config value; a value of `restricted.cluster.groups` is
    /// also parsed into its group list as Incus splits it
    /// (`util.SplitNTrimSpace(value, ",", -1, true)`, shared/util/string.go:56
    /// at be7afc5df3, called by the validator at cmd/incusd/api_project.go:1790
    /// and by `GetRestrictedClusterGroups`, internal/server/project/permissions.go:1820):
    /// an all-blank value names no group; otherwise every comma-separated
    /// item, trimmed, is a name, an empty one included (`"gpu,"` names `gpu`
    /// and `""`, and the validator rejects `""`).
    pub fn intern_value(&mut self, key: Sym, value: &str) -> Result<Sym, TooManyNames> {
        let sym = self.intern(value)?;
        if key == self.keys.restricted_cluster_groups && !self.group_lists.contains_key(&sym) {
            let mut list = Vec::new();
            if !value.trim().is_empty() {
                for name in value.split(',').map(str::trim) {
                    list.push(self.group(name)?);
                }
            }
            self.group_lists.insert(sym, list);
        }
        Ok(sym)
    }

    /// The slot of a group name, allocated on first use.
    pub fn group(&mut self, name: &str) -> Result<GroupName, TooManyNames> {
        if let Some(&g) = self.group_index.get(name) {
            return Ok(g);
        }
        if self.groups.len() >= CAPACITY {
            let limit = format!("cluster group names (at most {CAPACITY}, `default` included)");
            return Err(TooManyNames(limit));
        }
        let g = GroupName::from_index(self.groups.len());
        self.groups.push(name.to_string());
        self.group_index.insert(name.to_string(), g);
        Ok(g)
    }

    pub fn lookup(&self, s: &str) -> Option<Sym> {
        self.index.get(s).copied()
    }

    pub fn lookup_group(&self, name: &str) -> Option<GroupName> {
        self.group_index.get(name).copied()
    }

    pub fn str(&self, sym: Sym) -> &str {
        &self.strings[usize::from(sym.0)]
    }

    pub fn node_str(&self, node: crate::sim::NodeId) -> &str {
        &self.nodes[usize::from(node)]
    }

    /// The name `node`'s member row is created with (for a joiner, the
    /// `req.ServerName` every step of its join looks itself up by).
    pub fn server_name(&self, node: crate::sim::NodeId) -> Sym {
        self.node_syms[usize::from(node)]
    }

    pub fn group_str(&self, group: GroupName) -> &str {
        &self.groups[usize::from(group.0)]
    }

    /// The groups a `restricted.cluster.groups` value names, in order.
    pub fn group_list(&self, value: Sym) -> &[GroupName] {
        self.group_lists.get(&value).map_or(&[], Vec::as_slice)
    }

    /// `{default, gpu}` style rendering of a group set.
    pub fn group_set_str(&self, set: GroupSet) -> String {
        let names: Vec<&str> = set.iter().map(|g| self.group_str(g)).collect();
        format!("{{{}}}", names.join(", "))
    }
}
