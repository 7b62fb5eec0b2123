//! The global database: cluster groups, projects, storage pools, networks
//! and members. The cluster's copy lives with the leader (dqlite); a joiner
//! has a local one of the same shape until it joins (J9).

use std::sync::Arc;

use super::bits::BitSet;
use super::names::{DEFAULT_GROUP, GroupName, GroupSet, Names, Sym};
use crate::sim::NodeId;

/// A set of nodes (at most [`super::bits::CAPACITY`] in a scenario).
pub type NodeSet = BitSet<NodeId>;

/// Project config: `(key, value)` pairs sorted by key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Config(pub Vec<(Sym, Sym)>);

impl Config {
    pub fn get(&self, key: Sym) -> Option<Sym> {
        self.0.binary_search_by_key(&key, |&(k, _)| k).ok().map(|i| self.0[i].1)
    }

    /// Sets `key` to `value`, or removes it when `value` is `None`.
    pub fn set(&mut self, key: Sym, value: Option<Sym>) {
        match (self.0.binary_search_by_key(&key, |&(k, _)| k), value) {
            (Ok(i), Some(v)) => self.0[i].1 = v,
            (Ok(i), None) => {
                self.0.remove(i);
            }
            (Err(i), Some(v)) => self.0.insert(i, (key, v)),
            (Err(_), None) => {}
        }
    }

    /// Only the `features.*` keys (what `features-only` passes at J5).
    pub fn features_only(&self, names: &Names) -> Config {
        Config(
            self.0
                .iter()
                .copied()
                .filter(|&(k, _)| names.str(k).starts_with("features."))
                .collect(),
        )
    }

    /// The groups named by `restricted.cluster.groups`, if the key is set.
    pub fn restricted_groups<'n>(&self, names: &'n Names) -> Option<&'n [GroupName]> {
        self.get(names.keys.restricted_cluster_groups)
            .map(|v| names.group_list(v))
    }

    /// Whether `key` is set to a true value (`util.IsTrue`).
    pub fn is_true(&self, key: Sym, names: &Names) -> bool {
        self.get(key).is_some_and(|v| super::boolean::is_true(names.str(v)))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Group {
    pub name: GroupName,
    pub members: NodeSet,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Project {
    pub name: Sym,
    pub config: Config,
}

/// A storage pool or a network: cluster-wide record first (pending), then
/// created on every member.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Resource {
    pub name: Sym,
    /// The project of a network; `default` for pools.
    pub project: Sym,
    pub created: bool,
    /// Members that have config for it.
    pub members: NodeSet,
}

/// A row of the `nodes` table (internal/server/db/cluster/schema.go:390 at
/// be7afc5df3). The model's `node` is the row's address (`UNIQUE (address)`,
/// which no operation changes); `name` is its own column (`UNIQUE (name)`),
/// which `incus cluster rename` changes, so every lookup Incus makes by name
/// is made here by `name`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemberRow {
    pub node: NodeId,
    pub pending: bool,
    pub name: Sym,
}

/// A table of the database, copy-on-write: cloning a database shares its
/// tables, and a transaction copies a table only when it writes to it
/// (`DerefMut` is `Arc::make_mut`), so a commit costs what it changes, not
/// the size of the cluster. Reading derefs to the rows. Each copy keeps its
/// rows' hash once a state fingerprint has asked for it (every state that
/// shares the table shares it too); a write drops it.
pub struct Table<T>(Arc<Rows<T>>);

#[derive(Clone)]
struct Rows<T> {
    rows: Vec<T>,
    hash: std::sync::OnceLock<u64>,
}

/// As `Table(rows)`: the hash kept is not part of what a table is.
impl<T: std::fmt::Debug> std::fmt::Debug for Table<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Table").field(&self.0.rows).finish()
    }
}

impl<T: PartialEq> PartialEq for Table<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0.rows == other.0.rows
    }
}

impl<T: Eq> Eq for Table<T> {}

impl<T: std::hash::Hash> std::hash::Hash for Table<T> {
    /// The rows, as a `Vec` hashes them; in a state fingerprint, their
    /// hash, kept with the table.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        if !WHOLE_SNAPSHOTS.get() {
            return self.0.rows.hash(state);
        }
        let rows = self.0.hash.get_or_init(|| {
            let mut hasher = crate::sim::hash::TraceHasher::new();
            self.0.rows.hash(&mut hasher);
            std::hash::Hasher::finish(&hasher)
        });
        state.write_u64(*rows);
    }
}

// Derived `Clone`/`Default` would demand them of `T` too.
impl<T> Clone for Table<T> {
    fn clone(&self) -> Self {
        Table(Arc::clone(&self.0))
    }
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table::new(Vec::new())
    }
}

