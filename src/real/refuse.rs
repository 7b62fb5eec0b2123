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
    not_set_up(file, text, &parsed)?;
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

/// The first key a real cluster could honour but the real back end does
/// not set up yet (`cluster.rs` creates every pool and network, without
/// config, and leaves the joiners as `incusd` starts them), as an error.
fn not_set_up(file: &str, text: &str, parsed: &ScenarioFile) -> Result<(), ScenarioError> {
    let cluster = &parsed.cluster;
    let pending = cluster.pools.iter().map(|p| (&p.name, p.pending, "cluster.pools"));
    let pending = pending.chain(
        cluster
            .networks
            .iter()
            .map(|n| (&n.name, n.pending, "cluster.networks")),
    );
    let mut found: Vec<(usize, String, &str)> = pending
        .filter(|(_, pending, _)| *pending == Some(true))
        .map(|(name, _, key)| (name.span().start, format!("{key}.pending"), "a pending pool or network"))
        .collect();
    for net in &cluster.networks {
        if let Some((k, _)) = net.config.iter().find(|(k, _)| k.get_ref().ends_with(".routes")) {
            found.push((
                k.span().start,
                format!("cluster.networks.config.\"{}\"", k.get_ref()),
                "a network's routes",
            ));
        }
    }
    if let Some((k, _)) = parsed.standalone.profile_devices.iter().next() {
        found.push((
            k.span().start,
            "standalone.profile_devices".to_string(),
            "a joiner's own profile devices",
        ));
    }
    match found.into_iter().min_by_key(|f| f.0) {
        None => Ok(()),
        Some((offset, key, what)) => Err(ScenarioError {
            file: file.to_string(),
            line: Some(line_of(text, offset)),
            key: Some(key),
            message: format!(
                "the real back end does not set up {what} yet (a real cluster could hold it); run the scenario with `joinsim fuzz`"
            ),
        }),
    }
}
