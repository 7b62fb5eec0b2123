//! The discrete-event engine. It owns virtual time, the event queue, the
//! network, node liveness, the one choice source and the trace; it knows
//! nothing of Incus. A system under test implements [`Model`].

pub mod choice;
pub mod hash;
pub mod log;
pub mod network;

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fmt::Debug;
use std::hash::Hash;

pub use choice::{ChoiceKind, ChoiceRecord, Choices, Deviation, Label, Point, Ratio, Schedule};
use hash::TraceHasher;
pub use log::{EventLog, Footprint, LoggedEvent, NO_EVENT};
pub use network::{NetworkConfig, Partition};

/// A node of the simulated system, numbered from 0.
pub type NodeId = u16;

/// A system under test: node handlers that take an event and act through
/// [`Ctx`], which is the only way to send, set timers or draw choices.
pub trait Model: Sized {
    type Msg: Clone + Debug + Hash;
    type Timer: Clone + Debug + Hash;
    /// A state change worth a trace line (recorded only when tracing).
    type Note: Clone + Debug;

    fn on_start(&mut self, ctx: &mut Ctx<'_, Self>);
    fn on_message(&mut self, ctx: &mut Ctx<'_, Self>, to: NodeId, from: NodeId, msg: Self::Msg);
    fn on_timer(&mut self, ctx: &mut Ctx<'_, Self>, node: NodeId, timer: Self::Timer);
    /// The node lost its volatile state; it receives nothing until restart.
    fn on_crash(&mut self, ctx: &mut Ctx<'_, Self>, node: NodeId);
    fn on_restart(&mut self, ctx: &mut Ctx<'_, Self>, node: NodeId);

    /// Whether `msg` travels on a TCP connection. The network then neither
    /// drops nor duplicates it (TCP retransmits lost segments and discards
    /// duplicates), and a partition holds it back until the partition heals
    /// instead of losing it; how a connection *fails* (a crashed peer, a
    /// partition outlasting keepalive) is the model's to say.
    fn on_connection(_msg: &Self::Msg) -> bool {
        false
    }

    /// What delivering `msg` to `to` may touch, for the event log (a
    /// search tells from it which events commute). By default the
    /// receiver's own state only; a model whose handlers reach shared state
    /// says which.
    fn footprint(&self, _to: NodeId, _msg: &Self::Msg) -> Footprint {
        Footprint::LOCAL
    }
}

/// Why a message never arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Loss {
    /// The network dropped it (a drop choice).
    Dropped,
    /// A partition stood between sender and receiver at delivery.
    Partitioned,
    /// The receiver was down at delivery.
    ReceiverDown,
    /// The receiver crashed (and restarted) while the message was in flight.
    ReceiverRestarted,
}

/// One recorded step of a run, kept only when tracing is on.
#[derive(Clone, Debug)]
pub enum TraceEvent<M: Model> {
    Deliver {
        sent_tick: u64,
        tick: u64,
        from: NodeId,
        to: NodeId,
        msg: M::Msg,
    },
    Lost {
        sent_tick: u64,
        tick: u64,
        from: NodeId,
        to: NodeId,
        msg: M::Msg,
        loss: Loss,
    },
    Duplicated {
        tick: u64,
        from: NodeId,
        to: NodeId,
        msg: M::Msg,
    },
    Timer {
        tick: u64,
        node: NodeId,
        timer: M::Timer,
    },
    Crash {
        tick: u64,
        node: NodeId,
    },
    Restart {
        tick: u64,
        node: NodeId,
    },
    Note {
        tick: u64,
        node: NodeId,
        note: M::Note,
    },
    /// A point the driver of the run marked (e.g. where a checker found
    /// its `index`-th finding), so that a reader sees it in place.
    Mark {
        tick: u64,
        index: u32,
    },
}

impl<M: Model> TraceEvent<M> {
    pub fn tick(&self) -> u64 {
        match self {
            TraceEvent::Deliver { tick, .. }
            | TraceEvent::Lost { tick, .. }
            | TraceEvent::Duplicated { tick, .. }
            | TraceEvent::Timer { tick, .. }
            | TraceEvent::Crash { tick, .. }
            | TraceEvent::Restart { tick, .. }
            | TraceEvent::Note { tick, .. }
            | TraceEvent::Mark { tick, .. } => *tick,
        }
    }
}

#[derive(Clone)]
enum EventKind<M: Model> {
    Deliver {
        sent_tick: u64,
        from: NodeId,
        to: NodeId,
        /// The message's number on its link (its choice labels' third field).
        number: u32,
        /// The receiver's incarnation at send time: a message in flight when
        /// its receiver crashes is lost with the connection, even if the
        /// receiver is back by the time it would arrive.
        incarnation: u32,
        msg: M::Msg,
    },
    Timer {
        node: NodeId,
        incarnation: u32,
        timer: M::Timer,
    },
    Crash {
        node: NodeId,
    },
    Restart {
        node: NodeId,
    },
}

/// A pending event's place in the queue. The heap holds only these small
/// keys; the events themselves wait in a slab, so that heap sifts move 24
/// bytes rather than a whole message.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Key {
    tick: u64,
    /// Among events due at the same tick, lower ranks run first (a drawn
    /// `ORDER` choice; 0 for all when same-tick order is not explored).
    rank: u32,
    seq: u64,
    slot: u32,
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    /// Reversed, so that `BinaryHeap` pops the earliest event; ties go to
    /// the lower rank, then to the one scheduled first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.tick, other.rank, other.seq).cmp(&(self.tick, self.rank, self.seq))
    }
}

/// The pending events, earliest first.
#[derive(Clone)]
struct Queue<M: Model> {
    heap: BinaryHeap<Key>,
    /// Each queued event with its sequence number (which tells a cancel of
    /// this event from a cancel of an earlier one in the same slot).
    slots: Vec<Option<(u64, EventKind<M>)>>,
    free: Vec<u32>,
    /// Keys still in the heap whose event was cancelled. A run with many
    /// clients cancels many timeouts (a heartbeat round: one per member);
    /// they are swept out once they are most of the heap, so that it does
    /// not grow with cancelled events and every push and pop stays cheap.
    cancelled: usize,
}

impl<M: Model> Queue<M> {
    fn new() -> Queue<M> {
        // Sized for a typical run, so that a run rarely reallocates.
        Queue {
            heap: BinaryHeap::with_capacity(32),
            slots: Vec::with_capacity(32),
            free: Vec::with_capacity(32),
            cancelled: 0,
        }
    }

    fn push(&mut self, tick: u64, rank: u32, seq: u64, kind: EventKind<M>) -> TimerId {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some((seq, kind));
                slot
            }
            None => {
                self.slots.push(Some((seq, kind)));
                u32::try_from(self.slots.len() - 1).expect("fewer than 2^32 pending events")
            }
        };
        self.heap.push(Key { tick, rank, seq, slot });
        TimerId { slot, seq }
    }

