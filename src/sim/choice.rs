//! The one source of nondeterminism. Every decision of a run is a draw
//! `choose(n) -> 0..n`; a run is a pure function of its choice sequence.
//!
//! Choice 0 is always the nominal option (oldest message, base latency, no
//! fault), so an all-zero sequence is the boring in-order run and a shrunk
//! sequence shows only the deviations that matter.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What a draw decides. Recorded beside each value so that a shrunk
/// schedule can say what its non-zero choices mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum ChoiceKind {
    /// Extra latency of one message, in ticks above the minimum.
    Delay,
    /// Whether a message is lost.
    Drop,
    /// Whether a message is delivered twice.
    Duplicate,
    /// When a scripted client acts, in ticks after its earliest start.
    ClientTiming,
    /// Whether a fault point fires (an injected error, as BUGGIFY does).
    Fault,
    /// Which fault kinds a swarm run enables.
    Swarm,
}

impl ChoiceKind {
    pub const ALL: [ChoiceKind; 6] = [
        ChoiceKind::Delay,
        ChoiceKind::Drop,
        ChoiceKind::Duplicate,
        ChoiceKind::ClientTiming,
        ChoiceKind::Fault,
        ChoiceKind::Swarm,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ChoiceKind::Delay => "delay",
            ChoiceKind::Drop => "drop",
            ChoiceKind::Duplicate => "duplicate",
            ChoiceKind::ClientTiming => "client-timing",
            ChoiceKind::Fault => "fault",
            ChoiceKind::Swarm => "swarm",
        }
    }
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

enum Source {
    Seeded(ChaCha8Rng),
    /// Replays `values`; past their end every choice is 0, or, when
    /// `continue_from` holds a generator, drawn from it (lenient replay).
    Replay {
        values: Vec<u32>,
        position: usize,
        continue_from: Option<ChaCha8Rng>,
    },
}

/// Draws choices and records them (value and kind) as it goes.
pub struct Choices {
    source: Source,
    recorded: Vec<u32>,
    kinds: Vec<ChoiceKind>,
}

impl Choices {
    /// Choices drawn from `ChaCha8Rng` seeded with `seed`.
    pub fn seeded(seed: u64) -> Choices {
        Choices::from_source(Source::Seeded(ChaCha8Rng::seed_from_u64(seed)))
    }

    /// Choices read back from a recorded sequence; 0 past its end.
    pub fn replay(values: Vec<u32>) -> Choices {
        Choices::from_source(Source::Replay {
            values,
            position: 0,
            continue_from: None,
        })
    }

    /// Like [`Choices::replay`], but past the end of `values` the choices
    /// come from `seed`'s generator, as if the run had been seeded.
    pub fn replay_then_seed(values: Vec<u32>, seed: u64) -> Choices {
        Choices::from_source(Source::Replay {
            values,
            position: 0,
            continue_from: Some(ChaCha8Rng::seed_from_u64(seed)),
        })
    }

    fn from_source(source: Source) -> Choices {
        // Sized for a typical run, so that recording rarely reallocates.
        Choices {
            source,
            recorded: Vec::with_capacity(128),
            kinds: Vec::with_capacity(128),
        }
    }

    /// A value in `0..n`. With `n <= 1` there is nothing to decide: nothing
    /// is drawn or recorded, which keeps sequences short.
    pub fn choose(&mut self, kind: ChoiceKind, n: u32) -> u32 {
        if n <= 1 {
            return 0;
        }
        self.draw(kind, n, |rng| rng.random_range(0..n))
    }

    /// True with probability `ratio`; recorded as 1 (the deviation) or 0.
    /// Replay maps a recorded value onto {0, 1}; past the end it draws at
    /// `ratio` from the continuation generator, as the seeded run would
    /// (not 50/50), or else takes the nominal 0.
    pub fn flip(&mut self, kind: ChoiceKind, ratio: Ratio) -> bool {
        if ratio.is_never() {
            return false;
        }
        self.draw(kind, 2, |rng| {
            u32::from(rng.random_ratio(ratio.numerator, ratio.denominator))
        }) == 1
    }

