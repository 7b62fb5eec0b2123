//! When each join step ran on the real cluster, beside when the model ran
//! it. Incus's `--debug` log stamps its lines to the second only, so a
//! follower thread reads each joiner's `incus.log` as it grows (about once
//! a millisecond) and stamps every new line with the try's clock. Which
//! line is which step is `conform::log`'s to say (`real_steps`, the
//! requests a join sends, each with its step): the follower pairs them, in
//! order, with the same lines it stamped.

use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::cluster::Cluster;
use crate::conform::log::{self, DaemonLog};
use crate::model::World;
use crate::sim::TraceEvent;

/// The first time a join step showed, on the real cluster and in the model.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct StepTime {
    pub joiner: String,
    /// `J1`, `J5`, ... as the trace names steps.
    pub step: String,
    /// The step's first request (`METHOD /path -> node`).
    pub endpoint: String,
    /// Milliseconds since the try's joins and admins started.
    pub real_ms: f64,
    /// The tick (a millisecond) at which the model's run of the same seed
    /// entered the step, when it did.
    pub model_tick: Option<u64>,
}

/// A joiner's log lines, each with the time it was first read.
struct Stamped {
    joiner: String,
    path: PathBuf,
    offset: u64,
    partial: String,
    lines: Vec<(f64, String)>,
}

impl Stamped {
    /// Reads what was appended since the last call; a log that shrank (a
    /// restarted daemon that truncated it) is read again from its start.
    fn read_new(&mut self, now_ms: f64) {
        let Ok(mut file) = std::fs::File::open(&self.path) else {
            return;
        };
        let len = file.metadata().map_or(0, |m| m.len());
        if len < self.offset {
            self.offset = 0;
        }
        let mut text = String::new();
        if file.seek(SeekFrom::Start(self.offset)).is_err() || file.read_to_string(&mut text).is_err() {
            return;
        }
        self.offset += text.len() as u64;
        self.partial.push_str(&text);
        while let Some(end) = self.partial.find('\n') {
            let line: String = self.partial.drain(..=end).collect();
            self.lines.push((now_ms, line.trim_end().to_string()));
        }
    }
}

/// The follower thread of one try.
pub struct Follower {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Vec<Stamped>>,
}

