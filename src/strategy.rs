//! proptest strategies over choice sequences. A run is a pure function of
//! its choices, so a `Vec<u32>` is a whole schedule, and proptest's own
//! shrinking of the vector shrinks the schedule.

use proptest::prelude::*;

/// Choice sequences of up to `max_len` values, biased toward 0 (the
/// nominal option) and small values, with the occasional large one (which
/// replay wraps into range), so that generated schedules stay close to the
/// in-order run and deviate in a few places, as real races do.
pub fn choices(max_len: usize) -> impl Strategy<Value = Vec<u32>> {
    proptest::collection::vec(choice(), 0..=max_len)
}

/// One choice: usually 0, often small, sometimes anything.
pub fn choice() -> impl Strategy<Value = u32> {
    prop_oneof![
        6 => Just(0u32),
        3 => 1u32..4,
        2 => 0u32..32,
        1 => any::<u32>(),
    ]
}
