//! The leader's transactions on the cluster database. Each is atomic: it
//! commits (bumping the version) or fails and changes nothing.

use std::sync::Arc;

use super::admin_tx;
use super::db::{Db, MemberRow, Resource};
use super::message::{Answer, ApiError, Outcome, Tx};
use super::names::DEFAULT_GROUP;
use super::names::Names;
use super::observe::Observation;
use super::variant::Differences;
use crate::sim::NodeId;

fn fail<T>(text: impl Into<String>) -> Result<T, ApiError> {
    Err(ApiError::new(text))
}

/// The time a transaction runs at, for what expires: the leader's clock
/// (ticks) and `cluster.join_token_expiry` when the scenario sets it.
#[derive(Clone, Copy, Debug, Hash)]
pub struct Clock {
    pub now: u64,
    pub token_expiry: Option<u64>,
}

/// Runs `tx` for `from` against the cluster database `db`: every
/// transaction's arm is here, once; a reading one answers from `db`, a
/// writing one runs through [`commit`]. Join tokens, certificates, member
/// rows, the raft configuration and group membership: a joiner's rows are
/// found by the name it joins with (`req.ServerName`) where Incus looks
/// members up by name, and by address where it does that.
pub fn execute(
    db: &mut Arc<Db>,
    tx: &Tx,
    (from, differences): (NodeId, &Differences),
    clock: Clock,
    names: &Names,
    observations: &mut Vec<Observation>,
) -> Outcome {
    let done = |()| Answer::Done;
    match *tx {
        Tx::Read => Ok(Answer::Snapshot(super::db::Snapshot(Arc::clone(db)))),
        Tx::IssueJoinToken { joiner } => commit(db, |db| issue_join_token(db, joiner, clock, names, differences)),
        Tx::TrustCertificate { joiner } => trust_certificate(db, joiner, clock),
        Tx::UntrustCertificate { joiner } => commit(db, |db| untrust_certificate(db, joiner)),
        Tx::CheckStoragePoolsMatch { ref local } => check_pools_match(db, &local.0, names).map(done),
        Tx::CheckNetworksMatch { ref local } => check_networks_match(db, &local.0, names).map(done),
        Tx::Accept { joiner } => commit(db, |db| accept(db, joiner, names)),
        // cowsqlClient.Add (membership.go:444-463).
        Tx::RaftAdd { joiner } => commit(db, |db| {
            db.raft.insert(joiner);
            Ok(())
        }),
        Tx::JoinMember { joiner, ref local } => commit(db, |db| {
            join_member(db, joiner, &local.0, names)?;
            if differences.default_group_in_join_transaction {
                // The fix: J10's pair, inserted here, ignoring one that exists.
                if let Some(g) = db.group_mut(DEFAULT_GROUP) {
                    g.members.insert(joiner);
                }
            }
            Ok(())
        }),
        Tx::AddMemberToGroup { member, group, .. } => commit(db, |db| {
            admin_tx::add_node_to_cluster_group(db, group, names.server_name(member))
        }),
        Tx::LeavePending { joiner } => leave_pending(db, joiner, names, differences),
        Tx::PurgePending { joiner } => commit(db, |db| purge_pending(db, joiner, names, differences)),
        Tx::CreateGroup { group } => commit(db, |db| admin_tx::create_group(db, group)),
        Tx::DeleteGroup { group } => commit(db, |db| admin_tx::delete_group(db, group, names, differences)),
        Tx::RenameGroup { group, to } => commit(db, |db| admin_tx::rename_group(db, group, to, names, differences)),
        Tx::WriteProject { project, ref config } => commit(db, |db| {
            admin_tx::write_project(db, project, config, names, differences)
        }),
        Tx::CreatePendingPool { pool } => commit(db, |db| {
            let project = names.keys.default_project;
            create_pending(&mut db.pools, pool, project, "Storage pool", names, &db.members)
        }),
        Tx::CreatePendingNetwork { network, project } => commit(db, |db| {
            create_pending(&mut db.networks, network, project, "Network", names, &db.members)
        }),
        Tx::MarkPoolCreated { pool } => commit(db, |db| {
            let what = ("Pool", differences.create_checks_pending_members);
            mark_created(
                &mut db.pools,
                (pool, names.keys.default_project),
                what,
                &db.members,
                names,
            )
        }),
        Tx::MarkNetworkCreated { network, project } => commit(db, |db| {
            let what = ("Network", differences.create_checks_pending_members);
            mark_created(&mut db.networks, (network, project), what, &db.members, names)
        }),
        Tx::GetMember { member } => admin_tx::get_member(db, member),
        Tx::CheckMemberUpdate {
            member,
            etag,
            no_groups,
        } => admin_tx::check_member_update(db, member, etag, no_groups),
        Tx::UpdateMemberGroups { member, ref groups } => {
            commit(db, |db| admin_tx::update_member_groups(db, member, groups))
        }
        Tx::ResolveMember { member } => admin_tx::resolve_member(db, member),
        Tx::RenameMember { member, to } => commit(db, |db| admin_tx::rename_member(db, member, to)),
        Tx::CheckMemberLeave { member, pending, force } => {
            admin_tx::check_member_leave(db, member, pending, force, names)
        }
        Tx::PurgeMember { member, pending } => commit(db, |db| admin_tx::purge_member(db, member, pending, names)),
        Tx::GetProject { project } => admin_tx::get_project(db, project),
        Tx::CheckProjectUpdate {
            project,
            ref config,
            etag,
        } => admin_tx::check_project_update(db, (project, config), etag, names, differences),
        Tx::ValidateProjectConfig {
            project,
            ref config,
            read,
        } => admin_tx::validate_project(db, from, (project, config), read, names, observations),
        // An operation's transaction reads or writes as its endpoint declares.
        Tx::Operation { op, step, ref args } => {
            if tx.access().reads_only() {
                op.endpoint().read(step, args, db, names)
            } else {
                commit(db, |db| op.endpoint().write(step, args, db, names))
            }
        }
    }
}

