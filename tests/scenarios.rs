//! Every bundled scenario meets its expectations over 1000 seeds (under its
//! own variant and under each variant it pins with `[expect_variant.NAME]`),
//! and the loader refuses malformed scenarios with the file, line and key.

mod common;

use std::path::Path;

use joinsim::explore::{judge, run_campaign};
use joinsim::scenario::{Scenario, ScenarioError};
use joinsim::sim::NodeId;

#[test]
fn every_bundled_scenario_meets_its_expectations_over_1000_seeds() {
    let paths = common::bundled_paths();
    let mut failures = Vec::new();
    let mut pinned = Vec::new();
    for path in paths {
        let own = Scenario::load(&path).expect("loads");
        let variants: Vec<_> = own.campaign_variants().collect();
        pinned.extend(variants.iter().skip(1).map(|v| (own.name.clone(), *v)));
        for variant in variants {
            let scenario = own.with_variant(variant);
            let options = common::campaign(1, 1000, 2);
            let campaign = run_campaign(&scenario, &options, &joinsim::explore::campaign::Quiet);
            assert_eq!(campaign.tally.runs, 1000);
            for problem in judge(&scenario, &campaign) {
                failures.push(format!("{} under {variant}: {problem}", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let findings = joinsim::finding::load_all(&root.join(joinsim::finding::FINDINGS_DIR), &root.join("scenarios"))
        .expect("the findings registry loads");
    for finding in findings {
        assert!(
            pinned.contains(&(finding.scenario.name.clone(), finding.fix)),
            "{}: its fix {} is pinned on {}, so this test runs it",
            finding.name,
            finding.fix,
            finding.scenario.name
        );
    }
}

/// Cluster configurations Incus accepts load as scenarios: `default`
/// holding only some members (or none), a member in no group, a project
/// restricted to a group without members, `restricted.cluster.groups` set
/// while `restricted` is false, a group list with spaces, the key empty,
/// and keys whose values Incus's project validator accepts (a limit on a
/// declared pool, booleans spelled `yes` and `1`, a user key).
#[test]
fn configurations_incus_accepts_are_accepted() {
    let scenario = Scenario::load(Path::new("tests/accepted/configurations.toml")).expect("Incus accepts this cluster");
    let db = &scenario.setup.db;
    let names = &scenario.setup.names;
    let group = |g: &str| db.group(names.lookup_group(g).unwrap()).unwrap();
    let node = |n: &str| names.nodes.iter().position(|x| x == n).unwrap() as NodeId;
    assert!(group("default").members.contains(node("m1")));
    assert!(!group("default").members.contains(node("m2")));
    assert!(db.groups_of(node("m3")).is_empty(), "m3 is in no group");
    let default = db.project(names.lookup("default").unwrap()).unwrap();
    let listed: Vec<&str> = default
        .config
        .restricted_groups(names)
        .unwrap()
        .iter()
        .map(|&g| names.group_str(g))
        .collect();
    assert_eq!(listed, ["empty", "gpu"]);
    let blank = db.project(names.lookup("blank").unwrap()).unwrap();
    assert!(blank.config.0.is_empty(), "an empty value is no value");
    let limited = db.project(names.lookup("limited").unwrap()).unwrap();
    assert_eq!(limited.config.0.len(), 8, "every key Incus accepts is kept");
}

#[test]
fn declaring_the_default_group_twice_is_refused() {
    let text = r#"
variant = "features-only"

[cluster]
members = ["m1"]
leader = "m1"

[[cluster.groups]]
name = "default"

[[cluster.groups]]
name = "default"
members = ["m1"]
"#;
    let e = Scenario::parse("twice", "twice.toml", text).expect_err("refused");
    assert_eq!(e.line, Some(12), "{e}");
    assert_eq!(e.key.as_deref(), Some("cluster.groups[1].name"), "{e}");
    assert!(e.message.contains("\"default\" is declared twice"), "{e}");
}

fn load_error(name: &str) -> ScenarioError {
    Scenario::load(&Path::new("tests/malformed").join(name)).expect_err("malformed scenario is refused")
}

#[test]
fn malformed_scenarios_name_the_file_line_and_key() {
    let cases = [
        ("bad-toml.toml", Some(9), Some("joiners[0].target"), "expected"),
        (
            "unknown-key.toml",
            Some(7),
            Some("cluster.colour"),
            "unknown field `colour`",
        ),
        (
            "duplicate.toml",
            Some(13),
            Some("network.duplicate"),
            "messages travel on TCP connections, which never deliver a message twice",
        ),
        (
            "members-not-a-list.toml",
            Some(5),
            Some("cluster.members"),
            "invalid type: string \"m1\", expected a sequence",
        ),
        (
            "no-members.toml",
            Some(5),
            Some("cluster.members"),
            "a cluster needs at least one member",
        ),
        (
            "fractional-delay.toml",
            Some(9),
            Some("network.delay_max"),
            "invalid type: floating point `10.5`",
        ),
        ("duplicate-key.toml", Some(3), Some("variant"), "duplicate key"),
        ("no-variant.toml", Some(1), Some("variant"), "missing field `variant`"),
        (
            "unknown-group-member.toml",
            Some(10),
            Some("cluster.groups[0].members[1]"),
            "unknown node \"m9\"",
        ),
        (
            "joiner-is-member.toml",
            Some(9),
            Some("joiners[0].name"),
            "\"m2\" is already a cluster member",
        ),
        (
            "negative-delay.toml",
            Some(12),
            Some("network.delay_min"),
            "must not be negative",
        ),
        (
            "unknown-variant.toml",
            Some(1),
            Some("variant"),
            "unknown variant \"incus-9\"",
        ),
        (
            "unknown-invariant.toml",
            Some(10),
            Some("expect.no-bugs"),
            "unknown invariant",
        ),
        (
            "dangling-initial-reference.toml",
            Some(9),
            Some("cluster.projects[0].config.\"restricted.cluster.groups\""),
            "does not have",
        ),
        (
            "huge-jitter.toml",
            Some(10),
            Some("joiners[0].start_jitter"),
            "at most 1000000000 ticks, got 4294967295",
        ),
        (
            "huge-crash-tick.toml",
            Some(15),
            Some("faults.crashes[0].restart_after"),
            "at most 1000000000 ticks",
        ),
        (
            "huge-max-events.toml",
            Some(12),
            Some("limits.max_events"),
            "at most 1000000000 events",
        ),
        (
            "ambiguous-step-code.toml",
            Some(12),
            Some("faults.step_errors[0].step"),
            "\"J5\" is ambiguous: it names GetStoragePools (clusterInitMember/GetStoragePools)",
        ),
        (
            "remove-join-target.toml",
            Some(16),
            Some("admins[0].commands[1].member"),
            "\"old-m2\" may name a join target, whose removal the model does not follow",
        ),
        (
            "assign-no-group.toml",
            Some(11),
            Some("admins[0].commands[0].groups"),
            "names no group; `incus cluster group assign` takes at least one",
        ),
        (
            "assign-single-group.toml",
            Some(11),
            Some("admins[0].commands[0].groups"),
            "\"assign-member\" needs `groups`",
        ),
        (
            "joiner-targets-itself.toml",
            Some(9),
            Some("joiners[0].target"),
            "\"j1\" names this joiner itself; a join target must be a cluster member",
        ),
        (
            "overlapping-partition.toml",
            Some(13),
            Some("network.partitions[0].side_b[1]"),
            "\"m2\" is on both sides of the partition",
        ),
        (
            "retired-sometimes.toml",
            Some(12),
            Some("expect.spurious-join-failure"),
            "\"sometimes\" is no longer accepted: it let any rate pass; pin the rate as a band",
        ),
        (
            "inverted-band.toml",
            Some(12),
            Some("expect.spurious-join-failure"),
            "the low end is above the high end",
        ),
        (
            "group-band-on-never.toml",
            Some(12),
            Some("expect.join-leftovers on joiner at J10 AddNodeToClusterGroup(default)"),
            "a band for a failure group of join-leftovers needs join-leftovers itself to allow violations",
        ),
        (
            "group-band-unknown-role.toml",
            Some(13),
            Some("expect.join-leftovers on worker at J10 AddNodeToClusterGroup(default)"),
            "unknown role \"worker\" (known: joiner, member, leader, admin, cluster)",
        ),
        (
            "token-expiry-unit-twice.toml",
            Some(7),
            Some("cluster.join_token_expiry"),
            "\"1H 2H\": Invalid expiry expression",
        ),
        (
            "token-expiry-no-unit.toml",
            Some(7),
            Some("cluster.join_token_expiry"),
            "\"90\": Invalid expiry expression",
        ),
        (
            "too-many-nodes.toml",
            Some(6),
            Some("cluster.members[256]"),
            "too many nodes (at most 256: members, joiners and admin clients together)",
        ),
        (
            "too-many-groups.toml",
            Some(10),
            Some("cluster.projects[0].config.\"restricted.cluster.groups\""),
            "too many cluster group names (at most 256, `default` included)",
        ),
        (
            "zero-campaign-seeds.toml",
            Some(8),
            Some("campaign.seeds"),
            "must be at least 1",
        ),
        (
            "expect-variant-unknown.toml",
            Some(7),
            Some("expect_variant.atomic-default-groups"),
            "unknown variant \"atomic-default-groups\"",
        ),
        (
            "expect-variant-own.toml",
            Some(10),
            Some("expect_variant.features-only"),
            "\"features-only\" is the scenario's own variant: its expectations go in [expect]",
        ),
        (
            "expect-variant-bad-band.toml",
            Some(9),
            Some("expect_variant.revert-retries.joiner-not-standalone"),
            "the low end is above the high end",
        ),
        (
            "project-key-typo.toml",
            Some(13),
            Some("cluster.projects[0].config.\"restricted.cluster.group\""),
            "Incus refuses it: Invalid project configuration key \"restricted.cluster.group\" (cmd/incusd/api_project.go:2092-2095",
        ),
        (
            "project-value-not-boolean.toml",
            Some(9),
            Some("cluster.projects[0].config.\"restricted\""),
            "Invalid project configuration key \"restricted\" value: Invalid value for a boolean \"maybe\" (cmd/incusd/api_project.go:1749",
        ),
        (
            "restricted-without-profiles.toml",
            Some(9),
            Some("cluster.projects[0].config"),
            "Projects without their own profiles cannot be restricted (cmd/incusd/api_project.go:2103-2108",
        ),
        (
            "admin-unknown-project-key.toml",
            Some(11),
            Some("admins[0].commands[0].key"),
            "Incus refuses this request (Invalid project configuration key \"limits.disk.pool.fast\"",
        ),
        (
            "admin-bad-project-value.toml",
            Some(14),
            Some("admins[0].commands[0].config.\"limits.cpu\""),
            "Invalid value for uint32 \"-1\": strconv.ParseUint: parsing \"-1\": invalid syntax (cmd/incusd/api_project.go:1716",
        ),
    ];
    for (file, line, key, text) in cases {
        let e = load_error(file);
        assert!(e.file.ends_with(file), "{file}: {e}");
        assert_eq!(e.line, line, "{file}: {e}");
        assert_eq!(e.key.as_deref(), key, "{file}: {e}");
        assert!(e.message.contains(text), "{file}: {e}");
    }
}

#[test]
fn a_scenario_without_joiners_or_with_faults_that_never_fire_loads_with_a_warning_for_each() {
    let scenario = Scenario::load(Path::new("tests/warned/faults-that-never-fire.toml")).expect("loads");
    let warnings: Vec<(Option<usize>, Option<&str>, &str)> = scenario
        .warnings
        .iter()
        .map(|w| (w.line, w.key.as_deref(), w.message.as_str()))
        .collect();
    assert_eq!(
        warnings,
        vec![
            (
                None,
                Some("joiners"),
                "the scenario has no joiners: no join runs, only the admins' commands are checked"
            ),
            (
                Some(15),
                Some("network.drop"),
                "never fires: `network.drop` acts only before `network.faults_until`, which is 0"
            ),
            (
                Some(22),
                Some("network.partitions[0].until"),
                "never fires: the partition lasts no time (from = until = 40)"
            ),
            (
                Some(25),
                Some("faults.random_step_error"),
                "never fires: random step errors happen only before `faults.until`, which is 0"
            ),
        ]
    );
    for bundled in common::bundled_paths() {
        let scenario = Scenario::load(&bundled).expect("loads");
        assert!(
            scenario.warnings.is_empty(),
            "{}: {:?}",
            bundled.display(),
            scenario.warnings
        );
    }
}
