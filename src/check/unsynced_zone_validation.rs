//! `unsynced-zone-validation`: a J5 network validation that looked up a
//! network zone in the joiner's database, where the answer can differ from
//! the cluster's (J5 creates no network zone).

use super::{Breach, Event, Rule};
use crate::model::World;
use crate::model::observe::{Observation, ZoneValidation};

pub struct UnsyncedZoneValidation;

impl Rule for UnsyncedZoneValidation {
    const NAME: &'static str = "unsynced-zone-validation";
    const DESCRIPTION: &'static str = "a zone lookup of a network validated at join finds a network zone exactly when the cluster has it at the version the network was read";

    fn after_event(event: &Event) -> Option<Breach> {
        event.world.observations.iter().find_map(|o| match o {
            Observation::ZoneValidation(v) => unsynced(event.world, v, event.tick),
            _ => None,
        })
    }
}

/// The lookup `v`, if the joiner's database answered otherwise than the
/// cluster's would have: what it read, and whether that changed the
/// outcome (a lookup that fails fails the network's creation, and the join).
fn unsynced(world: &World, v: &ZoneValidation, tick: u64) -> Option<Breach> {
    if v.found == v.cluster_has {
        return None;
    }
    let names = &world.setup.names;
    let answer = |has: bool| if has { "has it" } else { "has no such zone" };
    let outcome = if v.found {
        "the outcome happened to be the same: the lookup passed"
    } else {
        "the local view changed the outcome: a false rejection that fails the join"
    };
    Some(Breach {
        node: Some(names.node_str(v.node).to_string()),
        step: Some(v.step.to_string()),
        tick,
        message: format!(
            "validated network \"{}\" in project \"{}\" (read at v{}): {} names network zone \"{}\"; the joiner's local database {}, the cluster {} at v{}; {outcome}",
            names.str(v.network),
            names.str(v.project),
            v.config_version,
            v.key.name(),
            names.str(v.zone),
            answer(v.found),
            answer(v.cluster_has),
            v.config_version,
        ),
    })
}
