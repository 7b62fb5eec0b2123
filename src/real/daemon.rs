//! One `incusd` per member and joiner: its own `INCUS_DIR`, run inside its
//! node's network namespace (`ip netns exec`, which execs in place, so the
//! pid is the daemon's), dying with joinsim (`PR_SET_PDEATHSIG`), killed,
//! stopped and continued by pid.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::record::{Record, Started};

/// Debian's incus-base puts the daemon here; `JOINSIM_INCUSD` overrides it.
pub fn incusd_path() -> PathBuf {
    std::env::var_os("JOINSIM_INCUSD").map_or_else(|| PathBuf::from("/usr/libexec/incus/incusd"), PathBuf::from)
}

/// A running daemon.
pub struct Daemon {
    pub name: String,
    pub dir: PathBuf,
    pub namespace: String,
    child: Child,
}

impl Daemon {
    /// Starts `incusd` for node `name` in `namespace`, with `dir` as its
    /// `INCUS_DIR` (kept when it exists: a restart after a crash).
    ///
    /// Must be called from the thread that lives as long as the run (the
    /// main thread): `PR_SET_PDEATHSIG` fires when the *thread* that forked
    /// the child ends.
    pub fn start(record: &Record, name: &str, dir: &Path, namespace: &str) -> Result<Daemon, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let log = std::fs::File::create(dir.join("out.log")).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut command = Command::new("ip");
        command
            .args(["netns", "exec", namespace])
            .arg(incusd_path())
            .arg("--debug")
            .arg("--logfile")
            .arg(dir.join("incus.log"))
            .env("INCUS_DIR", dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log);
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // Its own process group, so a Ctrl-C on joinsim's terminal
                // reaches joinsim alone, which then tears down in order.
                libc::setpgid(0, 0);
                Ok(())
            });
        }
        let child = command
            .spawn()
            .map_err(|e| format!("starting incusd for {name}: {e}"))?;
        record.note(&Started::Daemon {
            pid: child.id(),
            dir: dir.to_path_buf(),
        });
        Ok(Daemon {
            name: name.to_string(),
            dir: dir.to_path_buf(),
            namespace: namespace.to_string(),
            child,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits until the daemon's API answers (`incus admin waitready` polls
    /// `/internal/ready` the same way).
    pub fn wait_ready(&mut self, timeout: Duration) -> Result<(), String> {
        let started = Instant::now();
        let agent = super::socket::agent(self.dir.join("unix.socket"));
        while started.elapsed() < timeout {
            if let Ok(Some(status)) = self.child.try_wait() {
                let out = std::fs::read_to_string(self.dir.join("out.log")).unwrap_or_default();
                let tail: Vec<&str> = out.lines().rev().take(5).collect();
                return Err(format!(
                    "incusd of {} exited ({status}): {}",
                    self.name,
                    tail.join(" | ")
                ));
            }
            if let Ok(mut r) = agent.get("http://incus/internal/ready").call()
                && r.status().as_u16() == 200
            {
                let _ = r.body_mut().read_to_string();
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Err(format!(
            "incusd of {} not ready after {} s",
            self.name,
            timeout.as_secs()
        ))
    }

    /// SIGKILL, and reap.
    pub fn kill(&mut self) {
        kill_pid(self.child.id());
        let _ = self.child.wait();
    }

    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on a pid we started and have not reaped.
        unsafe { libc::kill(self.child.id() as i32, signal) };
    }
}

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
