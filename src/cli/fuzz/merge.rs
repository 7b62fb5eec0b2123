//! `joinsim merge SUMMARY.json...`: the `fuzz --json` summaries of the N
//! shards of one campaign (`fuzz --shard 1/N` .. `N/N`, one per CI
//! machine) as the campaign one unsharded run would have made: the same
//! summary, JSON, JUnit and HTML report, verdict and exit code.
//!
//! A summary carries its scenario's text and, of its tally, what the
//! reports and verdicts read: counts, each failure group's smallest seeds
//! and example, panics, admin answers. The shards' tallies merge as the
//! threads' do (`Tally::merge`, in any order), and the merged campaign is
//! judged anew, rate bands included, by the functions `fuzz` uses; each
//! failure group's artifact is the one saved by the shard that holds its
//! smallest seed.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use serde::Deserialize;
use serde_json::Value;

use super::{ReportPaths, settings_line, summary, write_report_files};
use crate::check::{Invariant, Violation};
use crate::cli::{Failure, Verdict, parse_variant};
use crate::explore::ScenarioOutcome;
use crate::explore::tally::CommandTally;
use crate::explore::{Campaign, FailureGroup, FailureKey, Shard, SmallestSeeds, Tally, bands, judge, warnings};
use crate::scenario::Scenario;

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// The shards' summaries (`joinsim fuzz --shard I/N --json FILE`), in
    /// any order: every shard of one campaign, once.
    #[arg(required = true, value_name = "SUMMARY.json")]
    pub summaries: Vec<PathBuf>,
    /// Write the merged summary here (the format `fuzz --json` writes).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write JUnit XML of the merged campaign here.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write the HTML report of the merged campaign here (each failure
    /// group's first seed is run again, and shrunk, to draw it).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// The HTML report draws each group's first seed unshrunk.
    #[arg(long)]
    pub no_shrink: bool,
}

/// A summary as `fuzz --json` writes it: what a merge reads of it.
#[derive(Deserialize)]
struct SummaryFile {
    joinsim_version: String,
    settings: Value,
    scenarios: Vec<ScenarioFile>,
}

/// One scenario's campaign in a summary.
#[derive(Deserialize)]
struct ScenarioFile {
    scenario: String,
    path: String,
    variant: String,
    scenario_source: String,
    swarm: bool,
    runs: u64,
    events: u64,
    seeds_run: u64,
    seeds_planned: u64,
    elapsed_secs: f64,
    invariants: Vec<InvariantCount>,
    failures: Vec<FailureEntry>,
    panics: Vec<SeedMessage>,
    panic_runs: u64,
    nondeterministic: Vec<SeedMessage>,
    nondeterministic_runs: u64,
    admin_commands: Vec<CommandEntry>,
    problems: Vec<String>,
    /// Runs that hit each probe, by probe name.
    #[serde(default)]
    probes: std::collections::BTreeMap<String, u64>,
}

#[derive(Deserialize)]
struct InvariantCount {
    invariant: Invariant,
    violating_runs: u64,
}

#[derive(Deserialize)]
struct FailureEntry {
    invariant: Invariant,
    role: String,
    step: String,
    count: u64,
    seeds: Vec<u64>,
    node: Option<String>,
    tick: u64,
    message: String,
    artifact: Option<String>,
}

#[derive(Deserialize)]
struct SeedMessage {
    seed: u64,
    message: String,
}

#[derive(Deserialize)]
struct CommandEntry {
    admin: String,
    command: usize,
    answered: u64,
    failed: u64,
    first_error: Option<SeedMessage>,
}

/// One shard's summary and the file it came from.
struct ShardSummary {
    file: String,
    shard: Shard,
    summary: SummaryFile,
}

/// One scenario's campaign in one shard, read back.
struct Part {
    scenario: Scenario,
    campaign: Campaign,
    /// Each failure group's artifact, with the group's first seed here.
    artifacts: BTreeMap<FailureKey, (u64, PathBuf)>,
    /// Problems the shard had besides its verdict (artifacts it could not
    /// save or shrink).
    save_errors: Vec<String>,
    swarm: bool,
}

pub fn merge(args: &MergeArgs) -> Result<Verdict, Failure> {
    super::check_report_paths(&[args.json.as_ref(), args.junit.as_ref(), args.html.as_ref()])?;
    let shards = args.summaries.iter().map(read).collect::<Result<Vec<_>, _>>()?;
    let (settings, outcomes) = merge_shards(shards).map_err(Failure::Input)?;
    println!("merge: {} shard(s): {}", args.summaries.len(), settings_line(&settings));
    print!("{}", summary(&outcomes));
    let interrupted = settings["time_secs"].is_null() && outcomes.iter().any(|o| o.campaign.stopped_early());
    if interrupted {
        println!("interrupted: a shard stopped early; the summary covers the seeds that ran");
    }
    let paths = ReportPaths {
        json: args.json.as_ref(),
        junit: args.junit.as_ref(),
        html: args.html.as_ref(),
    };
    write_report_files(&paths, &outcomes, settings, !args.no_shrink)?;
    let failed = interrupted || outcomes.iter().any(|o| !o.problems.is_empty());
    Ok(if failed { Verdict::Violated } else { Verdict::Clean })
}

