//! The command line as a user meets it: exit codes (0 clean, 1 violation,
//! 2 bad input or usage), the seed and replay command printed, and errors
//! that name the file, line and key.

mod common;

use std::process::{Command, Output};

use common::{joinsim, stderr, stdout};

#[test]
fn run_of_issue_1390_exits_1_with_the_violation_and_the_replay_command() {
    let o = joinsim(&["run", "scenarios/issue-1390.toml", "--seed", "1"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("scenario: issue-1390 (scenarios/issue-1390.toml)\nvariant:  incus-6.7\nseed:     1\n"),
        "{out}"
    );
    assert!(out.contains("VIOLATION unsynced-group-validation at t="), "{out}");
    assert!(
        out.contains("on j1, step J5 clusterInitMember/ApplyServerPreseed"),
        "{out}"
    );
    assert!(out.contains("Cluster group \"gpu\" doesn't exist"), "{out}");
    assert!(
        out.trim_end()
            .ends_with("replay: joinsim run scenarios/issue-1390.toml --seed 1 --variant incus-6.7 --trace"),
        "{out}"
    );
}

#[test]
fn run_with_features_only_exits_0_and_the_join_completes() {
    let o = joinsim(&[
        "run",
        "scenarios/issue-1390.toml",
        "--seed",
        "1",
        "--variant",
        "features-only",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains("join j1 -> m2: Completed"), "{out}");
    assert!(
        out.contains(
            "project config in effect on j1 (replicated DB): default {restricted=true, restricted.cluster.groups=gpu}"
        ),
        "{out}"
    );
}

#[test]
fn run_without_a_seed_prints_the_seed_it_drew() {
    let o = joinsim(&["run", "scenarios/issue-1390-features-only.toml"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("(drawn; pass --seed to repeat)"));
}

#[test]
fn run_twice_prints_the_same_trace() {
    let seed = common::first_seed("groups-first-race", |r| !r.violations.is_empty()).to_string();
    let args = ["run", "scenarios/groups-first-race.toml", "--seed", &seed, "--trace"];
    let (a, b) = (joinsim(&args), joinsim(&args));
    assert_eq!(a.status.code(), Some(1));
    assert_eq!(stdout(&a), stdout(&b));
}

#[test]
fn bad_input_exits_2_naming_the_problem() {
    let cases: [(&[&str], &str); 7] = [
        (
            &["run", "tests/malformed/unknown-key.toml"],
            "tests/malformed/unknown-key.toml:7",
        ),
        (
            &["run", "tests/malformed/negative-delay.toml"],
            "key `network.delay_min`: must not be negative",
        ),
        (
            &["run", "tests/malformed/too-many-nodes.toml"],
            "tests/malformed/too-many-nodes.toml:6: key `cluster.members[256]`: too many nodes (at most 256",
        ),
        (
            &["run", "scenarios/issue-1390.toml", "--variant", "incus-99"],
            "unknown variant \"incus-99\"",
        ),
        (
            &["run", "no/such/file.toml"],
            "no/such/file.toml: cannot read the scenario",
        ),
        (&["fuzz", "--shard", "4/3"], "need 1 <= I <= N"),
        (&["run"], "required"),
    ];
    for (args, text) in cases {
        let o = joinsim(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(text), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{args:?}");
    }
}

#[test]
fn list_names_every_variant_invariant_and_scenario() {
    let o = joinsim(&["list"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for name in ["incus-6.7", "features-only", "groups-first", "deferred-validation"] {
        assert!(out.contains(name), "{name}");
    }
    for name in joinsim::check::Invariant::ALL {
        assert!(out.contains(name.name()), "{name}");
    }
    assert!(out.contains("groups-first-race"));
    // A scenario lists the variants it runs under: its own, then each it pins.
    assert!(
        out.contains("[features-only, then atomic-default-group, then revert-cleans-up] Transaction retries"),
        "{out}"
    );
}

#[test]
fn bench_json_lists_every_scenario_and_variant_with_rates() {
    let o = joinsim(&["bench", "--json", "--seconds", "0.01"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("a JSON list");
    let rows = rows.as_array().expect("a list");
    let scenarios = common::bundled_paths().len();
    assert_eq!(rows.len(), scenarios * joinsim::model::Variant::ALL.len());
    for row in rows {
        for field in ["scenario", "variant"] {
            assert!(row[field].is_string(), "{row}");
        }
        for field in ["runs_per_sec", "events_per_sec"] {
            assert!(row[field].as_f64().is_some_and(|x| x > 0.0), "{row}");
        }
    }
}

#[test]
fn a_closed_output_pipe_ends_joinsim_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_joinsim"))
        .args(["fuzz", "--seeds", "300", "--jobs", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("joinsim runs");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("fuzz: "), "{first}");
    // The reader (and with it the pipe) is gone: like `joinsim ... | head -1`.
    let output = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(!err.contains("panicked"), "{err}");
}

fn joinsim_in(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_joinsim"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("joinsim runs")
}

#[test]
fn fuzz_list_and_bench_find_the_bundled_scenarios_from_a_subfolder_of_the_repository() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let o = joinsim_in(&src, &["list"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("  groups-first-race "), "{}", stdout(&o));
    let o = joinsim_in(&src, &["fuzz", "--seeds", "20", "--no-shrink"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let bundled = common::bundled_campaigns();
    assert!(
        stdout(&o).contains(&format!("{bundled} of {bundled} scenario(s) met their expectations")),
        "{}",
        stdout(&o)
    );
    let o = joinsim_in(&src, &["bench", "--seconds", "0.001", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("\"scenario\": \"lossy-admin\""), "{}", stdout(&o));
}

#[test]
fn outside_the_repository_fuzz_says_in_one_line_where_it_looked_and_how_to_point_it() {
    let outside = tempfile::tempdir().unwrap();
    for args in [&["fuzz", "--seeds", "1"][..], &["list"][..]] {
        let o = joinsim_in(outside.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("no scenarios/ folder in "), "{err}");
        assert!(err.contains("--dir DIR"), "{err}");
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let o = joinsim_in(outside.path(), &["list", "--dir", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn help_scenario_describes_the_format_and_scenario_checks_files() {
    for args in [
        &["help", "scenario"][..],
        &["scenario", "--help"][..],
        &["scenario"][..],
    ] {
        let o = joinsim(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        let out = stdout(&o);
        for key in [
            "[[network.partitions]]",
            "restart_after =",
            "liveness_ticks =",
            "\"0.479%..0.552%\"",
        ] {
            assert!(out.contains(key), "{args:?}: {key}: {out}");
        }
    }
    let o = joinsim(&["scenario", "tests/warned/faults-that-never-fire.toml"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("ok (4 warning(s))"), "{}", stdout(&o));
    let o = joinsim(&["scenario", "tests/warned/attempts-that-never-happen.toml"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for line in [
        "attempts-that-never-happen.toml:12: key `joiners[0].retry_after`: no effect: joiner \"j1\" runs `incus cluster join` once",
        "attempts-that-never-happen.toml:13: key `joiners[0].retry_token`: no effect",
        "attempts-that-never-happen.toml:16: key `faults.step_errors[0].attempt`: never fires: attempt 2 never happens, joiner \"j1\" makes at most 1",
    ] {
        assert!(out.contains(line), "{line}: {out}");
    }
    let o = joinsim(&["scenario", "tests/malformed/overlapping-partition.toml"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn run_prints_the_answer_of_each_admin_command() {
    // A run where bob deletes the group alice created: both answers show.
    let both_ok = |r: &joinsim::run::RunResult| {
        let mut admins = r.world.nodes.iter().filter_map(|n| match n {
            joinsim::model::Node::Admin(a) => Some(a),
            _ => None,
        });
        admins.all(|a| a.results.first().is_some_and(|x| x.is_ok()))
    };
    let seed = common::first_seed("lossy-admin", both_ok).to_string();
    let o = joinsim(&["run", "scenarios/lossy-admin.toml", "--seed", &seed]);
    let out = stdout(&o);
    for line in [
        "admin alice $ incus cluster group create gpu2: ok",
        "admin bob $ incus project set default restricted.cluster.groups=gpu: ok",
    ] {
        assert!(out.contains(&format!("\n{line}\n")), "{line}: {out}");
    }
    let o = joinsim(&["run", "tests/warned/admin-on-missing-project.toml", "--seed", "1"]);
    assert!(
        stdout(&o).contains("admin alice $ incus project set nope restricted=true: Error: Project not found"),
        "{}",
        stdout(&o)
    );
}
