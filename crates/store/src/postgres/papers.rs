//! Papers and daily entries in PostgreSQL: row mapping, merging upserts, reads.
//!
//! The rules are SQLite's (`sqlite/papers.rs`), statement for statement where the databases
//! allow; the differences are PostgreSQL's:
//! - Ids are ordered with `COLLATE "C"` (bytes, as SQLite and `ArxivId`'s `Ord` do): a
//!   linguistic collation would put `math/0101001` before `math-ph/0101001`.
//! - `timestamptz` keeps microseconds, so incoming timestamps are cut to microseconds before
//!   merging; otherwise a record carrying nanoseconds would differ from its stored self
//!   forever and never be `Unchanged`.
//! - Lists of documents read their daily entries in one query per list, not one per paper.

use std::collections::HashMap;

use chrono::{NaiveDate, SubsecRound};
use paperboy_domain::merge::{merge_daily, merge_paper};
use paperboy_domain::{ArxivId, DailyEntry, Paper, PaperDocument};
use postgres::{GenericClient, IsolationLevel, Row, Transaction};

use super::{lock_change_feed, Params, PostgresStore};
use crate::paper_row::{daily_entry, json, PaperRow};
use crate::{DayNeighbours, Page, PaperStore, StoreError, StoreStats, Upsert, UpsertOutcome};

/// The paper columns, JSON ones as text (decoded with serde like SQLite's), in [`PaperRow`]'s
/// order, followed by this instance's community counts.
pub(super) const PAPER_COLUMNS: &str = "papers.id, papers.version, papers.title, papers.abstract, \
     papers.authors::text, papers.categories::text, papers.comment, papers.journal_ref, papers.doi, \
     papers.license, papers.submitter, papers.published, papers.updated, papers.announced, \
     papers.versions::text, papers.code_url, papers.project_url, papers.as_of, papers.ai_summary, \
     papers.ai_keywords::text, papers.votes, papers.comment_count";

/// Papers read per round trip while streaming them all.
const STREAM_BATCH: i32 = 1000;

/// A paper row with the instance's own vote and comment counts.
struct CountedRow {
    columns: PaperRow,
    votes: i64,
    comment_count: i64,
}

impl CountedRow {
    /// Reads the first columns of `row`, laid out as [`PAPER_COLUMNS`].
    fn read(row: &Row) -> Result<CountedRow, StoreError> {
        Ok(CountedRow {
            columns: PaperRow::read(row)?,
            votes: row.try_get(20)?,
            comment_count: row.try_get(21)?,
        })
    }

    fn into_paper(self) -> Result<Paper, StoreError> {
        self.columns.into_paper()
    }
}

/// `paper` with its timestamps cut to what `timestamptz` keeps (microseconds).
fn storable(paper: &Paper) -> Paper {
    let mut paper = paper.clone();
    for time in [&mut paper.published, &mut paper.updated, &mut paper.as_of] {
        *time = time.map(|t| t.trunc_subsecs(6));
    }
    paper
}

/// The statements an upsert batch runs for every paper, prepared once per batch.
struct UpsertStatements {
    write_paper: postgres::Statement,
    write_daily: postgres::Statement,
    bump_seq: postgres::Statement,
}

