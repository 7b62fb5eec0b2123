//! The invariants, each a named, listed thing (`joinsim list`).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Invariant {
    UnsyncedGroupValidation,
    SpuriousJoinFailure,
    RestrictionsLost,
    JoinLeftovers,
    DanglingGroupReference,
    JoinLiveness,
}

impl Invariant {
    pub const ALL: [Invariant; 6] = [
        Invariant::UnsyncedGroupValidation,
        Invariant::SpuriousJoinFailure,
        Invariant::RestrictionsLost,
        Invariant::JoinLeftovers,
        Invariant::DanglingGroupReference,
        Invariant::JoinLiveness,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Invariant::UnsyncedGroupValidation => "unsynced-group-validation",
            Invariant::SpuriousJoinFailure => "spurious-join-failure",
            Invariant::RestrictionsLost => "restrictions-lost",
            Invariant::JoinLeftovers => "join-leftovers",
            Invariant::DanglingGroupReference => "dangling-group-reference",
            Invariant::JoinLiveness => "join-liveness",
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
                "a completed joiner enforces the cluster's project config, restrictions included"
            }
            Invariant::JoinLeftovers => "a failed, reverted join leaves no row (pending or full) for the joiner",
            Invariant::DanglingGroupReference => {
                "no committed project names a cluster group that does not exist in restricted.cluster.groups"
            }
            Invariant::JoinLiveness => {
                "once faults heal every join ends within the bound, and every member whose join completed is in the default group"
            }
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
