//! `joinsim explore`: each search strategy finds what it should, reports
//! like `fuzz`, saves artifacts that replay, and gives the same results
//! with any `--jobs`; exhaustive search's pruning loses no outcome; probes
//! are counted and merged; `bench --search` prints its JSON rows.

mod common;

use std::collections::BTreeSet;
use std::sync::atomic::AtomicBool;

use common::{bundled, joinsim, output_text};
use joinsim::explore::search::{SearchOptions, search};
use joinsim::explore::strategy::{Exhaustive, Kind, Knob, Plan, Report, Strategy};
use joinsim::explore::{Tally, campaign::Quiet};
use joinsim::model::probe::Probe;
use joinsim::run::{RunOptions, RunResult, Source, run};
use joinsim::sim::Schedule;
use serde_json::Value;

/// `joinsim explore ARGS --json FILE`: the output and the JSON summary.
fn explore(args: &[&str]) -> (std::process::Output, Value) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("summary.json");
    let mut all = vec!["explore"];
    all.extend_from_slice(args);
    let json = path.to_str().unwrap().to_string();
    all.extend(["--json", &json]);
    let output = joinsim(&all);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("no summary: {}", output_text(&output)));
    (output, serde_json::from_str(&text).expect("valid JSON"))
}

/// `joinsim explore SCENARIO --strategy exhaustive --bound BOUND ...`.
fn exhaustive(scenario: &str, bound: &str, extra: &[&str]) -> (std::process::Output, Value) {
    let mut args = vec![scenario, "--strategy", "exhaustive", "--bound", bound];
    args.extend_from_slice(extra);
    explore(&args)
}

/// (invariant, role, step, message) of each failure group of the first
/// scenario of a summary.
fn failures(summary: &Value) -> Vec<(String, String, String, String)> {
    summary["scenarios"][0]["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let field = |k: &str| f[k].as_str().unwrap().to_string();
            (field("invariant"), field("role"), field("step"), field("message"))
        })
        .collect()
}

#[test]
fn exhaustive_search_within_3_deviations_finds_the_groups_first_race() {
    let (o, summary) = exhaustive("scenarios/groups-first-race.toml", "3", &[]);
    let out = output_text(&o);
    assert_eq!(o.status.code(), Some(0), "both expected findings are found: {out}");
    let found = failures(&summary);
    let stale = found
        .iter()
        .find(|f| f.0 == "unsynced-group-validation")
        .unwrap_or_else(|| panic!("{found:?}"));
    assert_eq!(stale.1, "joiner");
    assert_eq!(stale.2, "J5 clusterInitMember/ApplyServerPreseed");
    assert!(stale.3.contains("missing {gpu2}"), "{}", stale.3);
    assert!(stale.3.contains("a false rejection"), "{}", stale.3);
    let search = &summary["scenarios"][0]["search"];
    assert_eq!(search["strategy"], "exhaustive");
    assert_eq!(search["complete"], true);
    assert!(search["pruned_subtrees"].as_u64().unwrap() > 0, "{search}");
    assert!(
        out.contains("replay: joinsim trace scenarios/groups-first-race.toml --variant groups-first --deviation"),
        "{out}"
    );
}

#[test]
fn no_schedule_within_2_deviations_finds_the_groups_first_race() {
    // So 3 is the smallest bound that finds it (the README says so).
    let (o, summary) = exhaustive("scenarios/groups-first-race.toml", "2", &[]);
    let out = output_text(&o);
    assert_eq!(o.status.code(), Some(1), "its expected findings are missing: {out}");
    assert!(out.contains("no violation within 2 deviation(s)"), "{out}");
    assert!(failures(&summary).is_empty());
}

#[test]
fn race_features_only_has_no_violation_within_2_deviations() {
    let (o, summary) = exhaustive("scenarios/race-features-only.toml", "2", &[]);
    let out = output_text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let scenario = &summary["scenarios"][0];
    let search = &scenario["search"];
    assert_eq!(search["complete"], true);
    assert_eq!(search["no_violation_within"], 2);
    let schedules = search["schedules"].as_u64().unwrap();
    assert_eq!(scenario["runs"].as_u64(), Some(schedules));
    assert!(schedules > 1000, "{schedules}");
    assert!(
        out.contains(&format!("bound 2: {schedules} schedule(s), complete")),
        "{out}"
    );
    assert!(out.contains("no violation within 2 deviation(s)"), "{out}");
}

