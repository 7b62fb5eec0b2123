//! The story of a run, shared by every trace format: one [`Row`] per trace
//! event (and per violation), each knowing its virtual time, its node, the
//! Incus step it belongs to and what happened.
//!
//! The step column is worked out from the trace alone: a joiner's lines
//! belong to the step it last entered, an admin's to the command it runs,
//! and a member's (or the leader's) lines to the step of the client whose
//! request they serve. Members number their handlers in the order requests
//! arrive (and start again after a crash), which the trace shows, so a
//! transaction can be traced back to the request that caused it.

use std::collections::BTreeMap;

use super::describe;
use crate::check::Violation;
use crate::model::World;
use crate::model::joiner::JoinStatus;
use crate::model::message::{Msg, Timer};
use crate::model::names::Names;
use crate::model::note::Note;
use crate::model::step::Step;
use crate::sim::{Loss, NodeId, TraceEvent};

/// What became of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    Delivered,
    Lost(Loss),
    /// The network sent a second copy (drawn at send time).
    Duplicated,
}

/// What kind of line a row is, with what a diagram needs to draw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowKind {
    /// A message; `node` is the receiver.
    Message {
        sent_tick: u64,
        from: String,
        to: String,
        /// A short label for an arrow.
        label: String,
        fate: Fate,
    },
    /// A joiner enters a step.
    Step,
    /// A validation of config naming cluster groups; `passed` as Incus saw it.
    Validation {
        passed: bool,
    },
    /// The join failed, or ended.
    JoinEnd {
        failed: bool,
    },
    /// A commit on the leader, an admin command, a warning.
    Note,
    /// A timer fired (a join starts, an admin acts, a request timed out).
    Timer,
    Crash,
    Restart,
    /// An invariant broke here.
    Violation,
}

/// One line of the story.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub tick: u64,
    /// The node name, or `cluster` for a violation of the whole cluster.
    pub node: String,
    /// The Incus step, admin command or handler this line belongs to.
    pub step: String,
    /// The full description.
    pub text: String,
    pub kind: RowKind,
}

/// What each node is doing, as far as the trace shows.
#[derive(Default)]
struct Context {
    /// Per node: the label of what it does now (a joiner's step, an admin's
    /// command, a member's last handled request).
    current: BTreeMap<NodeId, String>,
    /// Per client request (client, request id): the label of the step or
    /// command it serves, fixed when the request was sent.
    requests: BTreeMap<(NodeId, u32), String>,
    /// Nodes that entered a join step (joiners).
    joiners: BTreeMap<NodeId, ()>,
    /// Joiners whose reverter ran (the `Revert` step was entered).
    reverting: BTreeMap<NodeId, ()>,
}

impl Context {
    fn current(&self, node: NodeId) -> String {
        self.current.get(&node).cloned().unwrap_or_default()
    }

    /// The label of what a message serves: a client's request is its
    /// sender's current step or command; a transaction (and its result)
    /// serves the client request it names; a response, its client's step.
    fn label(&mut self, from: NodeId, to: NodeId, msg: &Msg) -> String {
        match msg {
            Msg::Request { id, .. } => {
                let label = self.current(from);
                self.requests.entry((from, *id)).or_insert(label).clone()
            }
            Msg::Tx { on_behalf_of, .. } | Msg::TxResult { on_behalf_of, .. } => match on_behalf_of {
                Some(request) => self.requests.get(request).cloned().unwrap_or_default(),
                None if self.joiners.contains_key(&from) => self.current(from),
                None => self.current(to),
            },
            Msg::Response { .. } => self.current(to),
        }
    }

    /// Updates the context for a delivered message and returns its label.
    fn on_deliver(&mut self, from: NodeId, to: NodeId, msg: &Msg) -> String {
        let label = self.label(from, to, msg);
        if !self.joiners.contains_key(&to) {
            self.current.insert(to, label.clone());
        }
        label
    }

    fn on_note(&mut self, node: NodeId, note: &Note) {
        match note {
            Note::Step(step) => {
                self.joiners.insert(node, ());
                match step {
                    Step::Revert => {
                        self.reverting.insert(node, ());
                    }
                    // A new attempt: its own reverter, not yet run.
                    Step::RequestJoinToken | Step::SetupTrust => {
                        self.reverting.remove(&node);
                    }
                    _ => {}
                }
                self.current.insert(node, step.to_string());
            }
            Note::AdminCommand(call) => {
                self.current.insert(node, format!("admin: {}", call.name()));
            }
            _ => {}
        }
    }
}

