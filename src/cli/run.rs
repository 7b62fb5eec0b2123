//! `joinsim run SCENARIO [--seed N] [--variant V] [--trace]`.

use std::path::PathBuf;

use clap::Args;

use super::{Failure, Verdict, fresh_seed, load_scenario, report};
use crate::run::{RunOptions, Schedule, run as run_once};
use crate::trace::text;

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// The seed of the run's choices; a fresh one is drawn and printed
    /// when omitted.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override the scenario's protocol variant.
    #[arg(long)]
    pub variant: Option<String>,
    /// Print the event trace.
    #[arg(long)]
    pub trace: bool,
    /// Swarm testing: the run first draws which fault kinds it enables (as
    /// `fuzz --swarm` does; needed to replay a swarm seed).
    #[arg(long)]
    pub swarm: bool,
}

pub fn run(args: &RunArgs) -> Result<Verdict, Failure> {
    let scenario = load_scenario(&args.scenario, args.variant.as_deref())?;
    let (seed, drawn) = match args.seed {
        Some(seed) => (seed, ""),
        None => (fresh_seed(), " (drawn; pass --seed to repeat)"),
    };
    print!("{}", report::settings(&scenario, &format!("seed:     {seed}{drawn}")));
    let options = RunOptions {
        trace: args.trace,
        swarm: args.swarm,
        ..RunOptions::default()
    };
    let result = run_once(&scenario, &Schedule::Seed(seed), options);
    if let Some(trace) = &result.trace {
        println!("--- trace ---");
        print!("{}", text::render(&scenario.setup.names, trace, &result.violations));
        println!("--- end of trace ---");
    }
    print!("{}", report::verdict(&scenario, &result));
    if result.violations.is_empty() {
        return Ok(Verdict::Clean);
    }
    println!(
        "replay: joinsim run {} --seed {seed} --variant {}{} --trace",
        scenario.path,
        scenario.variant(),
        if args.swarm { " --swarm" } else { "" }
    );
    Ok(Verdict::Violated)
}
