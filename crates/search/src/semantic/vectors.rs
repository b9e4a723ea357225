//! The approximate nearest-neighbour index (HNSW, by usearch) over stored embeddings.
//!
//! On disk: `index.usearch` plus `index.json` (`{"model", "dim", "seq", "crc32"}`), written
//! after the index file so that the recorded `seq` never runs ahead of what the file holds. An
//! unreadable or mismatched file is rebuilt from the store's vectors, never used stale; so is
//! one that fails its checksum: usearch loads a file with garbage in it without complaint, and
//! then answers with wrong neighbours or fails every search. A crash between the two renames
//! of a save leaves a file newer than its checksum, which is rebuilt too.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::Instant;

use chrono::NaiveDate;
use paperboy_domain::{ArxivId, NoProgress, Progress};
use paperboy_store::{Store, StoredVector};
use serde::{Deserialize, Serialize};
use usearch::{Index, IndexOptions, MetricKind, ScalarKind};

use crate::{Filters, SearchError};

const INDEX_FILE: &str = "index.usearch";
const META_FILE: &str = "index.json";
/// Vectors read from the store per step of a catch-up.
const CATCH_UP_BATCH: usize = 2_000;
/// How vectors are kept in the graph. One byte a dimension (384 bytes a paper) instead of half
/// precision: usearch is built here without its SIMD kernels, and its portable f16 distance was
/// the slowest part of search and of building (at 1M papers, semantic p50 17.5 → 10.6 ms, build
/// 29 → 5.5 min, memory −30%), and the quality benchmark barely moved (semantic recall@10 on
/// descriptions 0.733 → 0.727, on names 0.600 → 0.657; docs/benchmarks.md, "Vector quantisation").
const QUANTIZATION: ScalarKind = ScalarKind::I8;
/// `QUANTIZATION` as `index.json` records it; an index saved with another is rebuilt.
const QUANTIZATION_NAME: &str = "i8";
/// Candidates the graph search keeps per query: higher is more exact and slower.
const EXPANSION_SEARCH: usize = 128;

/// One semantic result: a paper and its cosine similarity to the query.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorHit {
    pub id: ArxivId,
    pub similarity: f32,
    pub day: Option<NaiveDate>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Meta {
    model: String,
    dim: usize,
    seq: i64,
    /// Absent in indexes saved before it was recorded: those held half-precision vectors.
    #[serde(default = "half_precision")]
    quantization: String,
    /// CRC-32 of `index.usearch`; absent in indexes saved before it was recorded, which are
    /// loaded unchecked (the next save records it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    crc32: Option<u32>,
}

fn half_precision() -> String {
    "f16".into()
}

/// What filters need to know about an indexed paper, kept in memory beside the graph.
struct Entry {
    id: ArxivId,
    day: Option<NaiveDate>,
    categories: Box<[u16]>,
}

struct Inner {
    index: Index,
    entries: HashMap<u64, Entry>,
    /// Each paper's key, for looking vectors up by id ("For you" reads a reader's liked papers').
    keys: HashMap<ArxivId, u64>,
    /// Category names, interned: `Entry::categories` holds indexes into this.
    categories: Vec<String>,
    category_ids: HashMap<String, u16>,
    seq: i64,
    saved_seq: i64,
}

/// The HNSW index of one model's embeddings.
pub struct VectorIndex {
    dir: PathBuf,
    model: String,
    dim: usize,
    inner: RwLock<Inner>,
}

fn new_index(dim: usize) -> Result<Index, String> {
    let options = IndexOptions {
        dimensions: dim,
        // Embeddings are unit length, so inner product is cosine similarity.
        metric: MetricKind::IP,
        quantization: QUANTIZATION,
        connectivity: 16,
        expansion_add: 128,
        expansion_search: EXPANSION_SEARCH,
        multi: false,
    };
    Index::new(&options).map_err(|e| e.to_string())
}

