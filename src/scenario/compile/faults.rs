//! `[faults]`: crashes, pauses and step errors.

use super::compiler::Result;
use super::compiler::{Compiler, MAX_ATTEMPTS};
use crate::model::step::Step;
use crate::model::{FixedFault, Role, StepFaults};
use crate::scenario::file::{ScenarioFile, Text};
use crate::scenario::{CrashPlan, PausePlan};
use crate::sim::NodeId;

pub(super) fn crashes(c: &Compiler<'_>, parsed: &ScenarioFile) -> Result<Vec<CrashPlan>> {
    let mut plans = Vec::new();
    for (i, crash) in parsed.faults.crashes.iter().enumerate() {
        let key = format!("faults.crashes[{i}]");
        let node = faulted_node(
            c,
            &crash.node,
            &key,
            "admin clients do not crash; crash a member or a joiner",
        )?;
        let restart_after_ticks = match &crash.restart_after {
            None => None,
            Some(_) => Some(c.ticks(&crash.restart_after, &format!("{key}.restart_after"), 0)?),
        };
        plans.push(CrashPlan {
            node,
            at_tick: c.ticks(&Some(crash.at.clone()), &format!("{key}.at"), 0)?,
            jitter_ticks: c.ticks(&crash.jitter, &format!("{key}.jitter"), 0)?,
            restart_after_ticks,
        });
    }
    Ok(plans)
}

/// The member or joiner `text` names at `key.node` (an admin client is
/// refused with `refusal`: it runs in no daemon).
fn faulted_node(c: &Compiler<'_>, text: &Text, key: &str, refusal: &str) -> Result<NodeId> {
    let node = c.node(text, &format!("{key}.node"))?;
    if matches!(c.roles[usize::from(node)], Role::Admin(_)) {
        return Err(c.at(text, &format!("{key}.node"), refusal));
    }
    Ok(node)
}

pub(super) fn pauses(c: &Compiler<'_>, parsed: &ScenarioFile) -> Result<Vec<PausePlan>> {
    let mut plans = Vec::new();
    for (i, pause) in parsed.faults.pauses.iter().enumerate() {
        let key = format!("faults.pauses[{i}]");
        let refusal = "admin clients run in no daemon to pause; pause a member or a joiner";
        let node = faulted_node(c, &pause.node, &key, refusal)?;
        let resume_after_ticks = c.ticks(&Some(pause.resume_after.clone()), &format!("{key}.resume_after"), 0)?;
        if resume_after_ticks == 0 {
            return Err(c.error(
                Some(pause.resume_after.span()),
                &format!("{key}.resume_after"),
                "must be at least 1 tick (a pause that ends as it starts pauses nothing)",
            ));
        }
        plans.push(PausePlan {
            node,
            at_tick: c.ticks(&Some(pause.at.clone()), &format!("{key}.at"), 0)?,
            jitter_ticks: c.ticks(&pause.jitter, &format!("{key}.jitter"), 0)?,
            resume_after_ticks,
        });
    }
    Ok(plans)
}

pub(super) fn step_faults(c: &mut Compiler<'_>, parsed: &ScenarioFile) -> Result<StepFaults> {
    let f = &parsed.faults;
    let mut fixed = Vec::new();
    for (i, e) in f.step_errors.iter().enumerate() {
        let key = format!("faults.step_errors[{i}]");
        let step = Step::parse(e.step.get_ref())
            .filter(|s| *s != Step::Revert)
            .ok_or_else(|| c.at(&e.step, &format!("{key}.step"), unknown_step(e.step.get_ref())))?;
        let joiner = match &e.joiner {
            None => None,
            Some(j) => {
                let node = c.node(j, &format!("{key}.joiner"))?;
                if !matches!(c.roles[usize::from(node)], Role::Joiner(_)) {
                    return Err(c.at(
                        j,
                        &format!("{key}.joiner"),
                        format!("\"{}\" is not a joiner", j.get_ref()),
                    ));
                }
                Some(node)
            }
        };
        let attempt = match &e.attempt {
            None => None,
            Some(a) if (1..=MAX_ATTEMPTS as i64).contains(a.get_ref()) => Some(*a.get_ref() as u8),
            Some(a) => {
                let message = format!("must be between 1 and {MAX_ATTEMPTS}, got {}", a.get_ref());
                return Err(c.at(a, &format!("{key}.attempt"), message));
            }
        };
        fixed.push(FixedFault { joiner, step, attempt });
    }
    let mutex_handoff_any = match f.mutex_handoff.as_ref().map(|t| t.get_ref().as_str()) {
        None | Some("fifo") => false,
        Some("any") => true,
        Some(other) => {
            let text = f.mutex_handoff.as_ref().expect("set");
            let message = format!("expected \"fifo\" or \"any\", got \"{other}\"");
            return Err(c.at(text, "faults.mutex_handoff", message));
        }
    };
    Ok(StepFaults {
        fixed,
        random: c.ratio(&f.random_step_error, "faults.random_step_error")?,
        random_until_tick: c.ticks(&f.until, "faults.until", 1_000)?,
        transaction: c.ratio(&f.transaction_retry, "faults.transaction_retry")?,
        leader_change: c.ratio(&f.leader_change, "faults.leader_change")?,
        local_work_max_ticks: c.ticks(&f.local_work_max, "faults.local_work_max", 0)?,
        mutex_handoff_any,
    })
}

/// Why `text` names no single join step. A code such as `J5` that several
/// steps share is ambiguous rather than unknown: list what it could mean, in
/// the forms [`Step::parse`] accepts.
pub(super) fn unknown_step(text: &str) -> String {
    let sharing: Vec<String> = Step::ALL
        .iter()
        .filter(|s| s.code() == text && **s != Step::Revert)
        .map(|s| format!("{:?} ({})", s, s.name()))
        .collect();
    if sharing.is_empty() {
        format!("unknown join step \"{text}\" (use J0..J15 or a step name, e.g. AddToDefaultGroup)")
    } else {
        format!(
            "join step code \"{text}\" is ambiguous: it names {}; give one of these names instead",
            sharing.join(", ")
        )
    }
}
