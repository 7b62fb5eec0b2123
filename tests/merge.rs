//! `joinsim merge`: the summaries of `fuzz --shard 1/3 .. 3/3` merge into
//! the summary of the unsharded campaign (counts, rate bands, warnings,
//! failure groups with their smallest seeds and artifacts, problems,
//! verdict and exit code, the JUnit and HTML reports), and shards that are
//! not one campaign are refused.

mod common;

use std::path::Path;

use common::{joinsim, output_text, stdout};
use serde_json::Value;

/// What one `joinsim fuzz` or `merge` printed and wrote, with the paths of
/// artifact folders written as `<out>`.
struct Reports {
    code: Option<i32>,
    stdout: String,
    json: Value,
    junit: String,
    html: String,
}

/// Reads the reports of a run whose artifacts went to `outs`, names those
/// folders alike, and blanks what depends on timing or threads.
fn reports(code: Option<i32>, stdout: String, dir: &Path, name: &str, outs: &[String]) -> Reports {
    let read = |ext: &str| {
        let mut text = std::fs::read_to_string(dir.join(format!("{name}.{ext}"))).expect("a report");
        for out in outs {
            text = text.replace(out.as_str(), "<out>");
        }
        text
    };
    let mut json: Value = serde_json::from_str(&read("json")).expect("JSON");
    json["settings"]["jobs"] = Value::Null;
    json["settings"]["shard"] = Value::Null;
    for s in json["scenarios"].as_array_mut().unwrap() {
        s["elapsed_secs"] = Value::Null;
        s["runs_per_sec"] = Value::Null;
    }
    // JUnit's suite times; the HTML page's settings line (shard, jobs).
    let junit = blank_between(&read("xml"), " time=\"", "\"");
    let html = blank_between(&read("html"), " scenario(s), seeds ", "</p>");
    let mut stdout = stdout;
    for out in outs {
        stdout = stdout.replace(out.as_str(), "<out>");
    }
    Reports {
        code,
        stdout,
        json,
        junit,
        html,
    }
}

/// `text` with what lies between each `start` and the next `end` removed.
fn blank_between(text: &str, start: &str, end: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(start) {
        out.push_str(&rest[..at + start.len()]);
        rest = &rest[at + start.len()..];
        rest = &rest[rest.find(end).unwrap_or(0)..];
    }
    out.push_str(rest);
    out
}

/// `joinsim ARGS --json/--junit/--html DIR/NAME.*` (and `--out DIR/NAME`
/// for fuzz).
fn reporting(dir: &Path, name: &str, args: &[&str], fuzz: bool) -> (Option<i32>, String) {
    let path = |ext: &str| dir.join(format!("{name}{ext}")).to_str().unwrap().to_string();
    let (json, junit, html, out) = (path(".json"), path(".xml"), path(".html"), path(""));
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--json", &json, "--junit", &junit, "--html", &html]);
    if fuzz {
        all.extend(["--out", &out]);
    }
    let o = joinsim(&all);
    (o.status.code(), stdout(&o))
}

/// The lines of a summary that do not depend on timing: all but the
/// table of runs per second and the settings line.
fn verdict_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| !l.contains("runs/s") && !l.starts_with("fuzz:") && !l.starts_with("merge:"))
        .filter(|l| {
            // A row of the table: scenario, variant, runs, runs/s, ...
            let words: Vec<&str> = l.split_whitespace().collect();
            !(words.len() > 4 && words[2].parse::<u64>().is_ok() && words[3].parse::<f64>().is_ok())
        })
        .collect()
}

