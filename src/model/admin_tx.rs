//! The leader's side of the operator's API calls: the transactions of
//! cluster group, cluster member and project endpoints, each with the
//! checks Incus makes in it, in Incus's order and with its error texts.
//! Citations are `file:line` at lxc/incus be7afc5df3.

use std::sync::Arc;

use super::db::{Config, Db, Group};
use super::message::{Answer, ApiError, Etag, Outcome, ValidationRead};
use super::names::{DEFAULT_GROUP, GroupName, GroupSet, Names, Sym};
use super::observe::{GroupView, Observation, Site, Validation};
use super::validate::{KeysChecked, is_false, is_true, referenced_groups, validate_project_config};
use crate::sim::NodeId;

fn fail<T>(text: impl Into<String>) -> Result<T, ApiError> {
    Err(ApiError::new(text))
}

/// `GetNodeByName`'s error (internal/server/db/node.go:320); endpoints
/// return it unwrapped (`response.SmartError` keeps a status error's text,
/// internal/server/response/smart.go:26-28).
const MEMBER_NOT_FOUND: &str = "Cluster member not found";
/// `GetClusterGroup`/`GetClusterGroupID`'s error: `ErrNotFound` mapped to
/// `"%s not found"` with the entity `Cluster_group`
/// (internal/server/db/cluster/cluster_groups.mapper.go:209, 222;
/// mapper_errors.go:15-16).
const GROUP_NOT_FOUND: &str = "Cluster_group not found";
/// The mapped `ErrNotFound` of `GetProject` (projects.mapper.go:238-256).
const PROJECT_NOT_FOUND: &str = "Project not found";

/// `GET /1.0/cluster/members/NAME`'s transaction: a full member's groups
/// and the ETag of what it answers.
pub(super) fn get_member(db: &Db, member: Sym) -> Outcome {
    let Some(row) = db.member_named(member, false) else {
        return fail(MEMBER_NOT_FOUND);
    };
    let groups = db.groups_of(row.node);
    Ok(Answer::Member {
        groups,
        etag: member_etag(groups),
    })
}

/// `cluster.ResolveTarget`'s transaction (resolve.go:19-26;
/// `GetNodeByName`: full members only).
pub(super) fn resolve_member(db: &Db, member: Sym) -> Outcome {
    match db.member_named(member, false) {
        Some(row) => Ok(Answer::Resolved(row.node)),
        None => fail(MEMBER_NOT_FOUND),
    }
}

/// `GET /1.0/projects/NAME`'s transaction: the config and its ETag.
pub(super) fn get_project(db: &Db, project: Sym) -> Outcome {
    match db.project(project) {
        Some(p) => Ok(Answer::Project {
            config: p.config.clone(),
            etag: project_etag(&p.config),
        }),
        None => fail(PROJECT_NOT_FOUND),
    }
}

/// `cluster.Purge` of a full member (membership.go:1134-1166), wrapped by
/// clusterNodeDelete (api_cluster.go:2414-2417).
pub(super) fn purge_member(db: &mut Db, member: Sym, pending: bool, names: &Names) -> Result<(), ApiError> {
    let Some(row) = db.member_named(member, pending) else {
        let name = names.str(member);
        return fail(format!(
            "Failed to remove member from database: Failed to get member \"{name}\": {MEMBER_NOT_FOUND}"
        ));
    };
    let node = row.node;
    // `cluster.Leave` took the member out of the raft configuration
    // before (`cowsqlClient.Remove`, membership.go:1039 at be7afc5df3;
    // `client.Remove`, :971 at v6.0.4): folded into this commit.
    db.raft.remove(node);
    db.remove_member_row(node);
    db.delete_server_certificates(member, names);
    Ok(())
}

/// The project's write (api_project.go:865-868; projects.go:186-189).
pub(super) fn write_project(
    db: &mut Db,
    project: Sym,
    config: &Config,
    names: &Names,
    differences: &super::variant::Differences,
) -> Result<(), ApiError> {
    if differences.project_write_rechecks_groups {
        // The fix: the groups are checked again where they are written.
        validate_project_config(config, db, names, KeysChecked::All).map_err(ApiError::new)?;
    }
    let Some(p) = db.projects.iter_mut().find(|p| p.name == project) else {
        return fail(format!(
            "Persist profile changes: Fetch project ID: {PROJECT_NOT_FOUND}"
        ));
    };
    p.config = config.clone();
    Ok(())
}

