//! The simulated network: latency, reordering, loss, duplication and
//! partitions between nodes. It knows node numbers, nothing else.

use super::NodeId;
use super::choice::Ratio;

/// A cut between two sets of nodes for a span of virtual time: while it
/// lasts, nothing crosses between `side_a` and `side_b`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partition {
    pub side_a: Vec<NodeId>,
    pub side_b: Vec<NodeId>,
    pub from_tick: u64,
    pub until_tick: u64,
}

impl Partition {
    pub fn cuts(&self, a: NodeId, b: NodeId, tick: u64) -> bool {
        if tick < self.from_tick || tick >= self.until_tick {
            return false;
        }
        let crosses = |x: &[NodeId], y: &[NodeId]| x.contains(&a) && y.contains(&b);
        crosses(&self.side_a, &self.side_b) || crosses(&self.side_b, &self.side_a)
    }
}

/// Network knobs, all deterministic given the choice sequence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkConfig {
    /// Latency of a message is drawn from `delay_min_ticks..=delay_max_ticks`.
    pub delay_min_ticks: u64,
    pub delay_max_ticks: u64,
    /// When false, messages on one link arrive in the order they were sent.
    pub reorder: bool,
    /// Whether a message may run before others due at the same tick that
    /// were scheduled earlier (an `ORDER` choice per message).
    pub same_tick_order: bool,
    pub drop: Ratio,
    pub duplicate: Ratio,
    pub partitions: Vec<Partition>,
    /// Drops and duplicates happen only before this tick: the network heals.
    pub faults_until_tick: u64,
}

impl Default for NetworkConfig {
    fn default() -> NetworkConfig {
        NetworkConfig {
            delay_min_ticks: 1,
            delay_max_ticks: 1,
            reorder: true,
            same_tick_order: false,
            drop: Ratio::NEVER,
            duplicate: Ratio::NEVER,
            partitions: Vec::new(),
            faults_until_tick: 0,
        }
    }
}

impl NetworkConfig {
    pub fn is_partitioned(&self, a: NodeId, b: NodeId, tick: u64) -> bool {
        a != b && self.partitions.iter().any(|p| p.cuts(a, b, tick))
    }

    /// The first tick from `tick` on at which no partition stands between
    /// `a` and `b` (`tick` itself when none does now).
    pub fn heal_tick(&self, a: NodeId, b: NodeId, tick: u64) -> u64 {
        let mut at = tick;
        while let Some(p) = self.partitions.iter().find(|p| p.cuts(a, b, at)) {
            at = p.until_tick;
        }
        at
    }

    /// Whether any message can be lost, so that senders need timeouts.
    pub fn can_lose_messages(&self) -> bool {
        !self.drop.is_never() || !self.partitions.is_empty()
    }

    /// The last tick at which a network fault can still act.
    pub fn last_fault_tick(&self) -> u64 {
        let partitions = self.partitions.iter().map(|p| p.until_tick).max().unwrap_or(0);
        let random = if self.drop.is_never() && self.duplicate.is_never() {
            0
        } else {
            self.faults_until_tick
        };
        partitions.max(random)
    }
}
