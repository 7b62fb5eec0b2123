//! One scenario's campaign judged: its failures saved and shrunk
//! ([`super::failures`]), then its tally held to the scenario's
//! expectations, as a sample of its runs or as a search.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::campaign::{CampaignOptions, Observer, run_campaign};
use super::failures::{self, Keep, RunIds, Seeds};
use super::strategy::Report;
use super::{BandReport, Campaign, FailureKey, bands, judge, judge_search, warnings};
use crate::scenario::Scenario;

/// One scenario's campaign and what it says about the expectations.
pub struct ScenarioOutcome {
    pub scenario: Scenario,
    pub campaign: Campaign,
    /// Human-readable reasons the campaign failed; empty when it passed.
    pub problems: Vec<String>,
    /// The saved artifact of each failure group, if any.
    pub artifacts: BTreeMap<FailureKey, PathBuf>,
    /// The campaign ran with `--swarm` (replays need it too).
    pub swarm: bool,
    /// Each rate band of the scenario and how the campaign checked it.
    pub bands: Vec<BandReport>,
    /// The scenario's warnings and the campaign's (e.g. an admin command
    /// that failed in every run).
    pub warnings: Vec<String>,
    /// How the campaign names its runs (seeds, or a strategy's run
    /// numbers) and how each is replayed.
    pub ids: Box<dyn RunIds>,
    /// What a search strategy reported about its own search (`explore`).
    pub search: Option<(&'static str, Report)>,
}

/// One scenario's campaign as [`failures::with_saved_failures`] left it,
/// judged: as a random sample of the scenario's runs (fuzz, and explore's
/// seeded strategies: rate bands checked) or as a search (expected
/// violations found at all, unexpected ones not).
pub fn outcome(
    scenario: Scenario,
    saved: failures::Saved,
    sample: bool,
    ids: Box<dyn RunIds>,
    swarm: bool,
) -> ScenarioOutcome {
    let campaign = saved.campaign;
    let mut problems = if sample {
        judge(&scenario, &campaign)
    } else {
        judge_search(&scenario, &campaign)
    };
    problems.extend(saved.problems);
    ScenarioOutcome {
        bands: if sample {
            bands(&scenario, &campaign)
        } else {
            Vec::new()
        },
        warnings: warnings(&scenario, &campaign),
        scenario,
        campaign,
        problems,
        artifacts: saved.artifacts,
        swarm,
        ids,
        search: None,
    }
}

/// `fuzz`'s campaign on one scenario: its seeds run within `options`
/// (telling `progress` of each), failures saved and shrunk, judged as a
/// sample of the scenario's runs. Swarm seeds sample another distribution
/// than the scenario's (each switches fault kinds off), so the pinned bands
/// do not apply: judged as `explore --strategy swarm` is.
pub fn seed_campaign(
    scenario: Scenario,
    options: &CampaignOptions<'_>,
    keep: &Keep,
    progress: &dyn Observer,
) -> ScenarioOutcome {
    let run_scenario = scenario.with_swarm(options.swarm);
    let ids = Box::new(Seeds { swarm: options.swarm });
    let runs = |observer: &dyn Observer| run_campaign(&scenario, options, observer);
    let saved = failures::with_saved_failures(&run_scenario, keep, ids.as_ref(), progress, runs);
    outcome(scenario, saved, !options.swarm, ids, options.swarm)
}
