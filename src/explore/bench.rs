//! Throughput: runs and simulated events per second on one core, tracing
//! off, as fuzzing runs them. Figures belong here, never in a timed test.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::model::Variant;
use crate::run::{RunOptions, Source, run};
use crate::scenario::Scenario;

/// One measured (scenario, variant) pair.
#[derive(Clone, Debug, Serialize)]
pub struct Throughput {
    pub scenario: String,
    pub variant: String,
    pub runs: u64,
    pub events: u64,
    pub seconds: f64,
    pub runs_per_sec: f64,
    pub events_per_sec: f64,
}

/// Runs seeds 1, 2, ... of `scenario` on the calling thread for about
/// `budget` (at least `min_runs` runs) and reports the rate.
pub fn measure(scenario: &Scenario, budget: Duration, min_runs: u64) -> Throughput {
    // Warm caches and the allocator before timing.
    for seed in 0..200 {
        std::hint::black_box(run(scenario, &Source::Seed(u64::MAX - seed), RunOptions::default()));
    }
    let started = Instant::now();
    let (mut runs, mut events) = (0u64, 0u64);
    while runs < min_runs || started.elapsed() < budget {
        // Check the clock once per batch: reading it per run would be
        // measurable at these rates.
        for _ in 0..256 {
            runs += 1;
            let result = run(scenario, &Source::Seed(runs), RunOptions::default());
            events += result.events;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
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
