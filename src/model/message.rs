//! What crosses the network: API requests to members, their responses, and
//! database transactions sent to the leader.

use std::sync::Arc;

use super::db::{Config, Snapshot};
use super::names::{GroupName, Sym};
use crate::sim::NodeId;

/// Request numbers are per sender.
pub type RequestId = u32;

/// An error as Incus words it; cheap to clone.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ApiError(pub Arc<str>);

impl ApiError {
    pub fn new(text: impl Into<String>) -> ApiError {
        ApiError(Arc::from(text.into()))
    }
    pub fn text(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An API endpoint call, as a client (joiner or admin) makes it.
#[derive(Clone, Debug, Hash, PartialEq)]
pub enum Call {
    /// J1: trust the joiner's certificate, consuming its join token.
    SetupTrust {
        joiner: NodeId,
    },
    UpdateTrust,
    GetClusterMembers,
    GetServer,
    GetStoragePools,
    GetClusterGroups,
    GetProjects,
    GetNetworks {
        project: Sym,
    },
    /// J7 `POST /internal/cluster/accept`, with the joiner's local pools and
    /// networks; only the leader handles it (others redirect).
    ClusterAccept {
        joiner: NodeId,
        local: Snapshot,
    },
    /// The reverter; only the leader handles it.
    DeletePendingClusterMember {
        joiner: NodeId,
    },
    /// J13; only the leader handles it.
    Rebalance,
    CreateClusterGroup {
        group: GroupName,
    },
    DeleteClusterGroup {
        group: GroupName,
    },
    RenameClusterGroup {
        group: GroupName,
        to: GroupName,
    },
    AssignClusterMember {
        member: NodeId,
        group: GroupName,
    },
    /// `PATCH /1.0/projects/p` setting (or, with `None`, unsetting) one key.
    UpdateProject {
        project: Sym,
        key: Sym,
        value: Option<Sym>,
    },
    CreateStoragePool {
        pool: Sym,
    },
    CreateNetwork {
        network: Sym,
        project: Sym,
    },
}

impl Call {
    /// Membership endpoints run on the leader, under
    /// `clusterMembershipMutex`; other members forward them.
    pub fn leader_only(&self) -> bool {
        matches!(
            self,
            Call::ClusterAccept { .. } | Call::DeletePendingClusterMember { .. } | Call::Rebalance
        )
    }

    pub fn takes_membership_mutex(&self) -> bool {
        matches!(self, Call::ClusterAccept { .. } | Call::Rebalance)
    }

    /// The Incus API name, for traces.
    pub fn name(&self) -> &'static str {
        match self {
            Call::SetupTrust { .. } => "SetupTrust",
            Call::UpdateTrust => "UpdateTrust",
            Call::GetClusterMembers => "GetClusterMembers",
            Call::GetServer => "GET /1.0",
            Call::GetStoragePools => "GetStoragePools",
            Call::GetClusterGroups => "GetClusterGroups",
            Call::GetProjects => "GetProjects",
            Call::GetNetworks { .. } => "GetNetworks",
            Call::ClusterAccept { .. } => "POST /internal/cluster/accept",
            Call::DeletePendingClusterMember { .. } => "DeletePendingClusterMember",
            Call::Rebalance => "POST /internal/cluster/rebalance",
            Call::CreateClusterGroup { .. } => "cluster group create",
            Call::DeleteClusterGroup { .. } => "cluster group delete",
            Call::RenameClusterGroup { .. } => "cluster group rename",
            Call::AssignClusterMember { .. } => "cluster group assign",
            Call::UpdateProject { .. } => "project set",
            Call::CreateStoragePool { .. } => "storage create",
            Call::CreateNetwork { .. } => "network create",
        }
    }
}

/// One database transaction, executed atomically by the leader.
#[derive(Clone, Debug, Hash, PartialEq)]
pub enum Tx {
    /// Any read: the answer is the database as of now.
    Read,
    ConsumeJoinToken {
        joiner: NodeId,
    },
    /// `clusterAcceptMember`'s check of the joiner's pools and networks.
    CheckJoinerStorage {
        local: Snapshot,
    },
    /// `cluster.Accept`: check name and address, insert a pending member.
    Accept {
        joiner: NodeId,
    },
    /// `cluster.Join`'s transaction: pool and network config, clear pending.
    JoinMember {
        joiner: NodeId,
        local: Snapshot,
    },
    AddMemberToGroup {
        member: NodeId,
        group: GroupName,
        by_admin: bool,
    },
    DeletePendingMember {
        joiner: NodeId,
    },
    CreateGroup {
        group: GroupName,
    },
    DeleteGroup {
        group: GroupName,
    },
    RenameGroup {
        group: GroupName,
        to: GroupName,
    },
    /// `projectChange`'s first transaction: validate the new config.
    ValidateProjectChange {
        project: Sym,
        key: Sym,
        value: Option<Sym>,
    },
    /// `projectChange`'s later transaction: write what was validated.
    WriteProject {
        project: Sym,
        config: Config,
    },
    CreatePendingPool {
        pool: Sym,
    },
    CreatePendingNetwork {
        network: Sym,
        project: Sym,
    },
    MarkPoolCreated {
        pool: Sym,
    },
    MarkNetworkCreated {
        network: Sym,
        project: Sym,
    },
}

/// A successful answer to a call or transaction.
#[derive(Clone, Debug, Hash, PartialEq)]
pub enum Answer {
    Done,
    Snapshot(Snapshot),
    /// The config a `ValidateProjectChange` accepted.
    Validated(Config),
    /// Ask the leader instead (a membership endpoint on another member).
    Redirect(NodeId),
}

pub type Outcome = Result<Answer, ApiError>;

/// A network message of the join model.
#[derive(Clone, Debug, Hash, PartialEq)]
pub enum Msg {
    Request {
        id: RequestId,
        call: Call,
    },
    Response {
        id: RequestId,
        outcome: Outcome,
    },
    /// `on_behalf_of` names the client request a member's handler serves
    /// (`None` for the joiner's own transactions from J9 on): the leader
    /// copies it into the result, and traces use it to label both.
    Tx {
        id: RequestId,
        tx: Tx,
        on_behalf_of: Option<(NodeId, RequestId)>,
    },
    TxResult {
        id: RequestId,
        outcome: Outcome,
        on_behalf_of: Option<(NodeId, RequestId)>,
    },
}

/// Timers of the join model.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Timer {
    /// A joiner starts `incus cluster join`.
    StartJoin,
    /// A scripted admin client runs its next command.
    AdminNext,
    /// A request got no answer in time.
    Timeout { id: RequestId },
}
