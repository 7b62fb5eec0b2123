//! The campaign of a search strategy: the strategy proposes runs in
//! batches, the batch runs on worker threads, and the results come back to
//! the tally, the observer and the strategy *in the order the strategy
//! proposed them*. Every decision of the strategy depends only on that
//! ordered feedback and the batch size (a constant), never on `--jobs` or
//! on timing, so a strategy seed gives the same runs, tally and artifacts
//! with any number of threads. Runs are numbered from 1 in that order; the
//! numbers stand where a fuzz campaign has seeds.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::campaign::{Campaign, Observer, failure_key, panic_message, record_run};
use super::strategy::{Plan, Report, Strategy};
use super::tally::{FailureKey, Tally};
use crate::run::{RunResult, run};
use crate::scenario::Scenario;

/// Runs proposed and run together. A constant: the batch size shapes the
/// order of adaptive strategies, so it must not follow `--jobs`.
pub const BATCH_RUNS: usize = 256;

pub struct SearchOptions<'a> {
    pub jobs: usize,
    /// Stop after this many runs (`--runs`).
    pub max_runs: Option<u64>,
    /// Stop proposing runs after this instant (`--time`).
    pub deadline: Option<Instant>,
    /// Set from outside (Ctrl-C) to stop.
    pub interrupted: &'a AtomicBool,
}

/// The outcome of a search over one scenario.
pub struct Search {
    /// Runs, tallied as a fuzz campaign's (run numbers for seeds).
    pub campaign: Campaign,
    /// When each failure group was first hit: its run number and the wall
    /// time since the search started.
    pub first_hits: BTreeMap<FailureKey, (u64, Duration)>,
    /// The strategy ran everything it meant to (exhaustive: every schedule
    /// within its bound), rather than being stopped.
    pub complete: bool,
    pub report: Report,
}

/// Runs `strategy` on `scenario` until it is done, or stopped by `options`.
pub fn search(
    scenario: &Scenario,
    strategy: &mut dyn Strategy,
    options: &SearchOptions<'_>,
    observer: &dyn Observer,
) -> Search {
    let started = Instant::now();
    let mut ledger = Ledger::default();
    let mut feedback: Vec<Option<RunResult>> = Vec::new();
    let mut done = false;
    while !stopped(options, ledger.tally.runs) {
        let room = options.max_runs.map_or(BATCH_RUNS as u64, |m| m - ledger.tally.runs);
        let plans = strategy.next(&feedback, BATCH_RUNS.min(room as usize));
        if plans.is_empty() {
            done = true;
            break;
        }
        let results = run_batch(scenario, &plans, options.jobs);
        feedback = results
            .into_iter()
            .zip(&plans)
            .map(|((ran, finished), plan)| {
                let result = ledger.record(scenario, observer, ran, finished - started);
                result.filter(|_| plan.feedback)
            })
            .collect();
    }
    let complete = done && strategy.complete();
    let runs = ledger.tally.runs;
    Search {
        campaign: Campaign {
            tally: ledger.tally,
            seeds_run: runs,
            seeds_planned: if done {
                runs
            } else {
                options.max_runs.unwrap_or(u64::MAX)
            },
            elapsed: started.elapsed(),
        },
        first_hits: ledger.first_hits,
        complete,
        report: strategy.report(complete),
    }
}

fn stopped(options: &SearchOptions<'_>, runs: u64) -> bool {
    options.max_runs.is_some_and(|m| runs >= m)
        || options.deadline.is_some_and(|d| Instant::now() >= d)
        || options.interrupted.load(Ordering::Relaxed)
}

/// What the search has learned so far, updated run by run in order.
#[derive(Default)]
struct Ledger {
    tally: Tally,
    failures: u64,
    first_hits: BTreeMap<FailureKey, (u64, Duration)>,
}

impl Ledger {
    /// Counts the next run, which ended `at` into the search; returns its
    /// result for the strategy.
    fn record(
        &mut self,
        scenario: &Scenario,
        observer: &dyn Observer,
        ran: Result<RunResult, String>,
        at: Duration,
    ) -> Option<RunResult> {
        let id = self.tally.runs + 1;
        let result = match ran {
            Ok(result) => result,
            Err(message) => {
                observer.panicked(id, &message);
                self.tally.record_panic(id, message);
                self.failures += 1;
                observer.ran(id, self.failures);
                return None;
            }
        };
        record_run(&mut self.tally, scenario, id, &result);
        if !result.violations.is_empty() {
            self.failures += 1;
            let mut new = false;
            for v in &result.violations {
                let key = failure_key(scenario, v);
                if let std::collections::btree_map::Entry::Vacant(entry) = self.first_hits.entry(key) {
                    entry.insert((id, at));
                    new = true;
                }
            }
            if new {
                observer.new_failure(id, &result);
            }
        }
        observer.ran(id, self.failures);
        Some(result)
    }
}

/// A run's result (a panic as its message) and when it ended.
type Ran = (Result<RunResult, String>, Instant);

/// Runs `plans` on up to `jobs` threads; results in the order of `plans`.
fn run_batch(scenario: &Scenario, plans: &[Plan], jobs: usize) -> Vec<Ran> {
    parallel_map(plans, jobs, |plan| {
        let ran = catch_unwind(AssertUnwindSafe(|| run(scenario, &plan.source, plan.options)))
            .map_err(|payload| panic_message(payload.as_ref()));
        (ran, Instant::now())
    })
}

/// `work` on each of `items`, on up to `jobs` threads, each taking the next
/// item as it is free; the results in the order of `items`. `work` must
/// not panic (runs catch their own panics).
pub fn parallel_map<T: Sync, R: Send>(items: &[T], jobs: usize, work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = jobs.clamp(1, items.len().max(1));
    if threads == 1 {
        return items.iter().map(work).collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let result = work(item);
                    slots.lock().expect("work does not panic")[i] = Some(result);
                }
            });
        }
    });
    slots
        .into_inner()
        .expect("work does not panic")
        .into_iter()
        .map(|slot| slot.expect("every item was worked on"))
        .collect()
}
