//! The rankers compared by the "For you" benchmark and the measures: recall@20 (the share of a
//! reader's wanted papers in their first 20) and MRR (one over the rank of the first wanted one).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use paperboy_recommend::{
    dot, rank, Candidate, Disliked, Lexicon, Liked, Liking, ReaderModel, Signals, Training, Weights,
};

use crate::recommend_data::{fnv, Dataset, Reader};
use crate::recommend_tfidf::{vectorise, Row, Svm};

/// The list a reader looks at.
pub const TOP: usize = 20;
/// The SVM's cost, chosen on the tuning readers (0.01, 0.1, 1 tried; arxiv-sanity-lite uses 0.1):
/// the baseline gets its best setting too.
const SVM_C: f32 = 0.01;
const SVM_EPOCHS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Chronological,
    Trending,
    TfidfSvm,
    KnnOnly,
    LinearOnly,
    KeywordsOnly,
    EmbeddingsOnly,
    Paperboy,
}

impl Method {
    pub const ALL: [Method; 8] = [
        Method::Chronological,
        Method::Trending,
        Method::TfidfSvm,
        Method::KnnOnly,
        Method::LinearOnly,
        Method::KeywordsOnly,
        Method::EmbeddingsOnly,
        Method::Paperboy,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Method::Chronological => "chronological (newest first)",
            Method::Trending => "global trending (hot score: upvotes + recency)",
            Method::TfidfSvm => "arxiv-sanity: tf-idf + linear SVM per reader",
            Method::KnnOnly => "paperboy, nearest liked papers only (kNN)",
            Method::LinearOnly => "paperboy, linear model only",
            Method::KeywordsOnly => "paperboy, keywords only (tf-idf to liked papers)",
            Method::EmbeddingsOnly => "paperboy without keywords (last session's blend)",
            Method::Paperboy => "**paperboy (blend)**",
        }
    }

    pub fn is_baseline(self) -> bool {
        matches!(self, Method::Chronological | Method::Trending | Method::TfidfSvm)
    }
}

pub struct Corpus<'d> {
    pub data: &'d Dataset,
    pub vectors: HashMap<usize, Vec<f32>>,
    /// Title and abstract of every embedded paper.
    pub texts: HashMap<usize, String>,
    /// The pool's words, analysed once (as the web layer keeps it per window).
    pub lexicon: Lexicon,
    /// The SVM's training rows: every paper of the benchmark, as arxiv-sanity trains on all.
    rows: Vec<(usize, Row)>,
    /// The tf-idf vocabulary's size.
    terms: usize,
    /// The pool papers that have a vector.
    pub pool: Vec<usize>,
    now: DateTime<Utc>,
}

impl<'d> Corpus<'d> {
    pub fn new(data: &'d Dataset, needed: &[usize], vectors: HashMap<usize, Vec<f32>>) -> Corpus<'d> {
        let texts: HashMap<usize, String> = needed
            .iter()
            .map(|&i| (i, format!("{}\n{}", data.papers[i].title, data.papers[i].summary)))
            .collect();
        // arxiv-sanity-lite's tf-idf reads title, abstract and author names (its compute.py).
        let ordered: Vec<String> = needed
            .iter()
            .map(|&i| format!("{} {}", texts[&i], data.papers[i].authors.join(" ")))
            .collect();
        let rows: Vec<(usize, Row)> = needed.iter().copied().zip(vectorise(&ordered)).collect();
        let terms = rows
            .iter()
            .flat_map(|r| r.1.iter().map(|e| e.0 as usize + 1))
            .max()
            .unwrap_or(0);
        let pool = data.pool.iter().copied().filter(|i| vectors.contains_key(i)).collect();
        let end = data.window.1.succ_opt().unwrap_or(data.window.1);
        let mut corpus = Corpus {
            data,
            vectors,
            texts,
            lexicon: Lexicon::default(),
            rows,
            terms,
            pool,
            now: end.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
        };
        let lexicon = Lexicon::new(&corpus.candidates());
        corpus.lexicon = lexicon;
        corpus
    }

    pub fn candidates(&self) -> Vec<Candidate<'_>> {
        self.pool
            .iter()
            .map(|&i| {
                let p = &self.data.papers[i];
                Candidate {
                    id: &p.id,
                    vector: &self.vectors[&i],
                    authors: &p.authors,
                    categories: &p.categories,
                    text: &self.texts[&i],
                    day: p.day,
                    upvotes: p.upvotes,
                }
            })
            .collect()
    }

    /// The reader's signals: their history as upvotes, and any dismissed papers.
    pub fn signals(&self, reader: &Reader, dismissed: &[usize]) -> Signals {
        let liked = reader
            .history
            .iter()
            .filter_map(|&i| {
                Some(Liked {
                    id: self.data.papers[i].id.clone(),
                    vector: self.vectors.get(&i)?.clone(),
                    how: Liking::Upvoted,
                    text: self.texts.get(&i)?.clone(),
                    authors: self.data.papers[i].authors.clone(),
                })
            })
            .collect();
        let not_interested = dismissed
            .iter()
            .map(|&i| Disliked {
                id: self.data.papers[i].id.clone(),
                vector: self.vectors[&i].clone(),
            })
            .collect();
        Signals {
            liked,
            not_interested,
            ..Signals::default()
        }
    }

