//! The one source of nondeterminism. Every decision of a run is a draw
//! `choose(label, n) -> 0..n` at a **labelled choice point**; a run is a
//! pure function of its schedule, the sparse map label → value.
//!
//! - Choice 0 is always the nominal option (base latency, no loss, no
//!   fault, FIFO order), so the empty schedule is the boring in-order run
//!   and a schedule lists only its deviations.
//! - A label names a decision stably across runs ("delay of the 3rd message
//!   on link 4→1"), not by its position among the draws: a change to one
//!   decision leaves the meaning of every other one alone, so schedules
//!   shrink by deleting deviations, survive model changes that do not touch
//!   their labels, and replay on another variant wherever a label exists.
//! - A seeded value is derived from (seed, label) alone, so a seed keeps
//!   its meaning wherever the model did not change.
//!
//! The engine owns the network's kinds ([`ChoiceKind::DELAY`], ...); a
//! model numbers its own from [`ChoiceKind::FIRST_MODEL`] on and names them.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What a choice point decides: the engine's kinds below, the model's from
/// [`ChoiceKind::FIRST_MODEL`] on. A bare number, so that `sim` holds no
/// model words; the model gives its kinds their names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChoiceKind(pub u8);

impl ChoiceKind {
    /// Extra latency of one message, in ticks above the minimum.
    pub const DELAY: ChoiceKind = ChoiceKind(0);
    /// Whether a message is lost.
    pub const DROP: ChoiceKind = ChoiceKind(1);
    /// Whether a message is delivered twice.
    pub const DUPLICATE: ChoiceKind = ChoiceKind(2);
    /// Where a message goes among events due at the same tick (0: in the
    /// order they were scheduled).
    pub const ORDER: ChoiceKind = ChoiceKind(3);
    /// The first number free for a model's (or a driver's) own kinds.
    pub const FIRST_MODEL: u8 = 8;

    /// The engine's kinds and their names.
    pub const ENGINE: [(ChoiceKind, &'static str); 4] = [
        (ChoiceKind::DELAY, "delay"),
        (ChoiceKind::DROP, "drop"),
        (ChoiceKind::DUPLICATE, "duplicate"),
        (ChoiceKind::ORDER, "order"),
    ];
}

/// A choice point's stable name: its kind and three numbers whose meaning
/// the kind's owner gives (for the network: sender, receiver, and the
/// message's number on that link).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Label {
    pub kind: ChoiceKind,
    pub a: u32,
    pub b: u32,
    pub c: u32,
}

impl Label {
    pub const fn new(kind: ChoiceKind, a: u32, b: u32, c: u32) -> Label {
        Label { kind, a, b, c }
    }
}

/// One decision a run took away from nominal: `label` took `value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Deviation {
    pub label: Label,
    pub value: u32,
}

/// A choice point a run reached, with its number of options (for
/// exploration: what else it could have done).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Point {
    pub label: Label,
    pub options: u32,
    pub value: u32,
}

/// A probability as an integer ratio, so that runs are portable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Ratio {
    pub numerator: u32,
    pub denominator: u32,
}

impl Ratio {
    pub const NEVER: Ratio = Ratio {
        numerator: 0,
        denominator: 1,
    };

    pub fn new(numerator: u32, denominator: u32) -> Ratio {
        assert!(denominator > 0 && numerator <= denominator, "bad ratio");
        Ratio { numerator, denominator }
    }

    pub fn is_never(self) -> bool {
        self.numerator == 0
    }
}

impl std::fmt::Display for Ratio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.numerator, self.denominator)
    }
}

/// A sparse schedule: the deviations, sorted by label, at most one per
/// label. Every label absent from it takes 0.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Schedule(Vec<Deviation>);

impl Schedule {
    /// The schedule of `deviations` (later ones win on a repeated label;
    /// zero values are dropped: they are the nominal choice anyway).
    pub fn new(deviations: impl IntoIterator<Item = Deviation>) -> Schedule {
        let mut list: Vec<Deviation> = deviations.into_iter().collect();
        // A stable sort keeps repeats of a label in their given order; the
        // dedup then folds each run of repeats into its first slot with the
        // last value.
        list.sort_by_key(|d| d.label);
        list.dedup_by(|later, kept| {
            let same = later.label == kept.label;
            if same {
                kept.value = later.value;
            }
            same
        });
        list.retain(|d| d.value != 0);
        Schedule(list)
    }

    pub fn deviations(&self) -> &[Deviation] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value this schedule gives `label`, if it deviates there.
    pub fn get(&self, label: Label) -> Option<u32> {
        self.0
            .binary_search_by_key(&label, |d| d.label)
            .ok()
            .map(|i| self.0[i].value)
    }

