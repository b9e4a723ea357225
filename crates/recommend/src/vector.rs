//! Dot products, the one hot loop of ranking (a reader's references × every candidate).
//!
//! The loops are written once over `pulp`'s SIMD types and run with the widest instructions the
//! CPU has, chosen at run time (AVX2 with fused multiply-add on most x86-64 machines: about
//! three times the portable build's SSE2), so the binary stays portable.

use std::sync::LazyLock;

use pulp::{Arch, Simd, WithSimd};

/// The CPU's SIMD level, detected once.
static ARCH: LazyLock<Arch> = LazyLock::new(Arch::new);

/// The dot product; for the unit vectors paperboy stores, the cosine similarity. Over the
/// shorter length when the lengths differ.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    ARCH.dispatch(Dot(a, b))
}

/// The dot products of `v` with each of `others`, in order, into `out` (cleared first). Four at
/// a time: each part of `v` is loaded once for four products, which is what bounds the plain
/// loop (two loads per multiply-add); ranking spends most of its time here.
pub fn dots(v: &[f32], others: &[&[f32]], out: &mut Vec<f32>) {
    out.clear();
    ARCH.dispatch(Dots { v, others, out });
}

struct Dot<'a>(&'a [f32], &'a [f32]);

impl WithSimd for Dot<'_> {
    type Output = f32;

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> f32 {
        dot_with(simd, self.0, self.1)
    }
}

struct Dots<'a> {
    v: &'a [f32],
    others: &'a [&'a [f32]],
    out: &'a mut Vec<f32>,
}

impl WithSimd for Dots<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let mut groups = self.others.chunks_exact(4);
        for group in &mut groups {
            let four = [group[0], group[1], group[2], group[3]];
            if four.iter().all(|o| o.len() == self.v.len()) {
                self.out.extend_from_slice(&dot4_with(simd, self.v, four));
            } else {
                // Not all of one length (callers check dimensions; this keeps the result exact).
                self.out.extend(four.iter().map(|o| dot_with(simd, self.v, o)));
            }
        }
        self.out
            .extend(groups.remainder().iter().map(|o| dot_with(simd, self.v, o)));
    }
}

#[inline(always)]
fn dot_with<S: Simd>(simd: S, a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, a_tail) = S::as_simd_f32s(&a[..n]);
    let (b, b_tail) = S::as_simd_f32s(&b[..n]);
    // Two sums, so that consecutive multiply-adds do not wait on each other.
    let (mut even, mut odd) = (simd.splat_f32s(0.0), simd.splat_f32s(0.0));
    let (pairs_a, pairs_b) = (a.chunks_exact(2), b.chunks_exact(2));
    let (rest_a, rest_b) = (pairs_a.remainder(), pairs_b.remainder());
    for (x, y) in pairs_a.zip(pairs_b) {
        even = simd.mul_add_e_f32s(x[0], y[0], even);
        odd = simd.mul_add_e_f32s(x[1], y[1], odd);
    }
    for (x, y) in rest_a.iter().zip(rest_b) {
        even = simd.mul_add_e_f32s(*x, *y, even);
    }
    let tail: f32 = a_tail.iter().zip(b_tail).map(|(x, y)| x * y).sum();
    simd.reduce_sum_f32s(simd.add_f32s(even, odd)) + tail
}

/// `v` with four vectors of its length.
#[inline(always)]
fn dot4_with<S: Simd>(simd: S, v: &[f32], others: [&[f32]; 4]) -> [f32; 4] {
    let (v, v_tail) = S::as_simd_f32s(v);
    let split = others.map(S::as_simd_f32s);
    let mut sums = [simd.splat_f32s(0.0); 4];
    for (i, x) in v.iter().enumerate() {
        for (sum, (other, _)) in sums.iter_mut().zip(&split) {
            *sum = simd.mul_add_e_f32s(*x, other[i], *sum);
        }
    }
    let mut out = [0f32; 4];
    for ((o, sum), (_, tail)) in out.iter_mut().zip(sums).zip(&split) {
        *o = simd.reduce_sum_f32s(sum) + v_tail.iter().zip(*tail).map(|(x, y)| x * y).sum::<f32>();
    }
    out
}

/// Scales `v` to unit length (a zero vector stays zero).
pub fn normalise(v: &mut [f32]) {
    let norm = dot(v, v).sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn dot_matches_the_plain_sum_at_every_length() {
        for n in [0, 1, 7, 8, 9, 15, 16, 17, 33, 384] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            assert!((dot(&a, &b) - plain(&a, &b)).abs() < 1e-4, "length {n}");
            let short = &b[..n / 2];
            assert!(
                (dot(&a, short) - plain(&a, short)).abs() < 1e-4,
                "the shorter length, {n}"
            );
        }
    }

    #[test]
    fn dots_match_the_plain_sums_for_any_count_and_length() {
        for n in [0, 5, 8, 17, 384] {
            let v: Vec<f32> = (0..n).map(|i| (i as f32 * 0.3).sin()).collect();
            let mut others: Vec<Vec<f32>> = (0..9)
                .map(|k| (0..n).map(|i| (i as f32 * 0.07 + k as f32).cos()).collect())
                .collect();
            // One shorter vector: its group of four is taken one at a time.
            others[5].truncate(n / 2);
            let refs: Vec<&[f32]> = others.iter().map(Vec::as_slice).collect();
            for count in 0..=refs.len() {
                let mut out = vec![9.0];
                dots(&v, &refs[..count], &mut out);
                assert_eq!(out.len(), count);
                for (o, r) in out.iter().zip(&refs) {
                    assert!((o - plain(&v, r)).abs() < 1e-4, "length {n}, {count} others");
                }
            }
        }
    }

    #[test]
    fn normalise_gives_unit_length() {
        let mut v = vec![3.0, 4.0];
        normalise(&mut v);
        assert_eq!(v, vec![0.6, 0.8]);
    }
}
