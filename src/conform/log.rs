//! The daemons' `--debug` logs (`INCUS_DIR/incus.log`): the step a join
//! failed at, and the requests a join makes, as the real program shows
//! them; and the same requests from the model's nominal trace.

use serde::Serialize;

use crate::model::World;
use crate::model::names::Names;
use crate::real::cluster::Cluster;
use crate::sim::TraceEvent;

/// One daemon's log, read before teardown.
pub struct DaemonLog {
    pub node: String,
    pub text: String,
}

/// A join's request as one side shows it: the step and the endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepSeen {
    pub joiner: String,
    pub step: String,
    pub endpoint: String,
}

pub fn read_all(cluster: &Cluster) -> Vec<DaemonLog> {
    cluster
        .daemons
        .iter()
        .flatten()
        .map(|d| DaemonLog {
            node: d.name.clone(),
            text: std::fs::read_to_string(d.dir.join("incus.log")).unwrap_or_default(),
        })
        .collect()
}

/// The joiner's join requests and the markers its `--debug` log writes,
/// from the join operation's start to its end, as `(step code, what)`:
/// each `Sending request to Incus` and `Sending heartbeat request` line
/// (the client's debug lines, client/incus.go at v6.0.4) and the lines
/// `cluster.Join` logs between its sub-steps (membership.go at v6.0.4).
struct Event {
    code: &'static str,
    /// `METHOD /path -> node`, or the marker's text.
    what: String,
    /// A request to another daemon (compared with the model's).
    remote: bool,
}

/// The steps each remote endpoint serves in `clusterPutJoin`
/// (cmd/incusd/api_cluster.go at v6.0.4): the client call each step makes.
const ENDPOINTS: [(&str, &str, &str); 11] = [
    ("J1", "POST", "/1.0/certificates"),
    ("J2", "GET", "/1.0/certificates/FINGERPRINT"),
    ("J2", "PUT", "/1.0/certificates/FINGERPRINT"),
    ("J3", "GET", "/1.0/cluster/members"),
    ("J5", "GET", "/1.0/storage-pools"),
    ("J5", "GET", "/1.0/projects"),
    ("J5", "GET", "/1.0/networks"),
    ("J7", "POST", "/internal/cluster/accept"),
    ("J8", "GET", "/1.0/certificates"),
    ("J9", "PUT", "/internal/database"),
    ("J13", "POST", "/internal/cluster/rebalance"),
];

/// The lines `cluster.Join` (membership.go at v6.0.4) and the steps
/// around it log, each the start of a step with no request of its own.
const MARKERS: [(&str, &str); 6] = [
    ("Adding certificate ", "J8"),
    ("Acquiring exclusive lock on cluster db", "J9"),
    ("Adding node to cluster", "J9"),
    ("Migrate local data to cluster database", "J9"),
    ("Notifying cluster members of local role change", "J9"),
    ("Starting networks after cluster join", "J12"),
];

/// `key="value"` or `key=value` of a logfmt line.
fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let at = line.find(&format!(" {key}="))? + key.len() + 2;
    let rest = &line[at..];
    match rest.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next(),
        None => rest.split_whitespace().next(),
    }
}

/// `/1.0/networks?project=default&recursion=1` as the table names it:
/// the query's `recursion` dropped, a fingerprint masked.
fn endpoint_path(path: &str) -> String {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let query: Vec<&str> = query
        .split('&')
        .filter(|q| !q.is_empty() && !q.starts_with("recursion="))
        .collect();
    let path = super::mask::mask(path);
    match query.is_empty() {
        true => path,
        false => format!("{path}?{}", query.join("&")),
    }
}

fn code_of(method: &str, path: &str) -> &'static str {
    let bare = path.split('?').next().unwrap_or(path);
    ENDPOINTS
        .iter()
        .find(|(_, m, p)| *m == method && *p == bare)
        .map_or("-", |(c, _, _)| c)
}

