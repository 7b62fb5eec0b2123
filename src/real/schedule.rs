//! One try on real time: the scenario's joins and admins run as threads
//! (one per joiner, one per admin), each starting at its start time plus
//! seeded jitter in milliseconds, or, for an admin with a trigger, the
//! moment its poll (about once a millisecond) sees the cluster reach the
//! state; the main thread plays the faults (a crash is SIGKILL and a restart
//! on the same directory, a pause is SIGSTOP then SIGCONT, a partition is
//! an `nft` table in the namespace)
//! and keeps the deadline. Only the main thread starts daemons: their
//! `PR_SET_PDEATHSIG` follows the thread that forked them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::api::Api;
use super::cluster::Cluster;
use super::daemon::Daemon;
use super::network;
use super::record::Record;
use super::requests::{self, AdminRequests};
use super::trigger::Trigger;
use crate::model::admin::AdminPlan;
use crate::model::names::Names;
use crate::model::{JoinerPlan, Role};
use crate::scenario::Scenario;
use crate::sim::NodeId;

/// How long the joins of a try may take before `join-liveness` says they
/// hang (a real join takes about a second).
pub const JOIN_DEADLINE: Duration = Duration::from_secs(60);

/// How one join ended: the text the `incus` client prints on failure.
#[derive(Clone, Debug, serde::Serialize)]
pub struct JoinEnd {
    pub joiner: String,
    /// `None`: still running at the deadline.
    pub result: Option<Result<(), String>>,
    /// The last attempt's `incus cluster add` (a retry's new token) was
    /// refused, so it ran no join operation.
    pub token_refused: bool,
    pub ended_ms: f64,
}

/// One admin command's outcome.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CommandEnd {
    pub admin: String,
    pub command: String,
    pub result: Result<(), String>,
    pub sent_ms: f64,
    pub ended_ms: f64,
}

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Played {
    pub joins: Vec<JoinEnd>,
    pub commands: Vec<CommandEnd>,
    /// What the main thread did (crashes, restarts, partitions), with times.
    pub faults: Vec<String>,
}

/// What a joiner's thread needs, prepared before it starts.
struct JoinerRun {
    plan: JoinerPlan,
    name: String,
    api: Api,
    first_token: String,
    request: requests::Rest,
    issuer: Api,
    start_ms: u64,
    started: Arc<AtomicBool>,
    ended: Arc<AtomicBool>,
}

/// What an admin's thread needs.
struct AdminRun {
    name: String,
    plan: AdminPlan,
    api: Api,
    start_ms: u64,
    pauses: Vec<u64>,
    trigger: Option<Trigger>,
    members: Vec<String>,
    bridges: network::Bridges,
}

/// A fault the main thread plays, at its time.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Fault {
    Crash(usize),
    Restart(usize),
    /// SIGSTOP: the daemon answers nothing until it is continued.
    Pause(usize),
    /// SIGCONT.
    Resume(usize),
    Cut(usize, Vec<usize>),
    Heal(usize),
}

