//! The cluster's own nondeterminism, each a labelled choice that is 0 by
//! default: busy transactions and lost answers retried by query.Retry,
//! leader changes, local work that takes time, and mutex hand-off to any
//! waiter. Each is reached by its bundled scenario, and the retry finding
//! fails the join with the source's words.

mod common;

use common::bundled;
use joinsim::check::Invariant;
use joinsim::model::probe::Probe;
use joinsim::run::{RunOptions, Source, run};

use common::{hit, probes_of};

#[test]
fn the_leader_change_scenario_moves_leadership_hands_the_mutex_on_and_takes_local_time() {
    let set = probes_of("leader-change", 500);
    for probe in [
        Probe::LeaderChanged,
        Probe::MutexHandedOutOfOrder,
        Probe::LocalWorkTookTime,
        Probe::JoinCompleted,
    ] {
        assert!(hit(set, probe), "{} never reached", probe.name());
    }
}

#[test]
fn the_default_scenarios_draw_none_of_the_cluster_faults() {
    for name in ["lossy-admin", "groups-first-race", "revert-after-join"] {
        let set = probes_of(name, 200);
        for probe in [
            Probe::LeaderChanged,
            Probe::TransactionRetried,
            Probe::LocalWorkTookTime,
        ] {
            assert!(!hit(set, probe), "{name}: {}", probe.name());
        }
    }
}

#[test]
fn a_retried_transaction_that_meets_its_own_commit_fails_the_join_after_j9() {
    let set = probes_of("transaction-retry", 500);
    assert!(hit(set, Probe::TransactionRetried) && hit(set, Probe::RetryMetItsOwnCommit));
    let seed = common::first_seed("transaction-retry", |r| r.violated(Invariant::JoinLeftovers));
    let result = run(
        &bundled("transaction-retry"),
        &Source::Seed(seed),
        RunOptions::default(),
    );
    let (step, error) = result.joins[0].failure.as_ref().expect("the join failed");
    let known = [
        "Failed to join cluster: Cluster database initialization failed: Failed to get ID of joining node: Cluster member not found",
        "Failed to join cluster: Failed to add new member to the default cluster group: UNIQUE constraint failed: nodes_cluster_groups.node_id, nodes_cluster_groups.group_id",
    ];
    assert!(known.contains(&error.as_str()), "{step}: {error}");
}
