//! The model's end checks judged on what real Incus holds at the end of a
//! try: this file builds the same `EndView` the model builds from its
//! world, from the cluster database (`incus admin sql global`, i.e. `POST
//! /internal/sql`), each joiner's own database and `GET /1.0`, and the
//! invariants' own end predicates run on it (so a real violation falls in
//! the same failure group, `INVARIANT on ROLE at STEP`, as the model's).
//! The step of a failed join is read off the error text the daemon
//! returned (the wrapping `clusterPutJoin` adds at each step); the
//! per-member tables are those of the database's own `sqlite_master` with
//! a `node_id` column.

use std::borrow::Cow;

use serde_json::{Value, json};

use super::api::Api;
use super::cluster::Cluster;
use super::network;
use super::schedule::Played;
use crate::check::Violation;
use crate::check::end_view::{
    ClusterView, EndView, FailedJoin, JoinEnd, JoinerView, MemberView, OwnServer, PerMemberRows, ProjectView,
    Rejection, Revert,
};
use crate::model::db::NodeSet;
use crate::model::step::Step;
use crate::sim::NodeId;

/// The step a join failed at, from its error text: the prefix each step
/// of `clusterPutJoin` wraps its error in (cmd/incusd/api_cluster.go at
/// v6.0.4, :389-760), or the text of the step's own error.
pub fn step_of(error: &str) -> Option<Step> {
    const PREFIXES: [(&str, Step); 10] = [
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

/// Judges the try; `tick` of each violation is the try's end in ms.
pub fn judge(cluster: &Cluster, played: &Played, end_ms: u64) -> Vec<Violation> {
    crate::check::end_violations(&end_view(cluster, played, end_ms))
}

/// What the try left, as the end checks read it.
pub fn end_view<'a>(cluster: &'a Cluster, played: &Played, end_ms: u64) -> EndView<'a> {
    let setup = &cluster.setup;
    let state = live_member(cluster).map(|api| cluster_view(cluster, &api));
    let joiners = setup
        .joiners()
        .map(|node| {
            let name = setup.node_name(node);
            let played = played.joins.iter().find(|j| j.joiner == name);
            let result = played.and_then(|j| j.result.as_ref());
            // A retry whose `incus cluster add` was refused never joined:
            // its error is that command's, printed as is (J0).
            let token_refused = played.is_some_and(|j| j.token_refused);
            let end = match result {
                None => JoinEnd::Unfinished(Cow::Borrowed("its request had no answer")),
                Some(Ok(())) => JoinEnd::Completed,
                Some(Err(error)) => JoinEnd::Failed(Box::new(FailedJoin {
                    step: if token_refused {
                        Some(Step::RequestJoinToken)
                    } else {
                        step_of(error)
                    },
                    error: Cow::Owned(error.clone()),
                    ended_tick: None,
                    earlier_failures: 0,
                    revert: Revert::NotKnown,
                    rejection: rejection(error, state.as_ref()),
                    own: own_server(cluster, node),
                })),
            };
            JoinerView { node, end }
        })
        .collect();
    EndView {
        setup,
        tick: end_ms,
        event_limit: None,
        bound: Cow::Owned(format!("its deadline ({} s)", super::schedule::JOIN_DEADLINE.as_secs())),
        cluster: state,
        joiners,
    }
}

/// The project config a validation error rejected (`projectValidateConfig`'s
/// texts, wrapped with the project's name at J5), with the groups it names
/// and the cluster's groups now.
fn rejection(error: &str, cluster: Option<&ClusterView<'static>>) -> Option<Rejection<'static>> {
    if !is_validation_error(error) {
        return None;
    }
    let project = error
        .split_once("project \"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map_or("", |(p, _)| p)
        .to_string();
    let referenced = cluster
        .and_then(|c| c.projects.iter().find(|p| p.name == project))
        .and_then(|p| p.restricted_cluster_groups.as_deref())
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(|g| Cow::Owned(g.to_string()))
                .collect()
        })
        .unwrap_or_default();
    Some(Rejection {
        project: Cow::Owned(project),
        read_at: None,
        referenced,
        cluster_groups: cluster.map(|c| c.groups.clone()).unwrap_or_default(),
    })
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

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The scenario's node at a cluster address (`10.213.7.N:8443`).
fn node_at(cluster: &Cluster, address: &str) -> Option<NodeId> {
    (0..cluster.setup.node_count())
        .find(|&n| network::https_address(n) == address)
        .and_then(|n| NodeId::try_from(n).ok())
}

/// The cluster database's rows, read through `api`.
fn cluster_view(cluster: &Cluster, api: &Api) -> ClusterView<'static> {
    let mut ids: Vec<(String, NodeId)> = Vec::new();
    let mut members = Vec::new();
    for r in sql(api, "global", "SELECT id, name, address, state FROM nodes") {
        let Some(node) = node_at(cluster, &text(&r[2])) else {
            continue;
        };
        ids.push((text(&r[0]), node));
        members.push(MemberView {
            node,
            name: Cow::Owned(text(&r[1])),
            pending: r[3].as_i64() == Some(1),
        });
    }
    let mut raft = NodeSet::EMPTY;
    for r in sql(api, "local", "SELECT address FROM raft_nodes") {
        if let Some(node) = node_at(cluster, &text(&r[0])) {
            raft.insert(node);
        }
    }
    let query = "SELECT projects.name, projects_config.value FROM projects \
                 LEFT JOIN projects_config ON projects.id = projects_config.project_id \
                 AND projects_config.key = 'restricted.cluster.groups'";
    ClusterView {
        version: None,
        members,
        raft,
        trusted: trusted(cluster, api),
        groups: sql(api, "global", "SELECT name FROM cluster_groups")
            .iter()
            .map(|r| Cow::Owned(text(&r[0])))
            .collect(),
        per_member: per_member_rows(api, &ids),
        projects: sql(api, "global", query)
            .iter()
            .map(|r| ProjectView {
                name: Cow::Owned(text(&r[0])),
                restricted_cluster_groups: r[1].as_str().map(|v| Cow::Owned(v.to_string())),
            })
            .collect(),
    }
}

