//! Each fix variant removes the finding it is for, on its scenario, and
//! breaks no invariant the unfixed variant (today's Incus) did not break.

mod common;

use std::collections::BTreeSet;

use common::bundled;
use joinsim::check::Invariant;
use joinsim::model::Variant;
use joinsim::model::joiner::JoinStatus;
use joinsim::run::{RunOptions, Source, run};

const SEEDS: u64 = 5_000;

/// The invariants broken by any of seeds 1..=SEEDS of `scenario` under
/// `variant`, with how many runs broke each.
fn broken(scenario: &str, variant: Variant) -> Vec<(Invariant, u64)> {
    let s = bundled(scenario).with_variant(variant);
    let mut counts = [0u64; Invariant::ALL.len()];
    for seed in 1..=SEEDS {
        let result = run(&s, &Source::Seed(seed), RunOptions::default());
        let seen: BTreeSet<Invariant> = result.violations.iter().map(|v| v.invariant).collect();
        for i in seen {
            counts[i.index()] += 1;
        }
    }
    Invariant::ALL
        .into_iter()
        .filter(|i| counts[i.index()] > 0)
        .map(|i| (i, counts[i.index()]))
        .collect()
}

/// `fix` on `scenario` no longer breaks `gone`, and every invariant it
/// breaks, today's Incus breaks too.
fn assert_fixes(fix: Variant, scenario: &str, gone: Invariant) {
    let today: Vec<Invariant> = broken(scenario, Variant::FEATURES_ONLY)
        .iter()
        .map(|(i, _)| *i)
        .collect();
    assert!(today.contains(&gone), "{scenario}: today's Incus shows {gone}");
    let fixed = broken(scenario, fix);
    assert!(
        fixed.iter().all(|(i, _)| *i != gone),
        "{fix} on {scenario} still breaks {gone}: {fixed:?}"
    );
    for (i, _) in &fixed {
        assert!(
            today.contains(i),
            "{fix} on {scenario} breaks {i}, which today's Incus does not"
        );
    }
}

#[test]
fn revert_cleans_up_leaves_no_row_after_a_failure_past_j9() {
    for scenario in ["revert-after-join", "default-group-assign-race", "transaction-retry"] {
        assert_fixes(Variant::REVERT_CLEANS_UP, scenario, Invariant::JoinLeftovers);
    }
}

#[test]
fn atomic_default_group_closes_the_j9_j10_window() {
    for scenario in ["default-group-assign-race", "member-rename-during-join"] {
        assert_fixes(Variant::ATOMIC_DEFAULT_GROUP, scenario, Invariant::JoinLeftovers);
    }
}

#[test]
fn project_write_recheck_commits_no_dangling_group() {
    assert_fixes(
        Variant::PROJECT_WRITE_RECHECK,
        "project-update-toctou",
        Invariant::DanglingGroupReference,
    );
}

#[test]
fn revert_retries_leaves_no_row_when_the_first_delete_is_lost() {
    for scenario in ["revert-target-down", "lossy-admin"] {
        assert_fixes(Variant::REVERT_RETRIES, scenario, Invariant::JoinLeftovers);
    }
}

#[test]
fn a_fix_that_is_not_for_a_finding_leaves_it_there() {
    // The revert fix cannot find a renamed row by the joiner's name: the
    // rename finding stays, as the harness should say.
    let fixed = broken("member-rename-during-join", Variant::REVERT_CLEANS_UP);
    assert!(fixed.iter().any(|(i, _)| *i == Invariant::JoinLeftovers), "{fixed:?}");
    // Nor can it reach a target that is down: only retrying does.
    let fixed = broken("revert-target-down", Variant::REVERT_CLEANS_UP);
    assert!(fixed.iter().any(|(i, _)| *i == Invariant::JoinLeftovers), "{fixed:?}");
}

/// `revert-restores-joiner` leaves the joiner the standalone server it was
/// after a failure past J9, and the operator's retried join then completes
/// (under `revert-cleans-up` it fails again, at J9).
#[test]
fn revert_restores_joiner_leaves_a_standalone_server_that_can_join_again() {
    for scenario in ["revert-after-join", "retried-join", "transaction-retry"] {
        assert_fixes(
            Variant::REVERT_RESTORES_JOINER,
            scenario,
            Invariant::JoinerNotStandalone,
        );
    }
    let retried = bundled("retried-join");
    let result = |variant| run(&retried.with_variant(variant), &Source::Seed(1), RunOptions::default());
    let cleans = result(Variant::REVERT_CLEANS_UP);
    let error = cleans.joins[0].failure.as_ref().map(|(_, e)| e.as_str()).unwrap_or("");
    assert!(error.contains("The member is already part of a cluster"), "{error}");
    let restores = result(Variant::REVERT_RESTORES_JOINER);
    assert!(restores.violations.is_empty(), "{:?}", restores.violations);
    assert_eq!(
        restores.joins[0].status,
        JoinStatus::Completed,
        "{:?}",
        restores.joins[0]
    );
}
