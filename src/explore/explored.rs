//! A search strategy's campaign on one scenario (`explore`): the strategy
//! proposes runs, the search runs them, failures are saved and shrunk, and
//! the tally is judged as the strategy's spec says (a sample of the
//! scenario's runs, or a search).

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::campaign::Observer;
use super::failures::{self, Keep, RunIds, Seeds};
use super::outcome::{ScenarioOutcome, outcome};
use super::search::{SearchOptions, search};
use super::strategy::{self, Kind, Random, Report, Settings};
use crate::artifact::failure_file_name;
use crate::run::{RunResult, Source};
use crate::scenario::Scenario;
use crate::sim::Schedule;

/// Runs `kind`'s search on `scenario` within `options`, telling `progress`
/// of each run, and judges it.
pub fn strategy_campaign(
    scenario: Scenario,
    kind: Kind,
    settings: Settings,
    options: &SearchOptions<'_>,
    keep: &Keep,
    progress: &dyn Observer,
) -> ScenarioOutcome {
    let run_scenario = strategy::scenario_for(kind, &scenario);
    let mut strategy = strategy::make(kind, &run_scenario, settings);
    let ids = Box::new(Explored::new(kind, settings.seed));
    let mut ended = (false, Report::default());
    let runs = |observer: &dyn Observer| {
        let found = search(&run_scenario, strategy.as_mut(), options, observer);
        ended = (found.complete, found.report);
        found.campaign
    };
    let saved = failures::with_saved_failures(&run_scenario, keep, ids.as_ref(), progress, runs);
    let spec = kind.spec();
    let mut outcome = outcome(scenario, saved, spec.samples, ids, spec.swarm);
    let (complete, mut report) = ended;
    let clean = outcome.campaign.tally.violating.iter().all(|&n| n == 0);
    if spec.ends_by_itself && complete && clean {
        let bound = settings.bound;
        report
            .line
            .push_str(&format!("; no violation within {bound} deviation(s)"));
        report.json["no_violation_within"] = serde_json::Value::from(bound);
    }
    outcome.search = Some((kind.name(), report));
    outcome
}

/// How a search names its runs: by run number (from 1), each replayed by
/// its seed (random, swarm) or by its schedule, which the search keeps for
/// the first run of each failure group.
pub struct Explored {
    kind: Kind,
    seed: u64,
    schedules: Mutex<BTreeMap<u64, Schedule>>,
}

impl Explored {
    pub fn new(kind: Kind, seed: u64) -> Explored {
        Explored {
            kind,
            seed,
            schedules: Mutex::new(BTreeMap::new()),
        }
    }

    /// The seed of run `id`, for the seeded strategies.
    fn seeded(&self, id: u64) -> Option<u64> {
        self.kind.seeded().then(|| Random::seed_of(self.seed, id))
    }

    fn schedule(&self, id: u64) -> Schedule {
        let schedules = self.schedules.lock().expect("not poisoned");
        schedules.get(&id).cloned().unwrap_or_default()
    }
}

impl Observer for Explored {
    fn new_failure(&self, id: u64, result: &RunResult) {
        let mut schedules = self.schedules.lock().expect("not poisoned");
        schedules.insert(id, result.schedule());
    }
}

impl RunIds for Explored {
    fn seed(&self, id: u64) -> u64 {
        self.seeded(id).unwrap_or(0)
    }

    fn file_name(&self, scenario: &Scenario, id: u64) -> String {
        match self.seeded(id) {
            Some(seed) => failure_file_name(scenario, seed),
            None => format!(
                "{}-{}-{}-run{id}.json",
                scenario.name,
                scenario.variant(),
                self.kind.name()
            ),
        }
    }

    fn source(&self, id: u64) -> Source {
        match self.seeded(id) {
            Some(seed) => Source::Seed(seed),
            None => Source::Schedule(self.schedule(id)),
        }
    }

    fn replay(&self, scenario: &Scenario, id: u64) -> String {
        if let Some(seed) = self.seeded(id) {
            return Seeds {
                swarm: self.kind.spec().swarm,
            }
            .replay(scenario, seed);
        }
        let deviations: String = self
            .schedule(id)
            .deviations()
            .iter()
            .map(|&d| format!(" --deviation {}", crate::labels::token(d, &scenario.setup)))
            .collect();
        let deviations = if deviations.is_empty() {
            " --nominal".to_string()
        } else {
            deviations
        };
        format!(
            "joinsim trace {} --variant {}{deviations}",
            scenario.path,
            scenario.variant()
        )
    }
}
