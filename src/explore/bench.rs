//! Throughput: runs and simulated events per second on one core, tracing
//! off, as fuzzing runs them; seconds are the measuring thread's CPU time,
//! so that other work on the machine does not count. Figures belong here,
//! never in a timed test.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::model::Variant;
use crate::run::{RunOptions, Source, run};
use crate::scenario::generate::{ScaleShape, scale_scenario};
use crate::scenario::{Scenario, ScenarioError};

/// One measured (scenario, variant) pair.
#[derive(Clone, Debug, Serialize)]
pub struct Throughput {
    pub scenario: String,
    pub variant: String,
    pub runs: u64,
    pub events: u64,
    /// CPU seconds of the measured round.
    pub seconds: f64,
    pub runs_per_sec: f64,
    pub events_per_sec: f64,
}

/// How many rounds [`measure`] splits its budget into; it reports the
/// fastest, so that a neighbour's burst on a shared machine does not count.
const ROUNDS: u32 = 5;

/// Runs seeds 1, 2, ... of `scenario` on the calling thread for about
/// `budget` (at least `min_runs` runs), in [`ROUNDS`] rounds after a
/// warm-up, and reports the rate of the fastest round.
pub fn measure(scenario: &Scenario, budget: Duration, min_runs: u64) -> Throughput {
    // Warm caches, the allocator and the core's clock before timing: at
    // least 200 runs and a round's time (200 runs alone leave the first row
    // of a table measured slow).
    let warming = Instant::now();
    let mut seed = u64::MAX;
    while u64::MAX - seed < 200 || warming.elapsed() < budget / ROUNDS {
        std::hint::black_box(run(scenario, &Source::Seed(seed), RunOptions::default()));
        seed -= 1;
    }
    let mut next_seed = 1;
    let mut best: Option<Throughput> = None;
    for _ in 0..ROUNDS {
        let round_runs = min_runs.div_ceil(u64::from(ROUNDS));
        let round = measure_round(scenario, &mut next_seed, budget / ROUNDS, round_runs);
        if best.as_ref().is_none_or(|b| round.events_per_sec > b.events_per_sec) {
            best = Some(round);
        }
    }
    best.expect("at least one round")
}

/// The CPU time the calling thread has used: what runs cost on their core,
/// whatever else the machine runs meanwhile (a shared CI runner, other
/// builds).
#[cfg(unix)]
fn thread_cpu_time() -> Option<Duration> {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `now` is a valid, writable timespec for the call's duration.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    (status == 0).then(|| Duration::new(now.tv_sec as u64, now.tv_nsec as u32))
}

/// No thread clock here: rounds are timed by the wall clock.
#[cfg(not(unix))]
fn thread_cpu_time() -> Option<Duration> {
    None
}

/// One timed round from seed `*next_seed` on: `budget` of wall time, rates
/// per second of the thread's CPU time (or of the wall clock without one).
fn measure_round(scenario: &Scenario, next_seed: &mut u64, budget: Duration, min_runs: u64) -> Throughput {
    let started = Instant::now();
    let cpu_started = thread_cpu_time();
    let (mut runs, mut events) = (0u64, 0u64);
    while runs < min_runs || started.elapsed() < budget {
        // Check the clock once per batch: reading it per run would be
        // measurable at these rates.
        for _ in 0..64 {
            runs += 1;
            let result = run(scenario, &Source::Seed(*next_seed), RunOptions::default());
            *next_seed += 1;
            events += result.events;
        }
    }
    let elapsed = match (cpu_started, thread_cpu_time()) {
        (Some(from), Some(to)) => to.saturating_sub(from),
        _ => started.elapsed(),
    };
    let seconds = elapsed.as_secs_f64().max(1e-9);
    Throughput {
        scenario: scenario.name.clone(),
        variant: scenario.variant().name().to_string(),
        runs,
        events,
        seconds,
        runs_per_sec: runs as f64 / seconds,
        events_per_sec: events as f64 / seconds,
    }
}

/// Every variant of every scenario given.
pub fn measure_all(scenarios: &[Scenario], budget: Duration, min_runs: u64) -> Vec<Throughput> {
    let mut rows = Vec::new();
    for scenario in scenarios {
        for variant in Variant::ALL {
            rows.push(measure(&scenario.with_variant(variant), budget, min_runs));
        }
    }
    rows
}

/// The table printed by `joinsim bench`.
pub fn table(rows: &[Throughput]) -> String {
    use std::fmt::Write;
    let mut out = format!(
        "{:<32} {:<20} {:>10} {:>12} {:>14} {:>11}\n",
        "scenario", "variant", "runs", "runs/s/core", "events/s/core", "events/run"
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{:<32} {:<20} {:>10} {:>12.0} {:>14.0} {:>11.1}",
            r.scenario,
            r.variant,
            r.runs,
            r.runs_per_sec,
            r.events_per_sec,
            r.events as f64 / r.runs.max(1) as f64
        );
    }
    out
}

/// The cluster sizes `joinsim bench --scale` measures: members, then
/// concurrent joiners.
pub const SCALE_MEMBERS: [usize; 4] = [3, 10, 30, 100];
pub const SCALE_JOINERS: [usize; 3] = [1, 5, 20];

/// One measured generated scenario (`joinsim bench --scale`): its size and
/// its rates (named `scale-MxJ`).
#[derive(Clone, Debug, Serialize)]
pub struct ScaleRow {
    pub members: usize,
    pub joiners: usize,
    #[serde(flatten)]
    pub throughput: Throughput,
}

/// Every size of [`SCALE_MEMBERS`] x [`SCALE_JOINERS`], each generated by
/// [`scale_scenario`] and measured as [`measure`] does.
pub fn measure_scale(budget: Duration, min_runs: u64) -> Result<Vec<ScaleRow>, ScenarioError> {
    let mut rows = Vec::new();
    for members in SCALE_MEMBERS {
        for joiners in SCALE_JOINERS {
            let scenario = scale_scenario(&ScaleShape::new(members, joiners))?;
            let throughput = measure(&scenario, budget, min_runs);
            rows.push(ScaleRow {
                members,
                joiners,
                throughput,
            });
        }
    }
    Ok(rows)
}

/// How much an event costs at the largest size, relative to the smallest:
/// the ratio of their events per second.
pub fn cost_growth(rows: &[ScaleRow]) -> Option<f64> {
    let (first, last) = (rows.first()?, rows.last()?);
    Some(first.throughput.events_per_sec / last.throughput.events_per_sec.max(1e-9))
}
