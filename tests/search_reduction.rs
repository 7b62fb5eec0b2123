//! Exhaustive search's state caching and partial-order reduction lose no
//! failure group: on every bundled scenario at bound 1, on the 3-joiner
//! race (`scenarios/bench/`) at bound 2, and with pruning alone on small
//! scenarios at bound 2, the search finds exactly the failure groups of the
//! plain search (every schedule run), with fewer runs where it can; and its
//! result does not depend on the number of threads.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use joinsim::explore::FailureKey;
use joinsim::explore::campaign::Quiet;
use joinsim::explore::search::{SearchOptions, search};
use joinsim::explore::strategy::Exhaustive;
use joinsim::scenario::Scenario;
use serde_json::Value;

/// What one exhaustive search found and how much it ran.
struct Found {
    groups: BTreeSet<FailureKey>,
    runs: u64,
    report: Value,
}

fn explore(scenario: &Scenario, mut strategy: Exhaustive, jobs: usize) -> Found {
    let never = AtomicBool::new(false);
    let options = SearchOptions {
        jobs,
        max_runs: None,
        deadline: None,
        interrupted: &never,
    };
    let found = search(scenario, &mut strategy, &options, &Quiet);
    assert!(found.complete, "{}: the search ran to its end", scenario.name);
    Found {
        groups: found.campaign.tally.groups.keys().cloned().collect(),
        runs: found.campaign.tally.runs,
        report: found.report.json,
    }
}

/// The plain search: every schedule within `bound` runs.
fn plain(bound: u32) -> Exhaustive {
    Exhaustive::new(bound).without_pruning()
}

/// The search as `explore` runs it: pruned by state, reduced by order.
fn reduced(scenario: &Scenario, bound: u32) -> Exhaustive {
    Exhaustive::new(bound).reduced_for(scenario)
}

fn race(variant: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/bench")
        .join(format!("race-3-joiners-{variant}.toml"));
    Scenario::load(&path).expect("the bench scenarios load")
}

fn same_groups(scenario: &Scenario, bound: u32) -> (Found, Found) {
    let all = explore(scenario, plain(bound), 2);
    let fewer = explore(scenario, reduced(scenario, bound), 2);
    assert_eq!(
        fewer.groups, all.groups,
        "{} at bound {bound}: the reduced search finds the plain search's failure groups",
        scenario.name
    );
    assert!(
        fewer.runs <= all.runs,
        "{}: {} > {}",
        scenario.name,
        fewer.runs,
        all.runs
    );
    (all, fewer)
}

#[test]
fn reduced_search_finds_every_failure_group_of_the_plain_search_on_every_bundled_scenario_at_bound_1() {
    let mut reduced_somewhere = false;
    for scenario in common::bundled_all() {
        let (all, fewer) = same_groups(&scenario, 1);
        eprintln!(
            "{}: {} of {} schedules, {} failure group(s)",
            scenario.name,
            fewer.runs,
            all.runs,
            all.groups.len()
        );
        reduced_somewhere |= fewer.report["reduced_last_deviations"].as_u64() > Some(0);
    }
    assert!(reduced_somewhere, "the reduction skipped nothing anywhere");
}

#[test]
fn reduced_search_finds_every_failure_group_of_the_plain_search_on_the_3_joiner_race_at_bound_2() {
    for variant in ["features-only", "groups-first"] {
        let scenario = race(variant);
        let (all, fewer) = same_groups(&scenario, 2);
        eprintln!("{variant}: {} of {} schedules", fewer.runs, all.runs);
        // The README's `bench --search --bounds` table shows these counts.
        let expected = if variant == "groups-first" {
            (69_223, 221_566)
        } else {
            (62_848, 198_256)
        };
        assert_eq!((fewer.runs, all.runs), expected, "{variant}");
        assert!(fewer.runs < all.runs, "{variant}: the reduction saved runs");
        if variant == "groups-first" {
            let invariants: Vec<String> = all.groups.iter().map(|k| k.invariant.to_string()).collect();
            assert_eq!(invariants, ["unsynced-group-validation"], "the race is there to find");
        } else {
            assert!(
                all.groups.is_empty(),
                "features-only is clean within 2: {:?}",
                all.groups
            );
        }
    }
}

#[test]
fn pruning_by_state_loses_no_failure_group_at_bound_2() {
    for name in [
        "groups-first-race",
        "issue-1390",
        "member-rename-during-join",
        "revert-target-down",
    ] {
        let scenario = common::bundled(name);
        let all = explore(&scenario, plain(2), 2);
        let pruned = explore(&scenario, Exhaustive::new(2), 2);
        assert_eq!(pruned.groups, all.groups, "{name}");
        assert!(pruned.runs <= all.runs, "{name}");
    }
}

#[test]
fn the_reduced_search_gives_the_same_result_with_any_number_of_threads() {
    let scenario = race("groups-first");
    let results: Vec<(BTreeSet<FailureKey>, u64, Value)> = [1, 2, 3]
        .into_iter()
        .map(|jobs| {
            let found = explore(&scenario, reduced(&scenario, 2), jobs);
            (found.groups, found.runs, found.report)
        })
        .collect();
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0], results[2]);
}
