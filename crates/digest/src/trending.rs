//! A period's trending section: the papers of its daily lists, hottest first, ranked as the
//! `/trending` page ranks them (`paperboy_domain::trending::rank_listed`).
//!
//! A day without a curated list (the digest runs before Hugging Face's list is out, or the
//! lists stopped coming) does not turn "trending" into that day's announcements: like the
//! page, the section falls back to the latest days before it that have lists, ranked as of the
//! end of the last of them, and says so. Only a site that has never had a daily list shows the
//! period's announcements, newest first, and says that instead.

use chrono::{Days, NaiveDate};
use paperboy_domain::trending::{end_of_day, rank, rank_listed};
use paperboy_domain::PaperDocument;
use paperboy_store::Frequency;
use paperboy_store::{Page, Store, StoreError};

use crate::compose::{Entry, Trending, TRENDING_LIMIT};
use crate::period::Period;

/// Papers announced per day looked at when the site has no daily lists.
const ANNOUNCED_PER_DAY: u64 = 1_000;

/// The trending section for `period`.
pub fn trending(store: &dyn Store, period: &Period) -> Result<Trending, StoreError> {
    let listed = store.daily_between(period.from, period.until)?;
    if !listed.is_empty() {
        return Ok(Trending {
            entries: entries(rank_listed(listed, period.from, period.until, period.due)),
            note: None,
        });
    }
    let Some(latest) = store.latest_daily_day(Some(period.until))? else {
        return announcements(store, period);
    };
    let length = (period.until - period.from).num_days().max(0) as u64;
    let from = latest.checked_sub_days(Days::new(length)).unwrap_or(latest);
    let docs = store.daily_between(from, latest)?;
    Ok(Trending {
        entries: entries(rank_listed(docs, from, latest, end_of_day(latest))),
        note: Some(fallback_note(period, from, latest)),
    })
}

fn entries(ranked: Vec<paperboy_domain::trending::Listed>) -> Vec<Entry> {
    ranked
        .into_iter()
        .take(TRENDING_LIMIT)
        .map(|listed| Entry::new(&listed.doc, Vec::new()))
        .collect()
}

/// No daily list has ever been stored (an arXiv-only site): the period's announcements, all
/// without votes, so the hot rank orders them newest first.
fn announcements(store: &dyn Store, period: &Period) -> Result<Trending, StoreError> {
    let mut items: Vec<(u64, NaiveDate, PaperDocument)> = Vec::new();
    for day in period.days() {
        let page = Page {
            offset: 0,
            limit: ANNOUNCED_PER_DAY,
        };
        items.extend(store.announced_on(day, None, page)?.into_iter().map(|d| (0, day, d)));
    }
    let entries: Vec<Entry> = rank(items, period.due)
        .into_iter()
        .take(TRENDING_LIMIT)
        .map(|(_, doc)| Entry::new(&doc, Vec::new()))
        .collect();
    let note =
        (!entries.is_empty()).then(|| "No curated lists on this site: the newest announcements instead".to_string());
    Ok(Trending { entries, note })
}

/// "No curated list for 2 May yet: trending from 1 May"; for a week, "No curated lists for the
/// week of 4 May yet: trending from 27 April to 3 May".
pub fn fallback_note(period: &Period, from: NaiveDate, until: NaiveDate) -> String {
    let day = |d: NaiveDate| d.format("%-d %B").to_string();
    let missing = match period.frequency {
        Frequency::Daily => format!("No curated list for {} yet", day(period.from)),
        Frequency::Weekly => format!("No curated lists for the week of {} yet", day(period.from)),
    };
    if from == until {
        format!("{missing}: trending from {}", day(until))
    } else {
        format!("{missing}: trending from {} to {}", day(from), day(until))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use paperboy_domain::{ArxivId, DailyEntry, Paper};
    use paperboy_store::{PaperStore, SqliteStore, Upsert};

    use crate::period::Schedule;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// A store holding `(id, day listed, upvotes)` and one paper announced on 2 May, unlisted.
    fn store(listed: &[(&str, &str, i64)]) -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        for (id, listed_on, upvotes) in listed {
            let mut paper = Paper::new(ArxivId::parse(id).unwrap());
            paper.title = format!("Paper {id}");
            let entry = DailyEntry {
                day: day(listed_on),
                upvotes: *upvotes,
                comments: 0,
                submitted_by: None,
                source: "hf".into(),
            };
            store
                .upsert_batch(&[Upsert {
                    paper: &paper,
                    daily: &[entry],
                }])
                .unwrap();
        }
        let mut announced = Paper::new(ArxivId::parse("2605.09999").unwrap());
        announced.title = "Announced only".into();
        announced.announced = Some(day("2026-05-02"));
        store
            .upsert_batch(&[Upsert {
                paper: &announced,
                daily: &[],
            }])
            .unwrap();
        (dir, store)
    }

    fn period(frequency: Frequency, now: &str) -> Period {
        let now = DateTime::parse_from_rfc3339(now).unwrap().to_utc();
        Schedule::default().latest_period(frequency, now)
    }

    fn ids(trending: &Trending) -> Vec<&str> {
        trending.entries.iter().map(|e| e.id.as_str()).collect()
    }

    #[test]
    fn a_day_with_a_list_is_ranked_by_its_votes_without_a_note() {
        let (_dir, store) = store(&[("2605.00001", "2026-05-02", 3), ("2605.00002", "2026-05-02", 40)]);
        let trending = trending(&store, &period(Frequency::Daily, "2026-05-03T08:00:00Z")).unwrap();
        assert_eq!(ids(&trending), ["2605.00002", "2605.00001"]);
        assert_eq!(trending.entries[0].upvotes, 40, "counts travel with the entry");
        assert_eq!(trending.note, None);
    }

    #[test]
    fn a_day_without_a_list_falls_back_to_the_latest_list_and_says_so() {
        let (_dir, store) = store(&[
            ("2604.00001", "2026-04-30", 90),
            ("2605.00001", "2026-05-01", 2),
            ("2605.00002", "2026-05-01", 17),
        ]);
        let daily = period(Frequency::Daily, "2026-05-03T08:00:00Z");
        assert_eq!(daily.from, day("2026-05-02"));
        let trending = trending(&store, &daily).unwrap();
        assert_eq!(
            ids(&trending),
            ["2605.00002", "2605.00001"],
            "1 May's list, not 2 May's announcements"
        );
        assert_eq!(
            trending.note.as_deref(),
            Some("No curated list for 2 May yet: trending from 1 May")
        );
        assert_eq!(
            fallback_note(&daily, day("2026-04-25"), day("2026-05-01")),
            "No curated list for 2 May yet: trending from 25 April to 1 May"
        );
    }

    #[test]
    fn a_site_without_any_list_shows_announcements_and_says_so() {
        let (_dir, store) = store(&[]);
        let trending = trending(&store, &period(Frequency::Daily, "2026-05-03T08:00:00Z")).unwrap();
        assert_eq!(ids(&trending), ["2605.09999"]);
        assert!(trending.note.unwrap().contains("newest announcements"));
    }
}