impl UpsertStatements {
    fn prepare(tx: &mut Transaction<'_>) -> Result<UpsertStatements, StoreError> {
        Ok(UpsertStatements {
            write_paper: tx.prepare(
                "INSERT INTO papers (id, version, title, abstract, authors, categories, comment, journal_ref, doi,
                    license, submitter, published, updated, announced, versions, code_url, project_url, as_of,
                    ai_summary, ai_keywords, primary_category, change_seq)
                 VALUES ($1, $2, $3, $4, $5::text::jsonb, $6::text::jsonb, $7, $8, $9, $10, $11, $12, $13, $14,
                    $15::text::jsonb, $16, $17, $18, $19, $20::text::jsonb, $21, $22)
                 ON CONFLICT (id) DO UPDATE SET
                    version = excluded.version, title = excluded.title, abstract = excluded.abstract,
                    authors = excluded.authors, categories = excluded.categories, comment = excluded.comment,
                    journal_ref = excluded.journal_ref, doi = excluded.doi, license = excluded.license,
                    submitter = excluded.submitter, published = excluded.published, updated = excluded.updated,
                    announced = excluded.announced, versions = excluded.versions, code_url = excluded.code_url,
                    project_url = excluded.project_url, as_of = excluded.as_of,
                    ai_summary = excluded.ai_summary, ai_keywords = excluded.ai_keywords,
                    primary_category = excluded.primary_category, change_seq = excluded.change_seq",
            )?,
            write_daily: tx.prepare(
                "INSERT INTO daily_entries (day, paper_id, upvotes, comments, submitted_by, source)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (day, paper_id) DO UPDATE SET upvotes = excluded.upvotes, comments = excluded.comments,
                    submitted_by = excluded.submitted_by, source = excluded.source",
            )?,
            bump_seq: tx.prepare("UPDATE papers SET change_seq = $1 WHERE id = $2")?,
        })
    }
}

/// The stored papers of a batch, and their daily entries, read in two queries (one round trip
/// per paper made ingest into PostgreSQL several times slower than into SQLite).
struct Stored {
    papers: HashMap<String, Paper>,
    daily: HashMap<(NaiveDate, String), DailyEntry>,
}

impl Stored {
    fn load(tx: &mut Transaction<'_>, batch: &[Upsert<'_>]) -> Result<Stored, StoreError> {
        let ids: Vec<&str> = batch.iter().map(|item| item.paper.id.as_str()).collect();
        let mut papers = HashMap::new();
        for row in tx.query(
            &format!("SELECT {PAPER_COLUMNS} FROM papers WHERE id = ANY($1)"),
            &[&ids],
        )? {
            let paper = CountedRow::read(&row)?.into_paper()?;
            papers.insert(paper.id.as_str().to_string(), paper);
        }
        let mut daily = HashMap::new();
        let with_daily: Vec<&str> = batch
            .iter()
            .filter(|item| !item.daily.is_empty())
            .map(|item| item.paper.id.as_str())
            .collect();
        if !with_daily.is_empty() {
            for row in tx.query(
                "SELECT day, upvotes, comments, submitted_by, source, paper_id FROM daily_entries
                 WHERE paper_id = ANY($1)",
                &[&with_daily],
            )? {
                let entry = daily_entry(&row, 0)?;
                daily.insert((entry.day, row.try_get::<_, String>(5)?), entry);
            }
        }
        Ok(Stored { papers, daily })
    }
}

fn write_paper(
    tx: &mut Transaction<'_>,
    statements: &UpsertStatements,
    paper: &Paper,
    seq: i64,
) -> Result<(), StoreError> {
    tx.execute(
        &statements.write_paper,
        &[
            &paper.id.as_str(),
            &paper.version.map(i64::from),
            &paper.title,
            &paper.abstract_text,
            &json(&paper.authors),
            &json(&paper.categories),
            &paper.comment,
            &paper.journal_ref,
            &paper.doi,
            &paper.license,
            &paper.submitter,
            &paper.published,
            &paper.updated,
            &paper.announced,
            &json(&paper.versions),
            &paper.code_url,
            &paper.project_url,
            &paper.as_of,
            &paper.ai_summary,
            &json(&paper.ai_keywords),
            &paper.primary_category(),
            &seq,
        ],
    )?;
    Ok(())
}

/// Merges the daily entries of one paper; true when any changed.
fn upsert_daily(
    tx: &mut Transaction<'_>,
    statements: &UpsertStatements,
    stored: &mut Stored,
    id: &str,
    entries: &[DailyEntry],
) -> Result<bool, StoreError> {
    let mut changed = false;
    for entry in entries {
        let key = (entry.day, id.to_string());
        let to_write = match stored.daily.get(&key) {
            None => Some(entry.clone()),
            Some(existing) => merge_daily(existing, entry),
        };
        if let Some(e) = to_write {
            tx.execute(
                &statements.write_daily,
                &[&e.day, &id, &e.upvotes, &e.comments, &e.submitted_by, &e.source],
            )?;
            stored.daily.insert(key, e);
            changed = true;
        }
    }
    Ok(changed)
}

