use std::path::PathBuf;

/// Everything that can go wrong loading or running the embedding model, worded for the person
/// who has to fix it.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("no embedding model found (looked in: {searched}): set PAPERBOY_MODEL_DIR or run scripts/setup")]
    NoModel { searched: String },

    #[error("the model folder {dir} has no {file}; is it a sentence-transformers model folder?")]
    MissingModelFile { dir: PathBuf, file: String },

    #[error(
        "the model folder {dir} has no ONNX graph (onnx/paperboy-bert-fused.onnx or onnx/model.onnx): \
         run scripts/setup, or `python3 scripts/make-embedding-onnx.py {dir}` (needs numpy and onnx)"
    )]
    MissingGraph { dir: PathBuf },

    #[error(
        "ONNX Runtime library not found at {searched}: run scripts/setup, or set ORT_DYLIB_PATH \
         (or PAPERBOY_ONNXRUNTIME) to a libonnxruntime.so (e.g. from `pip install onnxruntime`)"
    )]
    NoRuntime { searched: String },

    #[error("ONNX Runtime: {0}")]
    Runtime(String),

    #[error("the ONNX graph {path} does not look like a sentence encoder: {problem}")]
    UnexpectedGraph { path: PathBuf, problem: String },

    #[error("tokenizer {path}: {message}")]
    Tokenizer { path: PathBuf, message: String },

    #[error("tokenizing: {0}")]
    Tokenize(String),

    #[error("downloading {url}: {message}")]
    Download { url: String, message: String },

    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl From<ort::Error> for EmbedError {
    fn from(error: ort::Error) -> Self {
        EmbedError::Runtime(error.to_string())
    }
}
