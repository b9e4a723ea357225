//! Papers and daily entries in SQLite: row mapping, merging upserts, reads.

use chrono::NaiveDate;
use paperboy_domain::merge::{merge_daily, merge_paper};
use paperboy_domain::{DailyEntry, Paper, PaperDocument};
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use super::{collect, one};
use crate::paper_row::{daily_entry, json, PaperRow};
use crate::rows::{sql_limit, RowRead};
use crate::{Page, StoreError, StoreStats, Upsert, UpsertOutcome};

const PAPER_COLUMNS: &str = "id, version, title, abstract, authors, categories, comment, journal_ref, doi, license, \
     submitter, published, updated, announced, versions, code_url, project_url, as_of, ai_summary, ai_keywords";

fn load_paper(tx: &Transaction<'_>, id: &str) -> Result<Option<Paper>, StoreError> {
    let sql = format!("SELECT {PAPER_COLUMNS} FROM papers WHERE id = ?1");
    let row = one(tx, &sql, [id], |r| PaperRow::read(r))?;
    row.map(PaperRow::into_paper).transpose()
}

fn write_paper(tx: &Transaction<'_>, paper: &Paper, seq: i64) -> Result<(), StoreError> {
    let mut upsert = tx.prepare_cached(&format!(
        "INSERT INTO papers ({PAPER_COLUMNS}, primary_category, change_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)
         ON CONFLICT (id) DO UPDATE SET
            version = excluded.version, title = excluded.title, abstract = excluded.abstract,
            authors = excluded.authors, categories = excluded.categories, comment = excluded.comment,
            journal_ref = excluded.journal_ref, doi = excluded.doi, license = excluded.license,
            submitter = excluded.submitter, published = excluded.published, updated = excluded.updated,
            announced = excluded.announced, versions = excluded.versions, code_url = excluded.code_url,
            project_url = excluded.project_url, as_of = excluded.as_of,
            ai_summary = excluded.ai_summary, ai_keywords = excluded.ai_keywords,
            primary_category = excluded.primary_category, change_seq = excluded.change_seq"
    ))?;
    upsert.execute(params![
        paper.id.as_str(),
        paper.version,
        paper.title,
        paper.abstract_text,
        json(&paper.authors),
        json(&paper.categories),
        paper.comment,
        paper.journal_ref,
        paper.doi,
        paper.license,
        paper.submitter,
        paper.published,
        paper.updated,
        paper.announced,
        json(&paper.versions),
        paper.code_url,
        paper.project_url,
        paper.as_of,
        paper.ai_summary,
        json(&paper.ai_keywords),
        paper.primary_category(),
        seq,
    ])?;
    Ok(())
}

/// Merges the daily entries of one paper; true when any changed.
fn upsert_daily(tx: &Transaction<'_>, id: &str, entries: &[DailyEntry]) -> Result<bool, StoreError> {
    let mut select = tx.prepare_cached(
        "SELECT day, upvotes, comments, submitted_by, source FROM daily_entries WHERE day = ?1 AND paper_id = ?2",
    )?;
    let mut upsert = tx.prepare_cached(
        "INSERT INTO daily_entries (day, paper_id, upvotes, comments, submitted_by, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (day, paper_id) DO UPDATE SET upvotes = excluded.upvotes, comments = excluded.comments,
            submitted_by = excluded.submitted_by, source = excluded.source",
    )?;
    let mut changed = false;
    for entry in entries {
        let existing = select
            .query(params![entry.day, id])?
            .next()?
            .map(|r| daily_entry(r, 0))
            .transpose()?;
        let to_write = match existing {
            None => Some(entry.clone()),
            Some(existing) => merge_daily(&existing, entry),
        };
        if let Some(e) = to_write {
            upsert.execute(params![e.day, id, e.upvotes, e.comments, e.submitted_by, e.source])?;
            changed = true;
        }
    }
    Ok(changed)
}

pub fn upsert_batch(conn: &mut Connection, batch: &[Upsert<'_>]) -> Result<Vec<UpsertOutcome>, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut seq: i64 = tx.query_row("SELECT COALESCE(MAX(change_seq), 0) FROM papers", [], |r| r.get(0))?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for item in batch {
        let id = item.paper.id.as_str();
        let existing = load_paper(&tx, id)?;
        let (merged, mut outcome) = match &existing {
            None => {
                let fresh =
                    merge_paper(&Paper::new(item.paper.id.clone()), item.paper).unwrap_or_else(|| item.paper.clone());
                (Some(fresh), UpsertOutcome::Inserted)
            }
            Some(stored) => match merge_paper(stored, item.paper) {
                Some(merged) => (Some(merged), UpsertOutcome::Updated),
                None => (None, UpsertOutcome::Unchanged),
            },
        };
        let daily_changed = {
            if let Some(paper) = &merged {
                seq += 1;
                write_paper(&tx, paper, seq)?;
            }
            upsert_daily(&tx, id, item.daily)?
        };
        if daily_changed && outcome == UpsertOutcome::Unchanged {
            outcome = UpsertOutcome::Updated;
            seq += 1;
            tx.prepare_cached("UPDATE papers SET change_seq = ?1 WHERE id = ?2")?
                .execute(params![seq, id])?;
        }
        outcomes.push(outcome);
    }
    tx.commit()?;
    Ok(outcomes)
}

fn daily_entries(conn: &Connection, id: &str) -> Result<Vec<DailyEntry>, StoreError> {
    let mut select = conn.prepare_cached(
        "SELECT day, upvotes, comments, submitted_by, source FROM daily_entries WHERE paper_id = ?1 ORDER BY day",
    )?;
    let mut rows = select.query([id])?;
    let mut entries = Vec::new();
    while let Some(row) = rows.next()? {
        entries.push(daily_entry(row, 0)?);
    }
    Ok(entries)
}

