//! Replaying an artifact, strictly (the run must be the recorded one, hash
//! for hash) or leniently (for artifacts that outlived a model change).

use std::path::Path;

use crate::artifact::{Artifact, ArtifactError};
use crate::run::{RunOptions, RunResult, Schedule, run};
use crate::scenario::Scenario;

/// How strictly to hold a replay to its artifact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ReplayMode {
    /// Replay exactly the recorded choices (0 past their end); any
    /// difference from the recorded run is a mismatch.
    #[default]
    Strict,
    /// Past the end of the recorded choices draw from the artifact's seed,
    /// and report a divergence without failing on it.
    Lenient,
}

/// Where a replay first left the recorded run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// The engine event (0-based) after which the running trace hashes first
    /// differ; equal to the shorter run's length when one run is a prefix
    /// of the other.
    pub event: usize,
    pub recorded_events: usize,
    pub replayed_events: usize,
}

/// A replay and how it compares with the artifact.
pub struct ReplayOutcome {
    pub scenario: Scenario,
    /// The replayed run, with its trace and event hashes.
    pub result: RunResult,
    pub recorded_hash: u64,
    /// `None` when the replay is the recorded run, event for event.
    pub divergence: Option<Divergence>,
    /// Whether the replay reports exactly the recorded violations.
    pub violations_match: bool,
}

impl ReplayOutcome {
    /// The replay reproduced the recorded run: same trace hash, same
    /// violations.
    pub fn reproduced(&self) -> bool {
        self.result.trace_hash == self.recorded_hash && self.violations_match
    }
}

/// Replays `artifact` (loaded from `path`, named in errors) with its trace.
pub fn replay(artifact: &Artifact, path: &Path, mode: ReplayMode) -> Result<ReplayOutcome, ArtifactError> {
    let scenario = artifact.scenario(path)?;
    let schedule = match mode {
        ReplayMode::Strict => Schedule::Replay(artifact.choices.clone()),
        ReplayMode::Lenient => Schedule::ReplayThenSeed(artifact.padded_choices(), artifact.seed),
    };
    let options = RunOptions {
        trace: true,
        event_hashes: true,
        swarm: false,
    };
    let result = run(&scenario, &schedule, options);
    let replayed_hashes = result.event_hashes.as_deref().unwrap_or_default();
    let divergence = first_divergence(&artifact.event_hashes, replayed_hashes);
    let violations_match = artifact.violations == result.violations;
    Ok(ReplayOutcome {
        scenario,
        recorded_hash: artifact.trace_hash,
        divergence,
        violations_match,
        result,
    })
}

/// The first event at which two runs' running hashes differ, if any.
pub fn first_divergence(recorded: &[u64], replayed: &[u64]) -> Option<Divergence> {
    let common = recorded.iter().zip(replayed).take_while(|(a, b)| a == b).count();
    if common == recorded.len() && common == replayed.len() {
        return None;
    }
    Some(Divergence {
        event: common,
        recorded_events: recorded.len(),
        replayed_events: replayed.len(),
    })
}
