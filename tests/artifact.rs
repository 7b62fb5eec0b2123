//! Artifacts: saved atomically, replayed strictly, and rejected loudly
//! when tampered with or unusable.

mod common;

use std::path::Path;

use common::{bundled, joinsim, scratch, stderr, stdout, trace_section};
use joinsim::artifact::{Artifact, ArtifactProblem, FORMAT_VERSION, save_failure};
use joinsim::check::Invariant;
use joinsim::replay::replay;
use joinsim::run::{RunOptions, Source, run};

/// The first seed of the groups-first race whose run fails.
fn failing_seed() -> u64 {
    let scenario = bundled("groups-first-race");
    (1..)
        .find(|&seed| {
            !run(&scenario, &Source::Seed(seed), RunOptions::default())
                .violations
                .is_empty()
        })
        .unwrap()
}

/// The first seed of the groups-first race whose run is clean.
fn clean_seed() -> u64 {
    let scenario = bundled("groups-first-race");
    (1..)
        .find(|&seed| {
            run(&scenario, &Source::Seed(seed), RunOptions::default())
                .violations
                .is_empty()
        })
        .unwrap()
}

fn failing_artifact() -> Artifact {
    let scenario = bundled("groups-first-race");
    let seed = failing_seed();
    let result = run(&scenario, &Source::Seed(seed), RunOptions::default());
    assert!(result.violated(Invariant::UnsyncedGroupValidation), "a stale view");
    Artifact::from_run(&scenario, seed, &result)
}

fn save_edited(dir: &Path, name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut value: serde_json::Value = serde_json::from_str(&failing_artifact().to_json()).unwrap();
    edit(&mut value);
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(&value).unwrap()).unwrap();
    path.display().to_string()
}

#[test]
fn a_saved_artifact_loads_back_equal_and_leaves_no_temporary_file() {
    let dir = scratch("round-trip");
    let artifact = failing_artifact();
    let path = dir.join("a.json");
    artifact.save(&path).unwrap();
    assert_eq!(Artifact::load(&path).unwrap(), artifact);
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files, vec![std::ffi::OsString::from("a.json")]);
    assert_eq!(artifact.format_version, FORMAT_VERSION);
    let events = run(
        &bundled("groups-first-race"),
        &Source::Seed(failing_seed()),
        RunOptions::default(),
    )
    .events;
    assert_eq!(artifact.event_hashes.len() as u64, events, "one hash per engine event");
}

#[test]
fn save_failure_names_the_file_after_scenario_variant_and_seed() {
    let dir = scratch("save-failure");
    let scenario = bundled("groups-first-race");
    let seed = failing_seed();
    let result = run(&scenario, &Source::Seed(seed), RunOptions::default());
    let path = save_failure(&dir.join("failures"), &scenario, seed, &result).unwrap();
    assert_eq!(
        path,
        dir.join("failures")
            .join(format!("groups-first-race-groups-first-seed{seed}.json"))
    );
    assert_eq!(Artifact::load(&path).unwrap(), failing_artifact());
}

#[test]
fn strict_replay_of_an_artifact_is_the_recorded_run() {
    let artifact = failing_artifact();
    let outcome = replay(&artifact, Path::new("mem")).unwrap();
    assert!(outcome.reproduced());
    assert_eq!(outcome.divergence, None);
    assert_eq!(outcome.result.trace_hash, artifact.trace_hash);
}

#[test]
fn a_changed_choice_is_reported_as_a_divergence_at_the_first_differing_event() {
    let mut artifact = failing_artifact();
    let late = artifact.deviations.len() / 2;
    artifact.deviations[late].value += 1;
    let outcome = replay(&artifact, Path::new("mem")).unwrap();
    assert!(!outcome.reproduced());
    let divergence = outcome.divergence.expect("a divergence");
    assert!(divergence.event > 0, "the runs agree before the changed choice");
}

