//! The record of everything a run started on this host: one line per thing,
//! appended (and flushed) before the thing exists, in `ROOT/record`. Whatever
//! ends the run (its end, an error, a panic, Ctrl-C, or a SIGKILL of joinsim,
//! which the next run cleans up after), teardown reads the record and
//! removes exactly those things: processes by pid (and the daemons' own
//! children, found by the run's directory on their command line), mounts
//! under the run's directory, namespaces, veths, the bridge.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// Where every run keeps its directory, its record and the lock that makes
/// runs take turns (they share the bridge's name and the /24).
pub fn base() -> PathBuf {
    std::env::var_os("JOINSIM_REAL_ROOT").map_or_else(|| PathBuf::from("/tmp/joinsim-real"), PathBuf::from)
}

/// One thing a run started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Started {
    /// An `incusd`, with its `INCUS_DIR`.
    Daemon {
        pid: u32,
        dir: PathBuf,
    },
    Namespace(String),
    /// The host side of a veth pair (deleting it deletes its peer).
    Veth(String),
    Bridge(String),
}

impl Started {
    fn line(&self) -> String {
        match self {
            Started::Daemon { pid, dir } => format!("daemon {pid} {}", dir.display()),
            Started::Namespace(name) => format!("netns {name}"),
            Started::Veth(name) => format!("veth {name}"),
            Started::Bridge(name) => format!("bridge {name}"),
        }
    }

    fn parse(line: &str) -> Option<Started> {
        let (kind, rest) = line.split_once(' ')?;
        match kind {
            "daemon" => {
                let (pid, dir) = rest.split_once(' ')?;
                Some(Started::Daemon {
                    pid: pid.parse().ok()?,
                    dir: PathBuf::from(dir),
                })
            }
            "netns" => Some(Started::Namespace(rest.to_string())),
            "veth" => Some(Started::Veth(rest.to_string())),
            "bridge" => Some(Started::Bridge(rest.to_string())),
            _ => None,
        }
    }
}

/// A run's directory and its record, held under the runs' lock.
pub struct Record {
    pub root: PathBuf,
    file: Mutex<File>,
    /// Held for the run's life: `flock` ends with the process, whatever kills it.
    _lock: File,
}

/// The directory of the run in progress, for a Ctrl-C handler; the lock
/// serialises teardown between it and the main thread.
static CURRENT: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Set by Ctrl-C: nothing new may start while teardown runs.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Ctrl-C: tears down the run in progress (if any) and ends the process
/// with the shell's code for an interrupt.
pub fn interrupt() -> ! {
    INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
    let current = CURRENT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(root) = current.as_ref() {
        teardown_root(root);
    }
    eprintln!("joinsim real: interrupted; everything the run started was removed");
    std::process::exit(130)
}

impl Record {
    /// Takes the runs' lock (waiting for another run to end), cleans up what
    /// an earlier run left, and starts an empty record in a fresh directory.
    pub fn open() -> Result<Record, String> {
        let base = base();
        std::fs::create_dir_all(&base).map_err(|e| format!("{}: {e}", base.display()))?;
        let lock = File::create(base.join("lock")).map_err(|e| format!("{}/lock: {e}", base.display()))?;
        // SAFETY: flock on a file descriptor we own.
        if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(format!("{}/lock: {}", base.display(), std::io::Error::last_os_error()));
        }
        cleanup_leftovers_locked(&base);
        let root = base.join("run");
        std::fs::create_dir_all(&root).map_err(|e| format!("{}: {e}", root.display()))?;
        // incusd's socket and directories must be reachable by its forks.
        set_mode(&base, 0o711);
        set_mode(&root, 0o711);
        let file = File::create(root.join("record")).map_err(|e| format!("{}/record: {e}", root.display()))?;
        *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) = Some(root.clone());
        Ok(Record {
            root,
            file: Mutex::new(file),
            _lock: lock,
        })
    }

    /// Notes a thing before starting it (so a kill between the two leaves a
    /// line for a thing that may not exist, never a thing without a line).
    pub fn note(&self, started: &Started) {
        while INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
            // The handler is tearing down and will end the process.
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(file, "{}", started.line());
        let _ = file.sync_data();
    }

    /// Removes everything in the record, and the run's directory.
    pub fn teardown(&self) {
        let mut current = CURRENT.lock().unwrap_or_else(|e| e.into_inner());
        teardown_root(&self.root);
        *current = None;
    }
}

