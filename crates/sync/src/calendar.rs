//! arXiv's announcement calendar, as plain functions of a given instant.
//!
//! arXiv announces Sunday to Thursday at 20:00 US Eastern time; each announcement is the
//! listing of the next day, Monday to Friday, and the listing feeds are dated that day
//! (midnight, New York). A listing day is *due* once its announcement is `poll_after` old
//! (the feeds are rebuilt a while after the announcement). Holidays are not known here: a day
//! arXiv skips shows up as a feed without items and stays missing on the ledger, visibly.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc, Weekday};

/// The hour (US Eastern) of arXiv's announcements.
pub const ANNOUNCEMENT_HOUR: u32 = 20;

/// True for the days arXiv's listings carry: Monday to Friday.
pub fn is_listing_day(day: NaiveDate) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

/// US Eastern time's offset on `day`: daylight saving from the second Sunday of March to the
/// first Sunday of November (the 02:00 switch does not matter for an evening announcement).
pub fn eastern_offset(day: NaiveDate) -> FixedOffset {
    let sunday = |month, n| NaiveDate::from_weekday_of_month_opt(day.year(), month, Weekday::Sun, n);
    let summer = match (sunday(3, 2), sunday(11, 1)) {
        (Some(start), Some(end)) => start <= day && day < end,
        _ => false,
    };
    let hours = if summer { -4 } else { -5 };
    FixedOffset::east_opt(hours * 3600).expect("a valid offset")
}

/// When the listing of `day` was announced: the evening before, 20:00 US Eastern.
pub fn announced_at(day: NaiveDate) -> DateTime<Utc> {
    let evening = day.pred_opt().unwrap_or(day);
    let local = evening.and_hms_opt(ANNOUNCEMENT_HOUR, 0, 0).expect("a valid time");
    eastern_offset(evening)
        .from_local_datetime(&local)
        .single()
        .expect("a fixed offset maps every local time once")
        .with_timezone(&Utc)
}

/// The latest listing day due at `now`: announced at least `poll_after` before it.
pub fn latest_due_day(now: DateTime<Utc>, poll_after: Duration) -> NaiveDate {
    let mut day = now.with_timezone(&eastern_offset(now.date_naive())).date_naive() + Duration::days(1);
    while !is_listing_day(day) || announced_at(day) + poll_after > now {
        day = day.pred_opt().expect("a day before");
    }
    day
}

/// When the next listing day after those due at `now` becomes due.
pub fn next_due_at(now: DateTime<Utc>, poll_after: Duration) -> DateTime<Utc> {
    let mut day = latest_due_day(now, poll_after) + Duration::days(1);
    while !is_listing_day(day) {
        day += Duration::days(1);
    }
    announced_at(day) + poll_after
}

/// The days to fetch, oldest first: the listing days after `last_held` up to `latest`, and the
/// days left `missing`, as far back as `backfill_days` calendar days (counting `latest`). A
/// source that has never held a day starts with `latest` alone: a new instance does not fetch
/// a week it was never asked for, and days before its first are not "missed".
pub fn due_days(
    latest: NaiveDate,
    last_held: Option<NaiveDate>,
    missing: &HashSet<NaiveDate>,
    backfill_days: u32,
) -> Vec<NaiveDate> {
    let horizon = latest - Duration::days(i64::from(backfill_days.max(1)) - 1);
    let start = last_held.map_or(latest, |last| (last + Duration::days(1)).max(horizon));
    horizon
        .iter_days()
        .take_while(|day| *day <= latest)
        .filter(|day| (*day >= start && is_listing_day(*day)) || missing.contains(day))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn a_listing_day_is_announced_the_evening_before_in_new_york() {
        // Winter: 20:00 EST is 01:00 UTC the next day.
        assert_eq!(announced_at(day("2026-01-06")), at("2026-01-06T01:00:00Z"));
        // Monday's listing is announced on Sunday.
        assert_eq!(announced_at(day("2026-01-05")), at("2026-01-05T01:00:00Z"));
        // Summer: 20:00 EDT is 00:00 UTC.
        assert_eq!(announced_at(day("2026-06-02")), at("2026-06-02T00:00:00Z"));
        // The switch to summer time: Sunday 8 March 2026.
        assert_eq!(eastern_offset(day("2026-03-07")).local_minus_utc(), -5 * 3600);
        assert_eq!(eastern_offset(day("2026-03-08")).local_minus_utc(), -4 * 3600);
        assert_eq!(eastern_offset(day("2026-11-01")).local_minus_utc(), -5 * 3600);
    }

    #[test]
    fn the_latest_due_day_skips_weekends_and_waits_for_the_poll_delay() {
        let none = Duration::zero();
        // Tuesday 6 January 2026, 00:59 UTC: Monday's listing is the latest.
        assert_eq!(latest_due_day(at("2026-01-06T00:59:00Z"), none), day("2026-01-05"));
        assert_eq!(latest_due_day(at("2026-01-06T01:00:00Z"), none), day("2026-01-06"));
        let half_hour = Duration::minutes(30);
        assert_eq!(latest_due_day(at("2026-01-06T01:20:00Z"), half_hour), day("2026-01-05"));
        // Friday evening to Sunday evening: Friday's listing stays the latest.
        for now in ["2026-01-10T12:00:00Z", "2026-01-11T23:00:00Z", "2026-01-12T00:59:00Z"] {
            assert_eq!(latest_due_day(at(now), none), day("2026-01-09"), "{now}");
        }
        assert_eq!(latest_due_day(at("2026-01-12T01:00:00Z"), none), day("2026-01-12"));
    }

    #[test]
    fn the_next_poll_is_the_next_announcement() {
        let none = Duration::zero();
        assert_eq!(
            next_due_at(at("2026-01-06T01:00:00Z"), none),
            at("2026-01-07T01:00:00Z")
        );
        // From Friday's listing to Monday's.
        assert_eq!(
            next_due_at(at("2026-01-09T05:00:00Z"), none),
            at("2026-01-12T01:00:00Z")
        );
        let hour = Duration::hours(1);
        assert_eq!(
            next_due_at(at("2026-01-06T01:30:00Z"), hour),
            at("2026-01-06T02:00:00Z")
        );
    }

    #[test]
    fn due_days_are_those_since_the_last_held_and_the_missing_within_the_horizon() {
        let latest = day("2026-01-09"); // a Friday
        let none = HashSet::new();
        assert_eq!(
            due_days(latest, None, &none, 7),
            [latest],
            "a first run takes the latest day"
        );
        assert_eq!(
            due_days(latest, Some(day("2026-01-06")), &none, 7),
            [day("2026-01-07"), day("2026-01-08"), latest]
        );
        assert!(
            due_days(latest, Some(latest), &none, 7).is_empty(),
            "nothing left to do"
        );
        let missing: HashSet<NaiveDate> = [day("2026-01-05"), day("2026-01-07")].into();
        assert_eq!(
            due_days(latest, Some(latest), &missing, 7),
            [day("2026-01-05"), day("2026-01-07")],
            "holes are fetched again"
        );
        // The horizon bounds both.
        assert_eq!(
            due_days(latest, Some(day("2025-12-01")), &missing, 3),
            [day("2026-01-07"), day("2026-01-08"), latest]
        );
        // Over a weekend, only weekdays are due.
        let monday = day("2026-01-12");
        assert_eq!(
            due_days(monday, Some(day("2026-01-08")), &none, 7),
            [day("2026-01-09"), monday]
        );
    }
}
