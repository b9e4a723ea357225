//! The embedder: tokenize, run the transformer in batches of similar length, mean-pool,
//! normalise.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};

use ort::session::builder::GraphOptimizationLevel;
use ort::session::{Session, SessionInputValue};
use ort::tensor::TensorElementType;
use ort::value::{Tensor, ValueType};
use tokenizers::{Encoding, Tokenizer, TruncationParams};

use crate::priority::{lower_this_thread, BULK_NICE};
use crate::{locate, EmbedError, EmbedOptions, Precision};

/// How the work is spread over the CPU: `sessions` ONNX Runtime sessions run batches in
/// parallel, each with `threads_per_session` intra-op threads; each batch holds up to
/// `batch_size` texts of similar length (sorted by token count, padded to the longest of the
/// batch only). See docs/benchmarks.md for what each choice measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuning {
    pub sessions: usize,
    pub threads_per_session: usize,
    pub batch_size: usize,
    /// How many nice steps below the caller bulk batches run (Linux; 0 = the caller's
    /// priority): searches and pages come first while a backlog is embedded (see
    /// [`crate::BULK_NICE`]). Queries always run at the caller's priority.
    pub bulk_nice: i32,
}

impl Tuning {
    /// What measured fastest for `threads` CPU threads (0 = all cores): one single-threaded
    /// session per thread, one text per batch. Each session holds its own copy of the weights
    /// (about 90 MB for all-MiniLM-L6-v2), so pass `threads` on many-core machines.
    pub fn for_threads(threads: usize) -> Tuning {
        let threads = if threads == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            threads
        };
        Tuning {
            sessions: threads,
            threads_per_session: 1,
            batch_size: 1,
            bulk_nice: BULK_NICE,
        }
    }
}

/// A loaded sentence encoder. `Send + Sync`: share it (e.g. in an `Arc`) between threads; each
/// ONNX Runtime session is behind its own lock.
///
/// Queries come first. [`Embedder::embed`] is bulk work (a server embedding its backlog in the
/// background); [`Embedder::embed_query`] is a person waiting. A query runs on a session of its
/// own, so it never queues behind a bulk call's batches, and while any query is in flight the
/// bulk workers start no new batch ([`QueryGate`]): the query shares the CPU with at most the
/// batches already running (one text each by default), not with a whole backlog; and those
/// run on threads of lower CPU priority ([`Tuning::bulk_nice`]), so the search's other work
/// (keyword half, HTTP, rendering) gets a core before them too.
pub struct Embedder {
    tokenizer: Tokenizer,
    sessions: Vec<Mutex<Session>>,
    /// Kept for queries: bulk work never takes it.
    query_session: Mutex<Session>,
    queries: QueryGate,
    /// Called by each bulk batch once it holds its session, before it runs (a test seam: see
    /// [`Embedder::on_bulk_batch`]).
    bulk_hook: Option<Box<dyn Fn() + Send + Sync>>,
    inputs: Vec<GraphInput>,
    output: String,
    dim: usize,
    model_id: String,
    precision: Precision,
    batch_size: usize,
    bulk_nice: i32,
}

/// How many queries are being embedded; bulk batches wait for none before they start.
#[derive(Default)]
struct QueryGate {
    in_flight: Mutex<usize>,
    none_in_flight: Condvar,
}

impl QueryGate {
    fn count(&self) -> MutexGuard<'_, usize> {
        self.in_flight.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A query begins; it ends when the ticket is dropped.
    fn enter(&self) -> QueryTicket<'_> {
        *self.count() += 1;
        QueryTicket { gate: self }
    }

    /// Returns once no query is in flight (at once, usually).
    fn wait_for_queries(&self) {
        let mut count = self.count();
        while *count > 0 {
            count = self.none_in_flight.wait(count).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

struct QueryTicket<'a> {
    gate: &'a QueryGate,
}

impl Drop for QueryTicket<'_> {
    fn drop(&mut self) {
        let mut count = self.gate.count();
        *count -= 1;
        if *count == 0 {
            self.gate.none_in_flight.notify_all();
        }
    }
}

