//! Random search (FoundationDB's simulation, TigerBeetle's VOPR): run `n`
//! uses seed `seed << 32 + n`, so strategy seed 0 runs seeds 1, 2, 3...,
//! exactly `fuzz`'s, and another strategy seed a disjoint block of 2^32.
//! `swarm` is the same over the swarm scenario (each seed first picks the
//! fault kinds it enables). Guarantee: none beyond sampling; a failure
//! that a fraction p of seeds shows is found within about 1/p runs.

use super::{Knob, Plan, Report, Spec, Strategy};
use crate::run::{RunResult, Source};

pub struct Random {
    seed: u64,
    proposed: u64,
}

impl Random {
    pub fn new(seed: u64) -> Random {
        Random { seed, proposed: 0 }
    }

    /// The seed of run `run` (from 1) under strategy seed `seed`.
    pub fn seed_of(seed: u64, run: u64) -> u64 {
        seed.wrapping_mul(1 << 32).wrapping_add(run)
    }
}

impl Strategy for Random {
    fn next(&mut self, _feedback: &[Option<RunResult>], max: usize) -> Vec<Plan> {
        let first = self.proposed + 1;
        self.proposed += max as u64;
        (first..=self.proposed)
            .map(|run| Plan::of(Source::Seed(Random::seed_of(self.seed, run))))
            .collect()
    }

    fn report(&self, _complete: bool) -> Report {
        let first = Random::seed_of(self.seed, 1);
        Report {
            line: format!("seeds from {first}"),
            json: serde_json::json!({ "first_seed": first }),
        }
    }
}

/// `random`: `fuzz`'s seeds.
pub const RANDOM: Spec = Spec {
    name: "random",
    knobs: &[Knob::Seed],
    seeded: true,
    samples: true,
    swarm: false,
    ends_by_itself: false,
    make: |_, settings| Box::new(Random::new(settings.seed)),
};

/// `swarm`: `fuzz --swarm`'s seeds. They sample another distribution than
/// the scenario's (each seed switches fault kinds off), so their rates are
/// not held to its bands.
pub const SWARM: Spec = Spec {
    name: "swarm",
    samples: false,
    swarm: true,
    ..RANDOM
};