    /// The earliest event; cancelled events are skipped. A slot is freed
    /// only when its key leaves the heap, so no key ever meets another
    /// event's slot.
    fn pop(&mut self) -> Option<(u64, u64, EventKind<M>)> {
        loop {
            let key = self.heap.pop()?;
            let queued = self.slots[key.slot as usize].take();
            self.free.push(key.slot);
            match queued {
                Some((seq, kind)) => return Some((key.tick, seq, kind)),
                None => self.cancelled -= 1,
            }
        }
    }

    /// Cancels a pending event (a no-op when it already ran); returns it.
    fn cancel(&mut self, id: TimerId) -> Option<EventKind<M>> {
        let slot = &mut self.slots[id.slot as usize];
        if slot.as_ref().is_none_or(|(seq, _)| *seq != id.seq) {
            return None;
        }
        let (_, kind) = slot.take()?;
        self.cancelled += 1;
        if self.cancelled > 64 && self.cancelled * 2 > self.heap.len() {
            self.sweep_cancelled();
        }
        Some(kind)
    }

    /// Drops the keys of cancelled events from the heap and frees their
    /// slots. Which event runs next depends only on the keys' order, never
    /// on the heap's layout, so a run is the same with or without sweeps;
    /// a stale [`TimerId`] cannot cancel the slot's next event (the
    /// sequence numbers differ).
    fn sweep_cancelled(&mut self) {
        let (slots, free) = (&self.slots, &mut self.free);
        self.heap.retain(|key| {
            let live = slots[key.slot as usize].is_some();
            if !live {
                free.push(key.slot);
            }
            live
        });
        self.cancelled = 0;
    }

    /// The keys of the live events, in the order they will run.
    fn in_order(&self) -> Vec<Key> {
        let mut keys: Vec<Key> = self
            .heap
            .iter()
            .filter(|key| {
                self.slots[key.slot as usize]
                    .as_ref()
                    .is_some_and(|(seq, _)| *seq == key.seq)
            })
            .copied()
            .collect();
        keys.sort_by_key(|key| (key.tick, key.rank, key.seq));
        keys
    }

