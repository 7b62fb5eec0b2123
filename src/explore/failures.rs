//! Failures found by a campaign: saved as artifacts the moment they are
//! found (before any shrinking, so a killed campaign loses none), then,
//! once the campaign is over, the first seed of each group saved and shrunk,
//! and the other early saves removed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::campaign::{Observer, role_of};
use super::{Campaign, FailureKey};
use crate::artifact::{Artifact, failure_file_name, save_failure_named};
use crate::check::Violation;
use crate::run::{RunOptions, RunResult, Source, run};
use crate::scenario::Scenario;
use crate::shrink::{Budget, Target, shrink};

/// What to keep of a campaign's failures (`fuzz`'s and `explore`'s
/// `--out`, `--no-shrink` and `--keep-expected`).
#[derive(Clone, Debug)]
pub struct Keep {
    /// Where failure artifacts are saved.
    pub out: PathBuf,
    /// Save failures without shrinking them.
    pub no_shrink: bool,
    /// Also save (and shrink) the failures a scenario expects.
    pub expected: bool,
}

impl Keep {
    fn wants(&self, scenario: &Scenario, result: &RunResult) -> bool {
        self.expected
            || result
                .violations
                .iter()
                .any(|v| !scenario.expect.of(v.invariant).allows_violations())
    }
}

/// How a campaign names its runs and runs one again: `fuzz` by seed,
/// `explore` by strategy and run number. It watches the campaign too, to
/// remember what it needs to run a run again.
pub trait RunIds: Observer {
    /// The seed an artifact of run `id` records (informative).
    fn seed(&self, id: u64) -> u64;
    /// The file name of run `id`'s artifact.
    fn file_name(&self, scenario: &Scenario, id: u64) -> String;
    /// Where run `id`'s choices come from, to run it again.
    fn source(&self, id: u64) -> Source;
    /// The command that replays run `id` and prints its trace.
    fn replay(&self, scenario: &Scenario, id: u64) -> String;
}

/// A fuzz campaign's runs: each is its seed.
pub struct Seeds {
    /// The runs were swarm runs (their replay needs `--swarm`).
    pub swarm: bool,
}

impl Observer for Seeds {}

impl RunIds for Seeds {
    fn seed(&self, id: u64) -> u64 {
        id
    }

    fn file_name(&self, scenario: &Scenario, id: u64) -> String {
        failure_file_name(scenario, id)
    }

    fn source(&self, id: u64) -> Source {
        Source::Seed(id)
    }

    fn replay(&self, scenario: &Scenario, id: u64) -> String {
        format!(
            "joinsim run {} --seed {id} --variant {}{} --trace",
            scenario.path,
            scenario.variant(),
            if self.swarm { " --swarm" } else { "" }
        )
    }
}

/// Saves the first run of each new failure group as it is found.
pub struct Saver<'a> {
    pub scenario: &'a Scenario,
    pub keep: &'a Keep,
    pub ids: &'a dyn RunIds,
    /// Artifacts written, by seed.
    pub saved: Mutex<BTreeMap<u64, PathBuf>>,
    pub errors: Mutex<Vec<String>>,
}

impl Observer for Saver<'_> {
    fn new_failure(&self, seed: u64, result: &RunResult) {
        if !self.keep.wants(self.scenario, result) {
            return;
        }
        match save(self.scenario, self.keep, self.ids, seed, result) {
            Ok(path) => {
                self.saved.lock().expect("not poisoned").insert(seed, path);
            }
            Err(e) => self.errors.lock().expect("not poisoned").push(e.to_string()),
        }
    }
}

/// Saves run `id`'s artifact under `keep.out`, named as `ids` names it.
fn save(scenario: &Scenario, keep: &Keep, ids: &dyn RunIds, id: u64, result: &RunResult) -> Result<PathBuf, String> {
    let name = ids.file_name(scenario, id);
    save_failure_named(&keep.out, &name, scenario, ids.seed(id), result).map_err(|e| e.to_string())
}

/// Two observers as one.
pub struct Both<'a>(pub &'a dyn Observer, pub &'a dyn Observer);

impl Observer for Both<'_> {
    fn ran(&self, runs: u64, failures: u64) {
        self.0.ran(runs, failures);
        self.1.ran(runs, failures);
    }
    fn new_failure(&self, seed: u64, result: &RunResult) {
        self.0.new_failure(seed, result);
        self.1.new_failure(seed, result);
    }
    fn panicked(&self, seed: u64, message: &str) {
        self.0.panicked(seed, message);
        self.1.panicked(seed, message);
    }
}

/// A campaign whose failures were saved.
pub struct Saved {
    pub campaign: Campaign,
    /// What went wrong while saving or shrinking.
    pub problems: Vec<String>,
    /// The artifact shown for each kept failure group.
    pub artifacts: BTreeMap<FailureKey, PathBuf>,
}

