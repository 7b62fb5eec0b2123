//! proptest strategies over schedules. A run is a pure function of its
//! schedule (the labelled deviations from nominal), so a generated set of
//! deviations is a whole run, and proptest's own shrinking of the set
//! (remove elements, shrink values) shrinks the run.

use proptest::prelude::*;

use crate::run::{RunOptions, Source, run};
use crate::scenario::Scenario;
use crate::sim::{Deviation, Point, Schedule};

/// The choice points `scenario` reaches in its nominal run and in seeded
/// runs `1..=seeds` (deviations lead to points the nominal run never
/// reaches), one per label, with the most options seen.
pub fn choice_points(scenario: &Scenario, seeds: u64) -> Vec<Point> {
    let options = RunOptions {
        points: true,
        ..RunOptions::default()
    };
    let sources = std::iter::once(Source::Schedule(Schedule::default())).chain((1..=seeds).map(Source::Seed));
    let mut points: Vec<Point> = Vec::new();
    for source in sources {
        for p in run(scenario, &source, options).points.unwrap_or_default() {
            match points.iter_mut().find(|q| q.label == p.label) {
                Some(q) => q.options = q.options.max(p.options),
                None => points.push(p),
            }
        }
    }
    points.sort_by_key(|p| p.label);
    points
}

/// Schedules of up to `max` deviations at `points`, each value in
/// `1..options`: half the time small (a message a little late), half the
/// time anywhere in range (an admin who acts much later).
pub fn schedules(points: Vec<Point>, max: usize) -> impl Strategy<Value = Schedule> {
    assert!(!points.is_empty(), "a scenario with choice points");
    let count = points.len();
    let pick = (0..count, value());
    proptest::collection::vec(pick, 0..=max).prop_map(move |picks| {
        Schedule::new(picks.into_iter().map(|(i, v)| {
            let point = points[i];
            Deviation {
                label: point.label,
                value: 1 + v % (point.options - 1).max(1),
            }
        }))
    })
}

/// A value offset: small, or anything (taken modulo the options).
fn value() -> impl Strategy<Value = u32> {
    prop_oneof![
        1 => 0u32..4,
        1 => any::<u32>(),
    ]
}
