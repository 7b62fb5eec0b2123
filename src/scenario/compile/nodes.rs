//! The nodes of a run, numbered in the order the model relies on:
//! members, then joiners, then admin clients.

use super::admins::admin_plan;
use super::cluster::cluster_db;
use super::compiler::Compiler;
use super::compiler::Result;
use super::joiners::{join_target, joiner_plan};
use crate::model::Role;
use crate::model::db::Db;
use crate::scenario::file::ScenarioFile;
use crate::sim::NodeId;

/// Members (numbered first), the cluster database, joiners (each holding a
/// join token), then admin clients: the leader and the starting database.
pub(super) fn declare_nodes(c: &mut Compiler<'_>, parsed: &ScenarioFile) -> Result<(NodeId, Db)> {
    let cluster = &parsed.cluster;
    if cluster.members.is_empty() {
        return Err(c.error(None, "cluster.members", "a cluster needs at least one member"));
    }
    for (i, m) in cluster.members.iter().enumerate() {
        c.add_node(m, &format!("cluster.members[{i}]"), Role::Member)?;
    }
    let leader = c.member(&cluster.leader, "cluster.leader")?;
    let mut db = cluster_db(c, parsed)?;
    for (i, j) in parsed.joiners.iter().enumerate() {
        let key = format!("joiners[{i}]");
        let target = join_target(c, parsed, i)?;
        let plan = joiner_plan(c, j, &key, target)?;
        let joiner = c.add_node(&j.name, &format!("{key}.name"), Role::Joiner(plan))?;
        db.tokens.insert(joiner);
    }
    for (i, a) in parsed.admins.iter().enumerate() {
        let plan = admin_plan(c, a, &format!("admins[{i}]"))?;
        c.add_node(&a.name, &format!("admins[{i}].name"), Role::Admin(plan))?;
    }
    Ok((leader, db))
}
