//! The event log: for each event a run executed, when it ran, at which
//! node, which earlier event scheduled it, which choice set its time, and
//! what state it touched. A search reads it to tell which events commute
//! (partial-order reduction); a run keeps it only when asked.

use super::{Label, NodeId};

/// What an event may touch: its node's own state (`local`), and shared
/// resources beyond any one node (a bit each, numbered by the model: the
/// tables of a database every node reaches, say), read or written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Footprint {
    pub local: bool,
    pub reads: u32,
    pub writes: u32,
}

impl Footprint {
    /// Only the node's own state: a message handler, a timer.
    pub const LOCAL: Footprint = Footprint {
        local: true,
        reads: 0,
        writes: 0,
    };
    /// Everything (a crash, a restart): depends on every other event.
    pub const EVERYTHING: Footprint = Footprint {
        local: true,
        reads: u32::MAX,
        writes: u32::MAX,
    };

    /// Shared resources only, not the node's own state.
    pub const fn shared(reads: u32, writes: u32) -> Footprint {
        Footprint {
            local: false,
            reads,
            writes,
        }
    }

    /// Whether two events with these footprints may not commute: they
    /// touch the same node's state (both at `same_node`), or one writes
    /// what the other reads or writes.
    pub fn conflicts(&self, other: &Footprint, same_node: bool) -> bool {
        (same_node && self.local && other.local)
            || self.writes & (other.reads | other.writes) != 0
            || other.writes & self.reads != 0
    }
}

/// No event: the cause of what the run scheduled before its first event.
pub const NO_EVENT: u32 = u32::MAX;

/// One event of a run (or a timer cancelled before it fired).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoggedEvent {
    pub tick: u64,
    pub node: NodeId,
    /// The index in [`EventLog::events`] of the event that scheduled this
    /// one ([`NO_EVENT`]: scheduled before the first event).
    pub cause: u32,
    /// The delay choice that set a delivery's time (`None`: not a delivery).
    pub delay: Option<Label>,
    pub footprint: Footprint,
}

/// The events a run executed, in order, and the timers it cancelled before
/// they fired (an event that a later answer would have let happen).
#[derive(Clone, Debug, Default)]
pub struct EventLog {
    pub events: Vec<LoggedEvent>,
    pub cancelled: Vec<LoggedEvent>,
    /// The tick and cause of each scheduled event, by sequence number.
    pub(super) scheduled: Vec<(u64, u32)>,
}