/// Each join operation of one joiner's log (one per attempt): its events,
/// and whether it ended and how (`Success`/`Failure for operation`,
/// description "Joining cluster").
fn join_events(log: &DaemonLog, node_of: &dyn Fn(&str) -> String) -> Vec<(Vec<Event>, Option<bool>)> {
    let mut attempts = Vec::new();
    let mut events = Vec::new();
    let mut inside = false;
    for line in log.text.lines() {
        let msg = field(line, "msg").unwrap_or_default();
        if msg == "Running cluster join operation" {
            inside = true;
            continue;
        }
        if !inside {
            continue;
        }
        if field(line, "description") == Some("Joining cluster") {
            let ended = match msg {
                "Success for operation" => Some(true),
                "Failure for operation" => Some(false),
                _ => None,
            };
            if ended.is_some() {
                attempts.push((std::mem::take(&mut events), ended));
                inside = false;
                continue;
            }
        }
        if msg == "Sending request to Incus" {
            let (method, url) = (field(line, "method").unwrap_or("?"), field(line, "url").unwrap_or(""));
            let Some(rest) = url.strip_prefix("https://") else {
                // The joiner's own daemon (`http://unix.socket`): J5's
                // ApplyServerPreseed.
                let path = url.trim_start_matches("http://unix.socket");
                events.push(Event {
                    code: "J5",
                    what: format!("{method} {} (local)", endpoint_path(path)),
                    remote: false,
                });
                continue;
            };
            let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
            let path = format!("/{path}");
            let what = format!("{method} {} -> {}", endpoint_path(&path), node_of(host));
            // `incus.ConnectIncus` reads the server's `GET /1.0` on every
            // connection: not a step.
            let code = if path == "/1.0" {
                "connect"
            } else {
                code_of(method, &endpoint_path(&path))
            };
            events.push(Event {
                code,
                what,
                remote: true,
            });
        } else if msg == "Sending heartbeat request" {
            let to = field(line, "address").map(node_of).unwrap_or_default();
            events.push(Event {
                code: "J9",
                what: format!("PUT /internal/database -> {to}"),
                remote: true,
            });
        } else if let Some((_, code)) = MARKERS.iter().find(|(m, _)| msg.starts_with(m)) {
            events.push(Event {
                code,
                what: msg.to_string(),
                remote: false,
            });
        }
    }
    if inside {
        attempts.push((events, None));
    }
    attempts
}

/// The step the join failed at, as the joiner's log shows it: the step of
/// the last request or marker before the last join operation's failure.
pub fn failing_step(log: &DaemonLog, node_of: &dyn Fn(&str) -> String) -> Option<String> {
    let (events, ended) = join_events(log, node_of).pop()?;
    if ended != Some(false) {
        return None;
    }
    let last = events.iter().rev().find(|e| e.code != "connect");
    Some(last.map_or("J1", |e| e.code).to_string())
}

/// The joiners' remote requests during their joins, in order.
pub fn real_steps(logs: &[DaemonLog], joiners: &[String], node_of: &dyn Fn(&str) -> String) -> Vec<StepSeen> {
    let mut seen = Vec::new();
    for log in logs.iter().filter(|l| joiners.contains(&l.node)) {
        let events = join_events(log, node_of).into_iter().flat_map(|(events, _)| events);
        seen.extend(events.filter(|e| e.remote && e.code != "connect").map(|e| StepSeen {
            joiner: log.node.clone(),
            step: e.code.to_string(),
            endpoint: e.what,
        }));
    }
    seen
}

/// The endpoint of a model call, by the name its trace label starts with
/// (the same client calls as [`ENDPOINTS`]).
fn model_endpoint(label: &str) -> Option<String> {
    let fixed = [
        ("SetupTrust", "POST /1.0/certificates"),
        ("UpdateTrust", "GET /1.0/certificates/FINGERPRINT"),
        ("GetClusterMembers", "GET /1.0/cluster/members"),
        ("GetCertificates", "GET /1.0/certificates"),
        ("GetStoragePools", "GET /1.0/storage-pools"),
        ("GetProjects", "GET /1.0/projects"),
        ("GetClusterGroups", "GET /1.0/cluster/groups"),
        ("POST /internal/cluster/accept", "POST /internal/cluster/accept"),
        ("PUT /internal/database", "PUT /internal/database"),
        ("POST /internal/cluster/rebalance", "POST /internal/cluster/rebalance"),
    ];
    if let Some(project) = label.strip_prefix("GetNetworks(project ") {
        return Some(format!("GET /1.0/networks?project={}", project.trim_end_matches(')')));
    }
    fixed
        .iter()
        .find(|(p, _)| label.starts_with(p))
        .map(|(_, e)| e.to_string())
}

