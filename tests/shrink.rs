//! Shrinking: the result still fails the same way, is 1-minimal, is
//! deterministic, and replays byte for byte.

mod common;

use common::{bundled, joinsim, scratch, stdout, trace_section};
use joinsim::artifact::Artifact;
use joinsim::check::Invariant;
use joinsim::run::{RunOptions, RunResult, Schedule, run};
use joinsim::scenario::Scenario;
use joinsim::shrink::{Budget, nonzero, proptest_shrink, shrink};

use common::replay_choices as replay;

/// Deleting any single choice, or lowering any single non-zero choice to
/// 0, must make the target invariant stop failing.
fn assert_one_minimal(scenario: &Scenario, choices: &[u32], target: Invariant) {
    assert!(
        replay(scenario, choices).violated(target),
        "the shrunk schedule must fail"
    );
    for index in 0..choices.len() {
        let mut deleted = choices.to_vec();
        deleted.remove(index);
        assert!(
            !replay(scenario, &deleted).violated(target),
            "{}: deleting choice #{index} of {choices:?} still fails",
            scenario.name
        );
        if choices[index] != 0 {
            let mut lowered = choices.to_vec();
            lowered[index] = 0;
            assert!(
                !replay(scenario, &lowered).violated(target),
                "{}: lowering choice #{index} of {choices:?} to 0 still fails",
                scenario.name
            );
        }
    }
}

/// The first `count` failing seeds of a scenario, with their target.
fn failing_seeds(scenario: &Scenario, count: usize) -> Vec<(u64, RunResult)> {
    (1..)
        .map(|seed| (seed, run(scenario, &Schedule::Seed(seed), RunOptions::default())))
        .filter(|(_, result)| !result.violations.is_empty())
        .take(count)
        .collect()
}

#[test]
fn shrunk_failures_of_the_bundled_scenarios_are_one_minimal() {
    for name in ["groups-first-race", "issue-1390"] {
        let scenario = bundled(name);
        for (seed, found) in failing_seeds(&scenario, 6) {
            let target = found.first_violation().unwrap().invariant;
            let shrunk = shrink(&scenario, &found.choices, target, Budget::default());
            assert!(shrunk.input_failed && shrunk.fixed_point, "{name} seed {seed}");
            assert_one_minimal(&scenario, &shrunk.choices, target);
        }
    }
}

#[test]
fn a_false_rejection_shrinks_to_a_one_minimal_false_rejection() {
    // Seed 96 is the first seed whose stale group view rejects the join.
    let scenario = bundled("groups-first-race");
    let found = run(&scenario, &Schedule::Seed(96), RunOptions::default());
    let target = Invariant::SpuriousJoinFailure;
    assert!(found.violated(target));
    let shrunk = shrink(&scenario, &found.choices, target, Budget::default());
    assert!(shrunk.fixed_point);
    assert_one_minimal(&scenario, &shrunk.choices, target);
}

#[test]
fn issue_1390_fails_on_the_nominal_schedule_so_it_shrinks_to_nothing() {
    let scenario = bundled("issue-1390");
    let found = run(&scenario, &Schedule::Seed(1), RunOptions::default());
    let shrunk = shrink(
        &scenario,
        &found.choices,
        Invariant::SpuriousJoinFailure,
        Budget::default(),
    );
    assert_eq!(shrunk.choices, Vec::<u32>::new());
}

#[test]
fn the_shrunk_groups_first_race_keeps_only_a_few_deviations() {
    let scenario = bundled("groups-first-race");
    let found = run(&scenario, &Schedule::Seed(1), RunOptions::default());
    let target = Invariant::UnsyncedGroupValidation;
    let shrunk = shrink(&scenario, &found.choices, target, Budget::default());
    // The joiner must be slowed to the admin's start (t=100) by a handful
    // of message delays; the shrinker keeps about that many.
    assert!(nonzero(&shrunk.choices) <= 7, "{:?}", shrunk.choices);
    assert!(nonzero(&shrunk.choices) < nonzero(&found.choices));
}

#[test]
fn a_passing_schedule_is_not_shrunk() {
    let scenario = bundled("groups-first-race");
    let shrunk = shrink(&scenario, &[], Invariant::UnsyncedGroupValidation, Budget::default());
    assert!(!shrunk.input_failed);
}

