//! Ranking candidates for one reader: the blended score, what always surfaces, and the reasons.

use std::collections::HashSet;
use std::sync::Arc;

use serde::Serialize;

use crate::error::check;
use crate::keywords::{is_one_word, term_words, Row};
use crate::linear::sigmoid;
use crate::vector::{dot, dots};
use crate::{Candidate, Lexicon, Liking, ReaderModel, Reason, RecommendError, Signals};

/// Surfaced papers (a followed author's, saved-search matches) get this on top of their score:
/// more than any blend of the other parts can reach, so they rank above everything else.
const SURFACE: f32 = 10.0;

/// How the parts of the score are blended. `Default` holds the values chosen on the tuning
/// readers of `scripts/bench-recommend` (never on the readers it reports).
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    /// kNN: the mean cosine to this many nearest liked papers…
    pub neighbours: usize,
    /// …among the reader's most recent liked papers (older ones count through the linear model).
    pub recent_liked: usize,
    pub knn: f32,
    /// Keywords: the tf-idf cosine (title, abstract, author names) to the nearest of the same
    /// recent liked papers…
    pub keyword: f32,
    /// …and to all of them together (the sum of their tf-idf rows: the reader's vocabulary).
    pub keyword_profile: f32,
    /// The linear model's probability.
    pub linear: f32,
    /// log10(1 + upvotes): the crowd's opinion, a tie-breaker for a reader with little history.
    pub popularity: f32,
    /// "Not interested" lowers a candidate by `dislike × (cosine − dislike_floor)` to its nearest
    /// dismissed paper, when that cosine is above the floor.
    pub dislike: f32,
    pub dislike_floor: f32,
    /// A paper in a followed category.
    pub category: f32,
    /// The cosine to the nearest saved-search query vector.
    pub search: f32,
    /// A saved search without terms matches a paper at this cosine or more.
    pub search_match: f32,
    /// Only this many candidates, the best by the cheap parts (keywords, linear, popularity,
    /// category, surfaced), are scored in full; the rest follow in cheap order. 0 scores all in full.
    pub shortlist: usize,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            neighbours: 2,
            recent_liked: 64,
            knn: 1.0,
            keyword: 0.5,
            keyword_profile: 2.0,
            linear: 0.15,
            popularity: 0.1,
            dislike: 1.0,
            dislike_floor: 0.55,
            category: 0.05,
            search: 0.3,
            search_match: 0.5,
            shortlist: 2000,
        }
    }
}

/// One ranked candidate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked {
    /// Its position in the `candidates` given to [`rank`].
    pub index: usize,
    pub score: f32,
    /// A followed author's paper or a saved-search match (ranked above the rest).
    pub surfaced: bool,
    /// Why it is here, the strongest first.
    pub reasons: Vec<Reason>,
}

