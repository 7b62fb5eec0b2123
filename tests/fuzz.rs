//! `joinsim fuzz` as CI runs it: expectations, exit codes, reports, and
//! results that do not depend on --jobs or --shard.

mod common;

use std::process::{Command, Output};

use serde_json::Value;

use common::{joinsim, output_text as text};

fn json_summary(args: &[&str]) -> (Output, Value) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("summary.json");
    let mut all: Vec<&str> = args.to_vec();
    let p = path.to_str().unwrap().to_string();
    all.extend(["--json", &p]);
    let o = joinsim(&all);
    let value = serde_json::from_str(&std::fs::read_to_string(&path).expect("summary written")).expect("valid JSON");
    (o, value)
}

#[test]
fn bundled_scenarios_meet_their_expectations() {
    let o = joinsim(&["fuzz", "--seeds", "1000", "--jobs", "2"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("scenario(s) met their expectations"), "{out}");
    assert!(out.contains("expected issue-1390 unsynced-group-validation on joiner at J5 clusterInitMember/ApplyServerPreseed: 1000 run(s)"), "{out}");
    assert!(
        out.contains("expected groups-first-race spurious-join-failure on joiner"),
        "{out}"
    );
    assert!(!out.contains("UNEXPECTED"), "{out}");
    assert!(!out.contains("features-only unsynced"), "{out}");
}

fn scenario_with_expect(dir: &tempfile::TempDir, base: &str, expect: &str) -> String {
    let source = std::fs::read_to_string(format!("scenarios/{base}.toml")).unwrap();
    let body = source.split("\n[expect]\n").next().unwrap();
    let path = dir.path().join(format!("{base}-edited.toml"));
    std::fs::write(&path, format!("{body}\n[expect]\n{expect}\n")).unwrap();
    path.to_str().unwrap().to_string()
}

/// Runs `joinsim args`, checks its exit code and that its output holds
/// `needle`; the output.
fn fuzz_says(args: &[&str], code: i32, needle: &str) -> String {
    let o = joinsim(args);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(code), "{args:?}: {out}");
    assert!(out.contains(needle), "{args:?}: no {needle:?} in {out}");
    out
}

#[test]
fn an_unexpected_violation_or_a_missing_one_fails_the_campaign() {
    let dir = tempfile::tempdir().unwrap();
    let unexpected = scenario_with_expect(&dir, "issue-1390", "spurious-join-failure = \"always\"");
    let out = dir.path().join("failures");
    let out = out.to_str().unwrap();
    fuzz_says(
        &["fuzz", &unexpected, "--seeds", "50", "--out", out],
        1,
        "unsynced-group-validation: unexpected violation in 50 of 50 runs (first seed 1)",
    );

    let missing = scenario_with_expect(&dir, "issue-1390-features-only", "join-leftovers = \"40%..60%\"");
    fuzz_says(
        &["fuzz", &missing, "--seeds", "500", "--out", out],
        1,
        "join-leftovers: 0 of 500 runs (0.00%), outside its band 40%..60%",
    );
}

/// The line of the summary that says why `scenario` failed, starting with
/// `subject` (an invariant or a failure group) and a colon.
fn reason<'a>(out: &'a str, scenario: &str, subject: &str) -> &'a str {
    let failed = out
        .find(&format!("FAILED {scenario} "))
        .unwrap_or_else(|| panic!("{scenario} failed: {out}"));
    out[failed..]
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{subject}:")))
        .unwrap_or_else(|| panic!("a reason for {subject}: {out}"))
}

