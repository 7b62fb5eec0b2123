//! The command line: parse flags, validate them, run, map the verdict to
//! an exit code (0 nothing violated, 1 a violation, 2 bad input or usage).

mod bench;
mod conform;
pub mod diff;
mod explore;
mod fuzz;
mod gen_scale;
mod list;
mod orders;
mod real;
mod replay;
mod report;
mod report_finding;
mod run;
mod scenario;
mod shrink;
pub mod trace;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::model::Variant;
use crate::scenario::{Scenario, ScenarioError};

/// joinsim: deterministic simulation testing of the Incus cluster join.
#[derive(Parser, Debug)]
#[command(name = "joinsim", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run one scenario once, on one seed, and report how each join ended.
    Run(run::RunArgs),
    /// Fuzz scenarios over many seeds and check their expectations.
    Fuzz(fuzz::FuzzArgs),
    /// Search scenarios with a strategy (random, swarm, pct, exhaustive,
    /// coverage) and check their expectations, as fuzz does.
    Explore(explore::ExploreArgs),
    /// Every order of each scenario's events, each distinct state once (a
    /// stateful search without time): "no violation in any order" covers
    /// every timing; a violation found is a candidate.
    Orders(orders::OrdersArgs),
    /// Merge the `fuzz --json` summaries of N shards (`--shard I/N`) into
    /// the summary and reports of one unsharded run.
    Merge(fuzz::merge::MergeArgs),
    /// List the variants, invariants and bundled scenarios.
    List(list::ListArgs),
    /// Print one run's trace as text, JSON, a Mermaid or an SVG sequence
    /// diagram.
    Trace(trace::TraceArgs),
    /// Replay one run's choices on another variant and show where the
    /// traces part.
    Diff(diff::DiffArgs),
    /// Replay a saved failure artifact and check it reproduces, hash for hash.
    Replay(replay::ReplayArgs),
    /// Shrink a saved failure to a minimal schedule that fails the same way.
    Shrink(shrink::ShrinkArgs),
    /// A finding about today's Incus as a report (`docs/findings/NAME.md`):
    /// its source lines, shortest schedule, rate and its fix's verdict;
    /// `--table` for the README's table of findings against fixes.
    Report(report_finding::ReportArgs),
    /// Run scenarios on a live cluster of real Incus daemons (root; Debian's
    /// incus-base): each try forms the cluster from nothing, runs the joins
    /// and admins, judges the invariants on the real state, tears down.
    Real(real::RealArgs),
    /// Conformance: scenarios on a live cluster and in the model (nominal
    /// schedule, the variant of the Incus installed here), compared join by
    /// join and at the end; `--markdown docs/CONFORMANCE.md`.
    Conform(conform::ConformArgs),
    /// Benchmarks (`--scale`: cost growth with the cluster's size; `--shrink`:
    /// joinsim's shrinker against proptest's).
    Bench(bench::BenchArgs),
    /// The scenario file format, every key (`joinsim help scenario`); with
    /// files, check them and print their warnings.
    #[command(long_about = crate::scenario::reference())]
    Scenario(scenario::ScenarioArgs),
    /// Print a generated scale scenario: N members, J concurrent joiners,
    /// admins, drops, a partition and a crash.
    GenScale(gen_scale::GenScaleArgs),
}

/// What went wrong, by exit code.
#[derive(Debug)]
pub enum Failure {
    /// Bad input or usage: exit 2.
    Input(String),
}

impl From<ScenarioError> for Failure {
    fn from(e: ScenarioError) -> Failure {
        Failure::Input(e.to_string())
    }
}

impl From<crate::artifact::ArtifactError> for Failure {
    fn from(e: crate::artifact::ArtifactError) -> Failure {
        Failure::Input(e.to_string())
    }
}

