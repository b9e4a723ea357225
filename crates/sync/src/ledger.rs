//! What the ledger says a source should fetch, and noting the days it could not.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use paperboy_store::{AnnouncedCounts, DayState, StoreError, SyncDay};

use crate::{calendar, SourceKind, SourceReport, Syncer};

/// The days `source` should fetch now, up to `latest`: those since its last held day, and
/// those left missing, within the backfill horizon. A day is held when every one of
/// `categories` is. `refetch_latest`: `latest` is fetched even when held (a list still growing).
pub(crate) fn due(
    syncer: &Syncer<'_>,
    source: SourceKind,
    categories: &[String],
    latest: NaiveDate,
    refetch_latest: bool,
) -> Result<Vec<NaiveDate>, StoreError> {
    let backfill_days = syncer.config.backfill_days;
    let horizon = latest - chrono::Duration::days(i64::from(backfill_days.max(1)) - 1);
    let mut per_day: BTreeMap<NaiveDate, (HashSet<String>, bool)> = BTreeMap::new();
    for row in syncer.ledger.sync_days(horizon, latest)? {
        if row.source != source.name() {
            continue;
        }
        let entry = per_day.entry(row.day).or_default();
        match row.state {
            DayState::Missing => entry.1 = true,
            DayState::Complete | DayState::Estimated => {
                entry.0.insert(row.category);
            }
        }
    }
    let is_held = |day: &NaiveDate, cats: &HashSet<String>| {
        categories.iter().all(|c| cats.contains(c)) && !(refetch_latest && *day == latest)
    };
    let held: Vec<NaiveDate> = per_day
        .iter()
        .filter(|(day, (cats, _))| is_held(day, cats))
        .map(|(day, _)| *day)
        .collect();
    let missing: HashSet<NaiveDate> = per_day
        .iter()
        .filter(|(day, (cats, missing))| *missing && !is_held(day, cats))
        .map(|(day, _)| *day)
        .collect();
    // Before the horizon, the store's word for the last day held (it only bounds the start).
    let last = match held.last() {
        Some(day) => Some(*day),
        None => syncer.ledger.last_synced_day(source.name())?.filter(|d| *d < horizon),
    };
    Ok(calendar::due_days(latest, last, &missing, backfill_days))
}

/// Notes `day` of `source` as missing on the ledger, for each of `categories` not held
/// already (a forced refetch that fails loses nothing), and in the report.
pub(crate) fn mark_missing(
    syncer: &Syncer<'_>,
    source: SourceKind,
    report: &mut SourceReport,
    categories: &[String],
    day: NaiveDate,
    message: String,
) -> Result<(), StoreError> {
    let existing = syncer.ledger.sync_days(day, day)?;
    let rows: Vec<SyncDay> = categories
        .iter()
        .filter(|category| {
            !existing
                .iter()
                .any(|r| r.source == source.name() && &r.category == *category && r.state != DayState::Missing)
        })
        .map(|category| SyncDay {
            source: source.name().into(),
            day,
            category: category.clone(),
            counts: AnnouncedCounts::default(),
            fetched_at: None,
            state: DayState::Missing,
        })
        .collect();
    syncer.ledger.save_sync_days(&rows)?;
    report.errors.push(message);
    report.incomplete.push(day);
    Ok(())
}
