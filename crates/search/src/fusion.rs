//! Fusing two rankings into one: reciprocal rank fusion (Cormack et al., 2009).
//!
//! Each list contributes `weight / (k + rank)` for every item it ranks (rank from 1). RRF uses
//! ranks, not scores, so BM25's unbounded scores and cosine similarities need no calibration
//! against each other; an item both lists agree on rises above one either list alone loves.

use std::collections::HashMap;
use std::hash::Hash;

/// The usual constant: large enough that rank 1 does not drown out ranks 2–10.
pub const RRF_K: f32 = 60.0;

/// Fuses `lists` (each best first, with a weight), returning items best first with their fused
/// scores. Ties keep the order of first appearance (earlier lists first), so the result is
/// deterministic.
pub fn reciprocal_rank_fusion<T: Clone + Eq + Hash>(lists: &[(&[T], f32)], k: f32) -> Vec<(T, f32)> {
    let mut scores: HashMap<T, (f32, usize)> = HashMap::new();
    let mut order = 0usize;
    for (list, weight) in lists {
        for (rank, item) in list.iter().enumerate() {
            let entry = scores.entry(item.clone()).or_insert_with(|| {
                order += 1;
                (0.0, order)
            });
            entry.0 += weight / (k + rank as f32 + 1.0);
        }
    }
    let mut fused: Vec<(T, f32, usize)> = scores.into_iter().map(|(item, (s, o))| (item, s, o)).collect();
    fused.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)));
    fused.into_iter().map(|(item, score, _)| (item, score)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agreement_beats_a_single_first_place() {
        let lexical = ["a", "b", "c"];
        let semantic = ["d", "b", "a"];
        let fused = reciprocal_rank_fusion(&[(&lexical[..], 1.0), (&semantic[..], 1.0)], RRF_K);
        let order: Vec<_> = fused.iter().map(|(x, _)| *x).collect();
        assert_eq!(order, ["a", "b", "d", "c"]);
    }

    #[test]
    fn weights_tilt_the_balance_and_ties_keep_first_appearance() {
        let lexical = ["a"];
        let semantic = ["b"];
        let even = reciprocal_rank_fusion(&[(&lexical[..], 1.0), (&semantic[..], 1.0)], RRF_K);
        assert_eq!(even.iter().map(|(x, _)| *x).collect::<Vec<_>>(), ["a", "b"]);
        let tilted = reciprocal_rank_fusion(&[(&lexical[..], 1.0), (&semantic[..], 2.0)], RRF_K);
        assert_eq!(tilted[0].0, "b");
        assert!((tilted[0].1 - 2.0 / 61.0).abs() < 1e-6);
    }

    #[test]
    fn empty_lists_fuse_to_nothing() {
        let none: [&str; 0] = [];
        assert!(reciprocal_rank_fusion(&[(&none[..], 1.0)], RRF_K).is_empty());
    }
}