impl<T> FromIterator<T> for Table<T> {
    fn from_iter<I: IntoIterator<Item = T>>(rows: I) -> Self {
        Table::new(rows.into_iter().collect())
    }
}

impl<T> Table<T> {
    pub fn new(rows: Vec<T>) -> Table<T> {
        Table(Arc::new(Rows {
            rows,
            hash: std::sync::OnceLock::new(),
        }))
    }

    /// Whether two tables are one and the same, unchanged since one was
    /// cloned from the other (a written table is a new copy).
    pub fn same(a: &Table<T>, b: &Table<T>) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

impl<T> std::ops::Deref for Table<T> {
    type Target = Vec<T>;
    fn deref(&self) -> &Vec<T> {
        &self.0.rows
    }
}

impl<T: Clone> std::ops::DerefMut for Table<T> {
    fn deref_mut(&mut self) -> &mut Vec<T> {
        let table = Arc::make_mut(&mut self.0);
        table.hash.take();
        &mut table.rows
    }
}

impl<'a, T> IntoIterator for &'a Table<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.rows.iter()
    }
}

/// The bit [`Db::changed_tables`] sets for a change no table declares.
pub const UNDECLARED: u32 = 1 << 31;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Db {
    /// Bumped by every committed transaction (the raft log index).
    pub version: u64,
    pub groups: Table<Group>,
    pub projects: Table<Project>,
    pub pools: Table<Resource>,
    pub networks: Table<Resource>,
    pub members: Table<MemberRow>,
    /// Joiners holding an unused join token (a `ClusterJoinToken`
    /// operation; tokens are single use, certificates.go:330-399).
    pub tokens: NodeSet,
    /// When each token issued during the run was (the operation's
    /// `expiresAt` less the expiry, api_cluster.go:1283, 1378 at v6.0.4);
    /// kept only when the scenario sets `cluster.join_token_expiry`. A
    /// token not listed was issued at tick 0.
    pub token_issued: Table<(NodeId, u64)>,
    /// Joiners whose server certificate is in the trust store (added at J1,
    /// removed by `cluster.Purge`, membership.go:1160). A joiner's
    /// certificate carries the name it joins with (J1 `SetupTrust`, J2
    /// `UpdateTrust`, connect.go:279-371); a member rename does not rename
    /// it (`RenameNode` updates `nodes` only, node.go:440). Members' own
    /// certificates are not held.
    pub trusted: NodeSet,
    /// The nodes of the raft configuration (cowsql): not an SQL table but
    /// replicated state all the same; J9 `Add` puts a joiner in,
    /// `cluster.Leave` takes it out (membership.go:450, 1039).
    pub raft: NodeSet,
    /// The network zones (`networks_zones`, internal/server/db/cluster/
    /// update.go at be7afc5df3), by name; all in `default` (the model has
    /// no project with `features.networks.zones`).
    pub zones: Table<Sym>,
    /// The `dns.zone.*` keys of the bridge networks' config
    /// (`networks_config`), one row per zone named.
    pub network_zone_keys: Table<NetworkZoneKey>,
    /// The NIC devices of the `default` profile of project `default`
    /// (`profiles_devices`, schema.go at be7afc5df3): a joiner's own, as
    /// `incus admin init` left it (the scenario's `[standalone]`); the
    /// cluster's has none in the model.
    pub profile_nics: Table<ProfileNic>,
}

/// A NIC device of a profile on a host interface (`nictype` and
/// `parent=NAME`); what `checkRestrictions` reads of it is whether it names
/// a managed `network` (permissions.go:749-764 at be7afc5df3), which these
/// do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProfileNic {
    pub device: Sym,
    pub parent: Sym,
}

/// One zone a bridge network's `dns.zone.forward`, `dns.zone.reverse.ipv4`
/// or `dns.zone.reverse.ipv6` key names (driver_bridge.go:555-573 at
/// be7afc5df3); `dns.zone.forward` may name several, one row each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NetworkZoneKey {
    pub network: Sym,
    pub project: Sym,
    pub key: ZoneKey,
    pub zone: Sym,
}

/// The bridge config keys naming a network zone, in the order
/// `validateZoneNames` checks them (driver_common.go:197 at be7afc5df3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ZoneKey {
    Forward,
    ReverseIpv4,
    ReverseIpv6,
}

impl ZoneKey {
    pub const ALL: [ZoneKey; 3] = [ZoneKey::Forward, ZoneKey::ReverseIpv4, ZoneKey::ReverseIpv6];

