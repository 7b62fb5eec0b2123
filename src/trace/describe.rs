//! Words for model values, shared by every trace format: Incus call and
//! transaction names, node, group and project names instead of numbers.

use crate::model::admin::Command;
use crate::model::connection::Failure;
use crate::model::db::Config;
use crate::model::message::{Answer, Call, Etag, Msg, Outcome, Tx, ValidationRead};
use crate::model::names::{GroupName, Names};
use crate::model::note::Note;
use crate::model::observe::{LocalRead, LocalReadKind, Site, Validation, ZoneValidation};
use crate::sim::Loss;

pub fn call(names: &Names, call: &Call) -> String {
    let name = call.name();
    match call {
        Call::SetupTrust { joiner } | Call::IssueJoinToken { joiner } => format!("{name}({})", names.node_str(*joiner)),
        Call::GetNetworks { project } => format!("{name}(project {})", names.str(*project)),
        Call::ClusterAccept { joiner, local } => format!(
            "{name}({}, pools {}, networks {})",
            names.node_str(*joiner),
            local.0.pools.len(),
            local.0.networks.len()
        ),
        Call::DeletePendingClusterMember { joiner } | Call::DeleteCertificate { joiner } => {
            format!("{name}({})", names.node_str(*joiner))
        }
        Call::CreateClusterGroup { group } | Call::DeleteClusterGroup { group } => {
            format!("{name} {}", names.group_str(*group))
        }
        Call::RenameClusterGroup { group, to } => {
            format!("{name} {} {}", names.group_str(*group), names.group_str(*to))
        }
        Call::CreateStoragePool { pool } => format!("{name} {}", names.str(*pool)),
        Call::CreateNetwork { network, project } => {
            format!("{name} {} --project {}", names.str(*network), names.str(*project))
        }
        Call::GetClusterMember { member } => format!("{name}/{}", names.str(*member)),
        Call::UpdateClusterMember { member, groups, etag } => format!(
            "{name}/{} groups={}{}",
            names.str(*member),
            group_list(names, groups),
            if_match(*etag)
        ),
        Call::RenameClusterMember { member, to } => format!("{name} {} {}", names.str(*member), names.str(*to)),
        Call::DeleteClusterMember { member, force } => {
            format!("{name} {}{}", names.str(*member), if *force { " --force" } else { "" })
        }
        Call::GetProject { project } => format!("{name}/{}", names.str(*project)),
        Call::UpdateProject {
            project,
            config: c,
            etag,
            ..
        } => format!("{name}/{} {}{}", names.str(*project), config(names, c), if_match(*etag)),
        Call::Operation { op, args } => op.get().command_line(args, names),
        Call::UpdateTrust
        | Call::GetClusterMembers
        | Call::GetCertificates
        | Call::GetServer
        | Call::GetStoragePools
        | Call::GetClusterGroups
        | Call::GetProjects
        | Call::Heartbeat
        | Call::Rebalance => name.to_string(),
    }
}

/// An admin's `incus` command line.
pub fn command(names: &Names, command: &Command) -> String {
    command.line(names)
}

fn group_list(names: &Names, groups: &[GroupName]) -> String {
    let list: Vec<&str> = groups.iter().map(|&g| names.group_str(g)).collect();
    format!("[{}]", list.join(", "))
}

fn if_match(etag: Option<Etag>) -> String {
    etag.map_or(String::new(), |e| format!(" If-Match {e}"))
}

pub fn config(names: &Names, config: &Config) -> String {
    crate::model::ops::config_text(names, config)
}

