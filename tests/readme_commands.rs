//! Every command the README shows (in its `sh` and `console` blocks) is
//! either run here, its exit code checked and every output line the README
//! shows for it found in order in what it prints, or listed in
//! [`NOT_RUN_HERE`] with where it is checked instead (the full default
//! campaign runs in `.ci/run`) or why its figures are measured examples.
//! A README command that is neither fails this test.
//!
//! In a `console` block, `$ CMD` is a command; `# exit N` after it, or a
//! following `$ echo $?` and its number, is its exit code (default 0); the
//! lines after it are its output, where `...` or `[...]` alone on a line
//! skips any number of lines and `[...]` inside a line any text on it.

mod common;

use std::path::Path;
use std::process::Command;

/// Commands shown but not run here: (command, where it is checked or why
/// its figures are measured examples).
const NOT_RUN_HERE: &[(&str, &str)] = &[
    (
        "joinsim bench --search --bounds --dir scenarios/bench --max-bound 3 --exhaustive-runs 300000 --max-states 6000000",
        "minutes of runs; its seconds are measured examples, its bound-2 schedule counts are checked by tests/search_reduction.rs and its orders rows within 2 deviations by tests/orders.rs",
    ),
    ("cargo run --release -- fuzz", ".ci/run runs the full default campaign"),
    ("joinsim fuzz", ".ci/run runs the full default campaign"),
    ("cargo test --release", ".ci/run"),
    (
        "joinsim fuzz --from 1 --to 1000000 --shard 2/8 --junit junit.xml --json summary.json",
        "a shard of the full default campaign, which .ci/run runs whole; tests/merge.rs merges shards",
    ),
    (
        "joinsim report revert-after-join",
        "tests/findings.rs regenerates every report",
    ),
    ("joinsim report --all", "tests/findings.rs regenerates every report"),
    (
        "joinsim report --table --readme README.md",
        "tests/findings.rs regenerates the table",
    ),
    (
        "git clone --bare https://github.com/lxc/incus incus.git",
        "needs the network; CI cannot download lxc/incus",
    ),
    (
        "JOINSIM_INCUS_REPO=$PWD/incus.git cargo test --release --test findings",
        "tests/findings.rs, when JOINSIM_INCUS_REPO is set",
    ),
    ("cargo install cargo-insta", "a developer tool, not joinsim"),
    ("cargo insta test --release", "a developer tool, not joinsim"),
    ("cargo insta review", "a developer tool, not joinsim"),
    (
        "/usr/bin/time -v joinsim fuzz scenarios/deferred-validation-race.toml --seeds 1000000 2>&1 | grep \"Maximum resident\"",
        "a measured example (peak memory varies by machine)",
    ),
    (
        "/usr/bin/time -v joinsim fuzz scenarios/race-features-only.toml --seeds 1000000 2>&1 | grep \"Maximum resident\"",
        "a measured example (peak memory varies by machine)",
    ),
    (
        "cargo run --release -- bench --search",
        "a measured example (50 minutes; tests/explore.rs runs bench --search briefly)",
    ),
    (
        "cargo run --release -- bench --seconds 1",
        "a measured example (timings; tests/cli.rs runs bench briefly)",
    ),
    (
        "cargo run --release -- bench --scale --seconds 2",
        "a measured example (timings; tests/scale.rs runs bench --scale briefly)",
    ),
];

/// One command the README shows, with what it says of its exit code and output.
#[derive(Debug)]
struct Shown {
    command: String,
    exit: i32,
    output: Vec<String>,
    /// The README line it is on.
    line: usize,
}

