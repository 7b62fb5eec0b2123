//! Swarm testing: each run first draws which fault kinds it enables, so
//! that rare combinations (drops without duplicates, a partition alone, ...)
//! are reached. The picks come from the one choice source and replay like
//! every other choice; choice 0 turns a fault kind off (the nominal run).

use crate::model::World;
use crate::sim::{ChoiceKind, Engine, Ratio};

/// The fault kinds a swarm run can turn off.
pub const SWARM_KINDS: [&str; 4] = ["delays", "drops", "duplicates", "partitions"];

pub fn pick_faults(engine: &mut Engine<World>) {
    let mut enabled = [false; SWARM_KINDS.len()];
    for slot in &mut enabled {
        *slot = engine.choices_mut().choose(ChoiceKind::Swarm, 2) == 1;
    }
    let network = engine.network_mut();
    if !enabled[0] {
        network.delay_max_ticks = network.delay_min_ticks;
    }
    if !enabled[1] {
        network.drop = Ratio::NEVER;
    }
    if !enabled[2] {
        network.duplicate = Ratio::NEVER;
    }
    if !enabled[3] {
        network.partitions.clear();
    }
}