    /// Pool papers in paperboy's order for the reader.
    pub fn paperboy(&self, reader: &Reader, dismissed: &[usize], weights: &Weights, training: &Training) -> Vec<usize> {
        let signals = self.signals(reader, dismissed);
        let model = self.fit(reader, &signals, training);
        self.rank_with(&model, &signals, weights)
    }

    fn fit(&self, reader: &Reader, signals: &Signals, training: &Training) -> ReaderModel {
        let mut model = ReaderModel::new(384, fnv(&reader.name));
        model
            .refit(signals, &self.candidates(), training)
            .expect("the benchmark's vectors are 384-d");
        model
    }

    fn rank_with(&self, model: &ReaderModel, signals: &Signals, weights: &Weights) -> Vec<usize> {
        rank(model, signals, &self.candidates(), &self.lexicon, weights)
            .expect("the benchmark's vectors are 384-d")
            .into_iter()
            .map(|r| self.pool[r.index])
            .collect()
    }

    pub fn ranking(&self, method: Method, reader: &Reader) -> Vec<usize> {
        let mut order = self.pool.clone();
        let papers = &self.data.papers;
        match method {
            Method::Chronological => order.sort_by_key(|&i| (std::cmp::Reverse(papers[i].day), i)),
            Method::Trending => {
                let hot = |i: usize| paperboy_domain::trending::hot_score(papers[i].upvotes, papers[i].day, self.now);
                order.sort_by(|&a, &b| hot(b).total_cmp(&hot(a)).then(a.cmp(&b)));
            }
            Method::TfidfSvm => return self.tfidf_svm(reader, SVM_C),
            Method::KnnOnly => {
                let weights = Weights {
                    linear: 0.0,
                    popularity: 0.0,
                    keyword: 0.0,
                    keyword_profile: 0.0,
                    ..Weights::default()
                };
                return self.paperboy(reader, &[], &weights, &Training::default());
            }
            Method::LinearOnly => {
                let weights = Weights {
                    knn: 0.0,
                    popularity: 0.0,
                    keyword: 0.0,
                    keyword_profile: 0.0,
                    ..Weights::default()
                };
                return self.paperboy(reader, &[], &weights, &Training::default());
            }
            Method::KeywordsOnly => {
                let weights = Weights {
                    knn: 0.0,
                    linear: 0.0,
                    popularity: 0.0,
                    ..Weights::default()
                };
                return self.paperboy(reader, &[], &weights, &Training::default());
            }
            Method::EmbeddingsOnly => {
                let weights = Weights {
                    keyword: 0.0,
                    keyword_profile: 0.0,
                    ..Weights::default()
                };
                return self.paperboy(reader, &[], &weights, &Training::default());
            }
            Method::Paperboy => return self.paperboy(reader, &[], &Weights::default(), &Training::default()),
        }
        order
    }

    /// Pool papers by the reader's SVM score over tf-idf rows.
    fn tfidf_svm(&self, reader: &Reader, c: f32) -> Vec<usize> {
        let mine: HashSet<usize> = reader.history.iter().copied().collect();
        let rows: Vec<&Row> = self.rows.iter().map(|r| &r.1).collect();
        let labels: Vec<bool> = self.rows.iter().map(|r| mine.contains(&r.0)).collect();
        let svm = Svm::train(&rows, &labels, self.terms, c, SVM_EPOCHS, fnv(&reader.name));
        let scores: HashMap<usize, f32> = self.rows.iter().map(|(i, row)| (*i, svm.score(row))).collect();
        let mut order = self.pool.clone();
        order.sort_by(|&a, &b| scores[&b].total_cmp(&scores[&a]).then(a.cmp(&b)));
        order
    }

    /// Mean recall@20 and MRR over `readers`.
    pub fn evaluate(&self, method: Method, readers: &[&Reader]) -> (f64, f64) {
        self.measure(readers, |r| self.ranking(method, r))
    }

    fn measure(&self, readers: &[&Reader], ranking: impl Fn(&Reader) -> Vec<usize>) -> (f64, f64) {
        let (mut recall, mut mrr) = (0.0, 0.0);
        for reader in readers {
            let order = ranking(reader);
            let (r, m) = metrics(&order, &reader.wanted);
            recall += r;
            mrr += m;
        }
        let n = readers.len().max(1) as f64;
        (recall / n, mrr / n)
    }