/// The request (or transaction) a joiner sends on entering a step, read
/// off the trace: the first message it sent at that same tick, unless it
/// entered another step at that tick first (then this step sent nothing).
fn step_request(names: &Names, events: &[TraceEvent<World>], node: NodeId, tick: u64) -> Option<String> {
    for event in events.iter().skip(1) {
        match event {
            TraceEvent::Note {
                tick: t,
                node: n,
                note: Note::Step(_),
            } if *n == node && *t == tick => return None,
            TraceEvent::Deliver {
                sent_tick,
                from,
                to,
                msg,
                ..
            }
            | TraceEvent::Lost {
                sent_tick,
                from,
                to,
                msg,
                ..
            } if *from == node && *sent_tick == tick && sent_by_the_step(msg) => {
                let kind = if matches!(msg, Msg::Tx { .. }) { "tx" } else { "request" };
                return Some(format!(
                    "{kind} {} -> {}",
                    describe::msg_label(names, msg),
                    names.node_str(*to)
                ));
            }
            _ => {}
        }
    }
    None
}

/// Whether `msg` can be a step's own: a request or a transaction, not an
/// answer or a message of the joiner's daemon's API handlers (a rename
/// forwarded to it).
fn sent_by_the_step(msg: &Msg) -> bool {
    match msg {
        Msg::Request { id, .. } | Msg::Tx { id, .. } => !crate::model::member::joiner_api_id(*id),
        Msg::Response { .. } | Msg::TxResult { .. } => false,
    }
}

/// What a step that sends no request does, in words.
fn local_step(step: Step) -> &'static str {
    match step {
        Step::ApplyServerPreseed => "ApplyServerPreseed on the local daemon: pools, networks, projects",
        Step::RegisterRevert => "register the revert (DeletePendingClusterMember on failure)",
        Step::StoreCertificates => "store the cluster and member certificates",
        Step::ReplaceRaftNodes => "set the raft node list in the node-local database",
        Step::GetLocalConfig => "read the local pool and network config",
        Step::EnterExclusive => "take the global database exclusively",
        Step::RemoveGlobalDatabase => "shut the gateway down and remove the local global database",
        Step::Revert => "revert the join",
        Step::StartClusterTasks => "start cluster tasks, reload config, doAPI10UpdateTriggers",
        Step::NetworkStartup => "networkStartup (errors only logged)",
        Step::ImageSync => "image sync",
        Step::LifecycleEvent => "lifecycle event cluster-member-added",
        _ => "(no request sent)",
    }
}

fn note_row(names: &Names, ctx: &Context, node: NodeId, note: &Note, request: Option<String>) -> (String, RowKind) {
    match note {
        Note::Step(step) => {
            let text = match request {
                Some(request) => format!("=> {request}"),
                None => format!("=> {}", local_step(*step)),
            };
            (text, RowKind::Step)
        }
        Note::Validation(v) => (describe::validation(names, v), RowKind::Validation { passed: v.passed }),
        Note::ZoneValidation(v) => (
            describe::zone_validation(names, v),
            RowKind::Validation { passed: v.found },
        ),
        Note::LocalRead(r) => (describe::local_read(names, r), RowKind::Validation { passed: r.local }),
        Note::JoinError(..) => (describe::note(names, note), RowKind::JoinEnd { failed: true }),
        Note::JoinEnded(status) => {
            let text = match status {
                JoinStatus::Failed if !ctx.reverting.contains_key(&node) => {
                    "join failed (DeletePendingClusterMember is registered only at J6)".to_string()
                }
                JoinStatus::Failed => "reverted, join failed".to_string(),
                JoinStatus::Completed => "join completed".to_string(),
                other => format!("join ended: {other:?}"),
            };
            (
                text,
                RowKind::JoinEnd {
                    failed: *status != JoinStatus::Completed,
                },
            )
        }
        _ => (describe::note(names, note), RowKind::Note),
    }
}

fn message_row(
    names: &Names,
    step: String,
    (sent_tick, tick, from, to): (u64, u64, NodeId, NodeId),
    msg: &Msg,
    fate: Fate,
) -> Row {
    let node = |n: NodeId| names.node_str(n).to_string();
    let text = match fate {
        Fate::Delivered => format!("<- {} {}", node(from), describe::msg(names, msg)),
        Fate::Lost(loss) => format!(
            "x- {} {} ({})",
            node(from),
            describe::msg(names, msg),
            describe::loss(loss)
        ),
        Fate::Duplicated => format!(
            "-> {} {} (duplicated by the network)",
            node(to),
            describe::msg(names, msg)
        ),
    };
    let shown = if fate == Fate::Duplicated { from } else { to };
    Row {
        tick,
        node: node(shown),
        step,
        text,
        kind: RowKind::Message {
            sent_tick,
            from: node(from),
            to: node(to),
            label: describe::msg_label(names, msg),
            fate,
        },
    }
}

