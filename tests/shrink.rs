//! Shrinking: the result still fails the same way (same invariant, node
//! and step), is 1-minimal over its deviations, is deterministic, and
//! replays byte for byte.

mod common;

use common::{bundled, joinsim, scratch, stdout, trace_section};
use joinsim::artifact::Artifact;
use joinsim::check::Invariant;
use joinsim::run::{RunOptions, RunResult, Source, run};
use joinsim::scenario::Scenario;
use joinsim::shrink::{Budget, Target, proptest_shrink, shrink};
use joinsim::sim::Schedule;

use common::replay_schedule as replay;

fn fails(scenario: &Scenario, schedule: &Schedule, target: &Target) -> bool {
    target.find(&replay(scenario, schedule).violations).is_some()
}

/// Removing any single deviation must make the target failure stop.
fn assert_one_minimal(scenario: &Scenario, schedule: &Schedule, target: &Target) {
    assert!(fails(scenario, schedule, target), "the shrunk schedule must fail");
    for d in schedule.deviations() {
        assert!(
            !fails(scenario, &schedule.with(d.label, 0), target),
            "{}: removing {d:?} from {schedule:?} still fails with {target}",
            scenario.name
        );
    }
}

/// The first `count` failing seeds of a scenario.
fn failing_seeds(scenario: &Scenario, count: usize) -> Vec<(u64, RunResult)> {
    (1..)
        .map(|seed| (seed, run(scenario, &Source::Seed(seed), RunOptions::default())))
        .filter(|(_, result)| !result.violations.is_empty())
        .take(count)
        .collect()
}

fn first_target(result: &RunResult) -> Target {
    Target::of(result.first_violation().expect("a failing run"))
}

#[test]
fn shrunk_failures_of_the_bundled_scenarios_are_one_minimal_and_in_their_group() {
    for name in ["groups-first-race", "issue-1390", "lossy-admin"] {
        let scenario = bundled(name);
        for (seed, found) in failing_seeds(&scenario, 5) {
            let target = first_target(&found);
            let shrunk = shrink(&scenario, &found.schedule(), &target, Budget::default());
            assert!(shrunk.input_failed && shrunk.fixed_point, "{name} seed {seed}");
            assert!(shrunk.schedule.len() <= found.schedule().len());
            assert_one_minimal(&scenario, &shrunk.schedule, &target);
        }
    }
}

#[test]
fn issue_1390_fails_on_the_nominal_schedule_so_it_shrinks_to_nothing() {
    let scenario = bundled("issue-1390");
    let found = run(&scenario, &Source::Seed(1), RunOptions::default());
    let target = Target::of(
        found
            .violations
            .iter()
            .find(|v| v.invariant == Invariant::SpuriousJoinFailure)
            .unwrap(),
    );
    let shrunk = shrink(&scenario, &found.schedule(), &target, Budget::default());
    assert!(shrunk.schedule.is_empty(), "{:?}", shrunk.schedule);
}

#[test]
fn the_shrunk_groups_first_race_keeps_only_a_few_deviations() {
    let scenario = bundled("groups-first-race");
    let (_, found) = failing_seeds(&scenario, 1).remove(0);
    let target = first_target(&found);
    let shrunk = shrink(&scenario, &found.schedule(), &target, Budget::default());
    assert!(shrunk.schedule.len() <= 8, "{:?}", shrunk.schedule);
    assert!(shrunk.schedule.len() < found.schedule().len());
}

#[test]
fn a_passing_schedule_is_not_shrunk() {
    let scenario = bundled("groups-first-race");
    let target = Target {
        invariant: Invariant::UnsyncedGroupValidation,
        node: Some("j1".into()),
        step: None,
    };
    let shrunk = shrink(&scenario, &Schedule::default(), &target, Budget::default());
    assert!(!shrunk.input_failed);
}

#[test]
fn the_budget_bounds_the_runs() {
    let scenario = bundled("groups-first-race");
    let (_, found) = failing_seeds(&scenario, 1).remove(0);
    let target = first_target(&found);
    let shrunk = shrink(&scenario, &found.schedule(), &target, Budget { max_runs: 10 });
    assert!(shrunk.runs <= 10);
    assert!(!shrunk.fixed_point);
    assert!(fails(&scenario, &shrunk.schedule, &target));
}

