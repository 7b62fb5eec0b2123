//! Each fix variant removes what it is for, and breaks no invariant the
//! unfixed variant (today's Incus) did not break. What it is for comes
//! from two declarations, not from a list here: the findings a variant
//! declares it fixes ([`Variant::fixes`], each a `findings/NAME.toml` that
//! names it as its `fix`), and the scenarios' `[expect_variant.FIX]`
//! tables, whose `never` for an invariant that `[expect]` lets runs break
//! says the fix removes it (or, where the invariant stays broken for
//! another reason, a group's band of `0%..0%`: the fix removes that group).

mod common;

use std::collections::BTreeSet;

use std::path::Path;

use common::{bundled, bundled_all};
use joinsim::check::Invariant;
use joinsim::finding::{FINDINGS_DIR, Pinned, load_all};
use joinsim::model::Variant;
use joinsim::model::joiner::JoinStatus;
use joinsim::run::{RunOptions, Source, run};
use joinsim::scenario::{Expect, Expectations};

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

/// `fix` on `scenario` no longer breaks any of `gone`, and every invariant
/// it breaks, today's Incus (the scenario's own variant) breaks too.
fn assert_fixes(fix: Variant, scenario: &str, gone: &[Invariant]) {
    let today: Vec<Invariant> = broken(scenario, bundled(scenario).variant())
        .iter()
        .map(|(i, _)| *i)
        .collect();
    let fixed = broken(scenario, fix);
    for invariant in gone {
        assert!(today.contains(invariant), "{scenario}: today's Incus shows {invariant}");
        assert!(
            fixed.iter().all(|(i, _)| i != invariant),
            "{fix} on {scenario} still breaks {invariant}: {fixed:?}"
        );
    }
    for (i, _) in &fixed {
        assert!(
            today.contains(i),
            "{fix} on {scenario} breaks {i}, which today's Incus does not"
        );
    }
}

/// The fix variants: those that declare a finding.
fn fix_variants() -> Vec<Variant> {
    Variant::ALL.into_iter().filter(|v| !v.fixes().is_empty()).collect()
}

/// Per bundled scenario and fix variant it pins, what `removed` reads off
/// the scenario's own `[expect]` table and the fix's, where that is not
/// empty.
fn pinned<T>(removed: impl Fn(&Expectations, &Expectations) -> Vec<T>) -> Vec<(String, Variant, Vec<T>)> {
    let mut out = Vec::new();
    for scenario in bundled_all() {
        for fix in fix_variants() {
            let Some(fixed) = scenario.pinned_expectations(fix) else {
                continue;
            };
            let gone = removed(scenario.own_expectations(), fixed);
            if !gone.is_empty() {
                out.push((scenario.name.clone(), fix, gone));
            }
        }
    }
    out
}

/// What the tables say each fix removes: the invariants `[expect]` lets
/// runs break and `[expect_variant.FIX]` says never break.
fn pinned_removals() -> Vec<(String, Variant, Vec<Invariant>)> {
    pinned(|today, fixed| {
        Invariant::ALL
            .into_iter()
            .filter(|&i| today.of(i).requires_violations() && fixed.of(i) == Expect::Never)
            .collect()
    })
}

/// What the tables say each fix removes of a group: the groups its table
/// bands at `0%..0%`.
fn pinned_group_removals() -> Vec<(String, Variant, Vec<String>)> {
    pinned(|_, fixed| {
        fixed
            .groups
            .iter()
            .filter(|g| g.band.high_ppm == 0)
            .map(|g| g.label.clone())
            .collect()
    })
}

/// `fix` on `scenario` shows none of `gone` in seeds 1..=SEEDS, which
/// today's Incus shows.
fn assert_removes_groups(fix: Variant, scenario: &str, gone: &[String]) {
    let labels = |variant: Variant| -> BTreeSet<String> {
        let s = bundled(scenario).with_variant(variant);
        (1..=SEEDS)
            .flat_map(|seed| run(&s, &Source::Seed(seed), RunOptions::default()).violations)
            .map(|v| joinsim::explore::campaign::failure_key(&s, &v).label())
            .collect()
    };
    let (today, fixed) = (labels(bundled(scenario).variant()), labels(fix));
    for group in gone {
        assert!(today.contains(group), "{scenario}: today's Incus shows {group}");
        assert!(!fixed.contains(group), "{fix} on {scenario} still shows {group}");
    }
}

#[test]
fn each_fix_removes_what_its_tables_say_and_breaks_nothing_new() {
    let removals = pinned_removals();
    let group_removals = pinned_group_removals();
    for fix in fix_variants() {
        assert!(
            removals.iter().any(|(_, v, _)| *v == fix) || group_removals.iter().any(|(_, v, _)| *v == fix),
            "{fix} declares findings but no scenario pins what it removes"
        );
    }
    for (scenario, fix, gone) in removals {
        assert_fixes(fix, &scenario, &gone);
    }
    for (scenario, fix, gone) in group_removals {
        assert_removes_groups(fix, &scenario, &gone);
    }
}

/// A variant declares exactly the findings that name it as their fix, and
/// each such finding's scenario pins the fix keeping its group out.
#[test]
fn fix_variants_declare_the_findings_that_name_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let findings = load_all(&root.join(FINDINGS_DIR), &root.join("scenarios")).unwrap_or_else(|e| panic!("{e}"));
    for finding in &findings {
        assert!(
            finding.fix.fixes().contains(&finding.name.as_str()),
            "{}: its fix {} does not declare it (Variant::fixes)",
            finding.name,
            finding.fix
        );
        assert!(
            Pinned::of(finding).group_excluded(finding),
            "{}: [expect_variant.{}] of {} does not keep its group out",
            finding.name,
            finding.fix,
            finding.scenario.name
        );
    }
    for fix in Variant::ALL {
        for name in fix.fixes() {
            let finding = findings.iter().find(|f| f.name == *name);
            assert!(finding.is_some(), "{fix} declares {name}, which is no finding");
            assert_eq!(finding.map(|f| f.fix), Some(fix), "{name}");
        }
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
    // Beyond its tables (which pin only revert-after-join): on the retried
    // and the transaction-retry joins too.
    for scenario in ["retried-join", "transaction-retry"] {
        assert_fixes(
            Variant::REVERT_RESTORES_JOINER,
            scenario,
            &[Invariant::JoinerNotStandalone],
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
