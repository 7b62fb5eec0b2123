//! What the harness measures for a finding: campaigns of its scenario over
//! seeds 1..=[`SEEDS`] under today's Incus and under fix variants (each
//! run once and kept, since the reports and the table share them), and
//! the shortest schedule that shows it.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use super::registry::Finding;
use crate::check::Invariant;
use crate::explore::campaign::{Observer, failure_key};
use crate::explore::search::{SearchOptions, search};
use crate::explore::strategy::Exhaustive;
use crate::explore::{CampaignOptions, FailureKey, SeedRange, Shard, Tally, run_campaign};
use crate::model::Variant;
use crate::run::{RunOptions, RunResult, Source, run};
use crate::scenario::Scenario;
use crate::shrink::{Budget, ShrinkResult, Target, shrink};
use crate::sim::Schedule;

/// Seeds of every measured campaign: 1..=SEEDS.
pub const SEEDS: u64 = 100_000;

/// The most replays the shrinker may make for a finding's schedule.
pub const SHRINK_BUDGET: Budget = Budget { max_runs: 5_000 };

/// The deepest deviation bound a report searches exhaustively for today's
/// Incus: bound 2 of the slowest scenarios already takes seconds, and each
/// bound multiplies the schedules by the choice points of a run.
pub const EXHAUSTIVE_MAX_BOUND: u32 = 2;

/// The deepest bound a fix is searched within: from the bound that finds
/// the finding today, one bound deeper at a time while the next bound's
/// search is expected to fit [`EXHAUSTIVE_MAX_RUNS`] (see
/// [`Measurements::affordable`]), so that `joinsim report --all` stays
/// within minutes on two cores.
pub const FIX_MAX_BOUND: u32 = 3;

/// The most schedules one exhaustive search may run before it stops
/// (and says it stopped).
pub const EXHAUSTIVE_MAX_RUNS: u64 = 1_200_000;

/// The most distinct states a report's search over every order explores
/// per variant (about five seconds on one core).
pub const ORDERS_MAX_STATES: u64 = 400_000;

/// The deviation bound of a report's search over orders when every order
/// does not fit [`ORDERS_MAX_STATES`] (`joinsim orders --bound`): each of
/// today's bundled findings so searched completes it in seconds.
pub const ORDERS_BOUND: u32 = 3;

/// Campaigns and exhaustive searches already run, by (scenario, variant)
/// and (scenario, variant, bound).
pub struct Measurements {
    jobs: usize,
    tallies: BTreeMap<(String, Variant), Tally>,
    searches: BTreeMap<(String, Variant, u32), Searched>,
    /// Searches over orders by (scenario, variant, deviation bound; `None`:
    /// every order).
    orders: BTreeMap<(String, Variant, Option<u32>), crate::explore::orders::Orders>,
}

