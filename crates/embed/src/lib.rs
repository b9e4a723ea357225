//! Sentence embeddings for semantic search: all-MiniLM-L6-v2 (BERT, 6 layers, 384 dimensions,
//! mean pooling, L2-normalised) run on ONNX Runtime, matching sentence-transformers.
//!
//! # How the model is run
//! The tokenizer is the model's own `tokenizer.json` (Hugging Face `tokenizers`), truncated at
//! [`EmbedOptions::max_tokens`] word pieces (256, as sentence-transformers does for this model)
//! and never padded to a fixed length. The transformer runs in ONNX Runtime, loaded at run time
//! from a `libonnxruntime.so` (the `ort` crate's `load-dynamic`: nothing is downloaded or linked
//! at build time). Mean pooling and normalisation are done here.
//!
//! The ONNX graph comes from the model folder, in this order:
//! 1. for [`Precision::Int8`] (the default), `onnx/paperboy-bert-fused-int8.onnx`: the graph
//!    below with its matrix products quantised to int8, about twice as fast;
//! 2. `onnx/paperboy-bert-fused.onnx`, written by `scripts/make-embedding-onnx.py` (run by
//!    `scripts/setup`) from the folder's `model.safetensors`. It uses ONNX Runtime's fused CPU
//!    kernels (EmbedLayerNormalization, Attention, SkipLayerNormalization, BiasGelu), in fp32;
//! 3. `onnx/model.onnx`, the graph Hugging Face publishes beside the weights (what a download
//!    fetches), so a plain downloaded model folder works without Python.
//!
//! The model id says which precision ran (`all-MiniLM-L6-v2-int8@256`, `all-MiniLM-L6-v2@256`),
//! so that the store keeps the two kinds of vectors apart.
//!
//! We emit the graph ourselves rather than export it from PyTorch so that set-up needs only numpy
//! and onnx (megabytes), not torch (gigabytes), and so that the fused kernels are used whatever
//! ONNX Runtime's optimiser would have recognised.
//!
//! # Where things are found
//! See [`locate`]: the model folder from the options, `PAPERBOY_MODEL_DIR`, the project's
//! `.cache/models/all-MiniLM-L6-v2` (made by `scripts/setup`), the Hugging Face cache, or a
//! download; ONNX Runtime from `ORT_DYLIB_PATH`, `PAPERBOY_ONNXRUNTIME`, or the project's
//! `.cache/venv`.

mod download;
mod embedder;
mod error;
pub mod locate;
mod priority;

pub use embedder::{Embedder, Tuning};
pub use error::EmbedError;
pub use locate::{project_default_dirs, ProjectDirs};
pub use priority::BULK_NICE;

use std::path::PathBuf;

/// The model's own name, used in [`Embedder::model_id`] when the folder does not say otherwise.
pub const MODEL_NAME: &str = "all-MiniLM-L6-v2";

/// Which of the model's graphs runs. Embeddings of the two differ slightly (cosine about 0.995),
/// so each has its own [`Embedder::model_id`]: vectors of one are never compared with the other's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Precision {
    /// Weights of the matrix products in int8 (per output channel), activations quantised per
    /// batch: about twice as fast on CPU. See docs/benchmarks.md for what it costs in quality.
    #[default]
    Int8,
    /// The model's own fp32 weights: what sentence-transformers computes.
    Fp32,
}

impl Precision {
    /// `int8` or `fp32`, as the configuration says it.
    pub fn name(self) -> &'static str {
        match self {
            Precision::Int8 => "int8",
            Precision::Fp32 => "fp32",
        }
    }

    pub fn parse(text: &str) -> Option<Precision> {
        match text.trim().to_ascii_lowercase().as_str() {
            "int8" => Some(Precision::Int8),
            "fp32" => Some(Precision::Fp32),
            _ => None,
        }
    }

    /// What a model id says of the precision: nothing for fp32 (the ids stored before int8
    /// existed stay valid), `-int8` for int8.
    fn id_suffix(self) -> &'static str {
        match self {
            Precision::Int8 => "-int8",
            Precision::Fp32 => "",
        }
    }
}

/// How to load the embedding model. `Default` is what the product uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedOptions {
    /// The model folder (config.json, tokenizer.json, the ONNX graph); `None` searches (see
    /// [`locate::model_dir`]).
    pub model_dir: Option<PathBuf>,
    /// Word pieces kept per text, [CLS] and [SEP] included; longer texts are truncated.
    /// 256 matches sentence-transformers for all-MiniLM-L6-v2.
    pub max_tokens: usize,
    /// CPU threads to use; 0 = all cores.
    pub threads: usize,
    /// May the model be downloaded from huggingface.co when no folder is found.
    pub allow_download: bool,
    /// The graph to run; int8 falls back to fp32 when the folder has no int8 graph.
    pub precision: Precision,
}

impl Default for EmbedOptions {
    fn default() -> Self {
        EmbedOptions {
            model_dir: None,
            max_tokens: 256,
            threads: 0,
            allow_download: false,
            precision: Precision::Int8,
        }
    }
}

/// The text embedded for a paper, shared by indexing and the benchmark so that both measure and
/// store the same thing: the title, a newline, the abstract (each trimmed).
pub fn paper_text(title: &str, abstract_: &str) -> String {
    let title = title.trim();
    let abstract_ = abstract_.trim();
    if abstract_.is_empty() {
        return title.to_string();
    }
    format!("{title}\n{abstract_}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_text_joins_title_and_abstract_with_a_newline() {
        assert_eq!(
            paper_text(" A title ", "\n  Some abstract. "),
            "A title\nSome abstract."
        );
        assert_eq!(paper_text("Only a title", "  "), "Only a title");
    }

    #[test]
    fn default_options_match_sentence_transformers() {
        let options = EmbedOptions::default();
        assert_eq!(options.max_tokens, 256);
        assert_eq!(options.threads, 0);
        assert!(!options.allow_download);
        assert_eq!(options.precision, Precision::Int8);
    }

    #[test]
    fn precisions_are_named_as_the_configuration_says_them() {
        for precision in [Precision::Int8, Precision::Fp32] {
            assert_eq!(Precision::parse(precision.name()), Some(precision));
        }
        assert_eq!(Precision::parse(" FP32 "), Some(Precision::Fp32));
        assert_eq!(Precision::parse("fp16"), None);
    }
}
