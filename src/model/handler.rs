//! The transactions each call's handler runs, stage by stage: one arm
//! per call, so that a new call is handled here or the compiler says so.
//! The member running the handler (`member.rs`) asks for the next one with
//! the previous one's answer. Citations are `file:line` at lxc/incus
//! be7afc5df3.

use super::message::{Answer, Call, Tx, ValidationRead};

/// The transaction `call`'s handler runs at `stage`, given the previous
/// answer; `None` when the handler is done and replies. The membership
/// calls: join token, trust, accept (its two checks each in their own
/// transaction, then `cluster.Accept`: api_cluster.go:2505-2516) and the
/// leader's side of `DeletePendingClusterMember` (`cluster.Leave`, then
/// `cluster.Purge`: api_cluster.go:2349, 2414); the joiner's reads; then
/// the operator's calls.
pub(super) fn transaction(call: &Call, stage: u8, previous: &Answer) -> Option<Tx> {
    let tx = match call {
        Call::IssueJoinToken { joiner } => first(stage, || Tx::IssueJoinToken { joiner: *joiner })?,
        Call::SetupTrust { joiner } => first(stage, || Tx::TrustCertificate { joiner: *joiner })?,
        Call::DeleteCertificate { joiner } => first(stage, || Tx::UntrustCertificate { joiner: *joiner })?,
        Call::ClusterAccept { joiner, local } => match stage {
            0 => Tx::CheckStoragePoolsMatch { local: local.clone() },
            1 => Tx::CheckNetworksMatch { local: local.clone() },
            2 => Tx::Accept { joiner: *joiner },
            _ => return None,
        },
        Call::DeletePendingClusterMember { joiner } => match stage {
            0 => Tx::LeavePending { joiner: *joiner },
            1 => Tx::PurgePending { joiner: *joiner },
            _ => return None,
        },
        Call::GetClusterMembers
        | Call::GetCertificates
        | Call::GetServer
        | Call::GetStoragePools
        | Call::GetClusterGroups
        | Call::GetProjects
        | Call::GetNetworks { .. }
        | Call::Rebalance => first(stage, || Tx::Read)?,
        // J8's `UpdateTrust` is answered without a cluster transaction (the
        // model keeps no certificate contents), and a heartbeat is answered
        // at once by `on_request`.
        Call::UpdateTrust | Call::Heartbeat => return None,
        Call::CreateClusterGroup { group } => first(stage, || Tx::CreateGroup { group: *group })?,
        Call::DeleteClusterGroup { group } => first(stage, || Tx::DeleteGroup { group: *group })?,
        Call::RenameClusterGroup { group, to } => first(stage, || Tx::RenameGroup { group: *group, to: *to })?,
        Call::GetClusterMember { member } => first(stage, || Tx::GetMember { member: *member })?,
        Call::UpdateClusterMember { member, groups, etag } => match stage {
            0 => Tx::CheckMemberUpdate {
                member: *member,
                etag: *etag,
                no_groups: groups.is_empty(),
            },
            1 => Tx::UpdateMemberGroups {
                member: *member,
                groups: groups.clone(),
            },
            _ => return None,
        },
        // clusterNodePost resolves the member (response.go:14) and forwards
        // the request to it (response.go:20-27: `member.rs`,
        // `forwarded_to_member`), whose daemon renames it (api_cluster.go:2147).
        Call::RenameClusterMember { member, to } => match stage {
            0 => Tx::ResolveMember { member: *member },
            1 => Tx::RenameMember {
                member: *member,
                to: *to,
            },
            _ => return None,
        },
        // On the leader, under the membership mutex: `cluster.Leave`
        // (api_cluster.go:2349), then `cluster.Purge` (:2414). Between them
        // Incus removes the member from raft and, without force, deletes its
        // networks and pools on it (:2354-2411): nothing the model keeps.
        Call::DeleteClusterMember { member, force } => match stage {
            0 => Tx::CheckMemberLeave {
                member: *member,
                pending: false,
                force: *force,
            },
            1 => Tx::PurgeMember {
                member: *member,
                pending: false,
            },
            _ => return None,
        },
        Call::GetProject { project } => first(stage, || Tx::GetProject { project: *project })?,
        Call::UpdateProject { .. } => return project_update(call, stage, previous),
        // `incus storage create` / `incus network create` on a cluster
        // (storagePoolsPost, cmd/incusd/storage_pools.go:314-484; networksPost,
        // cmd/incusd/networks.go:402-640), simplified: one transaction records
        // the resource as pending on every full member (what networks.go:595-611
        // does; a pool takes one `--target` request per member, storage_pools.go:388-434),
        // a second marks it created (storage_pools.go:669-671, networks.go:903).
        // Not modelled: the "errored" state between them (storage_pools.go:571,
        // networks.go:830), which J9 counts as not pending
        // (internal/server/cluster/membership.go:482) while J7's check counts
        // only created ones (api_cluster.go:2930), and the members' own creation.
        Call::CreateStoragePool { pool } => match stage {
            0 => Tx::CreatePendingPool { pool: *pool },
            1 => Tx::MarkPoolCreated { pool: *pool },
            _ => return None,
        },
        Call::CreateNetwork { network, project } => match stage {
            0 => Tx::CreatePendingNetwork {
                network: *network,
                project: *project,
            },
            1 => Tx::MarkNetworkCreated {
                network: *network,
                project: *project,
            },
            _ => return None,
        },
        Call::Operation { op, args } => return op.endpoint().transaction(*op, args, stage, previous),
    };
    Some(tx)
}

/// An endpoint of one transaction: `tx` at stage 0, then done.
fn first(stage: u8, tx: impl FnOnce() -> Tx) -> Option<Tx> {
    (stage == 0).then(tx)
}

/// `projectPut`/`projectPatch` and `projectChange`: read the project and
/// check the ETag and features (one transaction), validate (the pools in a
/// second; the groups in a third, only when `restricted.cluster.groups` is
/// set), write (a last one). A validation transaction answers `Validated`
/// when it ran the whole validation, so the write comes next.
fn project_update(call: &Call, stage: u8, previous: &Answer) -> Option<Tx> {
    let Call::UpdateProject {
        project, config, etag, ..
    } = call
    else {
        unreachable!("a project update")
    };
    let validate = |read| Tx::ValidateProjectConfig {
        project: *project,
        config: config.clone(),
        read,
    };
    let write = || Tx::WriteProject {
        project: *project,
        config: config.clone(),
    };
    let tx = match (stage, previous) {
        (0, _) => Tx::CheckProjectUpdate {
            project: *project,
            config: config.clone(),
            etag: *etag,
        },
        (1, _) => validate(ValidationRead::Pools),
        (2, Answer::Done) => validate(ValidationRead::ClusterGroups),
        (2 | 3, Answer::Validated(_)) => write(),
        _ => return None,
    };
    Some(tx)
}