impl VectorIndex {
    /// Opens the index of `model` (with `dim` dimensions) under `dir`, loading it from disk when
    /// it is there and matches, else starting empty; then reads every stored vector's metadata.
    /// Call [`VectorIndex::catch_up`] to bring it level with the store.
    pub fn open(dir: &Path, model: &str, dim: usize, store: &dyn Store) -> Result<VectorIndex, SearchError> {
        std::fs::create_dir_all(dir).map_err(|e| SearchError::index(dir, e))?;
        let (index, seq) = match load(dir, model, dim) {
            Ok(Some(loaded)) => loaded,
            Ok(None) => (new_index(dim).map_err(|e| SearchError::index(dir, e))?, 0),
            Err(problem) => {
                tracing::warn!(dir = %dir.display(), %problem, "the vector index is unreadable; rebuilding it from the store");
                (new_index(dim).map_err(|e| SearchError::index(dir, e))?, 0)
            }
        };
        let mut inner = Inner {
            index,
            entries: HashMap::new(),
            keys: HashMap::new(),
            categories: Vec::new(),
            category_ids: HashMap::new(),
            seq,
            saved_seq: seq,
        };
        if seq > 0 {
            let mut newest = 0;
            for stored in store.vector_meta(model)? {
                newest = newest.max(stored.seq);
                inner.remember(&stored);
            }
            // Keys the file holds but the store no longer knows would be unreachable, and an
            // index past the store's newest vector followed a later state of a store since
            // restored from a backup (catching up from there would skip what is renumbered):
            // start over either way.
            if inner.entries.len() < inner.index.size() || newest < seq {
                tracing::warn!(
                    indexed = seq,
                    store = newest,
                    "the vector index holds papers the store does not, or is ahead of it; rebuilding it"
                );
                inner.index = new_index(dim).map_err(|e| SearchError::index(dir, e))?;
                inner.entries.clear();
                inner.keys.clear();
                inner.seq = 0;
            }
        }
        Ok(VectorIndex {
            dir: dir.to_path_buf(),
            model: model.to_string(),
            dim,
            inner: RwLock::new(inner),
        })
    }

    /// Adds vectors stored since the last catch-up; returns how many. Saves to disk when
    /// anything changed and `save` is true.
    pub fn catch_up(&self, store: &dyn Store, save: bool) -> Result<usize, SearchError> {
        self.catch_up_counting(store, save, &NoProgress)
    }

    /// [`VectorIndex::catch_up`], telling `progress` of each batch added.
    pub fn catch_up_counting(
        &self,
        store: &dyn Store,
        save: bool,
        progress: &dyn Progress,
    ) -> Result<usize, SearchError> {
        let mut added = 0;
        loop {
            let from = self.read().seq;
            let batch = store.vectors_since(&self.model, from, CATCH_UP_BATCH)?;
            if batch.is_empty() {
                break;
            }
            let mut inner = self.write();
            // Growing the graph reallocates it, which needs every search out of the way: this
            // write lock is held for one batch only.
            let needed = inner.index.size() + batch.len();
            if needed > inner.index.capacity() {
                let capacity = needed.max(inner.index.capacity() * 2).max(1_024);
                inner
                    .index
                    .reserve(capacity)
                    .map_err(|e| SearchError::index(&self.dir, e))?;
            }
            for stored in &batch {
                if stored.vector.len() != self.dim {
                    return Err(SearchError::index(
                        &self.dir,
                        format!(
                            "paper {} has a {}-dimension vector, expected {}",
                            stored.id,
                            stored.vector.len(),
                            self.dim
                        ),
                    ));
                }
                if inner.index.contains(stored.key) {
                    inner
                        .index
                        .remove(stored.key)
                        .map_err(|e| SearchError::index(&self.dir, e))?;
                }
                inner
                    .index
                    .add(stored.key, &stored.vector)
                    .map_err(|e| SearchError::index(&self.dir, e))?;
                inner.remember(stored);
                inner.seq = stored.seq;
            }
            added += batch.len();
            progress.advance(batch.len() as u64);
        }
        if save && self.read().seq != self.read().saved_seq {
            self.save()?;
        }
        Ok(added)
    }