pub fn tx(names: &Names, tx: &Tx) -> String {
    match tx {
        Tx::Read => "Read".to_string(),
        Tx::IssueJoinToken { joiner } => format!("CreateJoinToken({})", names.node_str(*joiner)),
        Tx::TrustCertificate { joiner } => {
            format!(
                "certificatesPost({}): consume the join token, trust",
                names.node_str(*joiner)
            )
        }
        Tx::UntrustCertificate { joiner } => format!("certificateDelete({})", names.node_str(*joiner)),
        Tx::CheckStoragePoolsMatch { .. } => "clusterCheckStoragePoolsMatch".to_string(),
        Tx::CheckNetworksMatch { .. } => "clusterCheckNetworksMatch".to_string(),
        Tx::Accept { joiner } => format!("cluster.Accept({}) -> pending member", names.node_str(*joiner)),
        Tx::RaftAdd { joiner } => format!("raft Add({})", names.node_str(*joiner)),
        Tx::JoinMember { joiner, .. } => {
            format!(
                "cluster.Join({}): pending row, pool config, clear pending",
                names.node_str(*joiner)
            )
        }
        Tx::AddMemberToGroup { member, group, .. } => {
            format!(
                "AddNodeToClusterGroup({}, {})",
                names.node_str(*member),
                names.group_str(*group)
            )
        }
        Tx::LeavePending { joiner } => format!("cluster.Leave({}, pending)", names.node_str(*joiner)),
        Tx::PurgePending { joiner } => format!("cluster.Purge({}, pending)", names.node_str(*joiner)),
        Tx::CreateGroup { group } => format!("CreateClusterGroup({})", names.group_str(*group)),
        Tx::DeleteGroup { group } => format!("DeleteClusterGroup({})", names.group_str(*group)),
        Tx::RenameGroup { group, to } => {
            format!(
                "RenameClusterGroup({} -> {})",
                names.group_str(*group),
                names.group_str(*to)
            )
        }
        Tx::WriteProject { project, config: c } => {
            format!("UpdateProject({} {})", names.str(*project), config(names, c))
        }
        Tx::CreatePendingPool { pool } => format!("CreatePendingStoragePool({})", names.str(*pool)),
        Tx::CreatePendingNetwork { network, .. } => format!("CreatePendingNetwork({})", names.str(*network)),
        Tx::MarkPoolCreated { pool } => format!("StoragePoolCreated({})", names.str(*pool)),
        Tx::MarkNetworkCreated { network, project } => {
            format!(
                "NetworkCreated({} in project {})",
                names.str(*network),
                names.str(*project)
            )
        }
        Tx::GetMember { member } => format!("GetNodeByName({})", names.str(*member)),
        Tx::CheckMemberUpdate { member, etag, .. } => {
            format!("GetNodeByName({}), EtagCheck{}", names.str(*member), if_match(*etag))
        }
        Tx::UpdateMemberGroups { member, groups } => format!(
            "UpdateNodeClusterGroups({}, {})",
            names.str(*member),
            group_list(names, groups)
        ),
        Tx::ResolveMember { member } => format!("ResolveTarget({})", names.str(*member)),
        Tx::RenameMember { member, to } => format!("RenameNode({} -> {})", names.str(*member), names.str(*to)),
        Tx::CheckMemberLeave { member, pending, force } => format!(
            "cluster.Leave({}{}{})",
            names.str(*member),
            if *pending { ", pending" } else { "" },
            if *force { ", force" } else { "" }
        ),
        Tx::PurgeMember { member, .. } => format!("cluster.Purge({})", names.str(*member)),
        Tx::GetProject { project } => format!("GetProject({})", names.str(*project)),
        Tx::CheckProjectUpdate { project, etag, .. } => {
            format!("GetProject({}), EtagCheck{}", names.str(*project), if_match(*etag))
        }
        Tx::ValidateProjectConfig {
            project,
            config: c,
            read,
        } => {
            let what = match read {
                ValidationRead::Pools => "GetStoragePoolNames",
                ValidationRead::ClusterGroups => "GetClusterGroups",
            };
            format!(
                "projectValidateConfig({} {}): {what}",
                names.str(*project),
                config(names, c)
            )
        }
        Tx::Operation { op, step, args } => op.endpoint().tx_text(*step, args, names),
    }
}

pub fn outcome(names: &Names, outcome: &Outcome) -> String {
    match outcome {
        Ok(Answer::Done) => "ok".to_string(),
        Ok(Answer::Snapshot(s)) => format!(
            "ok, DB at v{} (groups {})",
            s.0.version,
            names.group_set_str(s.0.group_set())
        ),
        Ok(Answer::Validated(c)) => format!("valid: {}", config(names, c)),
        Ok(Answer::Member { groups, etag }) => format!("ok, groups {}, ETag {etag}", names.group_set_str(*groups)),
        Ok(Answer::Project { config: c, etag }) => format!("ok, config {}, ETag {etag}", config(names, c)),
        Ok(Answer::Redirect(to)) => format!("redirect to the leader {}", names.node_str(*to)),
        Ok(Answer::Resolved(at)) => format!("ok, member on {}", names.node_str(*at)),
        Err(e) => format!("error: {e}"),
    }
}

pub fn msg(names: &Names, msg: &Msg) -> String {
    match msg {
        Msg::Request { id, call: c } => format!("request #{id} {}", call(names, c)),
        Msg::Response { id, outcome: o } => format!("response #{id} {}", outcome(names, o)),
        Msg::Tx { id, tx: t, .. } => format!("tx #{id} {}", tx(names, t)),
        Msg::TxResult { id, outcome: o, .. } => format!("tx #{id} result {}", outcome(names, o)),
    }
}