fn read(path: &PathBuf) -> Result<ShardSummary, Failure> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| Failure::Input(format!("{file}: cannot read: {e}")))?;
    let summary: SummaryFile = serde_json::from_str(&text).map_err(|e| {
        Failure::Input(format!(
            "{file}: not a summary of `joinsim fuzz --json` (of this version): {e}"
        ))
    })?;
    let shard = summary.settings["shard"].as_str().unwrap_or_default();
    let shard = Shard::parse(shard).map_err(|e| Failure::Input(format!("{file}: settings.shard: {e}")))?;
    Ok(ShardSummary { file, shard, summary })
}

/// The settings and campaigns of the unsharded run the shards split.
fn merge_shards(mut shards: Vec<ShardSummary>) -> Result<(Value, Vec<ScenarioOutcome>), String> {
    check_complete(&shards)?;
    shards.sort_by_key(|s| s.shard.index);
    for other in &shards[1..] {
        check_same_campaign(&shards[0], other)?;
    }
    let mut outcomes = Vec::new();
    for i in 0..shards[0].summary.scenarios.len() {
        let parts = shards
            .iter()
            .map(|s| read_part(&s.summary.scenarios[i]).map_err(|e| format!("{}: {e}", s.file)))
            .collect::<Result<Vec<_>, _>>()?;
        outcomes.push(merge_parts(parts));
    }
    let mut settings = shards[0].summary.settings.clone();
    settings["shard"] = Value::from("1/1");
    let jobs: u64 = shards.iter().filter_map(|s| s.summary.settings["jobs"].as_u64()).sum();
    settings["jobs"] = Value::from(jobs);
    Ok((settings, outcomes))
}

