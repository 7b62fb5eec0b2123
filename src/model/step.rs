//! The steps of `incus cluster join` (joiner side, `clusterPutJoin` in
//! cmd/incusd/api_cluster.go at be7afc5df3), named as INCUS-JOIN.md and the
//! Incus source name them.

/// One step of the join. J5 (`clusterInitMember`) is split into its
/// requests, and J9 (`cluster.Join`, internal/server/cluster/membership.go
/// :317-584) into its sub-steps, so that a trace shows which read raced
/// with what and where a failure left the joiner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    /// A retried join with a new token: `incus cluster add NAME` first
    /// (`clusterNodesPost`, api_cluster.go:1414).
    RequestJoinToken,
    SetupTrust,
    UpdateTrust,
    GetClusterMembers,
    GetServer,
    GetStoragePools,
    /// `groups-first` only: fetch the cluster groups and create them locally.
    GetClusterGroups,
    GetProjects,
    GetNetworks,
    ApplyServerPreseed,
    RegisterRevert,
    ClusterAccept,
    StoreCertificates,
    /// `ReplaceRaftNodes` in the node-local database, after checking the
    /// node is not already in a cluster (membership.go:324-349).
    ReplaceRaftNodes,
    /// `GetStoragePoolsLocalConfig`/`GetNetworksLocalConfig` from the
    /// joiner's own global database (membership.go:360-382).
    GetLocalConfig,
    /// `EnterExclusive` on the global database (membership.go:386-389).
    EnterExclusive,
    /// `gateway.Shutdown`, `os.RemoveAll(GlobalDatabaseDir)`,
    /// `gateway.init` (membership.go:394-411): the local global database
    /// is gone from here on.
    RemoveGlobalDatabase,
    /// `cowsqlClient.Add`, retried while the cluster is busy
    /// (membership.go:425-463).
    RaftAdd,
    /// `ExitExclusive`'s transaction (membership.go:472-576).
    ExitExclusive,
    /// `NotifyHeartbeat` (membership.go:579-581, 587-666).
    NotifyHeartbeat,
    /// `deferred-validation` only: validate what J5 postponed.
    ValidateDeferred,
    AddToDefaultGroup,
    StartClusterTasks,
    NetworkStartup,
    Rebalance,
    ImageSync,
    LifecycleEvent,
    /// The reverter: `DeletePendingClusterMember`.
    Revert,
}

impl Step {
    pub const ALL: [Step; 28] = [
        Step::RequestJoinToken,
        Step::SetupTrust,
        Step::UpdateTrust,
        Step::GetClusterMembers,
        Step::GetServer,
        Step::GetStoragePools,
        Step::GetClusterGroups,
        Step::GetProjects,
        Step::GetNetworks,
        Step::ApplyServerPreseed,
        Step::RegisterRevert,
        Step::ClusterAccept,
        Step::StoreCertificates,
        Step::ReplaceRaftNodes,
        Step::GetLocalConfig,
        Step::EnterExclusive,
        Step::RemoveGlobalDatabase,
        Step::RaftAdd,
        Step::ExitExclusive,
        Step::NotifyHeartbeat,
        Step::ValidateDeferred,
        Step::AddToDefaultGroup,
        Step::StartClusterTasks,
        Step::NetworkStartup,
        Step::Rebalance,
        Step::ImageSync,
        Step::LifecycleEvent,
        Step::Revert,
    ];

    /// Whether this is a sub-step of J9 `cluster.Join` (membership.go
    /// :317-584).
    /// Whether the step is work on the joiner's own daemon (no request, no
    /// cluster transaction), which takes time in Incus: applying the
    /// preseed, listing local storage, writing certificates, J9's local
    /// sub-steps, network start-up, image sync, the lifecycle event.
    pub fn is_local_work(self) -> bool {
        matches!(
            self,
            Step::ApplyServerPreseed
                | Step::RegisterRevert
                | Step::StoreCertificates
                | Step::ReplaceRaftNodes
                | Step::GetLocalConfig
                | Step::EnterExclusive
                | Step::RemoveGlobalDatabase
                | Step::NetworkStartup
                | Step::ImageSync
                | Step::LifecycleEvent
        )
    }

    pub fn in_cluster_join(self) -> bool {
        matches!(
            self,
            Step::ReplaceRaftNodes
                | Step::GetLocalConfig
                | Step::EnterExclusive
                | Step::RemoveGlobalDatabase
                | Step::RaftAdd
                | Step::ExitExclusive
                | Step::NotifyHeartbeat
        )
    }

