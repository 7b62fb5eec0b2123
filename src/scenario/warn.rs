//! Warnings about a scenario that loads but cannot do what it seems to
//! say: no join to test, or a fault that can never fire. They do not fail
//! a campaign (the scenario is valid); `run` and `fuzz` print them, and
//! `fuzz --json` and `--html` carry them. A partition whose sides overlap is
//! an error instead (`network.partitions[i].side_b`): it has no sensible
//! meaning to warn about.
//!
//! A crash never needs a warning of its own: a run's time limit is derived
//! from the last scheduled crash or restart (`limits`), so every scheduled
//! crash fires unless the run hits its event limit first.

use super::error::ScenarioError;
use super::file::ScenarioFile;
use crate::sim::NetworkConfig;

/// A located remark about a scenario: file, line (when the key is written)
/// and key, as an error has.
pub type ScenarioWarning = ScenarioError;

/// What the static checks need besides the parsed file.
pub struct Facts<'a> {
    pub file: &'a str,
    pub source: &'a str,
    pub network: &'a NetworkConfig,
    pub random_step_error_never: bool,
    pub random_step_error_until_tick: u64,
}

/// Every static warning of the scenario, in file order of their keys.
pub fn warnings(parsed: &ScenarioFile, facts: &Facts<'_>) -> Vec<ScenarioWarning> {
    let mut out = Vec::new();
    let mut warn = |span: Option<std::ops::Range<usize>>, key: &str, message: String| {
        out.push(ScenarioError {
            file: facts.file.to_string(),
            line: span.map(|s| super::error::line_of(facts.source, s.start)),
            key: Some(key.to_string()),
            message,
        });
    };
    if parsed.joiners.is_empty() {
        warn(
            None,
            "joiners",
            "the scenario has no joiners: no join runs, only the admins' commands are checked".to_string(),
        );
    }
    let n = &parsed.network;
    let network = facts.network;
    for (key, value, never) in [("network.drop", &n.drop, network.drop.is_never())] {
        if let Some(value) = value
            && !never
            && network.faults_until_tick == 0
        {
            warn(
                Some(value.span()),
                key,
                format!("never fires: `{key}` acts only before `network.faults_until`, which is 0"),
            );
        }
    }
    for (i, (p, plan)) in n.partitions.iter().zip(&network.partitions).enumerate() {
        let key = format!("network.partitions[{i}]");
        if plan.from_tick == plan.until_tick {
            warn(
                Some(p.until.span()),
                &format!("{key}.until"),
                format!(
                    "never fires: the partition lasts no time (from = until = {})",
                    plan.from_tick
                ),
            );
        }
        if plan.side_a.is_empty() || plan.side_b.is_empty() {
            warn(
                Some(p.from.span()),
                &key,
                "never fires: a side of the partition is empty, so it cuts no link".to_string(),
            );
        }
    }
    joiner_attempts(parsed, &mut warn);
    let f = &parsed.faults;
    if let Some(value) = &f.random_step_error
        && !facts.random_step_error_never
        && facts.random_step_error_until_tick == 0
    {
        warn(
            Some(value.span()),
            "faults.random_step_error",
            "never fires: random step errors happen only before `faults.until`, which is 0".to_string(),
        );
    }
    out
}

/// Settings about attempts that no attempt can use: retry settings of a
/// joiner that runs `incus cluster join` once, and a step error for an
/// attempt its joiner (or, without `joiner`, every joiner) never makes.
fn joiner_attempts(parsed: &ScenarioFile, warn: &mut impl FnMut(Option<std::ops::Range<usize>>, &str, String)) {
    let attempts = |j: &super::file::JoinerFile| j.attempts.as_ref().map_or(1, |a| *a.get_ref());
    for (i, j) in parsed.joiners.iter().enumerate() {
        if attempts(j) > 1 {
            continue;
        }
        let retry = [
            ("retry_after", j.retry_after.as_ref().map(|v| v.span())),
            ("retry_token", j.retry_token.as_ref().map(|v| v.span())),
        ];
        for (name, span) in retry {
            if let Some(span) = span {
                warn(
                    Some(span),
                    &format!("joiners[{i}].{name}"),
                    format!(
                        "no effect: joiner \"{}\" runs `incus cluster join` once (attempts = 1), so it never retries",
                        j.name.get_ref()
                    ),
                );
            }
        }
    }
    for (i, e) in parsed.faults.step_errors.iter().enumerate() {
        let Some(attempt) = &e.attempt else { continue };
        let makes = match &e.joiner {
            Some(name) => parsed
                .joiners
                .iter()
                .find(|j| j.name.get_ref() == name.get_ref())
                .map_or(1, attempts),
            None => parsed.joiners.iter().map(attempts).max().unwrap_or(0),
        };
        if *attempt.get_ref() > makes {
            let whose = e
                .joiner
                .as_ref()
                .map_or("any joiner".to_string(), |n| format!("joiner \"{}\"", n.get_ref()));
            warn(
                Some(attempt.span()),
                &format!("faults.step_errors[{i}].attempt"),
                format!(
                    "never fires: attempt {} never happens, {whose} makes at most {makes} (`attempts`)",
                    attempt.get_ref()
                ),
            );
        }
    }
}
