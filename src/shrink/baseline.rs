//! proptest's own shrinking of a choice sequence, for comparison with
//! [`super::shrink`] (`joinsim bench --shrink`). It starts from the same
//! `Vec<u32>` and uses proptest's `VecValueTree` (delete elements front to
//! back, then binary-search each toward 0) driven by proptest's runner.

use std::cell::Cell;
use std::rc::Rc;

use proptest::num::u32::BinarySearch;
use proptest::strategy::{NewTree, Strategy, ValueTree};
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};

use super::ShrinkResult;
use crate::artifact::trim_trailing_zeros;
use crate::check::Invariant;
use crate::run::{RunOptions, Schedule, run};
use crate::scenario::Scenario;

/// Yields the recorded values in order, each as a proptest value tree that
/// shrinks toward 0. `collection::vec` asks for one element tree at a time,
/// so the i-th tree starts at the i-th recorded value.
#[derive(Debug)]
struct Recorded {
    values: Vec<u32>,
    next: Rc<Cell<usize>>,
}

impl Strategy for Recorded {
    type Tree = BinarySearch;
    type Value = u32;

    fn new_tree(&self, _runner: &mut TestRunner) -> NewTree<Self> {
        let index = self.next.get();
        self.next.set(index + 1);
        Ok(BinarySearch::new(self.values.get(index).copied().unwrap_or(0)))
    }
}

/// A proptest value tree for `Vec<u32>` whose current value is `values`.
/// The vector's length is drawn by proptest from `0..=len`; the runner is
/// deterministic, so this retries until it draws `len` (minimum length 0,
/// so that proptest may delete any element).
fn tree_starting_at(values: &[u32], runner: &mut TestRunner) -> impl ValueTree<Value = Vec<u32>> + use<> {
    let next = Rc::new(Cell::new(0));
    let strategy = proptest::collection::vec(
        Recorded {
            values: values.to_vec(),
            next: Rc::clone(&next),
        },
        0..=values.len(),
    );
    loop {
        next.set(0);
        let tree = strategy.new_tree(runner).expect("the recorded strategy never rejects");
        if tree.current().len() == values.len() {
            return tree;
        }
    }
}

/// Shrinks `choices` with proptest while a replay still violates `target`.
/// `max_runs` bounds proptest's shrink iterations.
pub fn proptest_shrink(scenario: &Scenario, choices: &[u32], target: Invariant, max_runs: u32) -> ShrinkResult {
    let config = Config {
        failure_persistence: None,
        max_shrink_iters: max_runs,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(
        config,
        proptest::test_runner::TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha),
    );
    let tree = tree_starting_at(choices, &mut runner);
    let runs = Cell::new(0u64);
    let verdict = runner.run_one(tree, |candidate| {
        runs.set(runs.get() + 1);
        let result = run(scenario, &Schedule::Replay(candidate), RunOptions::default());
        if result.violated(target) {
            return Err(TestCaseError::fail(target.name()));
        }
        Ok(())
    });
    let (input_failed, minimal) = match verdict {
        Err(TestError::Fail(_, minimal)) => (true, minimal),
        _ => (false, choices.to_vec()),
    };
    ShrinkResult {
        choices: trim_trailing_zeros(&minimal),
        runs: runs.get(),
        fixed_point: input_failed,
        input_failed,
    }
}
