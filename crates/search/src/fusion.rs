//! Fusing the keyword and the semantic ranking into one: the mean of per-query z-scores.
//!
//! BM25 scores are unbounded and vary from query to query; cosine similarities are bounded but
//! compressed into a narrow band. Each list's scores are therefore standardised (mean 0, standard
//! deviation 1) over the candidate pool it was cut from, and the fused score is
//! `w · lexical + (1 − w) · semantic` with an even weight ([`LEXICAL_WEIGHT`]). A list shorter
//! than the pool held every match, so the rest of the pool counts as scoring 0 (a paper that
//! matches no query word has BM25 0); a paper missing from a list gets that list's lowest score.
//!
//! Unlike reciprocal rank fusion this keeps how far apart the scores are: a paper the keywords
//! single out (a remembered sentence, a rare name matched by one paper) stays first however
//! the embedding ranks it, rather than losing to papers both lists rank moderately well, while
//! where keyword scores are flat (a short topic) the semantic ranking decides.

use std::collections::HashMap;
use std::hash::Hash;

/// The keyword share of the fused score: even. (On the quality benchmark's tuning half, 0.5 was
/// also the best weight; lower favours topic queries, higher known-item ones.)
pub const LEXICAL_WEIGHT: f32 = 0.5;

/// Fuses `lexical` and `semantic` (each best first, with its score; each the top `pool`
/// candidates, or all there were when shorter), giving `lexical_weight` to the first and the rest
/// to the second, and returns items best first with their fused scores. Ties keep the order of
/// first appearance (lexical first), so the result is deterministic.
pub fn z_score_fusion<T: Clone + Eq + Hash>(
    lexical: &[(T, f32)],
    semantic: &[(T, f32)],
    lexical_weight: f32,
    pool: usize,
) -> Vec<(T, f32)> {
    let w = lexical_weight.clamp(0.0, 1.0);
    let (lexical, lexical_floor) = standardised(lexical, pool);
    let (semantic, semantic_floor) = standardised(semantic, pool);
    let mut order: Vec<&T> = Vec::with_capacity(lexical.len() + semantic.len());
    let mut scores: HashMap<&T, (f32, f32)> = HashMap::new();
    for (item, z) in &lexical {
        if !scores.contains_key(item) {
            order.push(item);
        }
        scores.entry(item).or_insert((lexical_floor, semantic_floor)).0 = *z;
    }
    for (item, z) in &semantic {
        if !scores.contains_key(item) {
            order.push(item);
        }
        scores.entry(item).or_insert((lexical_floor, semantic_floor)).1 = *z;
    }
    let mut fused: Vec<(T, f32, usize)> = order
        .into_iter()
        .enumerate()
        .map(|(position, item)| {
            let (l, s) = scores[item];
            (item.clone(), w * l + (1.0 - w) * s, position)
        })
        .collect();
    fused.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)));
    fused.into_iter().map(|(item, score, _)| (item, score)).collect()
}

