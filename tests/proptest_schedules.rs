//! proptest over schedules: generated deviations at the choice points of
//! the bundled scenarios, proptest's shrinking on the buggy variants, and
//! the failure seeds proptest has found kept in `tests/proptest-regressions/`.

mod common;

use common::bundled;
use joinsim::check::Invariant;
use joinsim::model::Variant;
use joinsim::run::{RunOptions, Source, run};
use joinsim::scenario::Scenario;
use joinsim::sim::{Deviation, Point, Schedule};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestError, TestRunner};

/// The most deviations a generated schedule holds.
const MAX_DEVIATIONS: usize = 64;

use common::replay_schedule as replay;

/// Schedules at the choice points `name` reaches (in its nominal run and
/// seeded runs 1..=20).
fn schedules_of(name: &str) -> impl Strategy<Value = Schedule> {
    generated_schedules(choice_points(&bundled(name), 20), MAX_DEVIATIONS)
}

// The schedule generators. A run is a pure function of its schedule (the
// labelled deviations from nominal), so a generated set of deviations is a
// whole run, and proptest's own shrinking of the set (remove elements,
// shrink values) shrinks the run. (Generators, which proptest calls
// strategies, are not the search strategies of `explore`.)

/// The choice points `scenario` reaches in its nominal run and in seeded
/// runs `1..=seeds` (deviations lead to points the nominal run never
/// reaches), one per label, with the most options seen.
fn choice_points(scenario: &Scenario, seeds: u64) -> Vec<Point> {
    let options = RunOptions {
        points: true,
        ..RunOptions::default()
    };
    let sources = std::iter::once(Source::Schedule(Schedule::default())).chain((1..=seeds).map(Source::Seed));
    let mut points: Vec<Point> = Vec::new();
    for source in sources {
        for p in run(scenario, &source, options).points.unwrap_or_default() {
            match points.iter_mut().find(|q| q.label == p.label) {
                Some(q) => q.options = q.options.max(p.options),
                None => points.push(p),
            }
        }
    }
    points.sort_by_key(|p| p.label);
    points
}

/// Schedules of up to `max` deviations at `points`, each value in
/// `1..options`: half the time small (a message a little late), half the
/// time anywhere in range (an admin who acts much later).
fn generated_schedules(points: Vec<Point>, max: usize) -> impl Strategy<Value = Schedule> {
    assert!(!points.is_empty(), "a scenario with choice points");
    let count = points.len();
    let pick = (0..count, value());
    proptest::collection::vec(pick, 0..=max).prop_map(move |picks| {
        Schedule::new(picks.into_iter().map(|(i, v)| {
            let point = points[i];
            Deviation {
                label: point.label,
                value: 1 + v % (point.options - 1).max(1),
            }
        }))
    })
}

/// A value offset: small, or anything (taken modulo the options).
fn value() -> impl Strategy<Value = u32> {
    prop_oneof![
        1 => 0u32..4,
        1 => any::<u32>(),
    ]
}

proptest! {
    #![proptest_config(Config { cases: 128, ..Config::default() })]

    #[test]
    fn a_replay_of_any_schedule_is_deterministic(schedule in schedules_of("groups-first-race")) {
        let scenario = bundled("groups-first-race");
        let first = replay(&scenario, &schedule);
        let second = replay(&scenario, &first.schedule());
        prop_assert_eq!(first.trace_hash, second.trace_hash);
        prop_assert_eq!(first.violations, second.violations);
    }

    #[test]
    fn the_groups_first_race_violates_only_the_expected_invariants(schedule in schedules_of("groups-first-race")) {
        let scenario = bundled("groups-first-race");
        // The stale group view, the join it fails, and the certificate
        // that failed join leaves trusted; nothing else.
        for violation in replay(&scenario, &schedule).violations {
            let certificate_only = violation.invariant == Invariant::JoinLeftovers
                && violation.step.as_deref().is_some_and(|s| s.ends_with("(certificate only)"));
            prop_assert!(
                matches!(violation.invariant, Invariant::UnsyncedGroupValidation | Invariant::SpuriousJoinFailure)
                    || certificate_only,
                "unexpected {}", violation
            );
        }
    }

    #[test]
    fn issue_1390_fails_on_every_schedule(schedule in schedules_of("issue-1390")) {
        let result = replay(&bundled("issue-1390"), &schedule);
        prop_assert!(result.violated(Invariant::UnsyncedGroupValidation));
        prop_assert!(result.violated(Invariant::SpuriousJoinFailure));
    }

    #[test]
    fn the_features_only_variant_never_validates_against_unsynced_groups(schedule in schedules_of("groups-first-race")) {
        let scenario = bundled("groups-first-race").with_variant(Variant::FEATURES_ONLY);
        prop_assert!(!replay(&scenario, &schedule).violated(Invariant::UnsyncedGroupValidation));
    }
}

/// Runs the property "no violation" on a buggy scenario, expecting proptest
/// to refute it; returns proptest's shrunk counterexample. The seeds of
/// failures found are kept in (and replayed first from) a committed file.
fn refute_no_violation(scenario: &Scenario, name: &str, regressions: &'static str) -> Schedule {
    let config = Config {
        cases: 512,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(regressions))),
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let outcome = runner.run(&schedules_of(name), |schedule| {
        let result = replay(scenario, &schedule);
        match result.first_violation() {
            Some(v) => Err(TestCaseError::fail(v.invariant.name())),
            None => Ok(()),
        }
    });
    match outcome {
        Err(TestError::Fail(_, minimal)) => minimal,
        other => panic!("proptest found no failure of {}: {other:?}", scenario.name),
    }
}

#[test]
fn proptest_finds_the_groups_first_race_as_an_unsynced_group_validation() {
    let scenario = bundled("groups-first-race");
    let minimal = refute_no_violation(
        &scenario,
        "groups-first-race",
        "tests/proptest-regressions/groups-first-race.txt",
    );
    let result = replay(&scenario, &minimal);
    assert_eq!(
        result.first_violation().map(|v| v.invariant),
        Some(Invariant::UnsyncedGroupValidation)
    );
}

#[test]
fn proptest_finds_issue_1390_as_a_spurious_join_failure() {
    let scenario = bundled("issue-1390");
    let minimal = refute_no_violation(&scenario, "issue-1390", "tests/proptest-regressions/issue-1390.txt");
    assert!(minimal.is_empty(), "the nominal schedule already fails: {minimal:?}");
    assert!(replay(&scenario, &minimal).violated(Invariant::SpuriousJoinFailure));
}