    /// Writes the index to disk (atomically: a temporary file renamed over the old one).
    pub fn save(&self) -> Result<(), SearchError> {
        let started = Instant::now();
        let inner = self.read();
        let path = self.dir.join(INDEX_FILE);
        let tmp = self.dir.join(format!("{INDEX_FILE}.tmp"));
        let tmp_str = tmp
            .to_str()
            .ok_or_else(|| SearchError::index(&tmp, "the path is not UTF-8"))?;
        inner.index.save(tmp_str).map_err(|e| SearchError::index(&tmp, e))?;
        let crc32 = file_crc32(&tmp).map_err(|e| SearchError::index(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| SearchError::index(&path, e))?;
        let meta = Meta {
            model: self.model.clone(),
            dim: self.dim,
            seq: inner.seq,
            quantization: QUANTIZATION_NAME.into(),
            crc32: Some(crc32),
        };
        let meta_path = self.dir.join(META_FILE);
        let meta_tmp = self.dir.join(format!("{META_FILE}.tmp"));
        let json = serde_json::to_vec(&meta).map_err(|e| SearchError::index(&meta_path, e))?;
        std::fs::write(&meta_tmp, json).map_err(|e| SearchError::index(&meta_tmp, e))?;
        std::fs::rename(&meta_tmp, &meta_path).map_err(|e| SearchError::index(&meta_path, e))?;
        let seq = inner.seq;
        drop(inner);
        self.write().saved_seq = seq;
        tracing::debug!(seq, ms = started.elapsed().as_millis() as u64, "vector index saved");
        Ok(())
    }

    /// The nearest papers to `query` that pass `filters`, most similar first.
    pub fn search(&self, query: &[f32], filters: &Filters, limit: usize) -> Result<Vec<VectorHit>, SearchError> {
        let inner = self.read();
        if inner.index.size() == 0 || limit == 0 {
            return Ok(Vec::new());
        }
        // The graph search keeps at least `limit` candidates, so deep pages stay exact enough.
        if limit > EXPANSION_SEARCH {
            inner.index.change_expansion_search(limit);
        }
        let wanted: Vec<u16> = filters
            .categories
            .iter()
            .filter_map(|c| inner.category_ids.get(&c.to_ascii_lowercase()).copied())
            .collect();
        if !filters.categories.is_empty() && wanted.is_empty() {
            return Ok(Vec::new());
        }
        let unfiltered = filters.from.is_none() && filters.until.is_none() && filters.categories.is_empty();
        let matches = if unfiltered {
            inner.index.search(query, limit)
        } else {
            inner
                .index
                .filtered_search(query, limit, |key| inner.passes(key, filters, &wanted))
        }
        .map_err(|e| SearchError::index(&self.dir, e))?;
        if limit > EXPANSION_SEARCH {
            inner.index.change_expansion_search(EXPANSION_SEARCH);
        }
        // The graph's distances on one-byte vectors are on a scale of usearch's choosing (raw
        // integer products on some CPUs' kernels, not cosines), so each hit's similarity is
        // computed again from its stored vector: a cosine in [-1, 1] whatever the CPU, which
        // callers can show, compare across queries and hold to a threshold.
        let query = unit(query.to_vec());
        let mut stored = vec![0.0f32; self.dim];
        let mut hits: Vec<VectorHit> = matches
            .keys
            .iter()
            .filter_map(|key| {
                let entry = inner.entries.get(key)?;
                let similarity = match inner.index.get(*key, &mut stored) {
                    Ok(n) if n > 0 => cosine_to_unit(&stored, &query),
                    _ => return None,
                };
                Some(VectorHit {
                    id: entry.id.clone(),
                    similarity,
                    day: entry.day,
                })
            })
            .collect();
        hits.sort_by(|a, b| b.similarity.total_cmp(&a.similarity));
        Ok(hits)
    }

    /// The vectors of `ids` that the index holds, unit length, in the order asked (those it lacks
    /// left out): one hash look-up each, instead of a store query per paper.
    pub fn vectors_of(&self, ids: &[ArxivId]) -> Vec<(ArxivId, Vec<f32>)> {
        let inner = self.read();
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(&key) = inner.keys.get(id) else {
                continue;
            };
            let mut vector = vec![0.0f32; self.dim];
            if matches!(inner.index.get(key, &mut vector), Ok(n) if n > 0) {
                found.push((id.clone(), unit(vector)));
            }
        }
        found
    }

    /// Store embedding sequence this index has reached.
    pub fn seq(&self) -> i64 {
        self.read().seq
    }

    pub fn len(&self) -> usize {
        self.read().index.size()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes the index holds in memory (graph and vectors).
    pub fn memory_bytes(&self) -> usize {
        self.read().index.memory_usage()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        // Catch-up mutates only under the write lock and never panics halfway through an entry,
        // so a poisoned lock still guards a usable index.
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }
}

impl Inner {
    fn remember(&mut self, stored: &StoredVector) {
        let mut categories = Vec::with_capacity(stored.categories.len());
        for name in &stored.categories {
            let name = name.to_ascii_lowercase();
            let next = self.categories.len() as u16;
            let id = *self.category_ids.entry(name.clone()).or_insert_with(|| {
                self.categories.push(name);
                next
            });
            categories.push(id);
        }
        self.keys.insert(stored.id.clone(), stored.key);
        self.entries.insert(
            stored.key,
            Entry {
                id: stored.id.clone(),
                day: stored.day,
                categories: categories.into_boxed_slice(),
            },
        );
    }

