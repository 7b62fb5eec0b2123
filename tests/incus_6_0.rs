//! `incus-6.0` follows Incus 6.0.4 (tag v6.0.4 of lxc/incus) where its join
//! differs from be7afc5df3 (docs/FIDELITY.md, "incus-6.0"): no J4 config
//! fetch, no J6 revert, a group a project names can be deleted.

mod common;

use common::{bundled, joinsim, stdout};
use joinsim::check::Invariant;
use joinsim::model::Variant;
use joinsim::run::{RunOptions, Source, run};

fn trace(scenario: &str, variant: &str) -> String {
    let path = format!("scenarios/{scenario}.toml");
    let o = joinsim(&["run", &path, "--seed", "1", "--variant", variant, "--trace"]);
    stdout(&o)
}

#[test]
fn incus_6_0_goes_from_the_name_check_to_member_init_without_fetching_the_cluster_config() {
    // api_cluster.go:544-562 at v6.0.4; 596-637 at be7afc5df3.
    let old = trace("issue-1390-features-only", "incus-6.0");
    assert!(old.contains("J3 GetClusterMembers"), "{old}");
    assert!(!old.contains("J4 GetServer"), "{old}");
    assert!(old.contains("join completed"), "{old}");
    let today = trace("issue-1390-features-only", "features-only");
    assert!(today.contains("J4 GetServer"), "{today}");
}

#[test]
fn incus_6_0_registers_no_revert_so_a_join_failing_after_j9_is_never_reverted() {
    // api_cluster.go:567-629 at v6.0.4: nothing between the local listing
    // and the accept; 706-711 at be7afc5df3 registers the delete.
    let scenario = bundled("revert-after-join");
    let leftovers = |variant: Variant| {
        let result = run(&scenario.with_variant(variant), &Source::Seed(1), RunOptions::default());
        result
            .violations
            .into_iter()
            .find(|v| v.invariant == Invariant::JoinLeftovers)
            .expect("the full row stays either way")
            .message
    };
    let today = leftovers(Variant::FEATURES_ONLY);
    assert!(today.contains("its revert failed"), "{today}");
    let old = leftovers(Variant::INCUS_6_0);
    assert!(!old.contains("revert"), "{old}");
    let text = trace("revert-after-join", "incus-6.0");
    assert!(text.contains("no revert registered"), "{text}");
    assert!(!text.contains("DeletePendingClusterMember(j1)"), "{text}");
    assert!(trace("revert-after-join", "features-only").contains("DeletePendingClusterMember(j1)"));
}
