//! `join-liveness`: once faults heal, every join completes or fails with a
//! clear error within the run's bounds.

use super::{Breach, End, LimitHit, Rule};
use crate::model::joiner::{JoinStatus, Joiner};

pub struct JoinLiveness;

impl Rule for JoinLiveness {
    const NAME: &'static str = "join-liveness";
    const DESCRIPTION: &'static str = "once faults heal every join ends within the bound";

    fn at_end(end: &End, found: &mut Vec<Breach>) {
        let world = end.world;
        let names = &world.setup.names;
        if let Some(LimitHit::Events(n)) = end.limit {
            // A runaway run: too many events, whatever the joins did.
            found.push(Breach {
                node: None,
                step: None,
                tick: end.tick,
                message: format!("the run hit its event limit ({n} events)"),
            });
        }
        for node in world.setup.joiners() {
            let Some(joiner) = world.joiner_state(node) else {
                continue;
            };
            match joiner.status {
                JoinStatus::Failed | JoinStatus::Completed | JoinStatus::Crashed => {}
                JoinStatus::NotStarted | JoinStatus::Running(_) | JoinStatus::Reverting => found.push(Breach {
                    node: Some(names.node_str(node).to_string()),
                    step: None,
                    tick: end.tick,
                    message: unfinished(joiner, end.limit),
                }),
            }
        }
    }
}

fn unfinished(joiner: &Joiner, limit: Option<&LimitHit>) -> String {
    let at = match joiner.status {
        JoinStatus::Running(step) => format!("still at {step}"),
        JoinStatus::Reverting => "still reverting".to_string(),
        _ if joiner.attempt > 0 => format!("attempt {} never started", joiner.attempt + 1),
        _ => "never started".to_string(),
    };
    let end = match limit {
        Some(LimitHit::Ticks(t)) => format!("its time limit (t={t})"),
        Some(LimitHit::Events(n)) => format!("its event limit ({n} events)"),
        None => "the end of the run".to_string(),
    };
    format!("the join neither completed nor failed by {end}: {at}")
}