    pub fn name(self) -> &'static str {
        match self {
            ZoneKey::Forward => "dns.zone.forward",
            ZoneKey::ReverseIpv4 => "dns.zone.reverse.ipv4",
            ZoneKey::ReverseIpv6 => "dns.zone.reverse.ipv6",
        }
    }

    pub fn parse(key: &str) -> Option<ZoneKey> {
        ZoneKey::ALL.into_iter().find(|k| k.name() == key)
    }
}

thread_local! {
    /// Set while a state fingerprint is taken (`hashing_whole_snapshots`): two states
    /// may hold snapshots of one version with different contents (two
    /// orders of the same commits), which a trace hash need not tell apart
    /// but a fingerprint must.
    static WHOLE_SNAPSHOTS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `hash` with every [`Snapshot`] hashed by its whole content rather
/// than its version.
pub fn hashing_whole_snapshots<T>(hash: impl FnOnce() -> T) -> T {
    WHOLE_SNAPSHOTS.set(true);
    let out = hash();
    WHOLE_SNAPSHOTS.set(false);
    out
}

/// A database as read at one version: cheap to pass around in messages.
#[derive(Clone, Debug)]
pub struct Snapshot(pub Arc<Db>);

impl std::hash::Hash for Snapshot {
    /// A cluster snapshot is identified by its version; hashing it whole per
    /// message would cost more than the rest of the event. A joiner's local
    /// database has no version of its own (0), so what it carries to the
    /// leader (J7, J9) is hashed by content: its pools and networks.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        if WHOLE_SNAPSHOTS.get() {
            return self.0.hash(state);
        }
        self.0.version.hash(state);
        if self.0.version == 0 {
            for r in self.0.pools.iter().chain(&self.0.networks) {
                (r.name, r.project, r.created).hash(state);
            }
        }
    }
}

impl PartialEq for Snapshot {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || *self.0 == *other.0
    }
}

impl Db {
    /// The tables (bits of [`super::tables::Table`]) whose rows differ
    /// between `self` and `after`, so that a transaction's writes can be
    /// held to what it declares. A change to state no table names (zones,
    /// profile devices: set up by the scenario, written by no transaction)
    /// sets [`UNDECLARED`].
    pub fn changed_tables(&self, after: &Db) -> u32 {
        use super::tables::Table as T;
        if std::ptr::eq(self, after) {
            return 0;
        }
        fn same<R: PartialEq>(a: &Table<R>, b: &Table<R>) -> bool {
            Arc::ptr_eq(&a.0, &b.0) || a.0.rows == b.0.rows
        }
        // A pair of `nodes_cluster_groups` belongs to a group by id, so a
        // renamed group keeps its pairs and a new or dropped empty one has none.
        let pairs =
            |db: &Db| -> Vec<NodeSet> { db.groups.iter().map(|g| g.members).filter(|m| !m.is_empty()).collect() };
        let group_names = |db: &Db| -> Vec<GroupName> { db.groups.iter().map(|g| g.name).collect() };
        let groups_same = Arc::ptr_eq(&self.groups.0, &after.groups.0);
        let changes = [
            (!same(&self.members, &after.members), T::Nodes.bit()),
            (
                !groups_same && group_names(self) != group_names(after),
                T::ClusterGroups.bit(),
            ),
            (!groups_same && pairs(self) != pairs(after), T::NodesClusterGroups.bit()),
            (!same(&self.projects, &after.projects), T::Projects.bit()),
            (!same(&self.pools, &after.pools), T::StoragePools.bit()),
            (!same(&self.networks, &after.networks), T::Networks.bit()),
            (
                !same(&self.network_zone_keys, &after.network_zone_keys),
                T::Networks.bit(),
            ),
            (self.trusted != after.trusted, T::Certificates.bit()),
            (self.tokens != after.tokens, T::JoinTokens.bit()),
            (!same(&self.token_issued, &after.token_issued), T::JoinTokens.bit()),
            (self.raft != after.raft, T::RaftNodes.bit()),
            (!same(&self.zones, &after.zones), UNDECLARED),
            (!same(&self.profile_nics, &after.profile_nics), UNDECLARED),
        ];
        changes
            .iter()
            .filter(|(changed, _)| *changed)
            .fold(0, |set, (_, bit)| set | bit)
    }

    /// A standalone server's local database: the `default` group and the
    /// `default` project, nothing else.
    pub fn standalone(names: &Names) -> Db {
        Db {
            version: 0,
            groups: Table::new(vec![Group {
                name: DEFAULT_GROUP,
                members: NodeSet::default(),
            }]),
            projects: Table::new(vec![Project {
                name: names.keys.default_project,
                config: Config::default(),
            }]),
            pools: Table::default(),
            networks: Table::default(),
            members: Table::default(),
            tokens: NodeSet::default(),
            token_issued: Table::default(),
            trusted: NodeSet::default(),
            raft: NodeSet::default(),
            zones: Table::default(),
            network_zone_keys: Table::default(),
            profile_nics: Table::default(),
        }
    }

