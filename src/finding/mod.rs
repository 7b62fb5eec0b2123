//! Findings about today's Incus, from registry to report: each finding
//! names the scenario and failure group that show it, the Incus source
//! lines that make it real and the fix variant that removes it
//! ([`registry`]); the harness measures it and its fix ([`measure`]); a
//! report an Incus developer can act on is rendered from that
//! ([`render`]), the reproduction commands and the fix's verdict included.

pub mod measure;
pub mod real_verdict;
pub mod registry;
pub mod render;

pub use measure::{
    Depth, EXHAUSTIVE_MAX_BOUND, FIX_MAX_BOUND, FixVerdict, Measurements, Origin, Outcome, SEEDS, Shortest,
};
pub use registry::{FINDINGS_DIR, Finding, SourceLines, load_all};

use crate::check::Invariant;
use crate::run::Source;
use crate::scenario::{Expect, Expectations};

/// What bounded exhaustive search says of a finding and its fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exhaustive {
    /// Today's Incus, deepened up to [`EXHAUSTIVE_MAX_BOUND`].
    pub today: Depth,
    /// The bound the fix is searched within: from the one that finds the
    /// finding today (at least 1, so that the fix faces more than the
    /// nominal run), or the deepest searched when none does, deepened up to
    /// [`FIX_MAX_BOUND`] while the fix stays clean and the next bound is
    /// affordable ([`Measurements::affordable`]).
    pub fix_bound: u32,
    pub fix: Depth,
    /// Invariants the fix breaks within `fix_bound` that today's Incus
    /// does not within it.
    pub new_invariants: Vec<Invariant>,
    /// Every order of the scenario's events, today and with the fix, when
    /// the scenario is orderable (`explore::orders`): no bound at all.
    pub orders: Option<(OrderVerdict, OrderVerdict)>,
    /// When every order does not fit the budget: the orders within
    /// [`measure::ORDERS_BOUND`] deviations, today and with the fix.
    pub orders_within: Option<(OrderVerdict, OrderVerdict)>,
}

/// What the search over every order says of a finding under one variant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderVerdict {
    /// The deviation bound (`None`: every order).
    pub bound: Option<u32>,
    pub states: u64,
    pub complete: bool,
    /// Some order falls in the finding's failure group.
    pub in_group: bool,
    /// The invariants some order breaks.
    pub broken: Vec<Invariant>,
}

impl Exhaustive {
    pub fn measure(finding: &Finding, measurements: &mut Measurements) -> Exhaustive {
        let today_variant = finding.scenario.variant();
        let today = measurements.depth(finding, today_variant, EXHAUSTIVE_MAX_BOUND);
        let mut fix_bound = match today {
            Depth::Found { bound, .. } => bound.max(1),
            _ => EXHAUSTIVE_MAX_BOUND,
        };
        let mut fix = measurements.depth(finding, finding.fix, fix_bound);
        let scenario = &finding.scenario;
        while fix_bound < FIX_MAX_BOUND
            && matches!(fix, Depth::NoneWithin { .. })
            && measurements.affordable(scenario, finding.fix, fix_bound + 1)
            && measurements.affordable(scenario, today_variant, fix_bound + 1)
        {
            let deeper = measurements.depth(finding, finding.fix, fix_bound + 1);
            if matches!(deeper, Depth::Stopped { .. }) {
                break;
            }
            (fix, fix_bound) = (deeper, fix_bound + 1);
        }
        let broken = |m: &mut Measurements, variant| {
            let tally = &m.search(&finding.scenario, variant, fix_bound).tally;
            Invariant::ALL
                .into_iter()
                .filter(|i| tally.violating(*i) > 0)
                .collect::<Vec<_>>()
        };
        let before = broken(measurements, today_variant);
        let new_invariants = broken(measurements, finding.fix)
            .into_iter()
            .filter(|i| !before.contains(i))
            .collect();
        let orderable = crate::explore::orders::unorderable(scenario).is_none();
        let both = |m: &mut Measurements, bound| {
            (
                m.orders(finding, today_variant, bound),
                m.orders(finding, finding.fix, bound),
            )
        };
        let orders = orderable.then(|| both(measurements, None));
        let orders_within = orders
            .as_ref()
            .filter(|(today, fix)| !today.complete || !fix.complete)
            .map(|_| both(measurements, Some(measure::ORDERS_BOUND)));
        Exhaustive {
            today,
            fix_bound,
            fix,
            new_invariants,
            orders,
            orders_within,
        }
    }

    /// The fix is clean within its bound: every schedule ran, none in the
    /// group, nothing new broken.
    pub fn fix_clean(&self) -> bool {
        matches!(self.fix, Depth::NoneWithin { .. }) && self.new_invariants.is_empty()
    }
}

/// The fix's verdict over the default campaign (seeds 1..1,000,000), as
/// the scenario pins it in `[expect_variant.FIX]` beside today's `[expect]`,
/// both checked by `joinsim fuzz` (which runs every pinned variant).
#[derive(Clone, Debug)]
pub struct Pinned {
    pub today: Expectations,
    /// `None`: the scenario pins no verdict for the fix.
    pub fix: Option<Expectations>,
}

impl Pinned {
    pub fn of(finding: &Finding) -> Pinned {
        let scenario = &finding.scenario;
        Pinned {
            today: scenario.own_expectations().clone(),
            fix: scenario.pinned_expectations(finding.fix).cloned(),
        }
    }

