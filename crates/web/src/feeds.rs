//! Feeds of the daily list, trending and any search, for feed readers: each as Atom (RFC 4287,
//! `/feeds/<list>.atom`) and as JSON Feed 1.1 (`/feeds/<list>.json`), from one [`Feed`].
//! Atom is written by hand: a feed is a few elements, and every piece of text goes through
//! [`escape`]. Links are absolute (readers resolve relative ones inconsistently): on the
//! configured public address, else on the host the request named.
//!
//! Titles and abstracts carry TeX. Text fields get it as readable Unicode
//! (`paperboy_domain::tex::to_plain_text`: `$\alpha$` → α), for readers that show text only; the
//! abstract comes a second time as HTML with its formulas as MathML (the same checked MathML as
//! the pages), for readers that render markup.

use std::collections::HashMap;
use std::fmt::Write;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use paperboy_domain::tex::to_plain_text;
use paperboy_domain::PaperDocument;
use paperboy_search::{Filters, SearchRequest};

use crate::error::PageError;
use crate::{math, params, trending, AppError, AppState};

/// Entries in the trending and search feeds.
pub(crate) const FEED_ENTRIES: usize = 50;

/// The media type of an Atom document.
pub const ATOM: &str = "application/atom+xml; charset=utf-8";
/// The media type of a JSON Feed.
pub const JSON_FEED: &str = "application/feed+json; charset=utf-8";

/// What a feed request is answered with, by the path's extension.
pub(crate) fn answer(uri: &Uri, headers: &HeaderMap, state: &AppState, feed: &Feed<'_>) -> Response {
    let base = site_base(state, headers);
    let self_url = format!("{base}{}", uri.path_and_query().map_or("", |p| p.as_str()));
    if uri.path().ends_with(".json") {
        json_feed(feed, &base, &self_url)
    } else {
        atom(feed, &base, &self_url)
    }
}

/// `https://host` links are made on: the configured public address, else the request's
/// `Host` (when it is a plain host name or address), else the address served.
pub(crate) fn site_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.settings.public_url {
        return url.trim_end_matches('/').to_string();
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).filter(|h| {
        !h.is_empty()
            && h.len() <= 255
            && h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    });
    match host {
        Some(host) => {
            let scheme = if state.settings.secure_cookies { "https" } else { "http" };
            format!("{scheme}://{host}")
        }
        None => state.settings.base_url.trim_end_matches('/').to_string(),
    }
}

/// `/feeds/daily.atom[?date=YYYY-MM-DD]` (and `.json`): a day's list (the latest day's by default).
pub async fn daily(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
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
    Ok(answer(
        &uri,
        &headers,
        &state,
        &Feed {
            id: &id,
            title: &title,
            page: &path,
            updated: day,
            entries: &entries,
        },
    ))
}

/// `/feeds/trending.atom[?days=N]` (and `.json`).
pub async fn trending(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
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
    Ok(answer(
        &uri,
        &headers,
        &state,
        &Feed {
            id: &format!("urn:paperboy:trending:{days}"),
            title: &format!("Trending papers ({days} days)"),
            page: &format!("/trending?days={days}"),
            updated: Some(ranked.until),
            entries: &entries,
        },
    ))
}

/// `/feeds/search.atom?q=…[&category=&from=&until=]` (and `.json`): the newest best matches of a search.
pub async fn search(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
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
    let docs = searched_papers(&state, request).await?;
    let entries: Vec<_> = docs.iter().map(|d| (d, None)).collect();
    let encoded = crate::pages::search::percent_encode(&q);
    Ok(answer(
        &uri,
        &headers,
        &state,
        &Feed {
            id: &format!("urn:paperboy:search:{encoded}"),
            title: &format!("Papers matching “{q}”"),
            page: &format!("/search?q={encoded}"),
            updated: docs.iter().filter_map(|d| d.paper.announced).max(),
            entries: &entries,
        },
    ))
}

/// The papers a search finds, in its order, as stored.
pub(crate) async fn searched_papers(state: &AppState, request: SearchRequest) -> Result<Vec<PaperDocument>, AppError> {
    let ids: Vec<_> = state.search(request).await?.results.into_iter().map(|h| h.id).collect();
    let docs = state
        .with_store(move |s| ids.iter().map(|id| s.paper(id)).collect::<Result<Vec<_>, _>>())
        .await?;
    Ok(docs.into_iter().flatten().collect())
}