#[test]
fn a_rate_moved_out_of_its_band_fails_the_campaign_with_the_reason() {
    // The groups-first race breaks unsynced-group-validation in about 20%
    // of runs; over 3000 runs a 15%..25% band is checked exactly (it needs
    // 1024). The same scenario on features-only, which validates no
    // restrictions at J5, moves the rate to 0.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("failures");
    let out = out.to_str().unwrap();
    let banded = scenario_with_expect(
        &dir,
        "groups-first-race",
        // The failed joins leave their certificate (join-leftovers) too.
        "unsynced-group-validation = \"15%..25%\"\nspurious-join-failure = \"0%..2%\"\njoin-leftovers = \"0%..2%\"",
    );
    let passed = fuzz_says(
        &["fuzz", &banded, "--seeds", "3000", "--out", out],
        0,
        "rate groups-first-race-edited unsynced-group-validation: ",
    );
    assert!(passed.contains("within its band 15%..25%"), "{passed}");

    let out_text = fuzz_says(
        &[
            "fuzz",
            &banded,
            "--seeds",
            "3000",
            "--variant",
            "features-only",
            "--out",
            out,
        ],
        1,
        // Under another variant than the file's, the campaign says which.
        "FAILED groups-first-race-edited [features-only] (",
    );
    assert_eq!(
        reason(&out_text, "groups-first-race-edited", "unsynced-group-validation").trim(),
        "unsynced-group-validation: 0 of 3000 runs (0.00%), outside its band 15%..25% \
         (measured here: 0%..0% at +-5 standard errors)"
    );
}

#[test]
fn a_failure_group_out_of_its_band_fails_the_campaign_though_its_invariant_is_in_band() {
    // lossy-admin's join-leftovers has several groups; the J10 one breaks in
    // a few percent of runs. Pinning it at 50%..60% (an exact check over
    // 1584 runs or more) fails it alone, while the invariant's own band
    // holds.
    let dir = tempfile::tempdir().unwrap();
    let pinned = scenario_with_expect(
        &dir,
        "lossy-admin",
        "join-leftovers = \"60%..85%\"\njoiner-not-standalone = \"0%..40%\"\ndangling-group-reference = \"0%..20%\"\n\"join-leftovers on joiner at J10 AddNodeToClusterGroup(default)\" = \"50%..60%\"",
    );
    let out = fuzz_says(
        &["fuzz", &pinned, "--seeds", "10000", "--no-shrink"],
        1,
        "rate lossy-admin-edited join-leftovers: ",
    );
    let line = reason(
        &out,
        "lossy-admin-edited",
        "join-leftovers on joiner at J10 AddNodeToClusterGroup(default)",
    );
    assert!(line.contains(" of 10000 runs ("), "{line}");
    assert!(line.contains("outside its band 50%..60% (measured here: "), "{line}");
    assert!(
        !out.contains("  join-leftovers: "),
        "the invariant's own band held: {out}"
    );
}

#[test]
fn a_bundled_band_too_narrow_for_a_short_campaign_still_catches_a_race_that_stopped() {
    // 2000 runs cannot check the pinned 19.84%..20.25% exactly; widened for
    // 2000 runs it still refuses a rate of 0.
    let race = [
        "fuzz",
        "scenarios/groups-first-race.toml",
        "--seeds",
        "2000",
        "--no-shrink",
    ];
    let out = fuzz_says(
        &[
            &race[..],
            &["--variant", "features-only", "--out", "target/tmp/stopped-race"],
        ]
        .concat(),
        1,
        "FAILED groups-first-race",
    );
    let line = reason(&out, "groups-first-race", "unsynced-group-validation");
    assert!(line.contains("0 of 2000 runs (0.00%), outside "), "{line}");
    assert!(
        line.contains("widened for this few runs (an exact check needs "),
        "{line}"
    );
    fuzz_says(&race, 0, "rate groups-first-race unsynced-group-validation: ");
}

fn failures(summary: &Value) -> Vec<(String, String, u64, u64)> {
    let mut rows = Vec::new();
    for s in summary["scenarios"].as_array().unwrap() {
        for f in s["failures"].as_array().unwrap() {
            rows.push((
                s["scenario"].as_str().unwrap().to_string(),
                f["invariant"].as_str().unwrap().to_string(),
                f["count"].as_u64().unwrap(),
                f["first_seed"].as_u64().unwrap(),
            ));
        }
    }
    rows.sort();
    rows
}

