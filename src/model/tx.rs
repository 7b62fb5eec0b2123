//! The leader's transactions on the cluster database. Each is atomic: it
//! commits (bumping the version) or fails and changes nothing.

use std::sync::Arc;

use super::admin_tx;
use super::db::{Db, MemberRow, Resource};
use super::message::{Answer, ApiError, Outcome, Tx};
use super::names::Names;
use super::observe::Observation;
use crate::sim::NodeId;

fn fail<T>(text: impl Into<String>) -> Result<T, ApiError> {
    Err(ApiError::new(text))
}

/// Runs `tx` for `from` against the cluster database `db`.
pub fn execute(db: &mut Arc<Db>, tx: &Tx, from: NodeId, names: &Names, observations: &mut Vec<Observation>) -> Outcome {
    match tx {
        Tx::Read => Ok(Answer::Snapshot(super::db::Snapshot(Arc::clone(db)))),
        Tx::CheckJoinerStorage { local } => check_joiner_storage(db, &local.0, names).map(|()| Answer::Done),
        tx if admin_tx::reads_only(tx) => admin_tx::read(db, tx, from, names, observations),
        _ => {
            // Everything else writes: work on a copy-on-write handle and
            // bump the version only if the transaction succeeds.
            let mut next = Db::clone(db);
            write(&mut next, tx, names)?;
            next.version += 1;
            *db = Arc::new(next);
            Ok(Answer::Done)
        }
    }
}

fn write(db: &mut Db, tx: &Tx, names: &Names) -> Result<(), ApiError> {
    match *tx {
        Tx::ConsumeJoinToken { .. }
        | Tx::Accept { .. }
        | Tx::JoinMember { .. }
        | Tx::AddMemberToGroup { .. }
        | Tx::DeletePendingMember { .. } => write_membership(db, tx, names)?,
        Tx::CreatePendingPool { pool } => create_pending(
            &mut db.pools,
            pool,
            names.keys.default_project,
            "Storage pool",
            names,
            &db.members,
        )?,
        Tx::CreatePendingNetwork { network, project } => {
            create_pending(&mut db.networks, network, project, "Network", names, &db.members)?
        }
        Tx::MarkPoolCreated { pool } => mark_created(&mut db.pools, pool, names.keys.default_project),
        Tx::MarkNetworkCreated { network, project } => mark_created(&mut db.networks, network, project),
        Tx::Read | Tx::CheckJoinerStorage { .. } => unreachable!("read-only"),
        _ => admin_tx::write(db, tx, names)?,
    }
    Ok(())
}

/// Join tokens, member rows and group membership. A joiner's rows are
/// found by the name it joins with (`req.ServerName`), as Incus finds them.
fn write_membership(db: &mut Db, tx: &Tx, names: &Names) -> Result<(), ApiError> {
    match *tx {
        Tx::ConsumeJoinToken { joiner } => {
            if !db.tokens.contains(joiner) {
                return fail("No matching cluster join token found");
            }
            db.tokens.0 &= !(1 << joiner);
        }
        Tx::Accept { joiner } => {
            let name = names.server_name(joiner);
            if db.member_named(name, false).is_some() || db.member(joiner).is_some_and(|m| !m.pending) {
                return fail(format!(
                    "The cluster already has a member with name: {}",
                    names.node_str(joiner)
                ));
            }
            if db.members.iter().any(|m| m.name == name || m.node == joiner) {
                // A pending row holds the name or address (UNIQUE constraints).
                return fail("UNIQUE constraint failed: nodes.name");
            }
            db.members.push(MemberRow {
                node: joiner,
                pending: true,
                name,
            });
        }
        Tx::JoinMember { joiner, ref local } => join_member(db, joiner, &local.0, names)?,
        Tx::AddMemberToGroup { member, group, .. } => {
            admin_tx::add_node_to_cluster_group(db, group, names.server_name(member))?
        }
        Tx::DeletePendingMember { joiner } => {
            // `cluster.Leave` and `cluster.Purge` with `pending`
            // (internal/server/cluster/membership.go:980-984, 1138-1142 at
            // be7afc5df3): the pending row of that name.
            let name = names.server_name(joiner);
            let Some(row) = db.member_named(name, true) else {
                return fail(format!(
                    "Failed to get member \"{}\": Cluster member not found",
                    names.str(name)
                ));
            };
            db.remove_member_row(row.node);
        }
        _ => unreachable!("not a membership transaction"),
    }
    Ok(())
}

fn create_pending(
    list: &mut Vec<Resource>,
    name: super::names::Sym,
    project: super::names::Sym,
    what: &str,
    names: &Names,
    members: &[MemberRow],
) -> Result<(), ApiError> {
    if list.iter().any(|r| r.name == name && r.project == project) {
        return fail(format!("{what} \"{}\" already exists", names.str(name)));
    }
    let mut config = super::db::NodeSet::default();
    for m in members.iter().filter(|m| !m.pending) {
        config.insert(m.node);
    }
    list.push(Resource {
        name,
        project,
        created: false,
        members: config,
    });
    Ok(())
}

fn mark_created(list: &mut [Resource], name: super::names::Sym, project: super::names::Sym) {
    if let Some(r) = list.iter_mut().find(|r| r.name == name && r.project == project) {
        r.created = true;
    }
}

/// `clusterAcceptMember`: the joiner must have every created pool and
/// network of the cluster.
fn check_joiner_storage(db: &Db, local: &Db, names: &Names) -> Result<(), ApiError> {
    for pool in db.pools.iter().filter(|p| p.created) {
        if !local.pools.iter().any(|l| l.name == pool.name) {
            return fail(format!("Missing storage pool {}", names.str(pool.name)));
        }
    }
    for net in db.networks.iter().filter(|n| n.created) {
        if !local
            .networks
            .iter()
            .any(|l| l.name == net.name && l.project == net.project)
        {
            return fail(format!(
                "Mismatching config for network {} in project {}: missing",
                names.str(net.name),
                names.str(net.project)
            ));
        }
    }
    Ok(())
}

/// `cluster.Join`'s transaction: find the pending row, add the joiner's
/// config to every created pool (failing when it has none) and to the
/// networks it has config for, then clear the pending flag.
fn join_member(db: &mut Db, joiner: NodeId, local: &Db, names: &Names) -> Result<(), ApiError> {
    // By address, not name (`GetPendingNodeByAddress`,
    // internal/server/cluster/membership.go:473 at be7afc5df3).
    if !db.members.iter().any(|m| m.node == joiner && m.pending) {
        return fail("No pending cluster member found for the joining server");
    }
    for pool in db.pools.iter_mut().filter(|p| p.created) {
        if !local.pools.iter().any(|l| l.name == pool.name) {
            return fail(format!(
                "Joining member has no config for pool {}",
                names.str(pool.name)
            ));
        }
        pool.members.insert(joiner);
    }
    for net in db.networks.iter_mut().filter(|n| n.created) {
        if local
            .networks
            .iter()
            .any(|l| l.name == net.name && l.project == net.project)
        {
            net.members.insert(joiner);
        }
    }
    for m in db.members.iter_mut().filter(|m| m.node == joiner) {
        m.pending = false;
    }
    Ok(())
}
