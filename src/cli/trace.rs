//! `joinsim trace ARTIFACT | SCENARIO --seed N | --deviation K:A:B:C=V... [--variant V]
//! [--format text|json|mermaid|svg] [--output FILE]`: one run's trace, as
//! text, JSON, a Mermaid sequence diagram or an SVG picture.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use serde_json::json;

use super::{Failure, Verdict, load_scenario};
use crate::run::{RunOptions, RunResult, Source as ChoiceSource, run};
use crate::scenario::Scenario;
use crate::sim::Schedule;
use crate::trace::{json as json_format, mermaid, outcome, rows, svg, text};

/// The output formats of `joinsim trace`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Mermaid,
    Svg,
}

/// Where a run's choices come from, as the user gave it.
#[derive(Args, Debug, Clone)]
pub struct Source {
    /// A scenario file (TOML), or a failure artifact (JSON).
    pub input: PathBuf,
    /// The seed of the run's choices.
    #[arg(long, conflicts_with = "deviation")]
    pub seed: Option<u64>,
    /// A deviation of the schedule, as `KIND:A:B:C=VALUE` with nodes,
    /// steps and swarm picks by name, e.g. `delay:j1:m2:3=7` (repeatable;
    /// as `run --trace`, `replay`, `shrink` and `explore` print them);
    /// every other choice takes 0. One that no choice point of the run
    /// reaches, or whose value is out of its point's range, is refused.
    #[arg(long, value_name = "K:A:B:C=V")]
    pub deviation: Vec<String>,
    /// Run even when a given deviation is never reached or out of range
    /// (each is named on standard output).
    #[arg(long)]
    pub lenient: bool,
    /// Run the nominal schedule (no deviation at all).
    #[arg(long, conflicts_with_all = ["seed", "deviation"])]
    pub nominal: bool,
}

