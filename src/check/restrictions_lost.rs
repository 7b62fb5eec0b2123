//! `restrictions-lost`: the project config a joined server was observed to
//! enforce (at J11, where it loads its configuration) must equal the
//! cluster's committed config, as the checker itself recorded it.

use std::sync::Arc;

use super::{Breach, Event, Rule};
use crate::model::World;
use crate::model::db::{Db, Project};
use crate::model::names::Names;
use crate::model::observe::{ConfigSource, Enforcement, Observation};

pub struct RestrictionsLost;

impl Rule for RestrictionsLost {
    const NAME: &'static str = "restrictions-lost";
    const DESCRIPTION: &'static str =
        "the project config a joined server is observed to enforce equals the cluster's, restrictions included";

    fn after_event(event: &Event) -> Option<Breach> {
        event.world.observations.iter().find_map(|o| match o {
            Observation::Enforced(e) => restrictions_lost(event.committed, event.world, e, event.tick),
            _ => None,
        })
    }
}

/// Compares what `e` says the joiner enforces with the committed database
/// the checker saw at the version it was read (for a local database: the
/// latest committed one).
fn restrictions_lost(committed: &[Arc<Db>], world: &World, e: &Enforcement, tick: u64) -> Option<Breach> {
    let (version, from) = match e.source {
        ConfigSource::Local => (world.db.version, "its local database".to_string()),
        ConfigSource::Replicated(v) => (v, format!("the replicated database at v{v}")),
    };
    let cluster = committed.iter().rev().find(|db| db.version <= version)?;
    let names = &world.setup.names;
    let (enforced, expected) = first_difference(&e.read.0.projects, &cluster.projects)?;
    Some(Breach {
        node: Some(names.node_str(e.node).to_string()),
        step: Some("J11 StartClusterTasks".to_string()),
        tick,
        message: format!(
            "the joined server enforces project config from {from}: {}; the cluster's committed config at v{} is {}",
            describe(enforced, names),
            cluster.version,
            describe(expected, names)
        ),
    })
}

/// The first project (by the cluster's order) whose config differs, as
/// (enforced, committed); a project missing on one side is `None`.
fn first_difference<'a>(
    enforced: &'a [Project],
    committed: &'a [Project],
) -> Option<(Option<&'a Project>, Option<&'a Project>)> {
    let find = |list: &'a [Project], p: &Project| list.iter().find(|q| q.name == p.name);
    committed
        .iter()
        .map(|p| (find(enforced, p), Some(p)))
        .chain(enforced.iter().map(|p| (Some(p), find(committed, p))))
        .find(|(a, b)| a.map(|p| &p.config) != b.map(|p| &p.config))
}

fn describe(project: Option<&Project>, names: &Names) -> String {
    let Some(p) = project else {
        return "no such project".to_string();
    };
    let pairs: Vec<String> = p
        .config
        .0
        .iter()
        .map(|(k, v)| format!("{}={}", names.str(*k), names.str(*v)))
        .collect();
    format!("project \"{}\" {{{}}}", names.str(p.name), pairs.join(", "))
}
