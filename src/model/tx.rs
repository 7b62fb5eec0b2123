//! The leader's transactions on the cluster database. Each is atomic: it
//! commits (bumping the version) or fails and changes nothing.

use std::sync::Arc;

use super::db::{Db, MemberRow, Resource};
use super::message::{Answer, ApiError, Outcome, Tx};
use super::names::{DEFAULT_GROUP, Names};
use super::observe::{GroupView, Observation, Site, Validation};
use super::validate::{KeysChecked, referenced_groups, validate_project_config};
use crate::sim::NodeId;

fn fail<T>(text: impl Into<String>) -> Result<T, ApiError> {
    Err(ApiError::new(text))
}

/// Runs `tx` for `from` against the cluster database `db`.
pub fn execute(db: &mut Arc<Db>, tx: &Tx, from: NodeId, names: &Names, observations: &mut Vec<Observation>) -> Outcome {
    match tx {
        Tx::Read => Ok(Answer::Snapshot(super::db::Snapshot(Arc::clone(db)))),
        Tx::ValidateProjectChange { project, key, value } => {
            validate_project_change(db, from, *project, *key, *value, names, observations)
        }
        Tx::CheckJoinerStorage { local } => check_joiner_storage(db, &local.0, names).map(|()| Answer::Done),
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
        Tx::CreateGroup { .. } | Tx::DeleteGroup { .. } | Tx::RenameGroup { .. } => write_group(db, tx, names)?,
        Tx::WriteProject { project, ref config } => {
            let Some(p) = db.projects.iter_mut().find(|p| p.name == project) else {
                return fail("Project not found");
            };
            p.config = config.clone();
        }
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
        Tx::Read | Tx::ValidateProjectChange { .. } | Tx::CheckJoinerStorage { .. } => unreachable!("read-only"),
    }
    Ok(())
}

/// Join tokens, member rows and group membership.
fn write_membership(db: &mut Db, tx: &Tx, names: &Names) -> Result<(), ApiError> {
    match *tx {
        Tx::ConsumeJoinToken { joiner } => {
            if !db.tokens.contains(joiner) {
                return fail("No matching cluster join token found");
            }
            db.tokens.0 &= !(1 << joiner);
        }
        Tx::Accept { joiner } => {
            if db.members.iter().any(|m| m.node == joiner && !m.pending) {
                return fail(format!(
                    "The cluster already has a member with name: {}",
                    names.node_str(joiner)
                ));
            }
            if db.member(joiner).is_some() {
                // The pending row is unique on name (UNIQUE constraint).
                return fail("UNIQUE constraint failed: nodes.name");
            }
            db.members.push(MemberRow {
                node: joiner,
                pending: true,
            });
        }
        Tx::JoinMember { joiner, ref local } => join_member(db, joiner, &local.0, names)?,
        Tx::AddMemberToGroup {
            member,
            group,
            by_admin,
        } => {
            if by_admin && db.member(member).is_none_or(|m| m.pending) {
                return fail("Cluster member not found");
            }
            let Some(g) = db.group_mut(group) else {
                return fail("Cluster group not found");
            };
            if g.members.contains(member) {
                return fail("UNIQUE constraint failed: nodes_cluster_groups.node_id, nodes_cluster_groups.group_id");
            }
            g.members.insert(member);
        }
        Tx::DeletePendingMember { joiner } => {
            db.members.retain(|m| !(m.node == joiner && m.pending));
        }
        _ => unreachable!("not a membership transaction"),
    }
    Ok(())
}

/// Creating, deleting and renaming cluster groups.
fn write_group(db: &mut Db, tx: &Tx, names: &Names) -> Result<(), ApiError> {
    match *tx {
        Tx::CreateGroup { group } => {
            if db.group(group).is_some() {
                return fail(format!(
                    "The cluster group \"{}\" already exists",
                    names.group_str(group)
                ));
            }
            db.groups.push(super::db::Group {
                name: group,
                members: Default::default(),
            });
        }
        Tx::DeleteGroup { group } => {
            if group == DEFAULT_GROUP {
                return fail("The 'default' cluster group cannot be deleted");
            }
            // Incus checks membership before use (clusterGroupDelete).
            if db.group(group).is_some_and(|g| !g.members.is_empty()) {
                return fail("Only empty cluster groups can be removed");
            }
            check_group_changeable(db, group, names)?;
            db.groups.retain(|g| g.name != group);
        }
        Tx::RenameGroup { group, to } => {
            if group == DEFAULT_GROUP {
                return fail("The 'default' cluster group cannot be renamed");
            }
            if db.group(to).is_some() {
                return fail(format!("Name \"{}\" already in use", names.group_str(to)));
            }
            check_group_changeable(db, group, names)?;
            db.group_mut(group).expect("checked").name = to;
        }
        _ => unreachable!("not a group transaction"),
    }
    Ok(())
}

fn check_group_changeable(db: &Db, group: super::names::GroupName, names: &Names) -> Result<(), ApiError> {
    if db.group(group).is_none() {
        return fail("Cluster group not found");
    }
    if db.group_in_use(group, names) {
        return fail("Cluster group is currently in use");
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

fn validate_project_change(
    db: &Db,
    from: NodeId,
    project: super::names::Sym,
    key: super::names::Sym,
    value: Option<super::names::Sym>,
    names: &Names,
    observations: &mut Vec<Observation>,
) -> Outcome {
    let Some(p) = db.project(project) else {
        return fail("Project not found");
    };
    let mut config = p.config.clone();
    config.set(key, value);
    let groups = db.group_set();
    let result = validate_project_config(&config, groups, names, KeysChecked::All);
    let referenced = referenced_groups(&config, names);
    if !referenced.is_empty() {
        observations.push(Observation::Validation(Validation {
            node: from,
            site: Site::ProjectChange,
            project,
            config_version: db.version,
            view: GroupView {
                groups,
                synced_at: Some(db.version),
            },
            referenced,
            passed: result.is_ok(),
        }));
    }
    result.map(|()| Answer::Validated(config)).map_err(ApiError::new)
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
