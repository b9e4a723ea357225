//! The arXiv source: one listing feed for every followed category together
//! (`{listing_url}{cat1}+{cat2}…`), read whole, checked, then stored.
//!
//! arXiv's feed shows its latest announcement only. A run stores the day the feed shows,
//! unless the ledger holds it complete already. An older due day, which the feed no longer
//! shows, is read from OAI-PMH instead and held as *estimated* ([`crate::oai`]); a newer one
//! (not announced yet) stays missing, with the reason, and is tried again.
//!
//! Counts per category are what a feed of that category alone would say: an item counts in
//! each followed category it lists, as `new` (or `replace`) in its primary category and as
//! `cross` (or `replace_cross`) in the others. One request gives every category's counts.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use paperboy_ingest::formats::arxiv_rss::{AnnounceType, Listing, ListingItem};
use paperboy_ingest::pipeline::{ingest_records, DEFAULT_BATCH_SIZE};
use paperboy_ingest::{IngestReport, IssueKind};
use paperboy_store::{AnnouncedCounts, DayState, StoreError, SyncDay};

use crate::{calendar, ledger, oai, Polite, SourceKind, SourceReport, Syncer, DEFAULT_CATEGORIES};

const SOURCE: SourceKind = SourceKind::Arxiv;

/// Fetches the due days (or `day`); returns the report and when the source is next due after
/// a success.
pub(crate) fn run(
    syncer: &Syncer<'_>,
    polite: &Polite,
    now: DateTime<Utc>,
    day: Option<NaiveDate>,
) -> Result<(SourceReport, DateTime<Utc>), StoreError> {
    let config = syncer.config;
    let next = calendar::next_due_at(now, config.poll_after);
    let categories = categories(syncer)?;
    let latest = calendar::latest_due_day(now, config.poll_after);
    let mut report = SourceReport::new(SOURCE);
    report.days = match day {
        Some(day) => vec![day],
        None => ledger::due(syncer, SOURCE, &categories, latest, false)?,
    };
    if report.days.is_empty() {
        return Ok((report, next));
    }
    let url = format!("{}{}", config.arxiv.listing_url, categories.join("+"));
    let listing = match polite.get(&url).and_then(|body| read(&url, &body)) {
        Ok(listing) => listing,
        Err(message) => {
            fail_all(syncer, &mut report, &categories, &message)?;
            return Ok((report, next));
        }
    };
    let shown = listing.day;
    // The day shown is stored when asked for, or when newer than any due (a clock behind
    // arXiv's); an older one is held already.
    let newest = report.days.last().copied();
    let wanted = shown.filter(|d| report.days.contains(d) || (day.is_none() && Some(*d) > newest));
    if let (Some(shown), Some(_)) = (shown, wanted) {
        store_day(syncer, polite, &mut report, &categories, shown, listing.items, now)?;
    }
    let missed: Vec<NaiveDate> = report.days.iter().copied().filter(|d| Some(*d) != wanted).collect();
    for missed_day in missed {
        let message = match shown {
            Some(shown) if shown < missed_day => {
                format!("{url}: the feed still shows {shown}; {missed_day} is not announced there yet")
            }
            Some(shown) => match backfill(syncer, polite, &mut report, &categories, missed_day, now)? {
                None => continue,
                Some(why) => format!("{url}: the feed shows {shown}; {missed_day} is no longer in it, and {why}"),
            },
            None => format!("{url}: the feed says no announcement day"),
        };
        mark_missing(syncer, &mut report, &categories, missed_day, message)?;
    }
    Ok((report, next))
}

/// The configured categories, else the store's most common primary ones, else the defaults.
fn categories(syncer: &Syncer<'_>) -> Result<Vec<String>, StoreError> {
    if let Some(configured) = syncer.config.arxiv.categories.clone().filter(|c| !c.is_empty()) {
        return Ok(configured);
    }
    let common = syncer.ledger.common_primary_categories(DEFAULT_CATEGORIES.len())?;
    if !common.is_empty() {
        return Ok(common);
    }
    Ok(DEFAULT_CATEGORIES.iter().map(|c| c.to_string()).collect())
}

