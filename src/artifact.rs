//! Failure artifacts: a failing schedule saved as JSON, self-contained
//! (the scenario travels inline), versioned, written atomically, and strict
//! to load. The artifact *is* the schedule: replaying its choices on its
//! scenario reproduces the run, and its hashes tell whether it did.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::check::{Invariant, Violation};
use crate::model::Variant;
use crate::run::{RunOptions, RunResult, Schedule, run};
use crate::scenario::Scenario;

/// The artifact format this joinsim writes and reads. Bump it whenever a
/// saved artifact would no longer mean the same thing.
pub const FORMAT_VERSION: u32 = 1;

/// The most choices an artifact may say its run drew. Replay pads the
/// choices to this many, so an unchecked count of 10^12 would allocate
/// terabytes; a real run draws far fewer (its event budget is bounded).
pub const MAX_CHOICES_DRAWN: usize = 10_000_000;

/// A saved run: scenario, variant, choices, and what the run did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Artifact {
    /// [`FORMAT_VERSION`] at the time of writing.
    pub format_version: u32,
    /// The joinsim that wrote it (informative; the format version rules).
    pub joinsim_version: String,
    /// The scenario's name (its file stem) and the path it was loaded from.
    pub scenario_name: String,
    pub scenario_path: String,
    /// The scenario's TOML text, so that the artifact stands alone.
    pub scenario: String,
    /// The protocol variant the run used (it may differ from the TOML's).
    pub variant: String,
    /// The run was a swarm run (its first choices pick the fault kinds).
    #[serde(default)]
    pub swarm: bool,
    /// The seed the choices were first drawn from; lenient replay draws
    /// from it past the end of `choices`.
    pub seed: u64,
    /// The choices to replay; past their end every choice is 0.
    pub choices: Vec<u32>,
    /// How many choices the recorded run drew (`choices` may be shorter:
    /// a shrunk sequence drops its trailing zeros).
    pub choices_drawn: usize,
    /// The violation this artifact is about (the one shrinking keeps);
    /// `None` for a clean run saved as a regression.
    pub violation: Option<Violation>,
    /// Every violation of the recorded run, in the order reported.
    pub violations: Vec<Violation>,
    /// The trace hash of the recorded run.
    #[serde(with = "hex_u64")]
    pub trace_hash: u64,
    /// The running trace hash after each engine event, so that a replay
    /// that diverges can say at which event.
    #[serde(with = "hex_u64_list")]
    pub event_hashes: Vec<u64>,
}

/// What is wrong with an artifact file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArtifactProblem {
    /// It cannot be read or written.
    Io,
    /// It is not an artifact (bad JSON, missing or mistyped fields).
    Corrupt,
    /// It was written in another format version.
    FormatVersion,
    /// It parses, but names something this joinsim does not know (a
    /// variant, an invariant) or holds a scenario that does not compile.
    Invalid,
}

/// An artifact that could not be read or written: the file and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArtifactError {
    pub path: PathBuf,
    pub problem: ArtifactProblem,
    pub message: String,
}

impl fmt::Display for ArtifactError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "artifact {}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for ArtifactError {}

fn error(path: &Path, problem: ArtifactProblem, message: impl Into<String>) -> ArtifactError {
    ArtifactError {
        path: path.to_path_buf(),
        problem,
        message: message.into(),
    }
}

impl Artifact {
    /// The artifact of a seeded run, about its first violation.
    pub fn from_run(scenario: &Scenario, seed: u64, result: &RunResult) -> Artifact {
        let target = result.first_violation().map(|v| v.invariant);
        Artifact::about(scenario, seed, &result.choices, result, target)
    }