fn upsert_batch(tx: &mut Transaction<'_>, batch: &[Upsert<'_>]) -> Result<Vec<UpsertOutcome>, StoreError> {
    let mut next_seq = lock_change_feed(tx)?;
    let statements = UpsertStatements::prepare(tx)?;
    let mut stored = Stored::load(tx, batch)?;
    let mut take_seq = || {
        next_seq += 1;
        next_seq - 1
    };
    let mut outcomes = Vec::with_capacity(batch.len());
    for item in batch {
        let id = item.paper.id.as_str();
        let incoming = storable(item.paper);
        let existing = stored.papers.get(id);
        let (merged, mut outcome) = match existing {
            None => {
                let fresh =
                    merge_paper(&Paper::new(incoming.id.clone()), &incoming).unwrap_or_else(|| incoming.clone());
                (Some(fresh), UpsertOutcome::Inserted)
            }
            Some(stored) => match merge_paper(stored, &incoming) {
                Some(merged) => (Some(merged), UpsertOutcome::Updated),
                None => (None, UpsertOutcome::Unchanged),
            },
        };
        if let Some(paper) = merged {
            write_paper(tx, &statements, &paper, take_seq())?;
            // A later record of the same paper in this batch merges into this one.
            stored.papers.insert(id.to_string(), paper);
        }
        let daily_changed = upsert_daily(tx, &statements, &mut stored, id, item.daily)?;
        if daily_changed && outcome == UpsertOutcome::Unchanged {
            outcome = UpsertOutcome::Updated;
            tx.execute(&statements.bump_seq, &[&take_seq(), &id])?;
        }
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// Turns paper rows into documents, reading all their daily entries in one query.
///
/// A paper's counts are the best its daily lists reported (imported) plus this instance's own
/// community's votes and visible comments.
fn to_documents(client: &mut impl GenericClient, rows: Vec<CountedRow>) -> Result<Vec<PaperDocument>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = rows.iter().map(|row| row.columns.id.as_str()).collect();
    let mut entries: HashMap<String, Vec<DailyEntry>> = HashMap::new();
    for row in client.query(
        "SELECT paper_id, day, upvotes, comments, submitted_by, source FROM daily_entries
         WHERE paper_id = ANY($1) ORDER BY paper_id, day",
        &[&ids],
    )? {
        entries.entry(row.try_get(0)?).or_default().push(daily_entry(&row, 1)?);
    }
    rows.into_iter()
        .map(|row| {
            let (votes, comment_count) = (row.votes, row.comment_count);
            let daily = entries.remove(&row.columns.id).unwrap_or_default();
            let paper = row.into_paper()?;
            let upvotes = daily.iter().map(|e| e.upvotes).max().unwrap_or(0) + votes;
            let comments = daily.iter().map(|e| e.comments).max().unwrap_or(0) + comment_count;
            let mut document = PaperDocument::new(paper, daily, upvotes);
            document.comments = comments;
            Ok(document)
        })
        .collect()
}

/// Documents for the papers `sql` selects (its first columns laid out as [`PAPER_COLUMNS`]),
/// in the order it returns them.
pub(super) fn documents(
    client: &mut impl GenericClient,
    sql: &str,
    params: &Params<'_>,
) -> Result<Vec<PaperDocument>, StoreError> {
    let rows = client
        .query(sql, params)?
        .iter()
        .map(CountedRow::read)
        .collect::<Result<Vec<_>, _>>()?;
    to_documents(client, rows)
}

/// Visits every paper in id order. The ids are sorted once, in a portal read a batch at a
/// time; each batch's papers are then read by id (so the sort carries ids, not whole papers),
/// all in one snapshot, as SQLite's single read transaction gives.
fn for_each(
    client: &mut postgres::Client,
    visit: &mut dyn FnMut(PaperDocument) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let portal = tx.bind("SELECT id FROM papers ORDER BY id COLLATE \"C\"", &[])?;
    let select = tx.prepare(&format!("SELECT {PAPER_COLUMNS} FROM papers WHERE id = ANY($1)"))?;
    loop {
        let ids: Vec<String> = tx
            .query_portal(&portal, STREAM_BATCH)?
            .iter()
            .map(|row| row.try_get(0))
            .collect::<Result<_, _>>()?;
        if ids.is_empty() {
            break;
        }
        let mut rows = tx
            .query(&select, &[&ids])?
            .iter()
            .map(CountedRow::read)
            .collect::<Result<Vec<_>, _>>()?;
        rows.sort_by(|a, b| a.columns.id.cmp(&b.columns.id));
        for document in to_documents(&mut tx, rows)? {
            visit(document)?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Writes (or with `None`, removes) a small named state value.
pub(super) fn write_state(client: &mut impl GenericClient, key: &str, value: Option<&str>) -> Result<(), StoreError> {
    match value {
        Some(value) => client.execute(
            "INSERT INTO state (key, value, updated_at) VALUES ($1, $2, now())
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            &[&key, &value],
        )?,
        None => client.execute("DELETE FROM state WHERE key = $1", &[&key])?,
    };
    Ok(())
}

fn stats(client: &mut postgres::Client) -> Result<StoreStats, StoreError> {
    let row = client.query_one(
        "SELECT COUNT(*), MIN(announced), MAX(announced), COALESCE(MAX(change_seq), 0) FROM papers",
        &[],
    )?;
    let (papers, first_announced, last_announced, change_seq): (i64, _, _, _) =
        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?);
    let row = client.query_one(
        "SELECT COUNT(DISTINCT day), COUNT(*), MIN(day), MAX(day) FROM daily_entries",
        &[],
    )?;
    let (daily_days, daily_entries, first_day, last_day): (i64, i64, _, _) =
        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?);
    Ok(StoreStats {
        papers: papers as u64,
        daily_days: daily_days as u64,
        daily_entries: daily_entries as u64,
        first_day,
        last_day,
        first_announced,
        last_announced,
        change_seq,
    })
}

/// A day (or none) from a one-row aggregate query.
fn query_day(client: &mut postgres::Client, sql: &str, params: &Params<'_>) -> Result<Option<NaiveDate>, StoreError> {
    Ok(client.query_one(sql, params)?.try_get(0)?)
}

/// A count or limit as PostgreSQL's `bigint`, saturating.
pub(super) fn to_bigint(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

impl PaperStore for PostgresStore {
    fn upsert_batch(&self, batch: &[Upsert<'_>]) -> Result<Vec<UpsertOutcome>, StoreError> {
        self.in_transaction(|tx| upsert_batch(tx, batch))
    }

    fn paper(&self, id: &ArxivId) -> Result<Option<PaperDocument>, StoreError> {
        self.with_client(|client| {
            let sql = format!("SELECT {PAPER_COLUMNS} FROM papers WHERE id = $1");
            Ok(documents(client, &sql, &[&id.as_str()])?.pop())
        })
    }

    fn for_each_paper(&self, visit: &mut dyn FnMut(PaperDocument) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.with_client(|client| for_each(client, visit))
    }

    fn stats(&self) -> Result<StoreStats, StoreError> {
        self.with_client(stats)
    }

    fn change_seq(&self) -> Result<i64, StoreError> {
        self.with_client(|client| {
            Ok(client
                .query_one("SELECT COALESCE(MAX(change_seq), 0) FROM papers", &[])?
                .try_get(0)?)
        })
    }

    fn daily_list(&self, day: NaiveDate) -> Result<Vec<PaperDocument>, StoreError> {
        self.with_client(|client| {
            let sql = format!(
                "SELECT {PAPER_COLUMNS} FROM papers JOIN daily_entries d ON d.paper_id = papers.id
                 WHERE d.day = $1 ORDER BY papers.id COLLATE \"C\""
            );
            let mut docs = documents(client, &sql, &[&day])?;
            docs.sort_by(|a, b| b.upvotes.cmp(&a.upvotes).then_with(|| a.paper.id.cmp(&b.paper.id)));
            Ok(docs)
        })
    }

    fn daily_between(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<PaperDocument>, StoreError> {
        self.with_client(|client| {
            let sql = format!(
                "SELECT {PAPER_COLUMNS} FROM papers
                 WHERE id IN (SELECT paper_id FROM daily_entries WHERE day BETWEEN $1 AND $2)
                 ORDER BY id COLLATE \"C\""
            );
            documents(client, &sql, &[&from, &to])
        })
    }

    fn daily_neighbours(&self, day: NaiveDate) -> Result<DayNeighbours, StoreError> {
        self.with_client(|client| {
            Ok(DayNeighbours {
                previous: query_day(client, "SELECT MAX(day) FROM daily_entries WHERE day < $1", &[&day])?,
                next: query_day(client, "SELECT MIN(day) FROM daily_entries WHERE day > $1", &[&day])?,
            })
        })
    }

    fn latest_daily_day(&self, on_or_before: Option<NaiveDate>) -> Result<Option<NaiveDate>, StoreError> {
        self.with_client(|client| match on_or_before {
            Some(day) => query_day(client, "SELECT MAX(day) FROM daily_entries WHERE day <= $1", &[&day]),
            None => query_day(client, "SELECT MAX(day) FROM daily_entries", &[]),
        })
    }

    fn latest_announced_day(&self, on_or_before: NaiveDate) -> Result<Option<NaiveDate>, StoreError> {
        self.with_client(|client| {
            query_day(
                client,
                "SELECT MAX(announced) FROM papers WHERE announced <= $1",
                &[&on_or_before],
            )
        })
    }

    fn papers_by_author(&self, name: &str, page: Page) -> Result<Vec<PaperDocument>, StoreError> {
        super::authors::papers_by_author(self, name, page)
    }

    fn announced_on(
        &self,
        day: NaiveDate,
        category: Option<&str>,
        page: Page,
    ) -> Result<Vec<PaperDocument>, StoreError> {
        let (limit, offset) = (to_bigint(page.limit), to_bigint(page.offset));
        self.with_client(|client| match category {
            None => {
                let sql = format!(
                    "SELECT {PAPER_COLUMNS} FROM papers WHERE announced = $1
                     ORDER BY id COLLATE \"C\" LIMIT $2 OFFSET $3"
                );
                documents(client, &sql, &[&day, &limit, &offset])
            }
            Some(category) => {
                // `?` is true for a whole element of the array only (cs.C does not find cs.CV).
                let sql = format!(
                    "SELECT {PAPER_COLUMNS} FROM papers WHERE announced = $1 AND categories ? $4
                     ORDER BY id COLLATE \"C\" LIMIT $2 OFFSET $3"
                );
                documents(client, &sql, &[&day, &limit, &offset, &category])
            }
        })
    }

    fn changed_since(&self, after_seq: i64, limit: usize) -> Result<Vec<(i64, Paper)>, StoreError> {
        self.with_client(|client| {
            let sql = format!(
                "SELECT {PAPER_COLUMNS}, change_seq FROM papers WHERE change_seq > $1 ORDER BY change_seq LIMIT $2"
            );
            client
                .query(&sql, &[&after_seq, &to_bigint(limit)])?
                .iter()
                .map(|row| Ok((row.try_get(22)?, CountedRow::read(row)?.into_paper()?)))
                .collect()
        })
    }

    fn state(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.with_client(|client| {
            let row = client.query_opt("SELECT value FROM state WHERE key = $1", &[&key])?;
            Ok(row.map(|row| row.try_get(0)).transpose()?)
        })
    }

    fn set_state(&self, key: &str, value: Option<&str>) -> Result<(), StoreError> {
        self.with_client(|client| write_state(client, key, value))
    }
}
