//! The real side: the scenario on a live cluster (`crate::real`), read
//! before teardown: each join's end (its failing step from the joiner's
//! `--debug` log), the admins' outcomes, the end state from the cluster
//! database, and the joiners' requests from the logs.

use serde_json::Value;

use super::state::EndState;
use super::{JoinOutcome, Side, log, mask};
use crate::real::cluster::Cluster;
use crate::real::judge::sql;
use crate::real::schedule::Played;
use crate::scenario::Scenario;

/// One try (seed 0: the scenario's start times without jitter) and how
/// long it took in ms.
pub fn run(scenario: &Scenario) -> Result<(Side, f64), String> {
    let (result, side) = crate::real::one_try_observed(scenario, 0, observe)?;
    Ok((side, result.total_ms))
}

fn observe(cluster: &Cluster, played: &Played) -> Side {
    let setup = &cluster.setup;
    let logs = log::read_all(cluster);
    let node_of = |address: &str| node_of(cluster, address);
    let joins = played
        .joins
        .iter()
        .map(|j| {
            let error = j.result.as_ref().and_then(|r| r.as_ref().err());
            let logged = logs.iter().find(|l| l.node == j.joiner);
            JoinOutcome {
                joiner: j.joiner.clone(),
                completed: matches!(j.result, Some(Ok(()))),
                // A refused token request (J0) ran no join operation.
                step: error.and_then(|_| match j.token_refused {
                    true => Some("J0".to_string()),
                    false => logged.and_then(|l| log::failing_step(l, &node_of)),
                }),
                error: error.map(|e| mask::mask(e)),
            }
        })
        .collect();
    let commands = played
        .commands
        .iter()
        .map(|c| (c.command.clone(), c.result.as_ref().err().map(|e| mask::mask(e))))
        .collect();
    let joiners: Vec<String> = setup.joiners().map(|j| setup.node_name(j).to_string()).collect();
    Side {
        joins,
        commands,
        end: end_state(cluster, &joiners),
        steps: log::real_steps(&logs, &joiners, &node_of),
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn end_state(cluster: &Cluster, joiners: &[String]) -> EndState {
    let setup = &cluster.setup;
    let Some(api) = std::iter::once(setup.leader)
        .chain(setup.members())
        .map(|m| cluster.api(m, "conform"))
        .find(|api| api.get("/1.0").is_ok_and(|a| a.error().is_none()))
    else {
        return EndState::default();
    };
    let rows = |q: &str| sql(&api, "global", q);
    let mut end = EndState::default();
    let nodes = rows("SELECT name, address, state FROM nodes");
    for r in &nodes {
        let kind = if r[2].as_i64() == Some(1) { "pending" } else { "full" };
        end.members.insert(format!("{} ({kind})", text(&r[0])));
    }
    for r in rows(
        "SELECT cluster_groups.name, nodes.name FROM nodes_cluster_groups \
         JOIN cluster_groups ON cluster_groups.id = nodes_cluster_groups.group_id \
         JOIN nodes ON nodes.id = nodes_cluster_groups.node_id",
    ) {
        end.groups.insert(format!("{}: {}", text(&r[0]), text(&r[1])));
    }
    for r in rows(
        "SELECT projects.name, projects_config.key, projects_config.value FROM projects_config \
         JOIN projects ON projects.id = projects_config.project_id",
    ) {
        end.projects
            .insert(format!("{}: {}={}", text(&r[0]), text(&r[1]), text(&r[2])));
    }
    let name_of = |address: &str| {
        nodes
            .iter()
            .find(|r| text(&r[1]) == address)
            .map_or_else(|| address.to_string(), |r| text(&r[0]))
    };
    end.raft = sql(&api, "local", "SELECT address FROM raft_nodes")
        .iter()
        .map(|r| name_of(&text(&r[0])))
        .collect();
    end.certificates = rows("SELECT name FROM certificates WHERE type = 2")
        .iter()
        .map(|r| text(&r[0]))
        .filter(|n| joiners.contains(n))
        .collect();
    end
}

/// The node whose daemon listens on `address` (`10.213.7.N:8443`).
fn node_of(cluster: &Cluster, address: &str) -> String {
    let setup = &cluster.setup;
    (0..setup.node_count())
        .find(|&i| crate::real::network::https_address(i) == address)
        .map_or_else(
            || address.to_string(),
            |i| setup.node_name(i as crate::sim::NodeId).to_string(),
        )
}