    /// One recorded decision among `n` options: `fresh` draws it from a
    /// generator; a replay reads it back (wrapped into range), and past its
    /// end continues from its generator, if any, or takes 0.
    fn draw(&mut self, kind: ChoiceKind, n: u32, fresh: impl FnOnce(&mut ChaCha8Rng) -> u32) -> u32 {
        let value = match &mut self.source {
            Source::Seeded(rng) => fresh(rng),
            Source::Replay {
                values,
                position,
                continue_from,
            } => {
                let value = match values.get(*position) {
                    Some(&v) => v % n,
                    None => continue_from.as_mut().map_or(0, fresh),
                };
                *position += 1;
                value
            }
        };
        self.recorded.push(value);
        self.kinds.push(kind);
        value
    }

    /// The values drawn so far.
    pub fn recorded(&self) -> &[u32] {
        &self.recorded
    }

    /// What each drawn value decided, in order.
    pub fn kinds(&self) -> &[ChoiceKind] {
        &self.kinds
    }

    /// Whether a replay read past the end of its recorded values.
    pub fn replay_overran(&self) -> bool {
        match &self.source {
            Source::Seeded(_) => false,
            Source::Replay { values, position, .. } => *position > values.len(),
        }
    }

    pub fn into_recorded(self) -> (Vec<u32>, Vec<ChoiceKind>) {
        (self.recorded, self.kinds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_of_a_seeded_run_draws_the_same_values() {
        let mut seeded = Choices::seeded(7);
        let drawn: Vec<u32> = (0..50).map(|i| seeded.choose(ChoiceKind::Delay, 3 + i)).collect();
        let mut replay = Choices::replay(seeded.recorded().to_vec());
        let replayed: Vec<u32> = (0..50).map(|i| replay.choose(ChoiceKind::Delay, 3 + i)).collect();
        assert_eq!(drawn, replayed);
        assert!(!replay.replay_overran());
    }

    #[test]
    fn replay_past_the_end_is_the_nominal_choice() {
        let mut replay = Choices::replay(vec![2]);
        assert_eq!(replay.choose(ChoiceKind::Delay, 5), 2);
        assert_eq!(replay.choose(ChoiceKind::Delay, 5), 0);
        assert!(!replay.flip(ChoiceKind::Drop, Ratio::new(1, 1)));
        assert!(replay.replay_overran());
    }

    #[test]
    fn lenient_replay_past_the_end_flips_at_the_ratio_like_the_seeded_run() {
        let rare = Ratio::new(1, 100);
        let mut seeded = Choices::seeded(11);
        let mut lenient = Choices::replay_then_seed(Vec::new(), 11);
        let expected: Vec<bool> = (0..400).map(|_| seeded.flip(ChoiceKind::Drop, rare)).collect();
        let flipped: Vec<bool> = (0..400).map(|_| lenient.flip(ChoiceKind::Drop, rare)).collect();
        assert_eq!(flipped, expected);
        assert_eq!(lenient.recorded(), seeded.recorded());
        assert!(lenient.flip(ChoiceKind::Drop, Ratio::new(1, 1)));
        let mut within = Choices::replay_then_seed(vec![3, 0], 11);
        assert!(within.flip(ChoiceKind::Drop, rare));
        assert!(!within.flip(ChoiceKind::Drop, Ratio::new(1, 1)));
    }

    #[test]
    fn a_decision_with_one_option_draws_nothing() {
        let mut seeded = Choices::seeded(1);
        assert_eq!(seeded.choose(ChoiceKind::Delay, 1), 0);
        assert!(!seeded.flip(ChoiceKind::Drop, Ratio::NEVER));
        assert!(seeded.recorded().is_empty());
    }

    #[test]
    fn out_of_range_replayed_values_wrap_into_range() {
        let mut replay = Choices::replay(vec![7, 9]);
        assert_eq!(replay.choose(ChoiceKind::Delay, 4), 3);
        assert!(replay.flip(ChoiceKind::Drop, Ratio::new(1, 100)));
    }
}
