//! Every join step's error, as `incus cluster join` prints it, equal to the
//! format strings and wrapping of the Incus source (lxc/incus at
//! be7afc5df3; the lines are cited in `model::joiner::error_chain`): each
//! step by an injected fault, and the errors the source produces from a
//! state, by the state itself.

mod common;

use std::sync::Arc;

use joinsim::model::db::{Db, MemberRow, Snapshot};
use joinsim::model::joiner::{JoinStatus, Joiner, error_chain};
use joinsim::model::message::{Answer, Tx};
use joinsim::model::names::DEFAULT_GROUP;
use joinsim::model::step::Step;
use joinsim::model::{Node, tx};
use joinsim::run::{RunOptions, RunResult, Source, run};
use joinsim::scenario::Scenario;

/// Two members, a pool and a network; `j1` joins through `m2`, which is not
/// the leader (so the revert is forwarded).
fn scenario(variant: &str, joiner: &str, faults: &str) -> Scenario {
    let rest = format!(
        "[[cluster.pools]]\nname = \"local\"\n[[cluster.networks]]\nname = \"incusbr0\"\n[faults]\nstep_errors = [{faults}]"
    );
    common::two_member_join(variant, joiner, &rest)
}

fn run_once(s: &Scenario) -> RunResult {
    run(s, &Source::Seed(1), RunOptions::default())
}

fn joiner(result: &RunResult) -> &Joiner {
    match &result.world.nodes[2] {
        Node::Joiner(j) => j,
        _ => unreachable!("j1 is node 2"),
    }
}

/// The step and whole error chain the join failed with.
fn failure(result: &RunResult) -> (String, String) {
    result.joins[0].failure.clone().expect("the join failed")
}

const INJECTED: [(&str, &str); 20] = [
    (
        "SetupTrust",
        "Failed to join cluster: Failed to setup cluster trust: Failed to add server cert to cluster: injected error at J1 SetupTrust",
    ),
    (
        "UpdateTrust",
        "Failed to join cluster: Failed to update cluster trust: Failed getting existing certificate: injected error at J2 UpdateTrust",
    ),
    (
        "GetClusterMembers",
        "Failed to join cluster: injected error at J3 GetClusterMembers",
    ),
    (
        "GetServer",
        "Failed to join cluster: Failed to retrieve cluster configuration: injected error at J4 GetServer",
    ),
    (
        "GetStoragePools",
        "Failed to join cluster: Failed to initialize member: Failed to fetch information about cluster storage pools: injected error at J5 clusterInitMember/GetStoragePools",
    ),
    (
        "GetProjects",
        "Failed to join cluster: Failed to initialize member: Failed to fetch project information about cluster networks: injected error at J5 clusterInitMember/GetProjects",
    ),
    (
        "GetNetworks",
        "Failed to join cluster: Failed to initialize member: Failed to fetch network information about cluster networks in project \"default\": injected error at J5 clusterInitMember/GetNetworks",
    ),
    (
        "ApplyServerPreseed",
        "Failed to join cluster: Failed to initialize member: Failed to initialize storage pools and networks: injected error at J5 clusterInitMember/ApplyServerPreseed",
    ),
    ("J6", "Failed to join cluster: injected error at J6 RegisterRevert"),
    (
        "J7",
        "Failed to join cluster: Failed request to add member: injected error at J7 clusterAcceptMember",
    ),
    (
        "J8",
        "Failed to join cluster: Failed to save cluster certificate: injected error at J8 StoreCertificates",
    ),
    (
        "ReplaceRaftNodes",
        "Failed to join cluster: Failed to set raft nodes: injected error at J9 cluster.Join/ReplaceRaftNodes",
    ),
    (
        "GetLocalConfig",
        "Failed to join cluster: injected error at J9 cluster.Join/GetStoragePoolsLocalConfig",
    ),
    (
        "EnterExclusive",
        "Failed to join cluster: Failed to acquire cluster database lock: injected error at J9 cluster.Join/EnterExclusive",
    ),
    (
        "RemoveGlobalDatabase",
        "Failed to join cluster: Failed to remove existing raft data: injected error at J9 cluster.Join/RemoveAll(GlobalDatabaseDir)",
    ),
    (
        "RaftAdd",
        "Failed to join cluster: Failed to join cluster: injected error at J9 cluster.Join/cowsqlClient.Add",
    ),
    (
        "ExitExclusive",
        "Failed to join cluster: Cluster database initialization failed: injected error at J9 cluster.Join/ExitExclusive",
    ),
    (
        "J10",
        "Failed to join cluster: Failed to add new member to the default cluster group: injected error at J10 AddNodeToClusterGroup(default)",
    ),
    ("J11", "Failed to join cluster: injected error at J11 StartClusterTasks"),
    // groups-first's own step (a proposed fix: its text is the model's).
    (
        "GetClusterGroups",
        "Failed to join cluster: Failed to initialize member: Failed to fetch information about cluster groups: injected error at J5 clusterInitMember/GetClusterGroups",
    ),
];

