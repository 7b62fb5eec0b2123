//! What a campaign learned: runs, violations per invariant, and distinct
//! failures grouped so that a million seeds do not make a million reports.
//!
//! A tally's memory does not grow with the number of runs, failing or not:
//! it keeps counts, and of each set of seeds (a failure group, the failing
//! runs, panics) only the smallest few. Seeds are claimed in order, so the
//! smallest seeds are also the first ones a single-threaded campaign finds.
//! Every part merges by sums and by "keep the smallest", so the result of
//! merging tallies does not depend on the order (nor on `--jobs`, nor on how
//! shards split the range).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::check::{Invariant, Violation};
use crate::model::probe::Probe;
use crate::model::{Node, World};
use crate::sim::NodeId;

/// Seeds kept per failure group: the smallest ones.
pub const GROUP_SEEDS_KEPT: usize = 8;
/// Failing seeds kept over the whole campaign (with their first invariant).
pub const FAILING_SEEDS_KEPT: usize = 1024;
/// Seeds kept whose run panicked, or was not deterministic.
pub const BROKEN_SEEDS_KEPT: usize = 64;

/// The smallest `N` seeds of a set, each with a value, and the size of the
/// whole set: constant memory, and the same result whatever the order of
/// inserts and merges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmallestSeeds<T, const N: usize> {
    count: u64,
    kept: BTreeMap<u64, T>,
}

impl<T, const N: usize> Default for SmallestSeeds<T, N> {
    fn default() -> Self {
        SmallestSeeds {
            count: 0,
            kept: BTreeMap::new(),
        }
    }
}

impl<T, const N: usize> SmallestSeeds<T, N> {
    /// A set of `count` seeds of which `kept` are the smallest (as a
    /// summary lists them), to merge with others.
    pub fn from_parts(count: u64, kept: impl IntoIterator<Item = (u64, T)>) -> Self {
        let mut set = SmallestSeeds::default();
        for (seed, value) in kept {
            set.keep(seed, value);
        }
        set.count = count.max(set.kept.len() as u64);
        set
    }

    /// Counts `seed` and keeps it if it is among the `N` smallest.
    pub fn insert(&mut self, seed: u64, value: T) {
        self.count += 1;
        self.keep(seed, value);
    }

    fn keep(&mut self, seed: u64, value: T) {
        if self.kept.len() == N && self.kept.last_key_value().is_some_and(|(&last, _)| seed >= last) {
            return;
        }
        self.kept.insert(seed, value);
        if self.kept.len() > N {
            self.kept.pop_last();
        }
    }

    /// Folds another set in (disjoint seeds: each run is counted once).
    pub fn merge(&mut self, other: SmallestSeeds<T, N>) {
        self.count += other.count;
        for (seed, value) in other.kept {
            self.keep(seed, value);
        }
    }

    /// How many seeds were inserted, kept or not.
    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The kept seeds, smallest first.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &T)> {
        self.kept.iter().map(|(&s, v)| (s, v))
    }

    pub fn seeds(&self) -> impl Iterator<Item = u64> + '_ {
        self.kept.keys().copied()
    }

    pub fn first(&self) -> Option<u64> {
        self.kept.keys().next().copied()
    }

    pub fn get(&self, seed: u64) -> Option<&T> {
        self.kept.get(&seed)
    }
}

/// Failures that are the same bug for a reader: same invariant, same kind
/// of node, same step.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FailureKey {
    pub invariant: Invariant,
    /// `joiner`, `member`, `cluster`...
    pub role: String,
    pub step: String,
}

impl FailureKey {
    /// `join-leftovers on joiner at J10 AddToDefaultGroup`, as summaries
    /// and the `[expect.groups]` table of a scenario name it.
    pub fn label(&self) -> String {
        let at = if self.step.is_empty() {
            "the end of the run"
        } else {
            &self.step
        };
        format!("{} on {} at {at}", self.invariant, self.role)
    }
}

/// One group of failures: how many runs, the smallest seeds, and the
/// violation of the smallest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailureGroup {
    pub seeds: SmallestSeeds<(), GROUP_SEEDS_KEPT>,
    pub example: Violation,
}

impl FailureGroup {
    /// Runs in the group.
    pub fn count(&self) -> u64 {
        self.seeds.count()
    }

    /// Its smallest seed (the first a campaign in seed order meets).
    pub fn first_seed(&self) -> u64 {
        self.seeds.first().expect("a group has a seed")
    }

    fn merge(&mut self, other: FailureGroup) {
        if other.first_seed() < self.first_seed() {
            self.example = other.example;
        }
        self.seeds.merge(other.seeds);
    }
}

/// One scripted admin command over a campaign: how often it got an answer,
/// and how often that answer was an error.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandTally {
    pub answered: u64,
    pub failed: u64,
    /// The error of the smallest seed that failed it.
    pub first_error: Option<(u64, Arc<str>)>,
}

