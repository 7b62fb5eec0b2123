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

/// An API endpoint call, as a client (joiner, admin or a member
/// forwarding a request) makes it.
#[derive(Clone, Debug, Hash, PartialEq)]
pub enum Call {
    /// `incus cluster add NAME` (`clusterNodesPost`): a new join token, run
    /// before a retried join (J0).
    IssueJoinToken {
        joiner: NodeId,
    },
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
    /// The reverter: `DELETE /1.0/cluster/members/NAME?pending=1&force=1`
    /// (`clusterNodeDelete`); a member that is not the leader forwards it.
    DeletePendingClusterMember {
        joiner: NodeId,
    },
    /// J9 `NotifyHeartbeat`: `PUT /internal/database` to one member.
    Heartbeat,
    /// J13; only the leader handles it (others redirect).
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
    /// Endpoints that a member which is not the leader answers with an HTTP
    /// redirect to it (`SyncResponseRedirect`): accept
    /// (api_cluster.go:2484-2498 at be7afc5df3) and rebalance (2576-2585).
    pub fn redirected_to_leader(&self) -> bool {
        matches!(self, Call::ClusterAccept { .. } | Call::Rebalance)
    }

    /// Endpoints that a member which is not the leader forwards to it as a
    /// client of its own, answering with the leader's answer: member delete
    /// (`clusterNodeDelete`, api_cluster.go:2251-2313).
    pub fn forwarded_to_leader(&self) -> bool {
        matches!(self, Call::DeletePendingClusterMember { .. })
    }

    /// Endpoints that run under the leader's `clusterMembershipMutex`:
    /// accept (api_cluster.go:2501-2502), member delete (2316-2317) and
    /// rebalance (2588-2589).
    pub fn takes_membership_mutex(&self) -> bool {
        matches!(
            self,
            Call::ClusterAccept { .. } | Call::DeletePendingClusterMember { .. } | Call::Rebalance
        )
    }

    /// The HTTP method and path the Incus client sends (for the text of a
    /// connection error, which Go's `url.Error` prefixes with both).
    pub fn http(&self, names: &super::names::Names) -> (&'static str, String) {
        let node = |n: &NodeId| names.node_str(*n).to_string();
        match self {
            Call::IssueJoinToken { .. } => ("POST", "/1.0/cluster/members".to_string()),
            Call::SetupTrust { .. } => ("POST", "/1.0/certificates".to_string()),
            Call::UpdateTrust => ("GET", "/1.0/certificates/FINGERPRINT".to_string()),
            Call::GetClusterMembers => ("GET", "/1.0/cluster/members?recursion=1".to_string()),
            Call::GetServer => ("GET", "/1.0".to_string()),
            Call::GetStoragePools => ("GET", "/1.0/storage-pools?recursion=1".to_string()),
            Call::GetClusterGroups => ("GET", "/1.0/cluster/groups?recursion=1".to_string()),
            Call::GetProjects => ("GET", "/1.0/projects?recursion=1".to_string()),
            Call::GetNetworks { project } => (
                "GET",
                format!("/1.0/networks?project={}&recursion=1", names.str(*project)),
            ),
            Call::ClusterAccept { .. } => ("POST", "/internal/cluster/accept".to_string()),
            Call::DeletePendingClusterMember { joiner } => (
                "DELETE",
                format!("/1.0/cluster/members/{}?force=1&pending=1", node(joiner)),
            ),
            Call::Heartbeat => ("PUT", "/internal/database".to_string()),
            Call::Rebalance => ("POST", "/internal/cluster/rebalance".to_string()),
            Call::CreateClusterGroup { .. } => ("POST", "/1.0/cluster/groups".to_string()),
            Call::DeleteClusterGroup { group } | Call::RenameClusterGroup { group, .. } => (
                if matches!(self, Call::DeleteClusterGroup { .. }) {
                    "DELETE"
                } else {
                    "POST"
                },
                format!("/1.0/cluster/groups/{}", names.group_str(*group)),
            ),
            Call::AssignClusterMember { member, .. } => ("PUT", format!("/1.0/cluster/members/{}", node(member))),
            Call::UpdateProject { project, .. } => ("PATCH", format!("/1.0/projects/{}", names.str(*project))),
            Call::CreateStoragePool { .. } => ("POST", "/1.0/storage-pools".to_string()),
            Call::CreateNetwork { project, .. } => ("POST", format!("/1.0/networks?project={}", names.str(*project))),
        }
    }

    /// The Incus API name, for traces.
    pub fn name(&self) -> &'static str {
        match self {
            Call::IssueJoinToken { .. } => "cluster add",
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
            Call::Heartbeat => "PUT /internal/database (heartbeat)",
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
    /// `clusterNodesPost`: a join token for `joiner`, refused while a
    /// non-pending member has its name.
    IssueJoinToken {
        joiner: NodeId,
    },
    /// `certificatesPost` with a join token (J1): the token is looked up
    /// and cancelled (single use), then the certificate is stored unless it
    /// is already trusted (a conflict, which `SetupTrust` ignores).
    TrustCertificate {
        joiner: NodeId,
    },
    /// `clusterCheckStoragePoolsMatch`: the joiner has every created pool.
    CheckStoragePoolsMatch {
        local: Snapshot,
    },
    /// `clusterCheckNetworksMatch`: the joiner has every created network.
    CheckNetworksMatch {
        local: Snapshot,
    },
    /// `cluster.Accept`: check name and address against non-pending
    /// members, then `INSERT OR REPLACE` the joiner as a pending member.
    Accept {
        joiner: NodeId,
    },
    /// J9 `cowsqlClient.Add`: the joiner enters the raft configuration (a
    /// raft change, not an SQL transaction; it bumps the log index).
    RaftAdd {
        joiner: NodeId,
    },
    /// J9 `ExitExclusive`'s transaction: find the pending row by address,
    /// pool and network config, clear pending, heartbeat.
    JoinMember {
        joiner: NodeId,
        local: Snapshot,
    },
    AddMemberToGroup {
        member: NodeId,
        group: GroupName,
        by_admin: bool,
    },
    /// `cluster.Leave` for a pending member: look it up by name among
    /// pending rows, and take it out of the raft configuration if it is in.
    LeavePending {
        joiner: NodeId,
    },
    /// `cluster.Purge` for a pending member: look it up again, delete its
    /// row and its server certificate.
    PurgePending {
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
    /// An admin's request got no answer in time.
    Timeout { id: RequestId },
    /// The connection carrying request (or transaction) `id` failed.
    ConnectionFailed {
        id: RequestId,
        failure: super::connection::Failure,
    },
    /// `query.Retry` runs transaction `id` again after a pause.
    RetryTransaction { id: RequestId },
    /// A heartbeat of the J9 round got no answer within its client's timeout.
    HeartbeatTimeout { id: RequestId },
}
