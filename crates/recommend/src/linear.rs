//! The reader's linear model: logistic regression on paper embeddings, liked papers (and saved
//! searches) against "not interested" and a seeded sample of unseen papers.
//!
//! Why logistic regression and not a linear SVM (arxiv-sanity's choice): with unit vectors both
//! give nearly the same direction, and the logistic loss is smooth, so a few full-batch gradient
//! steps from the previous weights (a warm start) track one new vote — a refit costs a few
//! hundred thousand multiply-adds instead of a solver run. Full batches, fixed order and a seeded
//! sample keep it deterministic.

use serde::{Deserialize, Serialize};

use crate::error::check;
use crate::sample::indices;
use crate::vector::dot;
use crate::{Candidate, RecommendError, Signals};

/// How the linear model is trained. `Default` holds the values chosen on the benchmark's tuning
/// readers.
#[derive(Debug, Clone, PartialEq)]
pub struct Training {
    /// Unseen candidates sampled as weak negatives.
    pub unseen: usize,
    /// The unseen sample's total weight, relative to the liked papers' total.
    pub unseen_weight: f32,
    /// Weight of one "not interested" paper, relative to one liked paper.
    pub dislike_weight: f32,
    /// Weight of a saved search's query vector, relative to one liked paper.
    pub search_weight: f32,
    /// L2 penalty on the weights.
    pub l2: f32,
    /// Gradient steps of a first fit, and of a refit from the previous weights.
    pub cold_steps: usize,
    pub warm_steps: usize,
    /// Step size. Inputs are unit vectors, so the loss's curvature is at most 1/4 + l2 and a
    /// step below 4 cannot diverge.
    pub step: f32,
    /// Only the most recent liked papers train the model (older tastes fade; refits stay fast).
    pub max_liked: usize,
}

impl Default for Training {
    fn default() -> Self {
        Training {
            unseen: 96,
            unseen_weight: 3.0,
            dislike_weight: 1.0,
            search_weight: 1.0,
            l2: 0.001,
            cold_steps: 60,
            warm_steps: 12,
            step: 3.0,
            max_liked: 300,
        }
    }
}

/// A reader's model, stored per reader (serde). Fitting needs the reader's signals and a pool of
/// candidates to sample unseen papers from; ranking needs the model and the signals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReaderModel {
    /// The embedding dimension (384 for all-MiniLM-L6-v2).
    pub dim: usize,
    pub weights: Vec<f32>,
    pub bias: f32,
    /// Seeds the unseen sample (e.g. the account id), so a reader's ranking is repeatable.
    pub seed: u64,
    /// Fits so far; 0 means untrained (no liked paper or saved search yet).
    pub fits: u64,
}

/// What a fit did.
#[derive(Debug, Clone, PartialEq)]
pub struct FitReport {
    pub positives: usize,
    pub negatives: usize,
    pub steps: usize,
    /// The weighted logistic loss at the last step.
    pub loss: f32,
}

struct Example<'a> {
    vector: &'a [f32],
    label: f32,
    weight: f32,
}

impl ReaderModel {
    pub fn new(dim: usize, seed: u64) -> ReaderModel {
        ReaderModel {
            dim,
            weights: vec![0.0; dim],
            bias: 0.0,
            seed,
            fits: 0,
        }
    }

    pub fn is_trained(&self) -> bool {
        self.fits > 0
    }

    /// The model's logit for a paper's embedding.
    pub fn logit(&self, vector: &[f32]) -> f32 {
        dot(&self.weights, vector) + self.bias
    }

    /// Fits the model to the current signals: from the previous weights when there are some
    /// (`warm_steps`), else from zero (`cold_steps`). Without any liked paper or saved-search
    /// vector there is nothing to learn from, and the model goes back to untrained. Unseen papers
    /// are sampled from `pool`, leaving out those the reader judged.
    pub fn refit(
        &mut self,
        signals: &Signals,
        pool: &[Candidate<'_>],
        training: &Training,
    ) -> Result<FitReport, RecommendError> {
        let mut examples: Vec<Example<'_>> = Vec::new();
        let skip = signals.liked.len().saturating_sub(training.max_liked);
        for liked in &signals.liked[skip..] {
            check("liked paper", &liked.id, &liked.vector, self.dim)?;
            examples.push(Example {
                vector: &liked.vector,
                label: 1.0,
                weight: 1.0,
            });
        }
        for search in &signals.saved_searches {
            if let Some(vector) = &search.vector {
                check("saved search", &search.name, vector, self.dim)?;
                examples.push(Example {
                    vector,
                    label: 1.0,
                    weight: training.search_weight,
                });
            }
        }
        let positives = examples.len();
        if positives == 0 {
            *self = ReaderModel::new(self.dim, self.seed);
            return Ok(FitReport {
                positives: 0,
                negatives: 0,
                steps: 0,
                loss: 0.0,
            });
        }
        let positive_weight: f32 = examples.iter().map(|e| e.weight).sum();
        for disliked in &signals.not_interested {
            check("not-interested paper", &disliked.id, &disliked.vector, self.dim)?;
            examples.push(Example {
                vector: &disliked.vector,
                label: 0.0,
                weight: training.dislike_weight,
            });
        }
        let judged = signals.judged();
        let unseen: Vec<&Candidate<'_>> = pool
            .iter()
            .filter(|c| c.vector.len() == self.dim && !judged.contains(c.id))
            .collect();
        let sample = indices(unseen.len(), training.unseen, self.seed);
        let each = training.unseen_weight * positive_weight / sample.len().max(1) as f32;
        examples.extend(sample.into_iter().map(|i| Example {
            vector: unseen[i].vector,
            label: 0.0,
            weight: each,
        }));
        let steps = if self.is_trained() {
            training.warm_steps
        } else {
            training.cold_steps
        };
        let loss = self.descend(&examples, steps, training);
        self.fits += 1;
        Ok(FitReport {
            positives,
            negatives: examples.len() - positives,
            steps,
            loss,
        })
    }

    /// Full-batch gradient descent on the weighted logistic loss; returns the final loss.
    fn descend(&mut self, examples: &[Example<'_>], steps: usize, training: &Training) -> f32 {
        let total: f32 = examples.iter().map(|e| e.weight).sum::<f32>().max(f32::MIN_POSITIVE);
        let mut gradient = vec![0f32; self.dim];
        let mut loss = 0.0;
        for _ in 0..steps {
            gradient
                .iter_mut()
                .zip(&self.weights)
                .for_each(|(g, w)| *g = 2.0 * training.l2 * w);
            let mut bias_gradient = 0.0;
            loss = 0.0;
            for e in examples {
                let p = sigmoid(self.logit(e.vector));
                let error = (p - e.label) * e.weight / total;
                gradient.iter_mut().zip(e.vector).for_each(|(g, x)| *g += error * x);
                bias_gradient += error;
                let q = if e.label > 0.5 { p } else { 1.0 - p };
                loss -= e.weight / total * q.max(1e-7).ln();
            }
            self.weights
                .iter_mut()
                .zip(&gradient)
                .for_each(|(w, g)| *w -= training.step * g);
            self.bias -= training.step * bias_gradient;
        }
        loss
    }
}

pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}
