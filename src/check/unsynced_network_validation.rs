//! `unsynced-network-validation`: a project config validated at J5 on the
//! joiner's own daemon looked up the uplink of a
//! `restricted.networks.subnets` item in the joiner's local database
//! (`projectValidateRestrictedSubnets`, cmd/incusd/api_project.go:2156-2164
//! at be7afc5df3), where J5 created only the cluster's created networks
//! (api_cluster.go:1086-1089).

use super::{Breach, Event, Rule};
use crate::model::observe::{LocalReadKind, differing_local_read};

pub struct UnsyncedNetworkValidation;

impl Rule for UnsyncedNetworkValidation {
    const NAME: &'static str = "unsynced-network-validation";
    const DESCRIPTION: &'static str = "a restricted.networks.subnets item validated at join finds its uplink network exactly when the cluster has it at the version the config was read";

    fn after_event(event: &Event) -> Option<Breach> {
        let r = differing_local_read(&event.world.observations, LocalReadKind::Networks)?;
        let names = &event.world.setup.names;
        let answer = |has: bool| if has { "has it" } else { "has no such network" };
        Some(Breach {
            node: Some(names.node_str(r.node).to_string()),
            step: Some(r.step.to_string()),
            tick: event.tick,
            message: format!(
                "validated project \"{}\" (config read at v{}): restricted.networks.subnets looked up uplink network \"{}\" of project \"default\" in the joiner's local database, which {}, where the cluster {} at v{}; {}",
                names.str(r.entity),
                r.config_version,
                names.str(r.subject),
                answer(r.local),
                answer(r.cluster),
                r.config_version,
                r.outcome(),
            ),
        })
    }
}