/// One graph input: its name, what it is fed, and as which integer type.
type GraphInput = (String, InputRole, TensorElementType);
/// The pooled vectors of one batch, in the batch's order.
type BatchResult = Result<Vec<Vec<f32>>, EmbedError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InputRole {
    Ids,
    Mask,
    TokenTypes,
}

impl Embedder {
    /// Loads the model found from `options` (see [`locate`]) with the default [`Tuning`].
    pub fn load(options: &EmbedOptions) -> Result<Embedder, EmbedError> {
        Embedder::load_tuned(options, Tuning::for_threads(options.threads))
    }

    /// Loads the model with an explicit [`Tuning`] (benchmarks; `options.threads` is ignored).
    pub fn load_tuned(options: &EmbedOptions, tuning: Tuning) -> Result<Embedder, EmbedError> {
        let dir = locate::model_dir(options.model_dir.as_deref(), options.allow_download)?;
        locate::check_model_dir(&dir)?;
        let (graph, precision) =
            locate::graph_for(&dir, options.precision).ok_or_else(|| EmbedError::MissingGraph { dir: dir.clone() })?;
        if precision != options.precision {
            tracing::info!(model = %dir.display(), "no int8 graph in the model folder (scripts/setup makes one): running fp32");
        }
        init_runtime(&locate::runtime_library()?)?;
        let tokenizer = load_tokenizer(&dir.join("tokenizer.json"), options.max_tokens)?;
        let sessions = (0..tuning.sessions.max(1))
            .map(|_| open_session(&graph, tuning.threads_per_session.max(1)).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        // A query is a few dozen word pieces: one thread runs it in milliseconds, and more would
        // only take cores from the background work it already pauses.
        let query_session = Mutex::new(open_session(&graph, 1)?);
        let (inputs, output) = graph_contract(&graph, &sessions[0].lock().unwrap_or_else(PoisonError::into_inner))?;
        let dim = hidden_size(&dir)?;
        tracing::debug!(model = %dir.display(), graph = %graph.display(), ?tuning, "embedding model loaded");
        Ok(Embedder {
            tokenizer,
            sessions,
            query_session,
            queries: QueryGate::default(),
            bulk_hook: None,
            inputs,
            output,
            dim,
            model_id: format!(
                "{}{}@{}",
                locate::model_name(&dir),
                precision.id_suffix(),
                options.max_tokens
            ),
            precision,
            batch_size: tuning.batch_size.max(1),
            bulk_nice: tuning.bulk_nice,
        })
    }

    /// One query's embedding, ahead of any bulk work (see [`Embedder`]): on the query session,
    /// or on a bulk session that is free when another query holds that one.
    pub fn embed_query(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        let _ticket = self.queries.enter();
        let encodings = self.encode(&[text])?;
        let mut session = match self.query_session.try_lock() {
            Ok(session) => session,
            Err(_) => match self.sessions.iter().find_map(|session| session.try_lock().ok()) {
                Some(session) => session,
                None => self.query_session.lock().unwrap_or_else(PoisonError::into_inner),
            },
        };
        let mut pooled = self.run_batch(&mut session, &[0], &encodings)?;
        pooled
            .pop()
            .ok_or_else(|| EmbedError::Runtime("the model returned no vector for the query".into()))
    }

    /// Calls `hook` in each bulk batch once the batch holds its session, before it runs. Tests
    /// hold a bulk call mid-batch with it to show that queries do not wait for it.
    pub fn on_bulk_batch(&mut self, hook: impl Fn() + Send + Sync + 'static) {
        self.bulk_hook = Some(Box::new(hook));
    }

    /// L2-normalised sentence embeddings, same order as the input; matches sentence-transformers.
    /// Bulk work: each batch starts only while no query is being embedded.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let encodings = self.encode(texts)?;
        let mut order: Vec<usize> = (0..encodings.len()).collect();
        order.sort_by_key(|&i| encodings[i].len());
        let batches: Vec<&[usize]> = order.chunks(self.batch_size).collect();
        let mut vectors: Vec<Vec<f32>> = vec![Vec::new(); texts.len()];
        let results = self.run_batches(&batches, &encodings)?;
        for (batch, pooled) in batches.iter().zip(results) {
            for (&index, vector) in batch.iter().zip(pooled) {
                vectors[index] = vector;
            }
        }
        Ok(vectors)
    }

