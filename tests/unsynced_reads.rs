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

/// The violations of `result` but the one `join-leftovers` of a join that
/// failed at `step` and left only its trusted certificate, which it checks
/// is there (failed-join-trusted-certificate).
fn besides_the_certificate<'r>(result: &'r RunResult, step: &str) -> Vec<&'r Violation> {
    let certificate_only = format!("{step} (certificate only)");
    let (left, others): (Vec<&Violation>, Vec<&Violation>) = result
        .violations
        .iter()
        .partition(|v| v.invariant == Invariant::JoinLeftovers);
    assert_eq!(left.len(), 1, "{:?}", result.violations);
    assert_eq!(left[0].step.as_deref(), Some(certificate_only.as_str()));
    others
}

fn network_in_default(config: &str) -> Scenario {
    let rest = format!(
        "[[cluster.projects]]\nname = \"default\"\nconfig = {{ {config} }}\n[[cluster.networks]]\nname = \"br0\"\n"
    );
    two_member_join("features-only", "", &rest)
}

const MISSING_BR0: &str =
    "Failed to join cluster: Failed request to add member: Missing network \"br0\" in project \"default\"";

#[test]
fn a_default_that_blocks_nics_hides_its_network_from_the_joiner_and_the_accept_refuses() {
    // networksGet leaves out what NetworkAllowed refuses (networks.go:
    // 321-324, 1065-1123); J7 then finds br0 missing. Seen on the real
    // 6.0.4 cluster with this text.
    for variant in [Variant::FEATURES_ONLY, Variant::INCUS_6_0, Variant::INCUS_6_7] {
        let result = seed1(&bundled("network-in-restricted-default").with_variant(variant));
        let (step, chain) = result.joins[0].failure.clone().expect("the join fails");
        assert_eq!(step, "J7 clusterAcceptMember", "{variant}");
        assert_eq!(chain, MISSING_BR0, "{variant}");
        let others = besides_the_certificate(&result, "J7 clusterAcceptMember");
        assert!(others.is_empty(), "{variant}: {others:?}");
    }
}

#[test]
fn a_retried_join_meets_the_restriction_its_first_attempt_left_in_its_own_default() {
    let result = seed1(&bundled("retried-join-restricted-default"));
    let (_, chain) = result.joins[0].failure.clone().expect("the second attempt fails");
    assert!(
        chain.ends_with(
            "Failed to create local member network \"br0\" in project \"default\": Network not allowed in project"
        ),
        "{chain}"
    );
    assert_eq!(besides_the_certificate(&result, J5).len(), 1, "{:?}", result.violations);
    let v = at_j5(&result, Invariant::UnsyncedProjectValidation);
    assert!(
        v.message.starts_with("created network \"br0\" in project \"default\"")
            && v.message
                .contains("local database, which refuses it, where the cluster's at v")
            && v.message
                .ends_with("allows it; the local view changed the outcome: a false rejection that fails the join"),
        "{}",
        v.message
    );
}

#[test]
fn a_restricted_default_that_allows_the_network_reads_no_different_answer() {
    let result = seed1(&network_in_default("\"restricted\" = \"true\""));
    assert!(
        result.joins[0].failure.is_none() && result.violations.is_empty(),
        "{:?}",
        result.violations
    );
}

#[test]
fn restricted_networks_access_hides_a_network_only_where_networkallowed_does_not_spare_own_networks() {
    // be7afc5df3 lets a managed network of a project with
    // features.networks (default has it) through (project.go:290-293);
    // v6.0.4 checks the list (project.go:226-231 at v6.0.4).
    let scenario = network_in_default("\"restricted\" = \"true\", \"restricted.networks.access\" = \"other\"");
    let today = seed1(&scenario);
    assert!(today.joins[0].failure.is_none() && today.violations.is_empty());
    let result = seed1(&scenario.with_variant(Variant::INCUS_6_0));
    assert_eq!(
        result.joins[0].failure.clone().map(|f| f.1).as_deref(),
        Some(MISSING_BR0)
    );
    let others = besides_the_certificate(&result, "J7 clusterAcceptMember");
    assert!(others.is_empty(), "{others:?}");
}

