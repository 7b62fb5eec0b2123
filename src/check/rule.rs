//! What an invariant is: a name, a description, and what it checks after
//! each event of a model run and once the run is over. The checker calls
//! each listed invariant through [`Rule`], statically (see `invariants!`).

use std::sync::Arc;

use super::{EndView, Violation};
use crate::model::World;
use crate::model::db::Db;

/// One invariant. An implementing type is a unit struct in a file of its
/// own, named in the list in `check/mod.rs`.
pub trait Rule {
    /// Its name, kebab-case: artifacts, findings, scenarios' `[expect]`
    /// tables and failure groups use it, so it never changes.
    const NAME: &'static str;
    /// One line for `joinsim list` and the README.
    const DESCRIPTION: &'static str;

    /// Judges the model after an event. Runs after every event of every
    /// fuzz run until the invariant is reported, so it must not allocate
    /// unless it found a violation.
    fn after_event(_event: &Event) -> Option<Breach> {
        None
    }

    /// Judges what a run (or a real try) left, on a view both back ends
    /// build; pushes what it finds (the model's checker reports the first).
    fn at_end(_end: &EndView, _found: &mut Vec<Breach>) {}
}

/// What an invariant may read after an event.
pub struct Event<'a> {
    pub world: &'a World,
    pub tick: u64,
    /// Every committed cluster database the checker saw, oldest first (the
    /// current one last): its own record of what the cluster held at each
    /// version.
    pub committed: &'a [Arc<Db>],
    /// The cluster database after the previous event, already judged
    /// (`None` at the first): a table that is the same copy-on-write table
    /// as in it needs no new scan.
    pub previous: Option<&'a Db>,
}

impl Event<'_> {
    /// The breach of the first local read of `kind` whose answer differs
    /// from the cluster's, on the node and at the step that read it, in
    /// the words `describe` gives it (the `unsynced-*-validation` rules of
    /// J5's local reads).
    pub fn differing_local_read(
        &self,
        kind: crate::model::observe::LocalReadKind,
        describe: impl FnOnce(&crate::model::observe::LocalRead, &crate::model::names::Names) -> String,
    ) -> Option<Breach> {
        let r = crate::model::observe::differing_local_read(&self.world.observations, kind)?;
        let names = &self.world.setup.names;
        Some(Breach {
            node: Some(names.node_str(r.node).to_string()),
            step: Some(r.step.to_string()),
            tick: self.tick,
            message: describe(r, names),
        })
    }
}

/// A violation found by one invariant, before the checker names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breach {
    /// The node it concerns, by name.
    pub node: Option<String>,
    /// The Incus step (or admin operation) at which it happened.
    pub step: Option<String>,
    pub tick: u64,
    pub message: String,
}

impl Breach {
    pub fn of(self, invariant: super::Invariant) -> Violation {
        Violation {
            invariant,
            node: self.node,
            step: self.step,
            tick: self.tick,
            message: self.message,
        }
    }
}