/// A writing transaction: `write` works on a copy of the database, which
/// replaces it (bumping the version) only if the transaction succeeds, so
/// a failed one changes nothing.
fn commit(db: &mut Arc<Db>, write: impl FnOnce(&mut Db) -> Result<(), ApiError>) -> Outcome {
    let mut next = Db::clone(db);
    write(&mut next)?;
    next.version += 1;
    *db = Arc::new(next);
    Ok(Answer::Done)
}

/// clusterNodesPost (api_cluster.go:1483-1507 at be7afc5df3): refused
/// while a non-pending member has the name (by name, not address: the
/// joiner's own row renamed does not refuse it).
fn issue_join_token(
    db: &mut Db,
    joiner: NodeId,
    clock: Clock,
    names: &Names,
    differences: &Differences,
) -> Result<(), ApiError> {
    let checked = differences.checks_name_before_init;
    if checked && db.member_named(names.server_name(joiner), false).is_some() {
        return fail(name_taken(joiner, names));
    }
    db.tokens.insert(joiner);
    if clock.token_expiry.is_some() {
        db.token_issued.retain(|&(j, _)| j != joiner);
        db.token_issued.push((joiner, clock.now));
    }
    Ok(())
}

/// `certificateDelete` of the joiner's own certificate, the
/// `untrust-on-failure` fix's reverter step (certificates.go:1244-1258,
/// 1310-1313 at be7afc5df3).
fn untrust_certificate(db: &mut Db, joiner: NodeId) -> Result<(), ApiError> {
    if !db.trusted.contains(joiner) {
        return fail("Certificate not found");
    }
    db.trusted.remove(joiner);
    Ok(())
}

