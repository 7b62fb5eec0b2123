//! `unsynced-network-validation`: a project config validated at J5 on the
//! joiner's own daemon looked up the uplink of a
//! `restricted.networks.subnets` item in the joiner's local database
//! (`projectValidateRestrictedSubnets`, cmd/incusd/api_project.go:2156-2164
//! at be7afc5df3), where J5 created only the cluster's created networks
//! (api_cluster.go:1086-1089).

use super::{Breach, Event, Rule};
use crate::model::observe::LocalReadKind;

pub struct UnsyncedNetworkValidation;

impl Rule for UnsyncedNetworkValidation {
    const NAME: &'static str = "unsynced-network-validation";
    const DESCRIPTION: &'static str = "a restricted.networks.subnets item validated at join finds its uplink network exactly when the cluster has it at the version the config was read";

    fn after_event(event: &Event) -> Option<Breach> {
        event.differing_local_read(LocalReadKind::Networks, |r, names| {
            let answer = |has: bool| if has { "has it" } else { "has no such network" };
            format!(
                "validated project \"{}\" (config read at v{}): restricted.networks.subnets looked up uplink network \"{}\" of project \"default\" in the joiner's local database, which {}, where the cluster {} at v{}; {}",
                names.str(r.entity),
                r.config_version,
                names.str(r.subject),
                answer(r.local),
                answer(r.cluster),
                r.config_version,
                r.outcome(),
            )
        })
    }
}
