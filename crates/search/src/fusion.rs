//! Fusing the keyword and the semantic ranking into one: per-query z-scores, each list weighted
//! by how convincing its best candidate is.
//!
//! BM25 scores are unbounded and vary from query to query; cosine similarities are bounded but
//! compressed into a narrow band. Each list's scores are therefore standardised (mean 0, standard
//! deviation 1) over the candidate pool it was cut from. A list shorter than the pool held every
//! match, so the rest of the pool counts as scoring 0 (a paper that matches no query word has
//! BM25 0); a paper missing from a list gets that list's lowest score.
//!
//! Unlike reciprocal rank fusion this keeps how far apart the scores are: a paper the keywords
//! single out (a remembered sentence, a rare name matched by one paper) stays first however the
//! embedding ranks it, while where keyword scores are flat (a short topic) the semantic ranking
//! decides.
//!
//! Standardising alone forgets how good a list's best match is: every list's best gets a high
//! z-score, even a keyword list where a query in other words than the paper's ("robots that learn
//! to fold laundry from videos of people") matched a few common words in many papers about
//! equally. An even mix then lets such a list's arbitrary first places outvote the embedding's
//! clear first place. [`confident_fusion`] therefore gives the vote, query by query, mostly to
//! the list whose best candidate stands out more from its pool ([`lexical_share`]).

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
    weighted(&standardised(lexical, pool), &standardised(semantic, pool), w, 1.0 - w)
}

/// Fuses like [`z_score_fusion`], but with the keyword share of the vote set per query by
/// [`lexical_share`]: by which list's best candidate stands out more from its pool. A keyword
/// list whose best match does not stand out (a query in other words than the paper's, where a
/// few common words match many papers about equally) then counts for little against an
/// embedding that singles one paper out, and the other way round for a rare name.
pub fn confident_fusion<T: Clone + Eq + Hash>(
    lexical: &[(T, f32)],
    semantic: &[(T, f32)],
    pool: usize,
) -> Vec<(T, f32)> {
    let lexical = standardised(lexical, pool);
    let semantic = standardised(semantic, pool);
    let share = lexical_share(top(&lexical.0), top(&semantic.0));
    weighted(&lexical, &semantic, share, 1.0 - share)
}

/// How steeply the keyword share moves with the difference of the two best z-scores.
pub const SHARPNESS: f32 = 4.0;
/// How far the keyword list's best z-score must lead the semantic list's for an even vote:
/// keyword lists stand out more easily (a single shared rare word does it), so they get less
/// credit for the same lead.
pub const LEXICAL_HANDICAP: f32 = 1.0;

/// The keyword list's share of the vote, from each list's best z-score: a logistic function of
/// their difference, 0.5 when the keyword best leads by [`LEXICAL_HANDICAP`], near 1 when it
/// stands out far more than the semantic best (a title, a name, a remembered sentence), near 0
/// when far less. Chosen on the even half of the quality benchmark's queries (docs/benchmarks.md).
pub fn lexical_share(lexical_top_z: f32, semantic_top_z: f32) -> f32 {
    1.0 / (1.0 + (-SHARPNESS * (lexical_top_z - semantic_top_z - LEXICAL_HANDICAP)).exp())
}

fn top<T>(list: &[(&T, f32)]) -> f32 {
    list.iter().map(|(_, z)| *z).fold(0.0, f32::max)
}

/// `lexical_weight · z_lexical + semantic_weight · z_semantic` over the union of both lists
/// (each an item's z-scores and the floor for items missing from it), best first.
fn weighted<T: Clone + Eq + Hash>(
    (lexical, lexical_floor): &(Vec<(&T, f32)>, f32),
    (semantic, semantic_floor): &(Vec<(&T, f32)>, f32),
    lexical_weight: f32,
    semantic_weight: f32,
) -> Vec<(T, f32)> {
    let (lexical_floor, semantic_floor) = (*lexical_floor, *semantic_floor);
    let mut order: Vec<&T> = Vec::with_capacity(lexical.len() + semantic.len());
    let mut scores: HashMap<&T, (f32, f32)> = HashMap::new();
    for (item, z) in lexical {
        if !scores.contains_key(item) {
            order.push(item);
        }
        scores.entry(item).or_insert((lexical_floor, semantic_floor)).0 = *z;
    }
    for (item, z) in semantic {
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
            ((*item).clone(), lexical_weight * l + semantic_weight * s, position)
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

    /// A keyword list with no stand-out match: 100 papers whose scores fall evenly, as when a
    /// few common words of a query in other words match many papers about equally.
    fn flat_keywords() -> Vec<(String, f32)> {
        (0..100).map(|i| (format!("l{i}"), 10.0 - 0.05 * i as f32)).collect()
    }

    #[test]
    fn when_the_keywords_convince_nobody_the_semantic_first_hit_stays_first() {
        let lexical = flat_keywords();
        // The embedding singles out "target", which matches none of the query's words; its
        // runner-up is the keyword list's first.
        let mut semantic = vec![("target".to_string(), 0.60), ("l0".to_string(), 0.55)];
        semantic.extend((0..98).map(|i| (format!("s{i}"), 0.50 - 0.001 * i as f32)));
        let fused = confident_fusion(&lexical, &semantic, 100);
        assert_eq!(fused[0].0, "target");
        assert_eq!(fused[1].0, "l0");
        // With even weights the keyword list's top z-score (1.7, no outlier) still carries
        // half the vote, and "l0" (second in one list, first in the other) wins.
        assert_eq!(z_score_fusion(&lexical, &semantic, LEXICAL_WEIGHT, 100)[0].0, "l0");
    }

    #[test]
    fn when_both_lists_agree_their_choice_is_first() {
        let mut lexical = vec![("both".to_string(), 30.0)];
        lexical.extend(flat_keywords().into_iter().skip(1));
        let mut semantic = vec![("both".to_string(), 0.80)];
        semantic.extend((0..99).map(|i| (format!("s{i}"), 0.50 - 0.001 * i as f32)));
        let fused = confident_fusion(&lexical, &semantic, 100);
        assert_eq!(fused[0].0, "both");
        // And it leads by far: it is first in whichever list gets the vote.
        assert!(fused[0].1 > fused[1].1 + 3.0, "{:?}", &fused[..2]);
    }

    #[test]
    fn a_convincing_lone_keyword_match_beats_a_mild_semantic_preference() {
        // A rare name matches one paper; the embedding doesn't know the name.
        let lexical = [("name".to_string(), 25.0)];
        let semantic: Vec<(String, f32)> = (0..100).map(|i| (format!("s{i}"), 0.6 - 0.001 * i as f32)).collect();
        assert_eq!(confident_fusion(&lexical, &semantic, 100)[0].0, "name");
    }

    #[test]
    fn the_keyword_share_follows_which_list_stands_out_more() {
        assert!((lexical_share(4.0 + LEXICAL_HANDICAP, 4.0) - 0.5).abs() < 1e-6);
        assert!(lexical_share(9.9, 3.0) > 0.999);
        assert!(lexical_share(2.0, 5.0) < 0.001);
        assert!(lexical_share(5.0, 4.0) < lexical_share(6.0, 4.0));
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
