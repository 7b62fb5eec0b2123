//! `unsynced-profile-validation`: a project update at J5 on the joiner's
//! own daemon checked the project's new restrictions against the profiles
//! of the joiner's local database (`AllowProjectUpdate`, cmd/incusd/
//! api_project.go:860; internal/server/project/permissions.go:1190-1260 at
//! be7afc5df3): the joiner's own default profile, not the cluster's, since
//! J5 syncs no profile.

use super::{Breach, Event, Rule};
use crate::model::observe::LocalReadKind;

pub struct UnsyncedProfileValidation;

impl Rule for UnsyncedProfileValidation {
    const NAME: &'static str = "unsynced-profile-validation";
    const DESCRIPTION: &'static str = "a project updated at join conflicts with the profiles it is checked against exactly when it conflicts with the cluster's at the version the config was read";

    fn after_event(event: &Event) -> Option<Breach> {
        event.differing_local_read(LocalReadKind::Profiles, |r, names| {
            let answer = |passes: bool| if passes { "pass" } else { "conflict" };
            format!(
                "updated project \"{}\" (config read at v{}): AllowProjectUpdate checked its new restrictions against the devices of profile \"{}\" in the joiner's local database, which {}, where the cluster's at v{} {}; {}",
                names.str(r.entity),
                r.config_version,
                names.str(r.subject),
                answer(r.local),
                r.config_version,
                answer(r.cluster),
                r.outcome(),
            )
        })
    }
}
