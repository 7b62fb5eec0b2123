//! `member-rows-missing`: a completed join gives the new member a row in
//! every per-member table where every other member has one: one per pool
//! (`storage_pools_nodes`) and per network (`networks_nodes`), which a
//! cluster creates on every member, and at least one group membership
//! (`nodes_cluster_groups`: J10 puts it in `default`). Tables where a
//! member has a row only when it has such a thing (its instances, volumes,
//! warnings, config keys...) are not judged: a new member having none is
//! normal. The table classes are `model/per_member.rs`'s, cited to the
//! schema; a per-member table a real cluster has and that list lacks is
//! judged as a whole.

use super::end_view::{ClusterView, EndView, JoinEnd, PerMemberRows};
use super::{Breach, Rule};
use crate::model::db::NodeSet;
use crate::model::per_member::{PER_MEMBER_TABLES, RowsPerMember};
use crate::sim::NodeId;

pub struct MemberRowsMissing;

impl Rule for MemberRowsMissing {
    const NAME: &'static str = "member-rows-missing";
    const DESCRIPTION: &'static str = "a completed join gives the new member a row in every per-member table where every other member has one (each pool, each network, a cluster group)";

    fn at_end(end: &EndView, found: &mut Vec<Breach>) {
        let Some(cluster) = &end.cluster else { return };
        for joiner in &end.joiners {
            if !matches!(joiner.end, JoinEnd::Completed) || !cluster.is_full_member(joiner.node) {
                continue;
            }
            let mut others = NodeSet::EMPTY;
            for m in cluster.members.iter().filter(|m| !m.pending && m.node != joiner.node) {
                others.insert(m.node);
            }
            if others.is_empty() {
                continue;
            }
            let missing = missing_rows(cluster, joiner.node, others);
            if missing.is_empty() {
                continue;
            }
            let every: Vec<&str> = others.iter().map(|n| end.node_name(n)).collect();
            found.push(Breach {
                node: Some(end.node_name(joiner.node).to_string()),
                step: None,
                tick: end.tick,
                message: format!(
                    "the join completed, yet the new member has no row in {} where every other member ({}) has one",
                    missing.join(", "),
                    every.join(", ")
                ),
            });
        }
    }
}

/// The tables (with their entity) where `others` all have a row and `node`
/// has none.
fn missing_rows(cluster: &ClusterView, node: NodeId, others: NodeSet) -> Vec<String> {
    let lacks = |members: NodeSet| others.minus(members).is_empty() && !members.contains(node);
    let mut missing = Vec::new();
    let mut judged_whole: Vec<&str> = Vec::new();
    for rows in &cluster.per_member {
        match class(&rows.table) {
            Some(RowsPerMember::WhenPresent) => {}
            Some(RowsPerMember::EveryEntity(_)) => {
                if lacks(rows.members) {
                    let entity = rows.entity.as_deref().map(|e| format!(" ({e})")).unwrap_or_default();
                    missing.push(format!("{}{entity}", rows.table));
                }
            }
            Some(RowsPerMember::Groups) | None => {
                if judged_whole.contains(&&*rows.table) {
                    continue;
                }
                judged_whole.push(&rows.table);
                if lacks(whole_table(cluster, &rows.table)) {
                    missing.push(rows.table.to_string());
                }
            }
        }
    }
    missing
}

fn class(table: &str) -> Option<RowsPerMember> {
    PER_MEMBER_TABLES.iter().find(|t| t.name == table).map(|t| t.rows)
}

/// The members with any row in `table`.
fn whole_table(cluster: &ClusterView, table: &str) -> NodeSet {
    let mut members = NodeSet::EMPTY;
    for rows in cluster.per_member.iter().filter(|r: &&PerMemberRows| r.table == table) {
        for n in rows.members.iter() {
            members.insert(n);
        }
    }
    members
}
