//! The lowering pass: bring each deviation's value down by binary search
//! between 0 (known to pass: the deletion pass tried it) and its value.

use super::Shrinker;

/// Lowers every deviation in turn, in label order.
pub(super) fn values(shrinker: &mut Shrinker<'_>) {
    let mut index = 0;
    while index < shrinker.current.len() && !shrinker.exhausted() {
        lower_one(shrinker, index);
        index += 1;
    }
}

/// Binary search between a passing value and the failing current one. An
/// accepted candidate can change the schedule (a value wrapped, a
/// deviation no longer reached), so the deviation is looked up again
/// after each.
fn lower_one(shrinker: &mut Shrinker<'_>, index: usize) {
    let Some(&deviation) = shrinker.current.deviations().get(index) else {
        return;
    };
    let label = deviation.label;
    let (mut passes, mut fails) = (0u32, deviation.value);
    while fails - passes > 1 && !shrinker.exhausted() {
        let middle = passes + (fails - passes) / 2;
        if shrinker.fails(&shrinker.current.with(label, middle)) {
            match shrinker.current.get(label) {
                Some(now) if now > passes && now < fails => fails = now,
                _ => return,
            }
        } else {
            passes = middle;
        }
    }
}