/// Parses a whole feed; a feed cut short or unreadable is refused whole, so that nothing of a
/// broken day is stored.
fn read(url: &str, body: &[u8]) -> Result<Listing, String> {
    let listing = Listing::read(body);
    if let Some(fatal) = listing.issues.iter().find(|i| i.kind == IssueKind::Fatal) {
        return Err(format!(
            "{url}: the feed is broken, nothing of it was stored: {}",
            fatal.message
        ));
    }
    if listing.day.is_none() {
        let why = listing.issues.first().map_or("", |i| i.message.as_str());
        return Err(format!("{url}: the feed says no announcement day: {why}"));
    }
    Ok(listing)
}

/// Stores a day's items and its counts; a day without items is an error (arXiv announces
/// something every listing day), and stays missing.
fn store_day(
    syncer: &Syncer<'_>,
    polite: &Polite,
    report: &mut SourceReport,
    categories: &[String],
    day: NaiveDate,
    items: Vec<ListingItem>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if items.is_empty() {
        let message = format!("the feed for {day} has no items; the day is left missing and tried again");
        return mark_missing(syncer, report, categories, day, message);
    }
    let counts = count(categories, &items);
    let held = Held {
        day,
        counts: &counts,
        state: DayState::Complete,
        now,
    };
    let ids: Vec<String> = items.iter().map(|item| item.record.paper.id.to_string()).collect();
    let records = items.into_iter().map(|item| item.record).collect();
    store_and_record(syncer, report, categories, "arxiv listing", records, held)?;
    complete(syncer, polite, report, &ids)
}

/// Ids asked of the query API at once.
const API_BATCH: usize = 100;

/// Completes the stored papers from arXiv's query API: what listing feeds leave out (the
/// comment, DOI, journal reference, every author, the first version's date) merges in like
/// any source. A failure here leaves the day complete (its papers are stored) and is
/// reported; the next listing of a paper completes it too.
fn complete(syncer: &Syncer<'_>, polite: &Polite, report: &mut SourceReport, ids: &[String]) -> Result<(), StoreError> {
    let api = &syncer.config.arxiv.api_url;
    if api.is_empty() {
        return Ok(());
    }
    for batch in ids.chunks(API_BATCH) {
        let url = format!("{api}?id_list={}&max_results={}", batch.join(","), batch.len());
        let body = match polite.get(&url) {
            Ok(body) => body,
            Err(why) => {
                report
                    .errors
                    .push(format!("completing papers from the arXiv API: {why}"));
                continue;
            }
        };
        let context = paperboy_ingest::SourceContext {
            name: url.clone(),
            listing_day: None,
        };
        let parsed = paperboy_ingest::formats::parse(
            paperboy_ingest::Format::ArxivAtom,
            Box::new(std::io::Cursor::new(body)),
            context,
        );
        let mut completed = IngestReport::default();
        ingest_records(
            syncer.papers,
            &url,
            parsed,
            DEFAULT_BATCH_SIZE,
            &mut completed,
            syncer.progress,
        )?;
        report
            .errors
            .extend(completed.errors.iter().map(|p| format!("{}: {}", p.source, p.message)));
    }
    Ok(())
}

/// A day as it goes on the ledger once its records are stored.
struct Held<'a> {
    day: NaiveDate,
    counts: &'a BTreeMap<String, AnnouncedCounts>,
    state: DayState,
    now: DateTime<Utc>,
}

/// Stores a day's records through ingest's pipeline (counted in `report`), then writes the day
/// on the ledger for every followed category, as `held` says.
fn store_and_record(
    syncer: &Syncer<'_>,
    report: &mut SourceReport,
    categories: &[String],
    source_name: &str,
    records: Vec<paperboy_ingest::IncomingRecord>,
    held: Held<'_>,
) -> Result<(), StoreError> {
    let mut ingested = IngestReport::default();
    let records = records.into_iter().map(Ok);
    ingest_records(
        syncer.papers,
        source_name,
        records,
        DEFAULT_BATCH_SIZE,
        &mut ingested,
        syncer.progress,
    )?;
    report.count(&ingested);
    let rows: Vec<SyncDay> = categories
        .iter()
        .map(|category| SyncDay {
            source: SOURCE.name().into(),
            day: held.day,
            category: category.clone(),
            counts: held.counts.get(category).copied().unwrap_or_default(),
            fetched_at: Some(held.now),
            state: held.state,
        })
        .collect();
    syncer.ledger.save_sync_days(&rows)
}

