//! `joinsim explore [SCENARIO|DIR ...] --strategy random|swarm|pct|exhaustive|coverage`:
//! a search strategy's campaign per scenario, with `fuzz`'s tally, saved
//! and shrunk failure artifacts, replay commands, summary, `--json` and
//! exit codes (0 expectations met, 1 a violation or an expectation not
//! met, 2 bad input).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use clap::Args;

use super::fuzz::failures::{self, RunIds, Seeds};
use super::fuzz::{
    CampaignFlags, INTERRUPTED, Reports, ScenarioOutcome, jobs, load_scenarios, outcome, progress, run_campaigns,
};
use super::{Failure, Verdict};
use crate::artifact::failure_file_name;
use crate::explore::campaign::Observer;
use crate::explore::search::{SearchOptions, search};
use crate::explore::strategy::{self, Kind, Random, Report, Settings};
use crate::run::{RunResult, Source};
use crate::scenario::Scenario;
use crate::sim::Schedule;

#[derive(Args, Debug)]
pub struct ExploreArgs {
    #[command(flatten)]
    pub common: CampaignFlags,
    /// The search strategy.
    #[arg(long, default_value = "random", value_parser = parse_strategy)]
    pub strategy: Kind,
    /// Stop each scenario's search after this many runs (default: 100000;
    /// exhaustive: none, it ends when its bound is covered).
    #[arg(long)]
    pub runs: Option<u64>,
    /// Exhaustive: the most deviations a schedule may have (default 2).
    #[arg(long)]
    pub bound: Option<u32>,
    /// PCT: the depth of the bugs it targets, 1 + its priority change
    /// points (default 3).
    #[arg(long)]
    pub depth: Option<u32>,
    /// The strategy's own seed (random, swarm, pct, coverage; default 0).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Exhaustive: run every last deviation, without partial-order
    /// reduction (to measure what it saves, or to check what it keeps).
    #[arg(long)]
    pub no_reduction: bool,
}

/// Runs per scenario when neither --runs nor --time is given (all but
/// exhaustive search, which ends by itself).
const DEFAULT_RUNS: u64 = 100_000;

fn parse_strategy(name: &str) -> Result<Kind, String> {
    Kind::parse(name).ok_or_else(|| {
        let known: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
        format!("unknown strategy \"{name}\" (known: {})", known.join(", "))
    })
}

impl ExploreArgs {
    /// The strategy's settings, refusing knobs the strategy does not have.
    fn settings(&self) -> Result<Settings, Failure> {
        let kind = self.strategy;
        let refuse = |flag: &str, owner: &str| {
            Failure::Input(format!("{flag} applies to --strategy {owner}, not {}", kind.name()))
        };
        if self.bound.is_some() && kind != Kind::Exhaustive {
            return Err(refuse("--bound", "exhaustive"));
        }
        if self.no_reduction && kind != Kind::Exhaustive {
            return Err(refuse("--no-reduction", "exhaustive"));
        }
        if self.depth.is_some() && kind != Kind::Pct {
            return Err(refuse("--depth", "pct"));
        }
        if self.seed.is_some() && kind == Kind::Exhaustive {
            return Err(Failure::Input(
                "--seed: exhaustive search has no seed (it is deterministic)".to_string(),
            ));
        }
        if self.depth == Some(0) {
            return Err(Failure::Input("--depth must be at least 1".to_string()));
        }
        let defaults = Settings::default();
        Ok(Settings {
            seed: self.seed.unwrap_or(defaults.seed),
            bound: self.bound.unwrap_or(defaults.bound),
            depth: self.depth.unwrap_or(defaults.depth),
            reduction: !self.no_reduction,
        })
    }

    fn max_runs(&self) -> Option<u64> {
        match (self.runs, self.common.time) {
            (Some(runs), _) => Some(runs),
            (None, Some(_)) => None,
            (None, None) if self.strategy == Kind::Exhaustive => None,
            (None, None) => Some(DEFAULT_RUNS),
        }
    }
}

pub fn explore(args: &ExploreArgs) -> Result<Verdict, Failure> {
    let settings = args.settings()?;
    if args.runs == Some(0) {
        return Err(Failure::Input("--runs must be at least 1".to_string()));
    }
    let jobs = jobs(args.common.jobs)?;
    let scenarios = load_scenarios(&args.common.scenarios, args.common.variant.as_deref())?;
    let effective = serde_json::json!({
        "scenarios": scenarios.len(),
        "strategy": args.strategy.name(),
        "seed": (args.strategy != Kind::Exhaustive).then_some(settings.seed),
        "bound": (args.strategy == Kind::Exhaustive).then_some(settings.bound),
        "depth": (args.strategy == Kind::Pct).then_some(settings.depth),
        "runs": args.max_runs(),
        "time_secs": args.common.time.map(|t| t.as_secs()),
        "jobs": jobs,
        "variant_override": args.common.variant,
    });
    println!("explore: {}", settings_line(&effective));
    let reports = Reports {
        json: args.common.json.as_ref(),
        junit: None,
        html: None,
        settings_line: settings_line(&effective),
        settings: effective,
        shrink: !args.common.keep.no_shrink,
    };
    run_campaigns(scenarios, reports, &mut |scenario| {
        explore_scenario(args, settings, scenario, jobs)
    })
}

fn settings_line(s: &serde_json::Value) -> String {
    let knob = |name: &str| match &s[name] {
        serde_json::Value::Null => String::new(),
        value => format!(" {name} {value}"),
    };
    let runs = s["runs"]
        .as_u64()
        .map_or("no run limit".to_string(), |r| format!("at most {r} runs"));
    let time = s["time_secs"].as_u64().map_or(String::new(), |t| format!(" or {t}s"));
    format!(
        "{} scenario(s), strategy {}{}{}{}, {runs}{time} per scenario, {} job(s)",
        s["scenarios"],
        s["strategy"].as_str().unwrap_or("?"),
        knob("seed"),
        knob("bound"),
        knob("depth"),
        s["jobs"]
    )
}

fn explore_scenario(args: &ExploreArgs, settings: Settings, scenario: Scenario, jobs: usize) -> ScenarioOutcome {
    let kind = args.strategy;
    let run_scenario = strategy::scenario_for(kind, &scenario);
    let mut strategy = strategy::make(kind, &run_scenario, settings);
    let ids = Box::new(Explored::new(kind, settings.seed));
    let options = SearchOptions {
        jobs,
        max_runs: args.max_runs(),
        deadline: args.common.time.map(|t| Instant::now() + t),
        interrupted: &INTERRUPTED,
    };
    let progress = progress::Progress::new(&scenario.name, options.max_runs, args.common.time);
    let mut ended = (false, Report::default());
    let runs = |observer: &dyn Observer| {
        let found = search(&run_scenario, strategy.as_mut(), &options, observer);
        ended = (found.complete, found.report);
        found.campaign
    };
    let saved = failures::with_saved_failures(&run_scenario, &args.common.keep, ids.as_ref(), &progress, runs);
    progress.finish();
    let mut outcome = outcome(scenario, saved, kind.samples(), ids, kind == Kind::Swarm);
    let (complete, mut report) = ended;
    let clean = outcome.campaign.tally.violating.iter().all(|&n| n == 0);
    if kind == Kind::Exhaustive && complete && clean {
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
struct Explored {
    kind: Kind,
    seed: u64,
    schedules: Mutex<BTreeMap<u64, Schedule>>,
}

impl Explored {
    fn new(kind: Kind, seed: u64) -> Explored {
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
                swarm: self.kind == Kind::Swarm,
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
