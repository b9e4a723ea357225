//! Fusing the keyword and the semantic ranking into one: per-query z-scores, mixed by a keyword
//! share that is set per query from how convincing each list's evidence is.
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
//! equally. [`gated_fusion`] therefore gives the vote, query by query, to the list whose evidence
//! convinces ([`keyword_share`]): above all whether the keyword list's first paper holds the
//! query's words (a remembered sentence, a title or a name: all of them; a layman's summary: one
//! or two), and how close the embedding's first paper is.

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

/// What a query's keyword side says besides its scores: the query's keyword weight
/// (`LexicalIndex::query_weight`), and how much of the query's words (0 to 1,
/// `LexicalIndex::matched_share`) the keyword list's first and third papers and the semantic
/// list's first paper hold.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Evidence {
    pub keyword_weight: f32,
    pub keyword_first_holds: f32,
    pub keyword_third_holds: f32,
    pub semantic_first_holds: f32,
}

/// Fuses like [`z_score_fusion`], with the keyword share of the vote set per query by
/// [`keyword_share`] from each list's best z-score, the semantic list's best cosine (`semantic`
/// holds cosines) and `evidence`.
pub fn gated_fusion<T: Clone + Eq + Hash>(
    lexical: &[(T, f32)],
    semantic: &[(T, f32)],
    pool: usize,
    evidence: &Evidence,
) -> Vec<(T, f32)> {
    let best_cosine = semantic.first().map_or(0.0, |(_, cosine)| *cosine);
    let lexical = standardised(lexical, pool);
    let semantic = standardised(semantic, pool);
    let share = keyword_share(top(&lexical.0), top(&semantic.0), best_cosine, evidence);
    weighted(&lexical, &semantic, share, 1.0 - share)
}

/// The keyword list's share of the vote: a logistic function of what each side's evidence says.
/// Fitted by `scripts/fit-fusion.py` on the even half of the quality benchmark's queries, every
/// kind weighing the same and any kind falling below the better single method penalised
/// (docs/benchmarks.md, "Fusion gated by the query's evidence"). In words: the keywords get the
/// vote when their first paper holds the query's words (a remembered sentence, a title, a name)
/// and the embedding's first paper is not close; a keyword first paper that holds few of them (a
/// query in other words) hands the vote to the embedding.
pub fn keyword_share(lexical_top_z: f32, semantic_top_z: f32, semantic_best_cosine: f32, evidence: &Evidence) -> f32 {
    let logit = SHARE_BIAS
        + SHARE_Z_LEAD * (lexical_top_z - semantic_top_z)
        + SHARE_KEYWORD_FIRST_HOLDS * evidence.keyword_first_holds
        + SHARE_SEMANTIC_BEST_COSINE * semantic_best_cosine
        + SHARE_SEMANTIC_FIRST_HOLDS * evidence.semantic_first_holds
        + SHARE_KEYWORD_FIRST_LEAD * (evidence.keyword_first_holds - evidence.keyword_third_holds)
        + SHARE_KEYWORD_WEIGHT * evidence.keyword_weight / 100.0;
    1.0 / (1.0 + (-logit).exp())
}

