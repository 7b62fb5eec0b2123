//! A small, portable, deterministic hasher for trace hashes.
//!
//! `std`'s `DefaultHasher` is not guaranteed stable across releases, and
//! derived `Hash` writes `usize` lengths and `isize` discriminants whose
//! width depends on the platform; this hasher widens both to 64 bits so a
//! trace hash is the same on every machine.

use std::hash::{Hash, Hasher};

const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TraceHasher {
    state: u64,
}

impl TraceHasher {
    pub fn new() -> TraceHasher {
        TraceHasher {
            state: 0xCBF2_9CE4_8422_2325,
        }
    }

    /// Folds one value into the running hash.
    pub fn mix<T: Hash + ?Sized>(&mut self, value: &T) {
        value.hash(self);
    }
}

impl Hasher for TraceHasher {
    fn finish(&self) -> u64 {
        // A final avalanche so that nearby states give distant hashes.
        let mut x = self.state;
        x ^= x >> 33;
        x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        x ^= x >> 33;
        x
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }
    fn write_u16(&mut self, i: u16) {
        self.write_u64(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.state = (self.state.rotate_left(5) ^ i).wrapping_mul(MULTIPLIER);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    fn write_isize(&mut self, i: isize) {
        self.write_u64(i as i64 as u64);
    }
}

/// Folds `value`'s `Debug` text into `hasher`, without allocating: for
/// state that has no `Hash` (a whole model world), where a slower but
/// complete fingerprint is wanted.
pub fn hash_debug<T: std::fmt::Debug + ?Sized>(hasher: &mut TraceHasher, value: &T) {
    use std::fmt::Write;
    struct Feed<'a>(&'a mut TraceHasher);
    impl Write for Feed<'_> {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.write(s.as_bytes());
            Ok(())
        }
    }
    let _ = write!(Feed(hasher), "{value:?}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_of_a_fixed_value_is_pinned() {
        // Pinned so that a change of hashing (which would invalidate every
        // saved artifact) cannot slip in unnoticed.
        let mut h = TraceHasher::new();
        h.mix(&(1u64, "join", vec![3u32, 4]));
        assert_eq!(h.finish(), 0xe3a9_1272_28f5_8f10);
    }
}