/// Plays the scenario's schedule on a formed cluster; `seed` draws the
/// jitters and pauses (in ms).
pub fn play(record: &Record, cluster: &mut Cluster, scenario: &Scenario, seed: u64) -> Played {
    let setup = Arc::clone(&cluster.setup);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut draw = |max: u64| if max == 0 { 0 } else { rng.random_range(0..=max) };
    let flags: Vec<(Arc<AtomicBool>, Arc<AtomicBool>)> = (0..setup.node_count()).map(|_| Default::default()).collect();
    let mut joiners = Vec::new();
    let mut admins = Vec::new();
    for (i, role) in setup.roles.iter().enumerate() {
        let node = i as NodeId;
        let name = setup.node_name(node).to_string();
        match role {
            Role::Member => {}
            Role::Joiner(plan) => joiners.push(JoinerRun {
                plan: *plan,
                api: cluster.api(node, &name),
                first_token: cluster.tokens[i].clone().unwrap_or_default(),
                request: cluster.join_request(node, plan.target, ""),
                issuer: cluster.api(plan.target, &name),
                start_ms: plan.start_tick + draw(plan.start_jitter_ticks),
                started: Arc::clone(&flags[i].0),
                ended: Arc::clone(&flags[i].1),
                name,
            }),
            Role::Admin(plan) => {
                let api = cluster.api(plan.via, &name);
                let trigger = plan.trigger.and_then(|t| {
                    let (started, ended) = &flags[usize::from(t.joiner)];
                    Trigger::new(plan, api.clone(), Arc::clone(started), Arc::clone(ended))
                });
                admins.push(AdminRun {
                    start_ms: plan.start_tick + draw(plan.start_jitter_ticks),
                    pauses: plan.commands.iter().map(|_| draw(plan.pause_ticks)).collect(),
                    plan: plan.clone(),
                    api,
                    trigger,
                    name,
                    members: cluster.member_names(),
                    bridges: cluster.bridges.clone(),
                });
            }
        }
    }
    let mut faults: Vec<(u64, Fault)> = Vec::new();
    for c in &scenario.crashes {
        let (at, node) = (c.at_tick + draw(c.jitter_ticks), usize::from(c.node));
        faults.push((at, Fault::Crash(node)));
        if let Some(after) = c.restart_after_ticks {
            faults.push((at + after, Fault::Restart(node)));
        }
    }
    for p in &scenario.pauses {
        let (at, node) = (p.at_tick + draw(p.jitter_ticks), usize::from(p.node));
        faults.push((at, Fault::Pause(node)));
        faults.push((at + p.resume_after_ticks, Fault::Resume(node)));
    }
    for p in &scenario.network.partitions {
        let side_b: Vec<usize> = p.side_b.iter().map(|&b| usize::from(b)).collect();
        for &a in &p.side_a {
            faults.push((p.from_tick, Fault::Cut(usize::from(a), side_b.clone())));
            faults.push((p.until_tick, Fault::Heal(usize::from(a))));
        }
    }
    faults.sort();
    let zero = Instant::now();
    let mut played = Played::default();
    std::thread::scope(|scope| {
        let join_threads: Vec<_> = joiners
            .into_iter()
            .map(|j| scope.spawn(move || run_joiner(j, zero)))
            .collect();
        let names = &setup.names;
        let admin_threads: Vec<_> = admins
            .into_iter()
            .map(|a| scope.spawn(move || run_admin(names, a, zero)))
            .collect();
        played.faults = play_faults(record, cluster, &faults, zero, || {
            join_threads.iter().all(|t| t.is_finished())
        });
        played.joins = join_threads.into_iter().filter_map(|t| t.join().ok()).collect();
        played.commands = admin_threads
            .into_iter()
            .filter_map(|t| t.join().ok())
            .flatten()
            .collect();
    });
    played
}

fn sleep_until(zero: Instant, ms: u64) {
    let at = zero + Duration::from_millis(ms);
    let now = Instant::now();
    if at > now {
        std::thread::sleep(at - now);
    }
}

fn ms_since(zero: Instant) -> f64 {
    zero.elapsed().as_secs_f64() * 1000.0
}

/// `incus admin init --preseed` on the joiner, once per attempt.
fn run_joiner(j: JoinerRun, zero: Instant) -> JoinEnd {
    sleep_until(zero, j.start_ms);
    let mut result = Err(String::new());
    let mut token_refused = false;
    for attempt in 1..=j.plan.attempts {
        let token = match attempt {
            1 => Ok(j.first_token.clone()),
            _ if j.plan.retry_with_new_token => {
                let rest = requests::join_token(&j.name);
                j.issuer
                    .submit(rest.method, &rest.path, rest.body.as_ref())
                    .and_then(|a| match a.error() {
                        None => Ok(requests::token_text(&a.metadata()["metadata"])),
                        Some(e) => Err(e),
                    })
            }
            _ => Ok(j.first_token.clone()),
        };
        // A refused `incus cluster add` is its own command's error, printed
        // as is; there is no token to join with.
        token_refused = token.is_err();
        let token = match token {
            Ok(token) => token,
            Err(e) => {
                result = Err(e);
                if attempt == j.plan.attempts {
                    break;
                }
                std::thread::sleep(Duration::from_millis(j.plan.retry_after_ticks));
                continue;
            }
        };
        let mut body = j.request.body.clone().unwrap_or_default();
        body["cluster_token"] = serde_json::Value::from(token);
        j.started.store(true, Ordering::SeqCst);
        let answer = j.api.call(j.request.method, &j.request.path, Some(&body), None);
        result = match answer.map(|a| a.error()) {
            Ok(None) => Ok(()),
            // admin_init.go:213-220 at v6.0.4: the client's own prefix.
            Ok(Some(e)) => Err(format!("Failed to join cluster: {e}")),
            Err(e) => Err(e),
        };
        if result.is_ok() || attempt == j.plan.attempts {
            break;
        }
        std::thread::sleep(Duration::from_millis(j.plan.retry_after_ticks));
    }
    j.ended.store(true, Ordering::SeqCst);
    JoinEnd {
        joiner: j.name,
        result: Some(result),
        token_refused,
        ended_ms: ms_since(zero),
    }
}