/// Runs the campaign unsharded and as three shards (each saving its
/// artifacts in its own folder), merges the shards given in the order 3,
/// 1, 2, and checks that the merge equals the unsharded run; returns the
/// unsharded summary.
fn assert_merge_equals_unsharded(args: &[&str], expected_exit: i32) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let outs: Vec<String> = ["whole", "shard1", "shard2", "shard3"]
        .iter()
        .map(|n| d.join(n).to_str().unwrap().to_string())
        .collect();
    let mut fuzz = vec!["fuzz"];
    fuzz.extend_from_slice(args);
    let (code, text) = reporting(d, "whole", &fuzz, true);
    let whole = reports(code, text, d, "whole", &outs);
    assert_eq!(whole.code, Some(expected_exit), "{}", whole.stdout);
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let sharded: Vec<&str> = fuzz.iter().copied().chain(["--shard", &shard]).collect();
        reporting(d, &format!("shard{i}"), &sharded, true);
    }
    let files: Vec<String> = [3, 1, 2]
        .iter()
        .map(|i| d.join(format!("shard{i}.json")).to_str().unwrap().to_string())
        .collect();
    let mut merge = vec!["merge"];
    merge.extend(files.iter().map(String::as_str));
    let (code, text) = reporting(d, "merged", &merge, false);
    let merged = reports(code, text, d, "merged", &outs);
    assert_eq!(merged.code, whole.code, "{}", merged.stdout);
    assert_eq!(merged.json, whole.json);
    assert_eq!(verdict_lines(&merged.stdout), verdict_lines(&whole.stdout));
    assert!(
        verdict_lines(&whole.stdout)
            .iter()
            .any(|l| l.contains("scenario(s) met"))
    );
    assert_eq!(merged.junit, whole.junit);
    assert_eq!(merged.html, whole.html);
    whole.json
}

/// Every value of `field` in the summary's scenarios, or their failures.
fn all<'a>(summary: &'a Value, list: Option<&str>, field: &str) -> Vec<&'a Value> {
    let scenarios = summary["scenarios"].as_array().unwrap().iter();
    match list {
        None => scenarios.map(|s| &s[field]).collect(),
        Some(list) => scenarios
            .flat_map(|s| s[list].as_array().unwrap().iter().map(|x| &x[field]))
            .collect(),
    }
}

#[test]
fn merged_shards_of_a_passing_campaign_equal_the_unsharded_summary() {
    // Rate bands, admin answers and an admin warning, over shards;
    // project-update-toctou also runs under the fix it pins (four campaigns,
    // three of them with admins).
    let args = [
        "scenarios/groups-first-race.toml",
        "scenarios/project-update-toctou.toml",
        "tests/warned/admin-on-missing-project.toml",
        "--seeds",
        "1500",
    ];
    let summary = assert_merge_equals_unsharded(&args, 0);
    let counted = |field| {
        all(&summary, None, field)
            .iter()
            .filter(|v| !v.as_array().unwrap().is_empty())
            .count()
    };
    assert_eq!(
        (counted("bands"), counted("warnings"), counted("admin_commands")),
        (2, 1, 4)
    );
}

#[test]
fn merged_shards_of_a_failing_campaign_equal_the_unsharded_summary_with_its_artifacts() {
    // groups-first on scenarios that expect features-only's silence:
    // unexpected failures, each group saved and shrunk by the shard that
    // holds its smallest seed; swarm picks carried into the replays.
    let args = [
        "scenarios/race-features-only.toml",
        "scenarios/lossy-admin.toml",
        "--variant",
        "groups-first",
        "--seeds",
        "300",
        "--swarm",
    ];
    let summary = assert_merge_equals_unsharded(&args, 1);
    let artifacts = all(&summary, Some("failures"), "artifact");
    assert!(artifacts.iter().filter(|a| a.is_string()).count() >= 2, "{artifacts:?}");
}

#[test]
fn shards_missing_repeated_or_of_another_campaign_are_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let shard = |name: &str, seeds: &str, shard: &str| {
        let args = [
            "fuzz",
            "scenarios/issue-1390-features-only.toml",
            "--seeds",
            seeds,
            "--shard",
            shard,
        ];
        reporting(d, name, &args, true);
        d.join(format!("{name}.json")).to_str().unwrap().to_string()
    };
    let (one, two, other) = (
        shard("a", "40", "1/2"),
        shard("b", "40", "2/2"),
        shard("c", "50", "2/2"),
    );
    let garbage = d.join("garbage.json");
    std::fs::write(&garbage, "{\"scenarios\": 3}").unwrap();
    let garbage = garbage.to_str().unwrap().to_string();
    let cases: [(Vec<&str>, &str); 4] = [
        (vec![&one], "missing shard(s) 2/2"),
        (vec![&one, &two, &two], "shard 2/2 is also"),
        (
            vec![&one, &other],
            "are not shards of one campaign: their settings differ",
        ),
        (vec![&one, &garbage], "not a summary of `joinsim fuzz --json`"),
    ];
    for (files, text) in cases {
        let mut args = vec!["merge"];
        args.extend(files);
        let o = joinsim(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", output_text(&o));
        assert!(output_text(&o).contains(text), "{args:?}: {}", output_text(&o));
    }
    let o = joinsim(&["merge", &one, &two]);
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
}