    /// Word pieces per text after truncation, [CLS] and [SEP] included (for throughput numbers).
    pub fn token_counts(&self, texts: &[&str]) -> Result<Vec<usize>, EmbedError> {
        Ok(self.encode(texts)?.iter().map(Encoding::len).collect())
    }

    /// The embedding's dimension (384).
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// A stable id for these embeddings, e.g. `all-MiniLM-L6-v2-int8@256`: the model's name, the
    /// precision that ran (nothing for fp32) and the truncation, the things that change the
    /// vectors.
    pub fn model_id(&self) -> &str {
        &self.model_id
    }

    /// The precision that runs (int8 asked for may have fallen back to fp32).
    pub fn precision(&self) -> Precision {
        self.precision
    }

    fn encode(&self, texts: &[&str]) -> Result<Vec<Encoding>, EmbedError> {
        // sentence-transformers strips each text before tokenizing.
        let inputs: Vec<&str> = texts.iter().map(|text| text.trim()).collect();
        self.tokenizer
            .encode_batch(inputs, true)
            .map_err(|error| EmbedError::Tokenize(error.to_string()))
    }

    /// One bulk batch on a held session, after any query in flight.
    fn run_bulk_batch(&self, session: &mut Session, batch: &[usize], encodings: &[Encoding]) -> BatchResult {
        self.queries.wait_for_queries();
        if let Some(hook) = &self.bulk_hook {
            hook();
        }
        self.run_batch(session, batch, encodings)
    }

