//! `unsynced-project-validation`: a network created at J5 on the joiner's
//! own daemon was checked against the config of its project in the
//! joiner's local database (`project.NetworkAllowed`, cmd/incusd/
//! networks.go:405, 436-438 at be7afc5df3), which J5 has not updated yet
//! for `default` and, today, never gives the `restricted*` keys.

use super::{Breach, Event, Rule};
use crate::model::observe::LocalReadKind;

pub struct UnsyncedProjectValidation;

impl Rule for UnsyncedProjectValidation {
    const NAME: &'static str = "unsynced-project-validation";
    const DESCRIPTION: &'static str = "a network created at join is allowed or refused by its project's local config exactly as by the cluster's at the version the network was read";

    fn after_event(event: &Event) -> Option<Breach> {
        event.differing_local_read(LocalReadKind::ProjectConfig, |r, names| {
            let answer = |allowed: bool| if allowed { "allows it" } else { "refuses it" };
            // Allowed locally, refused by the cluster: the network exists in the
            // cluster all the same, and J9 replaces the local database.
            let outcome = if r.local {
                "a false acceptance, with the join's outcome unchanged"
            } else {
                r.outcome()
            };
            format!(
                "created network \"{}\" in project \"{}\" (read at v{}): NetworkAllowed read the project's config in the joiner's local database, which {}, where the cluster's at v{} {}; {outcome}",
                names.str(r.entity),
                names.str(r.subject),
                r.config_version,
                answer(r.local),
                r.config_version,
                answer(r.cluster),
            )
        })
    }
}
