//! Regression tests for lxc/incus#1390 and its cousins, by variant.

mod common;

use joinsim::check::Invariant;
use joinsim::model::Variant;
use joinsim::model::joiner::JoinStatus;
use joinsim::run::{RunOptions, RunResult, Source, run};
use joinsim::scenario::Scenario;

const ISSUE_1390_ERROR: &str = "Failed to join cluster: Failed to initialize member: Failed to initialize storage pools \
and networks: Failed to update local member project \"default\": Invalid project configuration key \
\"restricted.cluster.groups\" value: Cluster group \"gpu\" doesn't exist";

use common::bundled as scenario;

fn run_seed(scenario: &Scenario, seed: u64) -> RunResult {
    run(scenario, &Source::Seed(seed), RunOptions::default())
}

#[test]
fn issue_1390_fails_every_join_with_the_reported_error_chain() {
    let s = scenario("issue-1390");
    assert_eq!(s.variant(), Variant::INCUS_6_7);
    for seed in 1..=50 {
        let result = run_seed(&s, seed);
        let join = &result.joins[0];
        assert_eq!(join.status, JoinStatus::Failed, "seed {seed}");
        let (step, error) = join.failure.as_ref().expect("a failure");
        assert_eq!(step, "J5 clusterInitMember/ApplyServerPreseed");
        assert_eq!(error, ISSUE_1390_ERROR);
    }
}

#[test]
fn issue_1390_reports_unsynced_validation_at_member_init_as_a_false_rejection() {
    let result = run_seed(&scenario("issue-1390"), 1);
    let v = result
        .violations
        .iter()
        .find(|v| v.invariant == Invariant::UnsyncedGroupValidation)
        .expect("fires");
    assert_eq!(v.node.as_deref(), Some("j1"));
    assert_eq!(v.step.as_deref(), Some("J5 clusterInitMember/ApplyServerPreseed"));
    assert!(
        v.message
            .contains("against {default} from its local database (never synced)"),
        "{}",
        v.message
    );
    assert!(v.message.contains("missing {gpu}"), "{}", v.message);
    assert!(v.message.contains("a false rejection"), "{}", v.message);
    let spurious = result
        .violations
        .iter()
        .find(|v| v.invariant == Invariant::SpuriousJoinFailure)
        .expect("fires");
    assert!(spurious.message.ends_with(ISSUE_1390_ERROR), "{}", spurious.message);
}

#[test]
fn features_only_completes_the_1390_join_with_restrictions_in_effect() {
    let s = scenario("issue-1390").with_variant(Variant::FEATURES_ONLY);
    for seed in 1..=50 {
        let result = run_seed(&s, seed);
        assert!(result.violations.is_empty(), "seed {seed}: {:?}", result.violations);
        let join = &result.joins[0];
        assert_eq!(join.status, JoinStatus::Completed);
        assert_eq!(
            joinsim::trace::outcome::effective_projects(&result, join.joiner),
            vec!["default {restricted=true, restricted.cluster.groups=gpu}".to_string()]
        );
    }
}

#[test]
fn a_default_group_restriction_passes_but_still_validates_against_unsynced_groups() {
    let result = run_seed(&scenario("issue-1390-default-group"), 3);
    assert_eq!(result.joins[0].status, JoinStatus::Completed);
    assert_eq!(result.violations.len(), 1, "{:?}", result.violations);
    let v = &result.violations[0];
    assert_eq!(v.invariant, Invariant::UnsyncedGroupValidation);
    assert!(
        v.message.contains("the outcome happened to be the same"),
        "{}",
        v.message
    );
}

#[test]
fn project_creation_path_fails_with_the_create_error() {
    let result = run_seed(&scenario("issue-1390-project-networks"), 1);
    let (_, error) = result.joins[0].failure.as_ref().expect("fails");
    assert!(
        error.contains("Failed to create local member project \"p\": Invalid project configuration key"),
        "{error}"
    );
}

#[test]
fn groups_first_breaks_only_through_the_admin_race() {
    // Without an admin, groups-first is clean on the #1390 setup...
    let quiet = scenario("issue-1390").with_variant(Variant::GROUPS_FIRST);
    for seed in 1..=200 {
        assert!(run_seed(&quiet, seed).violations.is_empty(), "seed {seed}");
    }
    // ...and with the admin race, the violations it shows name the group
    // the admin created between the joiner's two reads.
    let race = scenario("groups-first-race");
    let failing: Vec<RunResult> = (1..=3000)
        .map(|seed| run_seed(&race, seed))
        .filter(|r| !r.violations.is_empty())
        .collect();
    assert!(!failing.is_empty());
    for result in &failing {
        let v = &result.violations[0];
        assert_eq!(v.invariant, Invariant::UnsyncedGroupValidation);
        assert!(v.message.contains("from groups synced at v"), "{}", v.message);
        assert!(v.message.contains("missing {gpu2}"), "{}", v.message);
    }
    let rejected = failing
        .iter()
        .find(|r| r.violated(Invariant::SpuriousJoinFailure))
        .expect("some run rejects");
    let (_, error) = rejected.joins[0].failure.as_ref().expect("failed");
    assert!(error.ends_with("Cluster group \"gpu2\" doesn't exist"), "{error}");
}

#[test]
fn features_only_never_validates_restrictions_at_member_init_even_under_the_race() {
    let s = scenario("groups-first-race").with_variant(Variant::FEATURES_ONLY);
    for seed in 1..=500 {
        let result = run_seed(&s, seed);
        assert!(!result.violated(Invariant::UnsyncedGroupValidation), "seed {seed}");
        assert!(!result.violated(Invariant::SpuriousJoinFailure), "seed {seed}");
    }
}

#[test]
fn an_error_after_j9_leaves_a_full_member_row_behind() {
    let result = run_seed(&scenario("revert-after-join"), 1);
    let (step, error) = result.joins[0].failure.as_ref().expect("fails");
    assert_eq!(step, "J10 AddNodeToClusterGroup(default)");
    assert!(error.contains("injected error at J10"), "{error}");
    let leftovers = result
        .violations
        .iter()
        .find(|v| v.invariant == Invariant::JoinLeftovers)
        .expect("fires");
    assert!(leftovers.message.contains("full member row"), "{}", leftovers.message);
}

#[test]
fn a_revert_sent_to_a_crashed_target_leaves_the_accepted_pending_row() {
    let s = scenario("revert-target-down");
    // A row left, not only the certificate (a join failing before its
    // accept, the target already down, leaves that alone).
    let row_left = |v: &joinsim::check::Violation| {
        v.invariant == Invariant::JoinLeftovers && v.message.contains("pending member row")
    };
    let seed = common::first_seed("revert-target-down", |r| r.violations.iter().any(row_left));
    let result = run(&s, &Source::Seed(seed), common::traced());
    let leftover = result.violations.iter().find(|v| row_left(v)).expect("fires");
    assert_eq!(leftover.node.as_deref(), Some("j1"));
    assert!(leftover.message.contains("pending member row"), "{}", leftover.message);
    assert!(leftover.message.contains("connection refused"), "{}", leftover.message);
    // The order that makes it: the accept commits, then its leader (the
    // joiner's target) crashes before answering.
    let names = &s.setup.names;
    let text = joinsim::trace::text::render(names, result.trace.as_deref().unwrap(), &result.violations);
    let lines: Vec<&str> = text.lines().collect();
    let at = |what: &str| lines.iter().position(|l| l.contains(what));
    let (accept, crash) = (at("commit v3: cluster.Accept(j1)"), at("CRASH"));
    assert!(accept.is_some() && crash.is_some() && accept < crash, "{text}");
}