#[test]
fn a_run_limit_stops_exhaustive_search_without_a_claim() {
    let (o, summary) = exhaustive("scenarios/race-features-only.toml", "2", &["--runs", "300"]);
    let out = output_text(&o);
    assert_eq!(summary["scenarios"][0]["runs"], 300);
    assert_eq!(summary["scenarios"][0]["search"]["complete"], false);
    assert!(!out.contains("no violation within"), "{out}");
    assert!(out.contains("stopped before the end"), "{out}");
}

/// The flags that bound a test campaign of `kind`: a strategy that ends by
/// itself is given its bound, another a run count.
fn campaign_flags(kind: Kind, bound: &'static str, runs: &'static str) -> Vec<&'static str> {
    if kind.spec().ends_by_itself {
        vec!["--bound", bound]
    } else {
        vec!["--runs", runs]
    }
}

#[test]
fn every_strategy_saves_artifacts_that_replay() {
    for kind in Kind::ALL {
        let (strategy, extra) = (kind.name(), campaign_flags(kind, "3", "1500"));
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("failures");
        let mut args = vec![
            "scenarios/groups-first-race.toml",
            "--strategy",
            strategy,
            "--keep-expected",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend(&extra);
        let (o, summary) = explore(&args);
        assert_eq!(o.status.code(), Some(0), "{strategy}: {}", output_text(&o));
        let artifacts: Vec<String> = summary["scenarios"][0]["failures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["artifact"].as_str().expect("kept and saved").to_string())
            .collect();
        // The stale group view, the join it fails, and the certificate that
        // failed join leaves trusted (join-leftovers, certificate only).
        assert_eq!(artifacts.len(), 3, "{strategy}: {artifacts:?}");
        for artifact in artifacts {
            assert!(artifact.ends_with(".shrunk.json"), "{artifact}");
            let replay = joinsim(&["replay", &artifact]);
            assert_eq!(replay.status.code(), Some(0), "{strategy}: {}", output_text(&replay));
        }
        let saved = std::fs::read_dir(&out).unwrap().count();
        assert!(saved >= 2, "{strategy}: raw and shrunk artifacts");
    }
}

/// A summary without what depends on timing.
fn timeless(mut summary: Value) -> Value {
    summary["settings"]["jobs"] = Value::Null;
    for scenario in summary["scenarios"].as_array_mut().unwrap() {
        scenario["elapsed_secs"] = Value::Null;
        scenario["runs_per_sec"] = Value::Null;
    }
    summary
}

/// The strategies whose runs are not seeds (the seeded ones are `fuzz`'s,
/// held by tests/fuzz.rs): with their own seed, if they take one.
#[test]
fn a_strategy_seed_gives_the_same_summary_with_any_jobs() {
    for kind in Kind::ALL.into_iter().filter(|k| !k.seeded()) {
        let strategy = kind.name();
        let mut extra = campaign_flags(kind, "2", "1500");
        if kind.spec().takes(Knob::Seed) {
            extra.extend(["--seed", "7"]);
        }
        let summaries: Vec<Value> = ["1", "2", "3"]
            .iter()
            .map(|jobs| {
                let mut args = vec![
                    "scenarios/groups-first-race.toml",
                    "--strategy",
                    strategy,
                    "--jobs",
                    jobs,
                ];
                args.extend(&extra);
                timeless(explore(&args).1)
            })
            .collect();
        assert_eq!(summaries[0], summaries[1], "{strategy}");
        assert_eq!(summaries[0], summaries[2], "{strategy}");
    }
}

#[test]
fn different_strategy_seeds_make_different_runs() {
    let runs = |seed: &str| {
        let (_, summary) = explore(&[
            "scenarios/groups-first-race.toml",
            "--strategy",
            "pct",
            "--runs",
            "500",
            "--seed",
            seed,
        ]);
        summary["scenarios"][0]["events"].clone()
    };
    assert_ne!(runs("1"), runs("2"));
}

/// Records every state the runs of a strategy pass through (and how they
/// end), then lets the strategy carry on.
struct Visited<S> {
    inner: S,
    states: BTreeSet<u64>,
    outcomes: BTreeSet<String>,
}

impl<S: Strategy> Strategy for Visited<S> {
    fn next(&mut self, feedback: &[Option<RunResult>], max: usize) -> Vec<Plan> {
        for result in feedback.iter().flatten() {
            self.states.extend(result.state_trail.iter().flatten());
            self.outcomes.insert(outcome(result));
        }
        let mut plans = self.inner.next(feedback, max);
        for plan in &mut plans {
            plan.options.state_trail = true;
            plan.feedback = true;
        }
        plans
    }

    fn complete(&self) -> bool {
        self.inner.complete()
    }

    fn report(&self, complete: bool) -> Report {
        self.inner.report(complete)
    }
}

/// How a run ended, as far as its state at a pruning point and the rest of
/// its schedule decide it: the whole final world, the end tick, the event
/// count and which invariants broke. (Not the details of a violation that
/// happened before the pruning point: the pruned schedule itself ran, and
/// its descendants share that part. Nor what the model records for reports
/// and never reads, `Recorded`, such as when a join ended: two runs that
/// meet in one state may have recorded different pasts.)
fn outcome(result: &RunResult) -> String {
    let world = &result.world;
    let broken: BTreeSet<_> = result.violations.iter().map(|v| v.invariant).collect();
    let nodes = without_recorded(&format!("{:?}", world.nodes));
    format!(
        "{nodes} {:?} {:?} {} {} {broken:?}",
        world.db, world.group_history, result.end_tick, result.events
    )
}

/// `text` with every `Recorded(...)` value's contents left out.
fn without_recorded(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("Recorded(") {
        let open = at + "Recorded(".len();
        out.push_str(&rest[..open]);
        let mut depth = 1;
        let close = rest[open..]
            .char_indices()
            .find(|&(_, c)| {
                depth += match c {
                    '(' => 1,
                    ')' => -1,
                    _ => 0,
                };
                depth == 0
            })
            .map_or(rest.len(), |(i, _)| open + i);
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

/// A small scenario on which pruning has work to do: one joiner through
/// the leader (which fails at J5, as #1390 does: a short run), an admin
/// who may commit in the middle, delays of 1 or 2.
const SMALL: &str = r#"
description = "pruning check"
variant = "incus-6.7"
[cluster]
members = ["m1", "m2"]
leader = "m1"
[[cluster.groups]]
name = "gpu"
members = ["m1"]
[[cluster.projects]]
name = "default"
config = { "restricted" = "true", "restricted.cluster.groups" = "gpu" }
[[joiners]]
name = "j1"
target = "m1"
[[admins]]
name = "admin"
via = "m1"
start = 10
start_jitter = 2
commands = [{ op = "create-group", group = "gpu2" }]
[network]
delay_min = 1
delay_max = 2
"#;

/// The states and outcomes every run of `strategy` reached, the number of
/// runs, and whether the search completed.
fn every_state(strategy: Exhaustive) -> (Visited<Exhaustive>, u64, bool) {
    let scenario = joinsim::scenario::Scenario::parse("small", "small.toml", SMALL).expect("parses");
    every_state_of(&scenario, strategy)
}

fn every_state_of(scenario: &joinsim::scenario::Scenario, strategy: Exhaustive) -> (Visited<Exhaustive>, u64, bool) {
    let never = AtomicBool::new(false);
    let options = SearchOptions {
        jobs: 2,
        max_runs: None,
        deadline: None,
        interrupted: &never,
    };
    let mut recording = Visited {
        inner: strategy,
        states: BTreeSet::new(),
        outcomes: BTreeSet::new(),
    };
    let found = search(scenario, &mut recording, &options, &Quiet);
    (recording, found.campaign.tally.runs, found.complete)
}

#[test]
fn pruning_skips_schedules_but_no_state_and_no_outcome() {
    let (pruned, pruned_runs, complete) = every_state(Exhaustive::new(3));
    let (all, all_runs, all_complete) = every_state(Exhaustive::new(3).without_pruning());
    eprintln!(
        "pruned: {pruned_runs} runs, {} states, {} outcomes; all: {all_runs} runs, {} states, {} outcomes",
        pruned.states.len(),
        pruned.outcomes.len(),
        all.states.len(),
        all.outcomes.len()
    );
    assert!(complete && all_complete);
    assert!(
        pruned_runs * 2 < all_runs,
        "pruning saved little: {pruned_runs} of {all_runs}"
    );
    let missed: Vec<&u64> = all.states.difference(&pruned.states).take(3).collect();
    assert!(missed.is_empty(), "states reached only without pruning: {missed:?}");
    assert_eq!(pruned.states, all.states);
    assert_eq!(pruned.outcomes, all.outcomes);
}

#[test]
fn pruning_at_every_event_reaches_every_state_on_bundled_scenarios_at_bound_2() {
    // Schedules meet after their deviations, not at them: the pruned search
    // must still pass through every state, and end every way, the plain one
    // does (the small scenario above, on real ones).
    for name in [
        "issue-1390",
        "groups-first-race",
        "member-rename-during-join",
        "revert-target-down",
    ] {
        let scenario = bundled(name);
        let (pruned, pruned_runs, complete) = every_state_of(&scenario, Exhaustive::new(2));
        let (all, all_runs, all_complete) = every_state_of(&scenario, Exhaustive::new(2).without_pruning());
        eprintln!(
            "{name}: pruned {pruned_runs} runs, {} states; all {all_runs} runs, {} states",
            pruned.states.len(),
            all.states.len()
        );
        assert!(complete && all_complete, "{name}");
        assert!(pruned_runs <= all_runs, "{name}");
        assert_eq!(pruned.states, all.states, "{name}: the same states");
        assert_eq!(pruned.outcomes, all.outcomes, "{name}: the same outcomes");
    }
}

#[test]
fn no_label_is_drawn_twice_in_a_run() {
    // Exhaustive pruning relies on it (and switches itself off otherwise).
    for scenario in common::bundled_all() {
        for seed in 1..=50 {
            let options = RunOptions {
                points: true,
                ..RunOptions::default()
            };
            let points = run(&scenario, &Source::Seed(seed), options).points.unwrap();
            let mut labels: Vec<_> = points.iter().map(|p| p.label).collect();
            labels.sort();
            let before = labels.len();
            labels.dedup();
            assert_eq!(labels.len(), before, "{} seed {seed}", scenario.name);
        }
    }
}

#[test]
fn state_fingerprints_are_taken_from_the_asked_draw_on_and_repeat() {
    let scenario = bundled("groups-first-race");
    let options = RunOptions {
        points: true,
        states_from_draws: Some(11),
        ..RunOptions::default()
    };
    let a = run(&scenario, &Source::Schedule(Schedule::default()), options);
    let b = run(&scenario, &Source::Schedule(Schedule::default()), options);
    let first = *a.states.first().expect("the run drew more than 10 choices");
    assert!(first.draws >= 11);
    assert!(a.states.iter().all(|m| m.draws >= 11));
    assert_eq!(a.states, b.states);
    let later = RunOptions {
        states_from_draws: Some(41),
        ..options
    };
    let c = run(&scenario, &Source::Schedule(Schedule::default()), later);
    assert!(
        c.states.len() < a.states.len(),
        "fewer events end after draw 41 than after draw 11"
    );
    assert_eq!(
        c.states[..],
        a.states[a.states.len() - c.states.len()..],
        "the same events, fingerprinted the same"
    );
    assert_ne!(c.states[0].hash, first.hash);
    // One fingerprint per event from the first with 11 draws, the last
    // event's included.
    let all = run(
        &scenario,
        &Source::Schedule(Schedule::default()),
        RunOptions {
            states_from_draws: Some(0),
            ..options
        },
    );
    assert_eq!(all.states.len() as u64, a.events + 1, "the start and every event");
}

#[test]
fn probes_are_counted_in_summaries_and_merge_in_any_order() {
    let (o, summary) = explore(&["scenarios/issue-1390.toml", "--strategy", "random", "--runs", "40"]);
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    let probes = &summary["scenarios"][0]["probes"];
    assert_eq!(probes["join failed"], 40, "{probes}");
    assert_eq!(probes["join completed"], 0, "{probes}");
    assert!(
        output_text(&o).contains("probes issue-1390: admin command succeeded=0"),
        "{}",
        output_text(&o)
    );
    let mut a = Tally::default();
    let mut b = Tally::default();
    a.record_probes(Probe::JoinFailed.bit() | Probe::RevertAfterJ9.bit());
    b.record_probes(Probe::JoinFailed.bit());
    let mut ab = a.clone();
    ab.merge(b.clone());
    let mut ba = b;
    ba.merge(a);
    assert_eq!(ab, ba);
    let counts: Vec<(Probe, u64)> = ab.probe_counts().filter(|&(_, n)| n > 0).collect();
    assert_eq!(counts, vec![(Probe::JoinFailed, 2), (Probe::RevertAfterJ9, 1)]);
}

#[test]
fn fuzz_summaries_count_probes_too() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("fuzz.json");
    let o = joinsim(&[
        "fuzz",
        "scenarios/groups-first-race.toml",
        "--seeds",
        "400",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let probes = &summary["scenarios"][0]["probes"];
    let stale = probes["validation against stale groups"].as_u64().unwrap();
    let violating = summary["scenarios"][0]["invariants"][0]["violating_runs"]
        .as_u64()
        .unwrap();
    assert_eq!(stale, violating, "{probes}");
    assert!(probes["admin commit during J5 reads"].as_u64().unwrap() >= stale);
}

#[test]
fn bad_explore_flags_exit_2() {
    for args in [
        vec!["scenarios/issue-1390.toml", "--strategy", "dfs"],
        vec!["scenarios/issue-1390.toml", "--runs", "0"],
        vec!["scenarios/no-such-scenario.toml"],
    ] {
        let mut all = vec!["explore"];
        all.extend(&args);
        let o = joinsim(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", output_text(&o));
    }
}

/// Every strategy refuses, naming it, each knob its spec does not take,
/// and a value below the least of each it does.
#[test]
fn each_strategy_refuses_the_knobs_its_spec_does_not_take() {
    for kind in Kind::ALL {
        for knob in Knob::ALL {
            let flag = format!("--{}", knob.name());
            let value = if kind.spec().takes(knob) {
                match knob.min().checked_sub(1) {
                    Some(below) => below.to_string(),
                    None => continue,
                }
            } else {
                "2".to_string()
            };
            let args = [
                "explore",
                "scenarios/issue-1390.toml",
                "--strategy",
                kind.name(),
                &flag,
                &value,
            ];
            let o = joinsim(&args);
            let out = output_text(&o);
            assert_eq!(o.status.code(), Some(2), "{args:?}: {out}");
            assert!(out.contains(&flag), "{args:?}: {out}");
        }
    }
}

#[test]
fn the_search_benchmark_prints_a_row_per_group_and_strategy() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["issue-1390", "race-features-only"] {
        std::fs::copy(
            format!("scenarios/{name}.toml"),
            dir.path().join(format!("{name}.toml")),
        )
        .unwrap();
    }
    let o = joinsim(&[
        "bench",
        "--search",
        "--json",
        "--campaigns",
        "2",
        "--campaign-runs",
        "50",
        "--max-bound",
        "1",
        "--dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    let rows: Value = serde_json::from_slice(&o.stdout).expect("JSON rows");
    let rows = rows.as_array().unwrap();
    // issue-1390's three groups (its two and the certificate the failed
    // join leaves), five strategies; race-features-only finds nothing.
    assert_eq!(rows.len(), 15, "{rows:?}");
    for row in rows {
        assert_eq!(row["scenario"], "issue-1390");
        assert_eq!(row["median_runs_to_first_hit"], 1, "every run fails: {row}");
        assert!(row["median_seconds_to_first_hit"].is_number());
        let campaigns = if row["strategy"] == "exhaustive" { 1 } else { 2 };
        assert_eq!(row["campaigns"], campaigns, "{row}");
        assert_eq!(row["hits"], campaigns, "{row}");
        let group = row["group"].as_str().unwrap();
        assert!(
            group.ends_with("at J5 clusterInitMember/ApplyServerPreseed")
                || group == "join-leftovers on joiner at J5 clusterInitMember/ApplyServerPreseed (certificate only)",
            "{group}"
        );
    }
}
