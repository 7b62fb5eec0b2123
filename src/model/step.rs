//! The steps of `incus cluster join` (joiner side, `clusterPutJoin`), named
//! as INCUS-JOIN.md and the Incus source name them.

/// One step of the join. J5 (`clusterInitMember`) is split into its
/// requests so that a trace shows which read raced with what.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
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
    ClusterJoin,
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
    pub const ALL: [Step; 21] = [
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
        Step::ClusterJoin,
        Step::ValidateDeferred,
        Step::AddToDefaultGroup,
        Step::StartClusterTasks,
        Step::NetworkStartup,
        Step::Rebalance,
        Step::ImageSync,
        Step::LifecycleEvent,
        Step::Revert,
    ];

    /// The step number of INCUS-JOIN.md.
    pub fn code(self) -> &'static str {
        match self {
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
            Step::ClusterJoin | Step::ValidateDeferred => "J9",
            Step::AddToDefaultGroup => "J10",
            Step::StartClusterTasks => "J11",
            Step::NetworkStartup => "J12",
            Step::Rebalance => "J13",
            Step::ImageSync => "J14",
            Step::LifecycleEvent => "J15",
            Step::Revert => "revert",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
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
            Step::ClusterJoin => "cluster.Join",
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

    /// Whether an error here fails the join (J1..J11) or is only logged.
    pub fn fails_join(self) -> bool {
        self <= Step::StartClusterTasks
    }

    /// Whether the reverter is registered by the time this step runs (J6).
    pub fn revert_registered(self) -> bool {
        self > Step::RegisterRevert
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code(), self.name())
    }
}
