//! The cluster database's per-member tables: every table with a `node_id`
//! column, a foreign key to `nodes` with `ON DELETE CASCADE`
//! (internal/server/db/cluster/schema.go at be7afc5df3; the real 6.0.4
//! database's `sqlite_master` has the same fifteen). A failed join must
//! leave no row of the joiner in any of them; a completed one must give
//! the new member a row where each member has one (docs/FIDELITY.md,
//! "Per-member tables"). The model holds three of them.

/// When a member has a row in a per-member table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RowsPerMember {
    /// One row per member for each row of the entity table: every member
    /// of a cluster has one once the entity is created there.
    EveryEntity(&'static str),
    /// A member's cluster groups: J10 puts a joiner in `default`, an admin
    /// may take a member out of every group.
    Groups,
    /// Only when the member has such a thing (config keys, roles,
    /// instances, volumes, images, operations, warnings...).
    WhenPresent,
}

/// A per-member table, the line of its `CREATE TABLE` and of its `node_id`
/// column in schema.go at be7afc5df3, and when a member has a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PerMemberTable {
    pub name: &'static str,
    pub table_line: u32,
    pub node_id_line: u32,
    pub rows: RowsPerMember,
}

const fn table(name: &'static str, table_line: u32, node_id_line: u32, rows: RowsPerMember) -> PerMemberTable {
    PerMemberTable {
        name,
        table_line,
        node_id_line,
        rows,
    }
}

/// Every per-member table, in schema order.
pub const PER_MEMBER_TABLES: &[PerMemberTable] = {
    use RowsPerMember::*;
    &[
        table("images_nodes", 75, 78, WhenPresent),
        table("instances", 108, 110, WhenPresent),
        table("networks_config", 260, 263, WhenPresent),
        table("networks_forwards", 270, 273, WhenPresent),
        table("networks_load_balancers", 304, 307, WhenPresent),
        table("networks_nodes", 324, 327, EveryEntity("networks")),
        table("nodes_cluster_groups", 404, 406, Groups),
        table("nodes_config", 412, 414, WhenPresent),
        table("nodes_roles", 425, 426, WhenPresent),
        table("operations", 431, 434, WhenPresent),
        table("storage_buckets", 488, 492, WhenPresent),
        table("storage_pools_config", 537, 540, WhenPresent),
        table("storage_pools_nodes", 547, 550, EveryEntity("storage_pools")),
        table("storage_volumes", 557, 561, WhenPresent),
        table("warnings", 658, 660, WhenPresent),
    ]
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_listed_once_in_schema_order() {
        for pair in PER_MEMBER_TABLES.windows(2) {
            assert!(
                pair[0].table_line < pair[1].table_line,
                "{} then {}",
                pair[0].name,
                pair[1].name
            );
        }
        for t in PER_MEMBER_TABLES {
            assert!(t.table_line < t.node_id_line, "{}", t.name);
        }
    }
}
