//! Shrinking a failing schedule while the *same failure* still happens: the
//! same invariant, on the same node, at the same step (the failure group
//! that `fuzz` reports), so that a shrink never slides from one bug to
//! another. A schedule is a set of labelled deviations from the nominal
//! run, so shrinking is set minimisation, as Hypothesis shrinks its choice
//! sequences, and it never needs to know the protocol:
//!
//! 1. delete deviations in chunks, halving the chunk size down to single
//!    deviations (ddmin's granularity schedule);
//! 2. lower each remaining value toward 0 by binary search;
//!
//! repeated until a round changes nothing. Those passes can stop at a local
//! minimum: several deviations, each needed by the others, where another
//! order of deletions reaches fewer. So when the fixed point has more than
//! one deviation, a second path starts again from the input with single
//! deletions front to back (proptest's order) and the same lowering, and
//! the smaller of the two results wins. At either fixed point the result
//! is 1-minimal: removing any one deviation, or lowering any one value to
//! the next value the search tried, no longer fails. Every candidate is a
//! replay; an accepted one is replaced by the deviations its run actually
//! drew (deviations whose label the run never reached fall away).
//! Shrinking is deterministic: the same input gives the same output.

mod baseline;
mod delete;
mod lower;

pub use baseline::proptest_shrink;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::check::{Invariant, Violation};
use crate::run::{RunOptions, Source, run};
use crate::scenario::Scenario;
use crate::sim::Schedule;

/// A bound on the work of one shrink.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// The most runs (replays of candidates) the shrinker may make.
    pub max_runs: u64,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget { max_runs: 5_000 }
    }
}

/// The failure a shrink keeps: an invariant, and where it broke (node and
/// step, when the violation names them).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Target {
    pub invariant: Invariant,
    pub node: Option<String>,
    pub step: Option<String>,
}

impl Target {
    /// The failure `violation` is.
    pub fn of(violation: &Violation) -> Target {
        Target {
            invariant: violation.invariant,
            node: violation.node.clone(),
            step: violation.step.clone(),
        }
    }

    /// Whether `violation` is this failure.
    pub fn matches(&self, violation: &Violation) -> bool {
        violation.invariant == self.invariant && violation.node == self.node && violation.step == self.step
    }

    /// The first of `violations` that is this failure.
    pub fn find<'v>(&self, violations: &'v [Violation]) -> Option<&'v Violation> {
        violations.iter().find(|v| self.matches(v))
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.invariant)?;
        if let Some(node) = &self.node {
            write!(f, " on {node}")?;
        }
        if let Some(step) = &self.step {
            write!(f, " at {step}")?;
        }
        Ok(())
    }
}

/// Where a shrink is, reported after each pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The pass that just ended (`delete`, `lower`; `delete front to back` on
    /// the second path).
    pub pass: &'static str,
    /// The round of passes, from 1.
    pub round: u32,
    pub runs: u64,
    /// The current number of deviations.
    pub deviations: usize,
}

/// The outcome of a shrink.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShrinkResult {
    /// The smallest failing schedule found.
    pub schedule: Schedule,
    /// Runs made, the initial check included.
    pub runs: u64,
    /// Whether shrinking reached a fixed point (the result is then
    /// 1-minimal); false when the budget ran out first.
    pub fixed_point: bool,
    /// Whether the input failed with the target at all; when it did not,
    /// `schedule` is the input, unshrunk.
    pub input_failed: bool,
}

/// Shrinks `schedule` while a replay of it on `scenario` still fails with
/// `target`, quietly.
pub fn shrink(scenario: &Scenario, schedule: &Schedule, target: &Target, budget: Budget) -> ShrinkResult {
    shrink_with_progress(scenario, schedule, target, budget, &mut |_| {})
}

