//! `[cluster]`: the database the run starts from, with its groups and
//! projects.

use std::collections::BTreeMap;

use super::compiler::Compiler;
use super::compiler::Result;
use super::resources::{declare_pools_and_networks, uplink_routes};
use crate::model::db::{Db, Group, MemberRow, NodeSet, Project};
use crate::model::names::GroupSet;
use crate::scenario::file::{ClusterFile, ScenarioFile, Text};
use crate::scenario::incus_config;
use crate::sim::NodeId;

/// The cluster database the run starts from: every member full and, unless
/// the scenario declares `default`'s members, in the `default` group; plus
/// the declared groups, projects, pools and networks.
pub(super) fn cluster_db(c: &mut Compiler<'_>, parsed: &ScenarioFile) -> Result<Db> {
    let mut db = Db::standalone(&c.names);
    db.version = 1;
    let mut all_members = NodeSet::default();
    for node in 0..c.roles.len() as NodeId {
        all_members.insert(node);
        let name = c.names.server_name(node);
        db.members.push(MemberRow {
            node,
            pending: false,
            name,
        });
    }
    db.groups[0].members = all_members;
    db.raft = all_members;
    declare_groups(c, &parsed.cluster, &mut db)?;
    declare_projects(c, &parsed.cluster, &mut db)?;
    declare_pools_and_networks(c, &parsed.cluster, &mut db)?;
    Ok(db)
}

/// `[[cluster.groups]]`: each new, its members members. `default` always
/// exists; declaring it gives its members, which may be any of the
/// cluster's, or none: an operator can take members out of it (a member
/// PUT replaces its group list, cmd/incusd/api_cluster.go:1992 at
/// be7afc5df3) and a group PATCH can even leave a member in no group
/// (cmd/incusd/api_cluster_group.go:816-879: it deletes the group's pairs
/// before the check that a member keeps one, which then finds none).
pub(super) fn declare_groups(c: &mut Compiler<'_>, cluster: &ClusterFile, db: &mut Db) -> Result<()> {
    let mut declared = GroupSet::EMPTY;
    for (i, g) in cluster.groups.iter().enumerate() {
        let key = format!("cluster.groups[{i}]");
        let name = c.group(&g.name, &format!("{key}.name"))?;
        if declared.contains(name) {
            return Err(c.at(
                &g.name,
                &format!("{key}.name"),
                format!("cluster group \"{}\" is declared twice", g.name.get_ref()),
            ));
        }
        declared.insert(name);
        let mut members = NodeSet::default();
        for (k, m) in g.members.iter().enumerate() {
            members.insert(c.member(m, &format!("{key}.members[{k}]"))?);
        }
        match db.group_mut(name) {
            Some(default) => default.members = members,
            None => db.groups.push(Group { name, members }),
        }
    }
    Ok(())
}

/// `[[cluster.projects]]`: config values naming only declared groups (a
/// project naming a missing group is what `dangling-group-reference`
/// forbids; Incus's validator refuses it, api_project.go:1790-1794 at
/// be7afc5df3).
pub(super) fn declare_projects(c: &mut Compiler<'_>, cluster: &ClusterFile, db: &mut Db) -> Result<()> {
    for (i, p) in cluster.projects.iter().enumerate() {
        let key = format!("cluster.projects[{i}]");
        let name = c.intern(&p.name, &format!("{key}.name"))?;
        let config = c.config(&p.config, &format!("{key}.config"))?;
        incus_accepts_initial(c, cluster, &p.config, &format!("{key}.config"))?;
        for (k, v) in &p.config {
            let Some(vsym) = c.names.lookup(k.get_ref()).and_then(|k| config.get(k)) else {
                continue;
            };
            if let Some(missing) = c.names.group_list(vsym).iter().find(|g| db.group(**g).is_none()) {
                let missing = c.names.group_str(*missing).to_string();
                return Err(c.at(
                    v,
                    &format!("{key}.config.\"{}\"", k.get_ref()),
                    format!("names cluster group \"{missing}\", which the cluster does not have"),
                ));
            }
        }
        match db.projects.iter_mut().find(|q| q.name == name) {
            Some(existing) if name == c.names.keys.default_project && existing.config.0.is_empty() => {
                existing.config = config
            }
            Some(_) => {
                return Err(c.at(
                    &p.name,
                    &format!("{key}.name"),
                    format!("project \"{}\" is declared twice", p.name.get_ref()),
                ));
            }
            None => db.projects.push(Project { name, config }),
        }
    }
    Ok(())
}