#[test]
fn run_and_replay_of_its_artifact_print_the_same_trace_byte_for_byte() {
    let dir = scratch("same-trace");
    let (run, saved) = common::save_race_artifact(&dir, failing_seed(), &["--trace"]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let replayed = joinsim(&["replay", &saved, "--trace"]);
    assert_eq!(replayed.status.code(), Some(0), "{}", stdout(&replayed));
    assert_eq!(trace_section(&stdout(&run)), trace_section(&stdout(&replayed)));
    let recorded = Artifact::load(Path::new(&saved)).unwrap().trace_hash;
    assert!(stdout(&replayed).contains(&format!("reproduced: trace hash {recorded:016x}")));
}

#[test]
fn a_tampered_choice_fails_replay_with_both_hashes_shown() {
    let dir = scratch("tampered-choice");
    let path = save_edited(&dir, "t.json", |v| {
        let value = v["deviations"][0][4].as_u64().unwrap();
        v["deviations"][0][4] = serde_json::json!(value + 1);
    });
    let output = joinsim(&["replay", &path]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("MISMATCH"), "{text}");
    let recorded = failing_artifact().trace_hash;
    assert!(
        text.contains(&format!("recorded trace hash {recorded:016x}, replayed ")),
        "{text}"
    );
    assert!(text.contains("first event that differs (replayed):"), "{text}");
    assert!(text.contains("diverged at engine event #"), "{text}");
}

#[test]
fn a_tampered_hash_fails_replay() {
    let dir = scratch("tampered-hash");
    let path = save_edited(&dir, "t.json", |v| {
        v["trace_hash"] = serde_json::json!("0000000000000001")
    });
    let output = joinsim(&["replay", &path]);
    assert_eq!(output.status.code(), Some(1));
    let replayed = failing_artifact().trace_hash;
    let expected = format!("recorded trace hash 0000000000000001, replayed {replayed:016x}");
    assert!(stdout(&output).contains(&expected), "{}", stdout(&output));
}

#[test]
fn lenient_replay_passes_past_a_divergence_while_the_invariant_still_fails() {
    let dir = scratch("lenient");
    let path = save_edited(&dir, "t.json", |v| {
        v["trace_hash"] = serde_json::json!("0000000000000001")
    });
    let output = joinsim(&["replay", &path, "--lenient"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            "lenient: unsynced-group-validation on j1 at J5 clusterInitMember/ApplyServerPreseed still happens"
        ),
        "{text}"
    );
}

fn assert_rejected(path: &str, expected: &str) {
    let output = joinsim(&["replay", path]);
    let error = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{error}");
    assert!(error.contains(path), "the error names the file: {error}");
    assert!(error.contains(expected), "expected {expected:?} in: {error}");
}

#[test]
fn garbage_json_is_rejected_with_exit_2_naming_the_file() {
    let dir = scratch("garbage");
    let path = dir.join("g.json");
    std::fs::write(&path, "{ not json").unwrap();
    assert_rejected(&path.display().to_string(), "not a joinsim artifact");
}

#[test]
fn another_format_version_is_rejected_with_exit_2() {
    let dir = scratch("version");
    let path = save_edited(&dir, "v.json", |v| v["format_version"] = serde_json::json!(99));
    assert_rejected(&path, "format version 99");
}

#[test]
fn an_unknown_variant_is_rejected_with_exit_2() {
    let dir = scratch("variant");
    let path = save_edited(&dir, "v.json", |v| v["variant"] = serde_json::json!("incus-9.9"));
    assert_rejected(&path, "unknown variant \"incus-9.9\"");
}

#[test]
fn an_unknown_invariant_is_rejected_with_exit_2() {
    let dir = scratch("invariant");
    let path = save_edited(&dir, "i.json", |v| {
        v["violation"]["invariant"] = serde_json::json!("no-such-thing")
    });
    assert_rejected(&path, "no-such-thing");
}

#[test]
fn an_unknown_choice_kind_is_rejected_with_exit_2() {
    let dir = scratch("choice-kind");
    let path = save_edited(&dir, "k.json", |v| {
        v["deviations"][0][0] = serde_json::json!("telepathy")
    });
    assert_rejected(&path, "unknown choice kind \"telepathy\"");
    let error = Artifact::load(Path::new(&path)).unwrap_err();
    assert_eq!(error.problem, ArtifactProblem::Corrupt);
}

#[test]
fn a_positional_format_1_artifact_is_refused_with_how_to_recreate_it() {
    let dir = scratch("format-1");
    let path = save_edited(&dir, "v1.json", |v| v["format_version"] = serde_json::json!(1));
    assert_rejected(&path, "format version 1");
    let output = joinsim(&["replay", &path]);
    assert!(stderr(&output).contains("--seed N --save"), "{}", stderr(&output));
}

#[test]
fn a_deviation_the_replay_never_reaches_is_a_mismatch() {
    let dir = scratch("unreached");
    let path = save_edited(&dir, "u.json", |v| {
        let list = v["deviations"].as_array_mut().unwrap();
        list.push(serde_json::json!(["delay", 250, 251, 1, 3]));
    });
    let output = joinsim(&["replay", &path]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("recorded deviations never reached: delay:250:251:1=3"),
        "{text}"
    );
}

#[test]
fn a_missing_artifact_is_rejected_with_exit_2() {
    assert_rejected("/nonexistent/joinsim.json", "cannot read");
}

#[test]
fn load_classifies_what_is_wrong() {
    let dir = scratch("classify");
    let path = save_edited(&dir, "v.json", |v| {
        v["format_version"] = serde_json::json!(FORMAT_VERSION + 1)
    });
    let error = Artifact::load(Path::new(&path)).unwrap_err();
    assert_eq!(error.problem, ArtifactProblem::FormatVersion);
    let path = save_edited(&dir, "s.json", |v| {
        v["scenario"] = serde_json::json!("[cluster]\nmembers = 3\n")
    });
    let error = Artifact::load(Path::new(&path)).unwrap_err();
    assert_eq!(error.problem, ArtifactProblem::Invalid);
}

#[test]
fn run_save_of_a_clean_run_writes_nothing() {
    let dir = scratch("clean");
    let saved = dir.join("clean.json");
    let shown = saved.display().to_string();
    let seed = clean_seed().to_string();
    let output = joinsim(&[
        "run",
        "scenarios/groups-first-race.toml",
        "--seed",
        &seed,
        "--save",
        &shown,
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert!(!saved.exists());
}
