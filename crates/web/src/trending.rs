//! Trending, as the page, the API and the feed all show it: the papers on daily lists of a
//! window of recent days, ranked by `paperboy_domain::trending` (hot rank: log of upvotes over
//! time-decayed age). When the window holds no daily list — a deployment whose last import is a
//! few weeks old — the window slides back to end on the latest day that has one, and the ranking
//! is computed as of the end of that day, so the list reads as it did then.

use chrono::{DateTime, Days, NaiveDate, Utc};
use paperboy_domain::trending::{end_of_day, rank_listed, DEFAULT_WINDOW_DAYS};
use paperboy_domain::PaperDocument;
use paperboy_store::{PaperStore, StoreError};

use crate::AppError;

/// The widest window a visitor may ask for (`?days=`): a quarter of daily lists is already a
/// few thousand papers to rank.
pub const MAX_WINDOW_DAYS: u32 = 90;

/// The formula, in words, for the page, the API and the OpenAPI description.
pub const FORMULA: &str = "hot = log10(max(1, 3 + upvotes)) / (age_days + 1)^1.5, where upvotes \
     and age come from the paper's latest daily-list entry and age is counted from 00:00 UTC of \
     that day";

/// A ranked window of daily lists.
pub struct Trending {
    pub from: NaiveDate,
    pub until: NaiveDate,
    pub days: u32,
    /// The asked-for window had no daily lists; this is the latest window that has some.
    pub fell_back: bool,
    /// Hottest first.
    pub papers: Vec<Ranked>,
}

/// One paper with the entry it was ranked by.
pub use paperboy_domain::trending::Listed as Ranked;

/// `?days=`: 1 to [`MAX_WINDOW_DAYS`]; absent means the default window.
pub fn window_days(value: Option<&str>) -> Result<u32, AppError> {
    match value.map(str::trim) {
        None | Some("") => Ok(DEFAULT_WINDOW_DAYS),
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_WINDOW_DAYS).contains(n))
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "days {:?} is not a number from 1 to {MAX_WINDOW_DAYS}",
                    v.chars().take(20).collect::<String>()
                ))
            }),
    }
}

/// Ranks the daily lists of the `days` days ending with `now`'s day (falling back as described
/// in the module documentation).
pub fn compute(store: &dyn PaperStore, days: u32, now: DateTime<Utc>) -> Result<Trending, StoreError> {
    let until = now.date_naive();
    let from = until - Days::new(u64::from(days.max(1) - 1));
    let docs = store.daily_between(from, until)?;
    if !docs.is_empty() {
        return Ok(ranked(docs, from, until, days, false, now));
    }
    let Some(latest) = store.latest_daily_day(Some(until))? else {
        return Ok(ranked(Vec::new(), from, until, days, false, now));
    };
    let from = latest - Days::new(u64::from(days.max(1) - 1));
    let end_of_latest = end_of_day(latest);
    let docs = store.daily_between(from, latest)?;
    Ok(ranked(docs, from, latest, days, true, end_of_latest))
}

fn ranked(
    docs: Vec<PaperDocument>,
    from: NaiveDate,
    until: NaiveDate,
    days: u32,
    fell_back: bool,
    now: DateTime<Utc>,
) -> Trending {
    Trending {
        from,
        until,
        days,
        fell_back,
        papers: rank_listed(docs, from, until, now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_days_are_bounded() {
        assert_eq!(window_days(None).unwrap(), DEFAULT_WINDOW_DAYS);
        assert_eq!(window_days(Some("30")).unwrap(), 30);
        for bad in ["0", "91", "-3", "week", "99999999999"] {
            assert!(matches!(window_days(Some(bad)), Err(AppError::BadRequest(_))), "{bad}");
        }
    }
}
