//! `joinsim bench`: runs/s and events/s per core for every bundled scenario
//! and variant, tracing off (`--json` for a machine-readable list).
//!
//! `joinsim bench --scale`: the same for generated scale scenarios of 3 to
//! 100 members and 1 to 20 joiners, and how the cost of an event grows.
//!
//! `joinsim bench --shrink [--seeds N]`: shrinks the failures of a
//! scenario's seeds 1..=N with joinsim's shrinker and with proptest's own
//! shrinking of the same deviations, and prints a table per shrinker.
//! Exit 1 if joinsim's result has more deviations than proptest's on any
//! case, or a shrunk case left its failure group.
//!
//! `joinsim bench --search [--campaigns N]`: runs and wall time to the
//! first hit of each failure group of each bundled scenario, per search
//! strategy (`explore::search_bench`).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;

use super::{Failure, Verdict, load_scenario};
use crate::run::{RunOptions, Source, run};
use crate::scenario::Scenario;
use crate::shrink::{Budget, ShrinkResult, Target, proptest_shrink, shrink};
use crate::sim::Schedule;

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Benchmark shrinking instead of throughput.
    #[arg(long)]
    pub shrink: bool,
    /// Benchmark the search strategies: runs and time to a first hit.
    #[arg(long, conflicts_with = "shrink")]
    pub search: bool,
    /// Search: campaigns per seeded strategy (strategy seeds 0..N).
    #[arg(long, default_value_t = 20, requires = "search")]
    pub campaigns: u64,
    /// Search: the most runs of one campaign of a seeded strategy.
    #[arg(long, default_value_t = 20_000, requires = "search")]
    pub campaign_runs: u64,
    /// Search: the most runs of exhaustive search, over all its bounds.
    #[arg(long, default_value_t = 1_000_000, requires = "search")]
    pub exhaustive_runs: u64,
    /// Search: exhaustive search deepens up to this bound.
    #[arg(long, default_value_t = 5, requires = "search")]
    pub max_bound: u32,
    /// Search, with --bounds: the most states each search over orders
    /// records.
    #[arg(long, default_value_t = 10_000_000, requires = "bounds")]
    pub max_states: u64,
    /// Search: instead of runs to a first hit, exhaustive search alone at
    /// each bound from 1 to --max-bound (each within --exhaustive-runs),
    /// with and without partial-order reduction, on one thread: schedules,
    /// distinct states, pruned subtrees, reduced last deviations, time to a
    /// first hit and to exhaust the bound; then the search over orders of
    /// each scenario (`joinsim orders`), every order and within 1 to
    /// --max-bound deviations, each within --max-states states.
    #[arg(long, requires = "search")]
    pub bounds: bool,
    /// Search: campaigns run side by side (default: all cores).
    #[arg(long, requires = "search")]
    pub jobs: Option<usize>,
    /// Throughput of generated scale scenarios (`joinsim gen-scale`) of 3,
    /// 10, 30 and 100 members with 1, 5 and 20 joiners, instead of the
    /// bundled scenarios: how the cost of an event grows with the cluster.
    #[arg(long, conflicts_with_all = ["shrink", "dir"])]
    pub scale: bool,
    /// Print JSON instead of the table: throughput, a list of {scenario,
    /// variant, runs_per_sec, events_per_sec}; shrinking, an object with
    /// cases, median_runs, max_runs and same_group.
    #[arg(long)]
    pub json: bool,
    /// Throughput: seconds to measure each scenario and variant.
    #[arg(long, default_value_t = 1.0, conflicts_with = "shrink")]
    pub seconds: f64,
    /// Throughput and search: where the scenarios are (default: scenarios/
    /// here or in the repository around the current folder).
    #[arg(long, conflicts_with = "shrink")]
    pub dir: Option<PathBuf>,
    /// Seeds 1..=N are run; each failing one is shrunk.
    #[arg(long, default_value_t = 200)]
    pub seeds: u64,
    /// The scenario whose failures are shrunk (default: the bundled
    /// groups-first-race.toml).
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// The most runs each shrinker may make per case.
    #[arg(long, default_value_t = Budget::default().max_runs)]
    pub max_runs: u64,
    /// Time real tries (`joinsim real`) of a 3-member, 1-joiner cluster,
    /// each from nothing to torn down: median and maximum.
    #[arg(long, conflicts_with_all = ["shrink", "search", "scale"])]
    pub real: bool,
    /// Real: how many tries.
    #[arg(long, default_value_t = 5, requires = "real")]
    pub tries: u64,
}

/// The cluster `bench --real` times: three members, a pool, one joiner.
const REAL_BENCH_SCENARIO: &str = r#"
description = "bench --real: a 3-member cluster with a pool, and one joiner"
variant = "features-only"
[cluster]
members = ["m1", "m2", "m3"]
leader = "m1"
[[cluster.pools]]
name = "local"
[[joiners]]
name = "j1"
target = "m2"
"#;