impl CommandTally {
    fn record(&mut self, seed: u64, result: &Result<(), crate::model::message::ApiError>) {
        self.answered += 1;
        if let Err(e) = result {
            self.failed += 1;
            if self.first_error.as_ref().is_none_or(|(s, _)| seed < *s) {
                self.first_error = Some((seed, Arc::clone(&e.0)));
            }
        }
    }

    fn merge(&mut self, other: CommandTally) {
        self.answered += other.answered;
        self.failed += other.failed;
        if let Some((seed, error)) = other.first_error
            && self.first_error.as_ref().is_none_or(|(s, _)| seed < *s)
        {
            self.first_error = Some((seed, error));
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub runs: u64,
    pub events: u64,
    /// Runs that broke each invariant.
    pub violating: [u64; Invariant::ALL.len()],
    /// Runs that broke any invariant, with the first invariant each broke.
    pub failing_seeds: SmallestSeeds<Invariant, FAILING_SEEDS_KEPT>,
    pub groups: BTreeMap<FailureKey, FailureGroup>,
    /// Each admin command, by (admin node, index in its script).
    pub admin_commands: BTreeMap<(NodeId, usize), CommandTally>,
    /// Seeds whose run panicked, with the panic message.
    pub panics: SmallestSeeds<String, BROKEN_SEEDS_KEPT>,
    /// Seeds whose two runs gave different trace hashes.
    pub nondeterministic: SmallestSeeds<String, BROKEN_SEEDS_KEPT>,
    /// Runs that hit each probe (indexed as [`Probe::ALL`]).
    pub probes: [u64; Probe::ALL.len()],
}

impl Tally {
    /// Counts one run of `seed`: its events, its violations (grouped) and
    /// the answers its admins got.
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
                seeds: SmallestSeeds::default(),
                example: v.clone(),
            });
            if group.seeds.first().is_some_and(|first| seed < first) {
                group.example = v.clone();
            }
            group.seeds.insert(seed, ());
        }
        if let Some(first) = violations.first() {
            self.failing_seeds.insert(seed, first.invariant);
        }
    }

    /// Counts the answers each admin of `world` got in the run of `seed`.
    pub fn record_admin_results(&mut self, seed: u64, world: &World) {
        for (node, state) in world.nodes.iter().enumerate() {
            let Node::Admin(admin) = state else { continue };
            for (index, result) in admin.results.iter().enumerate() {
                self.admin_commands
                    .entry((node as NodeId, index))
                    .or_default()
                    .record(seed, result);
            }
        }
    }

    /// Counts a run that panicked, with the panic message.
    pub fn record_panic(&mut self, seed: u64, message: String) {
        self.runs += 1;
        self.panics.insert(seed, message);
    }

    /// Counts the probes one run hit (its probe set).
    pub fn record_probes(&mut self, set: u64) {
        for probe in Probe::in_set(set) {
            self.probes[probe as usize] += 1;
        }
    }

    /// Each probe with the number of runs that hit it.
    pub fn probe_counts(&self) -> impl Iterator<Item = (Probe, u64)> + '_ {
        Probe::ALL.into_iter().map(|p| (p, self.probes[p as usize]))
    }

    /// Folds another thread's tally in; the result does not depend on the
    /// order of merging.
    pub fn merge(&mut self, other: Tally) {
        self.runs += other.runs;
        for (mine, theirs) in self.probes.iter_mut().zip(other.probes) {
            *mine += theirs;
        }
        self.events += other.events;
        for (mine, theirs) in self.violating.iter_mut().zip(other.violating) {
            *mine += theirs;
        }
        self.failing_seeds.merge(other.failing_seeds);
        for (key, group) in other.groups {
            match self.groups.get_mut(&key) {
                None => {
                    self.groups.insert(key, group);
                }
                Some(mine) => mine.merge(group),
            }
        }
        for (key, command) in other.admin_commands {
            self.admin_commands.entry(key).or_default().merge(command);
        }
        self.panics.merge(other.panics);
        self.nondeterministic.merge(other.nondeterministic);
    }

    pub fn violating(&self, invariant: Invariant) -> u64 {
        self.violating[invariant.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(seeds: &[u64]) -> SmallestSeeds<(), 3> {
        let mut s = SmallestSeeds::default();
        for &seed in seeds {
            s.insert(seed, ());
        }
        s
    }

    #[test]
    fn smallest_seeds_keep_the_n_smallest_and_count_all() {
        let s = set(&[9, 4, 7, 1, 8, 2]);
        assert_eq!(s.count(), 6);
        assert_eq!(s.seeds().collect::<Vec<_>>(), vec![1, 2, 4]);
    }

    #[test]
    fn smallest_seeds_merge_to_the_same_set_in_any_order() {
        let parts = [set(&[5, 9, 13]), set(&[2, 11]), set(&[7, 3, 1, 20])];
        let whole = set(&[5, 9, 13, 2, 11, 7, 3, 1, 20]);
        for order in [[0, 1, 2], [2, 1, 0], [1, 2, 0]] {
            let mut merged = SmallestSeeds::default();
            for i in order {
                merged.merge(parts[i].clone());
            }
            assert_eq!(merged, whole, "order {order:?}");
        }
    }
}