pub(crate) struct Feed<'a> {
    pub id: &'a str,
    pub title: &'a str,
    /// The site page this feed mirrors.
    pub page: &'a str,
    pub updated: Option<NaiveDate>,
    /// Papers, each with the daily-list day it stands for (if any).
    pub entries: &'a [(&'a PaperDocument, Option<NaiveDate>)],
}

fn atom(feed: &Feed<'_>, base: &str, self_url: &str) -> Response {
    let updated = feed.updated.map_or_else(Utc::now, midnight);
    let mut xml =
        String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    let _ = writeln!(xml, "<id>{}</id>", escape(feed.id));
    let _ = writeln!(xml, "<title>{}</title>", escape(feed.title));
    let _ = writeln!(xml, "<updated>{}</updated>", timestamp(updated));
    let _ = writeln!(
        xml,
        "<link rel=\"alternate\" type=\"text/html\" href=\"{}{}\"/>",
        escape(base),
        escape(feed.page)
    );
    let _ = writeln!(
        xml,
        "<link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>",
        escape(self_url)
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
        let _ = writeln!(
            xml,
            "<title type=\"text\">{}</title>",
            escape(&to_plain_text(&paper.title))
        );
        let _ = writeln!(xml, "<updated>{}</updated>", timestamp(when));
        if let Some(published) = paper.published {
            let _ = writeln!(xml, "<published>{}</published>", timestamp(published));
        }
        let _ = writeln!(
            xml,
            "<link rel=\"alternate\" type=\"text/html\" href=\"{}/papers/{}\"/>",
            escape(base),
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
        let _ = writeln!(
            xml,
            "<summary type=\"text\">{}</summary>",
            escape(&to_plain_text(&paper.abstract_text))
        );
        let _ = writeln!(
            xml,
            "<content type=\"html\">{}</content>",
            escape(&abstract_html(&paper.abstract_text))
        );
        xml.push_str("</entry>\n");
    }
    xml.push_str("</feed>\n");
    ([(header::CONTENT_TYPE, ATOM)], xml).into_response()
}

/// The same feed as JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>).
fn json_feed(feed: &Feed<'_>, base: &str, self_url: &str) -> Response {
    let updated = feed.updated.map_or_else(Utc::now, midnight);
    let items: Vec<serde_json::Value> = feed
        .entries
        .iter()
        .map(|(doc, day)| {
            let paper = &doc.paper;
            let when = day
                .map(midnight)
                .or(paper.updated)
                .or(paper.published)
                .unwrap_or(updated);
            let mut item = serde_json::json!({
                "id": paper.id.abs_url(),
                "url": format!("{base}/papers/{}", paper.id),
                "external_url": paper.id.pdf_url(),
                "title": to_plain_text(&paper.title),
                "content_text": to_plain_text(&paper.abstract_text),
                "content_html": abstract_html(&paper.abstract_text),
                "date_modified": timestamp(when),
                "authors": paper.authors.iter().map(|a| serde_json::json!({"name": a})).collect::<Vec<_>>(),
                "tags": paper.categories,
            });
            if let Some(published) = paper.published {
                item["date_published"] = timestamp(published).into();
            }
            item
        })
        .collect();
    let document = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": format!("{base}{}", feed.page),
        "feed_url": self_url,
        "authors": [{"name": "paperboy"}],
        "items": items,
    });
    ([(header::CONTENT_TYPE, JSON_FEED)], document.to_string()).into_response()
}

/// An abstract as HTML paragraphs: text escaped, formulas as checked MathML.
fn abstract_html(text: &str) -> String {
    let mut html = String::new();
    for paragraph in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
        html.push_str("<p>");
        for piece in math::render(paragraph.trim()) {
            match piece.mathml {
                Some(mathml) => html.push_str(&mathml),
                None => html.push_str(&escape(&piece.text)),
            }
        }
        html.push_str("</p>");
    }
    html
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
    fn abstracts_become_paragraphs_with_mathml_and_escaped_text() {
        let html = abstract_html("We bound $\\alpha$ & <b>.\n\nSecond $<script>x</script>$ \\href{javascript:x}{y}");
        assert!(html.starts_with("<p>We bound <math"), "{html}");
        assert!(
            html.contains("α") && html.contains(" &amp; &lt;b&gt;.</p><p>Second "),
            "{html}"
        );
        assert!(
            !html.contains("<script") && !html.contains("<b>") && !html.contains("href="),
            "{html}"
        );
    }

    #[test]
    fn escaping_keeps_xml_well_formed() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
        assert_eq!(escape("bell\u{7} tab\t"), "bell tab\t");
    }
}