/// cluster.Purge with pending=true (membership.go:1131-1167): the pending
/// row of the joiner's name, with what its foreign keys cascade to;
/// wrapped by clusterNodeDelete (api_cluster.go:2414-2417).
fn purge_pending(db: &mut Db, joiner: NodeId, names: &Names, differences: &Differences) -> Result<(), ApiError> {
    let Some(row) = own_row(db, joiner, names, differences) else {
        return fail(format!(
            "Failed to remove member from database: {}",
            member_not_found(joiner, names)
        ));
    };
    let node = row.node;
    db.remove_member_row(node);
    db.delete_server_certificates(names.server_name(joiner), names);
    Ok(())
}

/// `The cluster already has a member with name: X` (api_cluster.go:564,
/// 1506; membership.go:1255).
fn name_taken(node: NodeId, names: &Names) -> String {
    format!("The cluster already has a member with name: {}", names.node_str(node))
}

/// `GetPendingNodeByName`'s not-found error wrapped by `cluster.Leave` and
/// `cluster.Purge` (membership.go:983, 1141; node.go:302).
fn member_not_found(node: NodeId, names: &Names) -> String {
    format!(
        "Failed to get member \"{}\": Cluster member not found",
        names.node_str(node)
    )
}

/// `certificatesPost` with a join token (certificates.go:583-594, 779-801):
/// the token must match a running join operation, which is cancelled
/// (single use, certificates.go:362-367); then the certificate is stored,
/// or found already trusted, a 409 that `SetupTrust` ignores
/// (connect.go:310-313). A token found but past its `expiresAt` is
/// cancelled all the same and then refused (`clusterMemberJoinTokenValid`,
/// certificates.go:362-391 at be7afc5df3, :393-414 at v6.0.4), an error
/// `certificatesPost` wraps (certificates.go:587-590; :600-603 at v6.0.4).
/// So the refusal changes the database: the token is gone.
fn trust_certificate(db: &mut Arc<Db>, joiner: NodeId, clock: Clock) -> Outcome {
    if !db.tokens.contains(joiner) {
        return fail("No matching cluster join operation found");
    }
    let expired = clock.token_expiry.is_some_and(|expiry| {
        let issued = db
            .token_issued
            .iter()
            .find(|&&(j, _)| j == joiner)
            .map_or(0, |&(_, at)| at);
        clock.now > issued + expiry
    });
    commit(db, |db| {
        db.tokens.remove(joiner);
        db.token_issued.retain(|&(j, _)| j != joiner);
        if !expired {
            db.trusted.insert(joiner);
        }
        Ok(())
    })?;
    if expired {
        return fail("Failed during search for join token operation: Token has expired");
    }
    Ok(Answer::Done)
}

/// `cluster.Accept` (membership.go:232-308): name and address checked
/// against non-pending members (`membershipCheckClusterStateForAccept`,
/// 1243-1272), then `CreateNodeWithArch`, an `INSERT OR REPLACE`
/// (node.go:617-621, query/objects.go:74-77): a pending row of the same
/// name or address is replaced, not a constraint error.
fn accept(db: &mut Db, joiner: NodeId, names: &Names) -> Result<(), ApiError> {
    let name = names.server_name(joiner);
    if db.member_named(name, false).is_some() || db.full_member(joiner).is_some() {
        return fail(name_taken(joiner, names));
    }
    db.members
        .retain(|m| !(m.pending && (m.name == name || m.node == joiner)));
    db.members.push(MemberRow {
        node: joiner,
        pending: true,
        name,
    });
    Ok(())
}

/// The row the reverter's delete looks up: the joiner's name among pending
/// rows; with the `revert_deletes_own_full_row` fix, among full rows of
/// the joiner's own address too.
fn own_row<'d>(db: &'d Db, joiner: NodeId, names: &Names, differences: &Differences) -> Option<&'d MemberRow> {
    let name = names.server_name(joiner);
    db.member_named(name, true).or_else(|| {
        let own_full = |m: &&MemberRow| m.node == joiner && !m.pending && m.name == name;
        differences
            .revert_deletes_own_full_row
            .then(|| db.members.iter().find(own_full))
            .flatten()
    })
}

