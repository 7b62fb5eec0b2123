//! `joinsim fuzz [SCENARIO|DIR ...]`: a seed campaign per scenario, checked
//! against each scenario's expectations.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use clap::Args;

use super::{Failure, Verdict, bundled_scenarios, load_scenario};
use crate::check::Invariant;
use crate::explore::{Campaign, CampaignOptions, SeedRange, Shard, judge, run_campaign};
use crate::scenario::Scenario;

#[derive(Args, Debug)]
pub struct FuzzArgs {
    /// Scenario files or folders of them (default: scenarios/).
    pub scenarios: Vec<PathBuf>,
    /// Run seeds 1..=N per scenario.
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub seeds: Option<u64>,
    /// First seed of the range (with --to).
    #[arg(long, requires = "to")]
    pub from: Option<u64>,
    /// Last seed of the range (with --from).
    #[arg(long, requires = "from")]
    pub to: Option<u64>,
    /// Stop each scenario's campaign after this long (e.g. 30s, 5m).
    #[arg(long, value_parser = parse_duration)]
    pub time: Option<Duration>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Run only shard I of N of the seed space (e.g. 2/3).
    #[arg(long, value_parser = Shard::parse)]
    pub shard: Option<Shard>,
    /// Override every scenario's protocol variant.
    #[arg(long)]
    pub variant: Option<String>,
    /// Swarm testing: each seed also picks which fault kinds it enables.
    #[arg(long)]
    pub swarm: bool,
    /// Run each seed twice and fail on any trace-hash difference.
    #[arg(long)]
    pub check_determinism: bool,
}

/// Seeds per scenario when neither --seeds, --from/--to nor --time is given:
/// about a minute for the bundled scenarios on 2 cores, release build.
const DEFAULT_SEEDS: u64 = 20_000;

fn parse_duration(text: &str) -> Result<Duration, String> {
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: u64 = number
        .parse()
        .map_err(|_| format!("expected a duration like 30s or 5m, got \"{text}\""))?;
    let seconds = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("unknown unit \"{unit}\" in \"{text}\" (use s, m or h)")),
    };
    if seconds == 0 {
        return Err("--time must be positive".to_string());
    }
    Ok(Duration::from_secs(seconds))
}

impl FuzzArgs {
    fn range(&self) -> Result<SeedRange, Failure> {
        let range = match (self.seeds, self.from, self.to) {
            (Some(n), _, _) => SeedRange { from: 1, to: n },
            (None, Some(from), Some(to)) => SeedRange { from, to },
            _ if self.time.is_some() => SeedRange {
                from: 1,
                to: u64::MAX - 1,
            },
            _ => SeedRange {
                from: 1,
                to: DEFAULT_SEEDS,
            },
        };
        if range.is_empty() {
            return Err(Failure::Input(format!("empty seed range {}..{}", range.from, range.to)));
        }
        Ok(range)
    }

    fn scenario_paths(&self) -> Result<Vec<PathBuf>, Failure> {
        let inputs = if self.scenarios.is_empty() {
            vec![PathBuf::from("scenarios")]
        } else {
            self.scenarios.clone()
        };
        let mut paths = Vec::new();
        for input in inputs {
            if input.is_dir() {
                paths.extend(bundled_scenarios(&input)?);
            } else {
                paths.push(input);
            }
        }
        Ok(paths)
    }
}

/// One scenario's campaign and what it says about the expectations.
pub struct ScenarioOutcome {
    pub scenario: Scenario,
    pub campaign: Campaign,
    /// Human-readable reasons the campaign failed; empty when it passed.
    pub problems: Vec<String>,
}

pub fn fuzz(args: &FuzzArgs) -> Result<Verdict, Failure> {
    let range = args.range()?;
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if jobs == 0 {
        return Err(Failure::Input("--jobs must be at least 1".to_string()));
    }
    let shard = args.shard.unwrap_or(Shard::WHOLE);
    let scenarios = args
        .scenario_paths()?
        .iter()
        .map(|p| load_scenario(p, args.variant.as_deref()))
        .collect::<Result<Vec<_>, _>>()?;
    println!(
        "fuzz: {} scenario(s), seeds {}..{}{}, shard {}/{}, {} job(s){}{}",
        scenarios.len(),
        range.from,
        if args.time.is_some() && args.seeds.is_none() && args.to.is_none() {
            "".to_string()
        } else {
            range.to.to_string()
        },
        args.time
            .map_or(String::new(), |t| format!(" or {}s each", t.as_secs())),
        shard.index,
        shard.count,
        jobs,
        if args.swarm { ", swarm" } else { "" },
        if args.check_determinism {
            ", determinism check"
        } else {
            ""
        },
    );
    let interrupted = AtomicBool::new(false);
    let mut outcomes = Vec::new();
    for scenario in scenarios {
        let options = CampaignOptions {
            range,
            shard,
            jobs,
            deadline: args.time.map(|t| Instant::now() + t),
            swarm: args.swarm,
            check_determinism: args.check_determinism,
            interrupted: &interrupted,
        };
        let campaign = run_campaign(&scenario, &options, &crate::explore::campaign::Quiet);
        let problems = judge(&scenario, &campaign);
        outcomes.push(ScenarioOutcome {
            scenario,
            campaign,
            problems,
        });
    }
    print!("{}", summary(&outcomes));
    let failed = outcomes.iter().any(|o| !o.problems.is_empty());
    Ok(if failed { Verdict::Violated } else { Verdict::Clean })
}

/// The per-scenario table printed at the end.
pub fn summary(outcomes: &[ScenarioOutcome]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{:<34} {:<20} {:>9} {:>10} {:>9}  violations (runs) per invariant",
        "scenario", "variant", "runs", "runs/s", "distinct"
    );
    for o in outcomes {
        let t = &o.campaign.tally;
        let per_second = t.runs as f64 / o.campaign.elapsed.as_secs_f64().max(1e-9);
        let broken: Vec<String> = Invariant::ALL
            .iter()
            .filter(|i| t.violating(**i) > 0)
            .map(|i| format!("{}={}", i.name(), t.violating(*i)))
            .collect();
        let _ = writeln!(
            out,
            "{:<34} {:<20} {:>9} {:>10.0} {:>9}  {}",
            o.scenario.name,
            o.scenario.variant().name(),
            t.runs,
            per_second,
            t.groups.len(),
            if broken.is_empty() {
                "-".to_string()
            } else {
                broken.join(" ")
            }
        );
    }
    let mut failed = 0;
    for o in outcomes.iter().filter(|o| !o.problems.is_empty()) {
        failed += 1;
        let _ = writeln!(out, "FAILED {} ({}):", o.scenario.name, o.scenario.path);
        for p in &o.problems {
            let _ = writeln!(out, "  {p}");
        }
    }
    let _ = writeln!(
        out,
        "{} of {} scenario(s) met their expectations",
        outcomes.len() - failed,
        outcomes.len()
    );
    out
}
