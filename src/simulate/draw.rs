//! Integer-only random draws, so no result depends on the platform's libm.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::model::{Bp, Money};

/// True with probability `p`.
pub fn chance(rng: &mut ChaCha8Rng, p: Bp) -> bool {
    rng.random_range(0..10_000u32) < p.0
}

/// Uniform in `lo..=hi`.
pub fn between(rng: &mut ChaCha8Rng, lo: u32, hi: u32) -> u32 {
    rng.random_range(lo..=hi)
}

/// An index chosen with the given relative weights (at least one non-zero).
pub fn weighted(rng: &mut ChaCha8Rng, weights: &[u32]) -> usize {
    let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
    let mut ticket = rng.random_range(0..total.max(1));
    for (i, &w) in weights.iter().enumerate() {
        if ticket < u64::from(w) {
            return i;
        }
        ticket -= u64::from(w);
    }
    weights.len() - 1
}

/// An amount between `lo` and `hi`, skewed towards `lo` (the square of a
/// uniform draw), as prices and bills usually are.
pub fn skewed_amount(rng: &mut ChaCha8Rng, lo: Money, hi: Money) -> Money {
    let u = i128::from(rng.random_range(0..10_000u32));
    let span = i128::from((hi.0 - lo.0).max(0));
    Money(lo.0 + (span * u * u / 100_000_000) as i64)
}

/// Rounds to a price a person would set: whole units, or x.99 / x.50 below 20.
pub fn nice_price(rng: &mut ChaCha8Rng, amount: Money) -> Money {
    let units = (amount.0 / 100).max(1);
    if units >= 20 {
        Money(units * 100)
    } else if chance(rng, Bp(5_000)) {
        Money(units * 100 - 1)
    } else {
        Money(units * 100 + 50)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn weighted_never_picks_a_zero_weight() {
        let mut rng = ChaCha8Rng::from_seed([2; 32]);
        for _ in 0..1000 {
            assert_ne!(weighted(&mut rng, &[3, 0, 5]), 1);
        }
    }

    #[test]
    fn skewed_amount_stays_in_range() {
        let mut rng = ChaCha8Rng::from_seed([3; 32]);
        for _ in 0..1000 {
            let m = skewed_amount(&mut rng, Money(2_000), Money(200_000));
            assert!((2_000..=200_000).contains(&m.0));
        }
    }
}
