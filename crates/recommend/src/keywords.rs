//! Words: a window's papers analysed once, for the two things words do in a ranking — matching
//! saved-search terms, and the keyword part of the score (tf-idf, as arxiv-sanity ranks).
//!
//! Why keywords beside the embedding: a sentence embedding blurs the names of methods, datasets
//! and people, which are what a reader's next paper shares with their last ones; tf-idf keeps
//! them (on the benchmark's readers, arxiv-sanity's tf-idf SVM beat the embedding alone).
//!
//! Why once per window: scanning 10,000 abstracts for every ranking was most of its cost. A
//! [`Lexicon`] holds two inverted indexes: word → the papers that have it, for saved searches,
//! and term → the papers it occurs in with its tf-idf weight, so that comparing a reader's liked
//! papers with every candidate costs the length of their terms' postings, not a pass over the
//! text. The caller builds it when the window changes and keeps it (the web layer caches it),
//! and the rows of the liked papers it is asked for are kept in it: a reader's liked papers come
//! back with every ranking.

use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

use crate::Candidate;

/// Terms that occur in more than this share of the window's papers carry no weight (as
/// arxiv-sanity-lite's `max_df`): "model", "results"… say nothing about a reader.
const MAX_DF: f32 = 0.1;

/// English function words left out of the tf-idf terms (a saved search still matches them).
/// Sorted: looked up by binary search.
pub const STOP_WORDS: &[&str] = &[
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "as", "at",
    "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do",
    "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have", "having", "he",
    "her", "here", "hers", "him", "his", "how", "however", "i", "if", "in", "into", "is", "it", "its", "itself",
    "just", "may", "me", "more", "most", "must", "my", "no", "nor", "not", "now", "of", "off", "on", "once", "only",
    "or", "other", "our", "ours", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that",
    "the", "their", "them", "then", "there", "these", "they", "this", "those", "through", "thus", "to", "too", "under",
    "until", "up", "upon", "us", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom",
    "why", "will", "with", "within", "without", "would", "you", "your",
];

/// A sparse tf-idf row in a lexicon's terms: (term id, weight), unit length over all its terms
/// (those the window lacks count in the length, as they would in arxiv-sanity's).
pub(crate) type Row = Vec<(u32, f32)>;

/// Rows of outside papers a lexicon keeps (see [`Lexicon::row`]) before it starts over.
const MAX_KEPT_ROWS: usize = 20_000;

/// A window's papers, analysed: built from the candidates of a ranking, in their order.
#[derive(Debug, Default)]
pub struct Lexicon {
    /// Papers analysed.
    papers: usize,
    /// Term hash → term id.
    ids: FxHashMap<u64, u32>,
    /// Per term id: its idf, 0 for terms too common to count.
    idf: Vec<f32>,
    /// Per term id, `postings[offsets[t]..offsets[t + 1]]`: (paper, weight in its unit row).
    offsets: Vec<u32>,
    postings: Vec<(u32, f32)>,
    /// Every word (stop words and numbers too) and author name (as [`author_term`]) →
    /// `word_papers[range]`: the papers that have it, ascending.
    word_ranges: FxHashMap<u64, (u32, u32)>,
    word_papers: Vec<u32>,
    /// Rows made for outside papers, by the hash of their text and authors.
    rows: Mutex<FxHashMap<u64, Arc<Row>>>,
}

