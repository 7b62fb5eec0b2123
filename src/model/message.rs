//! What crosses the network: API requests to members, their responses, and
//! database transactions sent to the leader.

use std::sync::Arc;

use super::db::{Config, Snapshot};
use super::names::{GroupName, GroupSet, Sym};
use super::ops::args::{Args, Op};
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

    /// An HTTP 404: Incus words every such error `... not found`
    /// (`api.StatusErrorf(http.StatusNotFound, ...)`, and
    /// `response.SmartError` on `api.StatusErrorCheck(err,
    /// http.StatusNotFound)`, shared/api/error.go).
    pub fn is_not_found(&self) -> bool {
        self.0.ends_with("not found")
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
    /// J8: the trusted certificates, read from the target
    /// (`client.GetCertificates()`, api_cluster.go:733 at be7afc5df3).
    GetCertificates,
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
    /// `POST /1.0/cluster/groups` (`clusterGroupsPost`,
    /// cmd/incusd/api_cluster_group.go:79 at be7afc5df3).
    CreateClusterGroup {
        group: GroupName,
    },
    /// `DELETE /1.0/cluster/groups/g` (`clusterGroupDelete`, :921).
    DeleteClusterGroup {
        group: GroupName,
    },
    /// `POST /1.0/cluster/groups/g` (`clusterGroupPost`, :425).
    RenameClusterGroup {
        group: GroupName,
        to: GroupName,
    },
    CreateStoragePool {
        pool: Sym,
    },
    CreateNetwork {
        network: Sym,
        project: Sym,
    },
    /// `GET /1.0/cluster/members/NAME` (`clusterNodeGet`,
    /// cmd/incusd/api_cluster.go:1647 at be7afc5df3): the member's groups
    /// and the ETag of what a PUT may change.
    GetClusterMember {
        member: Sym,
    },
    /// `PUT /1.0/cluster/members/NAME` (`updateClusterNode`, :1803) with
    /// the member's new group list, which *replaces* the old one, and the
    /// ETag of a GET (`If-Match`), if the client sends one.
    UpdateClusterMember {
        member: Sym,
        groups: Vec<GroupName>,
        etag: Option<Etag>,
    },
    /// `POST /1.0/cluster/members/NAME` (`clusterNodePost`, :2118):
    /// `incus cluster rename NAME TO`.
    RenameClusterMember {
        member: Sym,
        to: Sym,
    },
    /// `DELETE /1.0/cluster/members/NAME[?force=1]` (`clusterNodeDelete`,
    /// :2195): `incus cluster remove`. Only the leader runs it (others
    /// forward it: :2251-2313), under `clusterMembershipMutex` (:2316).
    DeleteClusterMember {
        member: Sym,
        force: bool,
    },
    /// `GET /1.0/projects/p` (`projectGet`, cmd/incusd/api_project.go:510):
    /// the config and its ETag.
    GetProject {
        project: Sym,
    },
    /// `PUT` or `PATCH /1.0/projects/p` (`projectPut` :584, `projectPatch`
    /// :684, both ending in `projectChange` :777) with the config of the
    /// request body and an optional `If-Match` ETag.
    UpdateProject {
        project: Sym,
        method: ProjectMethod,
        config: Config,
        etag: Option<Etag>,
    },
    /// The request of an operation that defines its own endpoint
    /// (`ops::Endpoint`), with the command's fields.
    Operation {
        op: Op,
        args: Args,
    },
    /// `untrust-on-failure` only: the reverter a join registers after J1
    /// deletes the joiner's certificate (`DELETE /1.0/certificates/FP`,
    /// `certificateDelete`, cmd/incusd/certificates.go:1234-1344 at
    /// be7afc5df3), as the joiner, whose certificate it may delete. Last,
    /// so that the trace hashes of the variants before it stand (a hash
    /// folds in each message's variant number).
    DeleteCertificate {
        joiner: NodeId,
    },
}

/// How a project update is sent. The two differ in Incus only in how the
/// written config is made from the body; see [`Call::UpdateProject`] and
/// `handler::transaction`.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum ProjectMethod {
    Put,
    /// With a `config` in the body. `projectPatch` merges the project's
    /// current keys into a copy of the body it then discards
    /// (api_project.go:753-763 merges into `config`, a `jmap.Map` decoded
    /// from `rdr1`, while `projectChange` gets `req`, decoded from `rdr2`
    /// at :741-745): the config written is the body's alone, as with PUT.
    Patch,
}

/// An HTTP ETag: Incus sends the SHA-256 of the JSON of what a PUT may
/// change (`localUtil.EtagHash`, internal/server/util/http.go:69); the
/// model hashes the same content with its own hasher.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub struct Etag(pub u64);

impl Etag {
    pub fn of<T: std::hash::Hash + ?Sized>(content: &T) -> Etag {
        use std::hash::Hasher;
        let mut hasher = crate::sim::hash::TraceHasher::new();
        hasher.mix(content);
        Etag(hasher.finish())
    }
}

