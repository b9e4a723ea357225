//! Parsing path and query values with messages that say what was expected.

use chrono::NaiveDate;
use paperboy_domain::ArxivId;

use crate::AppError;

/// Days outside this range are refused rather than looked up (no paper predates arXiv).
const FIRST_DAY: (i32, u32, u32) = (1991, 1, 1);

pub fn day(value: &str) -> Result<NaiveDate, AppError> {
    let day = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .filter(|_| value.len() == 10)
        .ok_or_else(|| AppError::BadRequest(format!("{:?} is not a date; expected YYYY-MM-DD", shorten(value))))?;
    let first = NaiveDate::from_ymd_opt(FIRST_DAY.0, FIRST_DAY.1, FIRST_DAY.2).unwrap_or(NaiveDate::MIN);
    let last = chrono::Utc::now().date_naive() + chrono::Days::new(366);
    if day < first || day > last {
        return Err(AppError::NotFound(format!("there are no papers on {day}")));
    }
    Ok(day)
}

pub fn arxiv_id(value: &str) -> Result<ArxivId, AppError> {
    ArxivId::parse(value).map_err(|e| AppError::BadRequest(e.to_string()))
}

/// An author's name as written on papers: 1 to 300 characters, no control characters.
pub fn author(value: &str) -> Result<String, AppError> {
    let name = value.trim();
    if name.is_empty() || name.chars().count() > 300 || name.chars().any(char::is_control) {
        return Err(AppError::BadRequest(format!(
            "{:?} is not an author's name",
            shorten(name)
        )));
    }
    Ok(name.to_string())
}

/// A 1-based page number; absent means 1.
pub fn page_number(value: Option<&str>) -> Result<u64, AppError> {
    match value {
        None | Some("") => Ok(1),
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or_else(|| AppError::BadRequest(format!("page {:?} is not a number from 1 to 10000", shorten(v)))),
    }
}

/// An arXiv category name such as `cs.CV` or `hep-th`.
pub fn category(value: Option<&str>) -> Result<Option<String>, AppError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) if v.len() <= 32 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-') => {
            Ok(Some(v.to_string()))
        }
        Some(v) => Err(AppError::BadRequest(format!(
            "{:?} is not an arXiv category (e.g. cs.CV)",
            shorten(v)
        ))),
    }
}

/// An optional day filter (`from=`, `until=`); empty means none.
pub fn optional_day(value: Option<&str>) -> Result<Option<NaiveDate>, AppError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::BadRequest(format!("{:?} is not a date; expected YYYY-MM-DD", shorten(v)))),
    }
}

/// The search mode; absent (or empty) means hybrid.
pub fn mode(value: Option<&str>) -> Result<paperboy_search::Mode, AppError> {
    match value.map(str::trim) {
        None | Some("") => Ok(paperboy_search::Mode::Hybrid),
        Some(v) => paperboy_search::Mode::parse(v).ok_or_else(|| {
            AppError::BadRequest(format!(
                "mode {:?} is not one of hybrid, lexical (or keyword), semantic",
                shorten(v)
            ))
        }),
    }
}

/// How [`mode`] spells a mode (what saved searches and links keep).
pub fn mode_name(mode: paperboy_search::Mode) -> &'static str {
    mode.name()
}

/// A result count from 1 to `max`; absent means `default`.
pub fn limit(value: Option<&str>, default: usize, max: usize) -> Result<usize, AppError> {
    match value.map(str::trim) {
        None | Some("") => Ok(default),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| AppError::BadRequest(format!("limit {:?} is not a number from 1 to {max}", shorten(v)))),
    }
}

fn shorten(s: &str) -> String {
    s.chars().take(60).collect()
}

/// A form body (`application/x-www-form-urlencoded`), for handlers that read the body
/// themselves (the paper catch-all route dispatches on its path first).
pub fn form<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    serde_urlencoded::from_bytes(body).map_err(|e| AppError::BadRequest(format!("The form could not be read: {e}.")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days() {
        assert!(day("2026-05-01").is_ok());
        for bad in ["2026-5-1", "2026-02-30", "yesterday", "2026-05-01x", ""] {
            assert!(matches!(day(bad), Err(AppError::BadRequest(_))), "{bad}");
        }
        assert!(matches!(day("1200-01-01"), Err(AppError::NotFound(_))));
    }

    #[test]
    fn pages_and_categories() {
        assert_eq!(page_number(None).unwrap(), 1);
        assert_eq!(page_number(Some("3")).unwrap(), 3);
        for bad in ["0", "-1", "x", "99999999999999999999999"] {
            assert!(page_number(Some(bad)).is_err(), "{bad}");
        }
        assert_eq!(category(Some("cs.CV")).unwrap().as_deref(), Some("cs.CV"));
        assert!(category(Some("<script>")).is_err());
    }
}