#[test]
fn every_failing_step_wraps_its_error_as_the_source_does() {
    for (step, expected) in INJECTED {
        let variant = if step == "GetClusterGroups" {
            "groups-first"
        } else {
            "features-only"
        };
        let result = run_once(&scenario(variant, "", &format!("{{ step = \"{step}\" }}")));
        assert_eq!(result.joins[0].status, JoinStatus::Failed, "{step}");
        assert_eq!(failure(&result).1, expected, "{step}");
    }
}

#[test]
fn a_retried_attempt_reports_the_token_request_error_as_the_cli_prints_it() {
    let retry = "attempts = 2\nretry_after = 10";
    let faults = "{ step = \"J1\", attempt = 1 }, { step = \"J0\", attempt = 2 }";
    let result = run_once(&scenario("features-only", retry, faults));
    assert_eq!(
        failure(&result),
        (
            "J0 incus cluster add".to_string(),
            "injected error at J0 incus cluster add".to_string()
        )
    );
}

#[test]
fn steps_after_j11_and_the_heartbeat_round_only_log() {
    for step in ["NotifyHeartbeat", "J12", "J13", "J14", "J15"] {
        let result = run_once(&scenario("features-only", "", &format!("{{ step = \"{step}\" }}")));
        assert_eq!(result.joins[0].status, JoinStatus::Completed, "{step}");
    }
}

#[test]
fn a_failure_at_each_cluster_join_sub_step_leaves_the_joiner_as_that_sub_step_left_it() {
    // (fault at, local database still there, raft node list set, in the
    // cluster's raft configuration at the end). A fault fires before its
    // step's own effect; the revert's cluster.Leave takes a pending member
    // out of raft, and finds none once J9's transaction committed.
    let cases = [
        ("ReplaceRaftNodes", true, false, false),
        ("GetLocalConfig", true, true, false),
        ("EnterExclusive", true, true, false),
        ("RemoveGlobalDatabase", true, true, false),
        ("RaftAdd", false, true, false),
        ("ExitExclusive", false, true, false),
        ("J10", false, true, true),
    ];
    for (step, database, raft_nodes, raft_member) in cases {
        let result = run_once(&scenario("features-only", "", &format!("{{ step = \"{step}\" }}")));
        let server = &joiner(&result).server;
        assert_eq!(server.database.is_some(), database, "{step}");
        assert_eq!(server.raft_nodes, raft_nodes, "{step}");
        assert_eq!(result.world.db.raft.contains(2), raft_member, "{step}");
        assert!(
            !server.clustered && !server.renamed,
            "{step}: the reverter restores both"
        );
        assert!(server.cluster_certificate, "{step}: J8 wrote cluster.crt");
    }
}

#[test]
fn a_second_join_after_j9_set_the_raft_nodes_is_refused_by_cluster_join() {
    let retry = "attempts = 2\nretry_after = 10";
    let result = run_once(&scenario(
        "features-only",
        retry,
        "{ step = \"ExitExclusive\", attempt = 1 }",
    ));
    assert_eq!(
        failure(&result),
        (
            "J9 cluster.Join/ReplaceRaftNodes".to_string(),
            "Failed to join cluster: The member is already part of a cluster".to_string()
        )
    );
}

#[test]
fn the_reverter_logs_the_forwarded_delete_error_verbatim() {
    let result = run_once(&common::bundled("revert-after-join"));
    assert_eq!(
        joiner(&result).revert_error.as_deref(),
        Some("Failed request to delete cluster member: Failed to get member \"j1\": Cluster member not found")
    );
}

