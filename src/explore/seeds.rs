//! The seed space of a campaign and its split across CI machines.

/// Seeds `from..=to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedRange {
    pub from: u64,
    pub to: u64,
}

impl SeedRange {
    /// How many seeds the range holds. The whole `u64` space (2^64 seeds)
    /// does not fit in a `u64`, so it counts as `u64::MAX`: one seed short,
    /// which no campaign lives long enough to notice.
    pub fn len(&self) -> u64 {
        match self.to.checked_sub(self.from) {
            Some(span) => span.saturating_add(1),
            None => 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Shard `index` (1-based) of `count`: the seeds whose offset in the range
/// is `index - 1` modulo `count`. Interleaving (rather than cutting the
/// range in blocks) keeps every shard's seeds spread over the whole range,
/// so that a time-bounded shard still samples it evenly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    /// Parses `I/N` with `1 <= I <= N`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| format!("--shard: expected I/N (e.g. 2/3), got \"{text}\""))?;
        let parse = |s: &str| {
            s.trim()
                .parse::<u64>()
                .map_err(|_| format!("--shard: \"{text}\" is not I/N"))
        };
        let (index, count) = (parse(i)?, parse(n)?);
        if count == 0 || index == 0 || index > count {
            return Err(format!("--shard: need 1 <= I <= N, got {index}/{count}"));
        }
        Ok(Shard { index, count })
    }

    /// The `position`-th seed of this shard within `range`, if any.
    pub fn seed(&self, range: SeedRange, position: u64) -> Option<u64> {
        let offset = position.checked_mul(self.count)?.checked_add(self.index - 1)?;
        (offset < range.len()).then(|| range.from + offset)
    }

    /// How many seeds of `range` this shard runs.
    pub fn len(&self, range: SeedRange) -> u64 {
        let total = range.len();
        if total < self.index {
            return 0;
        }
        (total - self.index) / self.count + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_range() {
        let range = SeedRange { from: 5, to: 104 };
        let mut all: Vec<u64> = Vec::new();
        for index in 1..=3 {
            let shard = Shard { index, count: 3 };
            let seeds: Vec<u64> = (0..shard.len(range)).map(|p| shard.seed(range, p).unwrap()).collect();
            assert!(shard.seed(range, shard.len(range)).is_none());
            all.extend(seeds);
        }
        all.sort();
        assert_eq!(all, (5..=104).collect::<Vec<_>>());
    }

    #[test]
    fn ranges_up_to_the_last_seed_do_not_overflow() {
        let to_max = SeedRange { from: 1, to: u64::MAX };
        assert_eq!(to_max.len(), u64::MAX);
        assert!(!to_max.is_empty());
        assert_eq!(SeedRange { from: 0, to: u64::MAX }.len(), u64::MAX);
        assert_eq!(
            SeedRange {
                from: u64::MAX,
                to: u64::MAX
            }
            .len(),
            1
        );
        assert!(SeedRange { from: 9, to: 3 }.is_empty());
        let shard = Shard { index: 2, count: 2 };
        assert_eq!(shard.len(to_max), u64::MAX / 2);
        assert_eq!(shard.seed(to_max, u64::MAX / 2 - 1), Some(u64::MAX - 1));
        assert_eq!(shard.seed(to_max, u64::MAX / 2), None);
    }

    #[test]
    fn bad_shards_are_refused() {
        for text in ["0/3", "4/3", "1/0", "x", "1/2/3", "a/b"] {
            assert!(Shard::parse(text).is_err(), "{text}");
        }
        assert_eq!(Shard::parse("2/3"), Ok(Shard { index: 2, count: 3 }));
    }
}