    /// This schedule with `label` set to `value` (0 removes it).
    pub fn with(&self, label: Label, value: u32) -> Schedule {
        let mut list = self.0.clone();
        match list.binary_search_by_key(&label, |d| d.label) {
            Ok(i) if value == 0 => {
                list.remove(i);
            }
            Ok(i) => list[i].value = value,
            Err(_) if value == 0 => {}
            Err(i) => list.insert(i, Deviation { label, value }),
        }
        Schedule(list)
    }

    /// Sum of the deviations' values (a tiebreak for shrinking: smaller is
    /// closer to nominal).
    pub fn weight(&self) -> u64 {
        self.0.iter().map(|d| u64::from(d.value)).sum()
    }
}

/// Where values come from.
#[derive(Clone)]
enum Source {
    /// Derived from (seed, label): a keyed hash whose key comes from
    /// `ChaCha8Rng` seeded with the seed.
    Seeded { key: [u64; 2] },
    /// Read from a schedule; absent labels take 0.
    Replay(Schedule),
}

/// Draws choices and records the deviations (and, when asked, every
/// choice point reached).
#[derive(Clone)]
pub struct Choices {
    source: Source,
    /// The non-zero draws, in draw order.
    deviations: Vec<Deviation>,
    /// Every choice point reached, in draw order (only when recording).
    points: Option<Vec<Point>>,
    /// How many draws the run made.
    drawn: u32,
    /// Replayed values the point reached had no room for, with its
    /// number of options (each was wrapped into range).
    out_of_range: Vec<(Deviation, u32)>,
}

impl Choices {
    /// Values derived from `seed` and each label.
    pub fn seeded(seed: u64) -> Choices {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let key = [rng.next_u64(), rng.next_u64()];
        Choices::from_source(Source::Seeded { key })
    }

    /// Values read from `schedule`; 0 for every label it does not list.
    pub fn replay(schedule: Schedule) -> Choices {
        Choices::from_source(Source::Replay(schedule))
    }

    fn from_source(source: Source) -> Choices {
        Choices {
            source,
            deviations: Vec::with_capacity(64),
            points: None,
            drawn: 0,
            out_of_range: Vec::new(),
        }
    }

    /// Also record every choice point reached (exploration needs them;
    /// fuzzing does not).
    pub fn record_points(mut self) -> Choices {
        self.points = Some(Vec::with_capacity(64));
        self
    }

    /// A value in `0..n` for `label`. With `n <= 1` there is nothing to
    /// decide: nothing is drawn or recorded.
    pub fn choose(&mut self, label: Label, n: u32) -> u32 {
        if n <= 1 {
            return 0;
        }
        self.draw(label, n, |hash| (hash % u64::from(n)) as u32)
    }

    /// True with probability `ratio`; recorded as 1 (the deviation) or 0.
    pub fn flip(&mut self, label: Label, ratio: Ratio) -> bool {
        if ratio.is_never() {
            return false;
        }
        let denominator = u64::from(ratio.denominator);
        let numerator = u64::from(ratio.numerator);
        self.draw(label, 2, |hash| u32::from(hash % denominator < numerator)) == 1
    }

    fn draw(&mut self, label: Label, n: u32, from_hash: impl FnOnce(u64) -> u32) -> u32 {
        let value = match &self.source {
            Source::Seeded { key } => from_hash(derive(*key, label)),
            // A value recorded for more options than the point now has
            // is wrapped into range (the model changed under it), and
            // reported: strict callers refuse it.
            Source::Replay(schedule) => match schedule.get(label) {
                Some(v) if v >= n => {
                    self.out_of_range.push((Deviation { label, value: v }, n));
                    v % n
                }
                v => v.unwrap_or(0),
            },
        };
        self.drawn += 1;
        if value != 0 {
            self.deviations.push(Deviation { label, value });
        }
        if let Some(points) = &mut self.points {
            points.push(Point {
                label,
                options: n,
                value,
            });
        }
        value
    }

    /// The deviations drawn so far, in draw order.
    pub fn deviations(&self) -> &[Deviation] {
        &self.deviations
    }

    /// How many draws were made.
    pub fn drawn(&self) -> u32 {
        self.drawn
    }

    /// The deviations of a replayed schedule that the run never drew
    /// (their labels no longer exist, or the run took another course).
    pub fn unused(&self) -> Vec<Deviation> {
        match &self.source {
            Source::Seeded { .. } => Vec::new(),
            Source::Replay(schedule) => schedule
                .deviations()
                .iter()
                .filter(|d| !self.deviations.iter().any(|x| x.label == d.label))
                .copied()
                .collect(),
        }
    }

    /// What the run drew: its deviations, the unused deviations of a
    /// replay, every point reached (when recording) and the number of draws.
    pub fn into_record(self) -> ChoiceRecord {
        let unused = self.unused();
        ChoiceRecord {
            deviations: self.deviations,
            unused,
            out_of_range: self.out_of_range,
            points: self.points,
            drawn: self.drawn,
        }
    }
}

