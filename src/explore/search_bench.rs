//! The search benchmark: how many runs, and how much wall time, each
//! strategy needs to first hit each failure group of a scenario.
//!
//! The failure groups of a scenario are those a reference campaign finds
//! (random seeds 1..=`reference_runs`, fuzz's own seeds). Each seeded
//! strategy then runs `campaigns` campaigns (strategy seeds 0, 1, ...), each
//! on one thread, until it has hit every group or made `max_runs` runs;
//! exhaustive search, deterministic, runs one campaign of at most
//! `exhaustive_runs` runs, deepening its bound from 1 to `max_bound` until
//! it has hit every group (its runs to a first hit count the complete
//! shallower bounds before it). Campaigns run side by
//! side on `jobs` threads; each is timed alone, so its seconds are one
//! core's (on a loaded machine, a busy core's).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::campaign::{Observer, failure_key};
use super::search::{SearchOptions, parallel_map, search};
use super::strategy::{self, Kind, Settings};
use super::tally::FailureKey;
use crate::run::RunResult;
use crate::scenario::Scenario;

#[derive(Clone, Copy, Debug)]
pub struct BenchSettings {
    /// Campaigns per seeded strategy (different strategy seeds).
    pub campaigns: u64,
    /// The most runs of one campaign of a seeded strategy.
    pub max_runs: u64,
    /// The most runs of exhaustive search, over all its bounds.
    pub exhaustive_runs: u64,
    /// Exhaustive search deepens up to this bound.
    pub max_bound: u32,
    /// Runs of the reference campaign that names the failure groups.
    pub reference_runs: u64,
    /// Campaigns run side by side.
    pub jobs: usize,
}

/// One strategy on one failure group of one scenario.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FirstHits {
    pub scenario: String,
    pub group: String,
    pub strategy: &'static str,
    pub campaigns: u64,
    /// Campaigns that hit the group within their runs.
    pub hits: u64,
    /// The median over campaigns (a miss counts as infinitely many runs;
    /// `None` when more than half missed).
    pub median_runs_to_first_hit: Option<u64>,
    pub median_seconds_to_first_hit: Option<f64>,
    /// Exhaustive: the bound at which the group was first hit.
    pub bound: Option<u32>,
    /// Exhaustive: schedules run per second on one core, over its bounds.
    pub schedules_per_sec: Option<f64>,
    /// Exhaustive: simulated events per second on one core (each event a
    /// state the search passed through).
    pub events_per_sec: Option<f64>,
}

/// Exhaustive search's rate is reported only over at least this many
/// schedules (a search that hits everything in its first run says nothing
/// about speed).
const RATE_MIN_RUNS: u64 = 10_000;

/// One campaign's first hit of each group: runs and seconds.
type Hits = BTreeMap<FailureKey, (u64, Duration)>;

/// What one campaign found, and (exhaustive) how fast it ran.
struct CampaignHits {
    hits: Hits,
    bound_of: BTreeMap<FailureKey, u32>,
    runs: u64,
    events: u64,
    elapsed: Duration,
}

/// The benchmark over `scenarios`: a row per (scenario, group, strategy).
pub fn bench(scenarios: &[Scenario], settings: BenchSettings) -> Vec<FirstHits> {
    let targets: Vec<BTreeSet<FailureKey>> = scenarios.iter().map(|s| reference_groups(s, settings)).collect();
    let mut tasks = Vec::new();
    for (index, target) in targets.iter().enumerate() {
        if target.is_empty() {
            continue;
        }
        for kind in Kind::ALL {
            let campaigns = if kind == Kind::Exhaustive {
                1
            } else {
                settings.campaigns
            };
            tasks.extend((0..campaigns).map(|seed| (index, kind, seed)));
        }
    }
    let done = parallel_map(&tasks, settings.jobs, |&(index, kind, seed)| {
        campaign(&scenarios[index], &targets[index], kind, seed, settings)
    });
    let mut rows = Vec::new();
    for (index, scenario) in scenarios.iter().enumerate() {
        for kind in Kind::ALL {
            let found: Vec<&CampaignHits> = tasks
                .iter()
                .zip(&done)
                .filter(|((i, k, _), _)| *i == index && *k == kind)
                .map(|(_, d)| d)
                .collect();
            for key in &targets[index] {
                rows.push(row(scenario, key, kind, &found));
            }
        }
    }
    rows
}

