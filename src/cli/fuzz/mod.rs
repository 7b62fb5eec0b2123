//! `joinsim fuzz [SCENARIO|DIR ...]`: a seed campaign per scenario, checked
//! against each scenario's expectations.

mod html;
mod json;
mod junit;
pub mod merge;
pub(crate) mod progress;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Args;

use super::{Failure, Verdict, bundled_scenarios, load_scenario, scenarios_dir};
use crate::check::Invariant;
use crate::explore::failures::Keep;
use crate::explore::{BandCheck, CampaignOptions, ScenarioOutcome, SeedRange, Shard, seed_campaign};
use crate::scenario::Scenario;

/// The arguments every campaign command (`fuzz`, `explore`) takes.
#[derive(Args, Debug)]
pub struct CampaignFlags {
    /// Scenario files or folders of them (default: scenarios/ here or in
    /// the repository around the current folder).
    pub scenarios: Vec<PathBuf>,
    /// Stop each scenario's campaign after this long (e.g. 30s, 5m).
    #[arg(long, value_parser = parse_duration)]
    pub time: Option<Duration>,
    /// Worker threads (default: all cores); the results do not depend on it.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Override every scenario's protocol variant.
    #[arg(long)]
    pub variant: Option<String>,
    /// Write a machine-readable summary here.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    #[command(flatten)]
    pub keep: KeepFlags,
}

/// What to keep of a campaign's failures.
#[derive(Args, Clone, Debug)]
pub struct KeepFlags {
    /// Where failure artifacts are saved.
    #[arg(long, value_name = "DIR", default_value = "joinsim-failures")]
    pub out: PathBuf,
    /// Save failures without shrinking them.
    #[arg(long)]
    pub no_shrink: bool,
    /// Also save (and shrink) the failures a scenario expects.
    #[arg(long = "keep-expected")]
    pub expected: bool,
}

impl KeepFlags {
    pub(crate) fn keep(&self) -> Keep {
        Keep {
            out: self.out.clone(),
            no_shrink: self.no_shrink,
            expected: self.expected,
        }
    }
}

#[derive(Args, Debug)]
pub struct FuzzArgs {
    #[command(flatten)]
    pub common: CampaignFlags,
    /// Run seeds 1..=N per scenario.
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub seeds: Option<u64>,
    /// First seed of the range (with --to).
    #[arg(long, requires = "to")]
    pub from: Option<u64>,
    /// Last seed of the range (with --from).
    #[arg(long, requires = "from")]
    pub to: Option<u64>,
    /// Run only shard I of N of the seed space (e.g. 2/3).
    #[arg(long, value_parser = Shard::parse)]
    pub shard: Option<Shard>,
    /// Swarm testing: each seed also picks which fault kinds it enables.
    #[arg(long)]
    pub swarm: bool,
    /// Run each seed twice and fail on any trace-hash difference.
    #[arg(long)]
    pub check_determinism: bool,
    /// Write JUnit XML here (a test case per scenario and invariant).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a self-contained HTML report here: per scenario its rates,
    /// expectations and warnings, per failure group its shrunk run as a
    /// sequence diagram and the commands that reproduce it.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

/// Seeds per scenario when neither --seeds, --from/--to nor --time is given:
/// about five minutes for the bundled scenarios (and their pinned fixes) on
/// 2 cores, release build.
const DEFAULT_SEEDS: u64 = 1_000_000;

/// The longest `--time`: a year, far beyond any CI budget, and small enough
/// that the deadline (now plus the budget) cannot overflow an `Instant`.
const MAX_TIME_SECONDS: u64 = 365 * 24 * 3600;

fn parse_duration(text: &str) -> Result<Duration, String> {
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: u64 = number
        .parse()
        .map_err(|_| format!("expected a duration like 30s or 5m, got \"{text}\""))?;
    let per_unit = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return Err(format!("unknown unit \"{unit}\" in \"{text}\" (use s, m or h)")),
    };
    match n.checked_mul(per_unit) {
        Some(0) => Err("--time must be positive".to_string()),
        Some(seconds) if seconds <= MAX_TIME_SECONDS => Ok(Duration::from_secs(seconds)),
        _ => Err(format!(
            "--time: at most {}h (a year), got \"{text}\"",
            MAX_TIME_SECONDS / 3600
        )),
    }
}

