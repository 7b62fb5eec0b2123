//! `unsynced-group-validation`, `spurious-join-failure` and
//! `dangling-group-reference`: whether validation saw the groups it should.

use super::{Invariant, Violation};
use crate::model::World;
use crate::model::names::GroupSet;
use crate::model::observe::{Site, Validation};
use crate::model::validate::referenced_groups;

fn site_name(site: Site) -> String {
    match site {
        Site::Join(step) => step.to_string(),
        Site::ProjectChange => "projectChange".to_string(),
    }
}

/// Whether `v` used a view of the groups at least as new as the config it
/// validated, or one equal to the cluster's groups at that version.
pub fn unsynced(world: &World, v: &Validation, tick: u64) -> Option<Violation> {
    let cluster = world.groups_at(v.config_version);
    let synced = v.view.synced_at.is_some_and(|at| at >= v.config_version) || v.view.groups == cluster;
    if synced {
        return None;
    }
    let names = &world.setup.names;
    let missing = cluster.minus(v.view.groups);
    let extra = v.view.groups.minus(cluster);
    let would_pass = v.referenced.minus(cluster).is_empty();
    let outcome = match (v.passed, would_pass) {
        (false, true) => "the stale view changed the outcome: a false rejection",
        (true, false) => "the stale view changed the outcome: a false acceptance",
        _ => "the outcome happened to be the same",
    };
    let view = match v.view.synced_at {
        None => "its local database (never synced)".to_string(),
        Some(at) => format!("groups synced at v{at}"),
    };
    let mut difference = String::new();
    if !missing.is_empty() {
        difference += &format!("; missing {}", names.group_set_str(missing));
    }
    if !extra.is_empty() {
        difference += &format!("; extra {}", names.group_set_str(extra));
    }
    Some(Violation {
        invariant: Invariant::UnsyncedGroupValidation,
        node: Some(names.node_str(v.node).to_string()),
        step: Some(site_name(v.site)),
        tick,
        message: format!(
            "validated project \"{}\" (config read at v{}) against {} from {view}; the cluster had {} at v{}{difference}; {outcome}",
            names.str(v.project),
            v.config_version,
            names.group_set_str(v.view.groups),
            names.group_set_str(cluster),
            v.config_version,
        ),
    })
}

/// Joins that failed with a validation error although the config they
/// rejected was valid on the cluster at the version it was read.
pub fn spurious_failures(world: &World) -> Vec<Violation> {
    let names = &world.setup.names;
    let mut found = Vec::new();
    for node in world.setup.joiners() {
        let Some(joiner) = world.joiner_state(node) else {
            continue;
        };
        let Some(failure) = &joiner.failure else { continue };
        let Some(rejection) = failure.rejection else { continue };
        let cluster = world.groups_at(rejection.config_version);
        if rejection.referenced.minus(cluster).is_empty() {
            found.push(Violation {
                invariant: Invariant::SpuriousJoinFailure,
                node: Some(names.node_str(node).to_string()),
                step: Some(failure.step.to_string()),
                tick: joiner.ended_tick.unwrap_or(0),
                message: format!(
                    "project \"{}\" was valid on the cluster at v{} (groups {}), yet the join failed: {}",
                    names.str(rejection.project),
                    rejection.config_version,
                    names.group_set_str(cluster),
                    failure.error
                ),
            });
        }
    }
    found
}

/// A committed project naming a group that does not exist.
pub fn dangling(world: &World, tick: u64) -> Option<Violation> {
    let names = &world.setup.names;
    let groups = world.db.group_set();
    world.db.projects.iter().find_map(|p| {
        let missing: GroupSet = referenced_groups(&p.config, names).minus(groups);
        (!missing.is_empty()).then(|| Violation {
            invariant: Invariant::DanglingGroupReference,
            node: None,
            step: None,
            tick,
            message: format!(
                "committed project \"{}\" has restricted.cluster.groups naming {} at v{}, but the cluster groups are {}",
                names.str(p.name),
                names.group_set_str(missing),
                world.db.version,
                names.group_set_str(groups)
            ),
        })
    })
}
