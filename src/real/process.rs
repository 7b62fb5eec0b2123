//! Processes by pid: killing one joinsim started (checked to be ours
//! first), and finding what a run left under its root. Used by the daemons
//! and by the record's cleanup alike.

use std::path::Path;
use std::time::{Duration, Instant};

pub fn kill_pid(pid: u32) {
    // SAFETY: kill(2); the callers checked the pid is ours.
    unsafe {
        libc::kill(pid as i32, libc::SIGCONT);
        libc::kill(pid as i32, libc::SIGKILL);
    }
}

/// Kills `pid` if it is still the daemon we started on `dir` (its
/// environment names `INCUS_DIR=dir`), not another process that reused it.
pub fn kill_if_ours(pid: u32, dir: &Path) {
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
    let wanted = format!("INCUS_DIR={}", dir.display());
    if environ.split(|&b| b == 0).any(|v| v == wanted.as_bytes()) {
        kill_pid(pid);
        wait_gone(pid);
    }
}

/// Processes whose command line or `INCUS_DIR` names a path under `root`:
/// the daemons of a run and their children (dnsmasq is given its config
/// under the daemon's directory).
pub fn processes_under(root: &Path) -> Vec<u32> {
    let prefix = format!("{}/", root.display());
    let mine = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != mine)
        .filter(|pid| {
            let names = |file: &str| {
                let bytes = std::fs::read(format!("/proc/{pid}/{file}")).unwrap_or_default();
                String::from_utf8_lossy(&bytes).contains(&prefix)
            };
            names("cmdline") || names("environ")
        })
        .collect()
}

fn wait_gone(pid: u32) {
    let started = Instant::now();
    while Path::new(&format!("/proc/{pid}")).exists() && started.elapsed() < Duration::from_secs(5) {
        // A zombie of ours is reaped by its `Child`; one of an earlier run's
        // was reparented and is reaped by init.
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        if stat.split(") ").nth(1).is_some_and(|s| s.starts_with('Z')) {
            return;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}
