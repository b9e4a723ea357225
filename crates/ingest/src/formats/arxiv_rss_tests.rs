use std::sync::OnceLock;

use chrono::NaiveDate;
use paperboy_domain::merge::merge_paper;
use paperboy_domain::text::normalise_line;

use super::*;
use crate::formats::test_data;
use crate::record::IssueKind;
use paperboy_testkit::listing_rss::{announcement_time, ListingArchive, RenderedFeed};

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// A day with real replacements and cross-lists in cs.AI (2 papers listed earlier).
const REPLACEMENT_DAY: &str = "2026-03-17";

/// The archive up to [`REPLACEMENT_DAY`], read once for all tests.
fn archive() -> Option<&'static ListingArchive> {
    static ARCHIVE: OnceLock<Option<ListingArchive>> = OnceLock::new();
    ARCHIVE
        .get_or_init(|| {
            let dir = test_data::dir()?;
            Some(ListingArchive::load(&dir, date(REPLACEMENT_DAY)).unwrap())
        })
        .as_ref()
}

/// The abstract as arXiv's paragraph marker (a line starting with two spaces) divides it.
fn expected_abstract(summary: &str) -> String {
    let paragraphs: Vec<String> = summary
        .split("\n  ")
        .map(normalise_line)
        .filter(|p| !p.is_empty())
        .collect();
    paragraphs.join("\n\n")
}

/// The listing's names as one `dc:creator` string splits back: the archive sometimes keeps
/// arXiv's separator word at the start of a name (`and Huchuan Lu`), which is not part of it.
fn expected_authors(authors: &[String]) -> Vec<String> {
    authors
        .iter()
        .map(|a| normalise_line(a))
        .map(|a| a.strip_prefix("and ").map(str::to_string).unwrap_or(a))
        .filter(|a| !a.is_empty())
        .collect()
}

/// Parses a rendered feed and checks every item against what was rendered.
fn check_round_trip(feed: &RenderedFeed) -> Listing {
    let listing = Listing::read(feed.xml.as_bytes());
    assert!(listing.issues.is_empty(), "{:?}", listing.issues);
    assert_eq!(listing.day, Some(feed.day));
    assert_eq!(listing.feed_categories, feed.categories);
    assert_eq!(listing.items.len(), feed.items.len());
    for (parsed, rendered) in listing.items.iter().zip(&feed.items) {
        let paper = &parsed.record.paper;
        let source = &rendered.paper;
        assert_eq!(paper.id.as_str(), source.id);
        assert_eq!(paper.version, Some(rendered.version), "{}", source.id);
        assert_eq!(
            parsed.announce_type.map(AnnounceType::as_str),
            Some(rendered.announce_type),
            "{}",
            source.id
        );
        let announced = matches!(rendered.announce_type, "new" | "cross");
        assert_eq!(paper.announced, announced.then_some(feed.day), "{}", source.id);
        assert_eq!(paper.title, normalise_line(&source.title), "{}", source.id);
        assert_eq!(paper.authors, expected_authors(&source.authors), "{}", source.id);
        assert_eq!(paper.categories, source.categories, "{}", source.id);
        assert_eq!(paper.abstract_text, expected_abstract(&source.summary), "{}", source.id);
        assert!(parsed.record.warnings.is_empty(), "{:?}", parsed.record.warnings);
    }
    listing
}

