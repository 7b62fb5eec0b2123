//! Probes mark the model points a run reached: each fires where its window
//! is reached, and not where it cannot be.

mod common;

use joinsim::model::probe::Probe;

use common::{hit, probes_of};

#[test]
fn a_clean_join_hits_join_completed_only() {
    let set = probes_of("issue-1390-features-only", 20);
    assert!(hit(set, Probe::JoinCompleted));
    for probe in [
        Probe::JoinFailed,
        Probe::RevertAfterJ9,
        Probe::ValidationAgainstStaleGroups,
    ] {
        assert!(!hit(set, probe), "{}", probe.name());
    }
}

#[test]
fn an_error_after_j9_hits_revert_after_j9() {
    let set = probes_of("revert-after-join", 5);
    assert!(hit(set, Probe::RevertAfterJ9) && hit(set, Probe::JoinFailed));
}

#[test]
fn the_races_reach_their_windows() {
    let race = probes_of("groups-first-race", 300);
    assert!(hit(race, Probe::AdminCommitDuringJ5Reads));
    assert!(hit(race, Probe::ValidationAgainstStaleGroups));
    assert!(hit(race, Probe::AdminCommandSucceeded));
    let default_group = probes_of("default-group-assign-race", 20_000);
    assert!(hit(default_group, Probe::AdminCommitBetweenJ9AndJ10));
}

#[test]
fn probe_names_parse_back() {
    for probe in Probe::ALL {
        assert_eq!(Probe::parse(probe.name()), Some(probe));
    }
}