#[test]
fn a_crashed_target_fails_j7_with_eof_and_refuses_the_revert() {
    let accept_eof = |r: &RunResult| {
        r.joins[0]
            .failure
            .as_ref()
            .is_some_and(|(_, e)| e.contains("Failed request to add member") && e.ends_with("EOF"))
    };
    let seed = common::first_seed("revert-target-down", accept_eof);
    let result = run_once_seed(&common::bundled("revert-target-down"), seed);
    assert_eq!(
        failure(&result).1,
        "Failed to join cluster: Failed request to add member: Post \"https://m1:8443/internal/cluster/accept\": EOF"
    );
    let j = match &result.world.nodes[3] {
        Node::Joiner(j) => j,
        _ => unreachable!("j1 is node 3"),
    };
    assert_eq!(
        j.revert_error.as_deref(),
        Some(
            "Failed request to delete cluster member: Delete \"https://m1:8443/1.0/cluster/members/j1?force=1&pending=1\": \
             Unable to connect to: m1:8443 ([dial tcp m1:8443: connect: connection refused])"
        )
    );
}

fn run_once_seed(s: &Scenario, seed: u64) -> RunResult {
    run(s, &Source::Seed(seed), RunOptions::default())
}

#[test]
fn a_retry_meets_the_leftover_row_the_consumed_token_and_the_trusted_certificate() {
    let result = run_once(&common::bundled("retried-join"));
    let by_name = |name: &str| {
        let at = result
            .joins
            .iter()
            .position(|j| result.world.setup.node_name(j.joiner) == name);
        &result.joins[at.expect("a joiner")]
    };
    let j1 = by_name("j1").failure.clone().expect("j1 fails");
    assert_eq!(j1.1, "The cluster already has a member with name: j1");
    assert_eq!(by_name("j2").status, JoinStatus::Completed);
    let j3 = by_name("j3").failure.clone().expect("j3 fails");
    assert_eq!(
        j3.1,
        "Failed to join cluster: Failed to setup cluster trust: Failed to add server cert to cluster: No matching cluster join operation found"
    );
}

/// The leader's side: each transaction's error, and the chain the joiner
/// wraps around it.
fn cluster() -> (Scenario, Db) {
    let s = scenario("features-only", "", "");
    let db = Db::clone(&s.setup.db);
    (s, db)
}

fn execute(s: &Scenario, db: &mut Db, tx: Tx) -> Result<(), String> {
    let mut shared = Arc::new(db.clone());
    let outcome = tx::execute(
        &mut shared,
        &tx,
        (2, &s.setup.variant.differences),
        tx::Clock {
            now: 0,
            token_expiry: s.setup.join_token_expiry_ticks,
        },
        &s.setup.names,
        &mut Vec::new(),
    );
    *db = Db::clone(&shared);
    outcome.map(|_: Answer| ()).map_err(|e| e.to_string())
}

/// Runs `tx`, which must fail, and returns what the joiner prints for it
/// at `step`.
fn failed_at(step: Step, s: &Scenario, db: &mut Db, tx: Tx) -> String {
    let error = execute(s, db, tx).expect_err("the transaction fails");
    error_chain(step, &error, None)
}

/// The joiner's pools and networks as J6 lists them: the cluster's, less
/// what `drop` removes.
fn listed(db: &Db, drop: fn(&mut Db)) -> Snapshot {
    let mut local = db.clone();
    drop(&mut local);
    Snapshot(Arc::new(local))
}

#[test]
fn accept_checks_pools_and_networks_in_the_source_words() {
    let (s, db) = cluster();
    let local = listed(&db, |l| l.pools.clear());
    assert_eq!(
        failed_at(
            Step::ClusterAccept,
            &s,
            &mut db.clone(),
            Tx::CheckStoragePoolsMatch { local }
        ),
        "Failed to join cluster: Failed request to add member: Missing storage pool local"
    );
    let local = listed(&db, |l| l.networks.clear());
    assert_eq!(
        failed_at(
            Step::ClusterAccept,
            &s,
            &mut db.clone(),
            Tx::CheckNetworksMatch { local }
        ),
        "Failed to join cluster: Failed request to add member: Missing network \"incusbr0\" in project \"default\""
    );
}

