//! Coverage-guided search (as AFL and libFuzzer, over schedules): a corpus
//! of schedules, each mutated into new ones; a mutant joins the corpus
//! when its run shows something no run showed before.
//!
//! - **Start**: the empty schedule and a few seeded runs (their drawn
//!   deviations become schedules).
//! - **Feedback** (cheap, collected by the run when asked): every (joiner,
//!   join status, cluster DB version) that held after some event (so an
//!   admin commit landing while a join is at a new step is new), the set of
//!   probes hit, and each failure group reached.
//! - **Mutations** (one to three per mutant, each drawn from the run's own
//!   random generator): the shrinker's two, *delete a span* of deviations
//!   and *lower a value*; and *add a deviation* at a point the parent's run
//!   reached (half the time from exhaustive search's reduced values),
//!   *change a value*, and *splice* with another corpus schedule (the
//!   parent's deviations before a cut label, the other's from it).
//!
//! Guarantee: none; it spends runs where runs kept finding new behaviour.

use std::collections::BTreeSet;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{Knob, Plan, Report, Spec, Strategy, random::Random, rng, values};
use crate::check::Violation;
use crate::run::{RunOptions, RunResult, Source};
use crate::sim::hash::TraceHasher;
use crate::sim::{Deviation, Point, Schedule};

/// Seeded runs in the starting corpus, besides the empty schedule.
const START_SEEDS: u64 = 7;
/// Signal tags (the top two bits): coverage pairs have none.
const PROBE_SET: u64 = 1 << 62;
const FAILURE: u64 = 2 << 62;

/// A corpus schedule and the choice points its run reached.
struct Entry {
    schedule: Schedule,
    points: Vec<Point>,
}

pub struct Coverage {
    seed: u64,
    corpus: Vec<Entry>,
    /// Every signal seen so far.
    seen: BTreeSet<u64>,
    started: bool,
    proposed: u64,
}

impl Coverage {
    pub fn new(seed: u64) -> Coverage {
        Coverage {
            seed,
            corpus: Vec::new(),
            seen: BTreeSet::new(),
            started: false,
            proposed: 0,
        }
    }

    fn plan(source: Source) -> Plan {
        Plan {
            source,
            options: RunOptions {
                points: true,
                coverage: true,
                ..RunOptions::default()
            },
            feedback: true,
        }
    }

    /// Adds `result`'s schedule to the corpus if it shows a new signal.
    fn learn(&mut self, result: &RunResult) {
        let mut new = false;
        for signal in signals(result) {
            new |= self.seen.insert(signal);
        }
        if new {
            self.corpus.push(Entry {
                schedule: result.schedule(),
                points: result.points.clone().unwrap_or_default(),
            });
        }
    }

    fn mutant(&self, index: u64) -> Schedule {
        let mut rng = rng(self.seed, index);
        let parent = &self.corpus[rng.random_range(0..self.corpus.len())];
        let mut schedule = parent.schedule.clone();
        for _ in 0..rng.random_range(1..=3) {
            schedule = self.mutate(&schedule, parent, &mut rng);
        }
        schedule
    }

    fn mutate(&self, schedule: &Schedule, parent: &Entry, rng: &mut ChaCha8Rng) -> Schedule {
        let deviations = schedule.deviations();
        if deviations.is_empty() {
            return add(schedule, parent, rng);
        }
        let pick = rng.random_range(0..deviations.len());
        match rng.random_range(0..5) {
            0 => {
                let len = rng.random_range(1..=deviations.len().div_ceil(2));
                let end = (pick + len).min(deviations.len());
                let kept = deviations[..pick].iter().chain(&deviations[end..]).copied();
                Schedule::new(kept)
            }
            1 => {
                let d = deviations[pick];
                schedule.with(d.label, rng.random_range(0..d.value))
            }
            2 => add(schedule, parent, rng),
            3 => {
                let d = deviations[pick];
                let options = options_of(parent, d).max(2);
                schedule.with(d.label, rng.random_range(1..options))
            }
            _ => {
                let other = &self.corpus[rng.random_range(0..self.corpus.len())].schedule;
                let cut = deviations[pick].label;
                let mine = deviations.iter().filter(|d| d.label < cut);
                let theirs = other.deviations().iter().filter(|d| d.label >= cut);
                Schedule::new(mine.chain(theirs).copied())
            }
        }
    }
}

/// `schedule` with one more deviation, at a point `parent`'s run reached.
fn add(schedule: &Schedule, parent: &Entry, rng: &mut ChaCha8Rng) -> Schedule {
    let choosable: Vec<&Point> = parent.points.iter().filter(|p| p.options > 1).collect();
    if choosable.is_empty() {
        return schedule.clone();
    }
    let point = choosable[rng.random_range(0..choosable.len())];
    let reduced = values(point.options);
    let value = if rng.random_bool(0.5) {
        reduced[rng.random_range(0..reduced.len())]
    } else {
        rng.random_range(1..point.options)
    };
    schedule.with(point.label, value)
}

/// The options of the point a deviation was drawn at, in `parent`'s run.
fn options_of(parent: &Entry, deviation: Deviation) -> u32 {
    parent
        .points
        .iter()
        .find(|p| p.label == deviation.label)
        .map_or(deviation.value + 1, |p| p.options)
}

/// What a run showed: its coverage pairs, its probe set, its failures.
fn signals(result: &RunResult) -> impl Iterator<Item = u64> + '_ {
    let pairs = result.coverage.iter().flatten().map(|&pair| pair & !(3 << 62));
    let probes = std::iter::once(PROBE_SET | result.probes);
    let failures = result.violations.iter().map(failure_signal);
    pairs.chain(probes).chain(failures)
}

fn failure_signal(violation: &Violation) -> u64 {
    let mut hasher = TraceHasher::new();
    hasher.mix(&(violation.invariant.name(), &violation.node, &violation.step));
    FAILURE | (std::hash::Hasher::finish(&hasher) >> 2)
}

impl Strategy for Coverage {
    fn next(&mut self, feedback: &[Option<RunResult>], max: usize) -> Vec<Plan> {
        for result in feedback.iter().flatten() {
            self.learn(result);
        }
        if !self.started {
            self.started = true;
            let start = std::iter::once(Source::Schedule(Schedule::default()))
                .chain((1..=START_SEEDS).map(|n| Source::Seed(Random::seed_of(self.seed, n))));
            let plans: Vec<Plan> = start.take(max).map(Coverage::plan).collect();
            self.proposed += plans.len() as u64;
            return plans;
        }
        if self.corpus.is_empty() {
            // Every starting run panicked: nothing to mutate.
            return Vec::new();
        }
        let first = self.proposed;
        self.proposed += max as u64;
        (first..self.proposed)
            .map(|i| Coverage::plan(Source::Schedule(self.mutant(i))))
            .collect()
    }

    fn report(&self, _complete: bool) -> Report {
        Report {
            line: format!(
                "corpus of {} schedule(s), {} signal(s) seen",
                self.corpus.len(),
                self.seen.len()
            ),
            json: serde_json::json!({ "corpus": self.corpus.len(), "signals": self.seen.len() }),
        }
    }
}

/// `coverage`: its own seed.
pub const SPEC: Spec = Spec {
    name: "coverage",
    knobs: &[Knob::Seed],
    seeded: false,
    samples: false,
    swarm: false,
    ends_by_itself: false,
    make: |_, settings| Box::new(Coverage::new(settings.seed)),
};