impl Drop for Record {
    /// The guard: a run that ends by an error or a panic still tears down.
    fn drop(&mut self) {
        self.teardown();
    }
}

/// `joinsim real --cleanup`: waits for the lock, then removes what any
/// earlier run left.
pub fn cleanup() -> Result<usize, String> {
    let base = base();
    if !base.exists() {
        return Ok(0);
    }
    let lock = File::create(base.join("lock")).map_err(|e| format!("{}/lock: {e}", base.display()))?;
    // SAFETY: flock on a file descriptor we own.
    unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) };
    Ok(cleanup_leftovers_locked(&base))
}

/// Tears down the record of an earlier run under `base`, if any: how many
/// things it listed.
fn cleanup_leftovers_locked(base: &Path) -> usize {
    let root = base.join("run");
    let count = read_record(&root).len();
    if root.exists() {
        teardown_root(&root);
    }
    count
}

fn read_record(root: &Path) -> Vec<Started> {
    let Ok(file) = File::open(root.join("record")) else {
        return Vec::new();
    };
    BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| Started::parse(&l))
        .collect()
}

fn teardown_root(root: &Path) {
    let started = read_record(root);
    for s in &started {
        if let Started::Daemon { pid, dir } = s {
            super::process::kill_if_ours(*pid, dir);
        }
    }
    // The daemons' children (dnsmasq, forkfile, ...) name the run's
    // directory on their command line; incusd itself names it in its
    // environment. Both checked per pid, so nothing else is touched.
    for pid in super::process::processes_under(root) {
        super::process::kill_pid(pid);
    }
    unmount_under(root);
    for s in started.iter().rev() {
        match s {
            Started::Daemon { .. } => {}
            Started::Namespace(name) => quiet(&["ip", "netns", "delete", name]),
            Started::Veth(name) => quiet(&["ip", "link", "delete", name]),
            Started::Bridge(name) => quiet(&["ip", "link", "delete", name]),
        }
    }
    let _ = std::fs::remove_dir_all(root);
}

/// `umount -l` every mount at or under `root`, deepest first.
fn unmount_under(root: &Path) {
    let mut mounts = mounts_under(root);
    mounts.sort_by_key(|m| std::cmp::Reverse(m.len()));
    for m in mounts {
        quiet(&["umount", "-l", &m]);
    }
}

pub fn mounts_under(root: &Path) -> Vec<String> {
    let prefix = root.to_string_lossy().to_string();
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    text.lines()
        .filter_map(|l| l.split(' ').nth(4))
        .filter(|m| *m == prefix || m.starts_with(&format!("{prefix}/")))
        .map(str::to_string)
        .collect()
}

/// Runs a command whose failure is expected when the thing is already gone.
pub fn quiet(argv: &[&str]) {
    let _ = Command::new(argv[0])
        .args(&argv[1..])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_line_reads_back_as_what_was_written() {
        let all = [
            Started::Daemon {
                pid: 42,
                dir: PathBuf::from("/tmp/joinsim-real/run/m 1"),
            },
            Started::Namespace("jsim-0".into()),
            Started::Veth("jsim0".into()),
            Started::Bridge("jsimbr".into()),
        ];
        for s in all {
            assert_eq!(Started::parse(&s.line()), Some(s));
        }
        assert_eq!(Started::parse("nonsense"), None);
    }
}
