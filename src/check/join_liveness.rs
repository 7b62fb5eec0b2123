//! `join-liveness`: once faults heal, every join completes or fails with a
//! clear error within the run's bounds.

use super::end_view::{EndView, JoinEnd};
use super::{Breach, Rule};

pub struct JoinLiveness;

impl Rule for JoinLiveness {
    const NAME: &'static str = "join-liveness";
    const DESCRIPTION: &'static str = "once faults heal every join ends within the bound";

    fn at_end(end: &EndView, found: &mut Vec<Breach>) {
        if let Some(n) = end.event_limit {
            // A runaway run: too many events, whatever the joins did.
            found.push(Breach {
                node: None,
                step: None,
                tick: end.tick,
                message: format!("the run hit its event limit ({n} events)"),
            });
        }
        for joiner in &end.joiners {
            match &joiner.end {
                JoinEnd::Completed | JoinEnd::Crashed | JoinEnd::Failed(_) => {}
                JoinEnd::Unfinished(at) => found.push(Breach {
                    node: Some(end.node_name(joiner.node).to_string()),
                    step: None,
                    tick: end.tick,
                    message: format!("the join neither completed nor failed by {}: {at}", end.bound),
                }),
            }
        }
    }
}
