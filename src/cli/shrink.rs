//! `joinsim shrink ARTIFACT [-o OUT]`: minimises a saved failure's schedule
//! while the same failure (invariant, node, step) still happens, prints the progress and
//! the shrunk trace, and saves the result as a new artifact. Exit 0 when a
//! shrunk failure was saved, 1 when the artifact's choices no longer fail
//! that way (nothing to shrink), 2 on bad input.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{Failure, Verdict, report};
use crate::artifact::Artifact;
use crate::check::Invariant;
use crate::run::{RunOptions, RunResult, Source, run};
use crate::scenario::Scenario;
use crate::shrink::{Budget, Progress, Target, shrink_with_progress};
use crate::sim::Schedule;

#[derive(Args, Debug)]
pub struct ShrinkArgs {
    /// The artifact (JSON) of a failure.
    pub artifact: PathBuf,
    /// Where to save the shrunk artifact [default: ARTIFACT with
    /// `.shrunk.json` in place of `.json`].
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Keep this invariant failing instead of the artifact's own; it must
    /// be one the artifact's run violated (e.g. `spurious-join-failure`,
    /// to keep a false rejection rather than any stale validation). Its
    /// first violation in the recorded run fixes the node and step kept.
    #[arg(long)]
    pub invariant: Option<String>,
    /// The most replays the shrinker may make.
    /// At least 1: the first run checks that the artifact still fails.
    #[arg(long, default_value_t = Budget::default().max_runs, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_runs: u64,
}

pub fn shrink(args: &ShrinkArgs) -> Result<Verdict, Failure> {
    let artifact = Artifact::load(&args.artifact)?;
    let scenario = artifact.scenario(&args.artifact)?;
    let target = choose_target(&artifact, args)?;
    println!(
        "shrinking {} ({} under {}, seed {}): {} deviation(s)",
        args.artifact.display(),
        target,
        scenario.variant(),
        artifact.seed,
        artifact.deviations.len(),
    );
    let budget = Budget {
        max_runs: args.max_runs,
    };
    let shrunk = shrink_with_progress(&scenario, &artifact.schedule(), &target, budget, &mut print_progress);
    if !shrunk.input_failed {
        println!("the artifact's schedule no longer fails with {target}: nothing to shrink (try `joinsim replay`)");
        return Ok(Verdict::Violated);
    }
    if !shrunk.fixed_point {
        println!(
            "budget of {} runs spent before a fixed point: the result may not be minimal",
            args.max_runs
        );
    }
    let output = args.output.clone().unwrap_or_else(|| default_output(&args.artifact));
    let result = save_shrunk(&scenario, &artifact, &shrunk.schedule, &target, &output)?;
    print_result(&scenario, &result, shrunk.runs, &output);
    Ok(Verdict::Clean)
}

/// The failure to keep: the first recorded violation of `--invariant`,
/// else the artifact's own.
fn choose_target(artifact: &Artifact, args: &ShrinkArgs) -> Result<Target, Failure> {
    let shown = args.artifact.display();
    let Some(name) = &args.invariant else {
        return artifact.target().ok_or_else(|| {
            Failure::Input(format!(
                "artifact {shown}: records no violation, so there is nothing to shrink"
            ))
        });
    };
    let recorded: Vec<&str> = artifact.violations.iter().map(|v| v.invariant.name()).collect();
    let first = Invariant::parse(name).and_then(|i| artifact.violations.iter().find(|v| v.invariant == i));
    match first {
        Some(violation) => Ok(Target::of(violation)),
        None => Err(Failure::Input(format!(
            "--invariant: \"{name}\" is not among the violations of {shown} ({})",
            recorded.join(", ")
        ))),
    }
}

fn print_progress(progress: &Progress) {
    println!(
        "  round {:>2} {:<20} {:>6} runs, {:>3} deviation(s)",
        progress.round, progress.pass, progress.runs, progress.deviations
    );
}

/// Replays the shrunk schedule with a trace and saves it as an artifact
/// about `target`.
pub(super) fn save_shrunk(
    scenario: &Scenario,
    original: &Artifact,
    schedule: &Schedule,
    target: &Target,
    output: &Path,
) -> Result<RunResult, Failure> {
    let options = RunOptions {
        trace: true,
        event_hashes: true,
        ..RunOptions::default()
    };
    let result = run(scenario, &Source::Schedule(schedule.clone()), options);
    let shrunk = Artifact::about(scenario, original.seed, &result, Some(target));
    shrunk.save(output)?;
    Ok(result)
}

fn print_result(scenario: &Scenario, result: &RunResult, runs: u64, output: &Path) {
    println!(
        "shrunk in {runs} runs to {} deviation(s), {} events",
        result.schedule().len(),
        result.events
    );
    report::print_trace(scenario, result);
    print!("{}", report::verdict(scenario, result));
    println!("deviations: {}", report::deviations(scenario, result));
    println!("saved: {}", output.display());
    println!("replay: joinsim replay {} --trace", output.display());
}

fn default_output(artifact: &Path) -> PathBuf {
    let name = artifact
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let stem = name.strip_suffix(".json").unwrap_or(&name);
    artifact.with_file_name(format!("{stem}.shrunk.json"))
}
