//! Network zones at J5 (issue 18): a bridge naming a zone is validated on
//! join against the joiner's own database, which has no zone.

mod common;

use common::{bundled, two_member_join};
use joinsim::check::Invariant;
use joinsim::model::Variant;
use joinsim::run::{RunOptions, Source, run};
use joinsim::scenario::Scenario;

const CHAIN: &str = "Failed to join cluster: Failed to initialize member: Failed to initialize storage pools and networks: Failed to create local member network \"br0\" in project \"default\": Invalid \"dns.zone.forward\", network zone \"example.net\" not found";

fn seed1(scenario: &Scenario) -> joinsim::run::RunResult {
    run(scenario, &Source::Seed(1), RunOptions::default())
}

#[test]
fn todays_incus_fails_the_join_at_j5_with_incus_text_and_reports_the_unsynced_zone() {
    for variant in [
        Variant::FEATURES_ONLY,
        Variant::INCUS_6_0,
        Variant::V6_12_0,
        Variant::V6_18_0,
    ] {
        let result = seed1(&bundled("network-zone-join").with_variant(variant));
        let (step, chain) = result.joins[0].failure.clone().expect("the join fails");
        assert_eq!(step, "J5 clusterInitMember/ApplyServerPreseed", "{variant}");
        assert_eq!(chain, CHAIN, "{variant}");
        // The zone, and the certificate the failed join leaves trusted.
        assert_eq!(result.violations.len(), 2, "{variant}: {:?}", result.violations);
        let left = &result.violations[1];
        assert_eq!(left.invariant, Invariant::JoinLeftovers, "{variant}");
        assert_eq!(
            left.step.as_deref(),
            Some("J5 clusterInitMember/ApplyServerPreseed (certificate only)")
        );
        let v = &result.violations[0];
        assert_eq!(v.invariant, Invariant::UnsyncedZoneValidation);
        assert_eq!(v.node.as_deref(), Some("j1"));
        assert_eq!(v.step.as_deref(), Some("J5 clusterInitMember/ApplyServerPreseed"));
        assert!(
            v.message.contains("dns.zone.forward names network zone \"example.net\"; the joiner's local database has no such zone, the cluster has it")
                && v.message.contains("changed the outcome"),
            "{}",
            v.message
        );
    }
}

#[test]
fn releases_without_validation_on_join_and_the_fix_join() {
    for variant in [
        Variant::SKIP_ZONES_ON_JOIN,
        Variant::INCUS_6_7,
        Variant::V6_7_0,
        Variant::V6_8_0,
    ] {
        let result = seed1(&bundled("network-zone-join").with_variant(variant));
        assert!(
            result.joins[0].failure.is_none(),
            "{variant}: {:?}",
            result.joins[0].failure
        );
        assert!(result.violations.is_empty(), "{variant}: {:?}", result.violations);
    }
}

#[test]
fn a_bridge_without_zones_is_unaffected() {
    let scenario = two_member_join(
        "features-only",
        "",
        "[[cluster.zones]]\nname = \"example.net\"\n[[cluster.networks]]\nname = \"br0\"\n",
    );
    let result = seed1(&scenario);
    assert!(result.joins[0].failure.is_none() && result.violations.is_empty());
}

#[test]
fn scenarios_give_only_zone_keys_naming_declared_zones() {
    let cases = [
        (
            "\"dns.zone.forward\" = \"other.net\"",
            "Invalid \"dns.zone.forward\", network zone \"other.net\" not found",
        ),
        (
            "\"ipv4.address\" = \"10.0.0.1/24\"",
            "joinsim models only the bridge keys",
        ),
        (
            "\"dns.zone.reverse.ipv4\" = \"example.net,b.net\"",
            "must contain only single DNS zone name",
        ),
    ];
    for (config, wanted) in cases {
        let source = format!(
            "variant = \"features-only\"\n[cluster]\nmembers = [\"m1\"]\nleader = \"m1\"\n[[cluster.zones]]\nname = \"example.net\"\n[[cluster.networks]]\nname = \"br0\"\nconfig = {{ {config} }}\n[[joiners]]\nname = \"j1\"\ntarget = \"m1\"\n"
        );
        let error = Scenario::parse("inline", "inline.toml", &source)
            .expect_err(config)
            .to_string();
        assert!(
            error.contains(wanted) && error.contains("cluster.networks[0].config"),
            "{error}"
        );
    }
}