    fn passes(&self, key: u64, filters: &Filters, wanted: &[u16]) -> bool {
        let Some(entry) = self.entries.get(&key) else {
            return false;
        };
        let in_range = match entry.day {
            Some(day) => filters.from.is_none_or(|f| day >= f) && filters.until.is_none_or(|u| day <= u),
            None => filters.from.is_none() && filters.until.is_none(),
        };
        in_range && (wanted.is_empty() || entry.categories.iter().any(|c| wanted.contains(c)))
    }
}

/// `vector` scaled to unit length, as it was stored: the index's one-byte copy comes back
/// shorter (by about 5%), and "For you" compares these vectors with each other as cosines.
/// The cosine between `vector` (any length) and `unit` (unit length).
fn cosine_to_unit(vector: &[f32], unit: &[f32]) -> f32 {
    let (dot, norm) = vector
        .iter()
        .zip(unit)
        .fold((0.0f32, 0.0f32), |(dot, norm), (x, u)| (dot + x * u, norm + x * x));
    if norm > 0.0 {
        (dot / norm.sqrt()).clamp(-1.0, 1.0)
    } else {
        0.0
    }
}

fn unit(mut vector: Vec<f32>) -> Vec<f32> {
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        vector.iter_mut().for_each(|x| *x /= norm);
    }
    vector
}

/// Loads the index saved for `model` and `dim`; `Ok(None)` when there is none yet.
fn load(dir: &Path, model: &str, dim: usize) -> Result<Option<(Index, i64)>, String> {
    let meta_path = dir.join(META_FILE);
    let index_path = dir.join(INDEX_FILE);
    if !meta_path.exists() || !index_path.exists() {
        return Ok(None);
    }
    let meta: Meta = serde_json::from_slice(&std::fs::read(&meta_path).map_err(|e| e.to_string())?)
        .map_err(|e| format!("{}: {e}", meta_path.display()))?;
    if meta.model != model || meta.dim != dim {
        return Err(format!("it was built for {} ({} dimensions)", meta.model, meta.dim));
    }
    if meta.quantization != QUANTIZATION_NAME {
        return Err(format!(
            "it keeps {} vectors, and this version keeps {QUANTIZATION_NAME}",
            meta.quantization
        ));
    }
    if let Some(expected) = meta.crc32 {
        let found = file_crc32(&index_path).map_err(|e| format!("{}: {e}", index_path.display()))?;
        if found != expected {
            return Err(format!("{} fails its checksum", index_path.display()));
        }
    }
    let index = new_index(dim)?;
    let path = index_path.to_str().ok_or("the path is not UTF-8")?;
    index.load(path).map_err(|e| e.to_string())?;
    if index.dimensions() != dim {
        return Err(format!(
            "the file has {} dimensions, expected {dim}",
            index.dimensions()
        ));
    }
    Ok(Some((index, meta.seq)))
}

/// CRC-32 of a file, read in pieces (the index can be a gigabyte).
fn file_crc32(path: &Path) -> std::io::Result<u32> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = crc32fast::Hasher::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        match file.read(&mut buffer)? {
            0 => return Ok(hasher.finalize()),
            n => hasher.update(&buffer[..n]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved_index(dir: &Path, meta: &str) {
        let index = new_index(4).unwrap();
        index.reserve(1).unwrap();
        index.add(7, &[0.5f32, 0.5, 0.5, 0.5]).unwrap();
        index.save(dir.join(INDEX_FILE).to_str().unwrap()).unwrap();
        std::fs::write(dir.join(META_FILE), meta).unwrap();
    }

    #[test]
    fn an_index_saved_with_other_vectors_is_not_loaded() {
        let dir = tempfile::tempdir().unwrap();
        saved_index(dir.path(), r#"{"model":"m","dim":4,"seq":3,"quantization":"i8"}"#);
        let (index, seq) = load(dir.path(), "m", 4).unwrap().expect("a current index loads");
        assert_eq!((index.size(), seq), (1, 3));

        // Saved before the field existed: half-precision vectors.
        saved_index(dir.path(), r#"{"model":"m","dim":4,"seq":3}"#);
        let problem = load(dir.path(), "m", 4).err().expect("an f16 index is refused");
        assert!(problem.contains("f16"), "{problem}");
    }

    #[test]
    fn a_file_that_fails_its_checksum_is_not_loaded() {
        let dir = tempfile::tempdir().unwrap();
        saved_index(dir.path(), "{}");
        let crc32 = file_crc32(&dir.path().join(INDEX_FILE)).unwrap();
        let meta = format!(r#"{{"model":"m","dim":4,"seq":3,"quantization":"i8","crc32":{crc32}}}"#);
        std::fs::write(dir.path().join(META_FILE), meta).unwrap();
        assert!(load(dir.path(), "m", 4).unwrap().is_some(), "an intact file loads");

        // Garbage in the middle, where usearch itself would not notice it.
        let path = dir.path().join(INDEX_FILE);
        let mut bytes = std::fs::read(&path).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0xff;
        std::fs::write(&path, bytes).unwrap();
        let problem = load(dir.path(), "m", 4).err().expect("a damaged file is refused");
        assert!(problem.contains("fails its checksum"), "{problem}");
    }
}