const CHAIN: &str = "Failed to join cluster: Failed to initialize member: Failed to initialize storage pools and networks: Failed to update local member project \"default\": ";

/// Under `incus-6.7` the bundled scenario `name` fails every join at J5
/// with Incus's `cause`, reports `invariant` (a false rejection naming
/// `read`) and `spurious-join-failure`; today's Incus joins.
fn false_rejection_before_the_1390_fix(name: &str, invariant: Invariant, cause: &str, read: &str) {
    let result = seed1(&bundled(name));
    let (step, chain) = result.joins[0].failure.clone().expect("the join fails");
    assert_eq!(step, J5);
    assert_eq!(chain, format!("{CHAIN}{cause}"));
    let v = at_j5(&result, invariant);
    assert!(
        v.message.contains(read) && v.message.ends_with("a false rejection that fails the join"),
        "{}",
        v.message
    );
    at_j5(&result, Invariant::SpuriousJoinFailure);
    assert_eq!(besides_the_certificate(&result, J5).len(), 2, "{:?}", result.violations);
    let today = seed1(&bundled(name).with_variant(Variant::FEATURES_ONLY));
    assert!(
        today.joins[0].failure.is_none() && today.violations.is_empty(),
        "{:?}",
        today.violations
    );
}

#[test]
fn a_pool_limit_on_a_pending_pool_fails_the_join_before_the_1390_fix() {
    false_rejection_before_the_1390_fix(
        "pending-pool-limit",
        Invariant::UnsyncedPoolValidation,
        "Invalid project configuration key \"limits.disk.pool.fast\"",
        "limits.disk.pool.fast looked up storage pool \"fast\" in the joiner's local database, which has no such pool, where the cluster has it",
    );
}

#[test]
fn subnets_on_a_pending_uplink_fail_the_join_before_the_1390_fix() {
    false_rejection_before_the_1390_fix(
        "pending-uplink-subnets",
        Invariant::UnsyncedNetworkValidation,
        "Invalid project configuration key \"restricted.networks.subnets\" value: Invalid uplink network \"uplink\": Network not found",
        "looked up uplink network \"uplink\" of project \"default\" in the joiner's local database, which has no such network, where the cluster has it",
    );
}

#[test]
fn a_nic_in_the_joiners_own_profile_fails_the_join_before_the_1390_fix() {
    false_rejection_before_the_1390_fix(
        "joiner-profile-nic",
        Invariant::UnsyncedProfileValidation,
        "Conflict detected when changing \"restricted.devices.nic\" in project \"default\": Invalid device \"eth0\" on profile \"default\" of project \"default\": Network devices are forbidden",
        "against the devices of profile \"default\" in the joiner's local database, which conflict, where the cluster's at v2 pass",
    );
}

#[test]
fn lookups_that_find_what_the_cluster_has_are_no_violation() {
    let created = [
        "[[cluster.pools]]\nname = \"fast\"\n[[cluster.projects]]\nname = \"default\"\nconfig = { \"limits.disk.pool.fast\" = \"10GiB\" }\n",
        "[[cluster.networks]]\nname = \"uplink\"\nconfig = { \"ipv4.routes\" = \"10.10.0.0/16\" }\n[[cluster.projects]]\nname = \"default\"\nconfig = { \"restricted.networks.subnets\" = \"uplink:10.10.1.0/24\" }\n",
    ];
    for rest in created {
        let result = seed1(&two_member_join("incus-6.7", "", rest));
        assert!(
            result.joins[0].failure.is_none() && result.violations.is_empty(),
            "{rest}: {:?}",
            result.violations
        );
    }
}