/// The failure groups that fuzz's first `reference_runs` seeds find.
fn reference_groups(scenario: &Scenario, settings: BenchSettings) -> BTreeSet<FailureKey> {
    let never = AtomicBool::new(false);
    let options = SearchOptions {
        jobs: settings.jobs,
        max_runs: Some(settings.reference_runs),
        deadline: None,
        interrupted: &never,
    };
    let mut random = strategy::Random::new(0);
    let found = search(scenario, &mut random, &options, &super::campaign::Quiet);
    found.first_hits.into_keys().collect()
}

/// Stops a campaign once every target group has been hit.
struct UntilAllHit<'a> {
    scenario: &'a Scenario,
    missing: Mutex<BTreeSet<FailureKey>>,
    stop: AtomicBool,
}

impl Observer for UntilAllHit<'_> {
    fn new_failure(&self, _id: u64, result: &RunResult) {
        let mut missing = self.missing.lock().expect("no panics while held");
        for v in &result.violations {
            missing.remove(&failure_key(self.scenario, v));
        }
        if missing.is_empty() {
            self.stop.store(true, Ordering::Relaxed);
        }
    }
}

/// One campaign of `kind` (strategy seed `seed`) until every target is hit.
fn campaign(
    scenario: &Scenario,
    targets: &BTreeSet<FailureKey>,
    kind: Kind,
    seed: u64,
    settings: BenchSettings,
) -> CampaignHits {
    let run_scenario = strategy::scenario_for(kind, scenario);
    let watch = UntilAllHit {
        scenario: &run_scenario,
        missing: Mutex::new(targets.clone()),
        stop: AtomicBool::new(false),
    };
    let (bounds, budget) = if kind == Kind::Exhaustive {
        (1..=settings.max_bound, settings.exhaustive_runs)
    } else {
        (0..=0, settings.max_runs)
    };
    let mut total = CampaignHits {
        hits: BTreeMap::new(),
        bound_of: BTreeMap::new(),
        runs: 0,
        events: 0,
        elapsed: Duration::ZERO,
    };
    for bound in bounds {
        let started = Instant::now();
        let mut strategy = strategy::make(
            kind,
            &run_scenario,
            Settings {
                seed,
                bound,
                ..Settings::default()
            },
        );
        let setup = started.elapsed();
        let options = SearchOptions {
            jobs: 1,
            max_runs: Some(budget - total.runs),
            deadline: None,
            interrupted: &watch.stop,
        };
        let found = search(&run_scenario, strategy.as_mut(), &options, &watch);
        for (key, (run, at)) in found.first_hits {
            if !total.hits.contains_key(&key) {
                total
                    .hits
                    .insert(key.clone(), (total.runs + run, total.elapsed + setup + at));
                total.bound_of.insert(key, bound);
            }
        }
        total.runs += found.campaign.tally.runs;
        total.events += found.campaign.tally.events;
        total.elapsed += setup + found.campaign.elapsed;
        if watch.stop.load(Ordering::Relaxed) || total.runs >= budget {
            break;
        }
    }
    total
}