    /// Each reader dismisses the first five papers of their top 20 that they do not want; how
    /// many of those papers' nearest neighbours (5 each, in the pool) stay in the next top 20.
    pub fn not_interested_effect(&self, readers: &[&Reader]) {
        let (weights, training) = (Weights::default(), Training::default());
        let (mut near_before, mut near_after, mut dismissed_left, mut readers_counted) =
            (0usize, 0usize, 0usize, 0usize);
        let (mut recall_before, mut recall_after) = (0.0, 0.0);
        for reader in readers {
            let before = self.paperboy(reader, &[], &weights, &training);
            let wanted: HashSet<usize> = reader.wanted.iter().copied().collect();
            let dismissed: Vec<usize> = before[..TOP]
                .iter()
                .copied()
                .filter(|i| !wanted.contains(i))
                .take(5)
                .collect();
            let mut neighbours: HashSet<usize> = HashSet::new();
            for &d in &dismissed {
                let mut near: Vec<(f32, usize)> = self
                    .pool
                    .iter()
                    .filter(|i| !dismissed.contains(i) && !wanted.contains(i))
                    .map(|&i| (dot(&self.vectors[&i], &self.vectors[&d]), i))
                    .collect();
                near.sort_by(|a, b| b.0.total_cmp(&a.0));
                neighbours.extend(near.iter().take(5).map(|n| n.1));
            }
            let after = self.paperboy(reader, &dismissed, &weights, &training);
            let top_before: HashSet<usize> = before[..TOP].iter().copied().collect();
            let top_after: HashSet<usize> = after[..TOP].iter().copied().collect();
            near_before += neighbours.intersection(&top_before).count();
            near_after += neighbours.intersection(&top_after).count();
            dismissed_left += dismissed.iter().filter(|d| after.contains(d)).count();
            recall_before += metrics(&before, &reader.wanted).0;
            recall_after += metrics(&after, &reader.wanted).0;
            readers_counted += 1;
        }
        let n = readers_counted.max(1) as f64;
        println!("five \"not interested\" clicks per reader ({readers_counted} reported readers):");
        println!("  dismissed papers still listed anywhere: {dismissed_left}");
        println!(
            "  their nearest neighbours in the top 20: {:.2} per reader before, {:.2} after ({:.0}% dropped out)",
            near_before as f64 / n,
            near_after as f64 / n,
            100.0 * (1.0 - near_after as f64 / near_before.max(1) as f64)
        );
        println!(
            "  recall@20 of the wanted papers: {:.3} before, {:.3} after",
            recall_before / n,
            recall_after / n
        );
    }
}

/// recall@20 and reciprocal rank of the first wanted paper in `order`.
fn metrics(order: &[usize], wanted: &[usize]) -> (f64, f64) {
    let wanted: HashSet<usize> = wanted.iter().copied().collect();
    let hits = order.iter().take(TOP).filter(|i| wanted.contains(i)).count();
    let first = order.iter().position(|i| wanted.contains(i));
    (
        hits as f64 / wanted.len().max(1) as f64,
        first.map_or(0.0, |p| 1.0 / (p + 1) as f64),
    )
}

/// The grid searched on the tuning readers (never on the reported ones).
pub fn tune(corpus: &Corpus<'_>) {
    let readers: Vec<&Reader> = corpus.data.readers.iter().filter(|r| r.tuning).collect();
    println!("tuning on {} readers", readers.len());
    for method in [Method::Chronological, Method::Trending] {
        let (r, m) = corpus.evaluate(method, &readers);
        println!("{}: recall@20 {r:.3} MRR {m:.3}", method.name());
    }
    for c in [0.01f32, 0.1, 1.0] {
        let (r, m) = corpus.measure(&readers, |reader| corpus.tfidf_svm(reader, c));
        println!("tf-idf + SVM, C {c}: recall@20 {r:.3} MRR {m:.3}");
    }
    let mut results: Vec<(f64, String)> = Vec::new();
    let signals: Vec<Signals> = readers.iter().map(|r| corpus.signals(r, &[])).collect();
    for unseen_weight in [1.0f32, 3.0] {
        let training = Training {
            unseen_weight,
            ..Training::default()
        };
        // Fitted once per training setting; the blend's weights only change the ranking.
        let models: Vec<ReaderModel> = readers
            .iter()
            .zip(&signals)
            .map(|(r, s)| corpus.fit(r, s, &training))
            .collect();
        for neighbours in [1usize, 2] {
            for linear in [0.15f32, 0.3, 0.6] {
                for popularity in [0.05f32, 0.1] {
                    for keyword in [0.0f32, 0.25, 0.5, 1.0, 2.0] {
                        for keyword_profile in [0.0f32, 0.25, 0.5, 1.0, 2.0] {
                            let weights = Weights {
                                neighbours,
                                linear,
                                popularity,
                                keyword,
                                keyword_profile,
                                ..Weights::default()
                            };
                            let (mut r, mut m) = (0.0, 0.0);
                            for ((reader, model), s) in readers.iter().zip(&models).zip(&signals) {
                                let (a, b) = metrics(&corpus.rank_with(model, s, &weights), &reader.wanted);
                                r += a;
                                m += b;
                            }
                            let n = readers.len().max(1) as f64;
                            let (r, m) = (r / n, m / n);
                            results.push((
                                r + m,
                                format!("recall@20 {r:.3} MRR {m:.3}: unseen_weight {unseen_weight} neighbours {neighbours} linear {linear} popularity {popularity} keyword {keyword} keyword_profile {keyword_profile}"),
                            ));
                        }
                    }
                }
            }
        }
    }
    results.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (_, line) in results.iter().take(15) {
        println!("{line}");
    }
}
