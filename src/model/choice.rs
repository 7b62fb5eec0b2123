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

/// The model's kinds and their names.
pub const KINDS: [(ChoiceKind, &str); 3] = [
    (CLIENT_TIMING, "client-timing"),
    (STEP_FAULT, "step-fault"),
    (CONNECTION_BREAK, "connection-break"),
];

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

fn step_of(number: u32) -> Option<Step> {
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
        STEP_FAULT => {
            let step = step_of(label.b)?;
            format!("{node} at {step} (visit {})", label.c + 1)
        }
        _ => return None,
    };
    Some(text)
}
