//! `join-leftovers`: a failed join leaves no trace of the joiner in the
//! cluster: no member row (pending or full), no raft node, no trusted
//! certificate, no group membership, no row of any per-member table
//! (docs/FIDELITY.md, "Per-member tables"). The certificate J1 adds stays
//! after a join failing before its J7 accept committed: nothing but
//! `cluster.Purge` deletes it, which the J6 reverter reaches only after it
//! found the pending row (api_cluster.go:536, 576, 706-711, 2349, 2414;
//! membership.go:1160 at be7afc5df3; findings/failed-join-trusted-
//! certificate.toml).

use super::end_view::{ClusterView, EndView, FailedJoin, Revert};
use super::{Breach, Rule};
use crate::sim::NodeId;

pub struct JoinLeftovers;

impl Rule for JoinLeftovers {
    const NAME: &'static str = "join-leftovers";
    const DESCRIPTION: &'static str = "a failed join leaves nothing of the joiner in the cluster: no member row (pending or full), raft node, trusted certificate, group membership or per-member row";

    fn at_end(end: &EndView, found: &mut Vec<Breach>) {
        let Some(cluster) = &end.cluster else { return };
        for (node, failed) in end.failed_joins() {
            let Some((left, certificate_only)) = leftovers(cluster, node, end.node_name(node)) else {
                continue;
            };
            // A join that left only its certificate is grouped apart (its
            // step says so): the groups of a left row keep their meaning,
            // and the fixes that remove a row are judged on it alone.
            let step = failed.step.map(|s| {
                if certificate_only {
                    format!("{s} {CERTIFICATE_ONLY}")
                } else {
                    s.to_string()
                }
            });
            found.push(Breach {
                node: Some(end.node_name(node).to_string()),
                step,
                tick: end.tick,
                message: format!("the join failed ({}){}, yet {left}", failed.error, how_it_failed(failed)),
            });
        }
    }
}

/// What the step of a join that left nothing but its certificate ends
/// with, in its failure group's label.
pub const CERTIFICATE_ONLY: &str = "(certificate only)";

/// What the cluster still holds of `node`, described, and whether that is
/// its certificate alone; `None` when nothing.
fn leftovers(cluster: &ClusterView, node: NodeId, name: &str) -> Option<(String, bool)> {
    let row = cluster.members.iter().find(|m| m.node == node);
    let mut others: Vec<String> = Vec::new();
    if cluster.raft.contains(node) {
        others.push("its raft node".to_string());
    }
    let trusted = cluster.trusted.contains(node);
    if trusted {
        others.push("its trusted server certificate".to_string());
    }
    let mut tables: Vec<String> = Vec::new();
    for rows in cluster.per_member.iter().filter(|r| r.members.contains(node)) {
        let entity = rows.entity.as_deref().map(|e| format!(" ({e})")).unwrap_or_default();
        tables.push(format!("{}{entity}", rows.table));
    }
    if !tables.is_empty() {
        others.push(format!("its rows in {}", tables.join(", ")));
    }
    let certificate_only = row.is_none() && trusted && others.len() == 1;
    let others = others.join(", ");
    let left = match (row, others.is_empty()) {
        (None, true) => None,
        (Some(row), true) => Some(format!(
            "the cluster database still has a {} member row for it{}",
            kind(row.pending),
            renamed(&row.name, name)
        )),
        (Some(row), false) => Some(format!(
            "the cluster database still has a {} member row for it{}, and the cluster still holds {others}",
            kind(row.pending),
            renamed(&row.name, name)
        )),
        (None, false) => Some(format!("the cluster still holds {others}")),
    };
    left.map(|left| (left, certificate_only))
}

/// The row's name when it is not the joiner's (an operator renamed it).
fn renamed(row: &str, joiner: &str) -> String {
    if row == joiner { String::new() } else { format!(" (named \"{row}\")") }
}

fn kind(pending: bool) -> &'static str {
    if pending { "pending" } else { "full" }
}

/// How many attempts failed and what became of the last one's revert.
fn how_it_failed(failed: &FailedJoin) -> String {
    let attempts = match failed.earlier_failures {
        0 => String::new(),
        n => format!(" in all {} attempts", n + 1),
    };
    let its = if failed.earlier_failures == 0 { "its" } else { "its last" };
    let revert = match &failed.revert {
        Revert::Failed(logged) => format!(", and {its} revert failed (logged: {logged})"),
        Revert::Ran => ", and was reverted".to_string(),
        Revert::NotKnown => String::new(),
    };
    format!("{attempts}{revert}")
}
