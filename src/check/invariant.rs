//! The invariants, each a named, listed thing (`joinsim list`).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Invariant {
    UnsyncedGroupValidation,
    SpuriousJoinFailure,
    RestrictionsLost,
    JoinLeftovers,
    JoinerNotStandalone,
    DanglingGroupReference,
    JoinLiveness,
    UnsyncedZoneValidation,
}

impl Invariant {
    pub const ALL: [Invariant; 8] = [
        Invariant::UnsyncedGroupValidation,
        Invariant::SpuriousJoinFailure,
        Invariant::RestrictionsLost,
        Invariant::JoinLeftovers,
        Invariant::JoinerNotStandalone,
        Invariant::DanglingGroupReference,
        Invariant::JoinLiveness,
        Invariant::UnsyncedZoneValidation,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Invariant::UnsyncedGroupValidation => "unsynced-group-validation",
            Invariant::SpuriousJoinFailure => "spurious-join-failure",
            Invariant::RestrictionsLost => "restrictions-lost",
            Invariant::JoinLeftovers => "join-leftovers",
            Invariant::JoinerNotStandalone => "joiner-not-standalone",
            Invariant::DanglingGroupReference => "dangling-group-reference",
            Invariant::JoinLiveness => "join-liveness",
            Invariant::UnsyncedZoneValidation => super::zone_validation::NAME,
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Invariant::UnsyncedGroupValidation => {
                "a validation of project config naming cluster groups uses a group view synced to the config's DB version or newer"
            }
            Invariant::SpuriousJoinFailure => {
                "a join whose configuration is valid on the cluster does not fail with a validation error"
            }
            Invariant::RestrictionsLost => {
                "the project config a joined server is observed to enforce equals the cluster's, restrictions included"
            }
            Invariant::JoinLeftovers => "a failed, reverted join leaves no row (pending or full) for the joiner",
            Invariant::JoinerNotStandalone => {
                "a failed join leaves the joiner usable as the standalone server it was: its own database, no raft node list, not in the raft configuration, not clustered, its own name and certificate"
            }
            Invariant::DanglingGroupReference => {
                "no committed project names a cluster group that does not exist in restricted.cluster.groups"
            }
            Invariant::JoinLiveness => "once faults heal every join ends within the bound",
            Invariant::UnsyncedZoneValidation => super::zone_validation::DESCRIPTION,
        }
    }

    pub fn parse(name: &str) -> Option<Invariant> {
        Invariant::ALL.into_iter().find(|i| i.name() == name)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Invariant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