/// `cluster.Leave` with pending=true (membership.go:971-1045): the member
/// is looked up by name among *pending* rows only; if its address is in the
/// raft configuration, it is removed from it (a raft change).
fn leave_pending(db: &mut Arc<Db>, joiner: NodeId, names: &Names, differences: &Differences) -> Outcome {
    if own_row(db, joiner, names, differences).is_none() {
        return fail(member_not_found(joiner, names));
    }
    if db.raft.contains(joiner) {
        let mut next = Db::clone(db);
        next.raft.remove(joiner);
        next.version += 1;
        *db = Arc::new(next);
    }
    Ok(Answer::Done)
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

/// The global create of a pool or network: its transaction first checks
/// that every (non-pending) member has it defined, so a member that joined
/// since the `--target` creates fails it (`GetStoragePoolNodeConfigs`,
/// internal/server/db/storage_pools.go:507-536, called at
/// cmd/incusd/storage_pools.go:559; `NetworkNodeConfigs`,
/// internal/server/db/networks.go:290-318, called at
/// cmd/incusd/networks.go:806; at be7afc5df3). With
/// `create-checks-pending-members` a pending (joining) member is checked
/// too, so the create is refused while a join that read the cluster's
/// pools and networks is under way.
fn mark_created(
    list: &mut [Resource],
    (name, project): (super::names::Sym, super::names::Sym),
    (what, with_pending): (&str, bool),
    members: &[MemberRow],
    names: &Names,
) -> Result<(), ApiError> {
    let Some(r) = list.iter_mut().find(|r| r.name == name && r.project == project) else {
        return Ok(());
    };
    let missing: Vec<&str> = members
        .iter()
        .filter(|m| (with_pending || !m.pending) && !r.members.contains(m.node))
        .map(|m| names.str(m.name))
        .collect();
    if !missing.is_empty() {
        return fail(format!("{what} not defined on nodes: {}", missing.join(", ")));
    }
    r.created = true;
    Ok(())
}

/// `clusterCheckStoragePoolsMatch` (api_cluster.go:2928-2971), its own
/// transaction: the joiner must have every created pool.
fn check_pools_match(db: &Db, local: &Db, names: &Names) -> Result<(), ApiError> {
    for pool in db.pools.iter().filter(|p| p.created) {
        if !local.pools.iter().any(|l| l.name == pool.name) {
            return fail(format!("Missing storage pool {}", names.str(pool.name)));
        }
    }
    Ok(())
}

/// `clusterCheckNetworksMatch` (api_cluster.go:2973-3030), its own
/// transaction: the joiner must have every created network of every
/// project.
fn check_networks_match(db: &Db, local: &Db, names: &Names) -> Result<(), ApiError> {
    for net in db.networks.iter().filter(|n| n.created) {
        if !local
            .networks
            .iter()
            .any(|l| l.name == net.name && l.project == net.project)
        {
            return fail(format!(
                "Missing network \"{}\" in project \"{}\"",
                names.str(net.name),
                names.str(net.project)
            ));
        }
    }
    Ok(())
}

/// `cluster.Join`'s last transaction, run by `ExitExclusive`
/// (membership.go:472-576): find the pending row by address, add the
/// joiner's config to every non-pending pool (failing when it has none)
/// and to the networks it has config for (skipping the others), clear the
/// pending flag and set the heartbeat. The caller wraps a failure in
/// `Cluster database initialization failed`.
fn join_member(db: &mut Db, joiner: NodeId, local: &Db, names: &Names) -> Result<(), ApiError> {
    // By address, not name (`GetPendingNodeByAddress`, membership.go:473).
    if db.pending_member(joiner).is_none() {
        return fail("Failed to get ID of joining node: Cluster member not found");
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
