//! One `incusd` per member and joiner: its own `INCUS_DIR`, run inside its
//! node's network namespace (`ip netns exec`, which execs in place, so the
//! pid is the daemon's), dying with joinsim (`PR_SET_PDEATHSIG`), killed,
//! stopped and continued by pid.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::process::kill_pid;
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
