//! The model's invariants judged on what real Incus holds at the end of a
//! try, as `crate::check::Violation` values (so a real violation falls in
//! the same failure group, `INVARIANT on ROLE at STEP`, as the model's):
//! the cluster database (`incus admin sql global`, i.e. `POST
//! /internal/sql`), each joiner's own database and `GET /1.0`, the projects
//! and cluster groups. The step of a failed join is read off the error text
//! the daemon returned (the wrapping `clusterPutJoin` adds at each step).

use serde_json::{Value, json};

use super::api::Api;
use super::cluster::Cluster;
use super::network;
use super::schedule::Played;
use crate::check::{Invariant, Violation};
use crate::model::step::Step;

/// The step a join failed at, from its error text: the prefix each step
/// of `clusterPutJoin` wraps its error in (cmd/incusd/api_cluster.go at
/// v6.0.4, :389-760), or the text of the step's own error.
pub fn step_of(error: &str) -> Option<Step> {
    const PREFIXES: [(&str, Step); 11] = [
        (super::requests::TOKEN_REFUSED, Step::RequestJoinToken),
        (
            "Failed to add new member to the default cluster group",
            Step::AddToDefaultGroup,
        ),
        ("Failed to setup cluster trust", Step::SetupTrust),
        ("Failed to update cluster trust", Step::UpdateTrust),
        ("The cluster already has a member with name", Step::GetClusterMembers),
        ("Failed to initialize member", Step::ApplyServerPreseed),
        ("Failed request to add member", Step::ClusterAccept),
        ("Failed to save cluster certificate", Step::StoreCertificates),
        ("Failed to get trusted certificates", Step::StoreCertificates),
        ("Cluster database initialization failed", Step::ExitExclusive),
        ("Failed to join cluster", Step::RaftAdd),
    ];
    let text = error.strip_prefix("Failed to join cluster: ").unwrap_or(error);
    PREFIXES.iter().find(|(p, _)| text.starts_with(p)).map(|&(_, s)| s)
}

/// Whether a join's error is a validation error (a project config refused
/// on the joiner: `projectValidateConfig`'s texts).
fn is_validation_error(error: &str) -> bool {
    error.contains("Invalid project configuration") || error.contains("Invalid value for")
}

/// A row of the `nodes` table.
#[derive(Debug)]
struct Row {
    name: String,
    address: String,
    pending: bool,
}

/// Judges the try; `tick` of each violation is the try's end in ms.
pub fn judge(cluster: &Cluster, played: &Played, end_ms: u64) -> Vec<Violation> {
    let setup = &cluster.setup;
    let violation = |invariant, node: &str, step: Option<Step>, message: String| Violation {
        invariant,
        node: Some(node.to_string()),
        step: step.map(|s| s.to_string()),
        tick: end_ms,
        message,
    };
    let mut found = Vec::new();
    let api = live_member(cluster);
    let rows = api.as_ref().map(rows).unwrap_or_default();
    for joiner in setup.joiners() {
        let name = setup.node_name(joiner);
        let end = played.joins.iter().find(|j| j.joiner == name);
        let Some(Some(result)) = end.map(|j| &j.result) else {
            let message = format!(
                "the join of {name} did not end within {} s",
                super::schedule::JOIN_DEADLINE.as_secs()
            );
            found.push(violation(Invariant::JoinLiveness, name, None, message));
            continue;
        };
        let Err(error) = result else { continue };
        let step = step_of(error);
        if is_validation_error(error) {
            found.push(violation(Invariant::SpuriousJoinFailure, name, step, error.clone()));
        }
        let address = network::https_address(usize::from(joiner));
        if let Some(row) = rows.iter().find(|r| r.address == address) {
            let kind = if row.pending { "pending" } else { "full" };
            let message = format!(
                "the failed join ({error}) left a {kind} row for {name} (named \"{}\") in the cluster database",
                row.name
            );
            found.push(violation(Invariant::JoinLeftovers, name, step, message));
        }
        let in_raft = api.as_ref().and_then(|m| in_cluster_raft(m, &address));
        let own = not_standalone(&cluster.api(joiner, "judge"), name);
        if let Some(message) = own.into_iter().chain(in_raft).reduce(|a, b| format!("{a}, {b}")) {
            let message = format!("the failed join ({error}) left the joiner {message}");
            found.push(violation(Invariant::JoinerNotStandalone, name, step, message));
        }
    }
    if let Some(api) = &api {
        found.extend(dangling_groups(api, end_ms));
    }
    found
}

