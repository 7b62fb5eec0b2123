//! Reviewed snapshots of every bundled scenario, in the top-level
//! `snapshots/` folder, one per `scenarios/*.toml` and named after it:
//! a scenario expected to fail snapshots the shrunk text trace of a fixed
//! failing seed, one expected to pass the outcome of a fixed seed. Any change to a
//! trace fails `cargo test`; `cargo insta review` accepts a new one (see
//! the README, "Reading traces").

mod common;

use std::path::Path;

use joinsim::check::Invariant;
use joinsim::cli::trace::text_document;
use joinsim::labels;
use joinsim::run::{RunOptions, RunResult, Source, run};
use joinsim::scenario::{Expect, Scenario};
use joinsim::shrink::{Budget, Target, shrink};
use joinsim::trace::outcome;

/// Seeds searched for a failure of a scenario with a rate band.
const SEEDS: std::ops::RangeInclusive<u64> = 1..=200;
/// The most replays the shrinker may make per scenario.
const SHRINK_BUDGET: Budget = Budget { max_runs: 5_000 };
/// The seed of an `always` or a passing scenario.
const FIXED_SEED: u64 = 1;
/// A shrunk trace longer than this (a scale scenario's thousands of
/// heartbeats) is cut to the lines of the node the violation is on.
const TRACE_LINES_KEPT: usize = 1_000;

/// The invariants a scenario expects some run to break.
fn expected_failures(scenario: &Scenario) -> Vec<(Invariant, Expect)> {
    Invariant::ALL
        .into_iter()
        .map(|i| (i, scenario.expect.of(i)))
        .filter(|(_, e)| e.requires_violations())
        .collect()
}

/// The snapshot of one scenario, and the header line that says what it is.
fn snapshot_of(scenario: &Scenario) -> (String, String) {
    let expected = expected_failures(scenario);
    let variant = scenario.variant();
    if expected.is_empty() {
        let result = run(scenario, &Source::Seed(FIXED_SEED), RunOptions::default());
        let description = format!(
            "{} ({variant}): expected to pass; outcome of seed {FIXED_SEED}",
            scenario.name
        );
        return (description, outcome::lines(scenario, &result).join("\n") + "\n");
    }
    let wanted: Vec<String> = expected
        .iter()
        .map(|(i, e)| match e {
            Expect::Rate(_) => format!("{i} at a pinned rate"),
            _ => format!("{i}={}", e.name()),
        })
        .collect();
    let breaks = |result: &RunResult| expected.iter().any(|(i, _)| result.violated(*i));
    let always = expected.iter().any(|(_, e)| *e == Expect::Always);
    let found = if always {
        Some(FIXED_SEED)
    } else {
        SEEDS
            .clone()
            .find(|&seed| breaks(&run(scenario, &Source::Seed(seed), RunOptions::default())))
    };
    // A snapshot reviews a failing run: a scenario expected to fail whose
    // seeds break nothing fails here rather than snapshot a run that shows
    // nothing to review.
    let (seed, why) = match found {
        Some(seed) if always => (seed, format!("fixed seed {seed}")),
        Some(seed) => (seed, format!("seed {seed}, the smallest failing seed in 1..=200")),
        None => panic!(
            "{} ({variant}): expected to fail ({}), but no seed in 1..=200 does",
            scenario.name,
            wanted.join(", ")
        ),
    };
    let original = run(scenario, &Source::Seed(seed), RunOptions::default());
    let first_expected = original
        .violations
        .iter()
        .find(|v| expected.iter().any(|(i, _)| *i == v.invariant));
    let Some(target) = first_expected.map(Target::of) else {
        panic!(
            "{} ({variant}): expected to fail ({}); {why} broke nothing",
            scenario.name,
            wanted.join(", ")
        );
    };
    let shrunk = shrink(scenario, &original.schedule(), &target, SHRINK_BUDGET);
    let description = format!(
        "{} ({variant}): expected to fail ({}); {why}, shrunk on {target} to {} deviation(s)",
        scenario.name,
        wanted.join(", "),
        shrunk.schedule.len()
    );
    let tokens: Vec<String> = shrunk
        .schedule
        .deviations()
        .iter()
        .map(|d| labels::describe(d.label, &scenario.setup) + " = " + &d.value.to_string())
        .collect();
    let title = format!(
        "{} · {variant} · seed {seed} shrunk on {target}: deviations [{}]",
        scenario.name,
        tokens.join(", ")
    );
    let result = run(scenario, &Source::Schedule(shrunk.schedule), common::traced());
    let document = text_document(&title, scenario, &result);
    match &target.node {
        Some(node) if document.lines().count() > TRACE_LINES_KEPT => {
            let cut = format!("{description}; the trace cut to {node}'s lines");
            (cut, lines_of_node(&document, node))
        }
        _ => (description, document),
    }
}

/// The trace lines of `node` (the violations and the outcome included):
/// a trace line is its tick, then its node.
fn lines_of_node(document: &str, node: &str) -> String {
    let mut out = String::new();
    for line in document.lines() {
        let mut words = line.split_whitespace();
        let keep = match words.next() {
            Some(tick) if tick.parse::<u64>().is_ok() => words.next() == Some(node),
            _ => true,
        };
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn assert_scenario_snapshot(path: &Path) {
    let scenario = Scenario::load(path).unwrap_or_else(|e| panic!("{e}"));
    let (description, content) = snapshot_of(&scenario);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description(description);
    settings.bind(|| insta::assert_snapshot!(scenario.name.as_str(), content));
}

#[test]
fn every_bundled_scenario_matches_its_reviewed_snapshot() {
    let mut changed = Vec::new();
    let paths = common::bundled_paths();
    assert!(!paths.is_empty(), "no bundled scenarios");
    for path in paths {
        if std::panic::catch_unwind(|| assert_scenario_snapshot(&path)).is_err() {
            let name = path.file_name().expect("a file name").to_string_lossy().into_owned();
            changed.push(name);
        }
    }
    assert!(
        changed.is_empty(),
        "snapshots missing or changed (review with `cargo insta review`): {changed:#?}"
    );
}
