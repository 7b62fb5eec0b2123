//! The tables each transaction may read and write, declared once per
//! [`Tx`] (an operation's own transactions by its endpoint).

use super::message::{Tx, ValidationRead};
use super::tables::Access;
use super::tables::Table::{self, *};

impl Tx {
    /// The tables the transaction may read and write (a fix variant's
    /// extra reads and writes included).
    pub fn access(&self) -> Access {
        match self {
            Tx::Read => Access::new(&Table::ALL, &[]),
            Tx::IssueJoinToken { .. } => Access::new(&[Nodes], &[JoinTokens]),
            Tx::TrustCertificate { .. } => Access::new(&[JoinTokens, Certificates], &[JoinTokens, Certificates]),
            Tx::UntrustCertificate { .. } => Access::new(&[Certificates], &[Certificates]),
            Tx::CheckStoragePoolsMatch { .. } => Access::new(&[StoragePools], &[]),
            Tx::CheckNetworksMatch { .. } => Access::new(&[Networks], &[]),
            Tx::Accept { .. } => Access::new(&[Nodes], &[Nodes]),
            Tx::RaftAdd { .. } => Access::new(&[RaftNodes], &[RaftNodes]),
            // `default_group_in_join_transaction` adds the default group pair.
            Tx::JoinMember { .. } => Access::new(
                &[Nodes, StoragePools, Networks, ClusterGroups, NodesClusterGroups],
                &[Nodes, StoragePools, Networks, NodesClusterGroups],
            ),
            Tx::AddMemberToGroup { .. } => {
                Access::new(&[ClusterGroups, Nodes, NodesClusterGroups], &[NodesClusterGroups])
            }
            Tx::LeavePending { .. } => Access::new(&[Nodes, RaftNodes], &[RaftNodes]),
            // Deleting the row cascades to its group pairs and to its rows of
            // `storage_pools_nodes` and `networks_nodes` (ON DELETE CASCADE,
            // internal/server/db/cluster/schema.go:324-332, 547-555), which
            // the model keeps with the pools and networks.
            Tx::PurgePending { .. } => Access::new(
                &[Nodes],
                &[Nodes, NodesClusterGroups, Certificates, StoragePools, Networks],
            ),
            Tx::CreateGroup { .. } => Access::new(&[ClusterGroups], &[ClusterGroups]),
            Tx::DeleteGroup { .. } | Tx::RenameGroup { .. } => {
                Access::new(&[ClusterGroups, NodesClusterGroups, Projects], &[ClusterGroups])
            }
            // `project_write_rechecks_groups` reads the groups too.
            Tx::WriteProject { .. } => Access::new(&[Projects, ClusterGroups], &[Projects]),
            Tx::CreatePendingPool { .. } => Access::new(&[StoragePools, Nodes], &[StoragePools]),
            Tx::CreatePendingNetwork { .. } => Access::new(&[Networks, Nodes], &[Networks]),
            Tx::MarkPoolCreated { .. } => Access::new(&[StoragePools], &[StoragePools]),
            Tx::MarkNetworkCreated { .. } => Access::new(&[Networks], &[Networks]),
            Tx::GetMember { .. } | Tx::CheckMemberUpdate { .. } => Access::new(&[Nodes, NodesClusterGroups], &[]),
            Tx::UpdateMemberGroups { .. } => {
                Access::new(&[Nodes, ClusterGroups, NodesClusterGroups], &[NodesClusterGroups])
            }
            Tx::ResolveMember { .. } | Tx::CheckMemberLeave { .. } => Access::new(&[Nodes], &[]),
            Tx::RenameMember { .. } => Access::new(&[Nodes], &[Nodes]),
            // The same cascades as `PurgePending`'s.
            Tx::PurgeMember { .. } => Access::new(
                &[Nodes, RaftNodes],
                &[
                    Nodes,
                    NodesClusterGroups,
                    Certificates,
                    RaftNodes,
                    StoragePools,
                    Networks,
                ],
            ),
            Tx::GetProject { .. } => Access::new(&[Projects], &[]),
            Tx::CheckProjectUpdate { .. } => Access::new(&[Projects, Networks], &[]),
            Tx::ValidateProjectConfig { read, .. } => match read {
                ValidationRead::Pools => Access::new(&[StoragePools], &[]),
                ValidationRead::ClusterGroups => Access::new(&[ClusterGroups], &[]),
            },
            Tx::Operation { op, step, .. } => op.endpoint().access(*step),
        }
    }
}