/// The first member whose daemon answers (the leader first).
fn live_member(cluster: &Cluster) -> Option<Api> {
    let setup = &cluster.setup;
    let members = std::iter::once(setup.leader).chain(setup.members().filter(|&m| m != setup.leader));
    members
        .map(|m| cluster.api(m, "judge"))
        .find(|api| api.get("/1.0").is_ok_and(|a| a.error().is_none()))
}

pub(crate) fn sql(api: &Api, database: &str, query: &str) -> Vec<Vec<Value>> {
    let body = json!({"database": database, "query": query});
    let Ok(answer) = api.call("POST", "/internal/sql", Some(&body), None) else {
        return Vec::new();
    };
    let rows = &answer.metadata()["Results"][0]["rows"];
    serde_json::from_value(rows.clone()).unwrap_or_default()
}

fn rows(api: &Api) -> Vec<Row> {
    sql(api, "global", "SELECT name, address, state FROM nodes")
        .into_iter()
        .map(|r| Row {
            name: r[0].as_str().unwrap_or_default().to_string(),
            address: r[1].as_str().unwrap_or_default().to_string(),
            pending: r[2].as_i64() == Some(1),
        })
        .collect()
}

/// What keeps the joiner from being the standalone server it was, or
/// `None`: clustered (`GET /1.0`), a raft node list in its own database,
/// another name. (Its place in the cluster's raft configuration is
/// [`in_cluster_raft`]'s.)
fn not_standalone(api: &Api, name: &str) -> Option<String> {
    let server = api.get("/1.0").ok()?;
    let env = &server.metadata()["environment"];
    let mut wrong = Vec::new();
    if env["server_clustered"].as_bool() == Some(true) {
        wrong.push("clustered".to_string());
    }
    let raft = sql(api, "local", "SELECT address FROM raft_nodes");
    if !raft.is_empty() {
        let list: Vec<String> = raft
            .iter()
            .map(|r| r[0].as_str().unwrap_or_default().to_string())
            .collect();
        wrong.push(format!("with a raft node list ({})", list.join(", ")));
    }
    match env["server_name"].as_str() {
        Some(n) if n != name && env["server_clustered"].as_bool() == Some(true) => {
            wrong.push(format!("named \"{n}\""));
        }
        _ => {}
    }
    (!wrong.is_empty()).then(|| wrong.join(", "))
}

/// The joiner's place in the cluster's raft configuration, as a member's
/// own `raft_nodes` records it (every heartbeat replaces the table with the
/// leader's raft members: `heartbeatHandler`, cmd/incusd/daemon.go:2359,
/// 2420-2422 at v6.0.4): `None` when `address` is not in it.
fn in_cluster_raft(member: &Api, address: &str) -> Option<String> {
    let raft = sql(member, "local", "SELECT address FROM raft_nodes");
    raft.iter()
        .any(|r| r[0].as_str() == Some(address))
        .then(|| "still in the cluster's raft configuration".to_string())
}

/// `dangling-group-reference`: a project naming a group that does not exist.
fn dangling_groups(api: &Api, end_ms: u64) -> Vec<Violation> {
    let groups: Vec<String> = sql(api, "global", "SELECT name FROM cluster_groups")
        .into_iter()
        .filter_map(|r| r[0].as_str().map(str::to_string))
        .collect();
    let query = "SELECT projects.name, projects_config.value FROM projects_config \
                 JOIN projects ON projects.id = projects_config.project_id \
                 WHERE projects_config.key = 'restricted.cluster.groups'";
    sql(api, "global", query)
        .into_iter()
        .filter_map(|r| {
            let project = r[0].as_str()?.to_string();
            let value = r[1].as_str()?.to_string();
            let missing: Vec<&str> = value
                .split(',')
                .map(str::trim)
                .filter(|g| !g.is_empty() && !groups.iter().any(|x| x == g))
                .collect();
            (!missing.is_empty()).then(|| Violation {
                invariant: Invariant::DanglingGroupReference,
                node: None,
                step: None,
                tick: end_ms,
                message: format!(
                    "project \"{project}\" has restricted.cluster.groups={value}, naming missing group(s) {}",
                    missing.join(", ")
                ),
            })
        })
        .collect()
}