#[test]
fn a_real_day_with_every_announce_type() {
    let Some(archive) = archive() else { return };
    let day = date(REPLACEMENT_DAY);
    let feed = archive.feed(day, &["cs.AI"]);
    let listing = check_round_trip(&feed);
    let counts = listing.counts();
    let rendered = |kind| feed.items.iter().filter(|i| i.announce_type == kind).count();
    assert_eq!(
        counts,
        AnnounceCounts {
            new: rendered("new"),
            cross: rendered("cross"),
            replace: rendered("replace"),
            replace_cross: rendered("replace-cross"),
            unknown: 0,
        }
    );
    // The day has all four kinds, so each rule above was exercised.
    assert!(counts.new > 0 && counts.cross > 0 && counts.replace > 0 && counts.replace_cross > 0);
    assert_eq!(counts.announced() + counts.replacements(), listing.items.len());

    // TeX and XML-escaped characters come back as written.
    let items = &feed.items;
    let tex = items
        .iter()
        .find(|i| i.paper.summary.contains("$\\"))
        .expect("a TeX abstract");
    let parsed = listing
        .items
        .iter()
        .find(|i| i.record.paper.id.as_str() == tex.paper.id)
        .unwrap();
    let formula = tex.paper.summary.split('$').nth(1).unwrap();
    assert!(parsed.record.paper.abstract_text.contains(formula), "{formula}");
    assert!(
        items.iter().any(|i| i.paper.summary.contains('<')),
        "an abstract that XML escapes"
    );
}

#[test]
fn a_feed_of_two_categories() {
    let Some(archive) = archive() else { return };
    let feed = archive.feed(date(REPLACEMENT_DAY), &["cs.CL", "cs.AI"]);
    let listing = check_round_trip(&feed);
    let counts = listing.counts();
    assert!(counts.new > 0 && counts.cross > 0 && counts.replace > 0, "{counts:?}");
    // A paper whose primary category is either of the two is new, not a cross-list.
    let cl_primary = listing
        .items
        .iter()
        .find(|i| i.record.paper.primary_category() == Some("cs.CL"))
        .unwrap();
    assert_ne!(cl_primary.announce_type, Some(AnnounceType::Cross));
}

#[test]
fn a_replacement_keeps_the_earlier_announcement_day() {
    let Some(archive) = archive() else { return };
    let day = date(REPLACEMENT_DAY);
    let listing = Listing::read(archive.feed(day, &["cs.AI"]).xml.as_bytes());
    let replaced = listing
        .items
        .iter()
        .find(|i| i.announce_type == Some(AnnounceType::Replace))
        .unwrap();
    let mut stored = replaced.record.paper.clone();
    stored.version = Some(1);
    stored.announced = Some(date("2026-03-12"));
    stored.as_of = stored.announced.map(fields::midnight);
    let merged = merge_paper(&stored, &replaced.record.paper).unwrap();
    assert_eq!(merged.version, Some(2));
    assert_eq!(merged.announced, Some(date("2026-03-12")));
}

#[test]
fn a_day_without_an_announcement_has_no_items() {
    let Some(archive) = archive() else { return };
    // The archive repeats 2026-01-05's list on 2026-01-06: arXiv announced nothing new.
    let day = date("2026-01-06");
    let feed = archive.feed(day, &["cs.CV"]);
    assert!(feed.items.is_empty());
    let listing = Listing::read(feed.xml.as_bytes());
    assert_eq!(listing.day, Some(day));
    assert!(
        listing.items.is_empty() && listing.issues.is_empty(),
        "{:?}",
        listing.issues
    );
    assert_eq!(listing.counts(), AnnounceCounts::default());
    // The previous day, rendered the same way, is all new.
    assert!(!archive.feed(date("2026-01-05"), &["cs.CV"]).items.is_empty());
}

#[test]
fn detected_from_a_rendered_feed() {
    let Some(archive) = archive() else { return };
    let xml = archive.feed(date(REPLACEMENT_DAY), &["cs.AI"]).xml;
    assert_eq!(
        crate::formats::detect(&xml.as_bytes()[..4096]),
        Some(crate::Format::ArxivRss)
    );
    if let Ok(path) = std::env::var("PAPERBOY_WRITE_RENDERED_FEED") {
        std::fs::write(path, &xml).unwrap();
    }
}

fn feed(channel_extra: &str, items: &str) -> String {
    format!(
        r#"<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0">
<channel><title>cs.LG updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.LG</link>
{channel_extra}{items}</channel></rss>"#
    )
}

