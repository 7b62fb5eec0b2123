//! The cluster database tables each transaction reads and writes, declared
//! once per [`Tx`], so that the leader knows which transactions only read
//! and a search can tell which transactions commute. The names are the
//! tables of internal/server/db/cluster/schema.go at lxc/incus be7afc5df3
//! (`JoinTokens` are the join operations the model keeps as a set).

use super::message::{Tx, ValidationRead};

/// A table of the cluster database (or, for the raft configuration, the
/// raft log's node list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Table {
    Nodes,
    ClusterGroups,
    NodesClusterGroups,
    Projects,
    StoragePools,
    Networks,
    Certificates,
    JoinTokens,
    RaftNodes,
}

impl Table {
    pub const ALL: [Table; 9] = [
        Table::Nodes,
        Table::ClusterGroups,
        Table::NodesClusterGroups,
        Table::Projects,
        Table::StoragePools,
        Table::Networks,
        Table::Certificates,
        Table::JoinTokens,
        Table::RaftNodes,
    ];
}

/// What a transaction may read and may write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access {
    pub reads: &'static [Table],
    pub writes: &'static [Table],
}

impl Access {
    const fn new(reads: &'static [Table], writes: &'static [Table]) -> Access {
        Access { reads, writes }
    }

    /// Whether the transaction changes nothing.
    pub fn reads_only(&self) -> bool {
        self.writes.is_empty()
    }
}

use Table::*;

impl Tx {
    /// The tables the transaction may read and write (a fix variant's
    /// extra reads and writes included).
    pub fn access(&self) -> Access {
        match self {
            Tx::Read => Access::new(&Table::ALL, &[]),
            Tx::IssueJoinToken { .. } => Access::new(&[Nodes], &[JoinTokens]),
            Tx::TrustCertificate { .. } => Access::new(&[JoinTokens, Certificates], &[JoinTokens, Certificates]),
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
            // Deleting the row cascades to its group pairs.
            Tx::PurgePending { .. } => Access::new(&[Nodes], &[Nodes, NodesClusterGroups, Certificates]),
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
            Tx::PurgeMember { .. } => Access::new(&[Nodes], &[Nodes, NodesClusterGroups]),
            Tx::GetProject { .. } => Access::new(&[Projects], &[]),
            Tx::CheckProjectUpdate { .. } => Access::new(&[Projects, Networks], &[]),
            Tx::ValidateProjectConfig { read, .. } => match read {
                ValidationRead::Pools => Access::new(&[StoragePools], &[]),
                ValidationRead::ClusterGroups => Access::new(&[ClusterGroups], &[]),
            },
        }
    }
}
