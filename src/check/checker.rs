//! The checker: runs every listed invariant after every event (and at the
//! end, for what only the end can tell); it never changes what it reads.

use std::sync::Arc;

use super::{EndView, Event, Invariant, Violation};
use crate::model::World;
use crate::model::db::Db;

/// Why a run stopped before it ran out of events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LimitHit {
    Events(u64),
    Ticks(u64),
}

/// Which invariants were reported: each at most once per run (its first
/// occurrence), so that a run's verdict is small and shrinkable.
#[derive(Clone, Debug)]
pub(super) struct Reported([bool; Invariant::ALL.len()]);

impl Reported {
    pub(super) fn wants(&self, invariant: Invariant) -> bool {
        !self.0[invariant.index()]
    }

    pub(super) fn report(&mut self, violation: Violation, violations: &mut Vec<Violation>) {
        let slot = &mut self.0[violation.invariant.index()];
        if !*slot {
            *slot = true;
            violations.push(violation);
        }
    }
}

/// Checks every invariant of the list in `check/mod.rs`.
#[derive(Clone, Debug)]
pub struct Checker {
    reported: Reported,
    /// Every committed database the checker saw, oldest first: its own
    /// record of what the cluster held at each version.
    committed: Vec<Arc<Db>>,
    violations: Vec<Violation>,
}

impl Checker {
    pub fn new(world: &World) -> Checker {
        let mut checker = Checker {
            reported: Reported([false; Invariant::ALL.len()]),
            committed: Vec::new(),
            violations: Vec::new(),
        };
        checker.after_event(world, 0);
        checker
    }

    /// How many violations were reported so far (their indices in the
    /// final list are `0..reported()`).
    pub fn reported(&self) -> usize {
        self.violations.len()
    }

    /// Call after every event, before the world's observations are cleared.
    pub fn after_event(&mut self, world: &World, tick: u64) {
        // The cluster's database only changes by a commit, which bumps its
        // version: the last one recorded is the one the previous event left.
        let changed = self.committed.last().is_none_or(|db| db.version != world.db.version);
        if changed {
            self.committed.push(Arc::clone(&world.db));
        }
        let judged = self.committed.len() - usize::from(changed);
        let event = Event {
            world,
            tick,
            committed: &self.committed,
            previous: judged.checked_sub(1).map(|i| &*self.committed[i]),
        };
        super::after_event(&event, &mut self.reported, &mut self.violations);
    }

    /// The violations reported so far, in order.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// Folds into `hasher` what decides the checker's verdicts from here,
    /// besides the databases it remembers (folded one by one as they come:
    /// [`Checker::remembered`]) and the time (the engine's to hash): which
    /// invariants it has reported. Left out: the past violations' texts.
    pub fn hash_reported(&self, hasher: &mut crate::sim::hash::TraceHasher) {
        hasher.mix(&self.reported.0);
    }

    /// How many committed databases the checker remembers, and the last.
    pub fn remembered(&self) -> (usize, Option<&Db>) {
        (self.committed.len(), self.committed.last().map(|db| &**db))
    }

    /// Call once the run is over: checks what can only be judged at the end.
    pub fn at_end(mut self, world: &World, tick: u64, limit: Option<&LimitHit>) -> Vec<Violation> {
        let end = EndView::of_world(world, tick, limit);
        for violation in super::end_violations(&end) {
            self.reported.report(violation, &mut self.violations);
        }
        self.violations
    }
}