/// Ranks `candidates` for the reader, best first. `lexicon` is built from these candidates
/// ([`Lexicon::new`]; a caller keeps it while the window stays the same). Papers the reader
/// liked or marked "not interested" are left out. Deterministic: ties go to the later day, then
/// the smaller id.
pub fn rank(
    model: &ReaderModel,
    signals: &Signals,
    candidates: &[Candidate<'_>],
    lexicon: &Lexicon,
    weights: &Weights,
) -> Result<Vec<Ranked>, RecommendError> {
    if lexicon.len() != candidates.len() {
        return Err(RecommendError::Lexicon {
            found: lexicon.len(),
            expected: candidates.len(),
        });
    }
    let refs = References::new(model, signals, lexicon, weights)?;
    let words = refs.keyword_scores(candidates.len());
    let judged = signals.judged();
    // (index, cheap score, surfaced, the reasons that need no similarity), each computed once.
    let mut cheap: Vec<(usize, f32, bool, Vec<Reason>)> = Vec::with_capacity(candidates.len());
    for (index, c) in candidates.iter().enumerate() {
        // Only the length: checking every value of 10,000 vectors would cost as much as scoring.
        if c.vector.len() != model.dim {
            return Err(RecommendError::Dimension {
                what: "candidate",
                id: c.id.to_string(),
                found: c.vector.len(),
                expected: model.dim,
            });
        }
        if judged.contains(c.id) {
            continue;
        }
        let reasons = refs.cheap_reasons(index, c);
        let surfaced = reasons
            .iter()
            .any(|r| matches!(r, Reason::Author { .. } | Reason::SavedSearch { .. }));
        let mut score = weights.popularity * (1.0 + c.upvotes as f32).log10() + words.score(index);
        if model.is_trained() {
            score += weights.linear * sigmoid(model.logit(c.vector));
        }
        if reasons.iter().any(|r| matches!(r, Reason::Category { .. })) {
            score += weights.category;
        }
        cheap.push((index, score, surfaced, reasons));
    }
    // The shortlist: surfaced papers and the best by the cheap parts.
    sort_by_score(
        &mut cheap,
        candidates,
        |c| c.0,
        |c| if c.2 { c.1 + SURFACE } else { c.1 },
    );
    let full = if weights.shortlist == 0 {
        cheap.len()
    } else {
        let surfaced = cheap.iter().filter(|c| c.2).count();
        cheap.len().min(weights.shortlist.max(surfaced))
    };
    let tail = cheap.split_off(full);
    let mut out: Vec<Ranked> = cheap
        .into_iter()
        .map(|(index, score, surfaced, reasons)| {
            refs.score_fully(index, &candidates[index], score, surfaced, reasons, &words)
        })
        .collect();
    sort_by_score(&mut out, candidates, |r| r.index, |r| r.score);
    // The tail keeps its cheap order, scored no higher than the shortlist's last.
    let floor = out.last().map_or(f32::INFINITY, |r| r.score);
    out.extend(tail.into_iter().map(|(index, score, surfaced, reasons)| Ranked {
        index,
        score: score.min(floor),
        surfaced,
        reasons,
    }));
    Ok(out)
}

/// Highest first; ties to the later day, then the smaller id.
fn sort_by_score<T>(
    items: &mut [T],
    candidates: &[Candidate<'_>],
    index: impl Fn(&T) -> usize,
    score: impl Fn(&T) -> f32,
) {
    items.sort_by(|a, b| {
        let (ca, cb) = (&candidates[index(a)], &candidates[index(b)]);
        score(b)
            .total_cmp(&score(a))
            .then_with(|| cb.day.cmp(&ca.day))
            .then_with(|| ca.id.cmp(cb.id))
    });
}

/// Each candidate's keyword part: its tf-idf cosine to the nearest recent liked paper (and
/// which one), and to them all together.
struct KeywordScores {
    nearest: Vec<f32>,
    nearest_liked: Vec<u32>,
    profile: Vec<f32>,
    weight: f32,
    profile_weight: f32,
}

impl KeywordScores {
    fn score(&self, index: usize) -> f32 {
        self.nearest.get(index).map_or(0.0, |s| self.weight * s)
            + self.profile.get(index).map_or(0.0, |s| self.profile_weight * s)
    }
}

/// A saved-search term: its text (lower-case), which candidates have all its words (by the
/// lexicon), and whether it is one word (then that answer is exact, without reading the text).
struct Term {
    text: String,
    papers: Vec<bool>,
    one_word: bool,
}

/// The reader's signals, checked and prepared once per ranking.
struct References<'s> {
    weights: &'s Weights,
    lexicon: &'s Lexicon,
    liked: Vec<(&'s str, &'s [f32], Liking)>,
    /// The same liked papers' vectors alone, for [`dots`].
    liked_vectors: Vec<&'s [f32]>,
    /// The same liked papers' tf-idf rows in the lexicon's terms (empty for one without text).
    liked_rows: Vec<Arc<Row>>,
    disliked: Vec<&'s [f32]>,
    search_vectors: Vec<&'s [f32]>,
    /// Saved searches' names with their terms (those that have terms).
    search_terms: Vec<(&'s str, Vec<Term>)>,
    /// Saved searches matched by vector: (name, query vector).
    search_by_vector: Vec<(&'s str, &'s [f32])>,
    /// Followed authors, folded (see [`fold`]).
    authors: HashSet<String>,
    /// Per candidate: is it by an author of a followed name, by the lexicon's author index (a
    /// look-up per name instead of comparing every candidate's authors)?
    by_followed: Vec<bool>,
    categories: HashSet<&'s str>,
}

impl<'s> References<'s> {
    fn new(
        model: &ReaderModel,
        signals: &'s Signals,
        lexicon: &'s Lexicon,
        weights: &'s Weights,
    ) -> Result<References<'s>, RecommendError> {
        let skip = signals.liked.len().saturating_sub(weights.recent_liked);
        let (mut liked, mut liked_rows) = (Vec::new(), Vec::new());
        let with_words = weights.keyword != 0.0 || weights.keyword_profile != 0.0;
        for l in &signals.liked[skip..] {
            check("liked paper", &l.id, &l.vector, model.dim)?;
            liked.push((l.id.as_str(), l.vector.as_slice(), l.how));
            liked_rows.push(if with_words {
                lexicon.row(&l.text, &l.authors)
            } else {
                Arc::default()
            });
        }
        let mut disliked = Vec::new();
        for d in &signals.not_interested {
            check("not-interested paper", &d.id, &d.vector, model.dim)?;
            disliked.push(d.vector.as_slice());
        }
        let (mut search_vectors, mut search_terms, mut search_by_vector) = (Vec::new(), Vec::new(), Vec::new());
        for s in &signals.saved_searches {
            if let Some(v) = &s.vector {
                check("saved search", &s.name, v, model.dim)?;
                search_vectors.push(v.as_slice());
            }
            let terms: Vec<Term> = s
                .terms
                .iter()
                .map(|t| t.trim().to_lowercase())
                .filter(|t| !t.is_empty())
                .map(|text| Term {
                    papers: lexicon.papers_with_words(&term_words(&text)),
                    one_word: is_one_word(&text),
                    text,
                })
                .collect();
            match (&s.vector, terms.is_empty()) {
                (_, false) => search_terms.push((s.name.as_str(), terms)),
                (Some(v), true) => search_by_vector.push((s.name.as_str(), v.as_slice())),
                (None, true) => {}
            }
        }
        Ok(References {
            weights,
            lexicon,
            liked_vectors: liked.iter().map(|(_, v, _)| *v).collect(),
            liked,
            liked_rows,
            disliked,
            search_vectors,
            search_terms,
            search_by_vector,
            authors: signals.authors.iter().map(|a| fold(a)).collect(),
            by_followed: {
                let mut by = vec![false; lexicon.len()];
                for name in &signals.authors {
                    lexicon
                        .papers_by_author(name)
                        .iter()
                        .for_each(|&p| by[p as usize] = true);
                }
                by
            },
            categories: signals.categories.iter().map(String::as_str).collect(),
        })
    }

    /// The paper's authors the reader follows, as the paper spells them.
    fn followed_authors<'c>(&self, index: usize, c: &Candidate<'c>) -> Vec<&'c str> {
        // The lexicon's index is looser than `same_name` (it ignores punctuation too): only the
        // papers it finds can match.
        if !self.by_followed[index] {
            return Vec::new();
        }
        c.authors
            .iter()
            .filter(|a| self.authors.iter().any(|f| same_name(f, a)))
            .map(String::as_str)
            .collect()
    }

    fn in_followed_category(&self, c: &Candidate<'_>) -> Option<&'s str> {
        if self.categories.is_empty() {
            return None;
        }
        c.categories
            .iter()
            .find_map(|cat| self.categories.get(cat.as_str()).copied())
    }

    /// Each candidate's keyword part, through the lexicon's postings of the liked papers' terms
    /// (nothing when both weights are 0 or nothing liked has text).
    fn keyword_scores(&self, candidates: usize) -> KeywordScores {
        let mut scores = KeywordScores {
            nearest: Vec::new(),
            nearest_liked: Vec::new(),
            profile: Vec::new(),
            weight: self.weights.keyword,
            profile_weight: self.weights.keyword_profile,
        };
        if self.liked_rows.iter().all(|row| row.is_empty()) {
            return scores;
        }
        if self.weights.keyword != 0.0 {
            let (mut nearest, mut which) = (vec![0f32; candidates], vec![0u32; candidates]);
            let (mut one, mut touched) = (vec![0f32; candidates], Vec::new());
            for (i, row) in self.liked_rows.iter().enumerate() {
                // Only the candidates sharing a term with this paper: usually a few hundred.
                self.lexicon.accumulate_touched(row, &mut one, &mut touched);
                for &paper in &touched {
                    let (s, paper) = (std::mem::take(&mut one[paper as usize]), paper as usize);
                    if s > nearest[paper] {
                        (nearest[paper], which[paper]) = (s, i as u32);
                    }
                }
            }
            (scores.nearest, scores.nearest_liked) = (nearest, which);
        }
        if self.weights.keyword_profile != 0.0 {
            let mut sum: std::collections::BTreeMap<u32, f32> = std::collections::BTreeMap::new();
            for row in &self.liked_rows {
                for &(id, w) in row.iter() {
                    *sum.entry(id).or_default() += w;
                }
            }
            let norm = sum.values().map(|w| w * w).sum::<f32>().sqrt().max(f32::MIN_POSITIVE);
            let profile: Row = sum.into_iter().map(|(id, w)| (id, w / norm)).collect();
            scores.profile = vec![0f32; candidates];
            self.lexicon.accumulate(&profile, 1.0, &mut scores.profile);
        }
        scores
    }

    fn matched_searches(&self, index: usize, c: &Candidate<'_>) -> Vec<&'s str> {
        let mut names = Vec::new();
        // The lexicon says which papers have each term's words; only a phrase found that way is
        // looked for in the (lower-cased) text, to be sure its words stand together.
        let mut lowered: Option<String> = None;
        for (name, terms) in &self.search_terms {
            let found = terms.iter().all(|t| {
                t.papers[index]
                    && (t.one_word || contains_words(lowered.get_or_insert_with(|| c.text.to_lowercase()), &t.text))
            });
            if found {
                names.push(*name);
            }
        }
        for (name, v) in &self.search_by_vector {
            if dot(v, c.vector) >= self.weights.search_match {
                names.push(*name);
            }
        }
        names
    }

    /// The reasons that need no similarity to liked papers: follows and saved searches.
    fn cheap_reasons(&self, index: usize, c: &Candidate<'_>) -> Vec<Reason> {
        let mut reasons: Vec<Reason> = self
            .followed_authors(index, c)
            .into_iter()
            .map(|name| Reason::Author { name: name.to_string() })
            .collect();
        reasons.extend(
            self.matched_searches(index, c)
                .into_iter()
                .map(|name| Reason::SavedSearch { name: name.to_string() }),
        );
        if let Some(category) = self.in_followed_category(c) {
            reasons.push(Reason::Category {
                category: category.to_string(),
            });
        }
        reasons
    }

    fn score_fully(
        &self,
        index: usize,
        c: &Candidate<'_>,
        cheap: f32,
        surfaced: bool,
        mut reasons: Vec<Reason>,
        words: &KeywordScores,
    ) -> Ranked {
        let mut score = cheap;
        let mut nearest: Option<(f32, usize)> = None;
        if !self.liked.is_empty() {
            let mut sims = Vec::with_capacity(self.liked_vectors.len());
            dots(c.vector, &self.liked_vectors, &mut sims);
            nearest = sims
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(i, s)| (*s, i));
            let k = self.weights.neighbours.clamp(1, sims.len());
            sims.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
            score += self.weights.knn * sims[..k].iter().sum::<f32>() / k as f32;
        }
        let mut dismissed = Vec::with_capacity(self.disliked.len());
        dots(c.vector, &self.disliked, &mut dismissed);
        if let Some(closest) = dismissed.into_iter().max_by(f32::total_cmp) {
            score -= self.weights.dislike * (closest - self.weights.dislike_floor).max(0.0);
        }
        if let Some(closest) = self
            .search_vectors
            .iter()
            .map(|v| dot(v, c.vector))
            .max_by(f32::total_cmp)
        {
            score += self.weights.search * closest;
        }
        if let Some((similarity, i)) = nearest {
            // The liked paper that adds the most: the nearest by meaning, or by words.
            let by_words = words.nearest.get(index).map_or(0.0, |s| self.weights.keyword * s);
            let i = match words.nearest_liked.get(index) {
                Some(&w) if by_words > self.weights.knn * similarity => w as usize,
                _ => i,
            };
            let (id, _, how) = self.liked[i];
            // Follows and searches say more than a likeness; they come first when present.
            reasons.push(Reason::Like {
                id: id.to_string(),
                how,
            });
        }
        if surfaced {
            score += SURFACE;
        }
        Ranked {
            index,
            score,
            surfaced,
            reasons,
        }
    }
}

