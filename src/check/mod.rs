//! The invariant checker. It reads the model's observations and state after
//! every event (and at the end, for liveness); it never changes them.
//! Violations are values, so that a failing schedule can be shrunk.

mod enforcement;
mod invariant;
mod membership;
mod validation;
mod zone_validation;

use std::sync::Arc;

pub use invariant::Invariant;
use serde::{Deserialize, Serialize};

use crate::model::World;
use crate::model::db::{Db, Group, Project, Table};
use crate::model::observe::Observation;

/// One broken invariant, where and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub invariant: Invariant,
    /// The node it concerns, by name.
    pub node: Option<String>,
    /// The Incus step (or admin operation) at which it happened.
    pub step: Option<String>,
    pub tick: u64,
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at t={}", self.invariant, self.tick)?;
        if let Some(node) = &self.node {
            write!(f, " on {node}")?;
        }
        if let Some(step) = &self.step {
            write!(f, ", step {step}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why a run stopped before it ran out of events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LimitHit {
    Events(u64),
    Ticks(u64),
}

/// Checks every invariant; each is reported at most once per run (its
/// first occurrence), so that a run's verdict is small and shrinkable.
#[derive(Debug)]
pub struct Checker {
    reported: [bool; Invariant::ALL.len()],
    checked_version: u64,
    /// The group and project tables `dangling-group-reference` last
    /// checked. Held (not just their addresses), so that a table is the
    /// same as checked exactly when it is the same copy-on-write table: a
    /// commit that changed neither (most do: member rows, tokens, pools)
    /// costs no scan.
    checked_tables: Option<(Table<Group>, Table<Project>)>,
    /// Every committed database the checker saw, oldest first: its own
    /// record of what the cluster held at each version.
    committed: Vec<Arc<Db>>,
    violations: Vec<Violation>,
}

impl Checker {
    pub fn new(world: &World) -> Checker {
        let mut checker = Checker {
            reported: [false; Invariant::ALL.len()],
            checked_version: u64::MAX,
            checked_tables: None,
            committed: Vec::new(),
            violations: Vec::new(),
        };
        checker.after_event(world, 0);
        checker
    }

    fn report(&mut self, violation: Violation) {
        let slot = &mut self.reported[violation.invariant.index()];
        if !*slot {
            *slot = true;
            self.violations.push(violation);
        }
    }

    fn wants(&self, invariant: Invariant) -> bool {
        !self.reported[invariant.index()]
    }

    /// How many violations were reported so far (their indices in the
    /// final list are `0..reported()`).
    pub fn reported(&self) -> usize {
        self.violations.len()
    }

    /// Folds the checker's whole state into `hasher` (for exhaustive
    /// search's state fingerprint): what it has reported (each invariant is
    /// reported once per run) and what it remembers, through its derived
    /// `Debug` text, so that a field it gains is covered too.
    pub fn hash_state(&self, hasher: &mut crate::sim::hash::TraceHasher) {
        crate::sim::hash::hash_debug(hasher, self);
    }

    /// Call after every event, before the world's observations are cleared.
    pub fn after_event(&mut self, world: &World, tick: u64) {
        if world.db.version != self.checked_version {
            self.committed.push(Arc::clone(&world.db));
        }
        for observation in &world.observations {
            match observation {
                Observation::Validation(v) => {
                    if self.wants(Invariant::UnsyncedGroupValidation)
                        && let Some(violation) = validation::unsynced(world, v, tick)
                    {
                        self.report(violation);
                    }
                }
                Observation::ZoneValidation(v) => {
                    if self.wants(Invariant::UnsyncedZoneValidation)
                        && let Some(violation) = zone_validation::unsynced(world, v, tick)
                    {
                        self.report(violation);
                    }
                }
                // Judged by the J5 local-read invariants once they are
                // registered (the invariants registry).
                Observation::LocalRead(_) => {}
                Observation::Enforced(e) => {
                    if self.wants(Invariant::RestrictionsLost)
                        && let Some(violation) = enforcement::restrictions_lost(&self.committed, world, e, tick)
                    {
                        self.report(violation);
                    }
                }
            }
        }
        self.checked_version = world.db.version;
        if self.wants(Invariant::DanglingGroupReference)
            && self.groups_or_projects_changed(&world.db)
            && let Some(violation) = validation::dangling(world, tick)
        {
            self.report(violation);
        }
    }

    /// Whether the group or project table is another than the one last
    /// checked (and notes it as checked).
    fn groups_or_projects_changed(&mut self, db: &Db) -> bool {
        let unchanged = self
            .checked_tables
            .as_ref()
            .is_some_and(|(groups, projects)| Table::same(groups, &db.groups) && Table::same(projects, &db.projects));
        if !unchanged {
            self.checked_tables = Some((db.groups.clone(), db.projects.clone()));
        }
        !unchanged
    }

    /// Call once the run is over: checks what can only be judged at the end.
    pub fn at_end(mut self, world: &World, tick: u64, limit: Option<&LimitHit>) -> Vec<Violation> {
        for violation in validation::spurious_failures(world) {
            self.report(violation);
        }
        for violation in membership::at_end(world, tick, limit) {
            self.report(violation);
        }
        self.violations
    }
}
