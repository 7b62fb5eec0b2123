//! Failure artifacts: a failing schedule saved as JSON, self-contained
//! (the scenario travels inline), versioned, written atomically, and strict
//! to load. The artifact *is* the schedule: replaying its choices on its
//! scenario reproduces the run, and its hashes tell whether it did.

pub mod replay;

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::check::Violation;
use crate::model::Variant;
use crate::run::{RunOptions, RunResult, Source, run};
use crate::scenario::Scenario;
use crate::shrink::Target;
use crate::sim::{Deviation, Schedule};

/// The artifact format this joinsim writes and reads. Bump it whenever a
/// saved artifact would no longer mean the same thing. Version 2: the
/// schedule is a list of labelled deviations (version 1 held positional
/// choices, which this joinsim cannot map onto labels).
pub const FORMAT_VERSION: u32 = 2;

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
    /// The seed the schedule was first drawn from (informative: the
    /// deviations are the schedule).
    pub seed: u64,
    /// The schedule: each deviation as `[kind, a, b, c, value]`, e.g.
    /// `["delay", 4, 1, 3, 7]` (the 3rd message on link 4→1 took 7 extra
    /// ticks). Every label not listed takes 0, the nominal choice.
    #[serde(with = "labelled")]
    pub deviations: Vec<Deviation>,
    /// How many choices the recorded run drew (informative).
    pub choices_drawn: u32,
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
        let target = result.first_violation().map(Target::of);
        Artifact::about(scenario, seed, result, target.as_ref())
    }

    /// The artifact of `result` (its schedule), about its failure `target`.
    /// Event hashes missing from `result` are recomputed by a replay.
    pub fn about(scenario: &Scenario, seed: u64, result: &RunResult, target: Option<&Target>) -> Artifact {
        let event_hashes = match &result.event_hashes {
            Some(hashes) => hashes.clone(),
            None => recompute_event_hashes(scenario, &result.schedule()),
        };
        let violation = target.and_then(|t| t.find(&result.violations).cloned());
        Artifact {
            format_version: FORMAT_VERSION,
            joinsim_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario_name: scenario.name.clone(),
            scenario_path: scenario.path.clone(),
            scenario: scenario.source.clone(),
            variant: scenario.variant().name().to_string(),
            swarm: scenario.swarm,
            seed,
            deviations: result.schedule().deviations().to_vec(),
            choices_drawn: result.drawn,
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

    /// The failure this artifact is about, if any.
    pub fn target(&self) -> Option<Target> {
        self.violation.as_ref().map(Target::of)
    }

    /// The schedule to replay.
    pub fn schedule(&self) -> Schedule {
        Schedule::new(self.deviations.iter().copied())
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

    /// Parses artifact JSON; `path` is only used in messages. The format
    /// version is checked before the fields, so that an artifact of another
    /// version is named as such rather than as corrupt.
    pub fn parse(path: &Path, text: &str) -> Result<Artifact, ArtifactError> {
        let corrupt =
            |e: serde_json::Error| error(path, ArtifactProblem::Corrupt, format!("not a joinsim artifact: {e}"));
        let value: serde_json::Value = serde_json::from_str(text).map_err(corrupt)?;
        check_format_version(path, &value)?;
        let artifact: Artifact = serde_json::from_value(value).map_err(corrupt)?;
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
            format!(
                "format version {v}, but this joinsim reads only format version {FORMAT_VERSION} \
                 (labelled choices); re-create it from its seed with `joinsim run SCENARIO --seed N --save FILE`"
            ),
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

fn recompute_event_hashes(scenario: &Scenario, schedule: &Schedule) -> Vec<u64> {
    let options = RunOptions {
        event_hashes: true,
        ..RunOptions::default()
    };
    let replayed = run(scenario, &Source::Schedule(schedule.clone()), options);
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
    save_failure_named(dir, &failure_file_name(scenario, seed), scenario, seed, result)
}

/// [`save_failure`] under the file name `name` (for runs that are not
/// named by a seed: a search strategy's).
pub fn save_failure_named(
    dir: &Path,
    name: &str,
    scenario: &Scenario,
    seed: u64,
    result: &RunResult,
) -> Result<PathBuf, ArtifactError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| error(dir, ArtifactProblem::Io, format!("cannot create the directory: {e}")))?;
    let path = dir.join(name);
    Artifact::from_run(scenario, seed, result).save(&path)?;
    Ok(path)
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

/// Deviations as `[kind, a, b, c, value]` arrays, the kind by name.
mod labelled {
    use serde::de::Error;
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::labels::{kind_name, kind_named};
    use crate::sim::{Deviation, Label};

    pub fn serialize<S: Serializer>(values: &[Deviation], serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(values.len()))?;
        for d in values {
            let kind = kind_name(d.label.kind).unwrap_or("unknown");
            let l = d.label;
            seq.serialize_element(&(kind, l.a, l.b, l.c, d.value))?;
        }
        seq.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Deviation>, D::Error> {
        let rows = Vec::<(String, u32, u32, u32, u32)>::deserialize(deserializer)?;
        rows.into_iter()
            .map(|(kind, a, b, c, value)| {
                let kind =
                    kind_named(&kind).ok_or_else(|| D::Error::custom(format!("unknown choice kind \"{kind}\"")))?;
                Ok(Deviation {
                    label: Label::new(kind, a, b, c),
                    value,
                })
            })
            .collect()
    }
}
