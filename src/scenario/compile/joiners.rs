//! `[[joiners]]`: each joiner's target, start and attempts.

use super::compiler::Result;
use super::compiler::{Compiler, MAX_ATTEMPTS};
use crate::model::JoinerPlan;
use crate::scenario::file::{JoinerFile, ScenarioFile};
use crate::sim::NodeId;

pub(super) const DEFAULT_RETRY_AFTER_TICKS: u64 = 100;

/// A joiner's start, jitter and attempts.
pub(super) fn joiner_plan(c: &Compiler<'_>, j: &JoinerFile, key: &str, target: NodeId) -> Result<JoinerPlan> {
    let attempts = c.bounded(&j.attempts, &format!("{key}.attempts"), 1, "attempts")?;
    if !(1..=MAX_ATTEMPTS).contains(&attempts) {
        let span = j.attempts.as_ref().map(|v| v.span());
        let message = format!("must be between 1 and {MAX_ATTEMPTS}, got {attempts}");
        return Err(c.error(span, &format!("{key}.attempts"), message));
    }
    let retry_with_new_token = match &j.retry_token {
        None => true,
        Some(t) if t.get_ref() == "new" => true,
        Some(t) if t.get_ref() == "same" => false,
        Some(t) => {
            let message = format!("expected \"new\" or \"same\", got \"{}\"", t.get_ref());
            return Err(c.at(t, &format!("{key}.retry_token"), message));
        }
    };
    Ok(JoinerPlan {
        target,
        start_tick: c.ticks(&j.start, &format!("{key}.start"), 0)?,
        start_jitter_ticks: c.ticks(&j.start_jitter, &format!("{key}.start_jitter"), 0)?,
        attempts: attempts as u8,
        retry_after_ticks: c.ticks(&j.retry_after, &format!("{key}.retry_after"), DEFAULT_RETRY_AFTER_TICKS)?,
        retry_with_new_token,
    })
}

/// The member joiner `i` asks to join through. Joiners are declared after
/// the members, so a target naming a joiner (even itself) is not yet a known
/// node: say what it names rather than "unknown node".
pub(super) fn join_target(c: &Compiler<'_>, parsed: &ScenarioFile, i: usize) -> Result<NodeId> {
    let target = &parsed.joiners[i].target;
    let key = format!("joiners[{i}].target");
    if c.nodes.contains_key(target.get_ref()) {
        return c.member(target, &key);
    }
    let named = parsed.joiners.iter().position(|j| j.name.get_ref() == target.get_ref());
    let what = match named {
        Some(k) if k == i => "names this joiner itself".to_string(),
        Some(k) => format!("names a joiner (joiners[{k}])"),
        None => return c.node(target, &key),
    };
    Err(c.at(
        target,
        &key,
        format!(
            "\"{}\" {what}; a join target must be a cluster member",
            target.get_ref()
        ),
    ))
}