fn event_row(names: &Names, events: &[TraceEvent<World>], i: usize, ctx: &mut Context) -> Row {
    let node = |n: NodeId| names.node_str(n).to_string();
    let simple = |tick: u64, n: NodeId, step: String, text: String, kind: RowKind| Row {
        tick,
        node: node(n),
        step,
        text,
        kind,
    };
    match &events[i] {
        TraceEvent::Mark { .. } => unreachable!("marks are rows of violations, not events"),
        TraceEvent::Deliver {
            sent_tick,
            tick,
            from,
            to,
            msg,
        } => {
            let step = ctx.on_deliver(*from, *to, msg);
            message_row(names, step, (*sent_tick, *tick, *from, *to), msg, Fate::Delivered)
        }
        TraceEvent::Lost {
            sent_tick,
            tick,
            from,
            to,
            msg,
            loss,
        } => {
            let step = ctx.label(*from, *to, msg);
            message_row(names, step, (*sent_tick, *tick, *from, *to), msg, Fate::Lost(*loss))
        }
        TraceEvent::Duplicated { tick, from, to, msg } => {
            let step = ctx.label(*from, *to, msg);
            message_row(names, step, (*tick, *tick, *from, *to), msg, Fate::Duplicated)
        }
        TraceEvent::Timer { tick, node: n, timer } => {
            let text = match timer {
                Timer::StartJoin => "$ incus cluster join".to_string(),
                Timer::AdminNext => "admin: next command".to_string(),
                Timer::Timeout { id } => format!("timeout: no answer to #{id}"),
                Timer::ConnectionFailed { id, failure } => {
                    format!("connection of #{id} failed: {}", describe::failure(*failure))
                }
                Timer::RetryTransaction { id } => format!("query.Retry: transaction #{id} again"),
                Timer::HeartbeatTimeout { id } => format!("heartbeat #{id}: client timeout (2 s)"),
                Timer::LocalWorkDone { step } => format!("{step}: local work done"),
                Timer::RetryRevert => "reverter: DeletePendingClusterMember again".to_string(),
            };
            // A new attempt belongs to no step yet.
            let step = match timer {
                Timer::StartJoin => String::new(),
                _ => ctx.current(*n),
            };
            simple(*tick, *n, step, text, RowKind::Timer)
        }
        TraceEvent::Crash { tick, node: n } => simple(*tick, *n, ctx.current(*n), "CRASH".to_string(), RowKind::Crash),
        TraceEvent::Restart { tick, node: n } => {
            simple(*tick, *n, ctx.current(*n), "restart".to_string(), RowKind::Restart)
        }
        TraceEvent::Note { tick, node: n, note } => {
            ctx.on_note(*n, note);
            let request = match note {
                Note::Step(_) => step_request(names, &events[i..], *n, *tick),
                _ => None,
            };
            let (text, kind) = note_row(names, ctx, *n, note, request);
            simple(*tick, *n, ctx.current(*n), text, kind)
        }
    }
}

fn violation_row(v: &Violation) -> Row {
    Row {
        tick: v.tick,
        node: v.node.clone().unwrap_or_else(|| "cluster".to_string()),
        step: v.step.clone().unwrap_or_default(),
        text: format!("VIOLATION {v}"),
        kind: RowKind::Violation,
    }
}

/// The rows of a trace. Each violation found during the run shows where
/// the run marked it (right after the event that broke the invariant); those
/// judged at the end of the run close the trace.
pub fn rows(names: &Names, events: &[TraceEvent<World>], violations: &[Violation]) -> Vec<Row> {
    let mut ctx = Context::default();
    let mut shown = vec![false; violations.len()];
    let mut out = Vec::with_capacity(events.len() + violations.len());
    for (i, event) in events.iter().enumerate() {
        match event {
            TraceEvent::Mark { index, .. } => {
                if let Some(v) = violations.get(*index as usize) {
                    out.push(violation_row(v));
                    shown[*index as usize] = true;
                }
            }
            _ => out.push(event_row(names, events, i, &mut ctx)),
        }
    }
    let mut rest: Vec<&Violation> = violations
        .iter()
        .zip(&shown)
        .filter(|(_, s)| !**s)
        .map(|(v, _)| v)
        .collect();
    rest.sort_by_key(|v| v.tick);
    out.extend(rest.into_iter().map(violation_row));
    out
}

