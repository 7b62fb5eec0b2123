//! One deviation syntax: what `run --trace`, `replay`, `shrink` and
//! `explore` print is what `trace --deviation` takes, and a given deviation
//! that no choice point reaches, or whose value is out of range, is refused
//! (exit 2) or, with `--lenient`, named.

mod common;

use common::{joinsim, stderr, stdout};

/// The text after `prefix` on the first line that starts with it.
fn line_after<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in:\n{text}"))
}

fn trace_hash(text: &str) -> &str {
    text.rsplit("trace hash ")
        .next()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
}

/// `joinsim trace SCENARIO --deviation T...` for each token of `tokens`.
fn trace_with(scenario: &str, variant: &str, tokens: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["trace", scenario, "--variant", variant];
    for token in tokens.split_whitespace() {
        args.extend(["--deviation", token]);
    }
    args.extend(extra);
    joinsim(&args)
}

#[test]
fn the_deviations_run_prints_are_the_ones_trace_takes_and_give_the_same_run() {
    let scenario = "scenarios/groups-first-race.toml";
    let run = joinsim(&["run", scenario, "--seed", "367", "--trace"]);
    let text = stdout(&run);
    let tokens = line_after(&text, "deviations: ");
    assert!(tokens.contains("delay:j1:m2:"), "nodes by name: {tokens}");
    let traced = trace_with(scenario, "groups-first", tokens, &[]);
    assert_eq!(traced.status.code(), run.status.code(), "{}", stderr(&traced));
    assert_eq!(trace_hash(&stdout(&traced)), trace_hash(&text));
}

#[test]
fn the_deviations_replay_and_shrink_print_are_the_ones_trace_takes() {
    let dir = common::scratch("deviations-replay");
    let (_, saved) = common::save_race_artifact(&dir, 367, &[]);
    let shrunk = dir.join("race.shrunk.json").display().to_string();
    let shrink = joinsim(&["shrink", &saved, "-o", &shrunk]);
    assert_eq!(shrink.status.code(), Some(0), "{}", stderr(&shrink));
    let replay = joinsim(&["replay", &shrunk]);
    assert_eq!(replay.status.code(), Some(0), "{}", stdout(&replay));
    let replayed = stdout(&replay);
    let tokens = line_after(&replayed, "deviations: ");
    assert_eq!(tokens, line_after(&stdout(&shrink), "deviations: "));
    let traced = trace_with("scenarios/groups-first-race.toml", "groups-first", tokens, &[]);
    assert_eq!(traced.status.code(), Some(1), "{}", stderr(&traced));
    let hash = line_after(&replayed, "reproduced: trace hash ")
        .split_whitespace()
        .next()
        .unwrap();
    assert_eq!(trace_hash(&stdout(&traced)), hash);
}

#[test]
fn a_deviation_of_an_unknown_node_is_refused_by_name() {
    let o = trace_with("scenarios/issue-1390.toml", "incus-6.7", "delay:j9:m2:1=5", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("delay:j9:m2:1=5: no node \"j9\""), "{}", stderr(&o));
}

#[test]
fn a_deviation_no_run_reaches_is_refused_or_named_with_lenient() {
    let unreached = "delay:m1:m3:7=3";
    let o = trace_with("scenarios/issue-1390.toml", "incus-6.7", unreached, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(&format!("{unreached}: no choice point of this run has that label")),
        "{}",
        stderr(&o)
    );
    let o = trace_with("scenarios/issue-1390.toml", "incus-6.7", unreached, &["--lenient"]);
    assert_eq!(o.status.code(), Some(1), "the #1390 run fails: {}", stderr(&o));
    assert!(stderr(&o).contains(&format!("warning: --deviation {unreached}: no choice point")));
}

#[test]
fn a_value_out_of_its_points_range_is_refused_not_wrapped() {
    // issue-1390 draws delays in 1..10: ten options, 0..9.
    let o = trace_with("scenarios/issue-1390.toml", "incus-6.7", "delay:j1:m2:1=13", &[]);
    assert_eq!(o.status.code(), Some(2));
    let text = stderr(&o);
    assert!(
        text.contains("delay:j1:m2:1=13: out of range (that choice point takes 0..9)"),
        "{text}"
    );
    assert!(!text.contains("no choice point"), "reached, only out of range: {text}");
    let lenient = trace_with(
        "scenarios/issue-1390.toml",
        "incus-6.7",
        "delay:j1:m2:1=13",
        &["--lenient"],
    );
    assert!(stderr(&lenient).contains("out of range"), "{}", stderr(&lenient));
    // In range, the same label is taken as given.
    let o = trace_with("scenarios/issue-1390.toml", "incus-6.7", "delay:j1:m2:1=9", &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

#[test]
fn diff_exits_1_when_either_run_breaks_an_invariant_and_0_when_neither_does() {
    let failing = joinsim(&[
        "diff",
        "scenarios/issue-1390.toml",
        "--seed",
        "1",
        "--variant",
        "features-only",
    ]);
    assert_eq!(failing.status.code(), Some(1), "{}", stderr(&failing));
    let clean = joinsim(&[
        "diff",
        "scenarios/issue-1390-features-only.toml",
        "--seed",
        "1",
        "--variant",
        "groups-first",
    ]);
    assert_eq!(clean.status.code(), Some(0), "{}", stdout(&clean));
    let bad = joinsim(&[
        "diff",
        "scenarios/issue-1390.toml",
        "--deviation",
        "delay:m1:m3:7=3",
        "--variant",
        "features-only",
    ]);
    assert_eq!(bad.status.code(), Some(2), "{}", stdout(&bad));
}

#[test]
fn replay_says_which_copy_of_the_scenario_it_ran() {
    let dir = common::scratch("deviations-which-copy");
    let scenario = dir.join("s.toml");
    std::fs::copy(common::bundled_path("issue-1390"), &scenario).unwrap();
    let saved = dir.join("a.json");
    let o = joinsim(&[
        "run",
        scenario.to_str().unwrap(),
        "--seed",
        "1",
        "--save",
        saved.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let same = stdout(&joinsim(&["replay", saved.to_str().unwrap()]));
    assert!(same.contains("the same as"), "{same}");
    let text = std::fs::read_to_string(&scenario).unwrap();
    std::fs::write(&scenario, text.replace("gpu", "gpu0")).unwrap();
    let edited = joinsim(&["replay", saved.to_str().unwrap()]);
    assert_eq!(edited.status.code(), Some(0), "the artifact's copy still reproduces");
    assert!(
        stdout(&edited)
            .contains("on disk differs from the artifact's copy of the scenario; replayed the artifact's copy"),
        "{}",
        stdout(&edited)
    );
}