    /// The tick of the earliest event that will run.
    fn peek_tick(&mut self) -> Option<u64> {
        while let Some(key) = self.heap.peek() {
            if self.slots[key.slot as usize].is_some() {
                return Some(key.tick);
            }
            let slot = key.slot;
            self.heap.pop();
            self.free.push(slot);
            self.cancelled -= 1;
        }
        None
    }
}

/// A pending timer, to cancel it (a request answered before its timeout).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerId {
    slot: u32,
    seq: u64,
}

/// A handle hashes as nothing: where the queue keeps a timer, and its
/// sequence number, depend on the order earlier events ran, not on which
/// timer it is. The timer itself is hashed where it waits, in the queue,
/// and its payload names what it times (a request id, say), so a state
/// fingerprint that hashed handles would tell apart two orders that left
/// the same timers pending.
impl Hash for TimerId {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

/// What the engine remembers of one directed link: how many messages were
/// sent on it (which numbers each message's choice labels) and the last
/// delivery tick (for FIFO links).
#[derive(Clone, Copy, Debug)]
struct Link {
    from: NodeId,
    to: NodeId,
    sent: u32,
    last_tick: u64,
}

/// Everything a handler may touch besides its model: the engine's core.
#[derive(Clone)]
pub struct Core<M: Model> {
    now: u64,
    seq: u64,
    queue: Queue<M>,
    choices: Choices,
    network: NetworkConfig,
    /// The links used so far, in the order of their first message: a run
    /// uses few of the n² possible ones.
    links: Vec<Link>,
    /// Where link `from → to` is in `links`, plus one (0: not used yet), at
    /// `from * n + to`: found at once in a cluster of 3 or of 250 nodes.
    link_at: Vec<u32>,
    up: Vec<bool>,
    incarnation: Vec<u32>,
    /// `(node, from_tick, until_tick)`: the node runs nothing in between
    /// (a paused process): what reaches it and its own timers wait.
    pauses: Vec<(NodeId, u64, u64)>,
    /// The probes this run hit, as a bit set (see [`Ctx::probe`]).
    probes: u64,
    /// The event log, when asked for, and the index of the event running.
    log: Option<EventLog>,
    current: u32,
    trace: Option<Vec<TraceEvent<M>>>,
    hasher: TraceHasher,
    event_hashes: Option<Vec<u64>>,
    events: u64,
}

/// The handle a handler acts through.
pub struct Ctx<'a, M: Model> {
    core: &'a mut Core<M>,
}

impl<M: Model> Ctx<'_, M> {
    pub fn now(&self) -> u64 {
        self.core.now
    }

    pub fn is_up(&self, node: NodeId) -> bool {
        self.core.up[usize::from(node)]
    }

    /// A value in `0..n` for the choice point `label` (0: nominal).
    pub fn choose(&mut self, label: Label, n: u32) -> u32 {
        self.core.choices.choose(label, n)
    }

    /// True with probability `ratio` at the choice point `label`.
    pub fn flip(&mut self, label: Label, ratio: Ratio) -> bool {
        self.core.choices.flip(label, ratio)
    }

    /// Marks probe `id` (below 64) as hit in this run: a named point of the
    /// model that campaigns count, so that a window never reached shows.
    pub fn probe(&mut self, id: u8) {
        debug_assert!(id < 64, "probe ids are below 64");
        self.core.probes |= 1 << id;
    }

    pub fn network(&self) -> &NetworkConfig {
        &self.core.network
    }

    pub fn tracing(&self) -> bool {
        self.core.trace.is_some()
    }

    /// Records a trace line; `note` is built only when tracing is on.
    pub fn note(&mut self, node: NodeId, note: impl FnOnce() -> M::Note) {
        let tick = self.core.now;
        if let Some(trace) = &mut self.core.trace {
            trace.push(TraceEvent::Note {
                tick,
                node,
                note: note(),
            });
        }
    }

    /// Sends `msg` through the network, which decides (through the choice
    /// source) whether it is lost or duplicated and when it arrives.
    pub fn send(&mut self, from: NodeId, to: NodeId, msg: M::Msg) {
        self.core.send(from, to, msg);
    }

    /// Fires `timer` at `node` after `after_ticks` (or when a pause of the
    /// node then ends), unless the node crashes or the timer is cancelled
    /// first.
    pub fn set_timer(&mut self, node: NodeId, after_ticks: u64, timer: M::Timer) -> TimerId {
        let incarnation = self.core.incarnation[usize::from(node)];
        let tick = self.core.resume_tick(node, self.core.now + after_ticks);
        self.core.push(
            tick,
            0,
            EventKind::Timer {
                node,
                incarnation,
                timer,
            },
        )
    }

    /// Cancels a timer that has not fired; it never runs and never counts
    /// as an event.
    pub fn cancel_timer(&mut self, id: TimerId) {
        let cancelled = self.core.queue.cancel(id);
        if let (Some(log), Some(EventKind::Timer { node, .. })) = (&mut self.core.log, cancelled) {
            let (tick, cause) = log.scheduled[id.seq as usize - 1];
            log.cancelled.push(LoggedEvent {
                tick,
                node,
                cause,
                delay: None,
                footprint: Footprint::LOCAL,
            });
        }
    }
}

