//! The states a search over orders has visited: each fingerprint (already
//! a hash) with the most deviations left it was explored with. An
//! open-addressing table with linear probing: at tens of millions of
//! states, a `BTreeMap`'s pointer chasing cost a quarter of the search.
//! Nothing iterates it, so its layout can never reach a result.

pub struct Visited {
    /// `(fingerprint, deviations left)`; fingerprint 0 marks a free slot
    /// (a state whose fingerprint is 0 is stored as 1).
    slots: Vec<(u64, u32)>,
    len: usize,
}

impl Default for Visited {
    fn default() -> Visited {
        Visited {
            slots: vec![(0, 0); 1 << 12],
            len: 0,
        }
    }
}

impl Visited {
    /// How many deviations were left when `fingerprint` was last explored.
    pub fn get(&self, fingerprint: u64) -> Option<u32> {
        let (key, left) = self.slots[self.slot(fingerprint.max(1))];
        (key != 0).then_some(left)
    }

    /// Records that `fingerprint` is explored with `left` deviations left.
    pub fn insert(&mut self, fingerprint: u64, left: u32) {
        let key = fingerprint.max(1);
        let i = self.slot(key);
        if self.slots[i].0 == 0 {
            self.len += 1;
        }
        self.slots[i] = (key, left);
        if self.len * 2 > self.slots.len() {
            self.grow();
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The slot holding `key`, or the free one where it would go.
    fn slot(&self, key: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = (key as usize) & mask;
        while self.slots[i].0 != key && self.slots[i].0 != 0 {
            i = (i + 1) & mask;
        }
        i
    }

    fn grow(&mut self) {
        let size = self.slots.len() * 2;
        let old = std::mem::replace(&mut self.slots, vec![(0, 0); size]);
        for (key, left) in old.into_iter().filter(|&(key, _)| key != 0) {
            let i = self.slot(key);
            self.slots[i] = (key, left);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_keeps_every_state_through_growth() {
        let mut visited = Visited::default();
        // Keys that share their low bits probe past one another.
        let keys: Vec<u64> = (0..20_000u64).map(|i| (i << 20) | 7).collect();
        for (n, &key) in keys.iter().enumerate() {
            assert_eq!(visited.get(key), None, "{key} before insertion");
            visited.insert(key, n as u32);
        }
        assert_eq!(visited.len(), keys.len());
        for (n, &key) in keys.iter().enumerate() {
            assert_eq!(visited.get(key), Some(n as u32));
        }
        visited.insert(keys[5], 99);
        assert_eq!((visited.get(keys[5]), visited.len()), (Some(99), keys.len()));
        // A fingerprint of 0 is stored as 1.
        visited.insert(0, 3);
        assert_eq!(visited.get(1), Some(3));
    }
}
