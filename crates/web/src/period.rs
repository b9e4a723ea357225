//! Weeks (ISO 8601, `2026-W18`) and months (`2026-05`) as spans of days, for the period pages.

use std::fmt;

use chrono::{Datelike, Days, IsoWeek, Months, NaiveDate, Weekday};

use crate::AppError;

/// A span of days with a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// The ISO week containing this Monday.
    Week(NaiveDate),
    /// The month starting on this first day.
    Month(NaiveDate),
}

impl Period {
    /// Parses `YYYY-Www` (e.g. `2026-W05`, the ISO week-numbering year).
    pub fn week(value: &str) -> Result<Period, AppError> {
        let bad = || {
            AppError::BadRequest(format!(
                "{:?} is not an ISO week; expected YYYY-Www, e.g. 2026-W18",
                shorten(value)
            ))
        };
        let (year, week) = value.split_once("-W").ok_or_else(bad)?;
        if !digits(year, 4) || !digits(week, 2) {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        let week: u32 = week.parse().map_err(|_| bad())?;
        let monday = NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)
            .ok_or_else(|| AppError::NotFound(format!("{year} has no week {week}")))?;
        in_range(Period::Week(monday))
    }

    /// Parses `YYYY-MM`.
    pub fn month(value: &str) -> Result<Period, AppError> {
        let bad = || {
            AppError::BadRequest(format!(
                "{:?} is not a month; expected YYYY-MM, e.g. 2026-05",
                shorten(value)
            ))
        };
        let (year, month) = value.split_once('-').ok_or_else(bad)?;
        if !digits(year, 4) || !digits(month, 2) {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        let month: u32 = month.parse().map_err(|_| bad())?;
        let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(bad)?;
        in_range(Period::Month(first))
    }

    /// The period of the same kind that contains `day`.
    pub fn containing(&self, day: NaiveDate) -> Period {
        match self {
            Period::Week(_) => Period::Week(day - Days::new(u64::from(day.weekday().num_days_from_monday()))),
            Period::Month(_) => Period::Month(day.with_day(1).unwrap_or(day)),
        }
    }

    pub fn first_day(&self) -> NaiveDate {
        match *self {
            Period::Week(monday) => monday,
            Period::Month(first) => first,
        }
    }

    pub fn last_day(&self) -> NaiveDate {
        match *self {
            Period::Week(monday) => monday + Days::new(6),
            Period::Month(first) => first + Months::new(1) - Days::new(1),
        }
    }

    /// The site path of this period's page.
    pub fn path(&self) -> String {
        match self {
            Period::Week(_) => format!("/week/{self}"),
            Period::Month(_) => format!("/month/{self}"),
        }
    }

    /// "Week 18 of 2026 (27 April – 3 May)" / "May 2026".
    pub fn label(&self) -> String {
        match *self {
            Period::Week(monday) => {
                let week: IsoWeek = monday.iso_week();
                format!(
                    "Week {} of {} ({} – {})",
                    week.week(),
                    week.year(),
                    monday.format("%-d %B"),
                    self.last_day().format("%-d %B")
                )
            }
            Period::Month(first) => first.format("%B %Y").to_string(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Period::Week(_) => "week",
            Period::Month(_) => "month",
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Period::Week(monday) => {
                let week = monday.iso_week();
                write!(f, "{:04}-W{:02}", week.year(), week.week())
            }
            Period::Month(first) => write!(f, "{:04}-{:02}", first.year(), first.month()),
        }
    }
}

/// Periods before arXiv or more than a year ahead have no papers.
fn in_range(period: Period) -> Result<Period, AppError> {
    let first = NaiveDate::from_ymd_opt(1991, 1, 1).unwrap_or(NaiveDate::MIN);
    let last = chrono::Utc::now().date_naive() + Days::new(366);
    if period.last_day() < first || period.first_day() > last {
        return Err(AppError::NotFound(format!("there are no papers in {period}")));
    }
    Ok(period)
}

/// `n` ASCII digits exactly (`str::parse` would also take a sign: `+026`).
fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn shorten(s: &str) -> String {
    s.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn iso_weeks_parse_and_print_back() {
        let week = Period::week("2026-W18").unwrap();
        assert_eq!(week.first_day(), day("2026-04-27"));
        assert_eq!(week.last_day(), day("2026-05-03"));
        assert_eq!(week.to_string(), "2026-W18");
        assert_eq!(week.path(), "/week/2026-W18");
        // The ISO year differs from the calendar year around New Year.
        assert_eq!(Period::week("2026-W01").unwrap().first_day(), day("2025-12-29"));
        assert_eq!(week.containing(day("2026-01-01")).to_string(), "2026-W01");
    }

    #[test]
    fn months_parse_and_span_their_days() {
        let month = Period::month("2024-02").unwrap();
        assert_eq!(month.last_day(), day("2024-02-29"));
        assert_eq!(month.to_string(), "2024-02");
        assert_eq!(month.label(), "February 2024");
        assert_eq!(month.containing(day("2026-05-17")).path(), "/month/2026-05");
    }

    #[test]
    fn malformed_periods_are_bad_requests_and_impossible_ones_not_found() {
        for bad in ["2026-18", "2026-W5", "2026W18", "26-W18", "2026-Wxx", "", "2026-W18x"] {
            assert!(matches!(Period::week(bad), Err(AppError::BadRequest(_))), "{bad}");
        }
        for bad in ["2026-5", "2026-13", "2026-00", "May", "2026-05-01"] {
            assert!(matches!(Period::month(bad), Err(AppError::BadRequest(_))), "{bad}");
        }
        assert!(matches!(Period::week("2025-W53"), Err(AppError::NotFound(_))));
        assert!(matches!(Period::week("1200-W01"), Err(AppError::NotFound(_))));
        assert!(matches!(Period::month("9999-01"), Err(AppError::NotFound(_))));
    }
}