    /// The fix's table keeps the finding's group out of every run: its
    /// invariant `never`, or the group's band `0%..0%`.
    pub fn group_excluded(&self, finding: &Finding) -> bool {
        let Some(fix) = &self.fix else { return false };
        let invariant = finding.group.invariant;
        fix.of(invariant) == Expect::Never
            || fix
                .groups
                .iter()
                .any(|g| g.label == finding.group.label() && g.band.high_ppm == 0)
    }

    /// Invariants the fix's table lets runs break that `[expect]` does not:
    /// violations the fix would introduce, named rather than hidden.
    pub fn new_invariants(&self) -> Vec<Invariant> {
        let Some(fix) = &self.fix else { return Vec::new() };
        Invariant::ALL
            .into_iter()
            .filter(|i| fix.of(*i).allows_violations() && !self.today.of(*i).allows_violations())
            .collect()
    }
}

/// Everything a finding's report says, measured.
pub struct Report<'f> {
    pub finding: &'f Finding,
    /// Today's Incus (the scenario's own variant) over seeds 1..=[`SEEDS`].
    pub today: Outcome,
    /// The fix variant over the same seeds.
    pub fix: Outcome,
    pub verdict: FixVerdict,
    /// The first failing seed of the group, shrunk.
    pub shortest: Option<Shortest>,
    pub exhaustive: Exhaustive,
    pub pinned: Pinned,
}

impl<'f> Report<'f> {
    /// Measures `finding`: both campaigns (from `measurements`, which
    /// keeps them for the table) and the shortest schedule.
    pub fn build(finding: &'f Finding, measurements: &mut Measurements) -> Report<'f> {
        let today = measurements.outcome(finding, finding.scenario.variant());
        let fix = measurements.outcome(finding, finding.fix);
        let verdict = FixVerdict::of(finding, &today, &fix);
        let exhaustive = Exhaustive::measure(finding, measurements);
        let shortest = match exhaustive.today {
            Depth::Found { bound, .. } => {
                let searched = measurements.search(&finding.scenario, finding.scenario.variant(), bound);
                let schedule = searched.first_schedules.get(&finding.group).cloned();
                schedule.and_then(|s| measure::shortest(finding, Origin::Exhaustive { bound }, &Source::Schedule(s)))
            }
            _ => today
                .first_seed
                .and_then(|seed| measure::shortest(finding, Origin::Seed(seed), &Source::Seed(seed))),
        };
        Report {
            finding,
            today,
            fix,
            verdict,
            shortest,
            exhaustive,
            pinned: Pinned::of(finding),
        }
    }

    /// The report holds: today's Incus shows the finding (a shortest
    /// schedule exists), the fix removes it without breaking anything new,
    /// and no run panicked or was nondeterministic.
    pub fn holds(&self) -> bool {
        self.shortest.is_some()
            && self.verdict.clean()
            && self.exhaustive.fix_clean()
            && self.pinned.group_excluded(self.finding)
            && self.pinned.new_invariants().is_empty()
            && self.today.broken_runs == 0
            && self.fix.broken_runs == 0
    }

    /// Why the report does not hold, one reason a line.
    pub fn problems(&self) -> Vec<String> {
        let name = &self.finding.name;
        let mut out = Vec::new();
        if self.shortest.is_none() {
            out.push(format!(
                "{name}: today's Incus shows no run in the group `{}` over seeds 1..={SEEDS}",
                self.finding.group.label()
            ));
        }
        if self.verdict.in_group > 0 {
            out.push(format!(
                "{name}: the fix {} leaves {} run(s) in the finding's group",
                self.finding.fix, self.verdict.in_group
            ));
        }
        for i in &self.verdict.new_invariants {
            out.push(format!(
                "{name}: the fix {} breaks {i}, which today's Incus does not",
                self.finding.fix
            ));
        }
        if !matches!(self.exhaustive.fix, Depth::NoneWithin { .. }) {
            out.push(format!(
                "{name}: exhaustive search of the fix {} within bound {}: {:?}",
                self.finding.fix, self.exhaustive.fix_bound, self.exhaustive.fix
            ));
        }
        for i in &self.exhaustive.new_invariants {
            out.push(format!(
                "{name}: within bound {} the fix {} breaks {i}, which today's Incus does not",
                self.exhaustive.fix_bound, self.finding.fix
            ));
        }
        let table = format!("[expect_variant.{}]", self.finding.fix);
        if self.pinned.fix.is_none() {
            out.push(format!(
                "{name}: {} pins no verdict for the fix over the default campaign: add {table}",
                self.finding.scenario_path()
            ));
        } else if !self.pinned.group_excluded(self.finding) {
            out.push(format!(
                "{name}: {table} of {} lets runs fall in the finding's group",
                self.finding.scenario_path()
            ));
        }
        for i in self.pinned.new_invariants() {
            out.push(format!(
                "{name}: {table} lets runs break {i}, which [expect] (today's Incus) does not"
            ));
        }
        if self.today.broken_runs + self.fix.broken_runs > 0 {
            out.push(format!("{name}: runs panicked or were not deterministic"));
        }
        out
    }

    /// The Markdown report.
    pub fn markdown(&self) -> String {
        render::report(self)
    }
}
