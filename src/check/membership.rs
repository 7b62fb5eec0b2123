//! `join-leftovers`, `joiner-not-standalone` and `join-liveness`: what the
//! cluster and each joiner look like once the run is over.

use super::{Invariant, LimitHit, Violation};
use crate::model::World;
use crate::model::joiner::{JoinStatus, Joiner};
use crate::sim::NodeId;

pub fn at_end(world: &World, tick: u64, limit: Option<&LimitHit>) -> Vec<Violation> {
    let names = &world.setup.names;
    let violation = |invariant, node: Option<NodeId>, step: Option<String>, message: String| Violation {
        invariant,
        node: node.map(|n| names.node_str(n).to_string()),
        step,
        tick,
        message,
    };
    let mut found = Vec::new();
    if let Some(LimitHit::Events(n)) = limit {
        // A runaway run: too many events, whatever the joins did.
        let message = format!("the run hit its event limit ({n} events)");
        found.push(violation(Invariant::JoinLiveness, None, None, message));
    }
    for node in world.setup.joiners() {
        let Some(joiner) = world.joiner_state(node) else {
            continue;
        };
        let step = joiner.failure.as_ref().map(|f| f.step.to_string());
        match joiner.status {
            JoinStatus::Failed => {
                if let Some(message) = leftover(world, node, joiner) {
                    found.push(violation(Invariant::JoinLeftovers, Some(node), step.clone(), message));
                }
                if let Some(message) = not_standalone(world, node, joiner) {
                    found.push(violation(Invariant::JoinerNotStandalone, Some(node), step, message));
                }
            }
            JoinStatus::Completed | JoinStatus::Crashed => {}
            JoinStatus::NotStarted | JoinStatus::Running(_) | JoinStatus::Reverting => {
                let message = unfinished(joiner, limit);
                found.push(violation(Invariant::JoinLiveness, Some(node), None, message));
            }
        }
    }
    found
}

/// The row a failed join left behind, described; `None` when it left none.
fn leftover(world: &World, node: NodeId, joiner: &Joiner) -> Option<String> {
    let row = world.db.member(node)?;
    let kind = if row.pending { "pending" } else { "full" };
    let earlier = joiner.earlier_failures.len();
    let attempts = match earlier {
        0 => String::new(),
        n => format!(" in all {} attempts", n + 1),
    };
    let its = if earlier == 0 { "its" } else { "its last" };
    let revert = match &joiner.revert_error {
        Some(logged) => format!(", and {its} revert failed (logged: {logged})"),
        None if joiner.revert_ran => ", and was reverted".to_string(),
        None => String::new(),
    };
    Some(format!(
        "the join failed{attempts}{revert}, yet the cluster database still has a {kind} member row for it"
    ))
}

/// What a failed join left changed on the joiner's own server, described;
/// `None` when it is the standalone server it was.
fn not_standalone(world: &World, node: NodeId, joiner: &Joiner) -> Option<String> {
    let server = &joiner.server;
    let facts = [
        (server.database.is_none(), "its local database was removed at J9"),
        (
            server.raft_nodes,
            "its raft node list is set (it starts as a cluster member and refuses a new join)",
        ),
        (
            world.db.raft.contains(node),
            "it is still in the cluster's raft configuration",
        ),
        (server.clustered, "it still believes it is clustered"),
        (server.renamed, "it still carries the join's server name"),
        (
            server.cluster_certificate,
            "it serves the cluster certificate instead of its own",
        ),
    ];
    let found: Vec<&str> = facts
        .iter()
        .filter(|(holds, _)| *holds)
        .map(|&(_, fact)| fact)
        .collect();
    (!found.is_empty()).then(|| {
        format!(
            "the join failed and left the server unusable as the standalone server it was: {}",
            found.join("; ")
        )
    })
}

fn unfinished(joiner: &Joiner, limit: Option<&LimitHit>) -> String {
    let at = match joiner.status {
        JoinStatus::Running(step) => format!("still at {step}"),
        JoinStatus::Reverting => "still reverting".to_string(),
        _ if joiner.attempt > 0 => format!("attempt {} never started", joiner.attempt + 1),
        _ => "never started".to_string(),
    };
    let end = match limit {
        Some(LimitHit::Ticks(t)) => format!("its time limit (t={t})"),
        Some(LimitHit::Events(n)) => format!("its event limit ({n} events)"),
        None => "the end of the run".to_string(),
    };
    format!("the join neither completed nor failed by {end}: {at}")
}
