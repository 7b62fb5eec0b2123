//! Replaying an artifact: its schedule on its scenario, compared with the
//! recorded run. The caller judges strictly (the run must be the recorded
//! one, hash for hash, every deviation reached) or leniently (the recorded
//! failure still happens: for artifacts that outlived a model change).

use std::path::Path;

use crate::artifact::{Artifact, ArtifactError};
use crate::run::{RunOptions, RunResult, Source, run};
use crate::scenario::Scenario;

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
    /// violations, every recorded deviation reached and in range.
    pub fn reproduced(&self) -> bool {
        self.result.trace_hash == self.recorded_hash
            && self.violations_match
            && self.result.unused.is_empty()
            && self.result.out_of_range.is_empty()
    }
}

/// Replays `artifact` (loaded from `path`, named in errors) with its trace.
pub fn replay(artifact: &Artifact, path: &Path) -> Result<ReplayOutcome, ArtifactError> {
    let scenario = artifact.scenario(path)?;
    let options = RunOptions {
        trace: true,
        event_hashes: true,
        ..RunOptions::default()
    };
    let result = run(&scenario, &Source::Schedule(artifact.schedule()), options);
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
