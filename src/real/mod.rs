//! The real back end: a scenario run on a live cluster of Incus daemons
//! (Debian's incus-base), each try from nothing to torn down.
//!
//! - `record`: the run's directory and the record of all it started, and
//!   teardown (end, error, panic, Ctrl-C, or the next run after a SIGKILL);
//! - `network`, `daemon`: the bridge, one namespace and one `incusd` each;
//! - `socket`, `api`: REST over each daemon's unix socket, logged;
//! - `requests`: each operation as the REST requests the `incus` client sends;
//! - `cluster`: the scenario's cluster formed; `schedule`: its joins, admins
//!   and faults on real time; `trigger`: an admin waiting for a join's state;
//! - `step_times`: when each join step ran, from the joiners' logs;
//! - `judge`: the invariants on the real state; `refuse`: keys a real
//!   cluster cannot honour; `expect`: `[expect_real]` and the tally of tries.

pub mod api;
pub mod cluster;
pub mod daemon;
pub mod expect;
pub mod judge;
pub mod network;
pub mod process;
pub mod record;
pub mod refuse;
pub mod requests;
pub mod schedule;
mod socket;
pub mod step_times;
pub mod trigger;

use std::time::Instant;

use crate::check::Violation;
use crate::scenario::Scenario;

/// One try: how long it took, what ran, what it broke, and its log.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TryResult {
    pub seed: u64,
    /// Milliseconds from nothing to a formed cluster.
    pub setup_ms: f64,
    /// Milliseconds of the joins and admins.
    pub play_ms: f64,
    /// Milliseconds from nothing to torn down.
    pub total_ms: f64,
    pub played: schedule::Played,
    pub violations: Vec<Violation>,
    /// When each join step first showed in the joiners' `--debug` logs (ms
    /// since the play started), beside the model's tick for it.
    pub steps: Vec<step_times::StepTime>,
    /// Every request sent, with its answer and times (ms since the try
    /// began), setup included.
    pub log: Vec<api::Exchange>,
}

/// Runs one try of `scenario` (jitters drawn from `seed`); everything it
/// starts is gone when it returns, whether it returns `Ok` or not.
pub fn one_try(scenario: &Scenario, seed: u64) -> Result<TryResult, String> {
    one_try_observed(scenario, seed, |_, _| ()).map(|(t, ())| t)
}

/// [`one_try`], with `observe` called on the cluster and what was played
/// after the judge and before teardown (conformance reads the state and
/// the daemons' debug logs there).
pub fn one_try_observed<T>(
    scenario: &Scenario,
    seed: u64,
    observe: impl FnOnce(&cluster::Cluster, &schedule::Played) -> T,
) -> Result<(TryResult, T), String> {
    let zero = Instant::now();
    let ms = |since: Instant| since.elapsed().as_secs_f64() * 1000.0;
    let record = record::Record::open()?;
    let log = api::Log::new(zero);
    let mut formed = cluster::Cluster::form(&record, std::sync::Arc::clone(&scenario.setup), log.clone());
    let outcome = formed.as_mut().map_err(|e| e.clone()).map(|cluster| {
        let setup_ms = ms(zero);
        let play_start = Instant::now();
        let follower = step_times::Follower::start(cluster, play_start);
        let played = schedule::play(&record, cluster, scenario, seed);
        let play_ms = ms(play_start);
        let steps = follower.finish(&|address| cluster.node_at(address));
        let violations = judge::judge(cluster, &played, play_ms as u64);
        let observed = observe(cluster, &played);
        (setup_ms, play_ms, played, (violations, steps), observed)
    });
    if let Ok(cluster) = formed.as_mut() {
        cluster.stop();
    }
    drop(formed);
    record.teardown();
    drop(record);
    let (setup_ms, play_ms, played, (violations, steps), observed) = outcome.map_err(|e| {
        let tail = log
            .take()
            .last()
            .map(|x| format!(" (last request: {} {})", x.method, x.path));
        format!("{e}{}", tail.unwrap_or_default())
    })?;
    let result = TryResult {
        seed,
        setup_ms,
        play_ms,
        total_ms: ms(zero),
        played,
        violations,
        steps,
        log: log.take(),
    };
    Ok((result, observed))
}

/// `dpkg-query -W incus-base`: the package every real result names.
pub fn incus_package() -> String {
    std::process::Command::new("dpkg-query")
        .args(["-W", "incus-base"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().replace('\t', " "))
        .unwrap_or_else(|| "incus-base not installed".to_string())
}

/// Whether this machine can run real tries: root, `ip`, `nft` and the daemon.
pub fn available() -> Result<(), String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err("joinsim real needs root (network namespaces, bridges, incusd)".into());
    }
    let daemon = daemon::incusd_path();
    if !daemon.exists() {
        return Err(format!(
            "{} not found: install Debian's incus-base (bookworm-backports), or set JOINSIM_INCUSD",
            daemon.display()
        ));
    }
    Ok(())
}
