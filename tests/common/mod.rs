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
