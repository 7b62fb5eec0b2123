//! `joinsim bench --shrink [--seeds N]`: shrinks the failures of a
//! scenario's seeds 1..=N with joinsim's shrinker and with proptest's own
//! shrinking of the same `Vec<u32>`, and prints a table per shrinker.
//! Exit 1 if joinsim's result is longer than proptest's on any case.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;

use super::{Failure, Verdict, load_scenario};
use crate::check::Invariant;
use crate::run::{RunOptions, Schedule, run};
use crate::scenario::Scenario;
use crate::shrink::{Budget, ShrinkResult, nonzero, proptest_shrink, shrink};

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Benchmark shrinking (the only benchmark so far).
    #[arg(long)]
    pub shrink: bool,
    /// Seeds 1..=N are run; each failing one is shrunk.
    #[arg(long, default_value_t = 200)]
    pub seeds: u64,
    /// The scenario whose failures are shrunk.
    #[arg(long, default_value = "scenarios/groups-first-race.toml")]
    pub scenario: PathBuf,
    /// The most runs each shrinker may make per case.
    #[arg(long, default_value_t = Budget::default().max_runs)]
    pub max_runs: u64,
}

pub fn bench(args: &BenchArgs) -> Result<Verdict, Failure> {
    if !args.shrink {
        return throughput(args);
    }
    shrink_bench(args)
}

/// The throughput benchmark (runs/s, events/s) lands with the fuzz issue.
fn throughput(_args: &BenchArgs) -> Result<Verdict, Failure> {
    Err(Failure::Input(
        "the throughput benchmark lands with the fuzz issue; use --shrink".into(),
    ))
}

/// One shrinker's result on one case.
struct Measure {
    length: usize,
    nonzero: usize,
    events: u64,
    runs: u64,
    wall: Duration,
}

fn measure(scenario: &Scenario, result: &ShrinkResult, wall: Duration) -> Measure {
    let replayed = run(
        scenario,
        &Schedule::Replay(result.choices.clone()),
        RunOptions::default(),
    );
    Measure {
        length: result.choices.len(),
        nonzero: nonzero(&result.choices),
        events: replayed.events,
        runs: result.runs,
        wall,
    }
}

fn shrink_bench(args: &BenchArgs) -> Result<Verdict, Failure> {
    let scenario = load_scenario(&args.scenario, None)?;
    let max_runs = u32::try_from(args.max_runs)
        .map_err(|_| Failure::Input(format!("--max-runs: {} is above {}", args.max_runs, u32::MAX)))?;
    let budget = Budget {
        max_runs: args.max_runs,
    };
    let (mut ours, mut theirs, mut longer) = (Vec::new(), Vec::new(), Vec::new());
    for seed in 1..=args.seeds {
        let found = run(&scenario, &Schedule::Seed(seed), RunOptions::default());
        let Some(target) = found.first_violation().map(|v| v.invariant) else {
            continue;
        };
        let (joinsim, proptest) = shrink_both(&scenario, &found.choices, target, budget, max_runs);
        if joinsim.length > proptest.length {
            longer.push(seed);
        }
        ours.push(joinsim);
        theirs.push(proptest);
    }
    print_table(args, &scenario, &ours, &theirs);
    if !longer.is_empty() {
        println!("joinsim's result is longer than proptest's on seeds {longer:?}");
        return Ok(Verdict::Violated);
    }
    println!(
        "joinsim's result is no longer than proptest's on every case ({})",
        ours.len()
    );
    Ok(Verdict::Clean)
}

fn shrink_both(
    scenario: &Scenario,
    choices: &[u32],
    target: Invariant,
    budget: Budget,
    max_runs: u32,
) -> (Measure, Measure) {
    let started = Instant::now();
    let joinsim = shrink(scenario, choices, target, budget);
    let joinsim = measure(scenario, &joinsim, started.elapsed());
    let started = Instant::now();
    let proptest = proptest_shrink(scenario, choices, target, max_runs);
    let proptest = measure(scenario, &proptest, started.elapsed());
    (joinsim, proptest)
}

fn print_table(args: &BenchArgs, scenario: &Scenario, ours: &[Measure], theirs: &[Measure]) {
    println!(
        "shrinking the failures of {} ({}) in seeds 1..={}: {} case(s)",
        scenario.name,
        scenario.variant(),
        args.seeds,
        ours.len()
    );
    println!(
        "| shrinker | length median / max | non-zero median / max | trace events median / max | runs median / max | wall ms median / max |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, measures) in [("joinsim", ours), ("proptest", theirs)] {
        let column = |f: &dyn Fn(&Measure) -> u64| {
            let (median, max) = median_max(measures.iter().map(f).collect());
            format!("{median} / {max}")
        };
        let wall = |m: &Measure| m.wall.as_micros() as u64;
        let (wall_median, wall_max) = median_max(measures.iter().map(wall).collect());
        println!(
            "| {name} | {} | {} | {} | {} | {:.1} / {:.1} |",
            column(&|m| m.length as u64),
            column(&|m| m.nonzero as u64),
            column(&|m| m.events),
            column(&|m| m.runs),
            wall_median as f64 / 1000.0,
            wall_max as f64 / 1000.0
        );
    }
}

/// The median (lower middle for an even count) and the maximum; 0 for none.
fn median_max(mut values: Vec<u64>) -> (u64, u64) {
    values.sort_unstable();
    let median = values.get(values.len().saturating_sub(1) / 2).copied().unwrap_or(0);
    (median, values.last().copied().unwrap_or(0))
}
