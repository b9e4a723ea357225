//! The keyword index: BM25 over title (boosted), abstract and authors, in tantivy, kept in the
//! data folder and derived from the store.
//!
//! Consistency: each commit carries, in tantivy's commit payload, the store's change sequence
//! number it reflects. A commit is atomic, so after a crash the index is at a known point and
//! catching up (`changed_since`) brings it to the store's state: never silently stale — callers
//! can always compare [`LexicalIndex::indexed_seq`] with the store's.
//!
//! Damage: an index that is unreadable, built by another version, or damaged on disk (see
//! `check`) is not served; it is emptied and refilled from the store by the next catch-up.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::NaiveDate;
use paperboy_domain::{ArxivId, NoProgress, Paper, Progress};
use paperboy_store::PaperStore;
use tantivy::directory::{Directory, MmapDirectory, INDEX_WRITER_LOCK};
use tantivy::schema::Value;
use tantivy::{doc, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, TantivyError, Term};

use crate::{Filters, SearchError, SearchHit};

mod check;
mod query;
mod schema;

pub use check::Checked;
pub use query::content_words;

use schema::{Fields, SCHEMA_VERSION};

/// Papers indexed per commit while catching up.
const CATCH_UP_BATCH: usize = 5_000;
/// Memory the writer may use before flushing a segment.
const WRITER_MEMORY: usize = 64 << 20;

/// What a catch-up did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatchUp {
    /// Indexed this many changed papers; the index is now at `seq`.
    Done { indexed: u64, seq: i64 },
    /// Another process holds the index's write lock (e.g. `paperboy serve`): it keeps the index
    /// up to date, this one only reads.
    Busy,
}

/// The keyword index in one folder.
pub struct LexicalIndex {
    path: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// Taken on first write; held for the life of the index (tantivy allows one writer).
    writer: Mutex<Option<IndexWriter>>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Payload {
    schema: u32,
    seq: i64,
}

/// At most this many threads search one query's segments.
const MAX_SEARCH_THREADS: usize = 4;

impl LexicalIndex {
    /// Opens the index in `dir`, creating it, or recreating it empty when it was built by another
    /// schema version, is unreadable or damaged (it is derived data: a catch-up refills it).
    ///
    /// Only a process that may write the index checks it whole and replaces it: one that finds
    /// another holding the index (a command while `serve` runs) uses it as it is, since the
    /// holder checked it when it opened it — and replacing files under it would break it.
    pub fn open(dir: &Path) -> Result<LexicalIndex, SearchError> {
        let error = |e: TantivyError| SearchError::index(dir, e);
        std::fs::create_dir_all(dir).map_err(|e| SearchError::index(dir, e))?;
        let (schema, fields) = schema::build();
        let writer_lock = MmapDirectory::open(dir)
            .map_err(|e| SearchError::index(dir, e))?
            .acquire_lock(&INDEX_WRITER_LOCK);
        let mut index = match (check::inspect(dir, &schema, writer_lock.is_ok()), &writer_lock) {
            (check::Found::Sound(index), _) => index,
            (check::Found::Nothing, _) => Index::create_in_dir(dir, schema.clone()).map_err(error)?,
            (check::Found::Unsound(why), Ok(_)) => {
                tracing::warn!(dir = %dir.display(), problem = %why, "the keyword index cannot be used; rebuilding it from the store");
                clear_dir(dir)?;
                Index::create_in_dir(dir, schema.clone()).map_err(error)?
            }
            (check::Found::Unsound(why), Err(_)) => {
                let why = format!("{why}, and another paperboy process (serve?) holds it: restart that process");
                return Err(SearchError::index(dir, why));
            }
        };
        // The writer takes the lock again when it first writes.
        drop(writer_lock);
        // A query's segments are searched on several threads: at 1M papers (16 segments) this
        // halved keyword latency on 2 cores (title queries p50 6.3 → 3.6 ms). Busy servers lose
        // nothing by it: the threads are shared by all queries, so the cores stay the limit.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_SEARCH_THREADS));
        if threads > 1 {
            index.set_multithread_executor(threads).map_err(error)?;
        }
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .map_err(error)?;
        Ok(LexicalIndex {
            path: dir.to_path_buf(),
            index,
            reader,
            fields,
            writer: Mutex::new(None),
        })
    }

    /// Checks every committed segment file against its checksum, as opening does in the
    /// process that writes the index; what was read, and how long it took.
    pub fn verify_checksums(&self) -> Result<Checked, SearchError> {
        check::verify_checksums(&self.index).map_err(|problem| SearchError::index(&self.path, problem))
    }

