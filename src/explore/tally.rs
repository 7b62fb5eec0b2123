//! What a campaign learned: runs, violations per invariant, and distinct
//! failures grouped so that a million seeds do not make a million reports.

use std::collections::BTreeMap;

use crate::check::{Invariant, Violation};

/// Failures that are the same bug for a reader: same invariant, same kind
/// of node, same step.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FailureKey {
    pub invariant: Invariant,
    /// `joiner`, `member`, `cluster`...
    pub role: String,
    pub step: String,
}

/// One group of failures: how many seeds, and the smallest seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailureGroup {
    pub count: u64,
    pub first_seed: u64,
    pub example: Violation,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub runs: u64,
    pub events: u64,
    /// Runs that broke each invariant.
    pub violating: [u64; Invariant::ALL.len()],
    /// Seeds of runs that broke any invariant, with the first invariant.
    pub failing_seeds: BTreeMap<u64, Invariant>,
    pub groups: BTreeMap<FailureKey, FailureGroup>,
    /// Seeds whose run panicked, with the panic message.
    pub panics: BTreeMap<u64, String>,
    /// Seeds whose two runs gave different trace hashes.
    pub nondeterministic: BTreeMap<u64, String>,
}

impl Tally {
    pub fn record(&mut self, seed: u64, events: u64, violations: &[Violation], role_of: impl Fn(&str) -> String) {
        self.runs += 1;
        self.events += events;
        for v in violations {
            self.violating[v.invariant.index()] += 1;
            let key = FailureKey {
                invariant: v.invariant,
                role: v.node.as_deref().map_or_else(|| "cluster".to_string(), &role_of),
                step: v.step.clone().unwrap_or_default(),
            };
            let group = self.groups.entry(key).or_insert_with(|| FailureGroup {
                count: 0,
                first_seed: seed,
                example: v.clone(),
            });
            group.count += 1;
            if seed < group.first_seed {
                group.first_seed = seed;
                group.example = v.clone();
            }
        }
        if let Some(first) = violations.first() {
            self.failing_seeds.insert(seed, first.invariant);
        }
    }

    /// Folds another thread's tally in; the result does not depend on the
    /// order of merging.
    pub fn merge(&mut self, other: Tally) {
        self.runs += other.runs;
        self.events += other.events;
        for (mine, theirs) in self.violating.iter_mut().zip(other.violating) {
            *mine += theirs;
        }
        self.failing_seeds.extend(other.failing_seeds);
        for (key, group) in other.groups {
            match self.groups.get_mut(&key) {
                None => {
                    self.groups.insert(key, group);
                }
                Some(mine) => {
                    mine.count += group.count;
                    if group.first_seed < mine.first_seed {
                        mine.first_seed = group.first_seed;
                        mine.example = group.example;
                    }
                }
            }
        }
        self.panics.extend(other.panics);
        self.nondeterministic.extend(other.nondeterministic);
    }

    pub fn violating(&self, invariant: Invariant) -> u64 {
        self.violating[invariant.index()]
    }
}