    /// The artifact of a run on `choices`, about its violation of `target`.
    /// Event hashes missing from `result` are recomputed by a replay.
    pub fn about(
        scenario: &Scenario,
        seed: u64,
        choices: &[u32],
        result: &RunResult,
        target: Option<Invariant>,
    ) -> Artifact {
        let event_hashes = match &result.event_hashes {
            Some(hashes) => hashes.clone(),
            None => recompute_event_hashes(scenario, &result.choices),
        };
        let violation = target.and_then(|t| result.violations.iter().find(|v| v.invariant == t).cloned());
        Artifact {
            format_version: FORMAT_VERSION,
            joinsim_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario_name: scenario.name.clone(),
            scenario_path: scenario.path.clone(),
            scenario: scenario.source.clone(),
            variant: scenario.variant().name().to_string(),
            swarm: scenario.swarm,
            seed,
            choices: choices.to_vec(),
            choices_drawn: result.choices.len(),
            violation,
            violations: result.violations.clone(),
            trace_hash: result.trace_hash,
            event_hashes,
        }
    }

    /// The scenario, compiled from the inline text, under the recorded variant.
    pub fn scenario(&self, path: &Path) -> Result<Scenario, ArtifactError> {
        let variant = Variant::parse(&self.variant).ok_or_else(|| {
            let known: Vec<&str> = Variant::ALL.iter().map(|v| v.name()).collect();
            let known = known.join(", ");
            let message = format!("unknown variant \"{}\" (known: {known})", self.variant);
            error(path, ArtifactProblem::Invalid, message)
        })?;
        let shown = format!("{} (inline scenario {})", path.display(), self.scenario_path);
        let scenario = Scenario::parse(&self.scenario_name, &self.scenario_path, &self.scenario)
            .map_err(|e| error(path, ArtifactProblem::Invalid, format!("{shown}: {e}")))?;
        Ok(scenario.with_variant(variant).with_swarm(self.swarm))
    }

    /// The invariant this artifact is about, if any.
    pub fn target(&self) -> Option<Invariant> {
        self.violation.as_ref().map(|v| v.invariant)
    }

    /// The choices padded with zeros to the number the recorded run drew:
    /// the same run under strict replay, and the point past which lenient
    /// replay draws from the seed.
    pub fn padded_choices(&self) -> Vec<u32> {
        let mut choices = self.choices.clone();
        if choices.len() < self.choices_drawn {
            choices.resize(self.choices_drawn, 0);
        }
        choices
    }

    /// The artifact as pretty JSON, with a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("an artifact always serialises");
        text.push('\n');
        text
    }

    /// Writes the artifact to `path` atomically: a temporary file beside
    /// it, flushed to disk, then renamed over `path`, so a reader (or a
    /// killed process) never sees half an artifact.
    pub fn save(&self, path: &Path) -> Result<(), ArtifactError> {
        let io = |what: &str, e: std::io::Error| error(path, ArtifactProblem::Io, format!("cannot {what}: {e}"));
        let temporary = temporary_path(path);
        let written = std::fs::File::create(&temporary)
            .and_then(|mut file| {
                file.write_all(self.to_json().as_bytes())?;
                file.sync_all()
            })
            .map_err(|e| io("write the temporary file", e));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temporary);
            return Err(e);
        }
        std::fs::rename(&temporary, path).map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            io("rename the temporary file into place", e)
        })
    }

    /// Reads and checks an artifact file.
    pub fn load(path: &Path) -> Result<Artifact, ArtifactError> {
        let text =
            std::fs::read_to_string(path).map_err(|e| error(path, ArtifactProblem::Io, format!("cannot read: {e}")))?;
        Artifact::parse(path, &text)
    }

    /// `choices_drawn` counts the recorded choices and the trailing zeros a
    /// shrunk sequence dropped, so it is at least `choices.len()`, and at
    /// most [`MAX_CHOICES_DRAWN`] so that padding cannot exhaust memory.
    fn check_choices_drawn(&self, path: &Path) -> Result<(), ArtifactError> {
        let (drawn, recorded) = (self.choices_drawn, self.choices.len());
        let message = if drawn < recorded {
            format!("\"choices_drawn\" is {drawn}, fewer than the {recorded} recorded \"choices\"")
        } else if drawn > MAX_CHOICES_DRAWN {
            format!("\"choices_drawn\" is {drawn}, more than the {MAX_CHOICES_DRAWN} a run can draw")
        } else {
            return Ok(());
        };
        Err(error(path, ArtifactProblem::Invalid, message))
    }

    /// Parses artifact JSON; `path` is only used in messages. The format
    /// version is checked before the fields, so that an artifact of another
    /// version is named as such rather than as corrupt.
    pub fn parse(path: &Path, text: &str) -> Result<Artifact, ArtifactError> {
        let corrupt =
            |e: serde_json::Error| error(path, ArtifactProblem::Corrupt, format!("not a joinsim artifact: {e}"));
        let value: serde_json::Value = serde_json::from_str(text).map_err(corrupt)?;
        check_format_version(path, &value)?;
        let artifact: Artifact = serde_json::from_value(value).map_err(corrupt)?;
        artifact.check_choices_drawn(path)?;
        artifact.scenario(path)?;
        Ok(artifact)
    }
}

