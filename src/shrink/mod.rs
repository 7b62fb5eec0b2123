//! Shrinking a failing choice sequence while the *same* invariant still
//! fails, as Hypothesis shrinks its choice sequences: delete spans (halving
//! their size, as ddmin does), lower each value toward 0, and repeat until
//! nothing changes. The shrinker knows nothing of the protocol; the
//! predicate is a replay of the candidate sequence. Each round runs, in
//! order: delete spans, zero spans, lower each value, zero pairs.
//!
//! At a fixed point the result is 1-minimal: the last round tried deleting
//! every single choice and lowering every non-zero choice to 0, and none of
//! those still failed. Shrinking is deterministic: the same input gives the
//! same output.

mod baseline;
mod delete;
mod lower;
mod zero;

pub use baseline::proptest_shrink;

use std::collections::BTreeMap;

use crate::artifact::trim_trailing_zeros;
use crate::check::Invariant;
use crate::run::{RunOptions, Schedule, run};
use crate::scenario::Scenario;

/// A bound on the work of one shrink.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// The most runs (replays of candidates) the shrinker may make.
    pub max_runs: u64,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget { max_runs: 20_000 }
    }
}

/// Where a shrink is, reported after each pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The pass that just ended (`delete-spans`, `lower-values`).
    pub pass: &'static str,
    /// The round of passes, from 1.
    pub round: u32,
    pub runs: u64,
    /// The length of the current sequence (without trailing zeros).
    pub length: usize,
    /// Its non-zero choices.
    pub nonzero: usize,
}

/// The outcome of a shrink.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShrinkResult {
    /// The smallest failing sequence found, without trailing zeros.
    pub choices: Vec<u32>,
    /// Runs made, the initial check included.
    pub runs: u64,
    /// Whether shrinking reached a fixed point (the result is then
    /// 1-minimal); false when the budget ran out first.
    pub fixed_point: bool,
    /// Whether the input sequence failed with the target at all; when it
    /// did not, `choices` is the input, unshrunk.
    pub input_failed: bool,
}

/// Counts non-zero choices.
pub fn nonzero(choices: &[u32]) -> usize {
    choices.iter().filter(|&&c| c != 0).count()
}

/// Shrinks `choices` while a replay of them on `scenario` still violates
/// `target`, quietly.
pub fn shrink(scenario: &Scenario, choices: &[u32], target: Invariant, budget: Budget) -> ShrinkResult {
    shrink_with_progress(scenario, choices, target, budget, &mut |_| {})
}

/// Like [`shrink`], calling `on_progress` after every pass.
pub fn shrink_with_progress(
    scenario: &Scenario,
    choices: &[u32],
    target: Invariant,
    budget: Budget,
    on_progress: &mut dyn FnMut(&Progress),
) -> ShrinkResult {
    let mut shrinker = Shrinker::new(scenario, target, budget, choices);
    if !shrinker.fails(choices) {
        return shrinker.finish(false, false);
    }
    let mut round = 0;
    loop {
        round += 1;
        let before = shrinker.current.clone();
        delete::spans(&mut shrinker);
        on_progress(&shrinker.progress("delete-spans", round));
        zero::spans(&mut shrinker);
        on_progress(&shrinker.progress("zero-spans", round));
        lower::values(&mut shrinker);
        on_progress(&shrinker.progress("lower-values", round));
        zero::pairs(&mut shrinker);
        on_progress(&shrinker.progress("zero-pairs", round));
        if shrinker.exhausted() {
            return shrinker.finish(true, false);
        }
        if shrinker.current == before {
            return shrinker.finish(true, true);
        }
    }
}

/// The state of one shrink: the best sequence so far and the run count.
pub(crate) struct Shrinker<'a> {
    scenario: &'a Scenario,
    target: Invariant,
    budget: Budget,
    runs: u64,
    /// The smallest failing sequence so far, without trailing zeros.
    pub(crate) current: Vec<u32>,
    /// Candidates already run, and whether they failed; a pass often
    /// proposes what an earlier one tried.
    tried: BTreeMap<Vec<u32>, bool>,
}

impl<'a> Shrinker<'a> {
    fn new(scenario: &'a Scenario, target: Invariant, budget: Budget, choices: &[u32]) -> Shrinker<'a> {
        Shrinker {
            scenario,
            target,
            budget,
            runs: 0,
            current: trim_trailing_zeros(choices),
            tried: BTreeMap::new(),
        }
    }

    pub(crate) fn exhausted(&self) -> bool {
        self.runs >= self.budget.max_runs
    }

    /// Whether `candidate` still fails with the target. When it does and it
    /// is smaller than the current sequence, it becomes current, in the
    /// form the run actually read it (values wrapped into range, unread
    /// and trailing choices dropped).
    pub(crate) fn fails(&mut self, candidate: &[u32]) -> bool {
        let candidate = trim_trailing_zeros(candidate);
        if let Some(&failed) = self.tried.get(&candidate) {
            return failed;
        }
        if self.exhausted() {
            return false;
        }
        self.runs += 1;
        let result = run(
            self.scenario,
            &Schedule::Replay(candidate.clone()),
            RunOptions::default(),
        );
        let failed = result.violated(self.target);
        self.tried.insert(candidate, failed);
        if failed {
            let read = trim_trailing_zeros(&result.choices);
            if smaller(&read, &self.current) {
                self.current = read;
            }
        }
        failed
    }

    fn progress(&self, pass: &'static str, round: u32) -> Progress {
        Progress {
            pass,
            round,
            runs: self.runs,
            length: self.current.len(),
            nonzero: nonzero(&self.current),
        }
    }

    fn finish(self, input_failed: bool, fixed_point: bool) -> ShrinkResult {
        ShrinkResult {
            choices: self.current,
            runs: self.runs,
            fixed_point,
            input_failed,
        }
    }
}

/// Shortlex order: shorter first, then smaller values first. Every
/// accepted candidate is smaller, so shrinking terminates.
fn smaller(a: &[u32], b: &[u32]) -> bool {
    (a.len(), a) < (b.len(), b)
}
