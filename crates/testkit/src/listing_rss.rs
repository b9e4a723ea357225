//! Real listing days from the shared data (`arxiv-listings/DATE.jsonl.gz`) rendered
//! as arXiv's listing RSS (`rss.arxiv.org/rss/<cat>[+<cat>…]`), so that the feed parser and
//! the code that keeps paperboy current are tested on real papers, cross-lists and
//! replacements.
//!
//! The archive says only which papers each day listed. The first day a paper appears is its
//! announcement day; a paper listed again later is a replacement there. A paper is a cross-list
//! in a feed whose categories do not include its primary (first) category. A day whose every
//! paper was listed before is the archive repeating itself on a day arXiv announced nothing,
//! and renders as a feed without items. What the archive cannot say is invented plainly:
//! replacements are `v2`, and items carry no licence.
//!
//! The feed parser's tests (ingest) and the sync tests (sync, cli) serve these.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

use chrono::{Datelike, NaiveDate, Weekday};
use flate2::read::GzDecoder;
use serde::Deserialize;

/// One line of a listing day, with the fields a feed shows.
#[derive(Debug, Clone, Deserialize)]
pub struct ListedPaper {
    pub id: String,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub authors: Vec<String>,
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// The authors' comment ("12 pages, 5 figures"): not in listing feeds, in the query API.
    #[serde(default)]
    pub comment: Option<String>,
}

/// One rendered item and what it stands for.
#[derive(Debug, Clone)]
pub struct RenderedItem {
    pub paper: ListedPaper,
    pub version: u32,
    /// arXiv's spelling: `new`, `cross`, `replace` or `replace-cross`.
    pub announce_type: &'static str,
}

/// A feed as arXiv would have served it on `day`.
#[derive(Debug, Clone)]
pub struct RenderedFeed {
    pub day: NaiveDate,
    pub categories: Vec<String>,
    /// In feed order: new, cross, replace, replace-cross.
    pub items: Vec<RenderedItem>,
    pub xml: String,
}

/// Listing days read from the archive, up to some day.
pub struct ListingArchive {
    days: HashMap<NaiveDate, Vec<ListedPaper>>,
    first_seen: HashMap<String, NaiveDate>,
}

impl ListingArchive {
    /// Reads `dir/arxiv-listings/*.jsonl.gz` for every day up to `through`.
    pub fn load(dir: &Path, through: NaiveDate) -> io::Result<ListingArchive> {
        let mut files: Vec<(NaiveDate, std::path::PathBuf)> = std::fs::read_dir(dir.join("arxiv-listings"))?
            .filter_map(|entry| {
                let path = entry.ok()?.path();
                let name = path.file_name()?.to_str()?;
                let day = NaiveDate::parse_from_str(name.get(..10)?, "%Y-%m-%d").ok()?;
                (day <= through).then_some((day, path))
            })
            .collect();
        files.sort();
        let mut archive = ListingArchive {
            days: HashMap::new(),
            first_seen: HashMap::new(),
        };
        for (day, path) in files {
            let reader = BufReader::new(GzDecoder::new(std::fs::File::open(&path)?));
            let mut papers = Vec::new();
            for line in reader.lines() {
                let line = line?;
                if line.trim().is_empty() {
                    continue;
                }
                let paper: ListedPaper = serde_json::from_str(&line)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{}: {e}", path.display())))?;
                archive.first_seen.entry(paper.id.clone()).or_insert(day);
                papers.push(paper);
            }
            archive.days.insert(day, papers);
        }
        Ok(archive)
    }

    /// `day`'s feed as arXiv would show it on `shown_as`: the same items, dated `shown_as`
    /// (for a running server, whose clock says which day is due).
    pub fn feed_as(&self, day: NaiveDate, shown_as: NaiveDate, categories: &[&str]) -> RenderedFeed {
        let mut feed = self.feed(day, categories);
        feed.xml = render(shown_as, &feed.categories, &feed.items);
        feed.day = shown_as;
        feed
    }