#[test]
fn joinsim_shrinks_to_no_more_deviations_than_proptest_from_the_same_start() {
    let scenario = bundled("groups-first-race");
    for (seed, found) in failing_seeds(&scenario, 5) {
        let target = first_target(&found);
        let ours = shrink(&scenario, &found.schedule(), &target, Budget::default());
        let theirs = proptest_shrink(&scenario, &found.schedule(), &target, 20_000);
        assert!(fails(&scenario, &theirs.schedule, &target), "seed {seed}");
        assert!(ours.schedule.len() <= theirs.schedule.len(), "seed {seed}");
    }
}

/// Seed 70 of lossy-admin: ddmin-order deletion stops at 3 deviations,
/// each needed by the others, where proptest's front-to-back deletion
/// reaches 2; the shrinker's second path takes that order too.
#[test]
fn a_local_minimum_of_the_first_path_is_left_for_the_second() {
    let scenario = bundled("lossy-admin");
    let found = run(&scenario, &Source::Seed(70), RunOptions::default());
    let target = first_target(&found);
    assert_eq!(
        target.to_string(),
        "join-leftovers on j1 at J7 clusterAcceptMember (certificate only)"
    );
    let ours = shrink(&scenario, &found.schedule(), &target, Budget::default());
    let theirs = proptest_shrink(&scenario, &found.schedule(), &target, 5_000);
    assert_eq!(theirs.schedule.len(), 2, "{:?}", theirs.schedule);
    assert_eq!(ours.schedule.len(), 2, "{:?}", ours.schedule);
    assert!(ours.fixed_point);
    assert_one_minimal(&scenario, &ours.schedule, &target);
}

#[test]
fn shrinking_the_same_artifact_twice_gives_the_same_artifact_and_replays_byte_for_byte() {
    let dir = scratch("shrink-cli");
    let seed = first_failing_race_seed();
    let (run, saved) = common::save_race_artifact(&dir, seed, &[]);
    assert_eq!(run.status.code(), Some(1));
    let (first, second) = (dir.join("a.json"), dir.join("b.json"));
    let shrunk = joinsim(&["shrink", &saved, "-o", &first.display().to_string()]);
    assert_eq!(shrunk.status.code(), Some(0), "{}", stdout(&shrunk));
    joinsim(&["shrink", &saved, "-o", &second.display().to_string()]);
    assert_eq!(std::fs::read(&first).unwrap(), std::fs::read(&second).unwrap());
    let replayed = joinsim(&["replay", &first.display().to_string(), "--trace"]);
    assert_eq!(replayed.status.code(), Some(0), "{}", stdout(&replayed));
    assert_eq!(trace_section(&stdout(&shrunk)), trace_section(&stdout(&replayed)));
    let original = Artifact::load(std::path::Path::new(&saved)).unwrap();
    let artifact = Artifact::load(&first).unwrap();
    assert_eq!(
        artifact.target(),
        original.target(),
        "the shrink kept its failure group"
    );
}

/// The first seed of groups-first-race whose run fails.
fn first_failing_race_seed() -> u64 {
    failing_seeds(&bundled("groups-first-race"), 1)[0].0
}

/// The first seed of groups-first-race whose join is falsely rejected.
fn first_false_rejection_seed() -> u64 {
    let scenario = bundled("groups-first-race");
    (1..)
        .find(|&seed| {
            run(&scenario, &Source::Seed(seed), RunOptions::default()).violated(Invariant::SpuriousJoinFailure)
        })
        .unwrap()
}

#[test]
fn the_shrunk_race_trace_shows_the_race() {
    let dir = scratch("shrink-race");
    let (_, saved) = common::save_race_artifact(&dir, first_false_rejection_seed(), &[]);
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
    let (_, saved) = common::save_race_artifact(&dir, first_failing_race_seed(), &[]);
    let output = joinsim(&["shrink", &saved, "--invariant", "join-liveness"]);
    assert_eq!(output.status.code(), Some(2));
}
