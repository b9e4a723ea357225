//! Which period a digest covers, given "now" and the schedule.
//!
//! Daily digests go out at the configured hour (in the configured UTC offset) and cover the
//! previous local day; weekly ones go out on Mondays at that hour and cover the previous
//! Monday–Sunday. "Now" is a parameter (`--at`), so any past period can be produced again.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use paperboy_store::Frequency;

/// When digests go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// Hour of the day (0–23) in `offset`.
    pub hour: u32,
    /// The server's time zone as a fixed offset from UTC.
    pub offset: FixedOffset,
    /// How long a run holds a period without renewing its lease. Runs renew it while they
    /// send, so only a dead instance's run lapses, and another instance takes it over.
    pub lease: std::time::Duration,
}

impl Default for Schedule {
    fn default() -> Schedule {
        Schedule {
            hour: 7,
            offset: FixedOffset::east_opt(0).expect("zero offset"),
            lease: std::time::Duration::from_secs(60),
        }
    }
}

/// One digest's period: the days it covers (inclusive) and the ledger key naming it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub frequency: Frequency,
    pub from: NaiveDate,
    pub until: NaiveDate,
    /// When this period's digest is due (UTC).
    pub due: DateTime<Utc>,
}

impl Period {
    /// The ledger key: `2026-05-01` for a day, `2026-W18` for a week.
    pub fn key(&self) -> String {
        match self.frequency {
            Frequency::Daily => self.from.to_string(),
            Frequency::Weekly => {
                let week = self.from.iso_week();
                format!("{}-W{:02}", week.year(), week.week())
            }
        }
    }

    /// Words for a subject line: "1 May 2026" or "week of 27 Apr 2026".
    pub fn label(&self) -> String {
        match self.frequency {
            Frequency::Daily => self.from.format("%-d %B %Y").to_string(),
            Frequency::Weekly => format!("week of {}", self.from.format("%-d %b %Y")),
        }
    }

    /// Every day of the period, in order.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> {
        let until = self.until;
        self.from.iter_days().take_while(move |d| *d <= until)
    }
}

impl Schedule {
    /// The latest period whose digest was due at or before `now`.
    pub fn latest_period(&self, frequency: Frequency, now: DateTime<Utc>) -> Period {
        let local = now.with_timezone(&self.offset);
        let mut send_day = local.date_naive();
        if self.local_due(send_day) > now {
            send_day -= Duration::days(1);
        }
        match frequency {
            Frequency::Daily => {
                let day = send_day - Duration::days(1);
                Period {
                    frequency,
                    from: day,
                    until: day,
                    due: self.local_due(send_day),
                }
            }
            Frequency::Weekly => {
                let monday = send_day - Duration::days(i64::from(send_day.weekday().num_days_from_monday()));
                Period {
                    frequency,
                    from: monday - Duration::days(7),
                    until: monday - Duration::days(1),
                    due: self.local_due(monday),
                }
            }
        }
    }

    fn local_due(&self, day: NaiveDate) -> DateTime<Utc> {
        let naive = day.and_hms_opt(self.hour.min(23), 0, 0).expect("a valid hour");
        self.offset
            .from_local_datetime(&naive)
            .single()
            .expect("a fixed offset has no gaps")
            .with_timezone(&Utc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_daily_digest_covers_the_day_before_once_the_hour_has_passed() {
        let schedule = Schedule::default(); // 07:00 UTC
        let p = schedule.latest_period(Frequency::Daily, at("2026-05-02T07:00:00Z"));
        assert_eq!(
            (p.from, p.until, p.key()),
            (day("2026-05-01"), day("2026-05-01"), "2026-05-01".into())
        );
        let before = schedule.latest_period(Frequency::Daily, at("2026-05-02T06:59:59Z"));
        assert_eq!(before.from, day("2026-04-30"));
        assert_eq!(p.label(), "1 May 2026");
    }

    #[test]
    fn the_hour_is_local_to_the_configured_offset() {
        let schedule = Schedule {
            hour: 8,
            offset: FixedOffset::east_opt(2 * 3600).unwrap(),
            ..Schedule::default()
        };
        // 06:30 UTC is 08:30 at +02:00: due.
        let p = schedule.latest_period(Frequency::Daily, at("2026-05-02T06:30:00Z"));
        assert_eq!(p.from, day("2026-05-01"));
        assert_eq!(p.due, at("2026-05-02T06:00:00Z"));
        // 23:30 UTC on the 1st is 01:30 on the 2nd locally, before 08:00: the 30th.
        let p = schedule.latest_period(Frequency::Daily, at("2026-05-01T23:30:00Z"));
        assert_eq!(p.from, day("2026-04-30"));
    }

    #[test]
    fn a_weekly_digest_covers_monday_to_sunday_before_the_last_due_monday() {
        let schedule = Schedule::default();
        // Monday 4 May 2026, 09:00: the week of 27 April – 3 May.
        let p = schedule.latest_period(Frequency::Weekly, at("2026-05-04T09:00:00Z"));
        assert_eq!((p.from, p.until), (day("2026-04-27"), day("2026-05-03")));
        assert_eq!(p.key(), "2026-W18");
        assert_eq!(p.days().count(), 7);
        // Later that week: still the same period (its digest stays due until sent).
        assert_eq!(schedule.latest_period(Frequency::Weekly, at("2026-05-09T09:00:00Z")), p);
        // Monday before the hour: the week before.
        let early = schedule.latest_period(Frequency::Weekly, at("2026-05-04T06:00:00Z"));
        assert_eq!(early.from, day("2026-04-20"));
    }
}
