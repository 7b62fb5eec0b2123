//! Answers that come when they can still help: a report path that cannot
//! be written is refused before the campaign runs; JUnit failures say how
//! to reproduce them; `shrink --max-runs 0` is refused rather than
//! answering that the schedule no longer fails.

mod common;

use common::{joinsim, stderr, stdout};

#[test]
fn a_report_path_in_a_missing_directory_is_refused_before_any_run() {
    for flag in ["--json", "--junit", "--html"] {
        let started = std::time::Instant::now();
        let o = joinsim(&["fuzz", flag, "/nonexistent/dir/x.out"]);
        assert_eq!(o.status.code(), Some(2), "{flag}");
        assert!(
            stderr(&o).contains("/nonexistent/dir/x.out: cannot write the report"),
            "{}",
            stderr(&o)
        );
        assert!(!stdout(&o).contains("runs/s"), "no campaign ran: {}", stdout(&o));
        assert!(started.elapsed().as_secs() < 30, "refused at once");
    }
    let o = joinsim(&[
        "explore",
        "scenarios/issue-1390.toml",
        "--json",
        "/nonexistent/dir/x.json",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = joinsim(&["merge", "whatever.json", "--html", "/nonexistent/dir/x.html"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot write the report"), "{}", stderr(&o));
}

#[test]
fn a_junit_failure_carries_the_replay_command_and_the_artifact_path() {
    let dir = common::scratch("junit-reproduce");
    let junit = dir.join("junit.xml");
    let out = dir.join("failures");
    // Today's scenario run under the old variant: an unexpected violation.
    let o = joinsim(&[
        "fuzz",
        "scenarios/issue-1390-features-only.toml",
        "--variant",
        "incus-6.7",
        "--seeds",
        "5",
        "--no-shrink",
        "--junit",
        junit.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let xml = std::fs::read_to_string(&junit).unwrap();
    let failure = xml
        .split("<failure")
        .nth(1)
        .and_then(|f| f.split("</failure>").next())
        .unwrap_or_else(|| panic!("a <failure>: {xml}"));
    assert!(
        failure.contains(
            "replay: joinsim run scenarios/issue-1390-features-only.toml --seed 1 --variant incus-6.7 --trace"
        ),
        "{failure}"
    );
    assert!(failure.contains(&format!("artifact: {}", out.display())), "{failure}");
}

#[test]
fn shrink_with_no_runs_is_refused_not_answered() {
    let dir = common::scratch("shrink-zero");
    let (_, saved) = common::save_race_artifact(&dir, 43, &[]);
    let o = joinsim(&["shrink", &saved, "--max-runs", "0"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(!stdout(&o).contains("no longer fails"), "{}", stdout(&o));
    let o = joinsim(&[
        "shrink",
        &saved,
        "--max-runs",
        "1",
        "-o",
        dir.join("s.json").to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "one run checks the artifact still fails: {}",
        stdout(&o)
    );
}
