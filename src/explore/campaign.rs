//! A fuzzing campaign over one scenario: seeds claimed in order by worker
//! threads, each run checked, panics caught, results merged so that they
//! depend only on which seeds ran, never on the number of threads.

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::seeds::{SeedRange, Shard};
use super::tally::{FailureKey, Tally};
use crate::check::Invariant;
use crate::model::Role;
use crate::run::{RunOptions, RunResult, Source, run};
use crate::scenario::Scenario;
use crate::sim::NodeId;

/// Seeds are claimed in chunks, so that threads rarely contend and a
/// deadline stops the campaign on a whole prefix of the shard's seeds.
const CHUNK_SEEDS: u64 = 64;

pub struct CampaignOptions<'a> {
    pub range: SeedRange,
    pub shard: Shard,
    pub jobs: usize,
    /// Stop claiming seeds after this instant (`--time`).
    pub deadline: Option<Instant>,
    pub swarm: bool,
    /// Run every seed twice and compare trace hashes event by event.
    pub check_determinism: bool,
    /// Set from outside (Ctrl-C) to stop claiming seeds.
    pub interrupted: &'a AtomicBool,
}

/// Told about each run; must be cheap (called from worker threads).
pub trait Observer: Sync {
    /// A run finished; `failures` counts failing runs so far in total.
    fn ran(&self, _runs: u64, _failures: u64) {}
    /// The first run of a new failure group (per key), to be saved at once.
    fn new_failure(&self, _seed: u64, _result: &RunResult) {}
    /// A run panicked.
    fn panicked(&self, _seed: u64, _message: &str) {}
}

/// An observer that does nothing.
pub struct Quiet;
impl Observer for Quiet {}

/// The outcome of a campaign over one scenario.
pub struct Campaign {
    pub tally: Tally,
    /// How many seeds of the shard ran (a prefix of its seeds).
    pub seeds_run: u64,
    pub seeds_planned: u64,
    pub elapsed: Duration,
}

impl Campaign {
    pub fn stopped_early(&self) -> bool {
        self.seeds_run < self.seeds_planned
    }
}

/// Runs one seed; swappable so that tests can inject a failing run.
pub type Runner<'r> = dyn Fn(&Scenario, u64, RunOptions) -> RunResult + Sync + 'r;

/// The real runner: a seeded run.
pub fn seeded_run(scenario: &Scenario, seed: u64, options: RunOptions) -> RunResult {
    run(scenario, &Source::Seed(seed), options)
}

struct Shared<'a> {
    scenario: &'a Scenario,
    runner: &'a Runner<'a>,
    options: &'a CampaignOptions<'a>,
    observer: &'a dyn Observer,
    next_position: AtomicU64,
    runs: AtomicU64,
    failures: AtomicU64,
    seen_groups: Mutex<BTreeSet<FailureKey>>,
}

pub fn run_campaign(scenario: &Scenario, options: &CampaignOptions<'_>, observer: &dyn Observer) -> Campaign {
    run_campaign_with(scenario, options, observer, &seeded_run)
}

/// The scenario a campaign runs: with swarm testing when asked.
fn campaign_scenario(scenario: &Scenario, options: &CampaignOptions<'_>) -> Scenario {
    if options.swarm {
        scenario.with_swarm(true)
    } else {
        scenario.clone()
    }
}

/// [`run_campaign`] with another runner (tests use it to inject panics).
pub fn run_campaign_with(
    scenario: &Scenario,
    options: &CampaignOptions<'_>,
    observer: &dyn Observer,
    runner: &Runner<'_>,
) -> Campaign {
    let started = Instant::now();
    let scenario = &campaign_scenario(scenario, options);
    let planned = options.shard.len(options.range);
    let shared = Shared {
        scenario,
        runner,
        options,
        observer,
        next_position: AtomicU64::new(0),
        runs: AtomicU64::new(0),
        failures: AtomicU64::new(0),
        seen_groups: Mutex::new(BTreeSet::new()),
    };
    let mut tally = Tally::default();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..options.jobs.max(1))
            .map(|_| scope.spawn(|| worker(&shared, planned)))
            .collect();
        for w in workers {
            tally.merge(w.join().expect("workers catch run panics"));
        }
    });
    let seeds_run = shared.next_position.load(Ordering::SeqCst).min(planned);
    Campaign {
        tally,
        seeds_run,
        seeds_planned: planned,
        elapsed: started.elapsed(),
    }
}

fn worker(shared: &Shared<'_>, planned: u64) -> Tally {
    let options = shared.options;
    let mut tally = Tally::default();
    loop {
        let out_of_time = options.deadline.is_some_and(|d| Instant::now() >= d);
        if out_of_time || options.interrupted.load(Ordering::Relaxed) {
            // Claim nothing more; mark the shard as stopped at what was claimed.
            break;
        }
        let start = shared.next_position.fetch_add(CHUNK_SEEDS, Ordering::SeqCst);
        if start >= planned {
            break;
        }
        for position in start..(start + CHUNK_SEEDS).min(planned) {
            let seed = options
                .shard
                .seed(options.range, position)
                .expect("position within the shard");
            run_seed(shared, &mut tally, seed);
        }
    }
    tally
}