/// The label bit that tells a duplicate's delay from the original's.
const DUPLICATE_COPY: u32 = 1 << 31;

impl<M: Model> Core<M> {
    fn push(&mut self, tick: u64, rank: u32, kind: EventKind<M>) -> TimerId {
        self.seq += 1;
        if let Some(log) = &mut self.log {
            log.scheduled.push((tick, self.current));
        }
        self.queue.push(tick, rank, self.seq, kind)
    }

    /// `tick`, or the end of the pause of `node` that `tick` falls in (of
    /// the last of back-to-back pauses).
    fn resume_tick(&self, node: NodeId, tick: u64) -> u64 {
        let mut at = tick;
        while let Some(&(_, _, until)) = self
            .pauses
            .iter()
            .find(|&&(n, from, until)| n == node && from <= at && at < until)
        {
            at = until;
        }
        at
    }

    /// The link `from → to`, created on first use.
    fn link(&mut self, from: NodeId, to: NodeId) -> &mut Link {
        let cell = usize::from(from) * self.up.len() + usize::from(to);
        let at = match self.link_at[cell] {
            0 => {
                self.links.push(Link {
                    from,
                    to,
                    sent: 0,
                    last_tick: 0,
                });
                self.link_at[cell] = u32::try_from(self.links.len()).expect("fewer than 2^32 links");
                self.links.len() - 1
            }
            n => n as usize - 1,
        };
        &mut self.links[at]
    }

    fn send(&mut self, from: NodeId, to: NodeId, msg: M::Msg) {
        if !self.up[usize::from(from)] {
            return;
        }
        let link = self.link(from, to);
        link.sent += 1;
        let number = link.sent;
        let label = |kind| Label::new(kind, u32::from(from), u32::from(to), number);
        let faulty = from != to && self.now < self.network.faults_until_tick && !M::on_connection(&msg);
        if faulty && self.choices.flip(label(ChoiceKind::DROP), self.network.drop) {
            let tick = self.now;
            self.record(|| TraceEvent::Lost {
                sent_tick: tick,
                tick,
                from,
                to,
                msg,
                loss: Loss::Dropped,
            });
            return;
        }
        let duplicated = faulty && self.choices.flip(label(ChoiceKind::DUPLICATE), self.network.duplicate);
        if duplicated {
            let tick = self.now;
            if let Some(trace) = &mut self.trace {
                trace.push(TraceEvent::Duplicated {
                    tick,
                    from,
                    to,
                    msg: msg.clone(),
                });
            }
            self.schedule_delivery(from, to, number | DUPLICATE_COPY, msg.clone());
        }
        self.schedule_delivery(from, to, number, msg);
    }

    fn schedule_delivery(&mut self, from: NodeId, to: NodeId, number: u32, msg: M::Msg) {
        let label = |kind| Label::new(kind, u32::from(from), u32::from(to), number);
        let spread = self.network.delay_max_ticks - self.network.delay_min_ticks;
        let extra = self.choices.choose(label(ChoiceKind::DELAY), spread as u32 + 1);
        let rank = if self.network.same_tick_order {
            self.choices.choose(label(ChoiceKind::ORDER), SAME_TICK_RANKS)
        } else {
            0
        };
        let mut tick = self.resume_tick(to, self.now + self.network.delay_min_ticks + u64::from(extra));
        if !self.network.reorder {
            let link = self.link(from, to);
            tick = tick.max(link.last_tick);
            link.last_tick = tick;
        }
        let sent_tick = self.now;
        let incarnation = self.incarnation[usize::from(to)];
        self.push(
            tick,
            rank,
            EventKind::Deliver {
                sent_tick,
                from,
                to,
                number,
                incarnation,
                msg,
            },
        );
    }