/// A cluster holds only project config its validator accepted
/// (`incus_config`): each key and non-empty value (an empty one is no
/// value), then the rule across keys.
pub(super) fn incus_accepts_initial(
    c: &Compiler<'_>,
    cluster: &ClusterFile,
    table: &BTreeMap<Text, Text>,
    at: &str,
) -> Result<()> {
    let pool_exists = |name: &str| cluster.pools.iter().any(|p| p.name.get_ref() == name);
    for (k, v) in table.iter().filter(|(_, v)| !v.get_ref().is_empty()) {
        let routes = |uplink: &str| uplink_routes(cluster, uplink);
        incus_config::check_project_key(k.get_ref(), v.get_ref(), pool_exists, routes).map_err(|e| {
            c.at(
                v,
                &format!("{at}.\"{}\"", k.get_ref()),
                format!("Incus refuses it: {e}"),
            )
        })?;
    }
    let get = |key: &str| {
        table
            .iter()
            .find(|(k, _)| k.get_ref() == key)
            .map_or("", |(_, v)| v.get_ref().as_str())
    };
    incus_config::check_project_config(get).map_err(|e| {
        let first = table.keys().next().map_or(0..0, |k| k.span());
        c.error(Some(first), at, format!("Incus refuses it: {e}"))
    })
}

/// `cluster.join_token_expiry` in ticks (milliseconds), read as
/// `GetExpiry` reads it (internal/instance/expiry.go:14-65 at v6.0.4,
/// the same rules at be7afc5df3): fields split on single spaces, each `<integer><unit>`
/// with the unit one of S, M, H, d, w, m, y, no unit given a non-zero
/// count twice (expiry.go:48-51 checks the count so far, at v6.0.4); anything else
/// is refused as `expiryValidator` refuses it (internal/server/cluster/
/// config/config.go:919-926 at v6.0.4) with "Invalid expiry expression".
/// An empty value is the default, three hours (config.go:488), which no
/// run outlasts: `None`, as when the key is unset. A month and a year count
/// as 28 and 365 days, since only whether a run outlasts them matters.
pub(super) fn join_token_expiry(c: &Compiler<'_>, cluster: &ClusterFile) -> Result<Option<u64>> {
    const KEY: &str = "cluster.join_token_expiry";
    let Some(value) = &cluster.join_token_expiry else {
        return Ok(None);
    };
    let text = value.get_ref().trim();
    if text.is_empty() {
        return Ok(None);
    }
    let invalid = || c.at(value, KEY, format!("{text:?}: Invalid expiry expression"));
    let mut seen = Vec::new();
    let mut ticks: u64 = 0;
    for field in text.split(' ') {
        let unit = field.chars().last().ok_or_else(invalid)?;
        let digits = &field[..field.len() - unit.len_utf8()];
        let per_unit: u64 = match unit {
            'S' => 1_000,
            'M' => 60_000,
            'H' => 3_600_000,
            'd' => 86_400_000,
            'w' => 7 * 86_400_000,
            'm' => 28 * 86_400_000,
            'y' => 365 * 86_400_000,
            _ => return Err(invalid()),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || seen.contains(&unit) {
            return Err(invalid());
        }
        let count: u64 = digits.parse().map_err(|_| invalid())?;
        if count > 0 {
            seen.push(unit);
        }
        ticks = ticks.saturating_add(count.saturating_mul(per_unit));
    }
    Ok(Some(ticks))
}