fn row(scenario: &Scenario, key: &FailureKey, kind: Kind, found: &[&CampaignHits]) -> FirstHits {
    let hits: Vec<(u64, Duration)> = found.iter().filter_map(|c| c.hits.get(key).copied()).collect();
    let campaigns = found.len() as u64;
    let median = |mut values: Vec<f64>| -> Option<f64> {
        values.sort_by(f64::total_cmp);
        let middle = (found.len().max(1) - 1) / 2;
        values.get(middle).copied()
    };
    let runs = median(hits.iter().map(|&(r, _)| r as f64).collect());
    let seconds = median(hits.iter().map(|&(_, t)| t.as_secs_f64()).collect());
    let seconds_run: f64 = found.iter().map(|c| c.elapsed.as_secs_f64()).sum();
    let schedules_run: u64 = found.iter().map(|c| c.runs).sum();
    let rated = kind == Kind::Exhaustive && schedules_run >= RATE_MIN_RUNS;
    let rate = |count: fn(&CampaignHits) -> u64| {
        let all: u64 = found.iter().map(|c| count(c)).sum();
        rated.then(|| all as f64 / seconds_run)
    };
    FirstHits {
        scenario: scenario.name.clone(),
        group: key.label(),
        strategy: kind.name(),
        campaigns,
        hits: hits.len() as u64,
        median_runs_to_first_hit: runs.map(|r| r as u64),
        median_seconds_to_first_hit: seconds,
        bound: found
            .iter()
            .find_map(|c| c.bound_of.get(key).copied())
            .filter(|_| kind == Kind::Exhaustive),
        schedules_per_sec: rate(|c| c.runs),
        events_per_sec: rate(|c| c.events),
    }
}

/// The rows as a Markdown table: a line per failure group, a column per
/// strategy (median runs / median ms to a first hit; the campaigns that
/// hit it, when not all did; exhaustive's bound), and the fastest; then
/// exhaustive search's rate per scenario.
pub fn table(rows: &[FirstHits]) -> String {
    use std::fmt::Write;
    let mut out = String::from("| scenario | failure group |");
    for kind in Kind::ALL {
        let _ = write!(out, " {} |", kind.name());
    }
    out.push_str(" fastest |\n|---|---|");
    out.push_str(&"---|".repeat(Kind::ALL.len() + 1));
    out.push('\n');
    let mut groups: Vec<(&str, &str)> = Vec::new();
    for r in rows {
        if !groups.contains(&(r.scenario.as_str(), r.group.as_str())) {
            groups.push((&r.scenario, &r.group));
        }
    }
    for (scenario, group) in groups {
        let of_group: Vec<&FirstHits> = rows
            .iter()
            .filter(|r| r.scenario == scenario && r.group == group)
            .collect();
        let _ = write!(out, "| {scenario} | {group} |");
        for r in &of_group {
            let _ = write!(out, " {} |", cell(r));
        }
        let _ = writeln!(out, " {} |", fastest(&of_group));
    }
    let _ = writeln!(out);
    let mut rated = BTreeSet::new();
    for r in rows {
        if let (Some(schedules), Some(events)) = (r.schedules_per_sec, r.events_per_sec)
            && rated.insert(&r.scenario)
        {
            let _ = writeln!(
                out,
                "exhaustive on {}: {schedules:.0} schedules/s/core, {events:.0} events/s/core",
                r.scenario
            );
        }
    }
    out
}

/// `runs / ms`, the hits when some campaign missed, exhaustive's bound;
/// `-` when most campaigns missed.
fn cell(r: &FirstHits) -> String {
    let (Some(runs), Some(seconds)) = (r.median_runs_to_first_hit, r.median_seconds_to_first_hit) else {
        return format!("- ({}/{})", r.hits, r.campaigns);
    };
    let mut text = format!("{runs} / {:.1} ms", seconds * 1000.0);
    if r.hits < r.campaigns {
        text.push_str(&format!(" ({}/{})", r.hits, r.campaigns));
    }
    if let Some(bound) = r.bound {
        text.push_str(&format!(", bound {bound}"));
    }
    text
}

/// The strategies with the smallest median time to a first hit of one
/// group (times within the same 0.1 ms count as equal, and then fewer runs
/// win); `all` when every strategy hit it in its first run.
pub fn fastest(of_group: &[&FirstHits]) -> String {
    if of_group.iter().all(|r| r.median_runs_to_first_hit == Some(1)) {
        return "all (first run)".to_string();
    }
    let key = |r: &&&FirstHits| {
        let tenths_of_ms = r.median_seconds_to_first_hit.map(|s| (s * 10_000.0).round() as u64);
        (tenths_of_ms, r.median_runs_to_first_hit)
    };
    let found: Vec<&&FirstHits> = of_group
        .iter()
        .filter(|r| r.median_runs_to_first_hit.is_some())
        .collect();
    let Some(best) = found.iter().map(key).min() else {
        return "none".to_string();
    };
    let names: Vec<&str> = found.iter().filter(|r| key(r) == best).map(|r| r.strategy).collect();
    names.join(", ")
}

