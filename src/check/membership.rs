//! `join-leftovers`, `restrictions-lost` and `join-liveness`: what the
//! cluster and each joiner look like once the run is over.

use super::{Invariant, LimitHit, Violation};
use crate::model::World;
use crate::model::joiner::{JoinStatus, effective_projects};
use crate::model::names::DEFAULT_GROUP;

pub fn at_end(world: &World, tick: u64, limit: Option<&LimitHit>) -> Vec<Violation> {
    let names = &world.setup.names;
    let mut found = Vec::new();
    let violation = |invariant, node: Option<u8>, step: Option<String>, message: String| Violation {
        invariant,
        node: node.map(|n| names.node_str(n).to_string()),
        step,
        tick,
        message,
    };
    if let Some(limit) = limit {
        let what = match limit {
            LimitHit::Events(n) => format!("the run hit its event limit ({n} events)"),
            LimitHit::Ticks(t) => format!("the run hit its time limit (t={t})"),
        };
        found.push(violation(Invariant::JoinLiveness, None, None, what));
    }
    for node in world.setup.joiners() {
        let Some(joiner) = world.joiner_state(node) else {
            continue;
        };
        let row = world.db.member(node);
        match joiner.status {
            JoinStatus::Failed => {
                if let Some(row) = row {
                    let kind = if row.pending { "pending" } else { "full" };
                    let step = joiner.failure.as_ref().map(|f| f.step.to_string());
                    let message = format!(
                        "the join failed and was reverted, yet the cluster database still has a {kind} member row for it"
                    );
                    found.push(violation(Invariant::JoinLeftovers, Some(node), step, message));
                }
            }
            JoinStatus::Completed => {
                let mine = effective_projects(joiner, &world.db);
                if mine != world.db.projects.as_slice() {
                    let message = "the completed joiner's project config differs from the cluster's".to_string();
                    found.push(violation(Invariant::RestrictionsLost, Some(node), None, message));
                }
            }
            JoinStatus::Crashed => {}
            JoinStatus::NotStarted | JoinStatus::Running(_) | JoinStatus::Reverting => {
                let at = match joiner.status {
                    JoinStatus::Running(step) => format!("still at {step}"),
                    JoinStatus::Reverting => "still reverting".to_string(),
                    _ => "never started".to_string(),
                };
                let message = format!("the join neither completed nor failed by the end of the run: {at}");
                found.push(violation(Invariant::JoinLiveness, Some(node), None, message));
            }
        }
    }
    let default = world.db.group(DEFAULT_GROUP);
    for row in world.db.members.iter().filter(|m| !m.pending) {
        if !default.is_some_and(|g| g.members.contains(row.node)) {
            let message = "a full cluster member is not in the default cluster group".to_string();
            found.push(violation(Invariant::JoinLiveness, Some(row.node), None, message));
        }
    }
    found
}
