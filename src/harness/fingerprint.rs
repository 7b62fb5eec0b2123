//! A run's state fingerprint: everything that decides how a run goes on,
//! hashed once per event by the searches that cache states (exhaustive
//! search's pruning, the searches over orders).

use crate::check::Checker;
use crate::model::World;
use crate::model::db::hashing_whole_snapshots;
use crate::sim::Engine;
use crate::sim::hash::TraceHasher;

/// How a state fingerprint holds the engine's times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    /// None: the pending events as a set ([`Engine::hash_untimed`]).
    Untimed,
    /// In order, relative to now ([`Engine::hash_relative`]).
    Relative,
    /// Every tick as it is, now and the event count included
    /// ([`Engine::hash_state`]).
    Absolute,
}

/// A running hash of the databases a checker remembers, so that a
/// fingerprint does not hash the whole history again at every state.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct History {
    count: usize,
    hash: u64,
}

impl History {
    /// Folds each database the checker has newly remembered into the hash
    /// (call after every event).
    pub(crate) fn remember(&mut self, checker: &Checker) {
        let (count, last) = checker.remembered();
        if count != self.count {
            debug_assert_eq!(count, self.count + 1, "one commit per event at most");
            let mut hasher = TraceHasher::new();
            hasher.mix(&self.hash);
            hasher.mix(&last);
            *self = History {
                count,
                hash: std::hash::Hasher::finish(&hasher),
            };
        }
    }

    /// Everything that decides how a run goes on from here, with the
    /// engine's times as `timing` says: the engine, the checker (what it
    /// has reported, and this history of what it remembers) and the whole
    /// world, every snapshot by content.
    pub(crate) fn fingerprint(&self, engine: &Engine<World>, world: &World, checker: &Checker, timing: Timing) -> u64 {
        hashing_whole_snapshots(|| {
            let mut hasher = TraceHasher::new();
            match timing {
                Timing::Untimed => engine.hash_untimed(&mut hasher),
                Timing::Relative => engine.hash_relative(&mut hasher),
                Timing::Absolute => engine.hash_state(&mut hasher),
            }
            checker.hash_reported(&mut hasher);
            hasher.mix(&self.hash);
            hasher.mix(world);
            std::hash::Hasher::finish(&hasher)
        })
    }
}
