//! The scenario keys a real cluster cannot honour: an injected step error,
//! a transaction fault, a message fault by label, a leader change on
//! demand, local work time, a mutex hand-off order. A scenario that sets
//! one is refused (exit 2) with its file, line and key, never run with the
//! key silently ignored. Message delays (`network.delay_*`) are the model's
//! latency; the real bridge has its own, so they are not refused.

use toml::Spanned;

use crate::scenario::file::ScenarioFile;
use crate::scenario::{ScenarioError, line_of, parse_toml};

/// The first key of `text` (scenario `file`) that the real back end cannot
/// honour, as an error; `Ok` when there is none.
pub fn check(file: &str, text: &str) -> Result<(), ScenarioError> {
    let parsed: ScenarioFile = parse_toml(file, text)?;
    let faults = &parsed.faults;
    let network = &parsed.network;
    let span_of = |s: &Spanned<String>| s.span().start;
    let mut refused: Vec<(usize, &str, &str)> = Vec::new();
    if let Some(first) = faults.step_errors.first() {
        refused.push((span_of(&first.step), "faults.step_errors", "an injected step error"));
    }
    let texts = [
        (
            &faults.random_step_error,
            "faults.random_step_error",
            "an injected step error",
        ),
        (
            &faults.transaction_retry,
            "faults.transaction_retry",
            "a transaction fault",
        ),
        (
            &faults.leader_change,
            "faults.leader_change",
            "a leader change on a commit",
        ),
        (
            &faults.mutex_handoff,
            "faults.mutex_handoff",
            "the order a mutex is handed to waiters",
        ),
        (&network.drop, "network.drop", "a message dropped by label"),
        (&network.duplicate, "network.duplicate", "a message duplicated by label"),
    ];
    for (value, key, what) in texts {
        if let Some(v) = value {
            refused.push((span_of(v), key, what));
        }
    }
    if let Some(v) = &faults.local_work_max {
        refused.push((
            v.span().start,
            "faults.local_work_max",
            "the time a daemon's local work takes",
        ));
    }
    if let Some(v) = &network.request_timeout {
        refused.push((
            v.span().start,
            "network.request_timeout",
            "a request timeout of the model's client",
        ));
    }
    if parsed.network.same_tick_order == Some(true) {
        refused.push((0, "network.same_tick_order", "the order of same-tick events"));
    }
    match refused.into_iter().min_by_key(|r| r.0) {
        None => Ok(()),
        Some((offset, key, what)) => Err(ScenarioError {
            file: file.to_string(),
            line: (offset > 0).then(|| line_of(text, offset)),
            key: Some(key.to_string()),
            message: format!(
                "the real back end cannot honour this key ({what} is not something a real cluster can be made to do); \
                 run the scenario with `joinsim fuzz`, or remove the key for `joinsim real`"
            ),
        }),
    }
}
