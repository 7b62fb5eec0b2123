//! A fixed-size set of small numbers (nodes, cluster group names) as a bit
//! mask: `Copy`, no heap, four words wide. Its width is the model's limit
//! on nodes and on group names; scenarios beyond it are refused when they
//! are loaded (`scenario/compile/`, `names.rs`), with file, line and key.

use std::marker::PhantomData;

use crate::sim::NodeId;

/// How many distinct elements a [`BitSet`] holds: the most nodes a scenario
/// may declare (members, joiners and admin clients together), and the most
/// cluster group names (`default` included) it may mention.
pub const CAPACITY: usize = 256;

const WORDS: usize = CAPACITY / 64;

/// What a [`BitSet`] can hold: a number below [`CAPACITY`].
pub trait Element: Copy {
    fn index(self) -> usize;
    fn from_index(index: usize) -> Self;
}

impl Element for NodeId {
    fn index(self) -> usize {
        usize::from(self)
    }
    fn from_index(index: usize) -> NodeId {
        NodeId::try_from(index).expect("an index below CAPACITY")
    }
}

/// A set of `T`s below [`CAPACITY`], as a bit mask.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
pub struct BitSet<T> {
    words: [u64; WORDS],
    element: PhantomData<T>,
}

// Derived `Clone`/`Copy`/`Default` would demand them of `T` too.
impl<T> Clone for BitSet<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for BitSet<T> {}

impl<T> Default for BitSet<T> {
    fn default() -> Self {
        Self::EMPTY
    }
}

impl<T> std::hash::Hash for BitSet<T> {
    /// A set of elements below 64 hashes as the one 64-bit mask it was
    /// before the sets grew to 256, so that trace hashes (the pinned one,
    /// those in saved artifacts) stay what they were; the higher words are
    /// mixed in only when one is not empty.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.words[0]);
        if self.words[1..].iter().any(|&w| w != 0) {
            for &w in &self.words[1..] {
                state.write_u64(w);
            }
        }
    }
}

impl<T> BitSet<T> {
    pub const EMPTY: BitSet<T> = BitSet {
        words: [0; WORDS],
        element: PhantomData,
    };

    pub fn is_empty(self) -> bool {
        self.words.iter().all(|&w| w == 0)
    }

    /// How many elements the set holds.
    pub fn len(self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The elements of `self` that are not in `other`.
    pub fn minus(self, other: BitSet<T>) -> BitSet<T> {
        let mut words = self.words;
        for (w, o) in words.iter_mut().zip(other.words) {
            *w &= !o;
        }
        BitSet {
            words,
            element: PhantomData,
        }
    }
}

impl<T: Element> BitSet<T> {
    pub fn only(element: T) -> BitSet<T> {
        let mut set = Self::EMPTY;
        set.insert(element);
        set
    }

    fn slot(element: T) -> (usize, u64) {
        let i = element.index();
        debug_assert!(i < CAPACITY, "element {i} beyond the set's capacity");
        (i / 64, 1 << (i % 64))
    }

    pub fn contains(self, element: T) -> bool {
        let (word, bit) = Self::slot(element);
        self.words[word] & bit != 0
    }

    pub fn insert(&mut self, element: T) {
        let (word, bit) = Self::slot(element);
        self.words[word] |= bit;
    }

    pub fn remove(&mut self, element: T) {
        let (word, bit) = Self::slot(element);
        self.words[word] &= !bit;
    }

    /// The elements in increasing order.
    pub fn iter(self) -> impl Iterator<Item = T> {
        self.words.into_iter().enumerate().flat_map(|(w, word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let bit = rest.trailing_zeros() as usize;
                    rest &= rest - 1;
                    T::from_index(w * 64 + bit)
                })
            })
        })
    }
}

impl<T: Element> FromIterator<T> for BitSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(elements: I) -> Self {
        let mut set = Self::EMPTY;
        for element in elements {
            set.insert(element);
        }
        set
    }
}

impl<T: Element + std::fmt::Debug> std::fmt::Debug for BitSet<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use std::hash::{Hash, Hasher};

    use super::*;
    use crate::sim::hash::TraceHasher;

    #[test]
    fn every_slot_up_to_the_capacity_is_its_own() {
        let mut set = BitSet::<NodeId>::EMPTY;
        let last = (CAPACITY - 1) as NodeId;
        for node in [0, 63, 64, 200, last] {
            assert!(!set.contains(node));
            set.insert(node);
            assert!(set.contains(node));
        }
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![0, 63, 64, 200, last]);
        assert_eq!(set.len(), 5);
        set.remove(64);
        assert!(!set.contains(64) && set.contains(63) && set.contains(200));
        let rest = set.minus(BitSet::only(last));
        assert_eq!(rest.iter().collect::<Vec<_>>(), vec![0, 63, 200]);
        assert!(rest.minus(set).is_empty() && !rest.is_empty());
        assert_eq!(format!("{rest:?}"), "{0, 63, 200}");
    }

    fn hash_of(value: &impl Hash) -> u64 {
        let mut h = TraceHasher::new();
        value.hash(&mut h);
        h.finish()
    }

    #[test]
    fn a_set_below_64_hashes_as_the_mask_it_was_and_a_wider_one_differs() {
        let low: BitSet<NodeId> = [1, 5, 63].into_iter().collect();
        assert_eq!(hash_of(&low), hash_of(&((1u64 << 1) | (1 << 5) | (1 << 63))));
        let mut wide = low;
        wide.insert(64);
        assert_ne!(hash_of(&wide), hash_of(&low));
        let mut other = low;
        other.insert(255);
        assert_ne!(hash_of(&wide), hash_of(&other));
    }
}
