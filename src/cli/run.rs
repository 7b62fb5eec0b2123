//! `joinsim run SCENARIO [--seed N] [--variant V] [--trace]`.

use std::path::PathBuf;

use clap::Args;

use super::{Failure, Verdict, fresh_seed, load_scenario, report};
use crate::artifact::Artifact;
use crate::run::{RunOptions, Source, run as run_once};

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
    /// Save the run as an artifact (JSON) when it violates an invariant,
    /// for `joinsim replay` and `joinsim shrink`.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
}

pub fn run(args: &RunArgs) -> Result<Verdict, Failure> {
    let scenario = load_scenario(&args.scenario, args.variant.as_deref())?.with_swarm(args.swarm);
    let (seed, drawn) = match args.seed {
        Some(seed) => (seed, ""),
        None => (fresh_seed(), " (drawn; pass --seed to repeat)"),
    };
    for warning in &scenario.warnings {
        eprintln!("warning: {warning}");
    }
    print!("{}", report::settings(&scenario, &format!("seed:     {seed}{drawn}")));
    let options = RunOptions {
        trace: args.trace,
        ..RunOptions::default()
    };
    let result = run_once(&scenario, &Source::Seed(seed), options);
    report::print_trace(&scenario, &result);
    if args.trace {
        // The schedule, in the form `joinsim trace --deviation` takes.
        println!("deviations: {}", report::deviations(&scenario, &result));
    }
    print!("{}", report::verdict(&scenario, &result));
    if result.violations.is_empty() {
        if let Some(path) = &args.save {
            println!("no violation: nothing saved to {}", path.display());
        }
        return Ok(Verdict::Clean);
    }
    if let Some(path) = &args.save {
        Artifact::from_run(&scenario, seed, &result).save(path)?;
        println!("saved: {}", path.display());
        println!("shrink: joinsim shrink {}", path.display());
    }
    println!(
        "replay: joinsim run {} --seed {seed} --variant {}{} --trace",
        scenario.path,
        scenario.variant(),
        if args.swarm { " --swarm" } else { "" }
    );
    Ok(Verdict::Violated)
}