#[test]
fn the_budget_bounds_the_runs() {
    let scenario = bundled("groups-first-race");
    let found = run(&scenario, &Schedule::Seed(1), RunOptions::default());
    let shrunk = shrink(
        &scenario,
        &found.choices,
        Invariant::UnsyncedGroupValidation,
        Budget { max_runs: 10 },
    );
    assert!(shrunk.runs <= 10);
    assert!(!shrunk.fixed_point);
    assert!(replay(&scenario, &shrunk.choices).violated(Invariant::UnsyncedGroupValidation));
}

#[test]
fn joinsim_shrinks_no_longer_than_proptest_from_the_same_start() {
    let scenario = bundled("groups-first-race");
    for (seed, found) in failing_seeds(&scenario, 5) {
        let target = found.first_violation().unwrap().invariant;
        let ours = shrink(&scenario, &found.choices, target, Budget::default());
        let theirs = proptest_shrink(&scenario, &found.choices, target, 20_000);
        assert!(replay(&scenario, &theirs.choices).violated(target), "seed {seed}");
        assert!(ours.choices.len() <= theirs.choices.len(), "seed {seed}");
    }
}

#[test]
fn shrinking_the_same_artifact_twice_gives_the_same_artifact_and_replays_byte_for_byte() {
    let dir = scratch("shrink-cli");
    let (run, saved) = common::save_race_artifact(&dir, 1, &[]);
    assert_eq!(run.status.code(), Some(1));
    let (first, second) = (dir.join("a.json"), dir.join("b.json"));
    let shrunk = joinsim(&["shrink", &saved, "-o", &first.display().to_string()]);
    assert_eq!(shrunk.status.code(), Some(0), "{}", stdout(&shrunk));
    joinsim(&["shrink", &saved, "-o", &second.display().to_string()]);
    assert_eq!(std::fs::read(&first).unwrap(), std::fs::read(&second).unwrap());
    let replayed = joinsim(&["replay", &first.display().to_string(), "--trace"]);
    assert_eq!(replayed.status.code(), Some(0), "{}", stdout(&replayed));
    assert_eq!(trace_section(&stdout(&shrunk)), trace_section(&stdout(&replayed)));
    let artifact = Artifact::load(&first).unwrap();
    assert_eq!(artifact.target(), Some(Invariant::UnsyncedGroupValidation));
}

#[test]
fn the_shrunk_race_trace_shows_the_race() {
    let dir = scratch("shrink-race");
    let (_, saved) = common::save_race_artifact(&dir, 96, &[]);
    let output = joinsim(&["shrink", &saved, "--invariant", "spurious-join-failure"]);
    let trace = trace_section(&stdout(&output));
    let at = |needle: &str| trace.find(needle).unwrap_or_else(|| panic!("{needle:?} in\n{trace}"));
    // The joiner reads the groups (seeing v2), the admin commits the new
    // group (v3) and the project update (v4), the joiner's project read
    // sees v4, and validation against the stale groups fails the join.
    let groups_read = at("J5 clusterInitMember/GetClusterGroups");
    let created = at("commit v3: CreateClusterGroup(gpu2)");
    let updated = at("commit v4: UpdateProject(default");
    let projects_requested = at("J5 clusterInitMember/GetProjects");
    let projects_read = at("DB at v4");
    let failed = at("join failed at J5 clusterInitMember/ApplyServerPreseed");
    assert!(
        groups_read < created && created < updated && updated < projects_read,
        "{trace}"
    );
    assert!(groups_read < projects_requested && projects_requested < projects_read && projects_read < failed);
    assert!(trace[groups_read..projects_requested].contains("DB at v2 (groups {default, gpu})"));
}

#[test]
fn shrink_refuses_an_invariant_the_artifact_did_not_violate() {
    let dir = scratch("shrink-invariant");
    let (_, saved) = common::save_race_artifact(&dir, 1, &[]);
    let output = joinsim(&["shrink", &saved, "--invariant", "join-liveness"]);
    assert_eq!(output.status.code(), Some(2));
}
