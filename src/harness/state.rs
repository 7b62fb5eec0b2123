//! A run's whole state between two events, to branch from: what a
//! stateful search over orders (`explore::orders`) clones and steps, where
//! the stateless searches replay a schedule from the start.

use super::fingerprint::{History, Timing};
use super::run::{check, start};
use crate::check::{Checker, Violation};
use crate::model::World;
use crate::scenario::Scenario;
use crate::sim::{Choices, Engine, EngineOptions, Schedule, TraceEvent};

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