#[test]
fn a_joiners_nic_the_restrictions_allow_or_do_not_check_is_no_violation() {
    let nic =
        "[standalone]\nprofile_devices = { eth0 = { type = \"nic\", nictype = \"bridged\", parent = \"br-host\" } }\n";
    for config in [
        // No restricted.* key changes: AllowProjectUpdate checks nothing
        // (permissions.go:1204-1220).
        "\"restricted\" = \"true\"",
        // NICs allowed, on any host interface (permissions.go:742-767).
        "\"restricted\" = \"true\", \"restricted.devices.nic\" = \"allow\"",
    ] {
        let rest = format!("{nic}[[cluster.projects]]\nname = \"default\"\nconfig = {{ {config} }}\n");
        let result = seed1(&two_member_join("incus-6.7", "", &rest));
        assert!(
            result.joins[0].failure.is_none() && result.violations.is_empty(),
            "{config}: {:?}",
            result.violations
        );
    }
    // The managed default: a NIC on a host interface is refused.
    let rest = format!(
        "{nic}[[cluster.projects]]\nname = \"default\"\nconfig = {{ \"restricted\" = \"true\", \"restricted.devices.nic\" = \"managed\" }}\n"
    );
    let result = seed1(&two_member_join("incus-6.7", "", &rest));
    let (_, chain) = result.joins[0].failure.clone().expect("the join fails");
    assert!(chain.ends_with("Only managed network devices are allowed"), "{chain}");
    at_j5(&result, Invariant::UnsyncedProfileValidation);
}

#[test]
fn scenarios_declare_only_devices_incus_accepts_or_joinsim_models() {
    let cases = [
        ("{ type = \"nic\", nictype = \"bridged\" }", "give it a parent"),
        (
            "{ nictype = \"bridged\", parent = \"x\" }",
            "Missing device type in config",
        ),
        (
            "{ type = \"nic\", nictype = \"veth\", parent = \"x\" }",
            "Unsupported device type",
        ),
        (
            "{ type = \"disk\", path = \"/\" }",
            "joinsim models only a NIC's type, nictype and parent, not \"path\"",
        ),
        ("{ type = \"disk\" }", "joinsim models only NIC devices"),
        ("{ type = \"nic\", network = \"incusbr0\" }", "not \"network\""),
    ];
    for (device, refusal) in cases {
        let source = format!(
            "variant = \"incus-6.7\"\n[cluster]\nmembers = [\"m1\"]\nleader = \"m1\"\n[standalone]\nprofile_devices = {{ eth0 = {device} }}\n"
        );
        let e = Scenario::parse("inline", "inline.toml", &source)
            .expect_err(device)
            .to_string();
        assert!(
            e.contains("standalone.profile_devices.\"eth0\"") && e.contains(refusal),
            "{device}: {e}"
        );
    }
}

#[test]
fn restricted_subnets_must_lie_in_a_declared_uplinks_routes() {
    let uplink =
        "[[cluster.networks]]\nname = \"uplink\"\npending = true\nconfig = { \"ipv4.routes\" = \"10.10.0.0/16\" }\n";
    for (value, refusal) in [
        (
            "uplink:10.11.0.0/24",
            "Uplink network \\\"uplink\\\" doesn't contain \\\"10.11.0.0/24\\\" in its routes",
        ),
        (
            "other:10.10.1.0/24",
            "Invalid uplink network \\\"other\\\": Network not found",
        ),
    ] {
        let source = format!(
            "variant = \"incus-6.7\"\n[cluster]\nmembers = [\"m1\"]\nleader = \"m1\"\n{uplink}[[cluster.projects]]\nname = \"default\"\nconfig = {{ \"restricted.networks.subnets\" = \"{value}\" }}\n"
        );
        let e = Scenario::parse("inline", "inline.toml", &source)
            .expect_err(value)
            .to_string();
        assert!(
            e.contains("restricted.networks.subnets") && e.contains(&refusal.replace("\\\"", "\"")),
            "{value}: {e}"
        );
    }
}