/// What a run's choices came to.
#[derive(Clone, Debug, Default)]
pub struct ChoiceRecord {
    /// The run's deviations in draw order; as a [`Schedule`], replaying
    /// them is the same run.
    pub deviations: Vec<Deviation>,
    /// Deviations of a replayed schedule the run never reached.
    pub unused: Vec<Deviation>,
    /// Replayed values out of their point's range, with its options.
    pub out_of_range: Vec<(Deviation, u32)>,
    pub points: Option<Vec<Point>>,
    pub drawn: u32,
}

/// The value of `label` under `key`: a keyed 64-bit mix of the label's
/// words (SplitMix64's finaliser, chained), portable and fast enough to run
/// at every draw.
fn derive(key: [u64; 2], label: Label) -> u64 {
    let words = [
        u64::from(label.kind.0),
        u64::from(label.a) | (u64::from(label.b) << 32),
        u64::from(label.c),
    ];
    let mut hash = key[0];
    for word in words {
        hash = mix(hash ^ word).wrapping_add(key[1]);
    }
    mix(hash)
}

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(c: u32) -> Label {
        Label::new(ChoiceKind::DELAY, 1, 2, c)
    }

    #[test]
    fn replaying_a_seeded_runs_deviations_draws_the_same_values() {
        let mut seeded = Choices::seeded(7);
        let drawn: Vec<u32> = (0..50).map(|i| seeded.choose(label(i), 3 + i)).collect();
        let record = seeded.into_record();
        let mut replay = Choices::replay(Schedule::new(record.deviations));
        let replayed: Vec<u32> = (0..50).map(|i| replay.choose(label(i), 3 + i)).collect();
        assert_eq!(drawn, replayed);
        assert!(replay.unused().is_empty());
    }

    #[test]
    fn a_seeded_value_depends_on_its_label_not_on_draw_order() {
        let mut forward = Choices::seeded(3);
        let mut backward = Choices::seeded(3);
        let a: Vec<u32> = (0..20).map(|i| forward.choose(label(i), 1000)).collect();
        let mut b: Vec<u32> = (0..20).rev().map(|i| backward.choose(label(i), 1000)).collect();
        b.reverse();
        assert_eq!(a, b);
        let mut other_seed = Choices::seeded(4);
        let c: Vec<u32> = (0..20).map(|i| other_seed.choose(label(i), 1000)).collect();
        assert_ne!(a, c);
    }

    #[test]
    fn labels_absent_from_a_schedule_take_the_nominal_choice() {
        let schedule = Schedule::new([Deviation {
            label: label(5),
            value: 2,
        }]);
        let mut replay = Choices::replay(schedule);
        assert_eq!(replay.choose(label(4), 5), 0);
        assert_eq!(replay.choose(label(5), 5), 2);
        assert!(!replay.flip(label(6), Ratio::new(1, 1)));
        assert!(replay.unused().is_empty());
    }

    #[test]
    fn a_deviation_never_reached_is_reported_unused() {
        let schedule = Schedule::new([Deviation {
            label: label(9),
            value: 1,
        }]);
        let mut replay = Choices::replay(schedule);
        replay.choose(label(1), 3);
        assert_eq!(replay.into_record().unused.len(), 1);
    }

    #[test]
    fn flips_happen_at_about_their_ratio() {
        let mut seeded = Choices::seeded(11);
        let hits = (0..10_000)
            .filter(|&i| seeded.flip(label(i), Ratio::new(1, 10)))
            .count();
        assert!((800..1200).contains(&hits), "{hits} of 10000 at 1/10");
    }

    #[test]
    fn a_decision_with_one_option_draws_nothing() {
        let mut seeded = Choices::seeded(1);
        assert_eq!(seeded.choose(label(0), 1), 0);
        assert!(!seeded.flip(label(1), Ratio::NEVER));
        assert_eq!(seeded.drawn(), 0);
    }

    #[test]
    fn out_of_range_replayed_values_wrap_into_range() {
        let schedule = Schedule::new([Deviation {
            label: label(0),
            value: 7,
        }]);
        let mut replay = Choices::replay(schedule);
        assert_eq!(replay.choose(label(0), 4), 3);
    }

    #[test]
    fn schedules_are_sorted_sparse_and_editable() {
        let s = Schedule::new([
            Deviation {
                label: label(3),
                value: 1,
            },
            Deviation {
                label: label(1),
                value: 0,
            },
            Deviation {
                label: label(2),
                value: 4,
            },
        ]);
        assert_eq!(s.len(), 2);
        assert_eq!(s.deviations()[0].label, label(2));
        assert_eq!(s.with(label(2), 0).len(), 1);
        assert_eq!(s.with(label(7), 5).get(label(7)), Some(5));
        assert_eq!(s.weight(), 5);
    }
}
