//! What the harness measures for a finding: campaigns of its scenario over
//! seeds 1..=[`SEEDS`] under today's Incus and under fix variants (each
//! run once and kept, since the reports and the table share them), and
//! the shortest schedule that shows it.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

use super::registry::Finding;
use crate::check::Invariant;
use crate::explore::{CampaignOptions, SeedRange, Shard, Tally, run_campaign};
use crate::model::Variant;
use crate::run::{RunOptions, RunResult, Source, run};
use crate::scenario::Scenario;
use crate::shrink::{Budget, ShrinkResult, Target, shrink};

/// Seeds of every measured campaign: 1..=SEEDS.
pub const SEEDS: u64 = 100_000;

/// The most replays the shrinker may make for a finding's schedule.
pub const SHRINK_BUDGET: Budget = Budget { max_runs: 5_000 };

/// Campaigns already run, by (scenario, variant).
pub struct Measurements {
    jobs: usize,
    tallies: BTreeMap<(String, Variant), Tally>,
}

impl Measurements {
    /// `jobs` worker threads per campaign; tallies do not depend on it.
    pub fn new(jobs: usize) -> Measurements {
        Measurements {
            jobs: jobs.max(1),
            tallies: BTreeMap::new(),
        }
    }

    /// The tally of `scenario` under `variant` over seeds 1..=[`SEEDS`].
    pub fn tally(&mut self, scenario: &Scenario, variant: Variant) -> &Tally {
        let jobs = self.jobs;
        self.tallies
            .entry((scenario.name.clone(), variant))
            .or_insert_with(|| campaign(&scenario.with_variant(variant), jobs))
    }

    /// How `variant` fares on `finding`'s scenario.
    pub fn outcome(&mut self, finding: &Finding, variant: Variant) -> Outcome {
        Outcome::of(finding, variant, self.tally(&finding.scenario, variant))
    }
}

fn campaign(scenario: &Scenario, jobs: usize) -> Tally {
    let interrupted = AtomicBool::new(false);
    let options = CampaignOptions {
        range: SeedRange { from: 1, to: SEEDS },
        shard: Shard::WHOLE,
        jobs,
        deadline: None,
        swarm: false,
        check_determinism: false,
        interrupted: &interrupted,
    };
    run_campaign(scenario, &options, &crate::explore::campaign::Quiet).tally
}

/// A finding's scenario under one variant, over seeds 1..=[`SEEDS`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub variant: Variant,
    pub runs: u64,
    /// Runs in the finding's failure group.
    pub in_group: u64,
    /// The group's smallest seed, if any run was in it.
    pub first_seed: Option<u64>,
    /// Runs that broke each invariant.
    pub violating: [u64; Invariant::ALL.len()],
    /// Panicked or nondeterministic runs (each a harness failure).
    pub broken_runs: u64,
}

impl Outcome {
    fn of(finding: &Finding, variant: Variant, tally: &Tally) -> Outcome {
        let group = tally.groups.get(&finding.group);
        Outcome {
            variant,
            runs: tally.runs,
            in_group: group.map_or(0, |g| g.count()),
            first_seed: group.map(|g| g.first_seed()),
            violating: tally.violating,
            broken_runs: tally.panics.count() + tally.nondeterministic.count(),
        }
    }

    pub fn violating(&self, invariant: Invariant) -> u64 {
        self.violating[invariant.index()]
    }

    /// The invariants some run broke.
    pub fn broken(&self) -> Vec<Invariant> {
        Invariant::ALL.into_iter().filter(|i| self.violating(*i) > 0).collect()
    }
}

/// What a fix does to a finding, against today's Incus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixVerdict {
    /// Runs of the fix in the finding's failure group (must be 0).
    pub in_group: u64,
    /// Runs of the fix breaking the finding's invariant (anywhere).
    pub finding_invariant: u64,
    /// Invariants the fix breaks that today's Incus does not.
    pub new_invariants: Vec<Invariant>,
    /// Invariants both break.
    pub still_broken: Vec<Invariant>,
}

impl FixVerdict {
    pub fn of(finding: &Finding, today: &Outcome, fix: &Outcome) -> FixVerdict {
        let (today_broken, fix_broken) = (today.broken(), fix.broken());
        FixVerdict {
            in_group: fix.in_group,
            finding_invariant: fix.violating(finding.group.invariant),
            new_invariants: fix_broken
                .iter()
                .copied()
                .filter(|i| !today_broken.contains(i))
                .collect(),
            still_broken: fix_broken.into_iter().filter(|i| today_broken.contains(i)).collect(),
        }
    }

    /// The finding is gone and nothing new broke.
    pub fn clean(&self) -> bool {
        self.in_group == 0 && self.new_invariants.is_empty()
    }
}

/// The shortest schedule found for a finding: its first failing seed,
/// shrunk while the same failure (invariant, node, step) still happens.
pub struct Shortest {
    pub seed: u64,
    pub target: Target,
    pub shrunk: ShrinkResult,
    /// The shrunk schedule's run, traced.
    pub run: RunResult,
}

/// Shrinks the run of `seed` (a seed in `finding`'s group) on the first
/// violation of that group.
pub fn shortest(finding: &Finding, seed: u64) -> Option<Shortest> {
    let scenario = &finding.scenario;
    let original = run(scenario, &Source::Seed(seed), RunOptions::default());
    let first = original.violations.iter().find(|v| finding.in_group(scenario, v))?;
    let target = Target::of(first);
    let shrunk = shrink(scenario, &original.schedule(), &target, SHRINK_BUDGET);
    let options = RunOptions {
        trace: true,
        ..RunOptions::default()
    };
    let run = run(scenario, &Source::Schedule(shrunk.schedule.clone()), options);
    Some(Shortest {
        seed,
        target,
        shrunk,
        run,
    })
}