impl std::fmt::Display for Etag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
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
    /// J10's `AddNodeToClusterGroup(ctx, "default", req.ServerName)`
    /// (cmd/incusd/api_cluster.go:793-797 at be7afc5df3): the member is
    /// looked up by the name `member` joined with. (`by_admin` changes
    /// nothing any more: an operator assigns groups with a member PUT,
    /// [`Tx::UpdateMemberGroups`].)
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
    /// `projectChange`'s last transaction (api_project.go:844-893):
    /// `AllowProjectUpdate`, then `cluster.UpdateProject`, which replaces the
    /// project's config; it re-checks nothing about cluster groups.
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
    /// `clusterNodeGet`'s read (api_cluster.go:1674-1710).
    GetMember {
        member: Sym,
    },
    /// `updateClusterNode`'s first transaction (api_cluster.go:1829-1865)
    /// and the checks made on what it read: the ETag (:1871) and a non-empty
    /// group list (:1893).
    CheckMemberUpdate {
        member: Sym,
        etag: Option<Etag>,
        no_groups: bool,
    },
    /// `updateClusterNode`'s write (api_cluster.go:1941-1998), of which the
    /// model keeps `UpdateNodeClusterGroups` (internal/server/db/node.go:722).
    UpdateMemberGroups {
        member: Sym,
        groups: Vec<GroupName>,
    },
    /// `cluster.ResolveTarget` (internal/server/cluster/resolve.go:14), run
    /// by `clusterNodePost` before it forwards a rename to the member.
    ResolveMember {
        member: Sym,
    },
    /// `RenameNode` (internal/server/db/node.go:427), in `clusterNodePost`'s
    /// transaction (api_cluster.go:2147).
    RenameMember {
        member: Sym,
        to: Sym,
    },
    /// `cluster.Leave`'s transaction (internal/server/cluster/membership.go:976-1002):
    /// find the member and, without `force`, check it may leave.
    CheckMemberLeave {
        member: Sym,
        pending: bool,
        force: bool,
    },
    /// `cluster.Purge` (membership.go:1131): delete the member's row.
    PurgeMember {
        member: Sym,
        pending: bool,
    },
    /// `projectGet`'s read (api_project.go:519-533).
    GetProject {
        project: Sym,
    },
    /// `projectPut`/`projectPatch`'s first transaction (api_project.go:594-611
    /// and 694-711), the ETag check on what it read (:622, :722), and
    /// `projectChange`'s checks of changed `features.*` keys (:779-841).
    CheckProjectUpdate {
        project: Sym,
        config: Config,
        etag: Option<Etag>,
    },
    /// One of `projectValidateConfig`'s transactions (api_project.go:1575).
    ValidateProjectConfig {
        project: Sym,
        config: Config,
        read: ValidationRead,
    },
    /// Transaction `step` of an operation's own endpoint (`ops::Endpoint`).
    Operation {
        op: Op,
        step: u8,
        args: Args,
    },
    /// `untrust-on-failure` only: `certificateDelete`'s lookup and delete
    /// (certificates.go:1244-1258, 1310-1313 at be7afc5df3; two
    /// transactions, modelled as one): `Certificate not found` when it is
    /// not trusted. Last, as `Call::DeleteCertificate`.
    UntrustCertificate {
        joiner: NodeId,
    },
}

/// What a transaction of `projectValidateConfig` reads.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum ValidationRead {
    /// The storage pool names, for the `limits.disk.pool.*` keys
    /// (api_project.go:2049-2062).
    Pools,
    /// The cluster groups: the `restricted.cluster.groups` validator's own
    /// transaction (api_project.go:1764-1797), run only when the value is
    /// not empty (`validate.Optional`).
    ClusterGroups,
}

/// A successful answer to a call or transaction.
#[derive(Clone, Debug, Hash, PartialEq)]
pub enum Answer {
    Done,
    Snapshot(Snapshot),
    /// `projectValidateConfig` accepted this config (its last transaction).
    Validated(Config),
    /// A member as `clusterNodeGet` returns it: its groups, and the ETag.
    Member {
        groups: GroupSet,
        etag: Etag,
    },
    /// A project as `projectGet` returns it: its config, and the ETag.
    Project {
        config: Config,
        etag: Etag,
    },
    /// Ask the leader instead (a membership endpoint on another member).
    Redirect(NodeId),
    /// `cluster.ResolveTarget` found the member on this node
    /// (internal/server/cluster/resolve.go:19-26).
    Resolved(NodeId),
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

/// How a connection failed (see `connection.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Failure {
    /// Nothing listens at the server: it is down.
    Refused,
    /// A partition stood between client and server for the whole dial
    /// timeout.
    DialTimeout,
    /// The server crashed before it answered: its kernel closed the socket.
    ServerGone,
    /// The network broke the connection (a drawn fault).
    Reset,
    /// A member forwarding a request to a leader that is down: before it
    /// connects, `cluster.Connect` waits up to 10 s for an event connection
    /// to it (connect.go:36-43; events.go `EventListenerWait`).
    MissingEventConnection,
    /// A partition outlasted keepalive on an open connection.
    KeepaliveTimeout,
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
    ConnectionFailed { id: RequestId, failure: Failure },
    /// `query.Retry` runs transaction `id` again after a pause.
    RetryTransaction { id: RequestId },
    /// A joiner's local step, which took time, goes on.
    LocalWorkDone { step: super::step::Step },
    /// A heartbeat of the J9 round got no answer within its client's timeout.
    HeartbeatTimeout { id: RequestId },
    /// The reverter sends its `DeletePendingClusterMember` again
    /// (`revert-retries` only).
    RetryRevert,
}