impl FuzzArgs {
    /// The seeds to run of `scenario`: the command line's `range`, unless
    /// it named no seeds (no `--seeds`, `--from/--to` or `--time`) and the
    /// scenario sets `[campaign] seeds = N`, then 1..=N.
    fn scenario_range(&self, range: SeedRange, scenario: &Scenario) -> SeedRange {
        match scenario.campaign_seeds {
            Some(to) if self.default_range() => SeedRange { from: 1, to },
            _ => range,
        }
    }

    /// Whether the command line left the seed range to its default.
    fn default_range(&self) -> bool {
        self.seeds.is_none() && self.from.is_none() && self.common.time.is_none()
    }

    fn range(&self) -> Result<SeedRange, Failure> {
        let range = match (self.seeds, self.from, self.to) {
            (Some(n), _, _) => SeedRange { from: 1, to: n },
            (None, Some(from), Some(to)) => SeedRange { from, to },
            _ if self.common.time.is_some() => SeedRange {
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
}

/// As [`load_scenarios`]; without `--variant`, each scenario is followed
/// by its copy under every variant it has `[expect_variant.NAME]` for, so
/// that a campaign also holds each fix variant to its pinned verdict.
pub(crate) fn load_campaign_scenarios(inputs: &[PathBuf], variant: Option<&str>) -> Result<Vec<Scenario>, Failure> {
    let loaded = load_scenarios(inputs, variant)?;
    if variant.is_some() {
        return Ok(loaded);
    }
    Ok(loaded
        .iter()
        .flat_map(|s| s.campaign_variants().map(|v| s.with_variant(v)))
        .collect())
}

/// The scenarios named on the command line (files, or folders of them;
/// `scenarios/` when none), loaded, with a `--variant` override.
pub(crate) fn load_scenarios(inputs: &[PathBuf], variant: Option<&str>) -> Result<Vec<Scenario>, Failure> {
    let inputs = if inputs.is_empty() {
        vec![scenarios_dir(None)?]
    } else {
        inputs.to_vec()
    };
    let mut paths = Vec::new();
    for input in inputs {
        if input.is_dir() {
            paths.extend(bundled_scenarios(&input)?);
        } else {
            paths.push(input);
        }
    }
    paths.iter().map(|p| load_scenario(p, variant)).collect()
}

/// `--jobs`, or every core.
pub(crate) fn jobs(jobs: Option<usize>) -> Result<usize, Failure> {
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if jobs == 0 {
        return Err(Failure::Input("--jobs must be at least 1".to_string()));
    }
    Ok(jobs)
}

/// Where a command's campaigns write their reports.
pub(crate) struct Reports<'a> {
    pub json: Option<&'a PathBuf>,
    pub junit: Option<&'a PathBuf>,
    pub html: Option<&'a PathBuf>,
    /// The effective settings, for the JSON summary.
    pub settings: serde_json::Value,
    /// The same as one line, for the HTML report.
    pub settings_line: String,
    /// Whether failures were shrunk (the HTML report says so).
    pub shrink: bool,
}

/// Set by Ctrl-C: campaigns stop claiming seeds, the summary still prints.
pub(crate) static INTERRUPTED: AtomicBool = AtomicBool::new(false);

pub fn fuzz(args: &FuzzArgs) -> Result<Verdict, Failure> {
    let range = args.range()?;
    let jobs = jobs(args.common.jobs)?;
    let shard = args.shard.unwrap_or(Shard::WHOLE);
    let scenarios = load_campaign_scenarios(&args.common.scenarios, args.common.variant.as_deref())?;
    let settings = settings(args, range, shard, jobs, scenarios.len());
    let settings_line = settings_line(&settings);
    println!("fuzz: {settings_line}");
    let reports = Reports {
        json: args.common.json.as_ref(),
        junit: args.junit.as_ref(),
        html: args.html.as_ref(),
        settings,
        settings_line,
        shrink: !args.common.keep.no_shrink,
    };
    run_campaigns(scenarios, reports, &mut |scenario| {
        fuzz_scenario(args, scenario, range, shard, jobs)
    })
}

/// Runs `campaign` on each scenario in turn (until Ctrl-C), prints the
/// summary and writes the reports: the verdict of them all. Shared by
/// `fuzz` and `explore`.
pub(crate) fn run_campaigns(
    scenarios: Vec<Scenario>,
    reports: Reports<'_>,
    campaign: &mut dyn FnMut(Scenario) -> ScenarioOutcome,
) -> Result<Verdict, Failure> {
    check_report_paths(&[reports.json, reports.junit, reports.html])?;
    // A second Ctrl-C (or a failure to install the handler) falls back to
    // the default: the process ends at once.
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
    // Panics inside runs are caught and reported per seed; keep the default
    // hook from printing each one in the middle of the progress display.
    std::panic::set_hook(Box::new(|_| {}));
    let mut outcomes = Vec::new();
    for scenario in scenarios {
        if INTERRUPTED.load(Ordering::SeqCst) {
            break;
        }
        outcomes.push(campaign(scenario));
    }
    let _ = std::panic::take_hook();
    print!("{}", summary(&outcomes));
    if INTERRUPTED.load(Ordering::SeqCst) {
        println!("interrupted: the summary covers the seeds that ran");
    }
    write_reports(&reports, &outcomes)?;
    let failed = INTERRUPTED.load(Ordering::SeqCst) || outcomes.iter().any(|o| !o.problems.is_empty());
    Ok(if failed { Verdict::Violated } else { Verdict::Clean })
}

fn fuzz_scenario(args: &FuzzArgs, scenario: Scenario, range: SeedRange, shard: Shard, jobs: usize) -> ScenarioOutcome {
    let range = args.scenario_range(range, &scenario);
    let options = CampaignOptions {
        range,
        shard,
        jobs,
        deadline: args.common.time.map(|t| Instant::now() + t),
        swarm: args.swarm,
        check_determinism: args.check_determinism,
        interrupted: &INTERRUPTED,
    };
    let bounded_by_seeds = args.common.time.is_none() || args.seeds.is_some() || args.to.is_some();
    let planned = bounded_by_seeds.then(|| shard.len(range));
    let progress = progress::Progress::new(&scenario.name, planned, args.common.time);
    let outcome = seed_campaign(scenario, &options, &args.common.keep.keep(), &progress);
    progress.finish();
    outcome
}

fn settings(args: &FuzzArgs, range: SeedRange, shard: Shard, jobs: usize, scenarios: usize) -> serde_json::Value {
    serde_json::json!({
        "scenarios": scenarios,
        "from": range.from,
        "to": range.to,
        "time_secs": args.common.time.map(|t| t.as_secs()),
        // Whether a scenario's `[campaign] seeds` replaces the default range.
        "scenario_seeds": args.default_range(),
        "shard": format!("{}/{}", shard.index, shard.count),
        "jobs": jobs,
        "swarm": args.swarm,
        "check_determinism": args.check_determinism,
        "variant_override": args.common.variant,
    })
}

fn settings_line(s: &serde_json::Value) -> String {
    let time = s["time_secs"]
        .as_u64()
        .map_or(String::new(), |t| format!(" (or {t}s per scenario)"));
    let own = match s["scenario_seeds"].as_bool() {
        Some(true) => " (or a scenario's own [campaign] seeds)",
        _ => "",
    };
    format!(
        "{} scenario(s), seeds {}..{}{own}{time}, shard {}, {} job(s), swarm {}, determinism check {}",
        s["scenarios"],
        s["from"],
        s["to"],
        s["shard"].as_str().unwrap_or("1/1"),
        s["jobs"],
        s["swarm"],
        s["check_determinism"]
    )
}

/// Where a campaign's reports go (`--json`, `--junit`, `--html`), for
/// `joinsim merge`.
/// Refuses, before any campaign runs, a report file that could not be
/// written at its end: one in a directory that does not exist, or a
/// directory itself.
pub(crate) fn check_report_paths(paths: &[Option<&PathBuf>]) -> Result<(), Failure> {
    for path in paths.iter().flatten() {
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
        let problem = if path.is_dir() {
            Some("is a directory")
        } else if parent.is_some_and(|p| !p.is_dir()) {
            Some("is in a directory that does not exist")
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(Failure::Input(format!(
                "{}: cannot write the report: it {problem}",
                path.display()
            )));
        }
    }
    Ok(())
}

pub(super) struct ReportPaths<'a> {
    pub json: Option<&'a PathBuf>,
    pub junit: Option<&'a PathBuf>,
    pub html: Option<&'a PathBuf>,
}

/// Writes the reports asked for; `shrink`: the HTML report draws each
/// group's run shrunk.
fn write_report_files(
    paths: &ReportPaths<'_>,
    outcomes: &[ScenarioOutcome],
    settings: serde_json::Value,
    shrink: bool,
) -> Result<(), Failure> {
    let reports = Reports {
        json: paths.json,
        junit: paths.junit,
        html: paths.html,
        settings_line: settings_line(&settings),
        settings,
        shrink,
    };
    write_reports(&reports, outcomes)
}

fn write_reports(reports: &Reports<'_>, outcomes: &[ScenarioOutcome]) -> Result<(), Failure> {
    let write = |path: &PathBuf, text: String| {
        std::fs::write(path, text).map_err(|e| Failure::Input(format!("{}: cannot write: {e}", path.display())))
    };
    if let Some(path) = reports.json {
        write(path, json::render(outcomes, reports.settings.clone()))?;
    }
    if let Some(path) = reports.junit {
        write(path, junit::render(outcomes))?;
    }
    if let Some(path) = reports.html {
        let page = html::Page {
            settings_line: &reports.settings_line,
            shrink: reports.shrink,
        };
        write(path, html::render(outcomes, &page))?;
    }
    Ok(())
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
    for o in outcomes {
        for band in &o.bands {
            let _ = writeln!(out, "rate {} {}", o.scenario.campaign_label(), band.describe());
        }
    }
    if outcomes
        .iter()
        .any(|o| o.bands.iter().any(|b| matches!(b.check, BandCheck::Loose { .. })))
    {
        let _ = writeln!(
            out,
            "(a band is checked exactly only over enough runs; with fewer, only a rate beyond the widened band fails)"
        );
    }
    for o in outcomes {
        let _ = writeln!(
            out,
            "probes {}: {}",
            o.scenario.campaign_label(),
            probe_line(&o.campaign.tally)
        );
        if let Some((strategy, report)) = &o.search {
            let _ = writeln!(out, "{strategy} {}: {}", o.scenario.campaign_label(), report.line);
        }
    }
    for o in outcomes {
        for warning in &o.warnings {
            let _ = writeln!(out, "warning: {warning}");
        }
    }
    let mut failed = 0;
    for o in outcomes.iter().filter(|o| !o.problems.is_empty()) {
        failed += 1;
        let _ = writeln!(out, "FAILED {} ({}):", o.scenario.campaign_label(), o.scenario.path);
        for p in &o.problems {
            let _ = writeln!(out, "  {p}");
        }
    }
    for o in outcomes {
        for (key, group) in &o.campaign.tally.groups {
            let expected = o.scenario.expect.of(key.invariant).allows_violations();
            let _ = writeln!(
                out,
                "{} {} {}: {} run(s); replay: {}{}",
                if expected { "expected" } else { "UNEXPECTED" },
                o.scenario.campaign_label(),
                key.label(),
                group.count(),
                o.ids.replay(&o.scenario, group.first_seed()),
                o.artifacts.get(key).map_or(String::new(), |p| format!(
                    "; artifact: joinsim replay {} --trace",
                    p.display()
                ))
            );
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

/// How many runs hit each probe, as `name=count, ...`.
fn probe_line(tally: &crate::explore::Tally) -> String {
    let counts: Vec<String> = tally
        .probe_counts()
        .map(|(probe, count)| format!("{}={count}", probe.name()))
        .collect();
    counts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_that_overflow_or_exceed_a_year_are_refused() {
        assert_eq!(parse_duration("90m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("8760h"), Ok(Duration::from_secs(MAX_TIME_SECONDS)));
        for text in ["8761h", "5124095576030432h", "18446744073709551615m", "0s"] {
            assert!(parse_duration(text).is_err(), "{text}");
        }
    }
}
