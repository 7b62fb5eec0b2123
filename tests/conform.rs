//! `joinsim conform` on live Incus daemons: the scenarios of
//! `scenarios/conform/` compared with the model, every difference with a
//! reason, and `docs/CONFORMANCE.md` the command's current output.
//!
//! It needs root and Debian's incus-base. Without them it skips with a
//! message, unless `JOINSIM_REQUIRE_INCUS_DAEMON` is set or `CI=true`, when
//! it fails instead. It shares the real back end's bridge and /24 with
//! tests/real.rs; `joinsim real` takes a lock, so the two wait for each other.

use std::process::Command;

fn can_run() -> bool {
    let reason = match joinsim::real::available() {
        Ok(()) => return true,
        Err(reason) => reason,
    };
    let required =
        std::env::var_os("JOINSIM_REQUIRE_INCUS_DAEMON").is_some() || std::env::var("CI").is_ok_and(|v| v == "true");
    assert!(!required, "a real Incus is required here, but: {reason}");
    eprintln!("SKIPPED: {reason}");
    false
}

#[test]
fn conformance_document_is_current_and_every_difference_has_a_reason() {
    if !can_run() {
        return;
    }
    let out = tempfile::tempdir().expect("a scratch folder");
    let markdown = out.path().join("CONFORMANCE.md");
    let run = Command::new(env!("CARGO_BIN_EXE_joinsim"))
        .arg("conform")
        .arg("--markdown")
        .arg(&markdown)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("joinsim runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "joinsim conform failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary = stdout.lines().last().unwrap_or_default();
    let compared: usize = summary
        .strip_prefix("conform: ")
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(compared >= 10, "at least 10 scenarios compared: {summary}");
    assert!(
        summary.contains(" 0 not,") && summary.ends_with(" 0 difference(s) without a reason"),
        "{summary}"
    );
    let fresh = std::fs::read_to_string(&markdown).expect("the document was written");
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/CONFORMANCE.md"))
        .expect("docs/CONFORMANCE.md");
    assert!(
        fresh == committed,
        "docs/CONFORMANCE.md is not current: run `joinsim conform --markdown docs/CONFORMANCE.md` as root \
         (first difference at line {})",
        fresh
            .lines()
            .zip(committed.lines())
            .position(|(a, b)| a != b)
            .map_or(fresh.lines().count().min(committed.lines().count()) + 1, |i| i + 1)
    );
}