/// The list's scores as z-scores over a pool of `pool` (the list, padded with zeros when it is
/// shorter; all 0 when every score is equal), and the lowest z-score in that pool (what an item
/// missing from the list gets).
fn standardised<T>(list: &[(T, f32)], pool: usize) -> (Vec<(&T, f32)>, f32) {
    if list.is_empty() {
        return (Vec::new(), 0.0);
    }
    let padding = pool.saturating_sub(list.len());
    let n = (list.len() + padding) as f32;
    let mean = list.iter().map(|(_, s)| s).sum::<f32>() / n;
    let squares = list.iter().map(|(_, s)| (s - mean) * (s - mean)).sum::<f32>() + padding as f32 * mean * mean;
    let deviation = (squares / n).sqrt();
    let z = |s: f32| if deviation > 0.0 { (s - mean) / deviation } else { 0.0 };
    let lowest = list.iter().map(|(_, s)| *s).fold(f32::INFINITY, f32::min);
    let floor = if padding > 0 { lowest.min(0.0) } else { lowest };
    (list.iter().map(|(item, s)| (item, z(*s))).collect(), z(floor))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order<'a>(fused: &[(&'a str, f32)]) -> Vec<&'a str> {
        fused.iter().map(|(x, _)| *x).collect()
    }

    #[test]
    fn a_keyword_hit_far_ahead_survives_semantic_disagreement() {
        // The keywords single out "a"; the embedding mildly prefers others (and puts "a" fifth).
        // "a"'s lead in its list outweighs the small leads in the other; reciprocal rank fusion
        // would put "b" (2nd and 2nd) first.
        let lexical = [
            ("a", 40.0),
            ("b", 12.0),
            ("c", 11.0),
            ("d", 10.0),
            ("e", 10.0),
            ("f", 9.0),
        ];
        let semantic = [
            ("d", 0.62),
            ("b", 0.61),
            ("c", 0.60),
            ("e", 0.60),
            ("a", 0.59),
            ("f", 0.58),
        ];
        let fused = z_score_fusion(&lexical, &semantic, LEXICAL_WEIGHT, 6);
        assert_eq!(order(&fused), ["a", "d", "b", "c", "e", "f"]);
    }

    #[test]
    fn a_lone_keyword_match_counts_against_the_pool() {
        // A rare name matches one paper; the embedding doesn't know the name and ranks others.
        let lexical = [("name", 25.0)];
        let semantic = [("x", 0.60), ("y", 0.58), ("z", 0.55)];
        let fused = z_score_fusion(&lexical, &semantic, LEXICAL_WEIGHT, 100);
        assert_eq!(fused[0].0, "name");
        // Without the pool, one score has no spread and tells nothing.
        let alone = z_score_fusion(&lexical, &semantic, LEXICAL_WEIGHT, 1);
        assert_ne!(alone[0].0, "name");
    }

    #[test]
    fn agreement_beats_a_single_first_place() {
        let lexical = [("a", 3.0), ("b", 2.9), ("c", 1.0)];
        let semantic = [("d", 0.9), ("b", 0.89), ("a", 0.5)];
        let fused = z_score_fusion(&lexical, &semantic, LEXICAL_WEIGHT, 3);
        assert_eq!(order(&fused)[0], "b");
        assert_eq!(fused.len(), 4);
    }

    #[test]
    fn the_weight_tilts_the_balance_and_missing_items_get_the_floor() {
        let lexical = [("a", 10.0), ("b", 0.0)];
        let semantic = [("c", 0.9), ("d", 0.1)];
        assert_eq!(z_score_fusion(&lexical, &semantic, 0.9, 2)[0].0, "a");
        let meaning = z_score_fusion(&lexical, &semantic, 0.1, 2);
        assert_eq!(meaning[0].0, "c");
        // "a": z = 1 in its list, and the semantic floor (-1) for the list it's missing from.
        let a = meaning.iter().find(|(x, _)| *x == "a").map(|(_, s)| *s);
        assert!((a.unwrap_or_default() - (0.1 - 0.9)).abs() < 1e-6);
    }

    #[test]
    fn ties_keep_first_appearance_and_equal_scores_standardise_to_zero() {
        let lexical = [("a", 5.0), ("b", 5.0)];
        let semantic = [("b", 0.5), ("a", 0.5)];
        let fused = z_score_fusion(&lexical, &semantic, LEXICAL_WEIGHT, 2);
        assert_eq!(fused, vec![("a", 0.0), ("b", 0.0)]);
    }

    #[test]
    fn empty_lists_fuse_to_nothing_and_one_list_keeps_its_order() {
        let none: [(&str, f32); 0] = [];
        assert!(z_score_fusion(&none, &none, LEXICAL_WEIGHT, 100).is_empty());
        let semantic = [("x", 0.9), ("y", 0.5), ("z", 0.1)];
        let fused = z_score_fusion(&none, &semantic, LEXICAL_WEIGHT, 100);
        assert_eq!(order(&fused), ["x", "y", "z"]);
    }
}
