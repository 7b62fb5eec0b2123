//! `joinsim replay ARTIFACT [--trace] [--lenient]`: re-runs a saved
//! schedule and checks it is the recorded run. Exit 0 when it reproduces
//! (same trace hash, same violations), 1 on a mismatch (both hashes and
//! the first divergent event shown), 2 when the artifact cannot be used.

use std::path::PathBuf;

use clap::Args;

use super::{Failure, Verdict, report};
use crate::artifact::Artifact;
use crate::model::World;
use crate::model::names::Names;
use crate::replay::{Divergence, ReplayOutcome, replay as replay_artifact};
use crate::sim::{Loss, TraceEvent};
use crate::trace::text;

#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// The artifact (JSON) written by `run --save`, `shrink` or the fuzzer.
    pub artifact: PathBuf,
    /// Print the event trace.
    #[arg(long)]
    pub trace: bool,
    /// Keep every recorded deviation whose label still exists and accept a
    /// divergence, for artifacts that outlived a model change; passes when
    /// the recorded failure still happens.
    #[arg(long)]
    pub lenient: bool,
}

pub fn replay(args: &ReplayArgs) -> Result<Verdict, Failure> {
    let artifact = Artifact::load(&args.artifact)?;
    let outcome = replay_artifact(&artifact, &args.artifact)?;
    let seed_line = format!(
        "seed:     {} (replaying {} recorded deviation(s) of {}{})",
        artifact.seed,
        artifact.deviations.len(),
        args.artifact.display(),
        if args.lenient { ", lenient" } else { "" }
    );
    print!("{}", report::settings(&outcome.scenario, &seed_line));
    println!("{}", which_scenario(&artifact));
    if args.trace {
        report::print_trace(&outcome.scenario, &outcome.result);
    }
    print!("{}", report::verdict(&outcome.scenario, &outcome.result));
    println!("deviations: {}", report::deviations(&outcome.scenario, &outcome.result));
    judge(&artifact, &outcome, args)
}

/// Which copy of the scenario the replay ran (always the artifact's) and
/// whether the file on disk it was saved from still says the same.
fn which_scenario(artifact: &Artifact) -> String {
    let path = &artifact.scenario_path;
    match std::fs::read_to_string(path) {
        Ok(text) if text == artifact.scenario => {
            format!("replayed the artifact's copy of the scenario, the same as {path} on disk")
        }
        Ok(_) => format!(
            "NOTE: {path} on disk differs from the artifact's copy of the scenario; replayed the artifact's copy"
        ),
        Err(_) => format!("replayed the artifact's copy of the scenario ({path} is not on disk here)"),
    }
}

fn judge(artifact: &Artifact, outcome: &ReplayOutcome, args: &ReplayArgs) -> Result<Verdict, Failure> {
    if outcome.reproduced() && outcome.divergence.is_none() {
        println!(
            "reproduced: trace hash {:016x} and {} violation(s) as recorded",
            outcome.recorded_hash,
            artifact.violations.len()
        );
        return Ok(Verdict::Clean);
    }
    let headline = if args.lenient { "warning" } else { "MISMATCH" };
    println!(
        "{headline}: the replay is not the recorded run: recorded trace hash {:016x}, replayed {:016x}",
        outcome.recorded_hash, outcome.result.trace_hash
    );
    if let Some(divergence) = outcome.divergence {
        println!(
            "{}",
            describe_divergence(&outcome.scenario.setup.names, outcome, divergence)
        );
    }
    if !outcome.result.unused.is_empty() {
        let setup = &outcome.scenario.setup;
        let unused: Vec<String> = outcome
            .result
            .unused
            .iter()
            .map(|d| crate::labels::token(*d, setup))
            .collect();
        println!("recorded deviations never reached: {}", unused.join(" "));
    }
    if !outcome.result.out_of_range.is_empty() {
        let setup = &outcome.scenario.setup;
        let wrapped: Vec<String> = outcome
            .result
            .out_of_range
            .iter()
            .map(|(d, options)| format!("{} (takes 0..{})", crate::labels::token(*d, setup), options - 1))
            .collect();
        println!("recorded deviations out of range: {}", wrapped.join(" "));
    }
    if !outcome.violations_match {
        println!("recorded violations:");
        for v in &artifact.violations {
            println!("  {v}");
        }
        println!("replayed violations:");
        for v in &outcome.result.violations {
            println!("  {v}");
        }
    }
    if !args.lenient {
        println!("the model may have changed since the artifact was written; try --lenient");
        return Ok(Verdict::Violated);
    }
    lenient_verdict(artifact, outcome)
}

/// Lenient replay passes when the artifact's failure still happens (or a
/// clean artifact is still clean).
fn lenient_verdict(artifact: &Artifact, outcome: &ReplayOutcome) -> Result<Verdict, Failure> {
    let still = match artifact.target() {
        Some(target) => target.find(&outcome.result.violations).is_some(),
        None => outcome.result.violations.is_empty(),
    };
    let what = artifact.target().map_or("no violation".to_string(), |t| t.to_string());
    if still {
        println!("lenient: {what} still happens, as recorded");
        Ok(Verdict::Clean)
    } else {
        println!("lenient: {what} was recorded but no longer happens");
        Ok(Verdict::Violated)
    }
}

fn describe_divergence(names: &Names, outcome: &ReplayOutcome, divergence: Divergence) -> String {
    let mut out = format!(
        "diverged at engine event #{} (the recorded run had {} events, the replay {})",
        divergence.event, divergence.recorded_events, divergence.replayed_events
    );
    if let Some(trace) = &outcome.result.trace {
        if let Some(line) = step_line(names, trace, divergence.event.wrapping_sub(1)) {
            out.push_str(&format!("\n  last event in common: {line}"));
        }
        match step_line(names, trace, divergence.event) {
            Some(line) => out.push_str(&format!("\n  first event that differs (replayed): {line}")),
            None => out.push_str("\n  the replay ended there"),
        }
    }
    out
}

/// The trace line of the `index`-th engine event (deliveries, losses at
/// delivery, timers, crashes, restarts; notes and losses at send are not
/// events of their own).
fn step_line(names: &Names, trace: &[TraceEvent<World>], index: usize) -> Option<String> {
    trace
        .iter()
        .filter(|event| is_engine_event(event))
        .nth(index)
        .map(|event| text::event_line(names, event))
}

fn is_engine_event(event: &TraceEvent<World>) -> bool {
    match event {
        TraceEvent::Lost { loss, .. } => *loss != Loss::Dropped,
        TraceEvent::Deliver { .. }
        | TraceEvent::Timer { .. }
        | TraceEvent::Crash { .. }
        | TraceEvent::Restart { .. } => true,
        TraceEvent::Duplicated { .. } | TraceEvent::Note { .. } | TraceEvent::Mark { .. } => false,
    }
}
