//! `join-leftovers`: a failed join, once reverted, leaves no trace of the
//! joiner in the cluster database.

use super::{Breach, End, Rule};
use crate::model::joiner::{JoinStatus, Joiner};

pub struct JoinLeftovers;

impl Rule for JoinLeftovers {
    const NAME: &'static str = "join-leftovers";
    const DESCRIPTION: &'static str = "a failed, reverted join leaves no row (pending or full) for the joiner";

    fn at_end(end: &End, found: &mut Vec<Breach>) {
        let world = end.world;
        let names = &world.setup.names;
        for node in world.setup.joiners() {
            let Some(joiner) = world.joiner_state(node) else {
                continue;
            };
            if joiner.status != JoinStatus::Failed {
                continue;
            }
            let Some(row) = world.db.member(node) else { continue };
            let kind = if row.pending { "pending" } else { "full" };
            found.push(Breach {
                node: Some(names.node_str(node).to_string()),
                step: joiner.failure.as_ref().map(|f| f.step.to_string()),
                tick: end.tick,
                message: format!(
                    "the join failed{}, yet the cluster database still has a {kind} member row for it",
                    how_it_failed(joiner)
                ),
            });
        }
    }
}

/// How many attempts failed and what became of the last one's revert.
fn how_it_failed(joiner: &Joiner) -> String {
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
    format!("{attempts}{revert}")
}
