//! Seeded sampling, so that a reader's model and ranking are the same on every run and machine.

/// SplitMix64: tiny, fast, and good enough to pick unseen papers; no dependency.
pub(crate) struct SplitMix(u64);

impl SplitMix {
    pub(crate) fn new(seed: u64) -> SplitMix {
        SplitMix(seed)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// `k` distinct indices below `n` (all of them when `k >= n`), in increasing order, the same for
/// the same seed.
pub(crate) fn indices(n: usize, k: usize, seed: u64) -> Vec<usize> {
    if k >= n {
        return (0..n).collect();
    }
    // Floyd's algorithm: k draws, no allocation of n.
    let mut rng = SplitMix::new(seed);
    let mut chosen = std::collections::BTreeSet::new();
    for j in (n - k)..n {
        let t = (rng.next() % (j as u64 + 1)) as usize;
        if !chosen.insert(t) {
            chosen.insert(j);
        }
    }
    chosen.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_distinct_in_range_and_repeatable() {
        let a = indices(1000, 50, 7);
        assert_eq!(a.len(), 50);
        assert!(a.windows(2).all(|w| w[0] < w[1]) && a.iter().all(|&i| i < 1000));
        assert_eq!(a, indices(1000, 50, 7));
        assert_ne!(a, indices(1000, 50, 8));
        assert_eq!(indices(3, 10, 1), vec![0, 1, 2]);
    }
}