#[test]
fn jobs_and_shards_find_the_same_failures() {
    let args = [
        "fuzz",
        "scenarios/groups-first-race.toml",
        "scenarios/lossy-admin.toml",
        "--seeds",
        "900",
        "--swarm",
    ];
    let (_, one) = json_summary(&[&args[..], &["--jobs", "1"]].concat());
    let (_, two) = json_summary(&[&args[..], &["--jobs", "2"]].concat());
    assert!(!failures(&one).is_empty());
    assert_eq!(failures(&one), failures(&two));
    // Shards: counts add up, and the smallest first seed is the unsharded one.
    let mut merged: std::collections::BTreeMap<(String, String), (u64, u64)> = Default::default();
    for shard in ["1/3", "2/3", "3/3"] {
        let (_, s) = json_summary(&[&args[..], &["--shard", shard]].concat());
        for (scenario, invariant, count, first) in failures(&s) {
            let e = merged.entry((scenario, invariant)).or_insert((0, u64::MAX));
            e.0 += count;
            e.1 = e.1.min(first);
        }
    }
    let unsharded: Vec<(String, String, u64, u64)> = failures(&one);
    let mut by_invariant: std::collections::BTreeMap<(String, String), (u64, u64)> = Default::default();
    for (scenario, invariant, count, first) in unsharded {
        let e = by_invariant.entry((scenario, invariant)).or_insert((0, u64::MAX));
        e.0 += count;
        e.1 = e.1.min(first);
    }
    assert_eq!(merged, by_invariant);
    // Each group keeps its smallest seeds: the same for any --jobs, and
    // the smallest of the shards' together.
    assert_eq!(kept_seeds(&one), kept_seeds(&two));
    let mut union: std::collections::BTreeMap<String, Vec<u64>> = Default::default();
    for shard in ["1/3", "2/3", "3/3"] {
        let (_, s) = json_summary(&[&args[..], &["--shard", shard]].concat());
        for (group, seeds) in kept_seeds(&s) {
            union.entry(group).or_default().extend(seeds);
        }
    }
    for seeds in union.values_mut() {
        seeds.sort();
        seeds.truncate(8);
    }
    assert_eq!(union, kept_seeds(&one));
}

