//! The model's own kinds of choice, numbered after the engine's, and the
//! labels of its choice points. A label names a decision by what it is
//! about (which node, which step, which command), never by when it is
//! drawn, so that it means the same thing in every run.

use super::step::Step;
use crate::sim::{ChoiceKind, Label, NodeId};

/// When a client (a joiner's `incus cluster join`, an admin's command)
/// acts, in ticks after its earliest start.
pub const CLIENT_TIMING: ChoiceKind = ChoiceKind(ChoiceKind::FIRST_MODEL);
/// Whether an injected error (BUGGIFY) fires at a join step.
pub const STEP_FAULT: ChoiceKind = ChoiceKind(ChoiceKind::FIRST_MODEL + 1);

/// Whether the network breaks the TCP connection of an HTTP request, on
/// its way to the server or on the answer's way back.
pub const CONNECTION_BREAK: ChoiceKind = ChoiceKind(ChoiceKind::FIRST_MODEL + 2);

/// Whether the leader finds the database busy for a transaction attempt
/// (it is not applied; `query.Retry` tries again).
pub const TRANSACTION_BUSY: ChoiceKind = ChoiceKind(ChoiceKind::FIRST_MODEL + 3);
/// Whether a transaction attempt commits but its answer is lost (the
/// driver reports `bad connection`; `query.Retry` tries again, and the new
/// attempt sees the first one's commit).
pub const TRANSACTION_ANSWER_LOST: ChoiceKind = ChoiceKind(ChoiceKind::FIRST_MODEL + 4);
/// Whether leadership moves after a commit.
pub const LEADER_CHANGE: ChoiceKind = ChoiceKind(ChoiceKind::FIRST_MODEL + 5);
/// How long a joiner's local step takes, in ticks.
pub const LOCAL_WORK: ChoiceKind = ChoiceKind(ChoiceKind::FIRST_MODEL + 6);
/// Which waiter a released `clusterMembershipMutex` goes to (0: the
/// first to wait).
pub const MUTEX_HANDOFF: ChoiceKind = ChoiceKind(ChoiceKind::FIRST_MODEL + 7);

/// The model's kinds and their names.
pub const KINDS: [(ChoiceKind, &str); 8] = [
    (CLIENT_TIMING, "client-timing"),
    (STEP_FAULT, "step-fault"),
    (CONNECTION_BREAK, "connection-break"),
    (TRANSACTION_BUSY, "transaction-busy"),
    (TRANSACTION_ANSWER_LOST, "transaction-answer-lost"),
    (LEADER_CHANGE, "leader-change"),
    (LOCAL_WORK, "local-work"),
    (MUTEX_HANDOFF, "mutex-handoff"),
];

/// A fault of `client`'s transaction `id` at its `attempt`-th attempt.
pub fn transaction_fault(kind: ChoiceKind, client: NodeId, id: u32, attempt: u16) -> Label {
    Label::new(kind, u32::from(client), id, u32::from(attempt))
}

/// Whether leadership moves after the commit of DB version `version`; the
/// value, from 1, picks the new leader among the other live members.
pub fn leader_change(version: u64) -> Label {
    Label::new(LEADER_CHANGE, 0, 0, version as u32)
}

/// The duration of `joiner`'s `visit`-th run of local `step`.
pub fn local_work(joiner: NodeId, step: Step, visit: u32) -> Label {
    Label::new(LOCAL_WORK, u32::from(joiner), step_number(step), visit)
}

/// Which waiter gets `member`'s mutex when its `release`-th holder lets go.
pub fn mutex_handoff(member: NodeId, release: u32) -> Label {
    Label::new(MUTEX_HANDOFF, u32::from(member), 0, release)
}

/// Whether the connection of `client`'s request `id` breaks on the
/// request's way (`leg` 0) or the answer's (`leg` 1).
pub fn connection_break(client: NodeId, id: u32, leg: u32) -> Label {
    Label::new(CONNECTION_BREAK, u32::from(client), id, leg)
}

/// The drawn delay before a client's first action.
pub fn client_start(node: NodeId) -> Label {
    Label::new(CLIENT_TIMING, u32::from(node), 0, 0)
}

/// The drawn pause before an admin's `command`-th command (from 1).
pub fn client_pause(node: NodeId, command: usize) -> Label {
    Label::new(CLIENT_TIMING, u32::from(node), 1, command as u32)
}

/// Whether a random error fires at the `visit`-th entry (from 0) of
/// `step` on `joiner`.
pub fn step_fault(joiner: NodeId, step: Step, visit: u32) -> Label {
    Label::new(STEP_FAULT, u32::from(joiner), step_number(step), visit)
}

/// A step's number in labels: a hash of its name, so that adding a step
/// renumbers no other (FNV-1a, 32 bits).
pub fn step_number(step: Step) -> u32 {
    step.name()
        .bytes()
        .fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

pub fn step_of(number: u32) -> Option<Step> {
    Step::ALL.into_iter().find(|&s| step_number(s) == number)
}

/// A model label in words, with node names from `node_name`.
pub fn describe(label: Label, node_name: &dyn Fn(u32) -> String) -> Option<String> {
    let node = node_name(label.a);
    let text = match label.kind {
        CLIENT_TIMING if label.b == 0 => format!("{node} start"),
        CLIENT_TIMING => format!("{node} pause before command {}", label.c + 1),
        CONNECTION_BREAK => {
            let leg = if label.c == 0 { "request" } else { "answer" };
            format!("{node} request #{} ({leg})", label.b)
        }
        TRANSACTION_BUSY | TRANSACTION_ANSWER_LOST => format!("{node} tx #{} attempt {}", label.b, label.c),
        LEADER_CHANGE => format!("after commit v{}", label.c),
        LOCAL_WORK => {
            let step = step_of(label.b)?;
            format!("{node} at {step} (visit {})", label.c + 1)
        }
        MUTEX_HANDOFF => format!("{node} release {}", label.c + 1),
        STEP_FAULT => {
            let step = step_of(label.b)?;
            format!("{node} at {step} (visit {})", label.c + 1)
        }
        _ => return None,
    };
    Some(text)
}