fn check_format_version(path: &Path, value: &serde_json::Value) -> Result<(), ArtifactError> {
    match value.get("format_version").and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(FORMAT_VERSION) => Ok(()),
        Some(v) => Err(error(
            path,
            ArtifactProblem::FormatVersion,
            format!("format version {v}, but this joinsim reads only format version {FORMAT_VERSION}"),
        )),
        None => Err(error(
            path,
            ArtifactProblem::Corrupt,
            "not a joinsim artifact: no numeric \"format_version\" field",
        )),
    }
}

fn temporary_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "artifact".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

fn recompute_event_hashes(scenario: &Scenario, choices: &[u32]) -> Vec<u64> {
    let options = RunOptions {
        event_hashes: true,
        ..RunOptions::default()
    };
    let replayed = run(scenario, &Schedule::Replay(choices.to_vec()), options);
    replayed.event_hashes.expect("asked for event hashes")
}

/// The file name of a failure's artifact, the same for the same failure:
/// `<scenario>-<variant>-seed<N>.json`.
pub fn failure_file_name(scenario: &Scenario, seed: u64) -> String {
    format!("{}-{}-seed{seed}.json", scenario.name, scenario.variant())
}

/// Saves a failing run's artifact in `dir` (created if missing) under
/// [`failure_file_name`], before anything else (shrinking) happens to it.
/// For the fuzz campaign: call it as soon as a seed fails.
pub fn save_failure(dir: &Path, scenario: &Scenario, seed: u64, result: &RunResult) -> Result<PathBuf, ArtifactError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| error(dir, ArtifactProblem::Io, format!("cannot create the directory: {e}")))?;
    let path = dir.join(failure_file_name(scenario, seed));
    Artifact::from_run(scenario, seed, result).save(&path)?;
    Ok(path)
}

/// The choices without their trailing zeros, which replay supplies anyway.
pub fn trim_trailing_zeros(choices: &[u32]) -> Vec<u32> {
    let end = choices.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
    choices[..end].to_vec()
}

/// Hashes as 16 hex digits: readable, and safe from JSON readers that
/// turn large integers into floating point.
mod hex_u64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("{value:016x}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse(&text).map_err(serde::de::Error::custom)
    }

    pub fn parse(text: &str) -> Result<u64, String> {
        if text.len() != 16 {
            return Err(format!("hash \"{text}\" is not 16 hex digits"));
        }
        u64::from_str_radix(text, 16).map_err(|_| format!("hash \"{text}\" is not 16 hex digits"))
    }
}

mod hex_u64_list {
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(values: &[u64], serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(values.len()))?;
        for value in values {
            seq.serialize_element(&format!("{value:016x}"))?;
        }
        seq.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u64>, D::Error> {
        let texts = Vec::<String>::deserialize(deserializer)?;
        texts
            .iter()
            .map(|t| super::hex_u64::parse(t).map_err(serde::de::Error::custom))
            .collect()
    }
}