    /// The store change sequence number this index reflects (0 when empty).
    pub fn indexed_seq(&self) -> Result<i64, SearchError> {
        let metas = self.index.load_metas().map_err(|e| SearchError::index(&self.path, e))?;
        Ok(metas
            .payload
            .as_deref()
            .and_then(|p| serde_json::from_str::<Payload>(p).ok())
            .map_or(0, |p| p.seq))
    }

    /// Number of papers in the index.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Indexes every paper changed in the store since the index's sequence number.
    #[tracing::instrument(level = "debug", name = "keyword_catch_up", skip_all)]
    pub fn catch_up(&self, store: &dyn PaperStore) -> Result<CatchUp, SearchError> {
        self.catch_up_counting(store, &NoProgress)
    }

    /// [`LexicalIndex::catch_up`], telling `progress` of each committed batch.
    fn catch_up_counting(&self, store: &dyn PaperStore, progress: &dyn Progress) -> Result<CatchUp, SearchError> {
        let mut guard = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let Some(writer) = self.writer_in(&mut guard)? else {
            return Ok(CatchUp::Busy);
        };
        let mut seq = self.indexed_seq()?;
        // An index past its store followed a later state of it: the store was restored from a
        // backup (`pg_restore`, an older file). The same store id, so only this tells; catching
        // up from here would miss every change numbered up to the index's number again.
        let store_seq = store.change_seq()?;
        let emptied = seq > store_seq;
        if emptied {
            tracing::warn!(
                dir = %self.path.display(),
                indexed = seq,
                store = store_seq,
                "the keyword index is ahead of its store (restored from an older copy?); rebuilding it"
            );
            writer
                .delete_all_documents()
                .map_err(|e| SearchError::index(&self.path, e))?;
            self.commit(writer, 0)?;
            seq = 0;
        }
        let mut indexed = 0u64;
        loop {
            let changed = store.changed_since(seq, CATCH_UP_BATCH)?;
            let Some(&(last_seq, _)) = changed.last() else { break };
            for (_, paper) in &changed {
                writer.delete_term(Term::from_field_text(self.fields.id, paper.id.as_str()));
                writer
                    .add_document(self.document(paper))
                    .map_err(|e| SearchError::index(&self.path, e))?;
            }
            self.commit(writer, last_seq)?;
            indexed += changed.len() as u64;
            progress.advance(changed.len() as u64);
            seq = last_seq;
        }
        if indexed > 0 || emptied {
            self.reader.reload().map_err(|e| SearchError::index(&self.path, e))?;
        }
        Ok(CatchUp::Done { indexed, seq })
    }

    /// Empties the index and indexes the whole store again.
    pub fn rebuild(&self, store: &dyn PaperStore) -> Result<CatchUp, SearchError> {
        self.rebuild_reporting(store, &NoProgress)
    }

    /// [`LexicalIndex::rebuild`], telling `progress` of the papers indexed out of the store's.
    pub fn rebuild_reporting(&self, store: &dyn PaperStore, progress: &dyn Progress) -> Result<CatchUp, SearchError> {
        {
            let mut guard = self.writer.lock().unwrap_or_else(|p| p.into_inner());
            let Some(writer) = self.writer_in(&mut guard)? else {
                return Ok(CatchUp::Busy);
            };
            writer
                .delete_all_documents()
                .map_err(|e| SearchError::index(&self.path, e))?;
            self.commit(writer, 0)?;
        }
        progress.start("indexing keywords", Some(store.stats()?.papers));
        let done = self.catch_up_counting(store, progress);
        progress.finish();
        done
    }