impl Follower {
    /// Starts following the joiners' logs of `cluster`; `zero` is the
    /// instant the try's play starts.
    pub fn start(cluster: &Cluster, zero: Instant) -> Follower {
        let setup = &cluster.setup;
        let mut logs: Vec<Stamped> = setup
            .joiners()
            .filter_map(|j| cluster.daemons[usize::from(j)].as_ref())
            .map(|d| Stamped {
                joiner: d.name.clone(),
                path: d.dir.join("incus.log"),
                offset: 0,
                partial: String::new(),
                lines: Vec::new(),
            })
            .collect();
        // What the daemons logged before the play is no step of it.
        for log in &mut logs {
            log.read_new(0.0);
            log.lines.clear();
        }
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            loop {
                let done = flag.load(Ordering::SeqCst);
                let now_ms = zero.elapsed().as_secs_f64() * 1000.0;
                for log in &mut logs {
                    log.read_new(now_ms);
                }
                if done {
                    return logs;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        Follower { stop, thread }
    }

    /// Stops following (after one last read) and returns each joiner's
    /// steps, in order, with their real times.
    pub fn finish(self, node_of: &dyn Fn(&str) -> String) -> Vec<StepTime> {
        self.stop.store(true, Ordering::SeqCst);
        let logs = self.thread.join().unwrap_or_default();
        logs.iter().flat_map(|l| first_times(l, node_of)).collect()
    }
}

/// Whether `line` is one `log::real_steps` reports: a request the join
/// sends to another daemon (not the `GET /1.0` of a connection), or a
/// heartbeat.
fn is_step_request(line: &str) -> bool {
    if line.contains("msg=\"Sending heartbeat request\"") {
        return true;
    }
    let Some(url) = line.split(" url=\"https://").nth(1) else {
        return false;
    };
    let path = url.split('"').next().unwrap_or("");
    line.contains("msg=\"Sending request to Incus\"") && path.split_once('/').is_some_and(|(_, p)| p != "1.0")
}

/// Inside a join operation: from `Running cluster join operation` to its
/// `Success`/`Failure for operation` (description "Joining cluster").
fn join_lines(lines: &[(f64, String)]) -> Vec<&(f64, String)> {
    let mut inside = false;
    let mut out = Vec::new();
    for stamped in lines {
        let line = &stamped.1;
        if line.contains("msg=\"Running cluster join operation\"") {
            inside = true;
        } else if inside && line.contains("description=\"Joining cluster\"") && line.contains(" for operation\"") {
            inside = false;
        } else if inside {
            out.push(stamped);
        }
    }
    out
}

/// Each step's first request and when it was read.
fn first_times(stamped: &Stamped, node_of: &dyn Fn(&str) -> String) -> Vec<StepTime> {
    let text: Vec<&str> = stamped.lines.iter().map(|(_, l)| l.as_str()).collect();
    let daemon_log = DaemonLog {
        node: stamped.joiner.clone(),
        text: text.join("\n"),
    };
    let steps = log::real_steps(
        std::slice::from_ref(&daemon_log),
        std::slice::from_ref(&stamped.joiner),
        node_of,
    );
    let times: Vec<f64> = join_lines(&stamped.lines)
        .into_iter()
        .filter(|(_, line)| is_step_request(line))
        .map(|(ms, _)| *ms)
        .collect();
    if times.len() != steps.len() {
        // Not the same lines: no times rather than wrong ones.
        return Vec::new();
    }
    let mut out: Vec<StepTime> = Vec::new();
    for (seen, ms) in steps.into_iter().zip(times) {
        if out.iter().any(|s| s.step == seen.step) {
            continue;
        }
        out.push(StepTime {
            joiner: seen.joiner,
            step: seen.step,
            endpoint: seen.endpoint,
            real_ms: ms,
            model_tick: None,
        });
    }
    out
}

/// Fills in each step's tick in the model's trace `events` (the run of the
/// same scenario and seed under the compared variant): the first request
/// the joiner sends in that step, as on the real side (a transaction, such
/// as J9's raft `Add`, travels over dqlite, which the real log does not
/// show as a request; a step with no request, such as the model's J8, has
/// no tick).
pub fn beside_model(steps: &mut [StepTime], names: &crate::model::names::Names, events: &[TraceEvent<World>]) {
    let rows = crate::trace::rows::rows(names, events, &[]);
    for step in steps {
        step.model_tick = rows
            .iter()
            .find(|r| {
                r.node == step.joiner
                    && r.text.starts_with("=> request ")
                    && r.step.split_whitespace().next() == Some(step.step.as_str())
            })
            .map(|r| r.tick);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(msg: &str, rest: &str) -> String {
        format!("time=\"2026-12-07T08:00:00Z\" level=debug msg=\"{msg}\"{rest}")
    }

    #[test]
    fn each_step_gets_the_time_its_first_request_was_read() {
        let request = |method: &str, url: &str| {
            line(
                "Sending request to Incus",
                &format!(" etag= method={method} url=\"{url}\""),
            )
        };
        let lines = vec![
            (1.0, line("Handling API request", " url=/1.0/cluster")),
            (2.0, line("Running cluster join operation", "")),
            (3.0, request("GET", "https://10.213.7.11:8443/1.0")),
            (4.0, request("POST", "https://10.213.7.11:8443/1.0/certificates")),
            (
                9.0,
                request("GET", "https://10.213.7.11:8443/1.0/cluster/members?recursion=1"),
            ),
            (
                11.0,
                request("GET", "https://10.213.7.11:8443/1.0/storage-pools?recursion=1"),
            ),
            (
                12.0,
                request("GET", "https://10.213.7.11:8443/1.0/projects?recursion=1"),
            ),
            (20.0, line("Sending heartbeat request", " address=\"10.213.7.10:8443\"")),
            (
                30.0,
                line("Success for operation", " class=task description=\"Joining cluster\""),
            ),
            (31.0, request("GET", "https://10.213.7.11:8443/1.0/resources")),
        ];
        let stamped = Stamped {
            joiner: "j1".into(),
            path: PathBuf::new(),
            offset: 0,
            partial: String::new(),
            lines,
        };
        let node_of = |address: &str| {
            if address.starts_with("10.213.7.11") {
                "m2".to_string()
            } else {
                "m1".to_string()
            }
        };
        let steps = first_times(&stamped, &node_of);
        let seen: Vec<(&str, f64)> = steps.iter().map(|s| (s.step.as_str(), s.real_ms)).collect();
        assert_eq!(seen, vec![("J1", 4.0), ("J3", 9.0), ("J5", 11.0), ("J9", 20.0)]);
        assert_eq!(steps[3].endpoint, "PUT /internal/database -> m1");
    }
}