    fn record(&mut self, event: impl FnOnce() -> TraceEvent<M>) {
        if let Some(trace) = &mut self.trace {
            trace.push(event());
        }
    }
}

/// How many places a message can take among same-tick events: rank 0 (in
/// scheduling order, nominal) to 3 (after all lower ranks).
pub const SAME_TICK_RANKS: u32 = 4;

/// Options of one engine run.
#[derive(Clone, Copy, Debug, Default)]
pub struct EngineOptions {
    /// Keep every event as a [`TraceEvent`] (slow; for replay and reports).
    pub trace: bool,
    /// Keep the running trace hash after every event, so that two runs can
    /// be compared event by event.
    pub event_hashes: bool,
    /// Keep the [`EventLog`] (for partial-order reduction).
    pub log: bool,
}

/// The engine: a model's world plus the core that drives it. Cloned, it
/// branches a run (stateful search).
#[derive(Clone)]
pub struct Engine<M: Model> {
    core: Core<M>,
}

impl<M: Model> Engine<M> {
    pub fn new(node_count: usize, network: NetworkConfig, choices: Choices, options: EngineOptions) -> Engine<M> {
        assert!(node_count <= usize::from(NodeId::MAX), "too many nodes");
        Engine {
            core: Core {
                now: 0,
                seq: 0,
                queue: Queue::new(),
                choices,
                network,
                links: Vec::with_capacity(16),
                link_at: vec![0; node_count * node_count],
                up: vec![true; node_count],
                incarnation: vec![0; node_count],
                pauses: Vec::new(),
                probes: 0,
                log: options.log.then(EventLog::default),
                current: NO_EVENT,
                trace: options.trace.then(Vec::new),
                hasher: TraceHasher::new(),
                event_hashes: options.event_hashes.then(Vec::new),
                events: 0,
            },
        }
    }

    /// The network knobs, which a run may still change before it starts
    /// (swarm testing turns fault kinds off per run).
    pub fn network_mut(&mut self) -> &mut NetworkConfig {
        &mut self.core.network
    }

    pub fn choices_mut(&mut self) -> &mut Choices {
        &mut self.core.choices
    }

    /// Crashes `node` at `tick`; it loses volatile state and all messages.
    pub fn schedule_crash(&mut self, node: NodeId, tick: u64) {
        self.core.push(tick, 0, EventKind::Crash { node });
    }

    pub fn schedule_restart(&mut self, node: NodeId, tick: u64) {
        self.core.push(tick, 0, EventKind::Restart { node });
    }

    /// Pauses `node` from `from_tick` until `until_tick`: it loses nothing,
    /// but handles nothing either (messages and timers wait for the end).
    /// Pauses are scheduled before the run starts.
    pub fn schedule_pause(&mut self, node: NodeId, from_tick: u64, until_tick: u64) {
        self.core.pauses.push((node, from_tick, until_tick));
    }

    /// Lets the model schedule its first events.
    pub fn start(&mut self, model: &mut M) {
        model.on_start(&mut Ctx { core: &mut self.core });
    }

    pub fn now(&self) -> u64 {
        self.core.now
    }

    /// Marks the current point of the trace (when tracing) with `index`.
    pub fn mark(&mut self, index: u32) {
        let tick = self.core.now;
        self.core.record(|| TraceEvent::Mark { tick, index });
    }

    pub fn events(&self) -> u64 {
        self.core.events
    }

    pub fn trace_hash(&self) -> u64 {
        std::hash::Hasher::finish(&self.core.hasher)
    }

    /// The tick of the next event, if any.
    pub fn next_tick(&mut self) -> Option<u64> {
        self.core.queue.peek_tick()
    }

    /// Runs the earliest pending event. False when nothing is pending.
    pub fn step(&mut self, model: &mut M) -> bool {
        let Some((tick, seq, kind)) = self.core.queue.pop() else {
            return false;
        };
        self.run_event(model, tick, seq, kind);
        true
    }

    /// How many events are pending (cancelled timers not counted).
    pub fn pending(&self) -> usize {
        // Every key in the heap is a live event or a cancelled one not yet
        // popped or swept (counted in `cancelled`).
        let queue = &self.core.queue;
        debug_assert_eq!(
            queue.heap.len() - queue.cancelled,
            queue.slots.iter().filter(|s| s.is_some()).count()
        );
        queue.heap.len() - queue.cancelled
    }