/// `--real`: the time of a try from nothing to torn down, median and max.
fn real_bench(args: &BenchArgs) -> Result<Verdict, Failure> {
    let scenario = Scenario::parse("bench-real", "bench --real", REAL_BENCH_SCENARIO)?;
    crate::real::available().map_err(Failure::Input)?;
    let _ = ctrlc::set_handler(|| crate::real::record::interrupt());
    let mut totals = Vec::new();
    for i in 0..args.tries {
        let t = crate::real::one_try(&scenario, i).map_err(Failure::Input)?;
        eprintln!(
            "try {}: {:.2} s (setup {:.2} s, join {:.2} s)",
            i + 1,
            t.total_ms / 1000.0,
            t.setup_ms / 1000.0,
            t.play_ms / 1000.0
        );
        totals.push(t.total_ms / 1000.0);
    }
    totals.sort_by(f64::total_cmp);
    let median = totals[totals.len() / 2];
    let max = totals[totals.len() - 1];
    println!(
        "real try (3 members, 1 joiner, {}): median {median:.2} s, max {max:.2} s over {} tries",
        crate::real::incus_package(),
        totals.len()
    );
    Ok(Verdict::Clean)
}

pub fn bench(args: &BenchArgs) -> Result<Verdict, Failure> {
    if args.real {
        return real_bench(args);
    }
    if args.search {
        return search_bench(args);
    }
    if args.scale {
        return scale(args);
    }
    if !args.shrink {
        return throughput(args);
    }
    shrink_bench(args)
}

/// `--seconds` as a budget per row, checked; warns on a debug build.
fn measuring_budget(args: &BenchArgs) -> Result<Duration, Failure> {
    if !(args.seconds > 0.0 && args.seconds <= 3600.0) {
        return Err(Failure::Input(format!(
            "--seconds: expected 0 < s <= 3600, got {}",
            args.seconds
        )));
    }
    if cfg!(debug_assertions) && !args.json {
        eprintln!("note: a debug build; figures mean something only from `cargo run --release -- bench`");
    }
    Ok(Duration::from_secs_f64(args.seconds))
}

/// `--scale`: one row per generated cluster size, then how much more an
/// event costs at the largest than at the smallest.
fn scale(args: &BenchArgs) -> Result<Verdict, Failure> {
    use crate::explore::bench::{cost_growth, measure_scale, table};
    let rows = measure_scale(measuring_budget(args)?, 100).map_err(|e| Failure::Input(e.to_string()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows).expect("JSON serialises"));
        return Ok(Verdict::Clean);
    }
    let throughputs: Vec<_> = rows.iter().map(|r| r.throughput.clone()).collect();
    print!("{}", table(&throughputs));
    if let (Some(first), Some(last), Some(growth)) = (rows.first(), rows.last(), cost_growth(&rows)) {
        println!(
            "an event costs {growth:.2}x as much with {} members and {} joiners as with {} and {}",
            last.members, last.joiners, first.members, first.joiners
        );
    }
    Ok(Verdict::Clean)
}

/// Runs/s and events/s on one core (the calling thread), tracing off.
fn throughput(args: &BenchArgs) -> Result<Verdict, Failure> {
    let budget = measuring_budget(args)?;
    let scenarios = dir_scenarios(args)?;
    let rows = crate::explore::bench::measure_all(&scenarios, budget, 1_000);
    if args.json {
        let list: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "scenario": r.scenario,
                    "variant": r.variant,
                    "runs_per_sec": r.runs_per_sec,
                    "events_per_sec": r.events_per_sec,
                    "runs": r.runs,
                    "events": r.events,
                    "seconds": r.seconds,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&list).expect("JSON serialises"));
    } else {
        print!("{}", crate::explore::bench::table(&rows));
    }
    Ok(Verdict::Clean)
}

/// Every scenario of `--dir` (or of the bundled scenarios/).
fn dir_scenarios(args: &BenchArgs) -> Result<Vec<Scenario>, Failure> {
    super::bundled_scenarios(&super::scenarios_dir(args.dir.as_deref())?)?
        .iter()
        .map(|p| Scenario::load(p).map_err(Failure::from))
        .collect()
}

/// Runs and time to a first hit, per scenario, failure group and strategy.
fn search_bench(args: &BenchArgs) -> Result<Verdict, Failure> {
    use crate::explore::search_bench::{BenchSettings, bench, table};
    if args.campaigns == 0 || args.campaign_runs == 0 || args.exhaustive_runs == 0 || args.max_states == 0 {
        return Err(Failure::Input(
            "--campaigns, --campaign-runs, --exhaustive-runs and --max-states must be at least 1".to_string(),
        ));
    }
    let scenarios = dir_scenarios(args)?;
    if args.bounds {
        use crate::explore::search_bench::{bound_table, by_bound, by_order, order_table};
        let rows = by_bound(&scenarios, args.max_bound, args.exhaustive_runs);
        let orders = by_order(&scenarios, args.max_bound, args.max_states);
        if args.json {
            let json = serde_json::json!({ "bounds": rows, "orders": orders });
            println!("{}", serde_json::to_string_pretty(&json).expect("JSON serialises"));
        } else {
            print!("{}\n{}", bound_table(&rows), order_table(&orders));
        }
        return Ok(Verdict::Clean);
    }
    let settings = BenchSettings {
        campaigns: args.campaigns,
        max_runs: args.campaign_runs,
        exhaustive_runs: args.exhaustive_runs,
        max_bound: args.max_bound,
        reference_runs: 20_000,
        jobs: super::fuzz::jobs(args.jobs)?,
    };
    let rows = bench(&scenarios, settings);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows).expect("JSON serialises"));
    } else {
        print!("{}", table(&rows));
    }
    Ok(Verdict::Clean)
}

