//! `unsynced-pool-validation`: a project config validated at J5 on the
//! joiner's own daemon looked up the pool of a `limits.disk.pool.NAME` key
//! in the joiner's local database (`GetStoragePoolNames`, cmd/incusd/
//! api_project.go:2050-2070 at be7afc5df3), where J5 skipped the
//! cluster's pending pools, read in an earlier request (api_cluster.go:
//! 1001-1013).

use super::{Breach, Event, Rule};
use crate::model::observe::LocalReadKind;

pub struct UnsyncedPoolValidation;

impl Rule for UnsyncedPoolValidation {
    const NAME: &'static str = "unsynced-pool-validation";
    const DESCRIPTION: &'static str = "a limits.disk.pool.NAME key validated at join finds pool NAME exactly when the cluster has it at the version the config was read";

    fn after_event(event: &Event) -> Option<Breach> {
        event.differing_local_read(LocalReadKind::StoragePools, |r, names| {
            let answer = |has: bool| if has { "has it" } else { "has no such pool" };
            format!(
                "validated project \"{}\" (config read at v{}): limits.disk.pool.{pool} looked up storage pool \"{pool}\" in the joiner's local database, which {}, where the cluster {} at v{}; {}",
                names.str(r.entity),
                r.config_version,
                answer(r.local),
                answer(r.cluster),
                r.config_version,
                r.outcome(),
                pool = names.str(r.subject),
            )
        })
    }
}