/// Runs `campaign` with its failures saved the moment they are found
/// (told to `progress` and `ids` too), then each kept group's first run
/// saved and shrunk: `fuzz`'s and `explore`'s campaigns alike.
pub fn with_saved_failures(
    run_scenario: &Scenario,
    keep: &Keep,
    ids: &dyn RunIds,
    progress: &dyn Observer,
    campaign: impl FnOnce(&dyn Observer) -> Campaign,
) -> Saved {
    let saver = Saver {
        scenario: run_scenario,
        keep,
        ids,
        saved: Default::default(),
        errors: Default::default(),
    };
    let campaign = campaign(&Both(&Both(progress, &saver), ids));
    let mut problems = saver.errors.into_inner().expect("not poisoned");
    let saved = saver.saved.into_inner().expect("not poisoned");
    let artifacts = finish_groups(run_scenario, keep, &campaign.tally.groups, &saved, ids).unwrap_or_else(|e| {
        problems.push(e);
        BTreeMap::new()
    });
    Saved {
        campaign,
        problems,
        artifacts,
    }
}

/// For each kept failure group: the artifact of its first seed (saved now
/// if the campaign saved another seed of it), shrunk when asked. Returns
/// the artifact to show per group. Early saves of seeds that are no kept
/// group's first are then removed: which seed a worker happens to find
/// first depends on `--jobs`, the first seed of each group does not.
pub fn finish_groups(
    scenario: &Scenario,
    keep: &Keep,
    groups: &BTreeMap<FailureKey, super::tally::FailureGroup>,
    saved: &BTreeMap<u64, PathBuf>,
    ids: &dyn RunIds,
) -> Result<BTreeMap<FailureKey, PathBuf>, String> {
    let mut shown = BTreeMap::new();
    let mut shrunk: BTreeMap<(u64, FailureKey), PathBuf> = BTreeMap::new();
    let mut first_seeds = BTreeSet::new();
    for (key, group) in groups {
        let expected = scenario.expect.of(key.invariant).allows_violations();
        if expected && !keep.expected {
            continue;
        }
        let seed = group.first_seed();
        first_seeds.insert(seed);
        let result = run(scenario, &ids.source(seed), RunOptions::default());
        let path = match saved.get(&seed) {
            Some(path) => path.clone(),
            None => save(scenario, keep, ids, seed, &result)?,
        };
        let path = if !keep.no_shrink {
            match shrunk.get(&(seed, key.clone())) {
                Some(done) => done.clone(),
                None => {
                    let done = shrink_artifact(scenario, &path, key, &result)?;
                    shrunk.insert((seed, key.clone()), done.clone());
                    done
                }
            }
        } else {
            path
        };
        shown.insert(key.clone(), path);
    }
    discard_early_saves(saved, &first_seeds)?;
    Ok(shown)
}

/// Removes the artifacts saved during the campaign whose seed is not in
/// `first_seeds`. They were only a guard against losing a failure before
/// its group's first seed was saved, which has happened by now.
fn discard_early_saves(saved: &BTreeMap<u64, PathBuf>, first_seeds: &BTreeSet<u64>) -> Result<(), String> {
    for (seed, path) in saved {
        if first_seeds.contains(seed) {
            continue;
        }
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(format!("cannot remove {}: {e}", path.display()));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The failure of group `key` in `result`: its first violation whose
/// invariant, node role and step are the group's.
pub fn target_in(scenario: &Scenario, key: &FailureKey, result: &RunResult) -> Option<Target> {
    violation_in(scenario, key, result).map(Target::of)
}

/// The violation of group `key` in `result`: same invariant, role and step.
pub fn violation_in<'r>(scenario: &Scenario, key: &FailureKey, result: &'r RunResult) -> Option<&'r Violation> {
    result.violations.iter().find(|v| {
        let role = v
            .node
            .as_deref()
            .map_or_else(|| "cluster".to_string(), |n| role_of(scenario, n));
        v.invariant == key.invariant && role == key.role && v.step.clone().unwrap_or_default() == key.step
    })
}

/// Shrinks the failure of group `key` in `result` (same invariant, node and
/// step) and saves it beside the raw artifact.
fn shrink_artifact(scenario: &Scenario, raw: &Path, key: &FailureKey, result: &RunResult) -> Result<PathBuf, String> {
    let target = target_in(scenario, key, result)
        .ok_or_else(|| format!("{}: the group's failure is not in its first seed's run", raw.display()))?;
    let shrunk = shrink(scenario, &result.schedule(), &target, Budget::default());
    let replayed = run(
        scenario,
        &Source::Schedule(shrunk.schedule.clone()),
        RunOptions {
            event_hashes: true,
            ..RunOptions::default()
        },
    );
    let seed = Artifact::load(raw).map_err(|e| e.to_string())?.seed;
    let artifact = Artifact::about(scenario, seed, &replayed, Some(&target));
    let path = raw.with_extension(format!("{}.shrunk.json", group_slug(key)));
    artifact.save(&path).map_err(|e| e.to_string())?;
    Ok(path)
}

/// A file-name-safe name of a failure group: `invariant-role-step`.
fn group_slug(key: &FailureKey) -> String {
    let step: String = key
        .step
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let step = step.trim_matches('-').to_string();
    if step.is_empty() {
        format!("{}-{}", key.invariant, key.role)
    } else {
        format!("{}-{}-{step}", key.invariant, key.role)
    }
}
