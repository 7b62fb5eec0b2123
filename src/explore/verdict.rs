//! Whether a campaign met its scenario's expectations.

use super::Campaign;
use crate::check::Invariant;
use crate::scenario::{Expect, Scenario};

/// Checks a campaign against its scenario's expectations.
pub fn judge(scenario: &Scenario, campaign: &Campaign) -> Vec<String> {
    let tally = &campaign.tally;
    let mut problems = Vec::new();
    for invariant in Invariant::ALL {
        let expect = scenario.expect.of(invariant);
        let violating = tally.violating(invariant);
        if !expect.met_by(violating, tally.runs) {
            let first = tally
                .groups
                .iter()
                .filter(|(k, _)| k.invariant == invariant)
                .map(|(_, g)| g.first_seed)
                .min();
            problems.push(match expect {
                Expect::Never => format!(
                    "{invariant}: unexpected violation in {violating} of {} runs (first seed {})",
                    tally.runs,
                    first.map_or("?".to_string(), |s| s.to_string())
                ),
                Expect::Always => format!(
                    "{invariant}: expected in every run, held in {} of {} runs",
                    tally.runs - violating,
                    tally.runs
                ),
                Expect::Sometimes => format!(
                    "{invariant}: expected some run to violate it; none of {} did",
                    tally.runs
                ),
                Expect::May => unreachable!("may is always met"),
            });
        }
    }
    for (seed, message) in &tally.panics {
        problems.push(format!("seed {seed} panicked: {message}"));
    }
    for (seed, parting) in &tally.nondeterministic {
        problems.push(format!("seed {seed} is not deterministic: {parting}"));
    }
    problems
}
