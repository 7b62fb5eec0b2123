//! Search strategies: ways to pick a campaign's runs, all over the same
//! labelled choices, so that every run they make is a seed or a schedule
//! that replays, shrinks and reports as `fuzz`'s runs do. One file per
//! strategy, behind one small trait (as shuttle's schedulers are):
//!
//! - `random` and `swarm`: seeded runs, as `fuzz` and `fuzz --swarm` make;
//! - `exhaustive`: every schedule within a number of deviations;
//! - `pct`: probabilistic concurrency testing over node priorities;
//! - `coverage`: a corpus of schedules, mutated, kept on new coverage.

mod coverage;
mod exhaustive;
mod pct;
mod random;
pub(crate) mod reduction;

pub use coverage::Coverage;
pub use exhaustive::{Exhaustive, values};
pub use pct::Pct;
pub use random::Random;

use crate::run::{RunOptions, RunResult, Source};
use crate::scenario::Scenario;

/// One run a strategy asks for.
#[derive(Clone, Debug)]
pub struct Plan {
    pub source: Source,
    pub options: RunOptions,
    /// Whether the strategy wants the run's result back. When not, the
    /// search drops it as soon as it is counted rather than holding a
    /// whole batch of results (which costs random search a quarter of its
    /// speed).
    pub feedback: bool,
}

impl Plan {
    /// A plain run of `source`: nothing recorded beyond the verdict, no
    /// result wanted back.
    pub fn of(source: Source) -> Plan {
        Plan {
            source,
            options: RunOptions::default(),
            feedback: false,
        }
    }
}

/// What a strategy tells about its own search, at the end.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// One line for the summary.
    pub line: String,
    /// The same, and more, for `--json`.
    pub json: serde_json::Value,
}

/// A search strategy: proposes runs, learns from what they did.
pub trait Strategy: Send {
    /// The next runs to make, at most `max`, given the results of the
    /// previous batch in the order they were proposed (`None`: that run
    /// panicked, or its plan asked for no feedback; empty on the first
    /// call). Empty when nothing is left.
    fn next(&mut self, feedback: &[Option<RunResult>], max: usize) -> Vec<Plan>;

    /// Whether the strategy has run all it meant to. Only exhaustive search
    /// can: the others always have another run to propose.
    fn complete(&self) -> bool {
        false
    }

    /// What the search found about itself; `complete` says whether the
    /// campaign let it finish.
    fn report(&self, complete: bool) -> Report;
}

/// Everything the harness knows about one strategy, declared in the
/// strategy's own file: its name, the knobs it takes (which `explore`'s
/// flag checks, settings line and JSON follow) and how to make it.
pub struct Spec {
    /// `explore --strategy NAME`.
    pub name: &'static str,
    /// The knobs it takes; `explore` refuses the flag of any other.
    pub knobs: &'static [Knob],
    /// Whether its runs are seeds (replayed with `run --seed`).
    pub seeded: bool,
    /// Whether its runs sample the scenario's runs as fuzz does, so that
    /// its violation rates can be held to the scenario's bands.
    pub samples: bool,
    /// Whether its runs use the swarm scenario (each seed first draws which
    /// fault kinds it enables).
    pub swarm: bool,
    /// Whether it ends by itself once its bound is covered (no run limit by
    /// default; a clean end is reported as no violation within the bound).
    pub ends_by_itself: bool,
    /// A strategy for `scenario` (as [`scenario_for`] makes it).
    pub make: fn(&Scenario, &Settings) -> Box<dyn Strategy>,
}

impl Spec {
    /// Whether it takes `knob`.
    pub fn takes(&self, knob: Knob) -> bool {
        self.knobs.contains(&knob)
    }
}

/// The strategies `explore --strategy` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Random,
    Swarm,
    Pct,
    Exhaustive,
    Coverage,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Random, Kind::Swarm, Kind::Pct, Kind::Exhaustive, Kind::Coverage];

    /// The strategy's spec, from its file.
    pub fn spec(self) -> &'static Spec {
        match self {
            Kind::Random => &random::RANDOM,
            Kind::Swarm => &random::SWARM,
            Kind::Pct => &pct::SPEC,
            Kind::Exhaustive => &exhaustive::SPEC,
            Kind::Coverage => &coverage::SPEC,
        }
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether the strategy's runs are seeds (replayed with `run --seed`).
    pub fn seeded(self) -> bool {
        self.spec().seeded
    }
}

/// A knob of a strategy: `explore --NAME VALUE`, and a key of its JSON
/// settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Knob {
    /// The strategy's own seed.
    Seed,
    /// Exhaustive: the most deviations a schedule has.
    Bound,
    /// PCT: the bug depth it targets (1 + its priority change points).
    Depth,
}

impl Knob {
    /// In the order the settings line prints them.
    pub const ALL: [Knob; 3] = [Knob::Seed, Knob::Bound, Knob::Depth];

    /// The flag without its dashes, and the JSON key.
    pub fn name(self) -> &'static str {
        match self {
            Knob::Seed => "seed",
            Knob::Bound => "bound",
            Knob::Depth => "depth",
        }
    }

    /// The least value it takes.
    pub fn min(self) -> u64 {
        match self {
            Knob::Seed | Knob::Bound => 0,
            Knob::Depth => 1,
        }
    }

    /// Its value in `settings`.
    pub fn get(self, settings: &Settings) -> u64 {
        match self {
            Knob::Seed => settings.seed,
            Knob::Bound => u64::from(settings.bound),
            Knob::Depth => u64::from(settings.depth),
        }
    }

    /// The strategies that take it.
    pub fn owners(self) -> Vec<Kind> {
        Kind::ALL.into_iter().filter(|k| k.spec().takes(self)).collect()
    }
}

/// The knobs of a strategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// The strategy's own seed (random, swarm, pct, coverage).
    pub seed: u64,
    /// Exhaustive: the most deviations a schedule has.
    pub bound: u32,
    /// PCT: the bug depth it targets (1 + its priority change points).
    pub depth: u32,
    /// Exhaustive: partial-order reduction of last deviations (on unless
    /// `--no-reduction`).
    pub reduction: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            seed: 0,
            bound: 2,
            depth: 3,
            reduction: true,
        }
    }
}

/// The scenario a strategy's runs use: swarm runs first draw which fault
/// kinds they enable.
pub fn scenario_for(kind: Kind, scenario: &Scenario) -> Scenario {
    scenario.with_swarm(kind.spec().swarm)
}

/// A strategy of `kind` for `scenario` (as [`scenario_for`] makes it).
pub fn make(kind: Kind, scenario: &Scenario, settings: Settings) -> Box<dyn Strategy> {
    (kind.spec().make)(scenario, &settings)
}

/// A run's own random generator for strategy `seed` and run `index`: the
/// same numbers whatever ran before, so that runs need no shared stream.
pub fn rng(seed: u64, index: u64) -> rand_chacha::ChaCha8Rng {
    use rand::SeedableRng;
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&index.to_le_bytes());
    rand_chacha::ChaCha8Rng::from_seed(key)
}
