//! The invariants, each a named, listed thing (`joinsim list`): one file
//! per invariant behind [`Rule`], listed once below. The checker, `list`,
//! the README's table, scenarios' `[expect]` tables and the reports all
//! read this list. A checker reads the model's observations and state; it
//! never changes them.

mod checker;
pub mod end_view;
mod invariant;
mod rule;
mod violation;

use checker::Reported;
pub use checker::{Checker, LimitHit};
pub use end_view::EndView;
pub use rule::{Breach, Event, Rule};
pub use violation::Violation;

invariant::invariants! {
    unsynced_group_validation::UnsyncedGroupValidation,
    spurious_join_failure::SpuriousJoinFailure,
    restrictions_lost::RestrictionsLost,
    join_leftovers::JoinLeftovers,
    joiner_not_standalone::JoinerNotStandalone,
    dangling_group_reference::DanglingGroupReference,
    join_liveness::JoinLiveness,
    unsynced_zone_validation::UnsyncedZoneValidation,
    member_rows_missing::MemberRowsMissing,
    unsynced_project_validation::UnsyncedProjectValidation,
    unsynced_pool_validation::UnsyncedPoolValidation,
    unsynced_network_validation::UnsyncedNetworkValidation,
    unsynced_profile_validation::UnsyncedProfileValidation,
}
