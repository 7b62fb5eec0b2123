//! A run's whole state between two events, to branch from: what a
//! stateful search over orders (`explore::orders`) clones and steps, where
//! the stateless searches replay a schedule from the start.

use super::run::{check, start};
use crate::check::{Checker, Violation};
use crate::model::World;
use crate::model::db::hashing_whole_snapshots;
use crate::scenario::Scenario;
use crate::sim::hash::TraceHasher;
use crate::sim::{Choices, Engine, EngineOptions, Schedule, TraceEvent};

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

/// Engine, world and checker at one point of a run, plus a running hash
/// of the databases the checker remembers.
#[derive(Clone)]
pub struct RunState {
    engine: Engine<World>,
    world: World,
    checker: Checker,
    history: History,
}

impl RunState {
    /// The state before the first event. Every choice takes its nominal
    /// value: the order of events is what a search over orders varies.
    pub fn start(scenario: &Scenario) -> RunState {
        RunState::started(scenario, EngineOptions::default())
    }

    /// The same, keeping a trace of every event (to show a path).
    pub fn start_traced(scenario: &Scenario) -> RunState {
        let options = EngineOptions {
            trace: true,
            ..EngineOptions::default()
        };
        RunState::started(scenario, options)
    }

    fn started(scenario: &Scenario, options: EngineOptions) -> RunState {
        let choices = Choices::replay(Schedule::default());
        let (engine, world, checker) = start(scenario, choices, options);
        let mut state = RunState {
            engine,
            world,
            checker,
            history: History::default(),
        };
        state.history.remember(&state.checker);
        state
    }

    /// How many events may go next.
    pub fn pending(&self) -> usize {
        self.engine.pending()
    }

    pub fn events(&self) -> u64 {
        self.engine.events()
    }

    /// Runs the `n`-th pending event (in the order the engine would run
    /// them) and checks it; returns the violations it caused.
    pub fn step(&mut self, n: usize) -> &[Violation] {
        let ran = self.engine.step_nth(&mut self.world, n);
        debug_assert!(ran, "event {n} of {} pending", self.pending());
        let before = check(&self.engine, &mut self.world, &mut self.checker);
        for index in before..self.checker.reported() {
            self.engine.mark(index as u32);
        }
        self.history.remember(&self.checker);
        &self.checker.violations()[before..]
    }

    /// The violations only the end of a run can show (nothing pending).
    pub fn at_end(&self) -> Vec<Violation> {
        let before = self.checker.reported();
        let mut all = self.checker.clone().at_end(&self.world, self.engine.now(), None);
        all.drain(..before);
        all
    }

    /// Ends the run here: its trace (when traced) and every violation,
    /// those only the end can show included.
    pub fn finish(self) -> (Vec<TraceEvent<World>>, Vec<Violation>) {
        let violations = self.checker.at_end(&self.world, self.engine.now(), None);
        (self.engine.finish().trace.unwrap_or_default(), violations)
    }

    /// Everything that decides how the run goes on when any pending event
    /// may go next and no handler reads the clock: the engine without its
    /// times, the whole world (every snapshot by content) and the checker.
    pub fn fingerprint(&self) -> u64 {
        self.history
            .fingerprint(&self.engine, &self.world, &self.checker, Timing::Untimed)
    }

    /// [`RunState::fingerprint`] with the pending events in their order and
    /// their times relative to now: what a search that counts deviations
    /// from nominal timing needs, since which event is nominal, now and
    /// after any later event, depends on them.
    pub fn fingerprint_timed(&self) -> u64 {
        self.history
            .fingerprint(&self.engine, &self.world, &self.checker, Timing::Relative)
    }
}
