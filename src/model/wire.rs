//! How each call travels: which member handles it (any, or the leader by
//! redirect or forward), whether it takes the membership mutex, and the
//! method, path and name Incus gives it. Apart from `message.rs` so that an
//! operation's own request ([`Call::Operation`]) can ask its operation.

use super::message::{Call, ProjectMethod};
use super::names::Names;
use super::ops::Routing;
use super::ops::rest::Exchange;
use crate::sim::NodeId;

impl Call {
    /// How a member that is not the leader treats the call, and whether
    /// the handler runs under the leader's `clusterMembershipMutex`.
    /// Redirected (`SyncResponseRedirect`): accept (api_cluster.go:2484-2498
    /// at be7afc5df3) and rebalance (2576-2585). Forwarded with the member's
    /// own client, answering with the leader's answer: member delete
    /// (`clusterNodeDelete`, api_cluster.go:2251-2313), the reverter's and
    /// an operator's. Forwarded to the member it names: member rename. Under the mutex: accept (2501-2502), member delete
    /// (2316-2317) and rebalance (2588-2589). Every other endpoint any
    /// member handles, without the mutex.
    fn handling(&self) -> (Routing, bool) {
        match self {
            Call::Operation { op, .. } => (op.endpoint().routing(), op.endpoint().takes_membership_mutex()),
            Call::ClusterAccept { .. } | Call::Rebalance => (Routing::RedirectToLeader, true),
            Call::DeletePendingClusterMember { .. } | Call::DeleteClusterMember { .. } => {
                (Routing::ForwardToLeader, true)
            }
            // clusterNodePost (api_cluster.go:2127 at be7afc5df3, :1844 at v6.0.4).
            Call::RenameClusterMember { .. } => (Routing::ForwardToMember, false),
            Call::IssueJoinToken { .. }
            | Call::SetupTrust { .. }
            | Call::DeleteCertificate { .. }
            | Call::UpdateTrust
            | Call::GetClusterMembers
            | Call::GetCertificates
            | Call::GetServer
            | Call::GetStoragePools
            | Call::GetClusterGroups
            | Call::GetProjects
            | Call::GetNetworks { .. }
            | Call::Heartbeat
            | Call::CreateClusterGroup { .. }
            | Call::DeleteClusterGroup { .. }
            | Call::RenameClusterGroup { .. }
            | Call::CreateStoragePool { .. }
            | Call::CreateNetwork { .. }
            | Call::GetClusterMember { .. }
            | Call::UpdateClusterMember { .. }
            | Call::GetProject { .. }
            | Call::UpdateProject { .. } => (Routing::AnyMember, false),
        }
    }

    /// Whether a member that is not the leader answers with a redirect to it.
    pub fn redirected_to_leader(&self) -> bool {
        self.handling().0 == Routing::RedirectToLeader
    }

    /// Whether a member that is not the leader forwards the call to it.
    pub fn forwarded_to_leader(&self) -> bool {
        self.handling().0 == Routing::ForwardToLeader
    }

    /// Whether a member forwards the call to the member it names, unless
    /// that is itself.
    pub fn forwarded_to_member(&self) -> bool {
        self.handling().0 == Routing::ForwardToMember
    }

    /// Whether the handler runs under the leader's `clusterMembershipMutex`.
    pub fn takes_membership_mutex(&self) -> bool {
        self.handling().1
    }

    /// The HTTP method and path the Incus client sends (for the text of a
    /// connection error, which Go's `url.Error` prefixes with both).
    pub fn http(&self, names: &Names) -> (&'static str, String) {
        let node = |n: &NodeId| names.node_str(*n).to_string();
        match self {
            Call::IssueJoinToken { .. } => ("POST", "/1.0/cluster/members".to_string()),
            Call::SetupTrust { .. } => ("POST", "/1.0/certificates".to_string()),
            Call::DeleteCertificate { .. } => ("DELETE", "/1.0/certificates/FINGERPRINT".to_string()),
            Call::UpdateTrust => ("GET", "/1.0/certificates/FINGERPRINT".to_string()),
            Call::GetClusterMembers => ("GET", "/1.0/cluster/members?recursion=1".to_string()),
            Call::GetCertificates => ("GET", "/1.0/certificates?recursion=1".to_string()),
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
            Call::GetClusterMember { member } => ("GET", format!("/1.0/cluster/members/{}", names.str(*member))),
            Call::UpdateClusterMember { member, .. } => ("PUT", format!("/1.0/cluster/members/{}", names.str(*member))),
            Call::RenameClusterMember { member, .. } => {
                ("POST", format!("/1.0/cluster/members/{}", names.str(*member)))
            }
            // client/incus_cluster.go:53-58: `?force=1` with `--force`.
            Call::DeleteClusterMember { member, force } => (
                "DELETE",
                format!(
                    "/1.0/cluster/members/{}{}",
                    names.str(*member),
                    if *force { "?force=1" } else { "" }
                ),
            ),
            Call::GetProject { project } => ("GET", format!("/1.0/projects/{}", names.str(*project))),
            Call::UpdateProject { project, method, .. } => (
                match method {
                    ProjectMethod::Put => "PUT",
                    ProjectMethod::Patch => "PATCH",
                },
                format!("/1.0/projects/{}", names.str(*project)),
            ),
            Call::CreateStoragePool { .. } => ("POST", "/1.0/storage-pools".to_string()),
            Call::CreateNetwork { project, .. } => ("POST", format!("/1.0/networks?project={}", names.str(*project))),
            Call::Operation { op, args } => match op.get().rest(args, names) {
                Exchange::Send(request) => (request.method.as_str(), request.path),
                Exchange::ReadModifyWrite { .. } => unreachable!("{op:?} sends a request of its own"),
            },
        }
    }

    /// The Incus API name, for traces.
    pub fn name(&self) -> &'static str {
        match self {
            Call::IssueJoinToken { .. } => "cluster add",
            Call::SetupTrust { .. } => "SetupTrust",
            Call::DeleteCertificate { .. } => "DeleteCertificate",
            Call::UpdateTrust => "UpdateTrust",
            Call::GetClusterMembers => "GetClusterMembers",
            Call::GetCertificates => "GetCertificates",
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
            Call::CreateStoragePool { .. } => "storage create",
            Call::CreateNetwork { .. } => "network create",
            Call::GetClusterMember { .. } => "GET /1.0/cluster/members",
            Call::UpdateClusterMember { .. } => "PUT /1.0/cluster/members",
            Call::RenameClusterMember { .. } => "cluster rename",
            Call::DeleteClusterMember { .. } => "cluster remove",
            Call::GetProject { .. } => "GET /1.0/projects",
            Call::UpdateProject {
                method: ProjectMethod::Put,
                ..
            } => "PUT /1.0/projects",
            Call::UpdateProject {
                method: ProjectMethod::Patch,
                ..
            } => "PATCH /1.0/projects",
            Call::Operation { op, args } => op.get().label(args),
        }
    }
}