    /// Runs the `n`-th pending event in the order `step` would run them
    /// (0: the earliest), whatever its tick: a search over orders, where
    /// any pending event may go next. Time never goes back: an event taken
    /// before earlier ones runs at its tick, and they run late, at the time
    /// it left. False when fewer than `n + 1` events are pending.
    pub fn step_nth(&mut self, model: &mut M, n: usize) -> bool {
        let queue = &mut self.core.queue;
        let taken = match n {
            // The earliest, as `step` takes it, without sorting the rest.
            0 => queue.pop(),
            _ => queue.in_order().get(n).copied().and_then(|key| {
                let id = TimerId {
                    slot: key.slot,
                    seq: key.seq,
                };
                queue.cancel(id).map(|kind| (key.tick, key.seq, kind))
            }),
        };
        let Some((tick, seq, kind)) = taken else {
            return false;
        };
        let tick = tick.max(self.core.now);
        self.run_event(model, tick, seq, kind);
        true
    }

    fn run_event(&mut self, model: &mut M, tick: u64, seq: u64, kind: EventKind<M>) {
        if self.core.log.is_some() {
            self.log_event(model, seq, &kind);
        }
        let core = &mut self.core;
        core.now = tick;
        core.events += 1;
        core.hasher.mix(&tick);
        match kind {
            EventKind::Deliver {
                sent_tick,
                from,
                to,
                number,
                incarnation,
                msg,
            } => self.deliver(model, (sent_tick, incarnation, number), from, to, msg),
            EventKind::Timer {
                node,
                incarnation,
                timer,
            } => {
                let n = usize::from(node);
                if core.up[n] && core.incarnation[n] == incarnation {
                    core.hasher.mix(&(1u8, node, &timer));
                    let tick = core.now;
                    core.record(|| TraceEvent::Timer {
                        tick,
                        node,
                        timer: timer.clone(),
                    });
                    model.on_timer(&mut Ctx { core }, node, timer);
                }
            }
            EventKind::Crash { node } => {
                let n = usize::from(node);
                if core.up[n] {
                    core.up[n] = false;
                    core.incarnation[n] += 1;
                    core.hasher.mix(&(2u8, node));
                    let tick = core.now;
                    core.record(|| TraceEvent::Crash { tick, node });
                    model.on_crash(&mut Ctx { core }, node);
                }
            }
            EventKind::Restart { node } => {
                let n = usize::from(node);
                if !core.up[n] {
                    core.up[n] = true;
                    core.hasher.mix(&(3u8, node));
                    let tick = core.now;
                    core.record(|| TraceEvent::Restart { tick, node });
                    model.on_restart(&mut Ctx { core }, node);
                }
            }
        }
        if let Some(hashes) = &mut self.core.event_hashes {
            hashes.push(std::hash::Hasher::finish(&self.core.hasher));
        }
    }

    /// Logs the event about to run (sequence number `seq`).
    fn log_event(&mut self, model: &M, seq: u64, kind: &EventKind<M>) {
        let (node, delay, footprint) = match kind {
            EventKind::Deliver {
                from, to, number, msg, ..
            } => {
                let label = Label::new(ChoiceKind::DELAY, u32::from(*from), u32::from(*to), *number);
                (*to, Some(label), model.footprint(*to, msg))
            }
            EventKind::Timer { node, .. } => (*node, None, Footprint::LOCAL),
            EventKind::Crash { node } | EventKind::Restart { node } => (*node, None, Footprint::EVERYTHING),
        };
        let Some(log) = &mut self.core.log else { return };
        let (tick, cause) = log.scheduled[seq as usize - 1];
        self.core.current = u32::try_from(log.events.len()).expect("fewer than 2^32 events");
        log.events.push(LoggedEvent {
            tick,
            node,
            cause,
            delay,
            footprint,
        });
    }

    fn deliver(&mut self, model: &mut M, sent: (u64, u32, u32), from: NodeId, to: NodeId, msg: M::Msg) {
        let (sent_tick, incarnation, number) = sent;
        let core = &mut self.core;
        let tick = core.now;
        let loss = if !core.up[usize::from(to)] {
            Some(Loss::ReceiverDown)
        } else if core.incarnation[usize::from(to)] != incarnation {
            Some(Loss::ReceiverRestarted)
        } else if core.network.is_partitioned(from, to, tick) {
            if M::on_connection(&msg) {
                // TCP retransmits across the partition: the message arrives
                // once it heals.
                core.hasher.mix(&(6u8, from, to));
                let heal = core.network.heal_tick(from, to, tick);
                let kind = EventKind::Deliver {
                    sent_tick,
                    from,
                    to,
                    number,
                    incarnation,
                    msg,
                };
                core.push(heal, 0, kind);
                return;
            }
            Some(Loss::Partitioned)
        } else {
            None
        };
        if let Some(loss) = loss {
            core.hasher.mix(&(4u8, from, to, loss));
            core.record(|| TraceEvent::Lost {
                sent_tick,
                tick,
                from,
                to,
                msg,
                loss,
            });
            return;
        }
        core.hasher.mix(&(5u8, from, to, &msg));
        core.record(|| TraceEvent::Deliver {
            sent_tick,
            tick,
            from,
            to,
            msg: msg.clone(),
        });
        model.on_message(&mut Ctx { core }, to, from, msg);
    }