#[test]
fn accept_replaces_a_pending_row_and_refuses_a_full_one() {
    let (s, mut db) = cluster();
    db.members.push(MemberRow {
        node: 2,
        pending: true,
        name: s.setup.names.server_name(2),
    });
    execute(&s, &mut db, Tx::Accept { joiner: 2 }).expect("INSERT OR REPLACE");
    assert_eq!(db.members.iter().filter(|m| m.node == 2).count(), 1);
    db.members.iter_mut().for_each(|m| m.pending = false);
    assert_eq!(
        failed_at(Step::ClusterAccept, &s, &mut db, Tx::Accept { joiner: 2 }),
        "Failed to join cluster: Failed request to add member: The cluster already has a member with name: j1"
    );
}

#[test]
fn cluster_join_transaction_errors_are_wrapped_as_database_initialization_failures() {
    let (s, mut db) = cluster();
    let join = |local| Tx::JoinMember { joiner: 2, local };
    assert_eq!(
        failed_at(Step::ExitExclusive, &s, &mut db.clone(), join(listed(&db, |_| {}))),
        "Failed to join cluster: Cluster database initialization failed: Failed to get ID of joining node: Cluster member not found"
    );
    db.members.push(MemberRow {
        node: 2,
        pending: true,
        name: s.setup.names.server_name(2),
    });
    let local = listed(&db, |l| l.pools.clear());
    assert_eq!(
        failed_at(Step::ExitExclusive, &s, &mut db, join(local)),
        "Failed to join cluster: Cluster database initialization failed: Joining member has no config for pool local"
    );
}

#[test]
fn adding_the_new_member_to_default_fails_as_add_node_to_cluster_group_does() {
    let (s, mut db) = cluster();
    let add = || Tx::AddMemberToGroup {
        member: 2,
        group: DEFAULT_GROUP,
        by_admin: false,
    };
    let prefix = "Failed to join cluster: Failed to add new member to the default cluster group";
    assert_eq!(
        failed_at(Step::AddToDefaultGroup, &s, &mut db, add()),
        format!("{prefix}: Failed to get node info: Cluster member not found")
    );
    db.members.push(MemberRow {
        node: 2,
        pending: false,
        name: s.setup.names.server_name(2),
    });
    db.groups[0].members.insert(2);
    assert_eq!(
        failed_at(Step::AddToDefaultGroup, &s, &mut db, add()),
        format!("{prefix}: UNIQUE constraint failed: nodes_cluster_groups.node_id, nodes_cluster_groups.group_id")
    );
}

#[test]
fn the_leaders_side_of_the_revert_looks_among_pending_rows_only() {
    let (s, mut db) = cluster();
    db.members.push(MemberRow {
        node: 2,
        pending: false,
        name: s.setup.names.server_name(2),
    });
    let not_found = "Failed to get member \"j1\": Cluster member not found";
    assert_eq!(
        execute(&s, &mut db, Tx::LeavePending { joiner: 2 }),
        Err(not_found.to_string())
    );
    assert_eq!(
        execute(&s, &mut db, Tx::PurgePending { joiner: 2 }),
        Err(format!("Failed to remove member from database: {not_found}"))
    );
    // A pending member in raft leaves it, then its row and certificate go.
    db.members.iter_mut().for_each(|m| m.pending = m.node == 2);
    db.raft.insert(2);
    db.trusted.insert(2);
    execute(&s, &mut db, Tx::LeavePending { joiner: 2 }).expect("found");
    execute(&s, &mut db, Tx::PurgePending { joiner: 2 }).expect("found");
    assert!(!db.raft.contains(2) && !db.trusted.contains(2) && db.member(2).is_none());
}

#[test]
fn a_join_token_is_single_use_and_refused_for_a_member_name() {
    let (s, mut db) = cluster();
    execute(&s, &mut db, Tx::TrustCertificate { joiner: 2 }).expect("the scenario's token");
    assert_eq!(
        failed_at(Step::SetupTrust, &s, &mut db, Tx::TrustCertificate { joiner: 2 }),
        "Failed to join cluster: Failed to setup cluster trust: Failed to add server cert to cluster: No matching cluster join operation found"
    );
    db.members.push(MemberRow {
        node: 2,
        pending: false,
        name: s.setup.names.server_name(2),
    });
    assert_eq!(
        failed_at(Step::RequestJoinToken, &s, &mut db, Tx::IssueJoinToken { joiner: 2 }),
        "The cluster already has a member with name: j1"
    );
}