    /// What arXiv's query API (`/api/query?id_list=…`) answers for `ids`: an Atom feed with
    /// each known paper's latest listing, including what listing feeds leave out (its
    /// comment). Unknown ids are left out, as the API does.
    pub fn atom(&self, ids: &[&str]) -> String {
        let mut latest: HashMap<&str, (NaiveDate, &ListedPaper)> = HashMap::new();
        for (day, papers) in &self.days {
            for paper in papers.iter().filter(|p| ids.contains(&p.id.as_str())) {
                let entry = latest.entry(paper.id.as_str()).or_insert((*day, paper));
                if *day > entry.0 {
                    *entry = (*day, paper);
                }
            }
        }
        let mut xml = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" \
             xmlns:arxiv=\"http://arxiv.org/schemas/atom\">\n",
        );
        for id in ids {
            let Some((day, paper)) = latest.get(id) else { continue };
            let first = self.first_seen.get(*id).copied().unwrap_or(*day);
            let version = if first < *day { 2 } else { 1 };
            let _ = write!(
                xml,
                "  <entry>\n    <id>http://arxiv.org/abs/{id}v{version}</id>\n    \
                 <updated>{day}T00:00:00Z</updated>\n    <published>{first}T00:00:00Z</published>\n    \
                 <title>{}</title>\n    <summary>{}</summary>\n",
                escape(&paper.title),
                escape(&paper.summary)
            );
            for author in &paper.authors {
                let _ = writeln!(xml, "    <author><name>{}</name></author>", escape(author));
            }
            if let Some(comment) = &paper.comment {
                let _ = writeln!(xml, "    <arxiv:comment>{}</arxiv:comment>", escape(comment));
            }
            if let Some(primary) = paper.categories.first() {
                let _ = writeln!(xml, "    <arxiv:primary_category term=\"{primary}\"/>");
            }
            for category in &paper.categories {
                let _ = writeln!(xml, "    <category term=\"{category}\"/>");
            }
            xml.push_str("  </entry>\n");
        }
        xml.push_str("</feed>\n");
        xml
    }

    /// The feed for `categories` (`["cs.CL", "cs.AI"]`) on `day`; empty when the archive has
    /// no such day or the day announced nothing.
    pub fn feed(&self, day: NaiveDate, categories: &[&str]) -> RenderedFeed {
        let listed = self.days.get(&day).map(Vec::as_slice).unwrap_or_default();
        let announced_anything = listed.iter().any(|p| self.first_seen.get(&p.id) == Some(&day));
        let mut items = Vec::new();
        let mut seen = HashSet::new();
        for paper in listed.iter().filter(|_| announced_anything) {
            // A paper is listed once per section it appears in; the feed lists it once.
            let in_feed = paper.categories.iter().any(|c| categories.contains(&c.as_str()));
            if !in_feed || !seen.insert(paper.id.as_str()) {
                continue;
            }
            let replaced = self.first_seen.get(&paper.id).is_some_and(|first| *first < day);
            let cross = paper
                .categories
                .first()
                .is_none_or(|primary| !categories.contains(&primary.as_str()));
            let announce_type = match (replaced, cross) {
                (false, false) => "new",
                (false, true) => "cross",
                (true, false) => "replace",
                (true, true) => "replace-cross",
            };
            items.push(RenderedItem {
                paper: paper.clone(),
                version: if replaced { 2 } else { 1 },
                announce_type,
            });
        }
        let order = ["new", "cross", "replace", "replace-cross"];
        items.sort_by_key(|item| order.iter().position(|t| *t == item.announce_type));
        let categories: Vec<String> = categories.iter().map(|c| c.to_string()).collect();
        let xml = render(day, &categories, &items);
        RenderedFeed {
            day,
            categories,
            items,
            xml,
        }
    }
}

/// Midnight of `day` in New York, as arXiv dates its announcements (RFC 2822).
pub fn announcement_time(day: NaiveDate, time: &str) -> String {
    let offset = if is_daylight_saving(day) { "-0400" } else { "-0500" };
    format!("{} {time} {offset}", day.format("%a, %d %b %Y"))
}

/// US daylight saving time: from the second Sunday of March to the first Sunday of November.
fn is_daylight_saving(day: NaiveDate) -> bool {
    let sunday = |month, n| NaiveDate::from_weekday_of_month_opt(day.year(), month, Weekday::Sun, n);
    match (sunday(3, 2), sunday(11, 1)) {
        (Some(start), Some(end)) => start <= day && day < end,
        _ => false,
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn render(day: NaiveDate, categories: &[String], items: &[RenderedItem]) -> String {
    let path = categories.join("+");
    let names = categories.join(", ");
    let published = announcement_time(day, "00:00:00");
    let mut xml = String::new();
    let _ = write!(
        xml,
        r#"<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0">
  <channel>
    <title>{names} updates on arXiv.org</title>
    <link>http://rss.arxiv.org/rss/{path}</link>
    <description>{names} updates on the arXiv.org e-print archive.</description>
    <atom:link href="https://rss.arxiv.org/rss/{path}" rel="self" type="application/rss+xml"/>
    <docs>http://www.rssboard.org/rss-specification</docs>
    <language>en-us</language>
    <lastBuildDate>{built}</lastBuildDate>
    <managingEditor>rss-help@arxiv.org</managingEditor>
    <pubDate>{published}</pubDate>
    <skipDays>
      <day>Sunday</day>
      <day>Saturday</day>
    </skipDays>
"#,
        built = announcement_time(day, "00:30:00"),
    );
    for item in items {
        let paper = &item.paper;
        let id = format!("{}v{}", paper.id, item.version);
        let _ = write!(
            xml,
            r#"    <item>
      <title>{title}</title>
      <link>https://arxiv.org/abs/{bare}</link>
      <description>arXiv:{id} Announce Type: {kind} 
Abstract: {summary}</description>
      <guid isPermaLink="false">oai:arXiv.org:{id}</guid>
"#,
            title = escape(&paper.title),
            bare = paper.id,
            kind = item.announce_type,
            summary = escape(&paper.summary),
        );
        for category in &paper.categories {
            let _ = writeln!(xml, "      <category>{}</category>", escape(category));
        }
        let _ = write!(
            xml,
            "      <pubDate>{published}</pubDate>\n      <arxiv:announce_type>{}</arxiv:announce_type>\n      \
             <dc:creator>{}</dc:creator>\n    </item>\n",
            item.announce_type,
            escape(&paper.authors.join(", ")),
        );
    }
    xml.push_str("  </channel>\n</rss>\n");
    xml
}