/// A paper's counts are the best its daily lists reported (imported) plus this instance's own
/// community's votes and visible comments.
fn to_document(conn: &Connection, paper: Paper) -> Result<PaperDocument, StoreError> {
    let entries = daily_entries(conn, paper.id.as_str())?;
    let (votes, comment_count): (i64, i64) = conn
        .prepare_cached("SELECT votes, comment_count FROM papers WHERE id = ?1")?
        .query_row([paper.id.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((0, 0));
    let upvotes = entries.iter().map(|e| e.upvotes).max().unwrap_or(0) + votes;
    let comments = entries.iter().map(|e| e.comments).max().unwrap_or(0) + comment_count;
    let mut document = PaperDocument::new(paper, entries, upvotes);
    document.comments = comments;
    Ok(document)
}

pub fn document(conn: &Connection, id: &str) -> Result<Option<PaperDocument>, StoreError> {
    let sql = format!("SELECT {PAPER_COLUMNS} FROM papers WHERE id = ?1");
    let Some(row) = one(conn, &sql, [id], |r| PaperRow::read(r))? else {
        return Ok(None);
    };
    to_document(conn, row.into_paper()?).map(Some)
}

pub fn for_each(
    conn: &Connection,
    visit: &mut dyn FnMut(PaperDocument) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut select = conn.prepare(&format!("SELECT {PAPER_COLUMNS} FROM papers ORDER BY id"))?;
    let mut rows = select.query([])?;
    while let Some(row) = rows.next()? {
        let paper = PaperRow::read(row)?.into_paper()?;
        visit(to_document(conn, paper)?)?;
    }
    Ok(())
}

fn documents(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<Vec<PaperDocument>, StoreError> {
    let rows = collect(conn, sql, params, |r| PaperRow::read(r))?;
    rows.into_iter()
        .map(|row| to_document(conn, row.into_paper()?))
        .collect()
}

/// Papers matching `condition` (SQL after `WHERE`, ordering and limits included).
pub fn documents_where(
    conn: &Connection,
    condition: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<PaperDocument>, StoreError> {
    documents(
        conn,
        &format!("SELECT {PAPER_COLUMNS} FROM papers WHERE {condition}"),
        params,
    )
}

pub fn daily_list(conn: &Connection, day: NaiveDate) -> Result<Vec<PaperDocument>, StoreError> {
    let sql = format!(
        "SELECT {PAPER_COLUMNS} FROM papers JOIN daily_entries d ON d.paper_id = papers.id WHERE d.day = ?1 ORDER BY papers.id"
    );
    let mut docs = documents(conn, &sql, [day])?;
    docs.sort_by(|a, b| b.upvotes.cmp(&a.upvotes).then_with(|| a.paper.id.cmp(&b.paper.id)));
    Ok(docs)
}

pub fn daily_between(conn: &Connection, from: NaiveDate, to: NaiveDate) -> Result<Vec<PaperDocument>, StoreError> {
    let sql = format!(
        "SELECT {PAPER_COLUMNS} FROM papers WHERE id IN (SELECT DISTINCT paper_id FROM daily_entries WHERE day BETWEEN ?1 AND ?2) ORDER BY id"
    );
    documents(conn, &sql, [from, to])
}

pub fn announced_on(
    conn: &Connection,
    day: NaiveDate,
    category: Option<&str>,
    page: Page,
) -> Result<Vec<PaperDocument>, StoreError> {
    let limit = page.limit.min(i64::MAX as u64) as i64;
    let offset = page.offset.min(i64::MAX as u64) as i64;
    match category {
        None => {
            let sql = format!("SELECT {PAPER_COLUMNS} FROM papers WHERE announced = ?1 ORDER BY id LIMIT ?2 OFFSET ?3");
            documents(conn, &sql, params![day, limit, offset])
        }
        Some(category) => {
            // Categories are a JSON array; match the quoted name to avoid prefix hits (cs.C vs cs.CV).
            let sql = format!(
                "SELECT {PAPER_COLUMNS} FROM papers WHERE announced = ?1 AND instr(categories, ?4) > 0 ORDER BY id LIMIT ?2 OFFSET ?3"
            );
            documents(conn, &sql, params![day, limit, offset, json(&category)])
        }
    }
}

pub fn changed_since(conn: &Connection, after_seq: i64, limit: usize) -> Result<Vec<(i64, Paper)>, StoreError> {
    let sql =
        format!("SELECT {PAPER_COLUMNS}, change_seq FROM papers WHERE change_seq > ?1 ORDER BY change_seq LIMIT ?2");
    let rows = collect(conn, &sql, params![after_seq, sql_limit(limit)], |row| {
        Ok((row.column::<i64>(20)?, PaperRow::read(row)?))
    })?;
    rows.into_iter()
        .map(|(seq, row)| Ok((seq, row.into_paper()?)))
        .collect()
}

pub fn stats(conn: &Connection) -> Result<StoreStats, StoreError> {
    let (papers, first_announced, last_announced, change_seq) = conn.query_row(
        "SELECT COUNT(*), MIN(announced), MAX(announced), COALESCE(MAX(change_seq), 0) FROM papers",
        [],
        |r| Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let (daily_days, daily_entries, first_day, last_day) = conn.query_row(
        "SELECT COUNT(DISTINCT day), COUNT(*), MIN(day), MAX(day) FROM daily_entries",
        [],
        |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get(2)?, r.get(3)?)),
    )?;
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