impl Measurements {
    /// `jobs` worker threads per campaign; tallies do not depend on it.
    pub fn new(jobs: usize) -> Measurements {
        Measurements {
            jobs: jobs.max(1),
            tallies: BTreeMap::new(),
            searches: BTreeMap::new(),
            orders: BTreeMap::new(),
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

    /// Every schedule of `scenario` under `variant` within `bound`
    /// deviations (`explore --strategy exhaustive --bound`).
    pub fn search(&mut self, scenario: &Scenario, variant: Variant, bound: u32) -> &Searched {
        let jobs = self.jobs;
        self.searches
            .entry((scenario.name.clone(), variant, bound))
            .or_insert_with(|| exhaustive(&scenario.with_variant(variant), bound, jobs))
    }

    /// The orders of `finding`'s scenario under `variant`, every one or
    /// within `bound` deviations, within [`ORDERS_MAX_STATES`] states
    /// (`joinsim orders`), searched once per scenario, variant and bound
    /// (findings share scenarios).
    pub fn orders(&mut self, finding: &Finding, variant: Variant, bound: Option<u32>) -> super::OrderVerdict {
        use crate::explore::orders::{every_order, within_deviations};
        let scenario = &finding.scenario;
        let found = self
            .orders
            .entry((scenario.name.clone(), variant, bound))
            .or_insert_with(|| {
                let scenario = scenario.with_variant(variant);
                match bound {
                    None => every_order(&scenario, ORDERS_MAX_STATES),
                    Some(bound) => within_deviations(&scenario, bound, ORDERS_MAX_STATES),
                }
            });
        super::OrderVerdict {
            bound,
            states: found.states,
            complete: found.complete,
            in_group: found.failures.contains_key(&finding.group),
            broken: Invariant::ALL
                .into_iter()
                .filter(|i| found.failures.keys().any(|k| k.invariant == *i))
                .collect(),
        }
    }

    /// The smallest bound up to `max_bound` within which exhaustive search
    /// finds `finding`'s group under `variant`, deepening one bound at a
    /// time; or the deepest bound searched without finding it.
    pub fn depth(&mut self, finding: &Finding, variant: Variant, max_bound: u32) -> Depth {
        let (mut schedules, mut states) = (0, 0);
        for bound in 0..=max_bound {
            let searched = self.search(&finding.scenario, variant, bound);
            (schedules, states) = (searched.tally.runs, searched.states);
            if let Some(group) = searched.tally.groups.get(&finding.group) {
                return Depth::Found {
                    bound,
                    schedules,
                    states,
                    in_group: group.count(),
                };
            }
            if !searched.complete {
                return Depth::Stopped {
                    bound,
                    schedules,
                    states,
                };
            }
        }
        Depth::NoneWithin {
            bound: max_bound,
            schedules,
            states,
        }
    }

    /// Whether the search of `bound` (one deeper than a bound already
    /// searched) of `scenario` under `variant` is expected to fit
    /// [`EXHAUSTIVE_MAX_RUNS`]: the last bound's schedules times the growth
    /// from the bound before it (pruning by state makes that growth fall
    /// with depth), divided by `bound` since each set of deviations is
    /// built in one order only.
    pub fn affordable(&mut self, scenario: &Scenario, variant: Variant, bound: u32) -> bool {
        let last = self.search(scenario, variant, bound - 1).tally.runs;
        let before = match bound {
            0 | 1 => 1,
            _ => self.search(scenario, variant, bound - 2).tally.runs.max(1),
        };
        last.saturating_mul(last) / before / u64::from(bound) <= EXHAUSTIVE_MAX_RUNS
    }
}

/// An exhaustive search's outcome.
pub struct Searched {
    pub tally: Tally,
    /// The schedule of each failure group's first run, in the search's
    /// order (depth-first, each set of deviations once).
    pub first_schedules: BTreeMap<FailureKey, Schedule>,
    /// Every schedule within the bound ran (not stopped by
    /// [`EXHAUSTIVE_MAX_RUNS`]).
    pub complete: bool,
    /// Distinct state fingerprints the search recorded (see
    /// `strategy::exhaustive`'s pruning).
    pub states: u64,
}

fn exhaustive(scenario: &Scenario, bound: u32, jobs: usize) -> Searched {
    let interrupted = AtomicBool::new(false);
    let options = SearchOptions {
        jobs,
        max_runs: Some(EXHAUSTIVE_MAX_RUNS),
        deadline: None,
        interrupted: &interrupted,
    };
    let mut strategy = Exhaustive::new(bound).reduced_for(scenario);
    let observer = FirstSchedules {
        scenario,
        schedules: Mutex::new(BTreeMap::new()),
    };
    let found = search(scenario, &mut strategy, &options, &observer);
    Searched {
        tally: found.campaign.tally,
        first_schedules: observer.schedules.into_inner().expect("no panic while held"),
        complete: found.complete,
        states: found.report.json["distinct_states"].as_u64().unwrap_or(0),
    }
}

/// Keeps the schedule of each failure group's first run (a search tells
/// its observer of those in its own order, whatever the threads).
struct FirstSchedules<'s> {
    scenario: &'s Scenario,
    schedules: Mutex<BTreeMap<FailureKey, Schedule>>,
}

impl Observer for FirstSchedules<'_> {
    fn new_failure(&self, _run: u64, result: &RunResult) {
        let mut schedules = self.schedules.lock().expect("no panic while held");
        for v in &result.violations {
            schedules
                .entry(failure_key(self.scenario, v))
                .or_insert_with(|| result.schedule());
        }
    }
}

/// What bounded exhaustive search says of a finding under one variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    /// The smallest bound that finds the group: `schedules` at that bound,
    /// `in_group` of them in the group.
    Found {
        bound: u32,
        schedules: u64,
        /// Distinct states recorded (see [`Searched::states`]).
        states: u64,
        in_group: u64,
    },
    /// Every schedule within `bound` ran; none is in the group.
    NoneWithin { bound: u32, schedules: u64, states: u64 },
    /// The search of `bound` ran out of schedules to try
    /// ([`EXHAUSTIVE_MAX_RUNS`]) without finding it.
    Stopped { bound: u32, schedules: u64, states: u64 },
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
    /// Every failure group some run fell in, as summaries name it.
    pub groups: Vec<String>,
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
            groups: tally.groups.keys().map(FailureKey::label).collect(),
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
    /// Failure groups of the fix that today's Incus never falls in: a
    /// violation moved to another step or role, reported, not hidden.
    pub new_groups: Vec<String>,
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
            new_groups: fix
                .groups
                .iter()
                .filter(|g| !today.groups.contains(g))
                .cloned()
                .collect(),
        }
    }

    /// The finding is gone and nothing new broke.
    pub fn clean(&self) -> bool {
        self.in_group == 0 && self.new_invariants.is_empty()
    }
}

/// Where a finding's shortest schedule comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The first schedule of exhaustive search at the smallest bound that
    /// finds the group: no schedule with fewer deviations is in it.
    Exhaustive { bound: u32 },
    /// The group's first failing seed (exhaustive search did not find it).
    Seed(u64),
}

/// The shortest schedule found for a finding, shrunk while the same
/// failure (invariant, node, step) still happens.
pub struct Shortest {
    pub origin: Origin,
    pub target: Target,
    pub shrunk: ShrinkResult,
    /// The shrunk schedule's run, traced.
    pub run: RunResult,
}

/// Shrinks `source` (a run in `finding`'s group) on the first violation of
/// that group.
pub fn shortest(finding: &Finding, origin: Origin, source: &Source) -> Option<Shortest> {
    let scenario = &finding.scenario;
    let original = run(scenario, source, RunOptions::default());
    let first = original.violations.iter().find(|v| finding.in_group(scenario, v))?;
    let target = Target::of(first);
    let shrunk = shrink(scenario, &original.schedule(), &target, SHRINK_BUDGET);
    let options = RunOptions {
        trace: true,
        ..RunOptions::default()
    };
    let run = run(scenario, &Source::Schedule(shrunk.schedule.clone()), options);
    Some(Shortest {
        origin,
        target,
        shrunk,
        run,
    })
}
