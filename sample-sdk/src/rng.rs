//! A small deterministic random number generator (SplitMix64) for sample data.
//!
//! Sample pools must be the same on every machine and every run for a given seed, and
//! a generator needs no dependency for that; SplitMix64 is tiny and good enough for data
//! that only has to look varied. [`Rng::for_item`] gives candidate `i` a stream of its
//! own, as [`crate::Samples`] asks.

/// A SplitMix64 stream.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A stream for `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// An independent stream for item `index` of a sequence drawn with `seed`.
    ///
    /// Item `i` depends only on (`seed`, `i`), so a pool of 300 is the first 300 of a
    /// pool of 500. Both inputs are mixed so that neighbouring items do not share a
    /// shifted stream (which plain `seed + index` starting states would).
    pub fn for_item(seed: u64, index: u64) -> Self {
        Self::new(mix(seed ^ mix(index.wrapping_add(0x5851_F42D_4C95_7F2D))))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// A float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A number in `0..n` (`n` > 0), by multiply-shift so that it is unbiased enough and branch-free.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: u32, high: u32) -> u32 {
        low + self.below((high - low + 1) as usize) as u32
    }

    /// One item of a non-empty slice.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// One item of a non-empty slice of (item, weight), with probability proportional to its weight.
    pub fn weighted<T: Copy>(&mut self, items: &[(T, f64)]) -> T {
        let total: f64 = items.iter().map(|(_, w)| w).sum();
        let mut target = self.unit() * total;
        for &(item, weight) in items {
            if target < weight {
                return item;
            }
            target -= weight;
        }
        items[items.len() - 1].0
    }
}

/// The SplitMix64 output function: a bijective mix of 64 bits.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_splitmix64() {
        // First outputs of SplitMix64 seeded with 0 (Vigna's reference implementation).
        let mut rng = Rng::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn draws_stay_in_range() {
        let mut rng = Rng::new(42);
        for _ in 0..10_000 {
            assert!(rng.below(7) < 7);
            assert!((3..=5).contains(&rng.between(3, 5)));
            let unit = rng.unit();
            assert!((0.0..1.0).contains(&unit));
        }
        assert_eq!(rng.weighted(&[("only", 1.0)]), "only");
    }

    #[test]
    fn item_streams_differ() {
        let a = Rng::for_item(1, 0).next_u64();
        let b = Rng::for_item(1, 1).next_u64();
        let c = Rng::for_item(2, 0).next_u64();
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, Rng::for_item(1, 0).next_u64());
    }
}