/// The commands of every `sh` and `console` block, a block a list.
fn shown_commands(readme: &str) -> Vec<Vec<Shown>> {
    let mut blocks = Vec::new();
    let mut lines = readme.lines().enumerate().peekable();
    while let Some((_, line)) = lines.next() {
        let info = line.trim_start().strip_prefix("```").map(str::trim);
        let Some(kind @ ("sh" | "console")) = info else {
            continue;
        };
        let mut block: Vec<Shown> = Vec::new();
        let mut exit_follows = false;
        for (number, line) in lines.by_ref() {
            let line = line.trim_start_matches("  ").trim_end();
            if line.trim_start().starts_with("```") {
                break;
            }
            let text = if kind == "console" {
                line.strip_prefix("$ ")
            } else {
                Some(line)
            };
            match text {
                Some("echo $?") => exit_follows = true,
                Some(text) if !text.trim().is_empty() && !text.trim_start().starts_with('#') => {
                    let (command, comment) = text.split_once(" # ").unwrap_or((text, ""));
                    let exit = comment
                        .split("exit ")
                        .nth(1)
                        .and_then(|e| e.trim().split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
                        .unwrap_or(0);
                    block.push(Shown {
                        command: command.trim().to_string(),
                        exit,
                        output: Vec::new(),
                        line: number + 1,
                    });
                }
                Some(_) => {}
                None => {
                    let Some(last) = block.last_mut() else { continue };
                    // `$ echo $?` then its number: the exit code.
                    if exit_follows && let Ok(code) = line.trim().parse::<i32>() {
                        last.exit = code;
                        exit_follows = false;
                        continue;
                    }
                    last.output.push(line.to_string());
                }
            }
        }
        blocks.push(block);
    }
    blocks
}

/// Whether `expected` (with `[...]` for any text) matches `actual`.
fn line_matches(expected: &str, actual: &str) -> bool {
    let pieces: Vec<&str> = expected.split("[...]").collect();
    let mut rest = actual;
    for (i, piece) in pieces.iter().enumerate() {
        let piece = if i == 0 { piece.trim_end() } else { piece.trim() };
        match rest.find(piece) {
            Some(at) if i > 0 || at == 0 || piece.is_empty() || actual.trim_start().starts_with(piece.trim_start()) => {
                rest = &rest[at + piece.len()..];
            }
            _ => return false,
        }
    }
    true
}

/// The first expected line not found, in order, in `actual`.
fn first_missing<'a>(expected: &'a [String], actual: &str) -> Option<&'a str> {
    let mut lines = actual.lines();
    for wanted in expected {
        let trimmed = wanted.trim();
        if trimmed == "..." || trimmed == "[...]" || trimmed.is_empty() {
            continue;
        }
        if !lines.any(|l| line_matches(wanted, l)) {
            return Some(wanted);
        }
    }
    None
}

/// Runs `command` (a `joinsim` or `cargo run --release --` command line)
/// in `dir`, where `scenarios/` is the repository's.
fn run_shown(command: &str, dir: &Path) -> (i32, String) {
    let line = command
        .strip_prefix("cargo run --release -- ")
        .map(|rest| format!("joinsim {rest}"))
        .unwrap_or_else(|| command.to_string());
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words[0], "joinsim", "{command}: a README command runs joinsim");
    let output = Command::new(env!("CARGO_BIN_EXE_joinsim"))
        .args(&words[1..])
        .current_dir(dir)
        .output()
        .expect("run joinsim");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), text)
}

#[test]
fn every_command_the_readme_shows_runs_as_it_says() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let mut problems = Vec::new();
    let mut listed_but_not_shown: Vec<&str> = NOT_RUN_HERE.iter().map(|(c, _)| *c).collect();
    for (i, block) in shown_commands(&readme).into_iter().enumerate() {
        let dir = common::scratch(&format!("readme-{i}"));
        std::os::unix::fs::symlink(root.join("scenarios"), dir.join("scenarios")).expect("link scenarios/");
        for shown in block {
            if let Some((_, why)) = NOT_RUN_HERE.iter().find(|(c, _)| *c == shown.command) {
                listed_but_not_shown.retain(|c| *c != shown.command);
                common::say_uncaptured(&format!(
                    "README:{}: not run here: {} ({why})",
                    shown.line, shown.command
                ));
                continue;
            }
            if !shown.command.starts_with("joinsim ") && !shown.command.starts_with("cargo run --release -- ") {
                problems.push(format!(
                    "README:{}: `{}` is neither run nor listed",
                    shown.line, shown.command
                ));
                continue;
            }
            let (exit, text) = run_shown(&shown.command, &dir);
            if exit != shown.exit {
                problems.push(format!(
                    "README:{}: `{}` exits {exit}, the README says {}:\n{}",
                    shown.line,
                    shown.command,
                    shown.exit,
                    text.lines()
                        .rev()
                        .take(15)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect::<Vec<_>>()
                        .join("\n")
                ));
            }
            if let Some(missing) = first_missing(&shown.output, &text) {
                problems.push(format!(
                    "README:{}: `{}` does not print (in this order):\n  {missing}\nit printed:\n{text}",
                    shown.line, shown.command
                ));
            }
        }
    }
    assert!(
        listed_but_not_shown.is_empty(),
        "NOT_RUN_HERE lists commands the README no longer shows: {listed_but_not_shown:?}"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn the_parser_reads_commands_exit_codes_and_output() {
    let text = "```console\n$ joinsim run x --seed 1    # exit 1\nline one\n[...]\nend [...] 3\n  38\n$ echo $?\n1\n```\n\n```sh\njoinsim trace y   # text\n```\n";
    let blocks = shown_commands(text);
    assert_eq!(blocks.len(), 2);
    assert_eq!(blocks[0][0].command, "joinsim run x --seed 1");
    assert_eq!(blocks[0][0].exit, 1);
    assert_eq!(blocks[0][0].output, vec!["line one", "[...]", "end [...] 3", "38"]);
    assert_eq!(blocks[1][0].command, "joinsim trace y");
    assert!(line_matches("end [...] 3", "end of it: 3"));
    assert!(!line_matches("end [...] 4", "end of it: 3"));
    assert_eq!(first_missing(&["b".into(), "a".into()], "a\nb"), Some("a"), "in order");
}