/// The ETag of a member (api_cluster.go:1715, 1871): Incus hashes the whole
/// `ClusterMemberPut` (config, description, roles, failure domain, groups in
/// row order); the model has only the group set.
pub fn member_etag(groups: GroupSet) -> Etag {
    Etag::of(&("cluster member", groups))
}

/// The ETag of a project: its description and config (api_project.go:538-541,
/// 617-620); the model has only the config.
pub fn project_etag(config: &Config) -> Etag {
    Etag::of(&("project", config))
}

/// `EtagCheck` (internal/server/util/http.go:81-99): no `If-Match`, no check.
fn check_etag(current: Etag, given: Option<Etag>) -> Result<(), ApiError> {
    match given {
        Some(given) if given != current => fail(format!("ETag doesn't match: {current} vs {given}")),
        _ => Ok(()),
    }
}

/// `clusterGroupsPost`'s transaction (api_cluster_group.go:111-136): the
/// insert fails on `UNIQUE (name)` (schema.go:30), which the mapper turns
/// into `ErrConflict` (cluster_groups.mapper.go:332-334) and then into
/// its text (mapper_errors.go:19-20).
pub(super) fn create_group(db: &mut Db, group: GroupName) -> Result<(), ApiError> {
    if db.group(group).is_some() {
        return fail("This \"Cluster_group\" entry already exists");
    }
    db.groups.push(Group {
        name: group,
        members: Default::default(),
    });
    Ok(())
}

/// `clusterGroupDelete` (api_cluster_group.go:921-969): `default` is refused
/// before the transaction (:930-932; here inside it, with the same answer);
/// then, in one transaction, members (:935-942), existence (:945-948), use
/// (:950-957), delete (:959).
pub(super) fn delete_group(
    db: &mut Db,
    group: GroupName,
    names: &Names,
    differences: &super::variant::Differences,
) -> Result<(), ApiError> {
    if group == DEFAULT_GROUP {
        return fail("The 'default' cluster group cannot be deleted");
    }
    if db.group(group).is_some_and(|g| !g.members.is_empty()) {
        return fail("Only empty cluster groups can be removed");
    }
    if differences.group_change_checks_use {
        check_group_unused(db, group, names)?;
    } else if db.group(group).is_none() {
        // Incus 6.0.4 deletes without looking the group up: the generated
        // delete finds no row, mapped to the same text
        // (cluster_groups.mapper.go:362-364, 381-382 at v6.0.4).
        return fail(GROUP_NOT_FOUND);
    }
    db.groups.retain(|g| g.name != group);
    Ok(())
}

/// `clusterGroupPost` (api_cluster_group.go:425-491): `default` is refused
/// before the transaction (:433-435; here inside it); then the new name
/// (:455-458), the group (:460-463), its use (:465-472), the rename (:475).
pub(super) fn rename_group(
    db: &mut Db,
    group: GroupName,
    to: GroupName,
    names: &Names,
    differences: &super::variant::Differences,
) -> Result<(), ApiError> {
    if group == DEFAULT_GROUP {
        return fail("The \"default\" group cannot be renamed");
    }
    if db.group(to).is_some() {
        return fail(format!("Name \"{}\" already in use", names.group_str(to)));
    }
    if differences.group_change_checks_use {
        check_group_unused(db, group, names)?;
    } else if db.group(group).is_none() {
        // Incus 6.0.4 renames without looking the group up: the generated
        // update finds no row (cluster_groups.mapper.go:278-280 at v6.0.4).
        return fail("Query affected 0 rows instead of 1");
    }
    db.group_mut(group).expect("checked").name = to;
    Ok(())
}

/// The group exists and `clusterGroupUsedBy` (api_cluster_group.go:1060-1103)
/// finds no use of it: the model has no instances, so only projects listing
/// it in `restricted.cluster.groups` count, whether or not `restricted` is
/// true (`GetRestrictedClusterGroups`, project/permissions.go:1819-1821).
fn check_group_unused(db: &Db, group: GroupName, names: &Names) -> Result<(), ApiError> {
    if db.group(group).is_none() {
        return fail(GROUP_NOT_FOUND);
    }
    if db.group_in_use(group, names) {
        return fail("Cluster group is currently in use");
    }
    Ok(())
}

