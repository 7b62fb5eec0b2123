//! `spurious-join-failure`: a join whose configuration is valid on the
//! cluster must not fail with a validation error.

use super::end_view::EndView;
use super::{Breach, Rule};

pub struct SpuriousJoinFailure;

impl Rule for SpuriousJoinFailure {
    const NAME: &'static str = "spurious-join-failure";
    const DESCRIPTION: &'static str =
        "a join whose configuration is valid on the cluster does not fail with a validation error";

    /// Joins that failed with a validation error although every group the
    /// rejected config names was in the cluster when it was read.
    fn at_end(end: &EndView, found: &mut Vec<Breach>) {
        for (node, failed) in end.failed_joins() {
            let Some(rejection) = &failed.rejection else { continue };
            let valid = rejection.referenced.iter().all(|g| rejection.cluster_groups.contains(g));
            if !valid {
                continue;
            }
            let at = match rejection.read_at {
                Some(v) => format!("at v{v}"),
                None => "now".to_string(),
            };
            found.push(Breach {
                node: Some(end.node_name(node).to_string()),
                step: failed.step.map(|s| s.to_string()),
                tick: failed.ended_tick.unwrap_or(end.tick),
                message: format!(
                    "project \"{}\" was valid on the cluster {at} (groups {{{}}}), yet the join failed: {}",
                    rejection.project,
                    rejection.cluster_groups.join(", "),
                    failed.error
                ),
            });
        }
    }
}
