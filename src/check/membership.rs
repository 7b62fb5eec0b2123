//! `join-leftovers`, `restrictions-lost` and `join-liveness`: what the
//! cluster and each joiner look like once the run is over.

use super::{Invariant, LimitHit, Violation};
use crate::model::World;
use crate::model::joiner::{JoinStatus, Joiner, effective_projects};
use crate::model::names::DEFAULT_GROUP;
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
                    found.push(violation(Invariant::JoinLeftovers, Some(node), step, message));
                }
            }
            JoinStatus::Completed => {
                if effective_projects(joiner, &world.db) != world.db.projects.as_slice() {
                    let message = "the completed joiner's project config differs from the cluster's".to_string();
                    found.push(violation(Invariant::RestrictionsLost, Some(node), None, message));
                }
            }
            JoinStatus::Crashed => {}
            JoinStatus::NotStarted | JoinStatus::Running(_) | JoinStatus::Reverting => {
                let message = unfinished(joiner.status, limit);
                found.push(violation(Invariant::JoinLiveness, Some(node), None, message));
            }
        }
    }
    for node in members_that_must_be_in_default(world) {
        let in_default = world.db.group(DEFAULT_GROUP).is_some_and(|g| g.members.contains(node));
        if world.db.member(node).is_some_and(|m| !m.pending) && !in_default {
            let message = "a cluster member whose join completed is not in the default cluster group".to_string();
            found.push(violation(Invariant::JoinLiveness, Some(node), None, message));
        }
    }
    found
}

/// The row a failed join left behind, described; `None` when it left none.
fn leftover(world: &World, node: NodeId, joiner: &Joiner) -> Option<String> {
    let row = world.db.member(node)?;
    let kind = if row.pending { "pending" } else { "full" };
    let revert = match &joiner.revert_error {
        None => "the join failed and was reverted".to_string(),
        Some(e) => format!("the join failed and its revert failed ({e})"),
    };
    Some(format!(
        "{revert}, yet the cluster database still has a {kind} member row for it"
    ))
}

fn unfinished(status: JoinStatus, limit: Option<&LimitHit>) -> String {
    let at = match status {
        JoinStatus::Running(step) => format!("still at {step}"),
        JoinStatus::Reverting => "still reverting".to_string(),
        _ => "never started".to_string(),
    };
    let end = match limit {
        Some(LimitHit::Ticks(t)) => format!("its time limit (t={t})"),
        Some(LimitHit::Events(n)) => format!("its event limit ({n} events)"),
        None => "the end of the run".to_string(),
    };
    format!("the join neither completed nor failed by {end}: {at}")
}

/// The initial members and the joiners whose join completed: "every
/// completed member is in the default group". (A failed join's leftover
/// row is `join-leftovers`' business, not counted twice.)
fn members_that_must_be_in_default(world: &World) -> impl Iterator<Item = NodeId> + '_ {
    let completed = world
        .setup
        .joiners()
        .filter(|&j| world.joiner_state(j).is_some_and(|s| s.status == JoinStatus::Completed));
    world.setup.members().chain(completed)
}
