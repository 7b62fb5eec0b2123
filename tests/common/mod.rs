//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use joinsim::scenario::Scenario;

/// A bundled scenario by name, e.g. `groups-first-race`.
pub fn bundled(name: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{name}.toml"));
    Scenario::load(&path).expect("bundled scenarios load")
}

/// The path of a bundled scenario.
pub fn bundled_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{name}.toml"))
}

/// A fresh scratch directory for one test.
pub fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("joinsim-test-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// The options of a run whose trace a test reads.
pub fn traced() -> joinsim::run::RunOptions {
    joinsim::run::RunOptions {
        trace: true,
        ..joinsim::run::RunOptions::default()
    }
}

/// Runs the built `joinsim` binary.
pub fn joinsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_joinsim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run joinsim")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The trace section of a command's output, markers included.
pub fn trace_section(text: &str) -> String {
    let start = text.find("--- trace ---").expect("a trace section");
    let end = text.find("--- end of trace ---").expect("an end of trace");
    text[start..end].to_string()
}

/// The campaigns `joinsim fuzz` runs of the bundled scenarios: each under
/// its own variant, then under each it pins with `[expect_variant.NAME]`.
pub fn bundled_campaigns() -> usize {
    bundled_paths()
        .iter()
        .map(|p| Scenario::load(p).expect("loads").campaign_variants().count())
        .sum()
}

/// Every bundled scenario's path, sorted.
pub fn bundled_paths() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("scenarios/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    paths
}

/// `scenarios/history/`: the Incus join bug history, one scenario a fixed
/// bug, run by `joinsim fuzz scenarios/history`, not by the default
/// campaign.
pub fn history_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join("history")
}

/// Every history scenario's path, sorted.
pub fn history_paths() -> Vec<PathBuf> {
    joinsim::scenario::toml_files(&history_dir()).expect("scenarios/history/")
}

/// Every bundled scenario, loaded.
pub fn bundled_all() -> Vec<Scenario> {
    bundled_paths()
        .iter()
        .map(|p| Scenario::load(p).expect("loads"))
        .collect()
}

/// A campaign that nothing interrupts.
static NOT_INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Campaign options over seeds `from..=to` on `jobs` threads, unsharded,
/// no swarm, no determinism check (change fields as a test needs).
pub fn campaign(from: u64, to: u64, jobs: usize) -> joinsim::explore::CampaignOptions<'static> {
    joinsim::explore::CampaignOptions {
        range: joinsim::explore::SeedRange { from, to },
        shard: joinsim::explore::Shard::WHOLE,
        jobs,
        deadline: None,
        swarm: false,
        check_determinism: false,
        interrupted: &NOT_INTERRUPTED,
    }
}

/// stdout and stderr together.
pub fn output_text(output: &Output) -> String {
    format!("{}{}", stdout(output), stderr(output))
}

/// `joinsim run scenarios/groups-first-race.toml --seed SEED --save
/// DIR/race.json` (plus `extra` flags): its output and the artifact's path.
pub fn save_race_artifact(dir: &Path, seed: u64, extra: &[&str]) -> (Output, String) {
    let saved = dir.join("race.json").display().to_string();
    let seed = seed.to_string();
    let mut args = vec![
        "run",
        "scenarios/groups-first-race.toml",
        "--seed",
        &seed,
        "--save",
        &saved,
    ];
    args.extend_from_slice(extra);
    (joinsim(&args), saved)
}

/// A run of `schedule` (0 for every label it does not list), untraced.
pub fn replay_schedule(scenario: &Scenario, schedule: &joinsim::sim::Schedule) -> joinsim::run::RunResult {
    use joinsim::run::{RunOptions, Source, run};
    run(scenario, &Source::Schedule(schedule.clone()), RunOptions::default())
}

