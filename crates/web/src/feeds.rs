//! Atom feeds (RFC 4287) of the daily list, trending and any search, for feed readers.
//! Written by hand: a feed is a few elements, and every piece of text goes through [`escape`].

use std::collections::HashMap;
use std::fmt::Write;

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use paperboy_domain::PaperDocument;
use paperboy_search::{Filters, SearchRequest};

use crate::error::PageError;
use crate::{params, trending, AppState};

/// Entries in the trending and search feeds.
const FEED_ENTRIES: usize = 50;

/// The media type of an Atom document.
pub const ATOM: &str = "application/atom+xml; charset=utf-8";

/// `/feeds/daily.atom[?date=YYYY-MM-DD]`: a day's list (the latest day's by default).
pub async fn daily(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let day = match query.get("date") {
        Some(date) => Some(params::day(date)?),
        None => None,
    };
    let (day, docs) = state
        .with_store(move |s| {
            let Some(day) = day.or(s.latest_daily_day(Some(Utc::now().date_naive()))?) else {
                return Ok((None, Vec::new()));
            };
            Ok((Some(day), s.daily_list(day)?))
        })
        .await?;
    let (id, title, path) = match day {
        Some(day) => (
            format!("urn:paperboy:daily:{day}"),
            format!("Daily papers, {day}"),
            format!("/date/{day}"),
        ),
        None => ("urn:paperboy:daily".into(), "Daily papers".into(), "/".into()),
    };
    let entries: Vec<(&PaperDocument, Option<NaiveDate>)> = docs.iter().map(|d| (d, day)).collect();
    Ok(atom(&Feed {
        id: &id,
        title: &title,
        page: &path,
        updated: day,
        entries: &entries,
    }))
}

/// `/feeds/trending.atom[?days=N]`.
pub async fn trending(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let days = trending::window_days(query.get("days").map(String::as_str))?;
    let now = Utc::now();
    let ranked = state.with_store(move |s| trending::compute(s, days, now)).await?;
    let entries: Vec<_> = ranked
        .papers
        .iter()
        .take(FEED_ENTRIES)
        .map(|r| (&r.doc, Some(r.day)))
        .collect();
    Ok(atom(&Feed {
        id: &format!("urn:paperboy:trending:{days}"),
        title: &format!("Trending papers ({days} days)"),
        page: &format!("/trending?days={days}"),
        updated: Some(ranked.until),
        entries: &entries,
    }))
}

/// `/feeds/search.atom?q=…[&category=&from=&until=]`: the newest best matches of a search.
pub async fn search(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let get = |key: &str| query.get(key).map(String::as_str);
    let q = get("q").unwrap_or_default().trim().to_string();
    let request = SearchRequest {
        text: q.clone(),
        mode: params::mode(get("mode"))?,
        filters: Filters {
            from: params::optional_day(get("from"))?,
            until: params::optional_day(get("until"))?,
            categories: params::category(get("category"))?.into_iter().collect(),
        },
        offset: 0,
        limit: FEED_ENTRIES,
    };
    let ids: Vec<_> = state.search(request).await?.results.into_iter().map(|h| h.id).collect();
    let docs = state
        .with_store(move |s| ids.iter().map(|id| s.paper(id)).collect::<Result<Vec<_>, _>>())
        .await?;
    let docs: Vec<PaperDocument> = docs.into_iter().flatten().collect();
    let entries: Vec<_> = docs.iter().map(|d| (d, None)).collect();
    let encoded = crate::pages::search::percent_encode(&q);
    Ok(atom(&Feed {
        id: &format!("urn:paperboy:search:{encoded}"),
        title: &format!("Papers matching “{q}”"),
        page: &format!("/search?q={encoded}"),
        updated: docs.iter().filter_map(|d| d.paper.announced).max(),
        entries: &entries,
    }))
}

struct Feed<'a> {
    id: &'a str,
    title: &'a str,
    /// The site page this feed mirrors.
    page: &'a str,
    updated: Option<NaiveDate>,
    /// Papers, each with the daily-list day it stands for (if any).
    entries: &'a [(&'a PaperDocument, Option<NaiveDate>)],
}

fn atom(feed: &Feed<'_>) -> Response {
    let updated = feed.updated.map_or_else(Utc::now, midnight);
    let mut xml =
        String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    let _ = writeln!(xml, "<id>{}</id>", escape(feed.id));
    let _ = writeln!(xml, "<title>{}</title>", escape(feed.title));
    let _ = writeln!(xml, "<updated>{}</updated>", timestamp(updated));
    let _ = writeln!(
        xml,
        "<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
        escape(feed.page)
    );
    let _ = writeln!(xml, "<author><name>paperboy</name></author>");
    for (doc, day) in feed.entries {
        let paper = &doc.paper;
        let links = paper.links();
        let when = day
            .map(midnight)
            .or(paper.updated)
            .or(paper.published)
            .unwrap_or(updated);
        xml.push_str("<entry>\n");
        let _ = writeln!(xml, "<id>{}</id>", escape(&links.abs));
        let _ = writeln!(xml, "<title type=\"text\">{}</title>", escape(&paper.title));
        let _ = writeln!(xml, "<updated>{}</updated>", timestamp(when));
        if let Some(published) = paper.published {
            let _ = writeln!(xml, "<published>{}</published>", timestamp(published));
        }
        let _ = writeln!(
            xml,
            "<link rel=\"alternate\" type=\"text/html\" href=\"/papers/{}\"/>",
            escape(paper.id.as_str())
        );
        let _ = writeln!(
            xml,
            "<link rel=\"related\" type=\"application/pdf\" href=\"{}\"/>",
            escape(&links.pdf)
        );
        for name in &paper.authors {
            let _ = writeln!(xml, "<author><name>{}</name></author>", escape(name));
        }
        for category in &paper.categories {
            let _ = writeln!(xml, "<category term=\"{}\"/>", escape(category));
        }
        let _ = writeln!(xml, "<summary type=\"text\">{}</summary>", escape(&paper.abstract_text));
        xml.push_str("</entry>\n");
    }
    xml.push_str("</feed>\n");
    ([(header::CONTENT_TYPE, ATOM)], xml).into_response()
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).map_or_else(Utc::now, |t| t.and_utc())
}

fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Text as XML (or HTML) character data or an attribute value; characters XML 1.0 forbids
/// are dropped.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_xml_well_formed() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
        assert_eq!(escape("bell\u{7} tab\t"), "bell tab\t");
    }
}
