//! `unsynced-group-validation` (the mission's): a validation of project
//! config that names cluster groups must use a view of the groups synced
//! to the config's DB version or newer.

use super::{Breach, Event, Rule};
use crate::model::World;
use crate::model::observe::{Observation, Site, Validation};

pub struct UnsyncedGroupValidation;

impl Rule for UnsyncedGroupValidation {
    const NAME: &'static str = "unsynced-group-validation";
    const DESCRIPTION: &'static str =
        "a validation of project config naming cluster groups uses a group view synced to the config's DB version or newer";

    fn after_event(event: &Event) -> Option<Breach> {
        event.world.observations.iter().find_map(|o| match o {
            Observation::Validation(v) => unsynced(event.world, v, event.tick),
            _ => None,
        })
    }
}

fn site_name(site: Site) -> String {
    match site {
        Site::Join(step) => step.to_string(),
        Site::ProjectChange => "projectChange".to_string(),
    }
}

/// Whether `v` used a view of the groups at least as new as the config it
/// validated, or one equal to the cluster's groups at that version.
fn unsynced(world: &World, v: &Validation, tick: u64) -> Option<Breach> {
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
    Some(Breach {
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