fn item(id: &str, kind: &str, title: &str, creator: &str) -> String {
    format!(
        r#"<item><title>{title}</title><link>https://arxiv.org/abs/{id}</link>
<description>arXiv:{id} Announce Type: {kind} 
Abstract: First.
  Second.</description>
<guid isPermaLink="false">oai:arXiv.org:{id}</guid><category>cs.LG</category><category>stat.ML</category>
<arxiv:announce_type>{kind}</arxiv:announce_type>
<dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights><dc:creator>{creator}</dc:creator></item>
"#
    )
}

const MAY_1: &str = "<pubDate>Fri, 01 May 2026 00:00:00 -0400</pubDate>";

#[test]
fn the_day_is_read_in_arxivs_offset() {
    // 23:30 in New York is already the next day in UTC.
    let late = format!(
        "<pubDate>{}</pubDate>",
        announcement_time(date("2026-05-01"), "23:30:00")
    );
    let listing = Listing::read(feed(&late, &item("2605.00123v1", "new", "T", "A B")).as_bytes());
    assert_eq!(listing.day, Some(date("2026-05-01")));
    let paper = &listing.items[0].record.paper;
    assert_eq!(paper.announced, Some(date("2026-05-01")));
    assert_eq!(paper.as_of.unwrap().to_rfc3339(), "2026-05-02T03:30:00+00:00");
    assert_eq!(listing.feed_categories, ["cs.LG"]);
}

#[test]
fn item_fields() {
    let items = item(
        "2605.00123v1",
        "new",
        r"Sparse $\ell_1$ &amp; \emph{Pursuit} &lt;3",
        "John Smith, Jr., Ann Lee, and Bo Li",
    ) + &item("2604.00001v3", "replace-cross", "R", "C D");
    let listing = Listing::read(feed(MAY_1, &items).as_bytes());
    assert!(listing.issues.is_empty(), "{:?}", listing.issues);
    let first = &listing.items[0].record.paper;
    assert_eq!(first.title, r"Sparse $\ell_1$ & \emph{Pursuit} <3");
    assert_eq!(first.authors, ["John Smith Jr.", "Ann Lee", "Bo Li"]);
    assert_eq!(first.categories, ["cs.LG", "stat.ML"]);
    assert_eq!(first.abstract_text, "First.\n\nSecond.");
    assert_eq!(
        first.license.as_deref(),
        Some("http://creativecommons.org/licenses/by/4.0/")
    );
    let second = &listing.items[1];
    assert_eq!(second.announce_type, Some(AnnounceType::ReplaceCross));
    assert_eq!(second.record.paper.version, Some(3));
    assert_eq!(second.record.paper.announced, None);
    assert!(second.record.paper.as_of.is_some());
}

#[test]
fn announce_type_from_the_description_or_a_warning() {
    let plain =
        item("2605.00124v1", "cross", "T", "A B").replace("<arxiv:announce_type>cross</arxiv:announce_type>", "");
    let odd = item("2605.00125v1", "renamed", "T", "A B");
    let listing = Listing::read(feed(MAY_1, &(plain + &odd)).as_bytes());
    assert!(listing.issues.is_empty(), "{:?}", listing.issues);
    assert_eq!(listing.items[0].announce_type, Some(AnnounceType::Cross));
    assert_eq!(listing.items[0].record.paper.announced, Some(date("2026-05-01")));
    let unknown = &listing.items[1];
    assert_eq!(unknown.announce_type, None);
    assert_eq!(unknown.record.paper.announced, None);
    assert_eq!(
        unknown.record.warnings,
        ["announce type \"renamed\" not understood; the announcement day is not set"]
    );
    assert_eq!(listing.counts().unknown, 1);
}

#[test]
fn items_before_the_channel_date_wait_for_it() {
    let xml = feed("", &item("2605.00123v1", "new", "T", "A B")).replace("</channel>", &format!("{MAY_1}</channel>"));
    let listing = Listing::read(xml.as_bytes());
    assert!(listing.issues.is_empty(), "{:?}", listing.issues);
    assert_eq!(listing.items[0].record.paper.announced, Some(date("2026-05-01")));
}

