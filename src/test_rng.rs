//! The tests' one deterministic random generator (splitmix64): the differential tests (fast path
//! against careful path) draw their corpora from it, so a failure repeats with the same seed.

/// splitmix64: tiny, fast, and good enough to mix every kind of piece into a test corpus.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_every_value_below_n_and_repeats_by_seed() {
        let mut a = Rng::new(7);
        let mut seen = [false; 5];
        let drawn: Vec<usize> = (0..200).map(|_| a.below(5)).collect();
        for &d in &drawn {
            seen[d] = true;
        }
        assert!(seen.iter().all(|&s| s), "{drawn:?}");
        let mut b = Rng::new(7);
        assert!(drawn.iter().all(|&d| d == b.below(5)));
        assert_ne!(Rng::new(7).next(), Rng::new(8).next());
    }
}