    /// Whether a storage pool of that name exists in any state
    /// (`GetStoragePoolNames`, internal/server/db/storage_pools.go:552-554
    /// at be7afc5df3: no state filter).
    pub fn has_pool_named(&self, name: &str, names: &Names) -> bool {
        names
            .lookup(name)
            .is_some_and(|n| self.pools.iter().any(|p| p.name == n))
    }

    /// Whether a network of that name exists in `project` in any state
    /// (`GetNetworkInAnyState`, internal/server/db/networks.go:619-621,
    /// 643-676 at be7afc5df3: no state filter, `Network not found`, 673).
    pub fn has_network_named(&self, project: Sym, name: &str, names: &Names) -> bool {
        names
            .lookup(name)
            .is_some_and(|n| self.networks.iter().any(|r| r.name == n && r.project == project))
    }

    pub fn group_set(&self) -> GroupSet {
        let mut set = GroupSet::EMPTY;
        for g in &self.groups {
            set.insert(g.name);
        }
        set
    }

    pub fn group(&self, name: GroupName) -> Option<&Group> {
        self.groups.iter().find(|g| g.name == name)
    }

    pub fn group_mut(&mut self, name: GroupName) -> Option<&mut Group> {
        self.groups.iter_mut().find(|g| g.name == name)
    }

    pub fn project(&self, name: Sym) -> Option<&Project> {
        self.projects.iter().find(|p| p.name == name)
    }

    pub fn member(&self, node: NodeId) -> Option<&MemberRow> {
        self.members.iter().find(|m| m.node == node)
    }

    /// The row named `name` in the given state: `GetNodeByName` (not
    /// pending) or `GetPendingNodeByName` (pending), internal/server/db/node.go:293-328
    /// at be7afc5df3. Names are unique across both states (`UNIQUE (name)`).
    pub fn member_named(&self, name: Sym, pending: bool) -> Option<&MemberRow> {
        self.members.iter().find(|m| m.name == name && m.pending == pending)
    }

    /// The groups `node` belongs to (`GetClusterGroupsWithNode`).
    pub fn groups_of(&self, node: NodeId) -> GroupSet {
        let mut set = GroupSet::EMPTY;
        for g in self.groups.iter().filter(|g| g.members.contains(node)) {
            set.insert(g.name);
        }
        set
    }

    /// `RemoveNode` (internal/server/db/node.go:935) with what its foreign
    /// keys cascade to (`ON DELETE CASCADE`, schema.go:324-331, 404-411,
    /// 547-555): the node's group pairs and its pool and network rows.
    pub fn remove_member_row(&mut self, node: NodeId) {
        self.members.retain(|m| m.node != node);
        for g in self.groups.iter_mut() {
            g.members.remove(node);
        }
        for r in self.pools.iter_mut().chain(self.networks.iter_mut()) {
            r.members.remove(node);
        }
    }

    /// `DeleteCertificates(name, TypeServer)` as `cluster.Purge` runs it
    /// (internal/server/cluster/membership.go:1160;
    /// internal/server/db/cluster/certificates.mapper.go:51-53): every
    /// server certificate of that name, whoever it was issued to.
    pub fn delete_server_certificates(&mut self, name: Sym, names: &Names) {
        for node in self.trusted.iter() {
            if names.server_name(node) == name {
                self.trusted.remove(node);
            }
        }
    }

    /// The row of `node` among pending members (`GetPendingNodeByName`,
    /// `GetPendingNodeByAddress`: node.go:274-308); a node's name and
    /// address are both its `NodeId` here.
    pub fn pending_member(&self, node: NodeId) -> Option<&MemberRow> {
        self.members.iter().find(|m| m.node == node && m.pending)
    }

    /// The row of `node` among non-pending members (`GetNodeByName`,
    /// node.go:311-326; `GetNodes` lists only these, node.go:407-409).
    pub fn full_member(&self, node: NodeId) -> Option<&MemberRow> {
        self.members.iter().find(|m| m.node == node && !m.pending)
    }

    /// Whether a project lists `group` in `restricted.cluster.groups`
    /// (whether or not `restricted` is true), as Incus's in-use check does
    /// (`clusterGroupUsedBy`, cmd/incusd/api_cluster_group.go:1084-1100 at
    /// be7afc5df3; its instances are not modelled).
    pub fn group_in_use(&self, group: GroupName, names: &Names) -> bool {
        self.projects.iter().any(|p| {
            p.config
                .restricted_groups(names)
                .is_some_and(|list| list.contains(&group))
        })
    }
}