impl Lexicon {
    /// Analyses the candidates' text (title and abstract) and author names.
    pub fn new(candidates: &[Candidate<'_>]) -> Lexicon {
        let mut ids: FxHashMap<u64, u32> = FxHashMap::default();
        let mut df: Vec<u32> = Vec::new();
        let mut rows: Vec<Vec<(u32, f32)>> = Vec::with_capacity(candidates.len());
        // (word, paper), each once: sorted, they are the word index.
        let (mut word_pairs, mut own): (Vec<(u64, u32)>, Vec<u64>) = (Vec::new(), Vec::new());
        for (paper, c) in candidates.iter().enumerate() {
            own.clear();
            let counts = term_counts(c.text, c.authors, |w| own.push(hash(w.as_bytes())));
            own.extend(c.authors.iter().map(|a| author_term(a)));
            own.sort_unstable();
            own.dedup();
            word_pairs.extend(own.iter().map(|&word| (word, paper as u32)));
            let row: Vec<(u32, f32)> = counts
                .into_iter()
                .map(|(term, count)| {
                    let next = ids.len() as u32;
                    let id = *ids.entry(term).or_insert(next);
                    if id as usize == df.len() {
                        df.push(0);
                    }
                    df[id as usize] += 1;
                    (id, count)
                })
                .collect();
            rows.push(row);
        }
        let n = candidates.len() as f32;
        let idf: Vec<f32> = df
            .iter()
            .map(|&d| {
                // Not in a tiny window (a test's, a new instance's), where two papers sharing
                // a word is already a likeness.
                if d as f32 > MAX_DF * n && d > 2 {
                    0.0
                } else {
                    smoothed_idf(n, d)
                }
            })
            .collect();
        // Rows to unit length, then inverted (counting sort by term).
        let mut offsets = vec![0u32; idf.len() + 1];
        for row in &mut rows {
            weigh(row, |id| idf[id as usize]);
            for &(id, _) in row.iter() {
                offsets[id as usize + 1] += 1;
            }
        }
        for t in 0..idf.len() {
            offsets[t + 1] += offsets[t];
        }
        let mut fill = offsets.clone();
        let mut postings = vec![(0u32, 0f32); offsets[idf.len()] as usize];
        for (paper, row) in rows.iter().enumerate() {
            for &(id, w) in row {
                postings[fill[id as usize] as usize] = (paper as u32, w);
                fill[id as usize] += 1;
            }
        }
        // Sorted by word, then paper: each word's papers are a run, ascending.
        word_pairs.sort_unstable();
        let mut word_ranges: FxHashMap<u64, (u32, u32)> = FxHashMap::default();
        let mut start = 0;
        for (i, pair) in word_pairs.iter().enumerate() {
            if word_pairs.get(i + 1).is_none_or(|next| next.0 != pair.0) {
                word_ranges.insert(pair.0, (start as u32, i as u32 + 1));
                start = i + 1;
            }
        }
        Lexicon {
            papers: candidates.len(),
            ids,
            idf,
            offsets,
            postings,
            word_ranges,
            word_papers: word_pairs.into_iter().map(|(_, paper)| paper).collect(),
            rows: Mutex::default(),
        }
    }

    /// Papers analysed.
    pub fn len(&self) -> usize {
        self.papers
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Which papers have every word of `term` (lower-case), as whole words: one flag per paper.
    /// A phrase of one word is answered exactly; for a longer one a `false` is exact and a
    /// `true` means "maybe" (the words may be apart), to be checked in the text.
    pub(crate) fn papers_with_words(&self, term_words: &[u64]) -> Vec<bool> {
        let mut lists: Vec<&[u32]> = Vec::with_capacity(term_words.len());
        for word in term_words {
            match self.word_ranges.get(word) {
                Some(&(from, to)) => lists.push(&self.word_papers[from as usize..to as usize]),
                None => return vec![false; self.papers],
            }
        }
        let mut found = vec![false; self.papers];
        // The rarest word's papers, kept when every other word's list has them too.
        lists.sort_by_key(|l| l.len());
        if let Some((rarest, others)) = lists.split_first() {
            for &paper in *rarest {
                if others.iter().all(|l| l.binary_search(&paper).is_ok()) {
                    found[paper as usize] = true;
                }
            }
        }
        found
    }

    /// The papers by an author of this name (without case, punctuation or repeated spaces:
    /// "jane  DOE" finds Jane Doe's), ascending.
    pub(crate) fn papers_by_author(&self, name: &str) -> &[u32] {
        self.word_ranges
            .get(&author_term(name))
            .map_or(&[], |&(from, to)| &self.word_papers[from as usize..to as usize])
    }

    /// The tf-idf row of a paper outside the window (a liked one), in this window's terms; kept,
    /// so that the same paper asked for again (the same reader's next ranking) costs a look-up.
    pub(crate) fn row(&self, text: &str, authors: &[String]) -> Arc<Row> {
        let key = authors.iter().fold(hash(text.as_bytes()), |h, a| {
            hash_more(hash_more(h, b"\n"), a.as_bytes())
        });
        if let Some(row) = self.rows.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
            return Arc::clone(row);
        }
        let row = Arc::new(self.make_row(text, authors));
        let mut rows = self.rows.lock().unwrap_or_else(|p| p.into_inner());
        if rows.len() >= MAX_KEPT_ROWS {
            rows.clear();
        }
        rows.insert(key, Arc::clone(&row));
        row
    }

    fn make_row(&self, text: &str, authors: &[String]) -> Row {
        // A term the window lacks matches nothing but still counts in the length: it was as
        // rare as can be, and gets the highest idf.
        let unseen = smoothed_idf(self.len() as f32, 0);
        let mut row: Vec<(u32, f32)> = Vec::new();
        let mut norm = 0.0f32;
        for (term, count) in term_counts(text, authors, |_| {}) {
            let weight = 1.0 + count.ln();
            match self.ids.get(&term) {
                Some(&id) => {
                    let w = weight * self.idf[id as usize];
                    norm += w * w;
                    row.push((id, w));
                }
                None => norm += (weight * unseen).powi(2),
            }
        }
        let norm = norm.sqrt().max(f32::MIN_POSITIVE);
        row.retain(|e| e.1 > 0.0);
        row.iter_mut().for_each(|e| e.1 /= norm);
        row
    }

    /// Adds `scale ×` the cosine of every paper to `row` into `into` (one value per paper),
    /// through the postings of the row's terms only.
    pub(crate) fn accumulate(&self, row: &[(u32, f32)], scale: f32, into: &mut [f32]) {
        for &(id, w) in row {
            for &(paper, x) in self.postings_of(id) {
                into[paper as usize] += scale * w * x;
            }
        }
    }

    /// Term `id`'s postings: (paper, weight in its unit row).
    fn postings_of(&self, id: u32) -> &[(u32, f32)] {
        &self.postings[self.offsets[id as usize] as usize..self.offsets[id as usize + 1] as usize]
    }

    /// The cosine of every paper to `row` added into `into`, which must be all zeros, and
    /// `touched` set to the papers given a value (the others stay 0).
    pub(crate) fn accumulate_touched(&self, row: &[(u32, f32)], into: &mut [f32], touched: &mut Vec<u32>) {
        touched.clear();
        for &(id, w) in row {
            for &(paper, x) in self.postings_of(id) {
                let slot = &mut into[paper as usize];
                // Weights are positive: a paper's first share is what makes it non-zero.
                if *slot == 0.0 {
                    touched.push(paper);
                }
                *slot += w * x;
            }
        }
    }
}

/// The hashes of the words of a saved-search term, as [`Lexicon::papers_with_words`] takes them.
pub(crate) fn term_words(term: &str) -> Vec<u64> {
    let mut out = Vec::new();
    for_each_word(term, |w| out.push(hash(w.as_bytes())));
    out
}

/// Does `term` (lower-case) consist of one word only, so that [`Lexicon::has_words`] answers it
/// exactly?
pub(crate) fn is_one_word(term: &str) -> bool {
    !term.is_empty() && term.chars().all(char::is_alphanumeric)
}

/// scikit-learn's smoothed idf over `n` papers for a term in `df` of them.
fn smoothed_idf(n: f32, df: u32) -> f32 {
    ((1.0 + n) / (1.0 + df as f32)).ln() + 1.0
}

/// Sublinear tf times idf, to unit length; terms of idf 0 dropped.
fn weigh(row: &mut Vec<(u32, f32)>, idf: impl Fn(u32) -> f32) {
    row.iter_mut().for_each(|e| e.1 = (1.0 + e.1.ln()) * idf(e.0));
    row.retain(|e| e.1 > 0.0);
    let norm = row.iter().map(|e| e.1 * e.1).sum::<f32>().sqrt().max(f32::MIN_POSITIVE);
    row.iter_mut().for_each(|e| e.1 /= norm);
}

/// The tf-idf terms of a paper with their counts, sorted by hash: words of two or more
/// characters starting with a letter, less stop words (arxiv-sanity's token pattern), the
/// bigrams of neighbouring kept words, and each author's whole name. `each_word` sees every
/// word (lower-case), stop words and numbers included: saved searches match those.
fn term_counts(text: &str, authors: &[String], mut each_word: impl FnMut(&str)) -> Vec<(u64, f32)> {
    let mut counts: FxHashMap<u64, f32> = FxHashMap::default();
    let mut previous: Option<u64> = None;
    for_each_word(text, |w| {
        each_word(w);
        let kept = w.len() >= 2 && w.starts_with(char::is_alphabetic) && STOP_WORDS.binary_search(&w).is_err();
        if !kept {
            previous = None;
            return;
        }
        let h = hash(w.as_bytes());
        *counts.entry(h).or_default() += 1.0;
        if let Some(p) = previous {
            *counts.entry(hash_more(hash_more(p, b" "), w.as_bytes())).or_default() += 1.0;
        }
        previous = Some(h);
    });
    for author in authors {
        *counts.entry(author_term(author)).or_default() += 1.0;
    }
    let mut counts: Vec<(u64, f32)> = counts.into_iter().collect();
    counts.sort_unstable_by_key(|e| e.0);
    counts
}

/// An author's whole name as one term: its words, lower-case, in a hash space of their own.
fn author_term(author: &str) -> u64 {
    let mut h = hash(b"author:");
    for_each_word(author, |w| h = hash_more(hash_more(h, w.as_bytes()), b" "));
    h
}

/// Calls `f` with each word of `text`, lower-case: the maximal runs of letters and digits.
fn for_each_word(text: &str, mut f: impl FnMut(&str)) {
    let lower = if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        text.to_lowercase()
    };
    lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .for_each(&mut f);
}