/// Like [`shrink`], calling `on_progress` after every pass.
pub fn shrink_with_progress(
    scenario: &Scenario,
    schedule: &Schedule,
    target: &Target,
    budget: Budget,
    on_progress: &mut dyn FnMut(&Progress),
) -> ShrinkResult {
    let mut shrinker = Shrinker::new(scenario, target, budget, schedule);
    if !shrinker.fails(schedule) {
        return shrinker.finish(false, false);
    }
    let mut round = 0;
    let mut fixed_point = minimise(&mut shrinker, ("delete", delete::chunks), &mut round, on_progress);
    if fixed_point && shrinker.current.len() > 1 {
        // A fresh shrinker: its own cache, so that each accepted candidate
        // moves its own current schedule; runs and rounds count on.
        let mut second = Shrinker::new(scenario, target, budget, schedule);
        second.runs = shrinker.runs;
        let pass = ("delete front to back", delete::front_to_back as fn(&mut Shrinker<'_>));
        let second_fixed = minimise(&mut second, pass, &mut round, on_progress);
        shrinker.runs = second.runs;
        if smaller(&second.current, &shrinker.current) {
            shrinker.current = second.current;
            fixed_point = second_fixed;
        }
    }
    shrinker.finish(true, fixed_point)
}

/// Rounds of `delete` then lowering until a round changes nothing (true)
/// or the budget runs out (false); `round` counts on from its value.
fn minimise(
    shrinker: &mut Shrinker<'_>,
    (name, delete): (&'static str, fn(&mut Shrinker<'_>)),
    round: &mut u32,
    on_progress: &mut dyn FnMut(&Progress),
) -> bool {
    loop {
        *round += 1;
        let before = shrinker.current.clone();
        delete(shrinker);
        on_progress(&shrinker.progress(name, *round));
        lower::values(shrinker);
        on_progress(&shrinker.progress("lower", *round));
        if shrinker.exhausted() {
            return false;
        }
        if shrinker.current == before {
            return true;
        }
    }
}

/// The state of one shrink: the best schedule so far and the run count.
pub(crate) struct Shrinker<'a> {
    scenario: &'a Scenario,
    target: &'a Target,
    budget: Budget,
    runs: u64,
    /// The smallest failing schedule so far.
    pub(crate) current: Schedule,
    /// Candidates already run, and whether they failed.
    tried: BTreeMap<Schedule, bool>,
}

impl<'a> Shrinker<'a> {
    fn new(scenario: &'a Scenario, target: &'a Target, budget: Budget, schedule: &Schedule) -> Shrinker<'a> {
        Shrinker {
            scenario,
            target,
            budget,
            runs: 0,
            current: schedule.clone(),
            tried: BTreeMap::new(),
        }
    }

    pub(crate) fn exhausted(&self) -> bool {
        self.runs >= self.budget.max_runs
    }

    /// Whether `candidate` still fails with the target. When it does and
    /// what the run drew is smaller than the current schedule, that
    /// becomes current.
    pub(crate) fn fails(&mut self, candidate: &Schedule) -> bool {
        if let Some(&failed) = self.tried.get(candidate) {
            return failed;
        }
        if self.exhausted() {
            return false;
        }
        self.runs += 1;
        let source = Source::Schedule(candidate.clone());
        let result = run(self.scenario, &source, RunOptions::default());
        let failed = self.target.find(&result.violations).is_some();
        self.tried.insert(candidate.clone(), failed);
        if failed && smaller(&result.schedule(), &self.current) {
            self.current = result.schedule();
        }
        failed
    }

    fn progress(&self, pass: &'static str, round: u32) -> Progress {
        Progress {
            pass,
            round,
            runs: self.runs,
            deviations: self.current.len(),
        }
    }

    fn finish(self, input_failed: bool, fixed_point: bool) -> ShrinkResult {
        ShrinkResult {
            schedule: self.current,
            runs: self.runs,
            fixed_point,
            input_failed,
        }
    }
}

/// Fewer deviations first, then smaller values, then label order: every
/// accepted candidate is smaller, so shrinking terminates.
fn smaller(a: &Schedule, b: &Schedule) -> bool {
    (a.len(), a.weight(), a) < (b.len(), b.weight(), b)
}
