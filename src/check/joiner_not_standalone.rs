//! `joiner-not-standalone`: a failed join leaves the joiner the
//! standalone server it was.

use super::{Breach, End, Rule};
use crate::model::World;
use crate::model::joiner::{JoinStatus, Joiner};
use crate::sim::NodeId;

pub struct JoinerNotStandalone;

impl Rule for JoinerNotStandalone {
    const NAME: &'static str = "joiner-not-standalone";
    const DESCRIPTION: &'static str = "a failed join leaves the joiner usable as the standalone server it was: its own database, no raft node list, not in the raft configuration, not clustered, its own name and certificate";

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
            if let Some(message) = not_standalone(world, node, joiner) {
                found.push(Breach {
                    node: Some(names.node_str(node).to_string()),
                    step: joiner.failure.as_ref().map(|f| f.step.to_string()),
                    tick: end.tick,
                    message,
                });
            }
        }
    }
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