#[derive(Args, Debug)]
pub struct TraceArgs {
    #[command(flatten)]
    pub source: Source,
    /// Override the scenario's protocol variant.
    #[arg(long)]
    pub variant: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Write here instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// A loaded run: the scenario, its schedule and a words-only description
/// of that schedule.
pub struct Loaded {
    pub scenario: Scenario,
    pub source: ChoiceSource,
    pub schedule_text: String,
}

/// Loads the scenario and schedule a [`Source`] names, under `variant`
/// when given. A `.json` input is a failure artifact: its inline scenario,
/// variant and recorded choices (unless `--seed` or `--choices` says
/// otherwise).
pub fn load(source: &Source, variant: Option<&str>) -> Result<Loaded, Failure> {
    let is_artifact = source.input.extension().is_some_and(|x| x == "json");
    let (mut scenario, recorded) = if is_artifact {
        let artifact = crate::artifact::Artifact::load(&source.input)?;
        let scenario = artifact.scenario(&source.input)?;
        (scenario, Some(artifact.schedule()))
    } else {
        (load_scenario(&source.input, None)?, None)
    };
    if let Some(name) = variant {
        scenario = scenario.with_variant(super::parse_variant(name)?);
    }
    let given = if source.nominal {
        Some(Schedule::default())
    } else {
        parse_deviations(&source.deviation, &scenario.setup)?
    };
    let (choices, schedule_text) = match (&source.seed, given, recorded) {
        (Some(seed), _, _) => (ChoiceSource::Seed(*seed), format!("seed {seed}")),
        (None, Some(schedule), _) => {
            let text = format!("{} given deviation(s)", schedule.len());
            (ChoiceSource::Schedule(schedule), text)
        }
        (None, None, Some(schedule)) => {
            let text = format!("artifact, {} recorded deviation(s)", schedule.len());
            (ChoiceSource::Schedule(schedule), text)
        }
        (None, None, None) => {
            return Err(Failure::Input(format!(
                "{}: give --seed N, --deviation K:A:B:C=V or --nominal (or an artifact)",
                source.input.display()
            )));
        }
    };
    Ok(Loaded {
        scenario,
        source: choices,
        schedule_text,
    })
}

/// The `--deviation` tokens as a schedule; `None` when none were given.
fn parse_deviations(tokens: &[String], setup: &crate::model::Setup) -> Result<Option<Schedule>, Failure> {
    if tokens.is_empty() {
        return Ok(None);
    }
    let parsed: Result<Vec<_>, String> = tokens.iter().map(|t| crate::labels::parse_token(t, setup)).collect();
    let deviations = parsed.map_err(|e| Failure::Input(format!("--deviation: {e}")))?;
    Ok(Some(Schedule::new(deviations)))
}

/// What a run made of the deviations it was given: each one no choice
/// point reached, and each value out of its point's range. Strict
/// (`lenient` false): an error naming them (exit 2); lenient: the lines
/// to print, naming them.
pub fn given_deviations_used(scenario: &Scenario, result: &RunResult, lenient: bool) -> Result<Vec<String>, Failure> {
    let setup = &scenario.setup;
    let mut problems: Vec<String> = result
        .unused
        .iter()
        .filter(|d| !result.out_of_range.iter().any(|(o, _)| o.label == d.label))
        .map(|d| {
            format!(
                "{}: no choice point of this run has that label",
                crate::labels::token(*d, setup)
            )
        })
        .collect();
    problems.extend(result.out_of_range.iter().map(|(d, options)| {
        format!(
            "{}: out of range (that choice point takes 0..{})",
            crate::labels::token(*d, setup),
            options - 1
        )
    }));
    if problems.is_empty() || lenient {
        return Ok(problems
            .into_iter()
            .map(|p| format!("warning: --deviation {p}"))
            .collect());
    }
    Err(Failure::Input(format!(
        "--deviation: {} (--lenient runs it anyway)",
        problems.join("; ")
    )))
}

/// Runs a loaded schedule with tracing on.
pub fn run_traced(loaded: &Loaded) -> RunResult {
    let options = RunOptions {
        trace: true,
        ..RunOptions::default()
    };
    run(&loaded.scenario, &loaded.source, options)
}

/// The title line of every format: scenario, variant, schedule.
pub fn title(loaded: &Loaded) -> String {
    format!(
        "{} · {} · {}",
        loaded.scenario.name,
        loaded.scenario.variant(),
        loaded.schedule_text
    )
}

/// The trace of one run in `format`.
pub fn render(loaded: &Loaded, result: &RunResult, format: Format) -> String {
    let names = &loaded.scenario.setup.names;
    let events = result.trace.as_deref().unwrap_or(&[]);
    match format {
        Format::Text => text_document(&title(loaded), &loaded.scenario, result),
        Format::Json => {
            let header = json!({
                "scenario": loaded.scenario.name,
                "variant": loaded.scenario.variant().name(),
                "schedule": loaded.schedule_text,
                "deviations": result.schedule().deviations().iter().map(|d| crate::labels::token(*d, &loaded.scenario.setup)).collect::<Vec<_>>(),
                "outcome": outcome::lines(&loaded.scenario, result),
            });
            let rows = rows::rows(names, events, &result.violations);
            json_format::render(header, &rows::lifelines(names, events), &rows)
        }
        Format::Mermaid => {
            let rows = rows::rows(names, events, &result.violations);
            mermaid::render(&rows::lifelines(names, events), &rows)
        }
        Format::Svg => {
            let rows = rows::rows(names, events, &result.violations);
            svg::render(&title(loaded), &rows::lifelines(names, events), &rows)
        }
    }
}

/// The text trace with a title line and the outcome after it.
pub fn text_document(title: &str, scenario: &Scenario, result: &RunResult) -> String {
    let events = result.trace.as_deref().unwrap_or(&[]);
    let mut out = format!("# {title}\n");
    out.push_str(&text::render(&scenario.setup.names, events, &result.violations));
    out.push_str("# outcome\n");
    for line in outcome::lines(scenario, result) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Writes `text` to `output`, or to standard output.
pub fn emit(text: &str, output: Option<&Path>) -> Result<(), Failure> {
    match output {
        None => {
            print!("{text}");
            Ok(())
        }
        Some(path) => {
            std::fs::write(path, text).map_err(|e| Failure::Input(format!("{}: cannot write: {e}", path.display())))
        }
    }
}

pub fn trace(args: &TraceArgs) -> Result<Verdict, Failure> {
    let loaded = load(&args.source, args.variant.as_deref())?;
    let result = run_traced(&loaded);
    for warning in given_deviations_used(&loaded.scenario, &result, args.source.lenient)? {
        eprintln!("{warning}");
    }
    emit(&render(&loaded, &result, args.format), args.output.as_deref())?;
    Ok(if result.violations.is_empty() {
        Verdict::Clean
    } else {
        Verdict::Violated
    })
}
