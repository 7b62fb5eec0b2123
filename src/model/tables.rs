//! The cluster database tables a transaction reads and writes (declared
//! per transaction in `access.rs`), so that the leader knows which
//! transactions only read and a search can tell which ones commute. The names are the
//! tables of internal/server/db/cluster/schema.go at lxc/incus be7afc5df3
//! (`JoinTokens` are the join operations the model keeps as a set).

/// A table of the cluster database (or, for the raft configuration, the
/// raft log's node list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    /// The table's bit in a set of tables.
    pub const fn bit(self) -> u32 {
        1 << self as u32
    }

    /// The set of `tables`, a bit each.
    pub fn bits(tables: &[Table]) -> u32 {
        tables.iter().fold(0, |set, t| set | t.bit())
    }

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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Access {
    pub reads: &'static [Table],
    pub writes: &'static [Table],
}

impl Access {
    pub const fn new(reads: &'static [Table], writes: &'static [Table]) -> Access {
        Access { reads, writes }
    }

    /// Whether the transaction changes nothing.
    pub fn reads_only(&self) -> bool {
        self.writes.is_empty()
    }
}
