//! Trending: papers ranked by upvotes and recency.
//!
//! The formula is Lemmy's "hot rank" (itself a variant of Hacker News' ranking), with age
//! counted in days instead of hours because papers arrive as daily lists:
//!
//! ```text
//! hot = log10(max(1, 3 + upvotes)) / (age_days + 1) ^ 1.5
//! ```
//!
//! - The logarithm makes the first votes count most: going from 0 to 10 upvotes lifts a paper
//!   further than going from 100 to 110, so a late-day paper can still reach the top.
//! - `+ 3` keeps a paper without votes above zero, so that a deployment fed only by arXiv
//!   (where nobody votes) still ranks its newest papers first instead of showing nothing.
//! - Age is measured from the start (00:00 UTC) of the paper's most recent daily-list day, so
//!   every paper of one day ages together and the day's list order is its upvote order.
//! - Gravity 1.5 over days: at midday a paper from yesterday needs about twice the log-votes of
//!   today's to stay level (3 votes today ≈ 44 yesterday ≈ 350 the day before). Lemmy's 1.8
//!   over hours would make trending "today only", which is not what a reader of a weekly
//!   digest or a weekend catch-up wants.

use chrono::{DateTime, Days, NaiveDate, Utc};

use crate::PaperDocument;

/// Days of daily lists that trending looks at, ending with "now".
pub const DEFAULT_WINDOW_DAYS: u32 = 7;

const GRAVITY: f64 = 1.5;

/// The hot score of a paper with `upvotes`, listed on `day`, as seen at `now`.
/// Higher is hotter. A listing day in the future counts as age zero.
pub fn hot_score(upvotes: u64, day: NaiveDate, now: DateTime<Utc>) -> f64 {
    let listed = day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc();
    let age_days = ((now - listed).num_seconds().max(0) as f64) / 86_400.0;
    let votes = (3.0 + upvotes as f64).max(1.0).log10();
    votes / (age_days + 1.0).powf(GRAVITY)
}

/// Orders `(upvotes, day, item)` hottest first; ties go to more upvotes, then the later day,
/// then the order given (stable), so the result is deterministic.
pub fn rank<T>(items: Vec<(u64, NaiveDate, T)>, now: DateTime<Utc>) -> Vec<(f64, T)> {
    let mut scored: Vec<(f64, u64, NaiveDate, usize, T)> = items
        .into_iter()
        .enumerate()
        .map(|(i, (upvotes, day, item))| (hot_score(upvotes, day, now), upvotes, day, i, item))
        .collect();
    scored.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then_with(|| b.1.cmp(&a.1))
            .then_with(|| b.2.cmp(&a.2))
            .then_with(|| a.3.cmp(&b.3))
    });
    scored.into_iter().map(|(score, _, _, _, item)| (score, item)).collect()
}

/// A paper of the daily lists, ranked by its latest entry inside a window.
pub struct Listed {
    pub score: f64,
    /// The day of the entry it was ranked by.
    pub day: NaiveDate,
    /// That entry's upvotes.
    pub upvotes: i64,
    pub doc: PaperDocument,
}

/// Ranks papers of the daily lists from `from` to `until`, hottest first, each by its latest
/// entry inside the window (a paper listed again later is judged by that day); papers without
/// an entry in the window are left out. The trending page, its feed and the digest all rank so.
pub fn rank_listed(docs: Vec<PaperDocument>, from: NaiveDate, until: NaiveDate, now: DateTime<Utc>) -> Vec<Listed> {
    let items = docs
        .into_iter()
        .filter_map(|doc| {
            let entry = doc
                .daily_entries
                .iter()
                .filter(|e| e.day >= from && e.day <= until)
                .max_by_key(|e| e.day)?;
            let (day, upvotes) = (entry.day, entry.upvotes);
            Some((upvotes.max(0) as u64, day, (day, upvotes, doc)))
        })
        .collect();
    rank(items, now)
        .into_iter()
        .map(|(score, (day, upvotes, doc))| Listed {
            score,
            day,
            upvotes,
            doc,
        })
        .collect()
}

/// The last second of `day`: "now" for ranking a window that ended that day, so that an older
/// window reads as it did then.
pub fn end_of_day(day: NaiveDate) -> DateTime<Utc> {
    let next = day.checked_add_days(Days::new(1)).unwrap_or(day);
    next.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc() - chrono::Duration::seconds(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn noon(s: &str) -> DateTime<Utc> {
        Utc.from_utc_datetime(&day(s).and_hms_opt(12, 0, 0).unwrap())
    }

    #[test]
    fn more_votes_on_the_same_day_rank_higher() {
        let now = noon("2026-05-04");
        assert!(hot_score(10, day("2026-05-04"), now) > hot_score(2, day("2026-05-04"), now));
    }

    #[test]
    fn a_fresh_paper_beats_an_old_one_with_a_few_more_votes() {
        let now = noon("2026-05-04");
        assert!(hot_score(5, day("2026-05-04"), now) > hot_score(8, day("2026-05-01"), now));
    }

    #[test]
    fn many_more_votes_outlast_a_day_of_age() {
        let now = noon("2026-05-04");
        assert!(hot_score(200, day("2026-05-03"), now) > hot_score(3, day("2026-05-04"), now));
    }

    #[test]
    fn papers_without_votes_still_rank_by_recency() {
        let now = noon("2026-05-04");
        let fresh = hot_score(0, day("2026-05-04"), now);
        assert!(fresh > 0.0);
        assert!(fresh > hot_score(0, day("2026-05-02"), now));
    }

    #[test]
    fn future_days_count_as_new_not_as_infinitely_hot() {
        let now = noon("2026-05-04");
        let future = hot_score(1, day("2026-06-01"), now);
        assert!(future.is_finite());
        assert_eq!(
            future,
            hot_score(
                1,
                day("2026-05-04"),
                day("2026-05-04").and_hms_opt(0, 0, 0).unwrap().and_utc()
            )
        );
    }

    #[test]
    fn rank_orders_hottest_first_and_breaks_ties_deterministically() {
        let now = noon("2026-05-04");
        let ranked = rank(
            vec![
                (1, day("2026-05-01"), "old"),
                (9, day("2026-05-04"), "hot"),
                (0, day("2026-05-04"), "a"),
                (0, day("2026-05-04"), "b"),
            ],
            now,
        );
        let order: Vec<_> = ranked.iter().map(|(_, item)| *item).collect();
        assert_eq!(order, ["hot", "a", "b", "old"]);
    }
}
