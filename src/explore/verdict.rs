//! Whether a campaign met its scenario's expectations, how each rate band
//! was checked, and what the campaign warns about.

use super::Campaign;
use super::tally::SmallestSeeds;
use crate::check::Invariant;
use crate::model::Role;
use crate::scenario::{Band, Expect, Scenario, fraction_percent, percent};
use crate::sim::NodeId;

/// How a campaign checked one rate band.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BandCheck {
    /// Enough runs ([`Band::runs_needed`]): the observed rate itself must
    /// lie in the band.
    Exact { met: bool },
    /// Fewer runs: only a rate outside `widened` fails, the band widened
    /// on each side by the deviation a campaign of this size reaches with
    /// probability below e^-8 (Bernstein's inequality) when the true rate
    /// is at that end of the band. Catches a gross shift (a race that
    /// stopped happening), not a subtle one.
    Loose {
        met: bool,
        widened_low: f64,
        widened_high: f64,
    },
}

impl BandCheck {
    pub fn met(self) -> bool {
        match self {
            BandCheck::Exact { met } | BandCheck::Loose { met, .. } => met,
        }
    }
}

/// One rate band of a scenario, against a campaign.
#[derive(Clone, Debug, PartialEq)]
pub struct BandReport {
    pub invariant: Invariant,
    /// The failure group's label, when the band is pinned for one group.
    pub group: Option<String>,
    pub band: Band,
    pub violating: u64,
    pub runs: u64,
    pub check: BandCheck,
}

impl BandReport {
    /// What the band is about: the invariant, or the failure group.
    pub fn subject(&self) -> String {
        self.group.clone().unwrap_or_else(|| self.invariant.name().to_string())
    }

    /// One line for summaries: rate, band, how it was checked.
    pub fn describe(&self) -> String {
        let observed = format!(
            "{}: {} of {} runs ({})",
            self.subject(),
            self.violating,
            self.runs,
            percent(self.violating, self.runs)
        );
        match self.check {
            BandCheck::Exact { met: true } => format!("{observed}, within its band {}", self.band),
            BandCheck::Exact { met: false } => format!(
                "{observed}, outside its band {} (measured here: {} at +-5 standard errors)",
                self.band,
                Band::suggest(self.violating, self.runs)
            ),
            BandCheck::Loose {
                met,
                widened_low,
                widened_high,
            } => format!(
                "{observed}, {} {}..{}: its band {} widened for this few runs (an exact check needs {} runs)",
                if met { "within" } else { "outside" },
                fraction_percent(widened_low),
                fraction_percent(widened_high),
                self.band,
                self.band.runs_needed()
            ),
        }
    }
}

/// The deviation of a binomial count over `runs` runs at rate `rate` that
/// is reached with probability at most e^-8 on each side (Bernstein:
/// `t = 8/3 + sqrt(64/9 + 16 n p (1-p))`).
fn bernstein_margin(rate: f64, runs: u64) -> f64 {
    let variance = runs as f64 * rate * (1.0 - rate);
    8.0 / 3.0 + (64.0 / 9.0 + 16.0 * variance).sqrt()
}

/// Checks `violating` of `runs` against `band`.
pub fn check_band(band: Band, violating: u64, runs: u64) -> BandCheck {
    if runs >= band.runs_needed() {
        return BandCheck::Exact {
            met: band.contains(violating, runs),
        };
    }
    let (low, high) = (band.low_ppm as f64 / 1e6, band.high_ppm as f64 / 1e6);
    let n = runs.max(1) as f64;
    let widened_low = ((low * n - bernstein_margin(low, runs)) / n).max(0.0);
    let widened_high = ((high * n + bernstein_margin(high, runs)) / n).min(1.0);
    let rate = violating as f64 / n;
    BandCheck::Loose {
        met: rate >= widened_low && rate <= widened_high,
        widened_low,
        widened_high,
    }
}

/// Every rate band of the scenario, checked against the campaign: the
/// invariants' first, then the failure groups'.
pub fn bands(scenario: &Scenario, campaign: &Campaign) -> Vec<BandReport> {
    let tally = &campaign.tally;
    let report = |invariant, group, band, violating| BandReport {
        invariant,
        group,
        band,
        violating,
        runs: tally.runs,
        check: check_band(band, violating, tally.runs),
    };
    let mut out: Vec<BandReport> = Invariant::ALL
        .into_iter()
        .filter_map(|invariant| match scenario.expect.of(invariant) {
            Expect::Rate(band) => Some(report(invariant, None, band, tally.violating(invariant))),
            _ => None,
        })
        .collect();
    for g in &scenario.expect.groups {
        let violating = tally
            .groups
            .iter()
            .find(|(key, _)| key.label() == g.label)
            .map_or(0, |(_, group)| group.count());
        out.push(report(g.invariant, Some(g.label.clone()), g.band, violating));
    }
    out
}

/// Whether a problem line of [`judge`] is about `invariant` (itself, or
/// one of its failure groups).
pub fn concerns(problem: &str, invariant: Invariant) -> bool {
    problem.starts_with(&format!("{invariant}:")) || problem.starts_with(&format!("{invariant} on "))
}

