//! Swarm testing (as FoundationDB's and TigerBeetle's simulators do): each
//! run first draws which fault kinds it enables, so that rare combinations
//! (drops without duplicates, a partition alone, crashes with in-order
//! delivery, ...) are reached. The picks come from the one choice source
//! and replay like every other choice; choice 0 turns a kind off.
//!
//! Only the random faults are subject to the swarm: what a scenario fixes
//! (an injected error at a named step) is its point and always happens.

use crate::model::World;
use crate::sim::{ChoiceKind, Choices, Label, NetworkConfig, Ratio};

/// The kind of choice of a swarm pick: which fault kinds a run enables.
pub const SWARM: ChoiceKind = ChoiceKind(ChoiceKind::FIRST_MODEL + 32);

/// The fault kinds one run enables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SwarmPicks {
    pub delays: bool,
    pub drops: bool,
    pub duplicates: bool,
    pub partitions: bool,
    pub crashes: bool,
    pub random_step_errors: bool,
    /// Random client timing (start jitter, admin pauses).
    pub client_timing: bool,
    /// The cluster's own faults: busy transactions, lost answers, leader
    /// changes.
    pub cluster_faults: bool,
    /// Local steps that take time (`faults.local_work_max`).
    pub local_work: bool,
    /// A released mutex handed to any waiter (`faults.mutex_handoff`).
    pub mutex_handoff: bool,
    /// A drawn order among events due at the same tick
    /// (`network.same_tick_order`).
    pub same_tick_order: bool,
}

impl SwarmPicks {
    /// Everything the scenario declares, on (a run without swarm).
    pub const ALL: SwarmPicks = SwarmPicks {
        delays: true,
        drops: true,
        duplicates: true,
        partitions: true,
        crashes: true,
        random_step_errors: true,
        client_timing: true,
        cluster_faults: true,
        local_work: true,
        mutex_handoff: true,
        same_tick_order: true,
    };

    /// The fault kinds, in the order of their labels' numbers.
    pub const KIND_NAMES: [&'static str; 11] = [
        "delays",
        "drops",
        "duplicates",
        "partitions",
        "crashes",
        "random-step-errors",
        "client-timing",
        "cluster-faults",
        "local-work",
        "mutex-handoff",
        "same-tick-order",
    ];

    /// Draws one pick per fault kind, each at its own label.
    pub fn draw(choices: &mut Choices) -> SwarmPicks {
        let mut on = |kind: u32| choices.choose(Label::new(SWARM, kind, 0, 0), 2) == 1;
        SwarmPicks {
            delays: on(0),
            drops: on(1),
            duplicates: on(2),
            partitions: on(3),
            crashes: on(4),
            random_step_errors: on(5),
            client_timing: on(6),
            cluster_faults: on(7),
            local_work: on(8),
            mutex_handoff: on(9),
            same_tick_order: on(10),
        }
    }

    /// Turns the network fault kinds that are off into no-ops.
    pub fn apply_to_network(self, network: &mut NetworkConfig) {
        if !self.delays {
            network.delay_max_ticks = network.delay_min_ticks;
        }
        if !self.drops {
            network.drop = Ratio::NEVER;
        }
        if !self.duplicates {
            network.duplicate = Ratio::NEVER;
        }
        if !self.partitions {
            network.partitions.clear();
        }
        if !self.same_tick_order {
            network.same_tick_order = false;
        }
    }

    /// Switches off the model's random faults and timing that are off.
    pub fn apply_to_model(self, world: &mut World) {
        world.random_step_errors = self.random_step_errors;
        world.client_timing = self.client_timing;
        world.cluster_faults = self.cluster_faults;
        world.local_work = self.local_work;
        world.mutex_handoff = self.mutex_handoff;
    }
}