/// Per followed category, the items as a feed of that category alone would count them.
fn count(categories: &[String], items: &[ListingItem]) -> BTreeMap<String, AnnouncedCounts> {
    let mut counts: BTreeMap<String, AnnouncedCounts> = BTreeMap::new();
    for item in items {
        let Some(kind) = item.announce_type else { continue };
        let paper = &item.record.paper;
        let replacement = matches!(kind, AnnounceType::Replace | AnnounceType::ReplaceCross);
        for category in paper.categories.iter().filter(|c| categories.contains(c)) {
            let entry = counts.entry(category.clone()).or_default();
            let primary = paper.primary_category() == Some(category.as_str());
            match (replacement, primary) {
                (false, true) => entry.new += 1,
                (false, false) => entry.cross += 1,
                (true, true) => entry.replace += 1,
                (true, false) => entry.replace_cross += 1,
            }
        }
    }
    counts
}

/// Reads a day the feed no longer shows from OAI-PMH and holds it as estimated; `Some(why)`
/// when that failed too.
fn backfill(
    syncer: &Syncer<'_>,
    polite: &Polite,
    report: &mut SourceReport,
    categories: &[String],
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let endpoint = &syncer.config.arxiv.oai_endpoint;
    let estimated = match oai::read_day(polite, endpoint, categories, day) {
        Ok(estimated) if estimated.records.is_empty() => {
            return Ok(Some(format!(
                "OAI-PMH ({endpoint}) has no records of that day in these categories"
            )))
        }
        Ok(estimated) => estimated,
        Err(why) => return Ok(Some(format!("reading it from OAI-PMH failed: {why}"))),
    };
    let held = Held {
        day,
        counts: &estimated.counts,
        state: DayState::Estimated,
        now,
    };
    store_and_record(syncer, report, categories, endpoint, estimated.records, held)?;
    Ok(None)
}

/// Every day of the run is left missing for the same reason.
fn fail_all(
    syncer: &Syncer<'_>,
    report: &mut SourceReport,
    categories: &[String],
    message: &str,
) -> Result<(), StoreError> {
    for day in report.days.clone() {
        mark_missing(syncer, report, categories, day, format!("{day}: {message}"))?;
    }
    Ok(())
}

fn mark_missing(
    syncer: &Syncer<'_>,
    report: &mut SourceReport,
    categories: &[String],
    day: NaiveDate,
    message: String,
) -> Result<(), StoreError> {
    ledger::mark_missing(syncer, SOURCE, report, categories, day, message)
}

#[cfg(test)]
mod tests {
    use paperboy_domain::{ArxivId, Paper};
    use paperboy_ingest::IncomingRecord;

    use super::*;

    fn item(kind: AnnounceType, categories: &[&str]) -> ListingItem {
        let mut paper = Paper::new(ArxivId::parse("2601.00001").unwrap());
        paper.categories = categories.iter().map(|c| c.to_string()).collect();
        ListingItem {
            announce_type: Some(kind),
            record: IncomingRecord::new(paper, Vec::new()),
        }
    }

    #[test]
    fn each_category_counts_as_its_own_feed_would() {
        let followed: Vec<String> = ["cs.AI", "cs.CL"].iter().map(|c| c.to_string()).collect();
        let items = [
            item(AnnounceType::New, &["cs.CL", "cs.AI"]),
            item(AnnounceType::Cross, &["stat.ML", "cs.AI"]),
            item(AnnounceType::Replace, &["cs.AI"]),
            item(AnnounceType::ReplaceCross, &["math.OC", "cs.CL", "cs.AI"]),
        ];
        let counts = count(&followed, &items);
        let ai = AnnouncedCounts {
            new: 0,
            cross: 2,
            replace: 1,
            replace_cross: 1,
        };
        let cl = AnnouncedCounts {
            new: 1,
            cross: 0,
            replace: 0,
            replace_cross: 1,
        };
        assert_eq!(counts["cs.AI"], ai);
        assert_eq!(counts["cs.CL"], cl);
    }
}
