//! The Incus join bug history as tests (`scenarios/history/`): each
//! scenario breaks an invariant under the release before its fix (its own
//! variant) and no longer under the first release with the fix (an
//! `[expect_variant.NAME]`; another may pin `incus-6.0`, the Incus that runs
//! here), and `joinsim fuzz scenarios/history` says so.
//! That each fix commit is first released in that tag is checked against
//! the Incus history in `tests/findings.rs`.

mod common;

use common::{history_paths, joinsim, stderr, stdout};
use joinsim::check::Invariant;
use joinsim::model::Variant;
use joinsim::scenario::{Expect, Scenario};

#[test]
fn each_history_scenario_breaks_before_its_fix_and_holds_after_it() {
    let paths = history_paths();
    assert!(paths.len() >= 3, "{paths:?}");
    for path in paths {
        let scenario = Scenario::load(&path).expect("loads");
        // The first release with the fix, and (optionally) the Incus that
        // runs here.
        let after: Vec<_> = scenario
            .expected_variants()
            .filter(|&v| v != Variant::INCUS_6_0)
            .collect();
        assert_eq!(after.len(), 1, "{}: one release with the fix", path.display());
        let fixed = scenario.pinned_expectations(after[0]).expect("pinned");
        let gone: Vec<Invariant> = Invariant::ALL
            .into_iter()
            .filter(|&i| scenario.expect.of(i) == Expect::Always && fixed.of(i) == Expect::Never)
            .collect();
        assert!(
            !gone.is_empty(),
            "{}: some invariant broken in every run before the fix and in none after",
            path.display()
        );
        for variant in [scenario.variant(), after[0]] {
            assert!(
                variant.follows().starts_with("lxc/incus v"),
                "{}: {variant} follows a release, not {}",
                path.display(),
                variant.follows()
            );
        }
    }
}

#[test]
fn joinsim_fuzz_runs_the_history_and_meets_every_expectation() {
    let o = joinsim(&["fuzz", "scenarios/history", "--jobs", "2"]);
    let out = format!("{}{}", stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(0), "{out}");
    let scenarios = history_paths().len();
    let campaigns: usize = history_paths()
        .iter()
        .map(|p| Scenario::load(p).expect("loads").campaign_variants().count())
        .sum();
    assert!(campaigns >= scenarios * 2, "{campaigns}");
    assert!(
        out.contains(&format!(
            "{campaigns} of {campaigns} scenario(s) met their expectations"
        )),
        "{out}"
    );
    assert!(
        out.contains("expected issue-2063 [incus-6.0] join-leftovers on joiner at J8"),
        "{out}"
    );
}

#[test]
fn the_default_campaign_leaves_the_history_out() {
    // `joinsim fuzz` with no argument runs scenarios/*.toml, today's Incus
    // and its fixes; the history runs past releases (see the README).
    let bundled = common::bundled_paths();
    assert!(bundled.iter().all(|p| !p.starts_with(common::history_dir())));
}

/// The real verdict of each history bug that concerns Incus 6.0.4 and that
/// a real cluster can run (`[expect_real]`): issue-1390's join completes
/// (6.0.4 has the fix), issue-2535's group is deleted while a project names
/// it (fixed only in v6.0.6). Needs root and Debian's incus-base; skips
/// with a message without them. issue-2063 injects its error, which
/// `joinsim real` refuses.
#[test]
fn history_bugs_of_6_0_4_get_their_verdict_on_the_real_cluster() {
    if let Err(reason) = joinsim::real::available() {
        let required = std::env::var_os("JOINSIM_REQUIRE_INCUS_DAEMON").is_some()
            || std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(!required, "a real Incus is required here, but: {reason}");
        eprintln!("SKIPPED: {reason}");
        return;
    }
    let dir = common::history_dir();
    let path = |name: &str| dir.join(format!("{name}.toml")).display().to_string();
    let o = joinsim(&[
        "real",
        &path("issue-1390"),
        &path("issue-2535"),
        "--tries",
        "1",
        "--seed",
        "1",
        "--model-seeds",
        "100",
    ]);
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    let refused = joinsim(&["real", &path("issue-2063")]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("faults.step_errors"), "{}", stderr(&refused));
}
