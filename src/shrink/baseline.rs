//! proptest's own shrinking of a schedule, for comparison with
//! [`super::shrink`] (`joinsim bench --shrink`). It starts from the same
//! deviations and uses proptest's `VecValueTree` (delete elements front to
//! back, then binary-search each value toward 0) driven by proptest's
//! runner.

use std::cell::Cell;
use std::rc::Rc;

use proptest::num::u32::BinarySearch;
use proptest::strategy::{NewTree, Strategy, ValueTree};
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};

use super::{ShrinkResult, Target};
use crate::run::{RunOptions, Source, run};
use crate::scenario::Scenario;
use crate::sim::{Deviation, Label, Schedule};

/// Yields the recorded deviations in order, each as a value tree whose
/// label stays and whose value shrinks toward 0. `collection::vec` asks for
/// one element tree at a time, so the i-th tree is the i-th deviation.
#[derive(Debug)]
struct Recorded {
    deviations: Vec<Deviation>,
    next: Rc<Cell<usize>>,
}

/// One deviation as proptest shrinks it: a fixed label, a shrinking value.
#[derive(Clone, Debug)]
struct DeviationTree {
    label: Label,
    value: BinarySearch,
}

impl ValueTree for DeviationTree {
    type Value = Deviation;

    fn current(&self) -> Deviation {
        Deviation {
            label: self.label,
            value: self.value.current(),
        }
    }
    fn simplify(&mut self) -> bool {
        self.value.simplify()
    }
    fn complicate(&mut self) -> bool {
        self.value.complicate()
    }
}

impl Strategy for Recorded {
    type Tree = DeviationTree;
    type Value = Deviation;

    fn new_tree(&self, _runner: &mut TestRunner) -> NewTree<Self> {
        let index = self.next.get();
        self.next.set(index + 1);
        let d = self.deviations[index % self.deviations.len()];
        Ok(DeviationTree {
            label: d.label,
            value: BinarySearch::new(d.value),
        })
    }
}

/// A proptest value tree for the deviations, starting at all of them. The
/// vector's length is drawn by proptest from `0..=len`; the runner is
/// deterministic, so this retries until it draws `len` (minimum length 0,
/// so that proptest may delete any element).
fn tree_starting_at(
    deviations: &[Deviation],
    runner: &mut TestRunner,
) -> impl ValueTree<Value = Vec<Deviation>> + use<> {
    let next = Rc::new(Cell::new(0));
    let strategy = proptest::collection::vec(
        Recorded {
            deviations: deviations.to_vec(),
            next: Rc::clone(&next),
        },
        0..=deviations.len(),
    );
    loop {
        next.set(0);
        let tree = strategy.new_tree(runner).expect("the recorded strategy never rejects");
        if tree.current().len() == deviations.len() {
            return tree;
        }
    }
}

/// Shrinks `schedule` with proptest while a replay still fails with
/// `target`. `max_runs` bounds proptest's shrink iterations.
pub fn proptest_shrink(scenario: &Scenario, schedule: &Schedule, target: &Target, max_runs: u32) -> ShrinkResult {
    let fails = |candidate: &Schedule| {
        let result = run(scenario, &Source::Schedule(candidate.clone()), RunOptions::default());
        target.find(&result.violations).is_some()
    };
    if schedule.is_empty() {
        let failed = fails(schedule);
        return ShrinkResult {
            schedule: schedule.clone(),
            runs: 1,
            fixed_point: failed,
            input_failed: failed,
        };
    }
    let config = Config {
        failure_persistence: None,
        max_shrink_iters: max_runs,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(
        config,
        proptest::test_runner::TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha),
    );
    let tree = tree_starting_at(schedule.deviations(), &mut runner);
    let runs = Cell::new(0u64);
    let verdict = runner.run_one(tree, |candidate| {
        runs.set(runs.get() + 1);
        if fails(&Schedule::new(candidate)) {
            return Err(TestCaseError::fail(target.invariant.name()));
        }
        Ok(())
    });
    let (input_failed, minimal) = match verdict {
        Err(TestError::Fail(_, minimal)) => (true, Schedule::new(minimal)),
        _ => (false, schedule.clone()),
    };
    ShrinkResult {
        schedule: minimal,
        runs: runs.get(),
        fixed_point: input_failed,
        input_failed,
    }
}