    /// Ends the run, returning what it recorded.
    pub fn finish(self) -> EngineRecord<M> {
        let trace_hash = self.trace_hash();
        EngineRecord {
            trace_hash,
            events: self.core.events,
            end_tick: self.core.now,
            choices: self.core.choices.into_record(),
            probes: self.core.probes,
            log: self.core.log,
            trace: self.core.trace,
            event_hashes: self.core.event_hashes,
        }
    }

    pub fn choices(&self) -> &Choices {
        &self.core.choices
    }

    /// Folds into `hasher` everything of the engine that decides how the
    /// run goes on from here (for exhaustive search, which prunes a
    /// schedule that reaches a state already explored): the time, the
    /// event count (the event limit reads it), the network (swarm changes
    /// it), node liveness, the links' counters (which name future choice
    /// points) and the pending events in the order they will run. Left
    /// out: what only reports the past (trace, trace hash, probes, draws)
    /// and the raw sequence numbers, whose relative order is kept.
    pub fn hash_state(&self, hasher: &mut TraceHasher) {
        let core = &self.core;
        hasher.mix(&(core.now, core.events, &core.up, &core.incarnation, &core.pauses));
        hash::hash_debug(hasher, &core.network);
        for link in &core.links {
            hasher.mix(&(link.from, link.to, link.sent, link.last_tick));
        }
        for key in core.queue.in_order() {
            hasher.mix(&(key.tick, key.rank));
            if let Some((_, kind)) = &core.queue.slots[key.slot as usize] {
                if let EventKind::Deliver { sent_tick, .. } = kind {
                    hasher.mix(sent_tick);
                }
                hash_event(hasher, kind);
            }
        }
    }

    /// Folds into `hasher` what decides how the run goes on when any
    /// pending event may go next and no handler reads the clock (a search
    /// over orders): node liveness, the links' counters and the pending
    /// events as a set, without their times. `now` is left out, as is
    /// every tick: what a state holds is the same whenever it is reached.
    pub fn hash_untimed(&self, hasher: &mut TraceHasher) {
        let core = &self.core;
        self.hash_nodes_and_links(hasher);
        let mut pending: Vec<u64> = core
            .queue
            .slots
            .iter()
            .flatten()
            .map(|(_, kind)| {
                let mut h = TraceHasher::new();
                hash_event(&mut h, kind);
                std::hash::Hasher::finish(&h)
            })
            .collect();
        pending.sort_unstable();
        hasher.mix(&pending);
    }

    /// What both searches over orders hash of the engine besides its
    /// pending events: node liveness and the links' counters.
    fn hash_nodes_and_links(&self, hasher: &mut TraceHasher) {
        let core = &self.core;
        hasher.mix(&(&core.up, &core.incarnation, &core.pauses));
        for link in &core.links {
            hasher.mix(&(link.from, link.to, link.sent));
        }
    }

    /// [`Engine::hash_untimed`], but with the pending events in the order
    /// they will run and their times relative to now: what decides which
    /// event nominal timing runs next, now and after any later event, for a
    /// search over orders that counts the picks other than that one. An
    /// event overtaken (its tick past) runs before anything scheduled from
    /// now on, whatever its tick, and after the overdue events before it in
    /// this order: how overdue it is decides nothing, so it is not hashed.
    /// Neither is when a message was sent (only traces show it).
    pub fn hash_relative(&self, hasher: &mut TraceHasher) {
        let core = &self.core;
        self.hash_nodes_and_links(hasher);
        for key in core.queue.in_order() {
            let due = key.tick.checked_sub(core.now);
            hasher.mix(&(due, key.rank));
            if let Some((_, kind)) = &core.queue.slots[key.slot as usize] {
                hash_event(hasher, kind);
            }
        }
    }
}

