//! What the model reports to the invariant checker: facts the checker
//! cannot read off the final state, such as which group view a validation
//! used.

use super::db::{Snapshot, ZoneKey};
use super::names::{GroupSet, Sym};
use super::step::Step;
use crate::sim::NodeId;

/// A node's view of the cluster groups when it validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GroupView {
    pub groups: GroupSet,
    /// The cluster DB version the view was read at; `None` for a joiner's
    /// own local database, which was never synchronised.
    pub synced_at: Option<u64>,
}

/// Where a validation ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Site {
    Join(Step),
    /// An admin's `projectChange`, in its validating transaction.
    ProjectChange,
}

/// One run of `projectValidateConfig` on a config that names cluster groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Validation {
    pub node: NodeId,
    pub site: Site,
    pub project: Sym,
    /// The cluster DB version at which the validated config was read.
    pub config_version: u64,
    pub view: GroupView,
    /// The groups the config's `restricted.cluster.groups` names.
    pub referenced: GroupSet,
    pub passed: bool,
}

/// Which database a node's project config came from when it acted on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConfigSource {
    /// The node's own local global database.
    Local,
    /// The replicated cluster database, read at this version.
    Replicated(u64),
}

/// The project config a joiner enforces from now on, observed where it
/// loads it: at J11, when the joined server reloads its configuration from
/// the database it now uses (api_cluster.go:809-837 at be7afc5df3) and
/// starts serving as a member.
#[derive(Clone, Debug, PartialEq, Hash)]
pub struct Enforcement {
    pub node: NodeId,
    pub source: ConfigSource,
    /// The database the config was read from.
    pub read: Snapshot,
}

/// One zone lookup of a bridge network's `validateZoneNames`
/// (internal/server/network/driver_common.go:168-220 at be7afc5df3) while a
/// joiner creates the network on its own daemon at J5: what the database
/// it read answered, and what the cluster's would have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ZoneValidation {
    pub node: NodeId,
    pub step: Step,
    pub network: Sym,
    pub project: Sym,
    pub key: ZoneKey,
    pub zone: Sym,
    /// Whether the joiner's database (its local one before J9) has the zone.
    pub found: bool,
    /// Whether the cluster had it at the version the network was read.
    pub cluster_has: bool,
    /// The cluster DB version the network was read at.
    pub config_version: u64,
}

/// What a validation on a joiner's own daemon at J5 read from its local
/// database (besides cluster groups and network zones), named by the
/// table or kind of entity it read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LocalReadKind {
    /// `projects_config` of `default`: `project.NetworkAllowed` when a
    /// network of `default` is created (cmd/incusd/networks.go:405, 436-438
    /// at be7afc5df3).
    ProjectConfig,
    /// `storage_pools`: a `limits.disk.pool.NAME` key's pool
    /// (api_project.go:2050-2070).
    StoragePools,
    /// `networks`: a `restricted.networks.subnets` item's uplink
    /// (api_project.go:2156-2164).
    Networks,
    /// `profiles` and `profiles_devices`: `AllowProjectUpdate` checks the
    /// profiles of the project against its new restrictions
    /// (api_project.go:860; permissions.go:1190-1260).
    Profiles,
}

/// One read of the joiner's local database by a J5 validation, with its
/// answer and the answer the cluster's database would have given, as of
/// the version the validated entity was read at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LocalRead {
    pub node: NodeId,
    pub step: Step,
    pub kind: LocalReadKind,
    /// The entity validated: a project, or a network in `default`.
    pub entity: Sym,
    /// What was looked up: the pool, the uplink network, the project whose
    /// config was read, the profile whose devices were read.
    pub subject: Sym,
    /// The local database's answer: found, or allowed (no conflict).
    pub local: bool,
    /// The cluster's answer at `config_version`.
    pub cluster: bool,
    /// The cluster DB version at which the validated entity was read.
    pub config_version: u64,
}

impl LocalRead {
    /// Whether the local database answered otherwise than the cluster's
    /// would have: a read whose answer cannot differ is no violation.
    pub fn differs(&self) -> bool {
        self.local != self.cluster
    }

    /// What the local answer did to the validation's outcome, for a read
    /// that [`differs`](Self::differs).
    pub fn outcome(&self) -> &'static str {
        if self.local {
            "the local view changed the outcome: a false acceptance"
        } else {
            "the local view changed the outcome: a false rejection that fails the join"
        }
    }
}

/// The first local read of `kind` among `observations` whose answer
/// differs from the cluster's.
pub fn differing_local_read(observations: &[Observation], kind: LocalReadKind) -> Option<&LocalRead> {
    observations.iter().find_map(|o| match o {
        Observation::LocalRead(r) if r.kind == kind && r.differs() => Some(r),
        _ => None,
    })
}

#[derive(Clone, Debug, PartialEq, Hash)]
pub enum Observation {
    Validation(Validation),
    Enforced(Enforcement),
    ZoneValidation(ZoneValidation),
    LocalRead(LocalRead),
}