    /// The step number of INCUS-JOIN.md.
    pub fn code(self) -> &'static str {
        if self.in_cluster_join() {
            return "J9";
        }
        match self {
            Step::RequestJoinToken => "J0",
            Step::SetupTrust => "J1",
            Step::UpdateTrust => "J2",
            Step::GetClusterMembers => "J3",
            Step::GetServer => "J4",
            Step::GetStoragePools
            | Step::GetClusterGroups
            | Step::GetProjects
            | Step::GetNetworks
            | Step::ApplyServerPreseed => "J5",
            Step::RegisterRevert => "J6",
            Step::ClusterAccept => "J7",
            Step::StoreCertificates => "J8",
            Step::ValidateDeferred => "J9",
            Step::AddToDefaultGroup => "J10",
            Step::StartClusterTasks => "J11",
            Step::NetworkStartup => "J12",
            Step::Rebalance => "J13",
            Step::ImageSync => "J14",
            Step::LifecycleEvent => "J15",
            Step::Revert => "revert",
            _ => unreachable!("{self:?} is a cluster.Join sub-step"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Step::RequestJoinToken => "incus cluster add",
            Step::SetupTrust => "SetupTrust",
            Step::UpdateTrust => "UpdateTrust",
            Step::GetClusterMembers => "GetClusterMembers",
            Step::GetServer => "GetServer",
            Step::GetStoragePools => "clusterInitMember/GetStoragePools",
            Step::GetClusterGroups => "clusterInitMember/GetClusterGroups",
            Step::GetProjects => "clusterInitMember/GetProjects",
            Step::GetNetworks => "clusterInitMember/GetNetworks",
            Step::ApplyServerPreseed => "clusterInitMember/ApplyServerPreseed",
            Step::RegisterRevert => "RegisterRevert",
            Step::ClusterAccept => "clusterAcceptMember",
            Step::StoreCertificates => "StoreCertificates",
            Step::ReplaceRaftNodes => "cluster.Join/ReplaceRaftNodes",
            Step::GetLocalConfig => "cluster.Join/GetStoragePoolsLocalConfig",
            Step::EnterExclusive => "cluster.Join/EnterExclusive",
            Step::RemoveGlobalDatabase => "cluster.Join/RemoveAll(GlobalDatabaseDir)",
            Step::RaftAdd => "cluster.Join/cowsqlClient.Add",
            Step::ExitExclusive => "cluster.Join/ExitExclusive",
            Step::NotifyHeartbeat => "cluster.Join/NotifyHeartbeat",
            Step::ValidateDeferred => "ValidateDeferredProjectConfig",
            Step::AddToDefaultGroup => "AddNodeToClusterGroup(default)",
            Step::StartClusterTasks => "StartClusterTasks",
            Step::NetworkStartup => "networkStartup",
            Step::Rebalance => "Rebalance",
            Step::ImageSync => "ImageSync",
            Step::LifecycleEvent => "LifecycleEvent(cluster-member-added)",
            Step::Revert => "DeletePendingClusterMember",
        }
    }

    /// Parses `J10`, `AddToDefaultGroup` or `J5/GetProjects`-style names.
    pub fn parse(text: &str) -> Option<Step> {
        Step::ALL.iter().copied().find(|s| {
            text == s.code() && Step::ALL.iter().filter(|o| o.code() == text).count() == 1
                || text == s.name()
                || text == format!("{:?}", s)
        })
    }

    /// Whether an error here fails the join (J0..J11) or is only logged:
    /// `NotifyHeartbeat` ignores failed heartbeats (membership.go:659),
    /// and J12..J15 only log (api_cluster.go:865-889).
    pub fn fails_join(self) -> bool {
        self <= Step::StartClusterTasks && self != Step::NotifyHeartbeat
    }

    /// Whether the reverter restores the in-memory server name and
    /// clustered flag on failure: registered after J3
    /// (api_cluster.go:580-592).
    pub fn reverts_in_memory(self) -> bool {
        self > Step::GetClusterMembers
    }

    /// Whether `DeletePendingClusterMember` is registered by the time this
    /// step runs (J6, api_cluster.go:706-711).
    pub fn revert_registered(self) -> bool {
        self > Step::RegisterRevert
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code(), self.name())
    }
}