fn run_admin(names: &Names, a: AdminRun, zero: Instant) -> Vec<CommandEnd> {
    sleep_until(zero, a.start_ms);
    if let Some(t) = &a.trigger
        && !t.wait(zero + JOIN_DEADLINE)
    {
        return Vec::new();
    }
    let mut ends = Vec::new();
    for (command, pause) in a.plan.commands.iter().zip(&a.pauses) {
        let sent_ms = ms_since(zero);
        let result = run_command(&a.api, &requests::admin(command, names, &a.members, &a.bridges));
        ends.push(CommandEnd {
            admin: a.name.clone(),
            command: command.name().to_string(),
            result,
            sent_ms,
            ended_ms: ms_since(zero),
        });
        std::thread::sleep(Duration::from_millis(*pause));
    }
    ends
}

fn run_command(api: &Api, requests: &AdminRequests) -> Result<(), String> {
    let fail = |a: super::api::Answer| a.error().map_or(Ok(()), Err);
    match requests {
        AdminRequests::One(rest) => fail(api.call(rest.method, &rest.path, rest.body.as_ref(), None)?),
        AdminRequests::Submit(rest) => fail(api.submit(rest.method, &rest.path, rest.body.as_ref())?),
        AdminRequests::Sequence(all) => {
            for rest in all {
                fail(api.call(rest.method, &rest.path, rest.body.as_ref(), None)?)?;
            }
            Ok(())
        }
        AdminRequests::GetThenPut { get, edit } => {
            let read = api.call(get.method, &get.path, None, None)?;
            if let Some(e) = read.error() {
                return Err(e);
            }
            let body = edit.apply(read.metadata())?;
            fail(api.call("PUT", &get.path, Some(&body), read.etag.as_deref())?)
        }
    }
}

/// The main thread's part: the faults at their times, until the joins end
/// (and every fault was played) or the deadline passes. Returns what it did.
fn play_faults(
    record: &Record,
    cluster: &mut Cluster,
    faults: &[(u64, Fault)],
    zero: Instant,
    joins_done: impl Fn() -> bool,
) -> Vec<String> {
    let mut done = Vec::new();
    let mut next = 0;
    while zero.elapsed() < JOIN_DEADLINE && !(joins_done() && next == faults.len()) {
        while next < faults.len() && zero.elapsed() >= Duration::from_millis(faults[next].0) {
            let outcome = fault(record, cluster, &faults[next].1);
            done.push(format!("{:.1} ms: {outcome}", ms_since(zero)));
            next += 1;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    done
}

fn fault(record: &Record, cluster: &mut Cluster, fault: &Fault) -> String {
    let setup = Arc::clone(&cluster.setup);
    let name = |node: usize| setup.node_name(node as NodeId).to_string();
    let result = match fault {
        Fault::Crash(node) => {
            cluster.daemon(*node as NodeId).kill();
            Ok(format!("SIGKILL {}", name(*node)))
        }
        Fault::Restart(node) => {
            let n = name(*node);
            let d = cluster.daemon(*node as NodeId);
            let (dir, ns) = (d.dir.clone(), d.namespace.clone());
            Daemon::start(record, &n, &dir, &ns).and_then(|mut fresh| {
                let ready = fresh.wait_ready(Duration::from_secs(30));
                *cluster.daemon(*node as NodeId) = fresh;
                ready.map(|_| format!("restarted {n}"))
            })
        }
        Fault::Pause(node) => {
            cluster.daemon(*node as NodeId).signal(libc::SIGSTOP);
            Ok(format!("SIGSTOP {}", name(*node)))
        }
        Fault::Resume(node) => {
            cluster.daemon(*node as NodeId).signal(libc::SIGCONT);
            Ok(format!("SIGCONT {}", name(*node)))
        }
        Fault::Cut(node, peers) => {
            network::partition(*node, peers).map(|_| format!("cut {} from {peers:?}", name(*node)))
        }
        Fault::Heal(node) => network::heal(*node).map(|_| format!("healed {}", name(*node))),
    };
    result.unwrap_or_else(|e| format!("fault failed: {e}"))
}
