//! J5's other reads of the joiner's unsynced local database (issue 18):
//! each invariant fires where the local answer differs from the cluster's,
//! names what it read, and says what that did to the outcome; a read whose
//! answer is the cluster's is no violation.

mod common;

use common::{bundled, two_member_join};
use joinsim::check::{Invariant, Violation};
use joinsim::model::Variant;
use joinsim::run::{RunOptions, RunResult, Source, run};
use joinsim::scenario::Scenario;

const J5: &str = "J5 clusterInitMember/ApplyServerPreseed";

fn seed1(scenario: &Scenario) -> RunResult {
    run(scenario, &Source::Seed(1), RunOptions::default())
}

/// The one violation of `invariant` in `result`, on j1 at J5.
fn at_j5(result: &RunResult, invariant: Invariant) -> &Violation {
    let v = result
        .violations
        .iter()
        .find(|v| v.invariant == invariant)
        .unwrap_or_else(|| panic!("no {invariant}: {:?}", result.violations));
    assert_eq!(v.node.as_deref(), Some("j1"));
    assert_eq!(v.step.as_deref(), Some(J5));
    v
}

fn network_in_default(config: &str) -> Scenario {
    let rest = format!(
        "[[cluster.projects]]\nname = \"default\"\nconfig = {{ {config} }}\n[[cluster.networks]]\nname = \"br0\"\n"
    );
    two_member_join("features-only", "", &rest)
}

#[test]
fn a_network_of_a_default_that_blocks_nics_is_allowed_by_the_joiners_own_config() {
    for variant in [Variant::FEATURES_ONLY, Variant::INCUS_6_0, Variant::INCUS_6_7] {
        let result = seed1(&bundled("network-in-restricted-default").with_variant(variant));
        assert!(result.joins[0].failure.is_none(), "{variant}: the join completes");
        assert_eq!(result.violations.len(), 1, "{variant}: {:?}", result.violations);
        let v = at_j5(&result, Invariant::UnsyncedProjectValidation);
        assert!(
            v.message.starts_with("created network \"br0\" in project \"default\"")
                && v.message
                    .contains("local database, which allows it, where the cluster's at v")
                && v.message
                    .contains("refuses it; a false acceptance, with the join's outcome unchanged"),
            "{variant}: {}",
            v.message
        );
    }
}

#[test]
fn a_restricted_default_that_allows_the_network_reads_no_different_answer() {
    let result = seed1(&network_in_default("\"restricted\" = \"true\""));
    assert!(result.violations.is_empty(), "{:?}", result.violations);
}

#[test]
fn restricted_networks_access_refuses_only_where_networkallowed_does_not_spare_own_networks() {
    // be7afc5df3 lets a managed network of a project with
    // features.networks (default has it) through (project.go:290-293);
    // v6.0.4 checks the list (project.go:226-231 at v6.0.4).
    let scenario = network_in_default("\"restricted\" = \"true\", \"restricted.networks.access\" = \"other\"");
    assert!(seed1(&scenario).violations.is_empty());
    let result = seed1(&scenario.with_variant(Variant::INCUS_6_0));
    assert_eq!(result.violations.len(), 1, "{:?}", result.violations);
    at_j5(&result, Invariant::UnsyncedProjectValidation);
}
