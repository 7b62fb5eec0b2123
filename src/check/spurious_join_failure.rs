//! `spurious-join-failure`: a join whose configuration is valid on the
//! cluster must not fail with a validation error.

use super::{Breach, End, Rule};

pub struct SpuriousJoinFailure;

impl Rule for SpuriousJoinFailure {
    const NAME: &'static str = "spurious-join-failure";
    const DESCRIPTION: &'static str =
        "a join whose configuration is valid on the cluster does not fail with a validation error";

    /// Joins that failed with a validation error although the config they
    /// rejected was valid on the cluster at the version it was read.
    fn at_end(end: &End, found: &mut Vec<Breach>) {
        let world = end.world;
        let names = &world.setup.names;
        for node in world.setup.joiners() {
            let Some(joiner) = world.joiner_state(node) else {
                continue;
            };
            let Some(failure) = &joiner.failure else { continue };
            let Some(rejection) = failure.rejection else { continue };
            let cluster = world.groups_at(rejection.config_version);
            if rejection.referenced.minus(cluster).is_empty() {
                found.push(Breach {
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
    }
}