// The fitted coefficients of [`keyword_share`]'s logit.
const SHARE_BIAS: f32 = -14.55;
const SHARE_Z_LEAD: f32 = 0.687;
const SHARE_KEYWORD_FIRST_HOLDS: f32 = 23.651;
const SHARE_SEMANTIC_BEST_COSINE: f32 = -20.004;
const SHARE_SEMANTIC_FIRST_HOLDS: f32 = -3.357;
const SHARE_KEYWORD_FIRST_LEAD: f32 = -4.337;
/// Per 100 of keyword weight: a long query wholly held by one paper is a sentence from it.
const SHARE_KEYWORD_WEIGHT: f32 = 4.621;

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

    /// A query in other words than its paper's: the keyword list's first paper holds a fifth of
    /// its words, about as much as the third.
    const OTHER_WORDS: Evidence = Evidence {
        keyword_weight: 250.0,
        keyword_first_holds: 0.2,
        keyword_third_holds: 0.18,
        semantic_first_holds: 0.1,
    };

    /// A sentence remembered from a paper: the keyword list's first paper holds all its words.
    const REMEMBERED: Evidence = Evidence {
        keyword_weight: 450.0,
        keyword_first_holds: 1.0,
        keyword_third_holds: 0.3,
        semantic_first_holds: 0.3,
    };

    #[test]
    fn when_the_keywords_convince_nobody_the_semantic_first_hit_stays_first() {
        let lexical = flat_keywords();
        // The embedding singles out "target", which matches none of the query's words; its
        // runner-up is the keyword list's first.
        let mut semantic = vec![("target".to_string(), 0.60), ("l0".to_string(), 0.55)];
        semantic.extend((0..98).map(|i| (format!("s{i}"), 0.50 - 0.001 * i as f32)));
        let fused = gated_fusion(&lexical, &semantic, 100, &OTHER_WORDS);
        assert_eq!(fused[0].0, "target");
        assert_eq!(fused[1].0, "l0");
        // With even weights the keyword list's top z-score (1.7, no outlier) still carries
        // half the vote, and "l0" (second in one list, first in the other) wins.
        assert_eq!(z_score_fusion(&lexical, &semantic, LEXICAL_WEIGHT, 100)[0].0, "l0");
    }

    #[test]
    fn a_paper_holding_a_remembered_sentence_is_first_though_the_embedding_misses_it() {
        // A generic closing sentence ("code and data are released"): the embedding finds papers
        // that say much the same, the keywords the one paper that says exactly this.
        let mut lexical = vec![("source".to_string(), 14.0)];
        lexical.extend(flat_keywords().into_iter().skip(1));
        let semantic: Vec<(String, f32)> = (0..100).map(|i| (format!("s{i}"), 0.45 - 0.001 * i as f32)).collect();
        assert_eq!(gated_fusion(&lexical, &semantic, 100, &REMEMBERED)[0].0, "source");
        assert_ne!(gated_fusion(&lexical, &semantic, 100, &OTHER_WORDS)[0].0, "source");
    }

    #[test]
    fn when_both_lists_agree_their_choice_is_first() {
        let mut lexical = vec![("both".to_string(), 30.0)];
        lexical.extend(flat_keywords().into_iter().skip(1));
        let mut semantic = vec![("both".to_string(), 0.80)];
        semantic.extend((0..99).map(|i| (format!("s{i}"), 0.50 - 0.001 * i as f32)));
        for evidence in [OTHER_WORDS, REMEMBERED] {
            let fused = gated_fusion(&lexical, &semantic, 100, &evidence);
            assert_eq!(fused[0].0, "both");
            // And it leads by far: it is first in whichever list gets the vote.
            assert!(fused[0].1 > fused[1].1 + 3.0, "{:?}", &fused[..2]);
        }
    }

    #[test]
    fn a_convincing_lone_keyword_match_beats_a_mild_semantic_preference() {
        // A rare name matches one paper, which holds it; the embedding doesn't know the name.
        let lexical = [("name".to_string(), 25.0)];
        let semantic: Vec<(String, f32)> = (0..100).map(|i| (format!("s{i}"), 0.3 - 0.001 * i as f32)).collect();
        let name = Evidence {
            keyword_weight: 32.0,
            keyword_first_holds: 1.0,
            keyword_third_holds: 0.0,
            semantic_first_holds: 0.0,
        };
        assert_eq!(gated_fusion(&lexical, &semantic, 100, &name)[0].0, "name");
    }

    #[test]
    fn the_keyword_share_follows_the_evidence() {
        let share = |base: Evidence, holds: f32, cosine: f32| {
            let evidence = Evidence {
                keyword_first_holds: holds,
                ..base
            };
            keyword_share(5.0, 4.0, cosine, &evidence)
        };
        assert!(
            share(REMEMBERED, 1.0, 0.45) > 0.99,
            "a remembered sentence: the keywords decide"
        );
        assert!(
            share(OTHER_WORDS, 0.2, 0.45) < 0.01,
            "other words: the embedding decides"
        );
        for base in [OTHER_WORDS, REMEMBERED] {
            assert!(
                share(base, 0.6, 0.45) < share(base, 0.7, 0.45),
                "more words held, more keyword vote"
            );
            assert!(
                share(base, 0.7, 0.6) < share(base, 0.7, 0.4),
                "a closer embedding match, less keyword vote"
            );
        }
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