#[test]
fn a_missing_or_bad_channel_date_is_reported_after_the_items() {
    let items = item("2605.00123v1", "new", "T", "A B");
    for (extra, says) in [
        ("", "the channel has no <pubDate>"),
        (
            "<pubDate>Friday</pubDate>",
            "the channel's <pubDate> \"Friday\" is not an RFC 2822 date",
        ),
    ] {
        let listing = Listing::read(feed(extra, &items).as_bytes());
        assert_eq!(listing.day, None);
        assert_eq!(listing.items.len(), 1, "the item stands");
        assert_eq!(listing.items[0].record.paper.announced, None);
        let [issue] = &listing.issues[..] else {
            panic!("{:?}", listing.issues)
        };
        assert!(issue.message.starts_with(says), "{}", issue.message);
        assert_eq!(issue.record, None);
    }
}

#[test]
fn bad_items_are_named_and_skipped() {
    let no_id = "<item><title>No id</title><description>Abstract: x</description></item>\n";
    let bad_id = item("nonsense", "new", "T", "A B");
    let no_title = item("2605.00126v1", "new", " ", "A B");
    let good = item("2605.00127v1", "new", "T", "A B");
    let listing = Listing::read(feed(MAY_1, &format!("{no_id}{bad_id}{no_title}{good}")).as_bytes());
    assert_eq!(listing.items.len(), 1);
    assert_eq!(listing.items[0].record.paper.id.as_str(), "2605.00127");
    let named: Vec<(&str, &str)> = listing
        .issues
        .iter()
        .map(|i| (i.record.as_deref().unwrap(), i.message.as_str()))
        .collect();
    assert_eq!(named[0].0, "item 1 (line 4)");
    assert!(named[0].1.starts_with("no arXiv id"), "{}", named[0].1);
    assert_eq!(named[1].0, "item 2 (oai:arXiv.org:nonsense)");
    assert_eq!(named[2], ("item 3 (oai:arXiv.org:2605.00126v1)", "missing <title>"));
    assert!(listing.issues.iter().all(|i| i.kind == IssueKind::Record));
}

#[test]
fn malformed_and_truncated_feeds() {
    let items = item("2605.00123v1", "new", "T", "A B") + &item("2605.00124v1", "new", "T", "A B");
    let whole = feed(MAY_1, &items);
    let cut = &whole[..whole.find("oai:arXiv.org:2605.00124").unwrap()];
    let listing = Listing::read(cut.as_bytes());
    assert_eq!(listing.items.len(), 1, "the complete item stands");
    assert_eq!(listing.day, Some(date("2026-05-01")));
    let [issue] = &listing.issues[..] else {
        panic!("{:?}", listing.issues)
    };
    assert_eq!(issue.kind, IssueKind::Fatal);
    assert!(issue.message.contains("truncated"), "{}", issue.message);

    let mismatched = whole.replace("</title>", "</titel>");
    let listing = Listing::read(mismatched.as_bytes());
    assert!(listing.items.is_empty());
    assert!(
        listing.issues[0].message.starts_with("XML error near line"),
        "{:?}",
        listing.issues
    );

    for not_a_feed in ["", "<html><body>503</body></html>", "Service Unavailable"] {
        let listing = Listing::read(not_a_feed.as_bytes());
        assert!(listing.items.is_empty() && listing.day.is_none());
        assert_eq!(listing.issues.len(), 1, "{not_a_feed:?}: {:?}", listing.issues);
        assert_eq!(listing.issues[0].kind, IssueKind::Fatal);
    }
}

#[test]
fn an_empty_feed_is_a_day() {
    let listing = Listing::read(feed(MAY_1, "").as_bytes());
    assert_eq!(listing.day, Some(date("2026-05-01")));
    assert!(listing.items.is_empty() && listing.issues.is_empty());
}

#[test]
fn categories_in_links() {
    assert_eq!(
        categories_in_link("https://rss.arxiv.org/rss/cs.CL+cs.AI/"),
        ["cs.CL", "cs.AI"]
    );
    assert_eq!(categories_in_link("http://rss.arxiv.org/rss/hep-th"), ["hep-th"]);
    assert!(categories_in_link("https://arxiv.org/").is_empty());
    assert!(categories_in_link("https://example.org/feed").is_empty());
}
