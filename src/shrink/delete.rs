//! The deletion pass: remove spans of choices, largest first, halving the
//! span size down to single choices (ddmin's granularity schedule).

use super::Shrinker;

/// Tries deleting spans of every size from half the sequence down to 1.
/// Spans above one choice are tried at multiples of their size; single
/// choices at every position, which the 1-minimality of the result needs.
pub(super) fn spans(shrinker: &mut Shrinker<'_>) {
    let mut size = (shrinker.current.len() / 2).max(1);
    loop {
        spans_of(shrinker, size);
        if size == 1 || shrinker.exhausted() {
            return;
        }
        size /= 2;
    }
}

fn spans_of(shrinker: &mut Shrinker<'_>, size: usize) {
    let mut start = 0;
    while start + size <= shrinker.current.len() && !shrinker.exhausted() {
        let mut candidate = shrinker.current.clone();
        candidate.drain(start..start + size);
        if !shrinker.fails(&candidate) {
            start += size;
        }
        // On success the span's successors moved into it: try it again.
    }
}
