//! The zeroing passes: set spans, then pairs, of choices to 0 at once.
//! Unlike deletion, zeroing keeps later choices where they were, so it
//! finds the moves where several deviations only matter together (an
//! admin who starts early *and* a joiner that no longer needs delaying).

use super::Shrinker;

/// Zeroes spans from half the sequence down to two choices (single choices
/// are the lowering pass's), at multiples of their size.
pub(super) fn spans(shrinker: &mut Shrinker<'_>) {
    let mut size = shrinker.current.len() / 2;
    while size >= 2 && !shrinker.exhausted() {
        let mut start = 0;
        while start + size <= shrinker.current.len() && !shrinker.exhausted() {
            let mut candidate = shrinker.current.clone();
            candidate[start..start + size].fill(0);
            if candidate != shrinker.current {
                shrinker.fails(&candidate);
            }
            start += size;
        }
        size /= 2;
    }
}

/// Zeroes every pair of non-zero choices.
pub(super) fn pairs(shrinker: &mut Shrinker<'_>) {
    let mut first = 0;
    while first < shrinker.current.len() && !shrinker.exhausted() {
        let mut second = first + 1;
        while second < shrinker.current.len() && !shrinker.exhausted() {
            let current = &shrinker.current;
            if current[first] != 0 && current[second] != 0 {
                let mut candidate = current.clone();
                candidate[first] = 0;
                candidate[second] = 0;
                shrinker.fails(&candidate);
            }
            second += 1;
        }
        first += 1;
    }
}
