//! Scale: scenarios of up to 256 nodes and 256 group names run, the bundled
//! 100-member scenario is what the generator makes, a scenario's own
//! campaign size is honoured, and `bench --scale` reports every size.

mod common;

use common::{joinsim, output_text, stdout};
use joinsim::check::Invariant;
use joinsim::model::bits::CAPACITY;
use joinsim::run::{RunOptions, Source, run};
use joinsim::scenario::generate::{ScaleShape, scale_scenario, scale_toml};

#[test]
fn the_bundled_scale_scenario_is_the_generators_output() {
    let bundled = std::fs::read_to_string(common::bundled_path("scale-100x20")).unwrap();
    assert_eq!(
        bundled,
        scale_toml(&ScaleShape::bundled()),
        "regenerate it with the command in its first line"
    );
}

#[test]
fn a_cluster_of_250_nodes_and_256_group_names_runs_to_the_end() {
    // 200 members, 45 joiners and 5 admins; default, gpu and 249 racks at
    // the start, and the admins create 5 more: 256 group names in all.
    let shape = ScaleShape {
        members: 200,
        joiners: 45,
        admins: 5,
        racks: 249,
        campaign_seeds: None,
    };
    assert_eq!((shape.nodes(), shape.group_names()), (250, CAPACITY));
    let scenario = scale_scenario(&shape).expect("a valid scenario");
    assert_eq!(scenario.setup.db.groups.len(), 251);
    for seed in 1..=3 {
        let result = run(&scenario, &Source::Seed(seed), RunOptions::default());
        for invariant in [Invariant::JoinLiveness, Invariant::UnsyncedGroupValidation] {
            assert!(!result.violated(invariant), "seed {seed}: {:?}", result.violations);
        }
        assert_eq!(result.joins.len(), 45);
        assert!(result.joins.iter().all(|j| j.status.ended()), "seed {seed}");
        assert!(result.joins.iter().any(|j| j.joiner >= 200), "joiner ids above 200");
        let groups = result.world.db.group_set();
        assert_eq!(groups.len(), 256, "seed {seed}: the admins' groups were created");
    }
}

#[test]
fn a_shape_beyond_the_limits_is_refused_with_exit_2() {
    let too_many_nodes = ScaleShape::new(250, 10);
    assert!(too_many_nodes.check().unwrap_err().contains("at most 256"));
    let too_many_groups = ScaleShape {
        racks: 254,
        ..ScaleShape::new(10, 5)
    };
    assert!(too_many_groups.check().unwrap_err().contains("cluster group names"));
    for args in [
        &["gen-scale", "--members", "250", "--joiners", "10"][..],
        &["gen-scale", "--members", "1", "--joiners", "1"][..],
        &["gen-scale", "--members", "10", "--joiners", "5", "--racks", "254"][..],
    ] {
        let o = joinsim(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", output_text(&o));
        assert!(!output_text(&o).contains("panicked"), "{args:?}");
    }
}

#[test]
fn run_on_the_bundled_scale_scenario_ends_with_a_verdict() {
    for seed in ["1", "2", "3"] {
        let o = joinsim(&["run", "scenarios/scale-100x20.toml", "--seed", seed]);
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "seed {seed}: {}",
            output_text(&o)
        );
        assert_eq!(stdout(&o).matches("\njoin j").count(), 20, "seed {seed}");
    }
}

/// How many runs `joinsim fuzz ARGS` made of its one scenario.
fn fuzz_runs(args: &[&str]) -> u64 {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("summary.json");
    let out = dir.path().join("failures");
    let mut all = args.to_vec();
    all.extend(["--json", json.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let o = joinsim(&all);
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    summary["scenarios"][0]["runs"].as_u64().unwrap()
}

#[test]
fn a_scenarios_campaign_seeds_set_its_default_campaign_and_the_command_line_wins() {
    let dir = tempfile::tempdir().unwrap();
    let source = std::fs::read_to_string(common::bundled_path("issue-1390-features-only")).unwrap();
    let path = dir.path().join("own-seeds.toml");
    std::fs::write(&path, format!("{source}\n[campaign]\nseeds = 37\n")).unwrap();
    let path = path.to_str().unwrap();
    assert_eq!(fuzz_runs(&["fuzz", path]), 37);
    assert_eq!(fuzz_runs(&["fuzz", path, "--shard", "2/2"]), 18);
    assert_eq!(fuzz_runs(&["fuzz", path, "--seeds", "12"]), 12);
    assert_eq!(fuzz_runs(&["fuzz", path, "--from", "5", "--to", "9"]), 5);
}

#[test]
fn bench_scale_json_lists_every_size_with_its_rates() {
    let o = joinsim(&["bench", "--scale", "--json", "--seconds", "0.01"]);
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("a JSON list");
    let sizes: Vec<(u64, u64)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert!(r["events_per_sec"].as_f64().unwrap() > 0.0, "{r}");
            assert!(r["runs_per_sec"].as_f64().unwrap() > 0.0, "{r}");
            assert_eq!(r["scenario"], format!("scale-{}x{}", r["members"], r["joiners"]), "{r}");
            (r["members"].as_u64().unwrap(), r["joiners"].as_u64().unwrap())
        })
        .collect();
    let expected: Vec<(u64, u64)> = [3, 10, 30, 100]
        .into_iter()
        .flat_map(|m| [1, 5, 20].map(|j| (m, j)))
        .collect();
    assert_eq!(sizes, expected);
}