    fn writer_in<'a>(&self, slot: &'a mut Option<IndexWriter>) -> Result<Option<&'a mut IndexWriter>, SearchError> {
        if slot.is_none() {
            match self.index.writer(WRITER_MEMORY) {
                Ok(writer) => *slot = Some(writer),
                Err(TantivyError::LockFailure(..)) => return Ok(None),
                Err(e) => return Err(SearchError::index(&self.path, e)),
            }
        }
        Ok(slot.as_mut())
    }

    fn commit(&self, writer: &mut IndexWriter, seq: i64) -> Result<(), SearchError> {
        let payload = serde_json::to_string(&Payload {
            schema: SCHEMA_VERSION,
            seq,
        })
        .unwrap_or_default();
        let mut prepared = writer.prepare_commit().map_err(|e| SearchError::index(&self.path, e))?;
        prepared.set_payload(&payload);
        prepared.commit().map_err(|e| SearchError::index(&self.path, e))?;
        Ok(())
    }

    fn document(&self, paper: &Paper) -> TantivyDocument {
        let f = &self.fields;
        let mut document = doc!(
            f.id => paper.id.as_str(),
            f.title => paper.title.as_str(),
            f.abstract_text => paper.abstract_text.as_str(),
        );
        for author in &paper.authors {
            document.add_text(f.authors, author);
        }
        for category in &paper.categories {
            document.add_text(f.categories, category.to_lowercase());
        }
        if let Some(day) = paper_day(paper) {
            document.add_i64(f.day, day_number(day));
        }
        document
    }

    /// Runs a parsed query; `offset`/`limit` page through the ranking.
    pub fn search(
        &self,
        parsed: &crate::ParsedQuery,
        filters: &Filters,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<SearchHit>, SearchError> {
        let searcher = self.reader.searcher();
        let query = query::build(&self.index, &self.fields, parsed, filters);
        let collector = tantivy::collector::TopDocs::with_limit(limit.max(1))
            .and_offset(offset)
            .order_by_score();
        let top = searcher
            .search(&query, &Unpruned(collector))
            .map_err(|e| SearchError::index(&self.path, e))?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let stored: TantivyDocument = searcher.doc(address).map_err(|e| SearchError::index(&self.path, e))?;
            let text = |field| stored.get_first(field).and_then(|v| v.as_str().map(str::to_string));
            let Some(id) = text(self.fields.id).and_then(|id| ArxivId::parse(&id).ok()) else {
                continue;
            };
            let day = stored
                .get_first(self.fields.day)
                .and_then(|v| v.as_i64())
                .and_then(day_from_number);
            hits.push(SearchHit {
                id,
                title: text(self.fields.title).unwrap_or_default(),
                score,
                published: day,
            });
        }
        Ok(hits)
    }
}

impl LexicalIndex {
    /// The query's keyword weight in this index ([`query::weight`]): what its keyword scores
    /// are measured against when fused with the semantic ranking.
    pub fn query_weight(&self, parsed: &crate::ParsedQuery) -> f32 {
        query::weight(&self.index, &self.reader.searcher(), &self.fields, parsed)
    }

    /// How much of the query's words `text` holds ([`query::matched_share`]), 0 to 1.
    pub fn matched_share(&self, parsed: &crate::ParsedQuery, text: &str) -> f32 {
        query::matched_share(&self.index, &self.reader.searcher(), &self.fields, parsed, text)
    }
}

/// The day a paper is filed under for date filters: its announcement, else its first submission.
pub fn paper_day(paper: &Paper) -> Option<NaiveDate> {
    paper.announced.or(paper.published.map(|t| t.date_naive()))
}

const EPOCH: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};

pub(crate) fn day_number(day: NaiveDate) -> i64 {
    (day - EPOCH).num_days()
}

fn day_from_number(days: i64) -> Option<NaiveDate> {
    EPOCH.checked_add_signed(chrono::TimeDelta::try_days(days)?)
}

/// Removes everything in `dir` but the lock files: a lock file removed while held would let
/// the next process lock a new file of the same name, and write beside the holder.
fn clear_dir(dir: &Path) -> Result<(), SearchError> {
    for entry in std::fs::read_dir(dir).map_err(|e| SearchError::index(dir, e))? {
        let path = entry.map_err(|e| SearchError::index(dir, e))?.path();
        let name = path.file_name().map(|name| name.to_string_lossy()).unwrap_or_default();
        if name.starts_with(".tantivy-") && name.ends_with(".lock") {
            continue;
        }
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.map_err(|e| SearchError::index(dir, e))?;
    }
    Ok(())
}

/// A collector that scores every match, without block-max WAND. tantivy prunes a flat OR with
/// WAND when the collector ranks by score, but for queries of many words over fields (a pasted
/// title makes 30 clauses) it skips little and costs more: at 1M papers, title queries took
/// p50 13.6 ms pruned against 6.7 ms scored in full (docs/benchmarks.md, "Keyword query shape").
/// Leaving `collect_segment` to the trait's default visits every match in one buffered union.
struct Unpruned<C>(C);

impl<C: tantivy::collector::Collector> tantivy::collector::Collector for Unpruned<C> {
    type Fruit = C::Fruit;
    type Child = C::Child;
    fn for_segment(
        &self,
        ord: tantivy::SegmentOrdinal,
        reader: &tantivy::SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        self.0.for_segment(ord, reader)
    }
    fn requires_scoring(&self) -> bool {
        self.0.requires_scoring()
    }
    fn merge_fruits(
        &self,
        fruits: Vec<<Self::Child as tantivy::collector::SegmentCollector>::Fruit>,
    ) -> tantivy::Result<Self::Fruit> {
        self.0.merge_fruits(fruits)
    }
}