/// `updateClusterNode`'s first transaction reads the member
/// (api_cluster.go:1840-1843); then, on what it read, the ETag (:1871-1874)
/// and the group list (:1893-1895) are checked. (The role checks between
/// them, :1884-1890, pass: a client sends back the roles it got.)
pub(super) fn check_member_update(db: &Db, member: Sym, etag: Option<Etag>, no_groups: bool) -> Outcome {
    let Some(row) = db.member_named(member, false) else {
        return fail(MEMBER_NOT_FOUND);
    };
    check_etag(member_etag(db.groups_of(row.node)), etag)?;
    if no_groups {
        return fail("Cluster members need to belong to at least one group");
    }
    Ok(Answer::Done)
}

/// `updateClusterNode`'s write (api_cluster.go:1941-1998): the member again
/// (:1942-1945), then `UpdateNodeClusterGroups` (node.go:722-779): each
/// listed group it is not in yet is added, in the order given (:736-748),
/// then each old group not listed is left (:750-775).
pub(super) fn update_member_groups(db: &mut Db, member: Sym, groups: &[GroupName]) -> Result<(), ApiError> {
    let Some(row) = db.member_named(member, false) else {
        return fail(format!("Loading node information: {MEMBER_NOT_FOUND}"));
    };
    let (node, name) = (row.node, row.name);
    let old = db.groups_of(node);
    for &group in groups.iter().filter(|&&g| !old.contains(g)) {
        add_node_to_cluster_group(db, group, name).map_err(|e| {
            ApiError::new(format!(
                "Update cluster groups: Failed to add member to cluster group: {e}"
            ))
        })?;
    }
    let listed: GroupSet = groups.iter().fold(GroupSet::EMPTY, |mut set, &g| {
        set.insert(g);
        set
    });
    for group in old.minus(listed).iter() {
        // RemoveNodeFromClusterGroup (internal/server/db/cluster.go:95-112);
        // the instance check before it (node.go:761-768) has nothing to find.
        db.group_mut(group).expect("an old group exists").members.remove(node);
    }
    Ok(())
}

/// `AddNodeToClusterGroup` (internal/server/db/cluster.go:75-92): the group
/// by name, the member by name among full members, then an insert that
/// fails on `UNIQUE (node_id, group_id)` (schema.go:410). J10 runs it too
/// (api_cluster.go:794), looking the joiner up by the name it joined with.
pub(super) fn add_node_to_cluster_group(db: &mut Db, group: GroupName, member: Sym) -> Result<(), ApiError> {
    if db.group(group).is_none() {
        return fail(format!("Failed to get cluster group ID: {GROUP_NOT_FOUND}"));
    }
    let Some(row) = db.member_named(member, false) else {
        return fail(format!("Failed to get node info: {MEMBER_NOT_FOUND}"));
    };
    let node = row.node;
    let g = db.group_mut(group).expect("checked");
    if g.members.contains(node) {
        return fail("UNIQUE constraint failed: nodes_cluster_groups.node_id, nodes_cluster_groups.group_id");
    }
    g.members.insert(node);
    Ok(())
}

/// `RenameNode` (internal/server/db/node.go:427-454): the new name must be
/// free among all rows, pending or not (`ErrAlreadyDefined`, which
/// `SmartError` answers with the bare status text `Conflict`:
/// smart.go:31-42); then `UPDATE nodes SET name=? WHERE name=?`, on any
/// row of that name, pending or not.
pub(super) fn rename_member(db: &mut Db, member: Sym, to: Sym) -> Result<(), ApiError> {
    if db.members.iter().any(|m| m.name == to) {
        return fail("Conflict");
    }
    let count = db.members.iter().filter(|m| m.name == member).count();
    if count != 1 {
        return fail(format!("expected to update one row, not {count}"));
    }
    let row = db.members.iter_mut().find(|m| m.name == member).expect("counted");
    row.name = to;
    Ok(())
}

/// `cluster.Leave`'s transaction (membership.go:976-1002): the member by
/// name (pending ones only with `?pending=1`), then, without `force`,
/// `membershipCheckClusterStateForLeave` (:1275-1297): no instances, images
/// or volumes (the model has none) and not the last member.
pub(super) fn check_member_leave(db: &Db, member: Sym, pending: bool, force: bool, names: &Names) -> Outcome {
    if db.member_named(member, pending).is_none() {
        let name = names.str(member);
        return fail(format!("Failed to get member \"{name}\": {MEMBER_NOT_FOUND}"));
    }
    if !force && db.members.iter().filter(|m| !m.pending).count() == 1 {
        return fail("Member is the only member in the cluster");
    }
    Ok(Answer::Done)
}