/// An event's identity, without its times (which `hash_state` adds).
fn hash_event<M: Model>(hasher: &mut TraceHasher, kind: &EventKind<M>) {
    match kind {
        EventKind::Deliver {
            from,
            to,
            incarnation,
            msg,
            ..
        } => hasher.mix(&(0u8, from, to, incarnation, msg)),
        EventKind::Timer {
            node,
            incarnation,
            timer,
        } => hasher.mix(&(1u8, node, incarnation, timer)),
        EventKind::Crash { node } => hasher.mix(&(2u8, node)),
        EventKind::Restart { node } => hasher.mix(&(3u8, node)),
    }
}

/// What an engine run leaves behind.
pub struct EngineRecord<M: Model> {
    pub trace_hash: u64,
    pub events: u64,
    pub end_tick: u64,
    pub choices: ChoiceRecord,
    /// The probes hit, as a bit set.
    pub probes: u64,
    pub log: Option<EventLog>,
    pub trace: Option<Vec<TraceEvent<M>>>,
    pub event_hashes: Option<Vec<u64>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model whose events carry a number, for the queue alone.
    struct Numbers;

    impl Model for Numbers {
        type Msg = u32;
        type Timer = u32;
        type Note = ();
        fn on_start(&mut self, _: &mut Ctx<'_, Self>) {}
        fn on_message(&mut self, _: &mut Ctx<'_, Self>, _: NodeId, _: NodeId, _: u32) {}
        fn on_timer(&mut self, _: &mut Ctx<'_, Self>, _: NodeId, _: u32) {}
        fn on_crash(&mut self, _: &mut Ctx<'_, Self>, _: NodeId) {}
        fn on_restart(&mut self, _: &mut Ctx<'_, Self>, _: NodeId) {}
    }

    fn timer(number: u32) -> EventKind<Numbers> {
        EventKind::Timer {
            node: 0,
            incarnation: 0,
            timer: number,
        }
    }

    fn number(kind: EventKind<Numbers>) -> u32 {
        match kind {
            EventKind::Timer { timer, .. } => timer,
            _ => unreachable!("only timers are queued here"),
        }
    }

    fn drain(queue: &mut Queue<Numbers>) -> Vec<(u64, u32)> {
        let mut out = Vec::new();
        while let Some((tick, _, kind)) = queue.pop() {
            out.push((tick, number(kind)));
        }
        out
    }

    #[test]
    fn sweeping_cancelled_events_frees_the_heap_and_stale_ids_cancel_nothing() {
        let mut queue = Queue::<Numbers>::new();
        let tick = |n: u32| u64::from((n * 7919) % 500);
        let ids: Vec<TimerId> = (0..1000u32)
            .map(|n| queue.push(tick(n), 0, u64::from(n), timer(n)))
            .collect();
        for (n, id) in ids.iter().enumerate() {
            if n % 10 != 0 {
                queue.cancel(*id);
            }
        }
        assert!(
            queue.heap.len() < 300,
            "the cancelled keys were swept: {}",
            queue.heap.len()
        );
        // A new event takes a swept slot; the stale ids must not cancel it.
        queue.push(250, 0, 5000, timer(5000));
        for (n, id) in ids.iter().enumerate() {
            if n % 10 != 0 {
                queue.cancel(*id);
            }
        }
        let mut expected: Vec<(u64, u64, u32)> = (0..1000u32)
            .filter(|n| n % 10 == 0)
            .map(|n| (tick(n), u64::from(n), n))
            .chain([(250, 5000, 5000)])
            .collect();
        expected.sort();
        let expected: Vec<(u64, u32)> = expected.into_iter().map(|(t, _, n)| (t, n)).collect();
        assert_eq!(drain(&mut queue), expected);
        assert_eq!(queue.cancelled, 0);
    }

    #[test]
    fn a_swept_queue_pops_the_live_events_in_key_order() {
        let mut swept = Queue::<Numbers>::new();
        let mut kept = Queue::<Numbers>::new();
        for n in 0..600u32 {
            let tick = u64::from((n * 31) % 97);
            let a = swept.push(tick, n % 3, u64::from(n), timer(n));
            let b = kept.push(tick, n % 3, u64::from(n), timer(n));
            if n % 4 != 0 {
                swept.cancel(a);
                // The same cancels, left in the heap as if never swept.
                kept.slots[b.slot as usize] = None;
                kept.cancelled += 1;
            }
        }
        assert!(swept.heap.len() < kept.heap.len() / 2, "the swept queue swept");
        let order = drain(&mut kept);
        assert_eq!(order.len(), 150);
        assert_eq!(drain(&mut swept), order);
    }
}