    /// Runs the batches on all sessions at once; each session takes the next batch when free.
    /// Always on threads of its own, whose priority is lowered: never the caller's, which may
    /// serve requests afterwards.
    fn run_batches(&self, batches: &[&[usize]], encodings: &[Encoding]) -> Result<Vec<Vec<Vec<f32>>>, EmbedError> {
        if self.sessions.len() == 1 || batches.len() == 1 {
            return std::thread::scope(|scope| {
                let worker = scope.spawn(|| {
                    lower_this_thread(self.bulk_nice);
                    // Concurrent callers with a text each take whichever session is free.
                    let free = self.sessions.iter().find_map(|session| session.try_lock().ok());
                    let mut session =
                        free.unwrap_or_else(|| self.sessions[0].lock().unwrap_or_else(PoisonError::into_inner));
                    batches
                        .iter()
                        .map(|batch| self.run_bulk_batch(&mut session, batch, encodings))
                        .collect::<Result<Vec<_>, EmbedError>>()
                });
                worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            });
        }
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<Option<BatchResult>>> = Mutex::new((0..batches.len()).map(|_| None).collect());
        std::thread::scope(|scope| {
            for session in &self.sessions {
                scope.spawn(|| {
                    lower_this_thread(self.bulk_nice);
                    let mut session = session.lock().unwrap_or_else(PoisonError::into_inner);
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(batch) = batches.get(index) else { break };
                        let result = self.run_bulk_batch(&mut session, batch, encodings);
                        let failed = result.is_err();
                        results.lock().unwrap_or_else(PoisonError::into_inner)[index] = Some(result);
                        if failed {
                            next.store(batches.len(), Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        let results = results.into_inner().unwrap_or_else(PoisonError::into_inner);
        let mut pooled = Vec::with_capacity(results.len());
        for result in results {
            match result {
                Some(result) => pooled.push(result?),
                None => {
                    return Err(EmbedError::Runtime(
                        "a batch was abandoned after an earlier one failed".into(),
                    ))
                }
            }
        }
        Ok(pooled)
    }

    /// One batch: pad to its longest text, run the graph, mean-pool and normalise each row.
    fn run_batch(
        &self,
        session: &mut Session,
        batch: &[usize],
        encodings: &[Encoding],
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        let rows = batch.len();
        let seq = batch.iter().map(|&i| encodings[i].len()).max().unwrap_or(0).max(1);
        let mut ids = vec![0i64; rows * seq];
        let mut mask = vec![0i64; rows * seq];
        for (row, &index) in batch.iter().enumerate() {
            let encoding = &encodings[index];
            for (col, &id) in encoding.get_ids().iter().enumerate() {
                ids[row * seq + col] = i64::from(id);
                mask[row * seq + col] = 1;
            }
        }
        let mut feeds: Vec<(String, SessionInputValue)> = Vec::with_capacity(self.inputs.len());
        for (name, role, element) in &self.inputs {
            let values = match role {
                InputRole::Ids => ids.clone(),
                InputRole::Mask => mask.clone(),
                InputRole::TokenTypes => vec![0; rows * seq],
            };
            let value: SessionInputValue = match element {
                TensorElementType::Int32 => {
                    let narrow: Vec<i32> = values.iter().map(|&v| v as i32).collect();
                    Tensor::from_array(([rows, seq], narrow))?.into()
                }
                _ => Tensor::from_array(([rows, seq], values))?.into(),
            };
            feeds.push((name.clone(), value));
        }
        let outputs = session.run(feeds)?;
        let (shape, hidden) = outputs[self.output.as_str()].try_extract_tensor::<f32>()?;
        if shape.len() != 3 || shape[0] as usize != rows || shape[1] as usize != seq || shape[2] as usize != self.dim {
            return Err(EmbedError::Runtime(format!(
                "output {} has shape {shape:?}, expected [{rows}, {seq}, {}]",
                self.output, self.dim
            )));
        }
        Ok((0..rows)
            .map(|row| {
                let tokens = &hidden[row * seq * self.dim..(row + 1) * seq * self.dim];
                mean_pool_normalised(tokens, &mask[row * seq..(row + 1) * seq], self.dim)
            })
            .collect())
    }
}

/// sentence-transformers' mean pooling (masked mean over tokens) then L2 normalisation.
fn mean_pool_normalised(tokens: &[f32], mask: &[i64], dim: usize) -> Vec<f32> {
    let mut sum = vec![0f32; dim];
    let mut count = 0f32;
    for (token, &m) in tokens.chunks_exact(dim).zip(mask) {
        if m != 0 {
            count += 1.0;
            for (s, &t) in sum.iter_mut().zip(token) {
                *s += t;
            }
        }
    }
    let count = count.max(1e-9);
    sum.iter_mut().for_each(|s| *s /= count);
    let norm = sum.iter().map(|s| s * s).sum::<f32>().sqrt().max(1e-12);
    sum.iter_mut().for_each(|s| *s /= norm);
    sum
}

fn load_tokenizer(path: &Path, max_tokens: usize) -> Result<Tokenizer, EmbedError> {
    let tokenizer_error = |message: String| EmbedError::Tokenizer {
        path: path.to_path_buf(),
        message,
    };
    let mut tokenizer = Tokenizer::from_file(path).map_err(|error| tokenizer_error(error.to_string()))?;
    // The model folder's tokenizer.json pads and truncates at 128; we truncate at max_tokens and
    // pad per batch ourselves.
    tokenizer
        .with_truncation(Some(TruncationParams {
            max_length: max_tokens.max(2),
            ..TruncationParams::default()
        }))
        .map_err(|error| tokenizer_error(error.to_string()))?;
    tokenizer.with_padding(None);
    Ok(tokenizer)
}

/// Points `ort` at the runtime library once per process. `ort` panics when the library cannot be
/// loaded; that becomes an error here.
fn init_runtime(library: &Path) -> Result<(), EmbedError> {
    static LOADED: OnceLock<PathBuf> = OnceLock::new();
    if LOADED.get().is_some() {
        return Ok(());
    }
    let path = library.to_string_lossy().into_owned();
    let committed = std::panic::catch_unwind(|| ort::init_from(path).with_name("paperboy").commit());
    match committed {
        Ok(Ok(_)) => {
            let _ = LOADED.set(library.to_path_buf());
            Ok(())
        }
        Ok(Err(error)) => Err(EmbedError::Runtime(format!(
            "{} could not be started: {error}",
            library.display()
        ))),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(EmbedError::Runtime(format!(
                "{} could not be loaded: {message}",
                library.display()
            )))
        }
    }
}

fn open_session(graph: &Path, threads: usize) -> Result<Session, EmbedError> {
    Ok(Session::builder()?
        .with_optimization_level(GraphOptimizationLevel::Level3)?
        .with_intra_threads(threads)?
        .with_inter_threads(1)?
        .commit_from_file(graph)?)
}

/// Which graph inputs get ids, mask and token types (and as which integer type), and the output.
fn graph_contract(graph: &Path, session: &Session) -> Result<(Vec<GraphInput>, String), EmbedError> {
    let unexpected = |problem: String| EmbedError::UnexpectedGraph {
        path: graph.to_path_buf(),
        problem,
    };
    let mut inputs = Vec::new();
    for input in &session.inputs {
        let role = match input.name.as_str() {
            "input_ids" => InputRole::Ids,
            "attention_mask" => InputRole::Mask,
            "token_type_ids" => InputRole::TokenTypes,
            other => return Err(unexpected(format!("unknown input {other:?}"))),
        };
        let element = match &input.input_type {
            ValueType::Tensor {
                ty: ty @ (TensorElementType::Int32 | TensorElementType::Int64),
                ..
            } => *ty,
            other => {
                return Err(unexpected(format!(
                    "input {} is {other:?}, not an integer tensor",
                    input.name
                )))
            }
        };
        inputs.push((input.name.clone(), role, element));
    }
    if !inputs.iter().any(|(_, role, _)| *role == InputRole::Ids) {
        return Err(unexpected("no input_ids input".into()));
    }
    let output = session
        .outputs
        .iter()
        .find(|output| output.name == "last_hidden_state" || output.name == "token_embeddings")
        .or_else(|| session.outputs.first())
        .ok_or_else(|| unexpected("no outputs".into()))?;
    Ok((inputs, output.name.clone()))
}

fn hidden_size(dir: &Path) -> Result<usize, EmbedError> {
    let path = dir.join("config.json");
    let text = std::fs::read_to_string(&path).map_err(|source| EmbedError::Io {
        path: path.clone(),
        source,
    })?;
    let config: serde_json::Value = serde_json::from_str(&text).map_err(|error| EmbedError::Io {
        path: path.clone(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, error),
    })?;
    config["hidden_size"]
        .as_u64()
        .map(|n| n as usize)
        .ok_or_else(|| EmbedError::MissingModelFile {
            dir: dir.to_path_buf(),
            file: "config.json with hidden_size".into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooling_ignores_padding_and_normalises() {
        let tokens = [1.0, 0.0, 3.0, 4.0, 100.0, 100.0];
        let pooled = mean_pool_normalised(&tokens, &[1, 1, 0], 2);
        let expected = [2.0 / 2.0f32.hypot(2.0), 2.0 / 2.0f32.hypot(2.0)];
        assert!(
            (pooled[0] - expected[0]).abs() < 1e-6 && (pooled[1] - expected[1]).abs() < 1e-6,
            "{pooled:?}"
        );
    }

    #[test]
    fn default_tuning_uses_every_thread_one_session_each() {
        let tuning = Tuning::for_threads(2);
        assert_eq!(
            (tuning.sessions, tuning.threads_per_session, tuning.batch_size),
            (2, 1, 1)
        );
        assert!(Tuning::for_threads(0).sessions >= 1);
    }
}