/// Exhaustive search at one bound of one scenario, run from scratch.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BoundRow {
    pub scenario: String,
    pub bound: u32,
    /// Partial-order reduction on (`explore`'s default) or off.
    pub reduction: bool,
    pub schedules: u64,
    pub distinct_states: u64,
    pub pruned_subtrees: u64,
    pub reduced_last_deviations: u64,
    /// Every schedule within the bound ran (not stopped by the run budget).
    pub complete: bool,
    /// The failure groups found within the bound.
    pub groups: usize,
    /// The first run in some failure group, and the wall time to it.
    pub first_hit_run: Option<u64>,
    pub first_hit_seconds: Option<f64>,
    /// Wall time to exhaust the bound (or to stop), one thread.
    pub seconds: f64,
}

/// Exhaustive search of each scenario at bounds 1..=`max_bound`, each bound
/// from scratch on one thread, with and without partial-order reduction,
/// until a bound does not complete within `max_runs` schedules.
pub fn by_bound(scenarios: &[Scenario], max_bound: u32, max_runs: u64) -> Vec<BoundRow> {
    let mut rows = Vec::new();
    for scenario in scenarios {
        for reduction in [false, true] {
            for bound in 1..=max_bound {
                let row = one_bound(scenario, bound, reduction, max_runs);
                let complete = row.complete;
                rows.push(row);
                if !complete {
                    break;
                }
            }
        }
    }
    rows
}

fn one_bound(scenario: &Scenario, bound: u32, reduction: bool, max_runs: u64) -> BoundRow {
    let never = AtomicBool::new(false);
    let options = SearchOptions {
        jobs: 1,
        max_runs: Some(max_runs),
        deadline: None,
        interrupted: &never,
    };
    let settings = Settings {
        bound,
        reduction,
        ..Settings::default()
    };
    let started = Instant::now();
    let mut strategy = strategy::make(Kind::Exhaustive, scenario, settings);
    let found = search(scenario, strategy.as_mut(), &options, &super::campaign::Quiet);
    let seconds = started.elapsed().as_secs_f64();
    let first = found.first_hits.values().min().copied();
    let count = |key: &str| found.report.json[key].as_u64().unwrap_or(0);
    BoundRow {
        scenario: scenario.name.clone(),
        bound,
        reduction,
        schedules: found.campaign.tally.runs,
        distinct_states: count("distinct_states"),
        pruned_subtrees: count("pruned_subtrees"),
        reduced_last_deviations: count("reduced_last_deviations"),
        complete: found.complete,
        groups: found.first_hits.len(),
        first_hit_run: first.map(|(run, _)| run),
        first_hit_seconds: first.map(|(_, at)| at.as_secs_f64()),
        seconds,
    }
}

/// The rows of [`by_bound`] as a Markdown table.
pub fn bound_table(rows: &[BoundRow]) -> String {
    use std::fmt::Write;
    let mut out = String::from(
        "| scenario | bound | reduction | schedules | distinct states | pruned subtrees | reduced last deviations | \
         failure groups | first hit (run / ms) | time to exhaust |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let (first, time) = timing_cells((r.first_hit_run, r.first_hit_seconds), r.complete, r.seconds);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {first} | {time} |",
            r.scenario,
            r.bound,
            if r.reduction { "on" } else { "off" },
            r.schedules,
            r.distinct_states,
            r.pruned_subtrees,
            r.reduced_last_deviations,
            r.groups,
        );
    }
    out
}