/// A long run's rows cut down to the conversation of the nodes a violation
/// names: their own rows, the messages they send or receive, and every
/// violation. A run of a hundred joiners draws as a diagram no one can read
/// (six thousand rows, a hundred lifelines); the broken joiner's part of it
/// is the story. With no node named (a violation of the whole cluster) the
/// run's last `keep` rows are the focus instead. Returns the rows kept and
/// whose they are, or `None` when the run has at most `keep` rows: it is
/// drawn whole.
pub fn focus(rows: &[Row], keep: usize) -> Option<(Vec<Row>, String)> {
    if rows.len() <= keep {
        return None;
    }
    let mut named: Vec<&str> = rows
        .iter()
        .filter(|r| r.kind == RowKind::Violation && r.node != "cluster")
        .map(|r| r.node.as_str())
        .collect();
    named.dedup();
    if named.is_empty() {
        return Some((rows[rows.len() - keep..].to_vec(), format!("the last {keep}")));
    }
    let involves = |row: &Row| {
        row.kind == RowKind::Violation
            || named.contains(&row.node.as_str())
            || matches!(&row.kind, RowKind::Message { from, .. } if named.contains(&from.as_str()))
    };
    let kept = rows.iter().filter(|r| involves(r)).cloned().collect();
    Some((kept, format!("those of {}", named.join(", "))))
}

/// The lifelines of `lifelines` that some row of `rows` touches, in order.
pub fn touched(lifelines: &[String], rows: &[Row]) -> Vec<String> {
    lifelines
        .iter()
        .filter(|l| {
            rows.iter().any(|r| {
                r.node == **l || matches!(&r.kind, RowKind::Message { from, to, .. } if from == *l || to == *l)
            })
        })
        .cloned()
        .collect()
}

/// The nodes in diagram order: joiners first (they tell the story), then
/// members, then admin clients; within each, by node number.
pub fn lifelines(names: &Names, events: &[TraceEvent<World>]) -> Vec<String> {
    let mut rank: Vec<u8> = vec![1; names.nodes.len()];
    for event in events {
        if let TraceEvent::Note { node, note, .. } = event {
            match note {
                Note::Step(_) | Note::JoinEnded(_) => rank[usize::from(*node)] = 0,
                Note::AdminCommand(_) => rank[usize::from(*node)] = 2,
                _ => {}
            }
        }
    }
    let mut order: Vec<usize> = (0..names.nodes.len()).collect();
    order.sort_by_key(|&i| (rank[i], i));
    order.into_iter().map(|i| names.nodes[i].clone()).collect()
}

/// Splits `text` into lines of at most `width` characters, at spaces where
/// it can (for diagram notes and labels).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word.to_string();
        while word.chars().count() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
        }
        let needed = line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
        if needed > width && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(node: &str, kind: RowKind) -> Row {
        Row {
            tick: 0,
            node: node.to_string(),
            step: String::new(),
            text: String::new(),
            kind,
        }
    }

    fn message(from: &str, to: &str) -> Row {
        row(
            to,
            RowKind::Message {
                sent_tick: 0,
                from: from.to_string(),
                to: to.to_string(),
                label: String::new(),
                fate: Fate::Delivered,
            },
        )
    }

    #[test]
    fn a_long_run_is_focused_on_the_node_its_violation_names() {
        let rows = vec![
            row("j1", RowKind::Step),
            message("j1", "m1"),
            message("j2", "m1"),
            message("m1", "j2"),
            message("m1", "j1"),
            row("j2", RowKind::Step),
            row("j1", RowKind::Violation),
        ];
        assert_eq!(focus(&rows, rows.len()), None, "a short run is drawn whole");
        let (kept, whose) = focus(&rows, 3).expect("focused");
        assert_eq!(whose, "those of j1");
        assert_eq!(kept, [&rows[0], &rows[1], &rows[4], &rows[6]].map(Clone::clone));
        let names: Vec<String> = ["j1", "j2", "m1"].map(String::from).to_vec();
        assert_eq!(touched(&names, &kept), ["j1", "m1"]);
        // A violation of the whole cluster names no node: the run's end.
        let mut cluster = rows.clone();
        cluster[6].node = "cluster".to_string();
        let (kept, whose) = focus(&cluster, 2).expect("focused");
        assert_eq!((kept.as_slice(), whose.as_str()), (&cluster[5..], "the last 2"));
    }
}