/// The joiners' requests to members in the model's trace, in order. A
/// request a member answers with a redirect to the leader
/// (`response.SyncResponseRedirect`, api_cluster.go:2185 and :2270 at
/// v6.0.4) is followed by Go's HTTP client inside the same call, so the
/// joiner's log shows it once, to the member it sent it to: the model's
/// second request, to the leader, is left out.
pub fn model_steps(names: &Names, events: &[TraceEvent<World>], joiners: &[String]) -> Vec<StepSeen> {
    let rows = crate::trace::rows::rows(names, events, &[]);
    let redirected: Vec<String> = rows
        .iter()
        .filter_map(|row| {
            let rest = row.text.split(" response #").nth(1)?;
            let (id, answer) = rest.split_once(' ')?;
            answer.starts_with("redirect").then(|| format!("{}#{id}", row.node))
        })
        .collect();
    let mut follows_redirect = false;
    rows.iter()
        .filter_map(|row| {
            let crate::trace::rows::RowKind::Message { from, to, label, .. } = &row.kind else {
                return None;
            };
            let id = row.text.split(" request #").nth(1)?.split(' ').next()?;
            if !joiners.contains(from) {
                return None;
            }
            if std::mem::take(&mut follows_redirect) {
                return None;
            }
            follows_redirect = redirected.contains(&format!("{from}#{id}"));
            // J1's `GET /1.0` (`incus.ConnectIncus`) is left out, as the
            // real joiner's connection reads are; and J0's `incus cluster
            // add`, which the operator's client sends to the issuing member,
            // not the joiner's daemon (its log does not show it).
            if label == "GET /1.0" || label.starts_with("cluster add") {
                return None;
            }
            let endpoint = model_endpoint(label).unwrap_or_else(|| label.clone());
            Some(StepSeen {
                joiner: from.clone(),
                step: row.step.split_whitespace().next().unwrap_or_default().to_string(),
                endpoint: format!("{endpoint} -> {to}"),
            })
        })
        .collect()
}
/// Requests the real joiner's log shows inside the join operation that are
/// no step of it, left out of the comparison: the members' `/1.0/resources`
/// reads of the joiner's cluster-status refresh, which starts once J9 made
/// it a member and falls inside the operation or after it, as timing
/// decides (so it cannot be a row of a document checked to be current).
const NOT_JOIN_STEPS: [&str; 1] = ["GET /1.0/resources"];

/// `METHOD /path` of `METHOD /path -> node`.
fn method_path(endpoint: &str) -> &str {
    endpoint.split(" -> ").next().unwrap_or(endpoint)
}

/// The steps in order; a run of requests to the same endpoint (the
/// heartbeats J9 sends to every member at once) in node order, since
/// they go out concurrently.
fn ordered(steps: &[&StepSeen]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut run: Vec<String> = Vec::new();
    let mut last = String::new();
    for s in steps {
        let line = format!("{} {} {}", s.joiner, s.step, s.endpoint);
        if method_path(&s.endpoint) != last {
            run.sort();
            out.append(&mut run);
            last = method_path(&s.endpoint).to_string();
        }
        run.push(line);
    }
    run.sort();
    out.append(&mut run);
    out
}

/// Item 4: the model's requests against the real joiner's, same steps,
/// order and endpoints.
pub fn compare(real: &[StepSeen], model: &[StepSeen]) -> Vec<super::Item> {
    let join_step = |s: &&StepSeen| !NOT_JOIN_STEPS.contains(&method_path(&s.endpoint));
    let shared: Vec<&StepSeen> = real.iter().filter(join_step).collect();
    let (r, m) = (ordered(&shared), ordered(&model.iter().collect::<Vec<_>>()));
    vec![super::Item {
        what: "join steps: requests, in order".into(),
        equal: r == m,
        real: r.join("; "),
        model: m.join("; "),
    }]
}