/// A search over orders (`explore::orders`) of one scenario, beside the
/// bounded search's rows: a different space (positions among the queued
/// events rather than delays), so its own table. One row for every order,
/// and one for each deviation bound.
#[derive(Clone, Debug, serde::Serialize)]
pub struct OrderRow {
    pub scenario: String,
    /// Why the scenario is outside the search, if it is.
    pub not_searched: Option<&'static str>,
    /// `None`: every order; else the deviation bound.
    pub bound: Option<u32>,
    /// Schedules run within the bound (the nominal one, one per deviation
    /// taken), and how many the same search without caching runs (counted
    /// up to bound 2; deeper, counting them means running them).
    pub schedules: Option<u64>,
    pub schedules_without_caching: Option<u64>,
    pub states: u64,
    /// Events run (edges explored).
    pub events: u64,
    /// Edges into a state already explored (their future not run again).
    pub revisits: u64,
    pub complete: bool,
    pub groups: usize,
    /// Events run before the first violation, and the wall time to it.
    pub first_hit_events: Option<u64>,
    pub first_hit_seconds: Option<f64>,
    pub seconds: f64,
}

/// Every order of each scenario, then its orders within 1..=`max_bound`
/// deviations until a bound does not complete, each within `max_states`
/// states, one thread.
pub fn by_order(scenarios: &[Scenario], max_bound: u32, max_states: u64) -> Vec<OrderRow> {
    use super::orders::{Orders, every_order, schedules_without_caching, unorderable, within_deviations};
    let row = |scenario: &Scenario, not_searched, found: Orders| {
        let first = found.failures.values().min_by_key(|f| f.after_events);
        let bound = found.bound;
        OrderRow {
            scenario: scenario.name.clone(),
            not_searched,
            bound,
            schedules: bound.map(|_| found.schedules),
            schedules_without_caching: bound
                .filter(|&b| b <= 2)
                .map(|b| schedules_without_caching(scenario, b)),
            states: found.states,
            events: found.events,
            revisits: found.revisits,
            complete: found.complete,
            groups: found.failures.len(),
            first_hit_events: first.map(|f| f.after_events),
            first_hit_seconds: first.map(|f| f.after.as_secs_f64()),
            seconds: found.elapsed.as_secs_f64(),
        }
    };
    let mut rows = Vec::new();
    for scenario in scenarios {
        if let Some(why) = unorderable(scenario) {
            rows.push(row(scenario, Some(why), Orders::default()));
            continue;
        }
        rows.push(row(scenario, None, every_order(scenario, max_states)));
        for bound in 1..=max_bound {
            let found = within_deviations(scenario, bound, max_states);
            let complete = found.complete;
            rows.push(row(scenario, None, found));
            if !complete {
                break;
            }
        }
    }
    rows
}

/// The rows of [`by_order`] as a Markdown table.
pub fn order_table(rows: &[OrderRow]) -> String {
    use std::fmt::Write;
    let mut out = String::from(
        "| scenario | orders | schedules (without caching) | states | events run | into states already explored | \
         failure groups | first hit (events / ms) | time to exhaust |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        if let Some(why) = r.not_searched {
            let _ = writeln!(out, "| {} | not searched ({why}) | | | | | | | |", r.scenario);
            continue;
        }
        let orders = match r.bound {
            None => "every order".to_string(),
            Some(k) => format!("within {k} deviation(s)"),
        };
        let schedules = match (r.schedules, r.schedules_without_caching) {
            (Some(n), Some(all)) => format!("{n} ({all})"),
            (Some(n), None) => n.to_string(),
            _ => "-".to_string(),
        };
        let (first, time) = timing_cells((r.first_hit_events, r.first_hit_seconds), r.complete, r.seconds);
        let _ = writeln!(
            out,
            "| {} | {orders} | {schedules} | {} | {} | {} | {} | {first} | {time} |",
            r.scenario, r.states, r.events, r.revisits, r.groups,
        );
    }
    out
}

/// A row's "first hit (count / ms)" and "time to exhaust" cells.
fn timing_cells(first: (Option<u64>, Option<f64>), complete: bool, seconds: f64) -> (String, String) {
    let first = match first {
        (Some(count), Some(s)) => format!("{count} / {:.1} ms", s * 1000.0),
        _ => "-".to_string(),
    };
    let time = if complete {
        format!("{seconds:.2} s")
    } else {
        format!("stopped at {seconds:.2} s")
    };
    (first, time)
}