/// Checks a campaign against its scenario's expectations: why it failed,
/// one reason a line; empty when it passed.
pub fn judge(scenario: &Scenario, campaign: &Campaign) -> Vec<String> {
    let tally = &campaign.tally;
    let mut problems = Vec::new();
    for invariant in Invariant::ALL {
        let violating = tally.violating(invariant);
        match scenario.expect.of(invariant) {
            Expect::Never if violating > 0 => problems.push(unexpected(campaign, invariant, "seed")),
            Expect::Always if violating < tally.runs => problems.push(format!(
                "{invariant}: expected in every run, held in {} of {} runs",
                tally.runs - violating,
                tally.runs
            )),
            _ => {}
        }
    }
    for report in bands(scenario, campaign) {
        if !report.check.met() {
            problems.push(report.describe());
        }
    }
    unreached_probes(&mut problems, scenario, campaign);
    broken_seeds(&mut problems, &tally.panics, "panicked");
    broken_seeds(&mut problems, &tally.nondeterministic, "is not deterministic");
    problems
}

/// A probe the scenario requires that no run of the campaign hit.
fn unreached_probes(problems: &mut Vec<String>, scenario: &Scenario, campaign: &Campaign) {
    for &probe in &scenario.expect.probes {
        if campaign.tally.probes[probe as usize] == 0 {
            problems.push(format!(
                "required probe \"{}\" never fired in {} runs: the scenario's window was not reached",
                probe.name(),
                campaign.tally.runs
            ));
        }
    }
}

/// Checks a search (exhaustive, PCT, coverage, swarm) against the
/// expectations. Its runs are not a random sample of the scenario's runs,
/// so a rate (or "every run") means nothing there: an invariant (or a
/// failure group) the scenario expects to break, always or at a rate, must
/// break in some run; one it expects to hold (a group's band of `0%..0%`:
/// a fix that removes it), in none.
pub fn judge_search(scenario: &Scenario, campaign: &Campaign) -> Vec<String> {
    let tally = &campaign.tally;
    let mut problems = Vec::new();
    for invariant in Invariant::ALL {
        let violating = tally.violating(invariant);
        match scenario.expect.of(invariant) {
            Expect::Never if violating > 0 => problems.push(unexpected(campaign, invariant, "run")),
            Expect::Always | Expect::Rate(_) if violating == 0 => problems.push(format!(
                "{invariant}: expected some run to violate it; none of {} did",
                tally.runs
            )),
            _ => {}
        }
    }
    for g in &scenario.expect.groups {
        let seen = tally.groups.keys().any(|key| key.label() == g.label);
        if g.band.high_ppm == 0 && seen {
            problems.push(format!(
                "{}: expected in no run (band {}); some of {} showed it",
                g.label, g.band, tally.runs
            ));
        } else if g.band.high_ppm > 0 && !seen {
            problems.push(format!(
                "{}: expected in some run; none of {} showed it",
                g.label, tally.runs
            ));
        }
    }
    broken_seeds(&mut problems, &tally.panics, "panicked");
    broken_seeds(&mut problems, &tally.nondeterministic, "is not deterministic");
    problems
}

/// `invariant` broke though the scenario expects it never to; `run_name`
/// is what the campaign's run numbers are (`seed`, or a search's `run`).
fn unexpected(campaign: &Campaign, invariant: Invariant, run_name: &str) -> String {
    let tally = &campaign.tally;
    let first = tally
        .groups
        .iter()
        .filter(|(k, _)| k.invariant == invariant)
        .map(|(_, g)| g.first_seed())
        .min();
    format!(
        "{invariant}: unexpected violation in {} of {} runs (first {run_name} {})",
        tally.violating(invariant),
        tally.runs,
        first.map_or("?".to_string(), |s| s.to_string())
    )
}

/// One line per kept seed whose run panicked (or was not deterministic),
/// and how many there were in all when not every one is kept.
fn broken_seeds<const N: usize>(problems: &mut Vec<String>, seeds: &SmallestSeeds<String, N>, what: &str) {
    for (seed, message) in seeds.iter() {
        problems.push(format!("seed {seed} {what}: {message}"));
    }
    let listed = seeds.iter().count() as u64;
    if seeds.count() > listed {
        problems.push(format!(
            "{} seeds in all {what}; the smallest {listed} are listed",
            seeds.count()
        ));
    }
}

/// What a campaign warns about: the scenario's own warnings, then each
/// admin command that never succeeded in any run.
pub fn warnings(scenario: &Scenario, campaign: &Campaign) -> Vec<String> {
    let mut out: Vec<String> = scenario.warnings.iter().map(|w| w.to_string()).collect();
    out.extend(admin_warnings(scenario, campaign));
    out
}

/// An admin command that failed in every run it got an answer in (or got
/// none in any run) never changed the cluster: the race it was written for
/// never happened.
fn admin_warnings(scenario: &Scenario, campaign: &Campaign) -> Vec<String> {
    let tally = &campaign.tally;
    let setup = &scenario.setup;
    let mut out = Vec::new();
    if tally.runs == 0 {
        return out;
    }
    for (node, role) in setup.roles.iter().enumerate() {
        let Role::Admin(plan) = role else { continue };
        for (index, call) in plan.commands.iter().enumerate() {
            let command = tally
                .admin_commands
                .get(&(node as NodeId, index))
                .cloned()
                .unwrap_or_default();
            if command.answered > command.failed {
                continue;
            }
            let text = crate::trace::describe::command(&setup.names, call);
            let what = match &command.first_error {
                _ if command.answered == 0 => format!("got no answer in any of {} runs", tally.runs),
                Some((seed, error)) => format!(
                    "failed in every one of the {} runs it ran in (seed {seed}: {error})",
                    command.answered
                ),
                None => unreachable!("failed == answered > 0 holds an error"),
            };
            out.push(format!(
                "{}: admin {} command {} `incus {text}` {what}",
                scenario.path,
                setup.node_name(node as NodeId),
                index + 1
            ));
        }
    }
    out
}
