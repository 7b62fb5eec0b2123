//! `[limits]` and `[campaign]`: the bounds of a run and of a campaign.

use super::compiler::Compiler;
use super::compiler::Result;
use crate::model::{Role, StepFaults};
use crate::scenario::file::ScenarioFile;
use crate::scenario::{CrashPlan, Limits, PausePlan};
use crate::sim::NetworkConfig;

pub(super) const DEFAULT_MAX_EVENTS: u64 = 100_000;
pub(super) const DEFAULT_LIVENESS_TICKS: u64 = 5_000;

/// `[campaign] seeds`: at least one, at most [`MAX_TICKS`].
pub(super) fn campaign_seeds(c: &Compiler<'_>, parsed: &ScenarioFile) -> Result<Option<u64>> {
    let Some(seeds) = &parsed.campaign.seeds else {
        return Ok(None);
    };
    match c.bounded(&parsed.campaign.seeds, "campaign.seeds", 0, "seeds")? {
        0 => Err(c.at(seeds, "campaign.seeds", "must be at least 1")),
        n => Ok(Some(n)),
    }
}

/// The run's bounds: faults heal at the last fault tick; every join must end
/// within `liveness_ticks` after that (or after the last scripted start).
pub(super) fn limits(
    c: &Compiler<'_>,
    parsed: &ScenarioFile,
    network: &NetworkConfig,
    (crashes, pauses): (&[CrashPlan], &[PausePlan]),
    faults: &StepFaults,
) -> Result<Limits> {
    let l = &parsed.limits;
    let max_events = c.bounded(&l.max_events, "limits.max_events", DEFAULT_MAX_EVENTS, "events")?;
    let liveness = c.ticks(&l.liveness_ticks, "limits.liveness_ticks", DEFAULT_LIVENESS_TICKS)?;
    let mut heal = network.last_fault_tick();
    for crash in crashes {
        let restart = crash.restart_after_ticks.unwrap_or(0);
        heal = heal.max(crash.at_tick.saturating_add(crash.jitter_ticks).saturating_add(restart));
    }
    for pause in pauses {
        let resume = pause.at_tick.saturating_add(pause.jitter_ticks);
        heal = heal.max(resume.saturating_add(pause.resume_after_ticks));
    }
    if !faults.random.is_never() || !faults.transaction.is_never() || !faults.leader_change.is_never() {
        heal = heal.max(faults.random_until_tick);
    }
    for role in &c.roles {
        match role {
            Role::Joiner(p) => heal = heal.max(p.start_tick.saturating_add(p.start_jitter_ticks)),
            Role::Admin(p) => heal = heal.max(p.start_tick.saturating_add(p.start_jitter_ticks)),
            Role::Member => {}
        }
    }
    Ok(Limits {
        max_events,
        max_ticks: heal.saturating_add(liveness),
    })
}