/// The seeds each failure group kept, by scenario and group.
fn kept_seeds(summary: &Value) -> std::collections::BTreeMap<String, Vec<u64>> {
    let mut kept = std::collections::BTreeMap::new();
    for s in summary["scenarios"].as_array().unwrap() {
        for f in s["failures"].as_array().unwrap() {
            let group = format!("{} {} {} {}", s["scenario"], f["invariant"], f["role"], f["step"]);
            let seeds: Vec<u64> = f["seeds"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect();
            assert!(!seeds.is_empty() && seeds.len() <= 8, "{group}: {seeds:?}");
            kept.insert(group, seeds);
        }
    }
    kept
}

#[test]
fn junit_output_is_valid_xml_with_a_case_per_scenario_and_invariant() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junit.xml");
    let o = joinsim(&[
        "fuzz",
        "scenarios/issue-1390.toml",
        "scenarios/issue-1390-features-only.toml",
        "--seeds",
        "20",
        "--junit",
        path.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let xml = std::fs::read_to_string(&path).unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut suites, mut cases, mut failures) = (0, 0, 0);
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => match e.name().as_ref() {
                b"testsuite" => suites += 1,
                b"testcase" => cases += 1,
                b"failure" => failures += 1,
                _ => {}
            },
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    // A case per invariant, and one saying the runs completed deterministically.
    let per_scenario = joinsim::check::Invariant::ALL.len() + 1;
    assert_eq!((suites, cases, failures), (2, 2 * per_scenario, 0), "{xml}");
}

#[test]
fn bad_fuzz_flags_exit_2() {
    for args in [
        &["fuzz", "--seeds", "10", "--from", "1", "--to", "5"][..],
        &["fuzz", "--time", "5x"][..],
        &["fuzz", "--jobs", "0", "--seeds", "1"][..],
        &["fuzz", "--from", "9", "--to", "3"][..],
        &["fuzz", "tests/malformed/unknown-key.toml", "--seeds", "1"][..],
        &["fuzz", "--time", "5124095576030432h"][..],
        &["fuzz", "--time", "9999999h"][..],
        &[
            "fuzz",
            "tests/malformed/unknown-key.toml",
            "--seeds",
            "18446744073709551615",
        ][..],
        &[
            "fuzz",
            "tests/malformed/unknown-key.toml",
            "--from",
            "0",
            "--to",
            "18446744073709551615",
        ][..],
    ] {
        let o = joinsim(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(!text(&o).contains("panicked"), "{args:?}");
    }
    let to_last_seed = joinsim(&[
        "fuzz",
        "tests/malformed/unknown-key.toml",
        "--seeds",
        "18446744073709551615",
    ]);
    assert!(
        text(&to_last_seed).contains("unknown field"),
        "seeds up to u64::MAX are a range, not an empty one: {}",
        text(&to_last_seed)
    );
}

#[test]
fn unexpected_failures_are_saved_then_shrunk_and_replay() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = scenario_with_expect(&dir, "groups-first-race", "");
    let out = dir.path().join("failures");
    let o = joinsim(&["fuzz", &scenario, "--seeds", "100", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    // The group's first seed is the race's first failing seed.
    let seed = common::first_seed("groups-first-race", |r| !r.violations.is_empty());
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert!(
        files.contains(&format!("groups-first-race-edited-groups-first-seed{seed}.json")),
        "{files:?}"
    );
    let shrunk = format!(
        "groups-first-race-edited-groups-first-seed{seed}.unsynced-group-validation-joiner-J5-clusterInitMember-ApplyServerPreseed.shrunk.json"
    );
    assert!(files.contains(&shrunk.to_string()), "{files:?}");
    assert!(
        text(&o).contains(&format!("artifact: joinsim replay {}", out.join(&shrunk).display())),
        "{}",
        text(&o)
    );
    let replay = joinsim(&["replay", out.join(&shrunk).to_str().unwrap()]);
    assert_eq!(
        replay.status.code(),
        Some(0),
        "a faithful replay exits 0: {}",
        text(&replay)
    );
    assert!(text(&replay).contains("reproduced"), "{}", text(&replay));
}

#[test]
fn expected_failures_are_not_saved_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("failures");
    let o = joinsim(&[
        "fuzz",
        "scenarios/issue-1390.toml",
        "--seeds",
        "20",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!out.exists());
    let o = joinsim(&[
        "fuzz",
        "scenarios/issue-1390.toml",
        "--seeds",
        "20",
        "--keep-expected",
        "--no-shrink",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let files: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
    assert_eq!(
        files.len(),
        1,
        "one artifact for the one failing seed that starts both groups"
    );
}

fn saved_file_names(jobs: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("failures");
    let o = joinsim(&[
        "fuzz",
        "scenarios/lossy-admin.toml",
        "--seeds",
        "3000",
        "--keep-expected",
        "--jobs",
        jobs,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    files
}

#[test]
fn saved_artifacts_do_not_depend_on_jobs() {
    let one = saved_file_names("1");
    assert!(!one.is_empty(), "lossy-admin fails within 3000 seeds");
    assert_eq!(one, saved_file_names("2"));
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_campaign_and_still_prints_the_summary() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_joinsim"))
        .args([
            "fuzz",
            "scenarios/lossy-admin.toml",
            "scenarios/issue-1390.toml",
            "--seeds",
            "1000000000",
            "--jobs",
            "1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("joinsim runs");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.starts_with("fuzz: "), "{first}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    // SAFETY: sending SIGINT to our own child process.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{rest}");
    assert!(
        rest.contains("interrupted: the summary covers the seeds that ran"),
        "{rest}"
    );
    assert!(rest.contains("lossy-admin "), "{rest}");
    assert!(
        !rest.contains("issue-1390 "),
        "the campaign stopped before the next scenario: {rest}"
    );
}

#[test]
fn a_required_probe_that_never_fires_fails_the_campaign_with_the_reason() {
    // issue-1390 has no leader changes: a scenario that requires one is
    // a scenario whose window is never reached.
    let dir = tempfile::tempdir().unwrap();
    let edited = scenario_with_expect(
        &dir,
        "issue-1390",
        "unsynced-group-validation = \"always\"\nspurious-join-failure = \"always\"\n\"probe: leader changed\" = \"reached\"",
    );
    let out = fuzz_says(
        &["fuzz", &edited, "--seeds", "200", "--no-shrink"],
        1,
        "required probe \"leader changed\" never fired in 200 runs",
    );
    assert!(out.contains("FAILED issue-1390-edited"), "{out}");
    let unknown = scenario_with_expect(&dir, "issue-1390", "\"probe: telepathy\" = \"reached\"");
    fuzz_says(&["fuzz", &unknown, "--seeds", "1"], 2, "unknown probe \"telepathy\"");
}