/// The first seed (from 1) whose run of the bundled scenario `name`
/// satisfies `wanted`: tests find their seed rather than pin one, so that
/// a model change that moves which seed shows a behaviour does not make
/// them test something else.
pub fn first_seed(name: &str, wanted: impl Fn(&joinsim::run::RunResult) -> bool) -> u64 {
    use joinsim::run::{RunOptions, Source, run};
    let scenario = bundled(name);
    (1..=100_000)
        .find(|&seed| wanted(&run(&scenario, &Source::Seed(seed), RunOptions::default())))
        .unwrap_or_else(|| panic!("no seed of {name} in 1..=100000 shows it"))
}

/// A two-member cluster (`m1` the leader) that `j1` joins through `m2`:
/// `joiner` continues the joiner's table, `rest` follows it (more tables).
pub fn two_member_join(variant: &str, joiner: &str, rest: &str) -> Scenario {
    let source = format!(
        r#"
variant = "{variant}"
[cluster]
members = ["m1", "m2"]
leader = "m1"
[[joiners]]
name = "j1"
target = "m2"
{joiner}
{rest}
"#
    );
    Scenario::parse("inline", "inline.toml", &source).expect("valid scenario")
}

/// The probes hit by any of seeds `1..=seeds` of the bundled scenario `name`.
pub fn probes_of(name: &str, seeds: u64) -> u64 {
    use joinsim::run::{RunOptions, Source, run};
    let scenario = bundled(name);
    (1..=seeds).fold(0, |set, seed| {
        set | run(&scenario, &Source::Seed(seed), RunOptions::default()).probes
    })
}

/// Whether `probe` is in the probe set `set`.
pub fn hit(set: u64, probe: joinsim::model::probe::Probe) -> bool {
    set & probe.bit() != 0
}

/// The clone of lxc/incus named by `JOINSIM_INCUS_REPO`, to check `what`
/// against; not a shallow one (release claims need the history and the
/// tags). Without the variable the check does not run and says so on the
/// terminal, under CI too (CI cannot download lxc/incus); a variable that
/// names no full clone fails.
pub fn incus_repository(what: &str) -> Option<PathBuf> {
    let Some(path) = std::env::var_os("JOINSIM_INCUS_REPO").map(PathBuf::from) else {
        say_uncaptured(&format!(
            "NOT CHECKED: {what}: set JOINSIM_INCUS_REPO to a clone of lxc/incus with its history and tags \
             (git clone --bare https://github.com/lxc/incus)"
        ));
        return None;
    };
    let shallow = git(&path, &["rev-parse", "--is-shallow-repository"]).is_none_or(|o| o.trim() == "true");
    assert!(
        !shallow,
        "JOINSIM_INCUS_REPO={} is not a full clone of lxc/incus (a git repository with history and tags)",
        path.display()
    );
    Some(path)
}

/// `git -C repository ARGS`: its stdout, or `None` when git fails.
pub fn git(repository: &Path, args: &[&str]) -> Option<String> {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(repository)
        .args(args)
        .output()
        .expect("run git");
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// What each command of the run's first scripted admin ended with.
pub fn admin_results(world: &joinsim::model::World) -> Vec<Result<(), String>> {
    world
        .nodes
        .iter()
        .find_map(|n| match n {
            joinsim::model::Node::Admin(a) => {
                Some(a.results.iter().map(|r| r.clone().map_err(|e| e.to_string())).collect())
            }
            _ => None,
        })
        .expect("an admin")
}

/// Whether this is a CI run (`CI=true`, as GitHub Actions, GitLab CI and
/// `.ci/run` set it): there a check that cannot run fails instead of
/// skipping.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Says on the terminal, past the test harness's capture, that `test` did
/// not run and why; under CI it fails instead, so a skip is never silent.
pub fn skip_loudly(test: &str, why: &str) {
    assert!(!under_ci(), "{test} cannot run under CI (CI=true): {why}");
    say_uncaptured(&format!("SKIPPED {test}: {why}"));
}

/// One line on standard output that the test harness does not capture
/// (it captures only the `print!` family).
pub fn say_uncaptured(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{line}");
}
