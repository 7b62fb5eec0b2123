//! The lowering pass: bring each non-zero choice to 0 if the failure
//! survives that, else to the smallest value a binary search finds.

use super::Shrinker;

/// Lowers every choice in turn, front to back.
pub(super) fn values(shrinker: &mut Shrinker<'_>) {
    let mut index = 0;
    while index < shrinker.current.len() && !shrinker.exhausted() {
        lower_one(shrinker, index);
        index += 1;
    }
}

/// Lowers the choice at `index`: to 0 when that still fails, else by
/// binary search between 0 (passes) and its value (fails). An accepted
/// candidate can change the sequence (wrapped values, fewer draws), so the
/// value is re-read after each.
fn lower_one(shrinker: &mut Shrinker<'_>, index: usize) {
    let Some(&value) = shrinker.current.get(index) else {
        return;
    };
    if value == 0 || shrinker.fails(&with_value(&shrinker.current, index, 0)) {
        return;
    }
    let (mut passes, mut fails) = (0u32, value);
    while fails - passes > 1 && !shrinker.exhausted() {
        let middle = passes + (fails - passes) / 2;
        if shrinker.fails(&with_value(&shrinker.current, index, middle)) {
            match shrinker.current.get(index) {
                Some(&now) if now > passes => fails = now,
                _ => return,
            }
        } else {
            passes = middle;
        }
    }
}

fn with_value(choices: &[u32], index: usize, value: u32) -> Vec<u32> {
    let mut candidate = choices.to_vec();
    candidate[index] = value;
    candidate
}