/// A short label for an arrow in a sequence diagram.
pub fn msg_label(names: &Names, msg: &Msg) -> String {
    match msg {
        Msg::Request { call: c, .. } => call(names, c),
        Msg::Response { outcome: o, .. } | Msg::TxResult { outcome: o, .. } => match o {
            Ok(Answer::Snapshot(s)) => format!("ok v{}", s.0.version),
            Ok(Answer::Redirect(to)) => format!("redirect to {}", names.node_str(*to)),
            Ok(_) => "ok".to_string(),
            Err(e) => format!("error: {e}"),
        },
        Msg::Tx { tx: t, .. } => tx(names, t),
    }
}

pub fn failure(failure: Failure) -> &'static str {
    match failure {
        Failure::Refused => "connection refused (server down)",
        Failure::DialTimeout => "dial timeout (partitioned)",
        Failure::ServerGone => "the server crashed before it answered (EOF)",
        Failure::Reset => "connection reset (network fault)",
        Failure::KeepaliveTimeout => "keepalive timeout (partitioned)",
        Failure::MissingEventConnection => "no event connection to the leader within 10 s",
    }
}

pub fn loss(loss: Loss) -> &'static str {
    match loss {
        Loss::Dropped => "dropped by the network",
        Loss::Partitioned => "lost to a partition",
        Loss::ReceiverDown => "lost: receiver down",
        Loss::ReceiverRestarted => "lost: the receiver crashed while it was in flight",
    }
}

pub fn validation(names: &Names, v: &Validation) -> String {
    let site = match v.site {
        Site::Join(_) => "validate project",
        Site::ProjectChange => "projectChange: validate project",
    };
    let view = match v.view.synced_at {
        None => "view v0 (local DB, never synced)".to_string(),
        Some(at) => format!("view v{at} (synced)"),
    };
    format!(
        "{site} \"{}\" restricted.cluster.groups={} against groups {}: {view} vs config v{}: {}",
        names.str(v.project),
        names.group_set_str(v.referenced),
        names.group_set_str(v.view.groups),
        v.config_version,
        if v.passed { "passed" } else { "REJECTED" }
    )
}

pub fn zone_validation(names: &Names, v: &ZoneValidation) -> String {
    format!(
        "validate network \"{}\" {}={} against the local DB's zones: {} (the cluster {} it at v{})",
        names.str(v.network),
        v.key.name(),
        names.str(v.zone),
        if v.found { "found" } else { "NOT FOUND" },
        if v.cluster_has { "has" } else { "has not" },
        v.config_version
    )
}

pub fn local_read(names: &Names, r: &LocalRead) -> String {
    let (what, local, cluster) = match r.kind {
        LocalReadKind::ProjectConfig => (
            "NetworkAllowed with the local config of project",
            ["allowed", "NOT ALLOWED"],
            ["allows", "refuses"],
        ),
        LocalReadKind::StoragePools => (
            "the local DB's storage pools for",
            ["found", "NOT FOUND"],
            ["has", "has not"],
        ),
        LocalReadKind::Networks => (
            "the local DB's networks for uplink",
            ["found", "NOT FOUND"],
            ["has", "has not"],
        ),
        LocalReadKind::Profiles => (
            "AllowProjectUpdate on the local devices of profile",
            ["no conflict", "CONFLICT"],
            ["has no conflict", "has a conflict"],
        ),
    };
    let pick = |yes: bool, texts: [&'static str; 2]| texts[usize::from(!yes)];
    format!(
        "validate \"{}\": {what} \"{}\": {} (the cluster {} at v{})",
        names.str(r.entity),
        names.str(r.subject),
        pick(r.local, local),
        pick(r.cluster, cluster),
        r.config_version
    )
}

pub fn note(names: &Names, note: &Note) -> String {
    match note {
        Note::Step(step) => format!("{step}"),
        Note::InjectedFault(step) => format!("injected fault at {step}"),
        Note::Validation(v) => validation(names, v),
        Note::ZoneValidation(v) => zone_validation(names, v),
        Note::LocalRead(r) => local_read(names, r),
        Note::Warning(step, e) => format!("warning at {step} (only logged): {e}"),
        Note::JoinError(step, e) => format!("join failed at {step}: {e}"),
        Note::JoinEnded(status) => format!("join ended: {status:?}"),
        Note::Committed { version, tx: t } => format!("commit v{version}: {}", tx(names, t)),
        Note::RolledBack { tx: t, error } => format!("rollback {}: {error}", tx(names, t)),
        Note::AdminCommand(c) => format!("$ incus {}", command(names, c)),
        Note::AdminResult(c, result) => match result {
            Ok(()) => format!("$ incus {}: ok", command(names, c)),
            Err(e) => format!("$ incus {}: Error: {e}", command(names, c)),
        },
        Note::Cluster(what) => what.clone(),
    }
}
