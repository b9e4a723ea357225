//! The arxiv-sanity baseline: tf-idf over title, abstract and author names, and a linear SVM per
//! reader trained on every paper (the reader's as positives, all others as negatives) — as
//! arxiv-sanity-lite does it (its compute.py and serve.py): unigrams and bigrams, sublinear tf,
//! l2-normalised rows, English stop words, rare and very common terms dropped,
//! `LinearSVC(class_weight="balanced")`.
//!
//! The SVM is LIBLINEAR's default solver written out: dual coordinate descent for the L2-loss
//! (squared hinge) linear SVM, with a constant feature for the intercept.

use std::collections::HashMap;

// The same English stop words as paperboy's own keyword part (a subset of scikit-learn's).
use paperboy_recommend::STOP_WORDS;

/// A sparse row: (term, weight), terms ascending.
pub type Row = Vec<(u32, f32)>;

const MIN_DF: usize = 3;
const MAX_DF: f32 = 0.1;
const MAX_FEATURES: usize = 20_000;

/// tf-idf rows for `texts`.
pub fn vectorise(texts: &[String]) -> Vec<Row> {
    let stop: std::collections::HashSet<&str> = STOP_WORDS.iter().copied().collect();
    let docs: Vec<Vec<String>> = texts.iter().map(|t| terms(t, &stop)).collect();
    let mut df: HashMap<&str, usize> = HashMap::new();
    let mut total: HashMap<&str, usize> = HashMap::new();
    for doc in &docs {
        let mut seen = std::collections::HashSet::new();
        for t in doc {
            *total.entry(t).or_default() += 1;
            if seen.insert(t.as_str()) {
                *df.entry(t).or_default() += 1;
            }
        }
    }
    let n = docs.len() as f32;
    let mut vocabulary: Vec<(&str, usize)> = total
        .into_iter()
        .filter(|(t, _)| df[t] >= MIN_DF && df[t] as f32 <= MAX_DF * n)
        .collect();
    vocabulary.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    vocabulary.truncate(MAX_FEATURES);
    let ids: HashMap<&str, u32> = vocabulary
        .iter()
        .enumerate()
        .map(|(i, (t, _))| (*t, i as u32))
        .collect();
    // Smoothed idf, as scikit-learn's default.
    let idf: Vec<f32> = vocabulary
        .iter()
        .map(|(t, _)| ((1.0 + n) / (1.0 + df[t] as f32)).ln() + 1.0)
        .collect();
    docs.iter()
        .map(|doc| {
            let mut counts: HashMap<u32, f32> = HashMap::new();
            for t in doc {
                if let Some(&id) = ids.get(t.as_str()) {
                    *counts.entry(id).or_default() += 1.0;
                }
            }
            let mut row: Row = counts
                .into_iter()
                .map(|(id, c)| (id, (1.0 + c.ln()) * idf[id as usize]))
                .collect();
            row.sort_by_key(|e| e.0);
            let norm = row.iter().map(|e| e.1 * e.1).sum::<f32>().sqrt().max(f32::MIN_POSITIVE);
            row.iter_mut().for_each(|e| e.1 /= norm);
            row
        })
        .collect()
}

/// Words of two or more characters starting with a letter (scikit-learn's token pattern, as
/// arxiv-sanity-lite sets it), without stop words, and the bigrams of neighbouring kept words.
fn terms(text: &str, stop: &std::collections::HashSet<&str>) -> Vec<String> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| w.chars().count() >= 2 && w.starts_with(|c: char| c.is_alphabetic() || c == '_'))
        .filter(|w| !stop.contains(w))
        .collect();
    let mut out: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    out.extend(words.windows(2).map(|w| format!("{} {}", w[0], w[1])));
    out
}

/// A linear SVM: weights over terms and an intercept.
pub struct Svm {
    weights: Vec<f32>,
    bias: f32,
}

impl Svm {
    /// Trains on `rows` with `positive[i]` labels; classes weighted to balance, `c` the cost.
    pub fn train(rows: &[&Row], positive: &[bool], dim: usize, c: f32, epochs: usize, seed: u64) -> Svm {
        let n_pos = positive.iter().filter(|p| **p).count().max(1) as f32;
        let n_neg = (positive.len() as f32 - n_pos).max(1.0);
        let n = positive.len() as f32;
        let (mut w, mut bias) = (vec![0f32; dim], 0f32);
        let mut alpha = vec![0f32; rows.len()];
        let diag: Vec<f32> = positive
            .iter()
            .map(|&p| 1.0 / (2.0 * c * if p { n / (2.0 * n_pos) } else { n / (2.0 * n_neg) }))
            .collect();
        let q: Vec<f32> = rows
            .iter()
            .zip(&diag)
            .map(|(r, d)| r.iter().map(|e| e.1 * e.1).sum::<f32>() + 1.0 + d)
            .collect();
        let mut order: Vec<usize> = (0..rows.len()).collect();
        let mut state = seed | 1;
        for _ in 0..epochs {
            // A seeded shuffle each epoch, as LIBLINEAR does.
            for i in (1..order.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                order.swap(i, (state % (i as u64 + 1)) as usize);
            }
            let mut changed = 0f32;
            for &i in &order {
                let y = if positive[i] { 1.0 } else { -1.0 };
                let margin = rows[i].iter().map(|&(t, x)| w[t as usize] * x).sum::<f32>() + bias;
                let g = y * margin - 1.0 + diag[i] * alpha[i];
                let pg = if alpha[i] == 0.0 { g.min(0.0) } else { g };
                if pg.abs() > 1e-6 {
                    let old = alpha[i];
                    alpha[i] = (alpha[i] - g / q[i]).max(0.0);
                    let delta = (alpha[i] - old) * y;
                    rows[i].iter().for_each(|&(t, x)| w[t as usize] += delta * x);
                    bias += delta;
                    changed = changed.max(pg.abs());
                }
            }
            if changed < 1e-3 {
                break;
            }
        }
        Svm { weights: w, bias }
    }

    pub fn score(&self, row: &Row) -> f32 {
        row.iter().map(|&(t, x)| self.weights[t as usize] * x).sum::<f32>() + self.bias
    }
}
