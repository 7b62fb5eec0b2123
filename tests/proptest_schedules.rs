//! proptest over schedules: generated choice sequences of the bundled
//! scenarios, proptest's shrinking on the buggy variants, and the failure
//! seeds proptest has found kept in `tests/proptest-regressions/`.

mod common;

use common::bundled;
use joinsim::check::Invariant;
use joinsim::model::Variant;
use joinsim::scenario::Scenario;
use joinsim::strategy;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestError, TestRunner};

/// Most choice sequences of the bundled scenarios are shorter than this.
const MAX_LEN: usize = 80;

use common::replay_choices as replay;

proptest! {
    #![proptest_config(Config { cases: 128, ..Config::default() })]

    #[test]
    fn a_replay_of_any_schedule_is_deterministic(choices in strategy::choices(MAX_LEN)) {
        let scenario = bundled("groups-first-race");
        let first = replay(&scenario, &choices);
        let second = replay(&scenario, &first.choices);
        prop_assert_eq!(first.trace_hash, second.trace_hash);
        prop_assert_eq!(first.violations, second.violations);
    }

    #[test]
    fn the_groups_first_race_violates_only_the_expected_invariants(choices in strategy::choices(MAX_LEN)) {
        let scenario = bundled("groups-first-race");
        for violation in replay(&scenario, &choices).violations {
            prop_assert!(
                matches!(violation.invariant, Invariant::UnsyncedGroupValidation | Invariant::SpuriousJoinFailure),
                "unexpected {}", violation
            );
        }
    }

    #[test]
    fn issue_1390_fails_on_every_schedule(choices in strategy::choices(MAX_LEN)) {
        let result = replay(&bundled("issue-1390"), &choices);
        prop_assert!(result.violated(Invariant::UnsyncedGroupValidation));
        prop_assert!(result.violated(Invariant::SpuriousJoinFailure));
    }

    #[test]
    fn the_features_only_variant_never_validates_against_unsynced_groups(choices in strategy::choices(MAX_LEN)) {
        let scenario = bundled("groups-first-race").with_variant(Variant::FeaturesOnly);
        prop_assert!(!replay(&scenario, &choices).violated(Invariant::UnsyncedGroupValidation));
    }
}

/// Runs the property "no violation" on a buggy scenario, expecting proptest
/// to refute it; returns proptest's shrunk counterexample. The seeds of
/// failures found are kept in (and replayed first from) a committed file.
fn refute_no_violation(scenario: &Scenario, regressions: &'static str) -> Vec<u32> {
    let config = Config {
        cases: 512,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(regressions))),
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let outcome = runner.run(&strategy::choices(MAX_LEN), |choices| {
        let result = replay(scenario, &choices);
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
    let minimal = refute_no_violation(&scenario, "tests/proptest-regressions/groups-first-race.txt");
    let result = replay(&scenario, &minimal);
    assert_eq!(
        result.first_violation().map(|v| v.invariant),
        Some(Invariant::UnsyncedGroupValidation)
    );
}

#[test]
fn proptest_finds_issue_1390_as_a_spurious_join_failure() {
    let scenario = bundled("issue-1390");
    let minimal = refute_no_violation(&scenario, "tests/proptest-regressions/issue-1390.txt");
    assert!(minimal.is_empty(), "the nominal schedule already fails: {minimal:?}");
    assert!(replay(&scenario, &minimal).violated(Invariant::SpuriousJoinFailure));
}
