//! `joiner-not-standalone`: a failed join leaves the joiner the
//! standalone server it was.

use super::end_view::{EndView, FailedJoin};
use super::{Breach, Rule};
use crate::sim::NodeId;

pub struct JoinerNotStandalone;

impl Rule for JoinerNotStandalone {
    const NAME: &'static str = "joiner-not-standalone";
    const DESCRIPTION: &'static str = "a failed join leaves the joiner usable as the standalone server it was: its own database, no raft node list, not in the raft configuration, not clustered, its own name and certificate";

    fn at_end(end: &EndView, found: &mut Vec<Breach>) {
        for (node, failed) in end.failed_joins() {
            if let Some(message) = not_standalone(end, node, failed) {
                found.push(Breach {
                    node: Some(end.node_name(node).to_string()),
                    step: failed.step.map(|s| s.to_string()),
                    tick: end.tick,
                    message,
                });
            }
        }
    }
}

/// What a failed join left changed on the joiner's own server, described;
/// `None` when it is the standalone server it was.
fn not_standalone(end: &EndView, node: NodeId, failed: &FailedJoin) -> Option<String> {
    let own = &failed.own;
    let mut found: Vec<String> = Vec::new();
    let mut fact = |holds: bool, text: &dyn Fn() -> String| {
        if holds {
            found.push(text());
        }
    };
    fact(own.database_removed, &|| "its local database was removed at J9".to_string());
    fact(own.raft_nodes.is_some(), &|| {
        let list = own.raft_nodes.as_deref().unwrap_or_default();
        let list = if list.is_empty() { String::new() } else { format!(": {list}") };
        format!("its raft node list is set{list} (it starts as a cluster member and refuses a new join)")
    });
    let in_raft = end.cluster.as_ref().is_some_and(|c| c.raft.contains(node));
    fact(in_raft, &|| "it is still in the cluster's raft configuration".to_string());
    fact(own.clustered, &|| "it still believes it is clustered".to_string());
    fact(own.renamed, &|| "it still carries the join's server name".to_string());
    fact(own.cluster_certificate, &|| {
        "it serves the cluster certificate instead of its own".to_string()
    });
    (!found.is_empty()).then(|| {
        format!(
            "the join failed and left the server unusable as the standalone server it was: {}",
            found.join("; ")
        )
    })
}
