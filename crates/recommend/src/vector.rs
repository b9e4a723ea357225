//! Dot products, the one hot loop of ranking (a reader's references × every candidate).

/// The dot product; for the unit vectors paperboy stores, the cosine similarity. Eight separate
/// sums let the compiler vectorise the loop without a target-specific build.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut sums = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            sums[i] += x[i] * y[i];
        }
    }
    sums.iter().sum::<f32>() + tail
}

/// The dot products of `v` with each of `others`, in order, into `out` (cleared first). Four at
/// a time: each chunk of `v` is loaded once for four products, which is what bounds the plain
/// loop (two loads per multiply-add); ranking spends most of its time here.
pub fn dots(v: &[f32], others: &[&[f32]], out: &mut Vec<f32>) {
    out.clear();
    let mut groups = others.chunks_exact(4);
    for group in &mut groups {
        out.extend_from_slice(&dot4(v, [group[0], group[1], group[2], group[3]]));
    }
    out.extend(groups.remainder().iter().map(|o| dot(v, o)));
}

fn dot4(v: &[f32], others: [&[f32]; 4]) -> [f32; 4] {
    if others.iter().any(|o| o.len() != v.len()) {
        // Not all of one length (callers check dimensions; this only keeps the result exact).
        return others.map(|o| dot(v, o));
    }
    let mut sums = [[0f32; 8]; 4];
    let chunks = v.len() / 8;
    let (head, tail) = v.split_at(chunks * 8);
    let [a, b, c, d] = others.map(|o| o.split_at(chunks * 8).0);
    for ((((x, a), b), c), d) in head
        .chunks_exact(8)
        .zip(a.chunks_exact(8))
        .zip(b.chunks_exact(8))
        .zip(c.chunks_exact(8))
        .zip(d.chunks_exact(8))
    {
        for i in 0..8 {
            sums[0][i] += x[i] * a[i];
            sums[1][i] += x[i] * b[i];
            sums[2][i] += x[i] * c[i];
            sums[3][i] += x[i] * d[i];
        }
    }
    let mut out = [0f32; 4];
    for (k, other) in others.iter().enumerate() {
        let rest: f32 = tail.iter().zip(&other[chunks * 8..]).map(|(x, y)| x * y).sum();
        out[k] = sums[k].iter().sum::<f32>() + rest;
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

    #[test]
    fn dot_matches_the_plain_sum_at_every_length() {
        for n in [0, 1, 7, 8, 9, 384] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - plain).abs() < 1e-4, "length {n}");
        }
    }

    #[test]
    fn dots_match_one_product_at_a_time_for_any_count_and_length() {
        for n in [0, 5, 8, 384] {
            let v: Vec<f32> = (0..n).map(|i| (i as f32 * 0.3).sin()).collect();
            let others: Vec<Vec<f32>> = (0..7)
                .map(|k| (0..n).map(|i| (i as f32 * 0.07 + k as f32).cos()).collect())
                .collect();
            let refs: Vec<&[f32]> = others.iter().map(Vec::as_slice).collect();
            for count in 0..=refs.len() {
                let mut out = vec![9.0];
                dots(&v, &refs[..count], &mut out);
                assert_eq!(out.len(), count);
                for (o, r) in out.iter().zip(&refs) {
                    assert!((o - dot(&v, r)).abs() < 1e-4, "length {n}, {count} others");
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