fn run_seed(shared: &Shared<'_>, tally: &mut Tally, seed: u64) {
    let scenario = shared.scenario;
    let options = RunOptions {
        event_hashes: shared.options.check_determinism,
        ..RunOptions::default()
    };
    let result = match guarded_run(shared, seed, options) {
        Ok(result) => result,
        Err(message) => return report_panic(shared, tally, seed, message),
    };
    if shared.options.check_determinism {
        // The re-run can panic where the first did not (that is
        // nondeterminism too); it must not take the campaign down.
        match guarded_run(shared, seed, options) {
            Ok(again) => {
                if let Some(parting) = first_difference(&result, &again) {
                    tally.nondeterministic.insert(seed, parting);
                }
            }
            Err(message) => {
                let message = format!("on the determinism re-run: {message}");
                return report_panic(shared, tally, seed, message);
            }
        }
    }
    record_run(tally, scenario, seed, &result);
    if !result.violations.is_empty() {
        shared.failures.fetch_add(1, Ordering::Relaxed);
        notice_new_groups(shared, seed, &result);
    }
    let runs = shared.runs.fetch_add(1, Ordering::Relaxed) + 1;
    shared.observer.ran(runs, shared.failures.load(Ordering::Relaxed));
}

/// One run of `seed`, with a panic caught and turned into its message, so
/// that a model bug is reported for its seed and the campaign goes on.
fn guarded_run(shared: &Shared<'_>, seed: u64, options: RunOptions) -> Result<RunResult, String> {
    catch_unwind(AssertUnwindSafe(|| (shared.runner)(shared.scenario, seed, options)))
        .map_err(|payload| panic_message(payload.as_ref()))
}

fn report_panic(shared: &Shared<'_>, tally: &mut Tally, seed: u64, message: String) {
    shared.observer.panicked(seed, &message);
    tally.record_panic(seed, message);
    shared.failures.fetch_add(1, Ordering::Relaxed);
}

fn notice_new_groups(shared: &Shared<'_>, seed: u64, result: &RunResult) {
    let scenario = shared.scenario;
    let mut seen = shared.seen_groups.lock().expect("no panics while held");
    let mut new = false;
    for v in &result.violations {
        new |= seen.insert(failure_key(scenario, v));
    }
    drop(seen);
    if new {
        shared.observer.new_failure(seed, result);
    }
}

/// Counts the run of `seed` (a seed, or a search's run number) in
/// `tally`: its events, violations, admin answers and probes.
pub fn record_run(tally: &mut Tally, scenario: &Scenario, seed: u64, result: &RunResult) {
    tally.record(seed, result.events, &result.violations, |node| role_of(scenario, node));
    tally.record_admin_results(seed, &result.world);
    tally.record_probes(result.probes);
}

/// The failure group of `violation`: its invariant, node role and step.
pub fn failure_key(scenario: &Scenario, violation: &crate::check::Violation) -> FailureKey {
    FailureKey {
        invariant: violation.invariant,
        role: violation
            .node
            .as_deref()
            .map_or_else(|| "cluster".to_string(), |n| role_of(scenario, n)),
        step: violation.step.clone().unwrap_or_default(),
    }
}

/// `joiner`, `member`, `leader` or `admin`, for grouping failures.
pub fn role_of(scenario: &Scenario, node: &str) -> String {
    let setup = &scenario.setup;
    let Some(id) = (0..setup.node_count()).find(|&i| setup.node_name(i as NodeId) == node) else {
        return "cluster".to_string();
    };
    match setup.roles[id] {
        Role::Member if id as NodeId == setup.leader => "leader",
        Role::Member => "member",
        Role::Joiner(_) => "joiner",
        Role::Admin(_) => "admin",
    }
    .to_string()
}

/// Where two runs of one seed part, if they do.
pub fn first_difference(a: &RunResult, b: &RunResult) -> Option<String> {
    if a.trace_hash == b.trace_hash {
        return None;
    }
    let (ha, hb) = (
        a.event_hashes.as_deref().unwrap_or(&[]),
        b.event_hashes.as_deref().unwrap_or(&[]),
    );
    let event = ha
        .iter()
        .zip(hb)
        .position(|(x, y)| x != y)
        .unwrap_or(ha.len().min(hb.len()));
    Some(format!(
        "trace hashes {:016x} and {:016x} part at event {} (of {} and {})",
        a.trace_hash,
        b.trace_hash,
        event + 1,
        ha.len(),
        hb.len()
    ))
}

pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}

/// Whether a violation of `invariant` is one the scenario expects.
pub fn expected(scenario: &Scenario, invariant: Invariant) -> bool {
    scenario.expect.of(invariant).allows_violations()
}