/// The project, its ETag, and `projectChange`'s checks of changed
/// `features.*` keys (api_project.go:779-827) and of OVN (:836-841; Incus
/// makes it after validation: here a request that both validation and the
/// OVN check refuse reports the OVN error).
pub(super) fn check_project_update(
    db: &Db,
    (project, config): (Sym, &Config),
    etag: Option<Etag>,
    names: &Names,
    differences: &super::variant::Differences,
) -> Outcome {
    let Some(current) = db.project(project) else {
        return fail(PROJECT_NOT_FOUND);
    };
    check_etag(project_etag(&current.config), etag)?;
    let features = changed_features(&current.config, config, names);
    if !features.is_empty() && project == names.keys.default_project {
        return fail("You can't change the features of the default project");
    }
    // `project.UsedBy` (:243-352): of what it lists, the model has networks.
    let in_use = db.networks.iter().any(|n| n.project == project);
    for &key in features.iter().filter(|_| in_use) {
        let (name, old) = (names.str(key), current.config.get(key).map_or("", |v| names.str(v)));
        if is_true(old) {
            return fail(format!(
                "Project feature \"{name}\" cannot be disabled on non-empty projects"
            ));
        }
        // Only `features.networks.zones` may be enabled on a non-empty
        // project (projects.go:63-66).
        if is_false(old) && name != "features.networks.zones" {
            return fail(format!(
                "Project feature \"{name}\" cannot be enabled on non-empty projects"
            ));
        }
    }
    let networks = names.keys.features_networks;
    let enables_networks = features.contains(&networks) && config.get(networks).is_some_and(|v| is_true(names.str(v)));
    if enables_networks && differences.project_networks_need_ovn {
        // projectCheckOVNAvailable (:1501-1508): the model has no OVN.
        return fail("OVN is required for projects with \"features.networks\" enabled");
    }
    Ok(Answer::Done)
}

/// The `features.*` keys of `cluster.ProjectFeatures` (projects.go:50-67)
/// whose value differs between `old` and `new` (api_project.go:779-800).
fn changed_features(old: &Config, new: &Config, names: &Names) -> Vec<Sym> {
    const FEATURES: [&str; 6] = [
        "features.images",
        "features.profiles",
        "features.storage.volumes",
        "features.storage.buckets",
        "features.networks",
        "features.networks.zones",
    ];
    let mut keys: Vec<Sym> = old.0.iter().chain(&new.0).map(|&(k, _)| k).collect();
    keys.sort();
    keys.dedup();
    keys.retain(|&k| FEATURES.contains(&names.str(k)) && old.get(k) != new.get(k));
    keys
}

/// One transaction of `projectValidateConfig` (api_project.go:1575-2111):
/// the pools are read first (:2049-2062); the `restricted.cluster.groups`
/// validator, run while the keys are checked, reads the groups in a
/// transaction of its own (:1764-1797) when the key is set. The last of the
/// two runs the whole validation on what it read and answers `Validated`.
pub(super) fn validate_project(
    db: &Arc<Db>,
    from: NodeId,
    (project, config): (Sym, &Config),
    read: ValidationRead,
    names: &Names,
    observations: &mut Vec<Observation>,
) -> Outcome {
    // With groups to check, the whole validation runs in the groups'
    // transaction, so the `limits.disk.pool.*` keys are checked against
    // the pools as of that read, one transaction later than Incus's.
    if read == ValidationRead::Pools && config.restricted_groups(names).is_some() {
        return Ok(Answer::Done);
    }
    let groups = db.group_set();
    let result = validate_project_config(config, db, names, KeysChecked::All);
    let referenced = referenced_groups(config, names);
    if read == ValidationRead::ClusterGroups && !referenced.is_empty() {
        observations.push(Observation::Validation(Validation {
            node: from,
            site: Site::ProjectChange,
            project,
            config_version: db.version,
            view: GroupView {
                groups,
                synced_at: Some(db.version),
            },
            referenced,
            passed: result.is_ok(),
        }));
    }
    result
        .map(|()| Answer::Validated(config.clone()))
        .map_err(ApiError::new)
}
