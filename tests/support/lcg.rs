//! Knuth's MMIX linear congruential generator for the randomised tests.
//!
//! Input: a seed. Output: a deterministic stream, so a seed reproduces a
//! failing case exactly on every machine. Not for anything that reaches a
//! generated file: demoforge itself draws from keyed ChaCha streams.

#![allow(dead_code)] // Each test binary uses a different part.

pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}
