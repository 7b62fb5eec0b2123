//! What the model reports to the invariant checker: facts the checker
//! cannot read off the final state, such as which group view a validation
//! used.

use super::db::Snapshot;
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
#[derive(Clone, Debug, PartialEq)]
pub struct Enforcement {
    pub node: NodeId,
    pub source: ConfigSource,
    /// The database the config was read from.
    pub read: Snapshot,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Observation {
    Validation(Validation),
    Enforced(Enforcement),
}