/// The joiners whose own server certificate (`server.crt` in its
/// directory) is among the cluster's trusted certificates.
fn trusted(cluster: &Cluster, api: &Api) -> NodeSet {
    let stored: Vec<String> = sql(api, "global", "SELECT certificate FROM certificates")
        .iter()
        .map(|r| text(&r[0]).trim().to_string())
        .collect();
    let mut set = NodeSet::EMPTY;
    for node in cluster.setup.joiners() {
        let Some(daemon) = &cluster.daemons[usize::from(node)] else {
            continue;
        };
        let Ok(pem) = std::fs::read_to_string(daemon.dir.join("server.crt")) else {
            continue;
        };
        if stored.iter().any(|c| c == pem.trim()) {
            set.insert(node);
        }
    }
    set
}

/// The rows of every per-member table: every table of the database's
/// `sqlite_master` with a `node_id` column, grouped by the entity its other
/// foreign key names (by that entity's `name`), or whole.
fn per_member_rows(api: &Api, ids: &[(String, NodeId)]) -> Vec<PerMemberRows<'static>> {
    let node = |id: &Value| ids.iter().find(|(i, _)| *i == text(id)).map(|&(_, n)| n);
    let mut out = Vec::new();
    for table in sql(
        api,
        "global",
        "SELECT name, sql FROM sqlite_master WHERE type='table' ORDER BY name",
    ) {
        let (name, schema) = (text(&table[0]), text(&table[1]));
        if !has_node_id_column(&schema) {
            continue;
        }
        let query = match entity_of(&schema) {
            Some((column, entity)) => format!(
                "SELECT t.node_id, e.name FROM {name} t JOIN {entity} e ON e.id = t.{column} WHERE t.node_id IS NOT NULL"
            ),
            None => format!("SELECT node_id, NULL FROM {name} WHERE node_id IS NOT NULL"),
        };
        let mut groups: Vec<PerMemberRows> = Vec::new();
        for r in sql(api, "global", &query) {
            let Some(n) = node(&r[0]) else { continue };
            let entity = r[1].as_str().map(str::to_string);
            match groups.iter_mut().find(|g| g.entity.as_deref() == entity.as_deref()) {
                Some(g) => g.members.insert(n),
                None => groups.push(PerMemberRows {
                    table: Cow::Owned(name.clone()),
                    entity: entity.map(Cow::Owned),
                    members: NodeSet::only(n),
                }),
            }
        }
        out.extend(groups);
    }
    out
}

/// Whether a `CREATE TABLE` statement defines a `node_id` column.
fn has_node_id_column(schema: &str) -> bool {
    schema
        .split_once('(')
        .is_some_and(|(_, columns)| columns.split(',').any(|c| c.trim_start().starts_with("node_id ")))
}

/// The other foreign key of a per-member table, as (column, table), when
/// the table it references has a `name` (a pool, a network, a group...).
fn entity_of(schema: &str) -> Option<(String, String)> {
    schema.split("FOREIGN KEY").skip(1).find_map(|fk| {
        let unquote = |s: &str| s.trim().trim_matches('"').to_string();
        let column = unquote(fk.split_once('(')?.1.split_once(')')?.0);
        let table = unquote(fk.split_once("REFERENCES")?.1.trim().split([' ', '(']).next()?);
        let named = ["networks", "storage_pools", "cluster_groups", "images", "instances"];
        (column != "node_id" && named.contains(&table.as_str())).then_some((column, table))
    })
}

/// What keeps the joiner from being the standalone server it was:
/// clustered (`GET /1.0`), a raft node list in its own database, the
/// cluster certificate served.
fn own_server(cluster: &Cluster, node: NodeId) -> OwnServer<'static> {
    let api = cluster.api(node, "judge");
    let mut own = OwnServer::default();
    let Ok(server) = api.get("/1.0") else { return own };
    let env = &server.metadata()["environment"];
    own.clustered = env["server_clustered"].as_bool() == Some(true);
    let raft: Vec<String> = sql(&api, "local", "SELECT address FROM raft_nodes")
        .iter()
        .map(|r| text(&r[0]))
        .collect();
    if !raft.is_empty() {
        own.raft_nodes = Some(Cow::Owned(raft.join(", ")));
    }
    own.renamed = own.clustered
        && env["server_name"]
            .as_str()
            .is_some_and(|n| n != cluster.setup.node_name(node));
    own.cluster_certificate =
        !cluster.certificate.is_empty() && env["certificate"].as_str() == Some(cluster.certificate.as_str());
    own
}
