//! The deletion pass: remove deviations in chunks, largest chunks first,
//! halving the size down to single deviations (ddmin's granularity).

use super::Shrinker;
use crate::sim::Schedule;

/// Tries deleting chunks of every size from half the schedule down to 1.
/// Single deviations are tried at every position, which the 1-minimality
/// of the result needs.
pub(super) fn chunks(shrinker: &mut Shrinker<'_>) {
    let mut size = (shrinker.current.len() / 2).max(1);
    loop {
        chunks_of(shrinker, size);
        if size == 1 || shrinker.exhausted() {
            return;
        }
        size /= 2;
    }
}

/// Tries deleting each deviation once, front to back (proptest's
/// `VecValueTree` order): the second path's deletion pass.
pub(super) fn front_to_back(shrinker: &mut Shrinker<'_>) {
    chunks_of(shrinker, 1);
}

fn chunks_of(shrinker: &mut Shrinker<'_>, size: usize) {
    let mut start = 0;
    while start + size <= shrinker.current.len() && !shrinker.exhausted() {
        let kept = shrinker.current.deviations().iter().enumerate();
        let candidate = Schedule::new(
            kept.filter(|(i, _)| !(start..start + size).contains(i))
                .map(|(_, d)| *d),
        );
        if !shrinker.fails(&candidate) {
            start += size;
        }
        // On success the chunk's successors moved into it: try it again.
    }
}