/// One shrinker's result on one case.
struct Measure {
    deviations: usize,
    events: u64,
    runs: u64,
    wall: Duration,
    /// The shrunk schedule still fails with the case's failure (same
    /// invariant, node and step), checked by a fresh replay.
    same_group: bool,
}

fn measure(scenario: &Scenario, target: &Target, result: &ShrinkResult, wall: Duration) -> Measure {
    let replayed = run(
        scenario,
        &Source::Schedule(result.schedule.clone()),
        RunOptions::default(),
    );
    Measure {
        deviations: result.schedule.len(),
        events: replayed.events,
        runs: result.runs,
        wall,
        same_group: target.find(&replayed.violations).is_some(),
    }
}

fn shrink_bench(args: &BenchArgs) -> Result<Verdict, Failure> {
    let path = match &args.scenario {
        Some(path) => path.clone(),
        None => super::scenarios_dir(None)?.join("groups-first-race.toml"),
    };
    let scenario = load_scenario(&path, None)?;
    let max_runs = u32::try_from(args.max_runs)
        .map_err(|_| Failure::Input(format!("--max-runs: {} is above {}", args.max_runs, u32::MAX)))?;
    let budget = Budget {
        max_runs: args.max_runs,
    };
    let (mut ours, mut theirs, mut before, mut longer) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for seed in 1..=args.seeds {
        let found = run(&scenario, &Source::Seed(seed), RunOptions::default());
        let Some(target) = found.first_violation().map(Target::of) else {
            continue;
        };
        let (joinsim, proptest) = shrink_both(&scenario, &found.schedule(), &target, budget, max_runs);
        if joinsim.deviations > proptest.deviations {
            longer.push(seed);
        }
        before.push(found.schedule().len() as u64);
        ours.push(joinsim);
        theirs.push(proptest);
    }
    let same_group = ours.iter().filter(|m| m.same_group).count();
    let (median_runs, max_runs_seen) = median_max(ours.iter().map(|m| m.runs).collect());
    if args.json {
        let (median_after, _) = median_max(ours.iter().map(|m| m.deviations as u64).collect());
        let (median_before, _) = median_max(before.clone());
        let summary = serde_json::json!({
            "scenario": scenario.name,
            "variant": scenario.variant().name(),
            "seeds": args.seeds,
            "cases": ours.len(),
            "median_runs": median_runs,
            "max_runs": max_runs_seen,
            "same_group": same_group,
            "median_deviations_before": median_before,
            "median_deviations_after": median_after,
            "proptest_median_runs": median_max(theirs.iter().map(|m| m.runs).collect()).0,
            "proptest_median_deviations": median_max(theirs.iter().map(|m| m.deviations as u64).collect()).0,
            "longer_than_proptest": longer,
        });
        println!("{}", serde_json::to_string_pretty(&summary).expect("JSON serialises"));
    } else {
        print_table(args, &scenario, &ours, &theirs);
        println!(
            "{same_group} of {} shrunk case(s) still fail in their own failure group",
            ours.len()
        );
    }
    if !longer.is_empty() || same_group != ours.len() {
        if !args.json {
            println!("joinsim's result has more deviations than proptest's on seeds {longer:?}");
        }
        return Ok(Verdict::Violated);
    }
    if !args.json {
        println!(
            "joinsim's result has no more deviations than proptest's on every case ({})",
            ours.len()
        );
    }
    Ok(Verdict::Clean)
}

fn shrink_both(
    scenario: &Scenario,
    schedule: &Schedule,
    target: &Target,
    budget: Budget,
    max_runs: u32,
) -> (Measure, Measure) {
    let started = Instant::now();
    let joinsim = shrink(scenario, schedule, target, budget);
    let joinsim = measure(scenario, target, &joinsim, started.elapsed());
    let started = Instant::now();
    let proptest = proptest_shrink(scenario, schedule, target, max_runs);
    let proptest = measure(scenario, target, &proptest, started.elapsed());
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
        "| shrinker | deviations median / max | trace events median / max | runs median / max | wall ms median / max |"
    );
    println!("|---|---|---|---|---|");
    for (name, measures) in [("joinsim", ours), ("proptest", theirs)] {
        let column = |f: &dyn Fn(&Measure) -> u64| {
            let (median, max) = median_max(measures.iter().map(f).collect());
            format!("{median} / {max}")
        };
        let wall = |m: &Measure| m.wall.as_micros() as u64;
        let (wall_median, wall_max) = median_max(measures.iter().map(wall).collect());
        println!(
            "| {name} | {} | {} | {} | {:.1} / {:.1} |",
            column(&|m| m.deviations as u64),
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
