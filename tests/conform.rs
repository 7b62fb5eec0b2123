//! `joinsim conform` on live Incus daemons: the scenarios of
//! `scenarios/conform/` compared with the model, every difference with a
//! reason, and `docs/CONFORMANCE.md` the command's current output.
//!
//! It needs root and Debian's incus-base. Without them it skips with a
//! message, unless `JOINSIM_REQUIRE_INCUS_DAEMON` is set or `CI=true`, when
//! it fails instead. It shares the real back end's bridge and /24 with
//! tests/real.rs; `joinsim real` takes a lock, so the two wait for each other.

use std::process::Command;

fn can_run() -> bool {
    let reason = match joinsim::real::available() {
        Ok(()) => return true,
        Err(reason) => reason,
    };
    let required =
        std::env::var_os("JOINSIM_REQUIRE_INCUS_DAEMON").is_some() || std::env::var("CI").is_ok_and(|v| v == "true");
    assert!(!required, "a real Incus is required here, but: {reason}");
    eprintln!("SKIPPED: {reason}");
    false
}

#[test]
fn conformance_document_is_current_and_every_difference_has_a_reason() {
    if !can_run() {
        return;
    }
    let out = tempfile::tempdir().expect("a scratch folder");
    let markdown = out.path().join("CONFORMANCE.md");
    let run = Command::new(env!("CARGO_BIN_EXE_joinsim"))
        .arg("conform")
        .arg("--markdown")
        .arg(&markdown)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("joinsim runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "joinsim conform failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary = stdout.lines().last().unwrap_or_default();
    let compared: usize = summary
        .strip_prefix("conform: ")
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(compared >= 10, "at least 10 scenarios compared: {summary}");
    let equal_texts: usize = summary
        .split("; ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(equal_texts >= 8, "at least 8 join-step error texts equal: {summary}");
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md");
    let claim = format!("It compares {compared} scenarios, with {equal_texts} join-step error texts equal");
    assert!(
        readme.contains(&claim),
        "README's conformance section should say: {claim}"
    );
    assert!(
        summary.contains(" 0 not,") && summary.ends_with(" 0 difference(s) without a reason"),
        "{summary}"
    );
    let fresh = std::fs::read_to_string(&markdown).expect("the document was written");
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/CONFORMANCE.md"))
        .expect("docs/CONFORMANCE.md");
    assert!(
        fresh == committed,
        "docs/CONFORMANCE.md is not current: run `joinsim conform --markdown docs/CONFORMANCE.md` as root \
         (first difference at line {})",
        fresh
            .lines()
            .zip(committed.lines())
            .position(|(a, b)| a != b)
            .map_or(fresh.lines().count().min(committed.lines().count()) + 1, |i| i + 1)
    );
}

// The model's side of conformance, which needs no Incus: the bugs the real
// cluster showed, each held by a test on the model alone.

fn conform_scenario(name: &str) -> joinsim::scenario::Scenario {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/conform")
        .join(format!("{name}.toml"));
    joinsim::scenario::Scenario::load(&path).expect("conform scenarios load")
}

fn model_side(name: &str, variant: joinsim::model::Variant) -> joinsim::conform::Side {
    joinsim::conform::model_side::run(&conform_scenario(name).with_variant(variant))
}

fn failure(side: &joinsim::conform::Side) -> (String, String) {
    let join = side.joins.first().expect("one join");
    (
        join.step.clone().expect("the join failed"),
        join.error.clone().expect("with an error"),
    )
}

#[test]
fn incus_6_0_fails_a_down_target_at_setup_trusts_get_of_the_server_as_v6_0_4_does() {
    // connect.go:219-222 at v6.0.4: ConnectIncus reads GET /1.0 first.
    let (step, error) = failure(&model_side("target-down", joinsim::model::Variant::INCUS_6_0));
    assert_eq!(step, "J1");
    assert_eq!(
        error,
        "Failed to join cluster: Failed to setup cluster trust: Failed to connect to target cluster node \"ADDR\": \
         Get \"https://ADDR/1.0\": Unable to connect to: ADDR ([dial tcp ADDR: connect: connection refused])"
    );
    // be7afc5df3 skips that read (SkipGetServer, connect.go:279-285): the POST fails.
    let (step, error) = failure(&model_side("target-down", joinsim::model::Variant::FEATURES_ONLY));
    assert_eq!(step, "J1");
    assert!(
        error.contains("Failed to add server cert to cluster: Post \"https://ADDR/1.0/certificates\""),
        "{error}"
    );
}

#[test]
fn cluster_remove_takes_the_member_out_of_the_raft_configuration() {
    // cluster.Leave's client.Remove (membership.go:971 at v6.0.4) before Purge.
    let side = model_side("remove-after-join", joinsim::model::Variant::INCUS_6_0);
    assert!(side.joins[0].completed);
    assert!(!side.end.raft.contains("m3"), "{:?}", side.end.raft);
    assert!(
        !side.end.members.iter().any(|m| m.starts_with("m3")),
        "{:?}",
        side.end.members
    );
    assert!(side.end.raft.contains("j1"), "{:?}", side.end.raft);
}

#[test]
fn j8_reads_the_trusted_certificates_from_the_target_after_the_accept() {
    // api_cluster.go:645 at v6.0.4, :733 at be7afc5df3.
    let side = model_side("plain-join", joinsim::model::Variant::INCUS_6_0);
    let steps: Vec<String> = side
        .steps
        .iter()
        .map(|s| format!("{} {}", s.step, s.endpoint))
        .collect();
    let accept = steps
        .iter()
        .position(|s| s.starts_with("J7 "))
        .expect("J7 in the trace");
    assert_eq!(steps[accept + 1], "J8 GET /1.0/certificates -> m1", "{steps:?}");
    assert!(steps[accept + 2].starts_with("J9 PUT /internal/database"), "{steps:?}");
}

#[test]
fn a_failed_certificate_read_at_j8_is_wrapped_as_clusterputjoin_wraps_it() {
    let error = joinsim::model::joiner::error_chain_of(
        joinsim::model::step::Step::StoreCertificates,
        Some(&joinsim::model::joiner::SubRequest::TrustedCertificates),
        "EOF",
        None,
    );
    assert_eq!(error, "Failed to join cluster: Failed to get trusted certificates: EOF");
}

#[test]
fn an_operator_issuing_a_token_again_revokes_the_one_the_joiner_holds() {
    let (step, error) = failure(&model_side("token-revoked", joinsim::model::Variant::INCUS_6_0));
    assert_eq!(step, "J1");
    assert!(error.ends_with("No matching cluster join operation found"), "{error}");
    // Without that command the same join completes.
    let scenario = conform_scenario("token-revoked");
    let without = scenario.source.replace(
        "commands = [{ op = \"issue-join-token\", member = \"j1\" }]",
        "commands = []",
    );
    let plain = joinsim::scenario::Scenario::parse("inline", "inline.toml", &without).expect("valid");
    assert!(joinsim::conform::model_side::run(&plain).joins[0].completed);
}

#[test]
fn an_expired_join_token_is_consumed_and_refused_at_j1() {
    let (step, error) = failure(&model_side("token-expired", joinsim::model::Variant::INCUS_6_0));
    assert_eq!(step, "J1");
    assert_eq!(
        error,
        "Failed to join cluster: Failed to setup cluster trust: Failed to add server cert to cluster: \
         Failed during search for join token operation: Token has expired"
    );
    // A token that outlasts the wait: the same join completes.
    let scenario = conform_scenario("token-expired");
    let longer = scenario
        .source
        .replace("join_token_expiry = \"1S\"", "join_token_expiry = \"1M 1S\"");
    assert_ne!(longer, scenario.source);
    let plain = joinsim::scenario::Scenario::parse("inline", "inline.toml", &longer).expect("valid");
    assert!(joinsim::conform::model_side::run(&plain).joins[0].completed);
}

#[test]
fn a_refused_expired_token_is_gone_for_the_retry() {
    // certificatesPost cancels the token before it checks the expiry: a
    // retry with the same token finds no join operation at all.
    let scenario = conform_scenario("token-expired");
    let retried = scenario.source.replace(
        "start = 3000",
        "start = 3000\nattempts = 2\nretry_after = 100\nretry_token = \"same\"",
    );
    let run = joinsim::scenario::Scenario::parse("inline", "inline.toml", &retried).expect("valid");
    let side = joinsim::conform::model_side::run(&run);
    let (_, error) = failure(&side);
    assert!(error.ends_with(": No matching cluster join operation found"), "{error}");
}

#[test]
fn every_bridge_of_a_real_scenario_has_its_own_address() {
    let scenario = conform_scenario("admin-before-join");
    let mut bridges = joinsim::real::network::Bridges::of(&scenario.setup);
    assert!(bridges.check().is_ok());
    let bridge = conform_scenario("network-zone-reverse");
    bridges = joinsim::real::network::Bridges::of(&bridge.setup);
    let (br1, br0) = (bridges.address("default", "br1"), bridges.address("default", "br0"));
    assert_ne!(br1, br0);
    assert_eq!(br1, "10.213.7.129/28");
    assert_eq!(br0, "10.213.7.145/28");
}

#[test]
fn the_real_setup_creates_a_networks_project_before_the_network() {
    if !can_run() {
        return;
    }
    // A bridge in a project: Incus 6.0.4 refuses it for its type
    // (networksPost, networks.go:401-402), which it can only say once the
    // project exists; created first, the setup would fail on the project.
    let source = r#"
variant = "incus-6.0"
[cluster]
members = ["m1"]
leader = "m1"
[[cluster.projects]]
name = "p"
config = { "features.networks" = "true" }
[[cluster.networks]]
name = "brp"
project = "p"
[[joiners]]
name = "j1"
target = "m1"
"#;
    let scenario = joinsim::scenario::Scenario::parse("inline", "inline.toml", source).expect("valid");
    let error = joinsim::real::one_try(&scenario, 0).expect_err("the setup fails");
    assert!(
        error.contains("Network type does not support non-default projects"),
        "{error}"
    );
}