/// The verdict of a command that ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing violated, or every expectation met.
    Clean,
    /// A violation, or an expectation not met.
    Violated,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Fuzz(args) => fuzz::fuzz(&args),
        Command::Explore(args) => explore::explore(&args),
        Command::Orders(args) => orders::orders(&args),
        Command::Merge(args) => fuzz::merge::merge(&args),
        Command::List(args) => list::list(&args),
        Command::Trace(args) => trace::trace(&args),
        Command::Diff(args) => diff::diff(&args),
        Command::Replay(args) => replay::replay(&args),
        Command::Shrink(args) => shrink::shrink(&args),
        Command::Bench(args) => bench::bench(&args),
        Command::Real(args) => real::real(&args),
        Command::Conform(args) => conform::conform(&args),
        Command::Report(args) => report_finding::report(&args),
        Command::Scenario(args) => scenario::scenario(&args),
        Command::GenScale(args) => gen_scale::gen_scale(&args),
    };
    match result {
        Ok(Verdict::Clean) => ExitCode::SUCCESS,
        Ok(Verdict::Violated) => ExitCode::from(1),
        Err(Failure::Input(message)) => {
            eprintln!("joinsim: error: {message}");
            ExitCode::from(2)
        }
    }
}

/// Loads a scenario, applying a `--variant` override.
pub fn load_scenario(path: &Path, variant: Option<&str>) -> Result<Scenario, Failure> {
    let scenario = Scenario::load(path)?;
    match variant {
        None => Ok(scenario),
        Some(name) => Ok(scenario.with_variant(parse_variant(name)?)),
    }
}

pub fn parse_variant(name: &str) -> Result<Variant, Failure> {
    Variant::parse(name).ok_or_else(|| {
        let known: Vec<&str> = Variant::ALL.iter().map(|v| v.name()).collect();
        Failure::Input(format!(
            "--variant: unknown variant \"{name}\" (known: {})",
            known.join(", ")
        ))
    })
}

/// The folder of bundled scenarios: `dir` when given (`--dir`), else
/// `scenarios/` in the current folder or in the nearest parent folder that
/// holds the repository (`Cargo.toml` beside `scenarios/`), so that the
/// commands work from anywhere inside it. Otherwise a one-line error that
/// says where it looked and how to point it.
pub fn scenarios_dir(dir: Option<&Path>) -> Result<PathBuf, Failure> {
    if let Some(dir) = dir {
        return match dir.is_dir() {
            true => Ok(dir.to_path_buf()),
            false => Err(Failure::Input(format!("--dir {}: not a folder", dir.display()))),
        };
    }
    let here = PathBuf::from("scenarios");
    if here.is_dir() {
        return Ok(here);
    }
    let cwd = std::env::current_dir().map_err(|e| Failure::Input(format!("cannot read the current folder: {e}")))?;
    cwd.ancestors()
        .find(|a| a.join("Cargo.toml").is_file() && a.join("scenarios").is_dir())
        .map(|a| a.join("scenarios"))
        .ok_or_else(|| {
            Failure::Input(format!(
                "no scenarios/ folder in {} or in a parent folder holding Cargo.toml; \
                 run inside the joinsim repository, or point to the scenarios with --dir DIR \
                 (fuzz: joinsim fuzz DIR_OR_FILES)",
                cwd.display()
            ))
        })
}

/// The bundled scenarios: every `.toml` in `scenarios/`, sorted.
pub fn bundled_scenarios(dir: &Path) -> Result<Vec<PathBuf>, Failure> {
    crate::scenario::toml_files(dir)
        .map_err(|e| Failure::Input(format!("{}: cannot list scenarios: {e}", dir.display())))
}

/// A fresh seed for a run the user did not seed. Taken outside any run
/// (the run itself only ever sees the seed), and always printed.
pub fn fresh_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut h = crate::sim::hash::TraceHasher::new();
    h.mix(&(nanos, std::process::id()));
    std::hash::Hasher::finish(&h) % 1_000_000_000
}