/// Every shard of `1/N .. N/N` exactly once.
fn check_complete(shards: &[ShardSummary]) -> Result<(), String> {
    let count = shards[0].shard.count;
    let mut seen: BTreeMap<u64, &str> = BTreeMap::new();
    for s in shards {
        if s.shard.count != count {
            return Err(format!(
                "{}: shard {}/{} is not one of {count} shards, as {} is",
                s.file, s.shard.index, s.shard.count, shards[0].file
            ));
        }
        if let Some(other) = seen.insert(s.shard.index, &s.file) {
            return Err(format!("{}: shard {}/{count} is also {other}", s.file, s.shard.index));
        }
    }
    let missing: Vec<String> = (1..=count)
        .filter(|i| !seen.contains_key(i))
        .map(|i| format!("{i}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(format!("missing shard(s) {}", missing.join(", ")));
    }
    Ok(())
}

/// Whether two shards are of one campaign: one joinsim version, the same
/// command line (but for `--shard` and `--jobs`), the same scenarios.
fn check_same_campaign(a: &ShardSummary, b: &ShardSummary) -> Result<(), String> {
    let differ = |what: &str| {
        format!(
            "{} and {} are not shards of one campaign: {what} differ",
            a.file, b.file
        )
    };
    if a.summary.joinsim_version != b.summary.joinsim_version {
        return Err(differ("their joinsim versions"));
    }
    let comparable = |settings: &Value| {
        let mut s = settings.clone();
        s["shard"] = Value::Null;
        s["jobs"] = Value::Null;
        s
    };
    if comparable(&a.summary.settings) != comparable(&b.summary.settings) {
        return Err(differ("their settings"));
    }
    let scenarios = |s: &SummaryFile| -> Vec<(String, String, String, bool)> {
        let identity = |c: &ScenarioFile| (c.path.clone(), c.variant.clone(), c.scenario_source.clone(), c.swarm);
        s.scenarios.iter().map(identity).collect()
    };
    if scenarios(&a.summary) != scenarios(&b.summary) {
        return Err(differ(
            "their scenarios (files, texts or variants; a shard interrupted early lists fewer)",
        ));
    }
    Ok(())
}

/// A campaign judged as `fuzz` judged it: a swarm campaign as a search
/// (its seeds are not a sample of the scenario's runs), any other against
/// its rate bands.
fn judge_as_run(scenario: &Scenario, campaign: &Campaign, swarm: bool) -> Vec<String> {
    if swarm {
        crate::explore::judge_search(scenario, campaign)
    } else {
        judge(scenario, campaign)
    }
}

/// One shard's campaign of one scenario, read back.
fn read_part(file: &ScenarioFile) -> Result<Part, String> {
    let parsed = Scenario::parse(&file.scenario, &file.path, &file.scenario_source).map_err(|e| e.to_string())?;
    let variant = parse_variant(&file.variant).map_err(|Failure::Input(e)| e)?;
    let scenario = parsed.with_variant(variant);
    let tally = tally_of(file, &scenario)?;
    let campaign = Campaign {
        tally,
        seeds_run: file.seeds_run,
        seeds_planned: file.seeds_planned,
        elapsed: Duration::from_secs_f64(file.elapsed_secs.max(0.0)),
    };
    let judged = judge_as_run(&scenario, &campaign, file.swarm);
    let save_errors = file.problems.iter().filter(|p| !judged.contains(p)).cloned().collect();
    let artifacts = file
        .failures
        .iter()
        .filter_map(|f| {
            let first = f.seeds.first()?;
            Some((key_of(f), (*first, PathBuf::from(f.artifact.as_ref()?))))
        })
        .collect();
    Ok(Part {
        scenario,
        campaign,
        artifacts,
        save_errors,
        swarm: file.swarm,
    })
}

fn key_of(f: &FailureEntry) -> FailureKey {
    FailureKey {
        invariant: f.invariant,
        role: f.role.clone(),
        step: f.step.clone(),
    }
}

/// The tally a summary lists (of the failing seeds, which no report
/// shows, none).
fn tally_of(file: &ScenarioFile, scenario: &Scenario) -> Result<Tally, String> {
    let mut tally = Tally {
        runs: file.runs,
        events: file.events,
        panics: seed_set(file.panic_runs, &file.panics),
        nondeterministic: seed_set(file.nondeterministic_runs, &file.nondeterministic),
        ..Tally::default()
    };
    for i in &file.invariants {
        tally.violating[i.invariant.index()] = i.violating_runs;
    }
    for (name, &count) in &file.probes {
        let probe = crate::model::probe::Probe::parse(name).ok_or_else(|| format!("unknown probe \"{name}\""))?;
        tally.probes[probe as usize] = count;
    }
    for f in &file.failures {
        tally.groups.insert(key_of(f), group_of(f));
    }
    for c in &file.admin_commands {
        let node = scenario
            .setup
            .names
            .nodes
            .iter()
            .position(|n| *n == c.admin)
            .ok_or_else(|| format!("admin \"{}\" is not a node of {}", c.admin, file.path))?;
        let command = CommandTally {
            answered: c.answered,
            failed: c.failed,
            first_error: c.first_error.as_ref().map(|e| (e.seed, Arc::from(e.message.as_str()))),
        };
        tally
            .admin_commands
            .insert((node as crate::sim::NodeId, c.command), command);
    }
    Ok(tally)
}

fn seed_set<const N: usize>(count: u64, kept: &[SeedMessage]) -> SmallestSeeds<String, N> {
    SmallestSeeds::from_parts(count, kept.iter().map(|s| (s.seed, s.message.clone())))
}

fn group_of(f: &FailureEntry) -> FailureGroup {
    FailureGroup {
        seeds: SmallestSeeds::from_parts(f.count, f.seeds.iter().map(|&s| (s, ()))),
        example: Violation {
            invariant: f.invariant,
            node: f.node.clone(),
            step: (!f.step.is_empty()).then(|| f.step.clone()),
            tick: f.tick,
            message: f.message.clone(),
        },
    }
}

/// One scenario's shards as one campaign, judged as `fuzz` judges one:
/// tallies merged, the shards' wall time the slowest one's, each group's
/// artifact from the shard holding its smallest seed.
fn merge_parts(parts: Vec<Part>) -> ScenarioOutcome {
    let mut tally = Tally::default();
    let mut artifacts: BTreeMap<FailureKey, (u64, PathBuf)> = BTreeMap::new();
    let (mut seeds_run, mut seeds_planned, mut elapsed) = (0, 0, Duration::ZERO);
    let mut save_errors = Vec::new();
    let (scenario, swarm) = (parts[0].scenario.clone(), parts[0].swarm);
    for part in parts {
        tally.merge(part.campaign.tally);
        seeds_run += part.campaign.seeds_run;
        seeds_planned += part.campaign.seeds_planned;
        elapsed = elapsed.max(part.campaign.elapsed);
        save_errors.extend(part.save_errors);
        for (key, (seed, path)) in part.artifacts {
            if artifacts.get(&key).is_none_or(|(kept, _)| seed < *kept) {
                artifacts.insert(key, (seed, path));
            }
        }
    }
    let artifacts = artifacts
        .into_iter()
        .filter(|(key, (seed, _))| tally.groups.get(key).is_some_and(|g| g.first_seed() == *seed))
        .map(|(key, (_, path))| (key, path))
        .collect();
    let campaign = Campaign {
        tally,
        seeds_run,
        seeds_planned,
        elapsed,
    };
    let mut problems = judge_as_run(&scenario, &campaign, swarm);
    problems.extend(save_errors);
    ScenarioOutcome {
        bands: if swarm { Vec::new() } else { bands(&scenario, &campaign) },
        warnings: warnings(&scenario, &campaign),
        scenario,
        campaign,
        problems,
        artifacts,
        swarm,
        ids: Box::new(crate::explore::failures::Seeds { swarm }),
        search: None,
    }
}