/// FNV-1a, 64 bits: stable across runs and machines, and fast on short words.
fn hash(bytes: &[u8]) -> u64 {
    hash_more(0xcbf2_9ce4_8422_2325, bytes)
}

fn hash_more(state: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(state, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn candidates<'a>(texts: &'a [String], authors: &'a [Vec<String>]) -> Vec<Candidate<'a>> {
        texts
            .iter()
            .zip(authors)
            .enumerate()
            .map(|(i, (text, authors))| Candidate {
                id: ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"][i],
                vector: &[],
                authors,
                categories: &[],
                text,
                day: NaiveDate::default(),
                upvotes: 0,
            })
            .collect()
    }

    #[test]
    fn words_are_found_whole_and_without_case() {
        let texts = vec![
            "Video Diffusion, text-to-video".to_string(),
            "Confusion caf\u{e9}".to_string(),
        ];
        let authors = vec![Vec::new(), Vec::new()];
        let lexicon = Lexicon::new(&candidates(&texts, &authors));
        assert_eq!(lexicon.len(), 2);
        let papers = |term: &str| lexicon.papers_with_words(&term_words(term));
        assert_eq!(papers("diffusion"), [true, false]);
        assert_eq!(papers("text-to-video"), [true, false]);
        assert_eq!(papers("video diffusion text"), [true, false]);
        assert_eq!(papers("fusion"), [false, false]);
        assert_eq!(papers("caf\u{e9}"), [false, true]);
        assert_eq!(papers("diffusion caf\u{e9}"), [false, false]);
        assert!(is_one_word("diffusion") && !is_one_word("video diffusion") && !is_one_word("text-to-video"));
    }

    #[test]
    fn stop_words_are_sorted_for_their_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn a_row_asked_for_again_is_the_same_row() {
        let texts = vec!["graphs and trees".to_string(), "trees".to_string()];
        let authors = vec![Vec::new(), Vec::new()];
        let lexicon = Lexicon::new(&candidates(&texts, &authors));
        let first = lexicon.row("graphs", &[]);
        assert!(Arc::ptr_eq(&first, &lexicon.row("graphs", &[])));
        assert_eq!(*first, lexicon.make_row("graphs", &[]));
        assert_ne!(
            *lexicon.row("graphs", &["Jane Doe".to_string()]),
            *first,
            "authors are terms"
        );
    }

    #[test]
    fn a_paper_sharing_rare_terms_is_closer_than_one_sharing_common_ones() {
        // Ten papers: "learning" is in all (too common to count), "graphs" in two, and the
        // rare method name "zorblax" in one.
        let mut texts: Vec<String> = (0..10).map(|i| format!("learning topic{i}")).collect();
        texts[3] = "learning zorblax".to_string();
        texts[4] = "learning graphs".to_string();
        texts[5] = "learning graphs".to_string();
        let authors = vec![Vec::new(); 10];
        let lexicon = Lexicon::new(&candidates(&texts, &authors));
        let liked = lexicon.row("Zorblax for graphs: learning", &[]);
        let mut sims = vec![0.0; lexicon.len()];
        lexicon.accumulate(&liked, 1.0, &mut sims);
        assert!(sims[3] > sims[4] && sims[4] > 0.0, "{sims:?}");
        assert_eq!(sims[0], 0.0, "a common word alone is no likeness: {sims:?}");
        let itself = lexicon.row(&texts[3], &[]);
        let mut own = vec![0.0; lexicon.len()];
        lexicon.accumulate(&itself, 1.0, &mut own);
        assert!((own[3] - 1.0).abs() < 1e-4, "a paper is its own nearest: {own:?}");
        let (mut sparse, mut touched) = (vec![0.0; lexicon.len()], Vec::new());
        lexicon.accumulate_touched(&liked, &mut sparse, &mut touched);
        touched.sort_unstable();
        assert_eq!(sparse, sims, "the same cosines");
        assert_eq!(touched, [3, 4, 5], "the papers sharing a counted term, each once");
    }

    #[test]
    fn author_names_are_terms_of_their_own() {
        let texts = vec!["alpha".to_string(), "beta".to_string(), "gamma".to_string()];
        let authors = vec![vec!["Jane Doe".to_string()], vec!["John Doe".to_string()], Vec::new()];
        let lexicon = Lexicon::new(&candidates(&texts, &authors));
        let mut sims = vec![0.0; 3];
        lexicon.accumulate(&lexicon.row("delta", &["jane  DOE".to_string()]), 1.0, &mut sims);
        assert!(sims[0] > 0.0 && sims[1] == 0.0 && sims[2] == 0.0, "{sims:?}");
        assert_eq!(lexicon.papers_by_author("jane  DOE"), [0]);
        assert_eq!(
            lexicon.papers_by_author("Doe"),
            [] as [u32; 0],
            "a whole name, not a word of it"
        );
    }
}
