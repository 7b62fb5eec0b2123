//! `joinsim explore [SCENARIO|DIR ...] --strategy random|swarm|pct|exhaustive|coverage`:
//! a search strategy's campaign per scenario, with `fuzz`'s tally, saved
//! and shrunk failure artifacts, replay commands, summary, `--json` and
//! exit codes (0 expectations met, 1 a violation or an expectation not
//! met, 2 bad input).

use std::time::Instant;

use clap::Args;

use super::fuzz::{CampaignFlags, INTERRUPTED, Reports, jobs, load_scenarios, progress, run_campaigns};
use super::{Failure, Verdict};
use crate::explore::search::SearchOptions;
use crate::explore::strategy::{Kind, Knob, Settings};
use crate::explore::{ScenarioOutcome, strategy_campaign};
use crate::scenario::Scenario;

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
    /// The strategy's settings, refusing knobs the strategy does not take
    /// (its spec's) and values below a knob's least.
    fn settings(&self) -> Result<Settings, Failure> {
        let spec = self.strategy.spec();
        for knob in Knob::ALL {
            let Some(value) = self.given(knob) else { continue };
            if !spec.takes(knob) {
                let owners: Vec<&str> = knob.owners().iter().map(|k| k.name()).collect();
                return Err(Failure::Input(format!(
                    "--{} applies to --strategy {}, not {}",
                    knob.name(),
                    owners.join(" or "),
                    spec.name
                )));
            }
            if value < knob.min() {
                return Err(Failure::Input(format!(
                    "--{} must be at least {}",
                    knob.name(),
                    knob.min()
                )));
            }
        }
        if self.no_reduction && self.strategy != Kind::Exhaustive {
            return Err(Failure::Input(format!(
                "--no-reduction applies to --strategy exhaustive, not {}",
                spec.name
            )));
        }
        let defaults = Settings::default();
        Ok(Settings {
            seed: self.seed.unwrap_or(defaults.seed),
            bound: self.bound.unwrap_or(defaults.bound),
            depth: self.depth.unwrap_or(defaults.depth),
            reduction: !self.no_reduction,
        })
    }

    /// The value given for `knob`'s flag.
    fn given(&self, knob: Knob) -> Option<u64> {
        match knob {
            Knob::Seed => self.seed,
            Knob::Bound => self.bound.map(u64::from),
            Knob::Depth => self.depth.map(u64::from),
        }
    }

    fn max_runs(&self) -> Option<u64> {
        match (self.runs, self.common.time) {
            (Some(runs), _) => Some(runs),
            (None, Some(_)) => None,
            (None, None) if self.strategy.spec().ends_by_itself => None,
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
    let mut effective = serde_json::json!({
        "scenarios": scenarios.len(),
        "strategy": args.strategy.name(),
        "runs": args.max_runs(),
        "time_secs": args.common.time.map(|t| t.as_secs()),
        "jobs": jobs,
        "variant_override": args.common.variant,
    });
    let spec = args.strategy.spec();
    for knob in Knob::ALL {
        effective[knob.name()] = serde_json::json!(spec.takes(knob).then(|| knob.get(&settings)));
    }
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
    let knobs: String = Knob::ALL.iter().map(|k| knob(k.name())).collect();
    format!(
        "{} scenario(s), strategy {}{knobs}, {runs}{time} per scenario, {} job(s)",
        s["scenarios"],
        s["strategy"].as_str().unwrap_or("?"),
        s["jobs"]
    )
}

fn explore_scenario(args: &ExploreArgs, settings: Settings, scenario: Scenario, jobs: usize) -> ScenarioOutcome {
    let options = SearchOptions {
        jobs,
        max_runs: args.max_runs(),
        deadline: args.common.time.map(|t| Instant::now() + t),
        interrupted: &INTERRUPTED,
    };
    let progress = progress::Progress::new(&scenario.name, options.max_runs, args.common.time);
    let keep = args.common.keep.keep();
    let outcome = strategy_campaign(scenario, args.strategy, settings, &options, &keep, &progress);
    progress.finish();
    outcome
}