/// Names compared without case or repeated spaces ("jane  DOE" follows "Jane Doe").
fn fold(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// `folded` (see [`fold`]) and `name` are the same name, without allocating for ASCII names.
fn same_name(folded: &str, name: &str) -> bool {
    if !name.is_ascii() {
        return fold(name) == folded;
    }
    let mut words = folded.split(' ');
    name.split_whitespace()
        .all(|w| words.next().is_some_and(|f| f.eq_ignore_ascii_case(w)))
        && words.next().is_none()
}

/// Does `text` contain `phrase` as whole words (no letter or digit right before or after)?
fn contains_words(text: &str, phrase: &str) -> bool {
    let mut from = 0;
    while let Some(found) = text[from..].find(phrase) {
        let start = from + found;
        let end = start + phrase.len();
        let before = text[..start].chars().next_back().is_none_or(|ch| !ch.is_alphanumeric());
        let after = text[end..].chars().next().is_none_or(|ch| !ch.is_alphanumeric());
        if before && after {
            return true;
        }
        from = start + phrase.chars().next().map_or(1, char::len_utf8);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::contains_words;

    #[test]
    fn followed_names_match_without_case_or_extra_spaces() {
        assert!(super::same_name("jane doe", "Jane  Doe") && !super::same_name("jane doe", "Jane Doe Jr"));
    }

    #[test]
    fn terms_match_whole_words_only() {
        assert!(contains_words("video diffusion models", "diffusion"));
        assert!(contains_words("a (diffusion) model", "diffusion"));
        assert!(contains_words("text-to-video diffusion", "video diffusion"));
        assert!(!contains_words("confusion and diffusions", "diffusion"));
        assert!(!contains_words("", "diffusion"));
    }
}
