//! arXiv's per-category listing feeds (RSS 2.0 at `https://rss.arxiv.org/rss/<cat>[+<cat>…]`),
//! streamed item by item.
//!
//! A feed is one announcement: the channel's `pubDate` is the announcement day, as a date in
//! arXiv's own offset (`Fri, 01 May 2026 00:00:00 -0400` is 1 May, whatever the UTC date), and
//! each item says how it was announced (`arxiv:announce_type`: `new`, `cross`, `replace` or
//! `replace-cross`). Only `new` and `cross` items were announced that day; a replacement was
//! announced earlier, so its record leaves the announcement day unset and merging keeps the
//! one already stored. A day without an announcement is a valid feed with no items.
//!
//! An item's id and version come from its `guid` (`oai:arXiv.org:2605.00123v1`), the abstract
//! from its `description` after `Abstract:`, the authors from `dc:creator` (one string, split
//! like arXiv's other author lists) and the categories from its `category` elements, primary
//! first. Items read before the channel's `pubDate` (RSS allows it anywhere) wait for it.

use std::collections::VecDeque;
use std::io::BufRead;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use paperboy_domain::text::normalise_line;
use paperboy_domain::{Paper, VersionedId};

use super::fields;
use super::xml::{Element, Item, Record, RecordReader};
use crate::record::{IncomingRecord, ParseIssue};

/// How arXiv announced an item, as its listing pages sort them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnnounceType {
    /// A new submission whose primary category is in the feed.
    New,
    /// A new submission cross-listed into the feed from another primary category.
    Cross,
    /// A new version of a paper announced earlier.
    Replace,
    /// A new version of a paper cross-listed into the feed.
    ReplaceCross,
}

impl AnnounceType {
    /// Reads arXiv's spelling (`new`, `cross`, `replace`, `replace-cross`).
    pub fn parse(text: &str) -> Option<AnnounceType> {
        match text.trim() {
            "new" => Some(AnnounceType::New),
            "cross" => Some(AnnounceType::Cross),
            "replace" => Some(AnnounceType::Replace),
            "replace-cross" => Some(AnnounceType::ReplaceCross),
            _ => None,
        }
    }

    /// arXiv's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AnnounceType::New => "new",
            AnnounceType::Cross => "cross",
            AnnounceType::Replace => "replace",
            AnnounceType::ReplaceCross => "replace-cross",
        }
    }

    /// True for the two kinds that are announced that day (listed under "New submissions"
    /// and "Cross-lists"); replacements are not.
    pub fn is_announcement(self) -> bool {
        matches!(self, AnnounceType::New | AnnounceType::Cross)
    }
}

/// One item of a listing feed.
#[derive(Debug, Clone, PartialEq)]
pub struct ListingItem {
    /// `None` when the item says no type or one this parser does not know (the record then
    /// carries a warning and no announcement day).
    pub announce_type: Option<AnnounceType>,
    pub record: IncomingRecord,
}

/// How many items of each type a feed announced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AnnounceCounts {
    pub new: usize,
    pub cross: usize,
    pub replace: usize,
    pub replace_cross: usize,
    /// Items without a type this parser knows.
    pub unknown: usize,
}

impl AnnounceCounts {
    pub fn add(&mut self, announce_type: Option<AnnounceType>) {
        match announce_type {
            Some(AnnounceType::New) => self.new += 1,
            Some(AnnounceType::Cross) => self.cross += 1,
            Some(AnnounceType::Replace) => self.replace += 1,
            Some(AnnounceType::ReplaceCross) => self.replace_cross += 1,
            None => self.unknown += 1,
        }
    }

    /// The day's "New on arXiv" list: new submissions and cross-lists.
    pub fn announced(&self) -> usize {
        self.new + self.cross
    }

    /// Replacements of either kind: counted, never listed as new.
    pub fn replacements(&self) -> usize {
        self.replace + self.replace_cross
    }
}

/// A whole feed read at once, for callers that want the day and the counts with the records
/// (a feed is one day of one category group: a few thousand items at most).
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// The announcement day; `None` when the channel's `pubDate` is missing or unreadable
    /// (one of `issues` says so).
    pub day: Option<NaiveDate>,
    /// The categories the feed is for, from the channel's link (`…/rss/cs.CL+cs.AI`).
    pub feed_categories: Vec<String>,
    pub items: Vec<ListingItem>,
    /// Rejected items and problems with the feed as a whole, in source order.
    pub issues: Vec<ParseIssue>,
}

impl Listing {
    /// Reads a whole feed; what was readable stands beside the issues.
    pub fn read<R: BufRead>(input: R) -> Listing {
        let mut parser = ListingParser::new(input);
        let mut items = Vec::new();
        let mut issues = Vec::new();
        for item in parser.by_ref() {
            match item {
                Ok(item) => items.push(item),
                Err(issue) => issues.push(issue),
            }
        }
        Listing {
            day: parser.day(),
            feed_categories: parser.feed_categories().to_vec(),
            items,
            issues,
        }
    }

    /// The items per announce type, as the feed announced them.
    pub fn counts(&self) -> AnnounceCounts {
        let mut counts = AnnounceCounts::default();
        for item in &self.items {
            counts.add(item.announce_type);
        }
        counts
    }
}

/// What is known of the channel's `pubDate`.
#[derive(Debug, Clone)]
enum ChannelDate {
    /// Not read yet: items wait for it.
    Unread,
    Known(DateTime<FixedOffset>),
    /// Missing or unreadable: items go on without an announcement day; the message is
    /// reported after them.
    Unusable(String),
}

/// Reads a listing feed, yielding one item (or one issue) per `<item>`.
///
/// Problems with the feed as a whole come last: a missing or unreadable channel `pubDate` as
/// one issue after the items (which are kept, without an announcement day), a syntax error or
/// truncation as a fatal issue after the items read before it.
pub struct ListingParser<R: BufRead> {
    xml: RecordReader<R>,
    date: ChannelDate,
    date_reported: bool,
    feed_categories: Vec<String>,
    waiting: VecDeque<Record>,
    fatal: Option<ParseIssue>,
    done: bool,
}

impl<R: BufRead> ListingParser<R> {
    pub fn new(input: R) -> Self {
        ListingParser {
            xml: RecordReader::new(input, "rss", "item"),
            date: ChannelDate::Unread,
            date_reported: false,
            feed_categories: Vec::new(),
            waiting: VecDeque::new(),
            fatal: None,
            done: false,
        }
    }

    /// The announcement day, once the channel's `pubDate` has been read.
    pub fn day(&self) -> Option<NaiveDate> {
        match &self.date {
            ChannelDate::Known(published) => Some(published.date_naive()),
            _ => None,
        }
    }

    /// The feed's categories, once the channel's `link` has been read.
    pub fn feed_categories(&self) -> &[String] {
        &self.feed_categories
    }

    fn channel_element(&mut self, element: &Element) {
        if element.is("channel", "pubDate") && matches!(self.date, ChannelDate::Unread) {
            self.date = match DateTime::parse_from_rfc2822(element.text.trim()) {
                Ok(published) => ChannelDate::Known(published),
                Err(_) => ChannelDate::Unusable(format!(
                    "the channel's <pubDate> {:?} is not an RFC 2822 date, so the announcement \
                     day is unknown and no paper's announcement day is set",
                    normalise_line(&element.text)
                )),
            };
        } else if element.is("channel", "link") && self.feed_categories.is_empty() {
            self.feed_categories = categories_in_link(&element.text);
        } else if element.is("rss", "channel") {
            self.settle_date();
        }
    }

    /// The channel is over (or the document is): a `pubDate` not read by now never will be.
    fn settle_date(&mut self) {
        if matches!(self.date, ChannelDate::Unread) {
            self.date = ChannelDate::Unusable(
                "the channel has no <pubDate>, so the announcement day is unknown and no \
                 paper's announcement day is set"
                    .into(),
            );
        }
    }

    fn item(&self, record: &Record) -> Result<ListingItem, ParseIssue> {
        let published = match &self.date {
            ChannelDate::Known(published) => Some(*published),
            _ => None,
        };
        item_from_record(record, published)
    }
}

impl<R: BufRead> Iterator for ListingParser<R> {
    type Item = Result<ListingItem, ParseIssue>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if !matches!(self.date, ChannelDate::Unread) {
                if let Some(record) = self.waiting.pop_front() {
                    return Some(self.item(&record));
                }
            }
            if self.done {
                if let Some(fatal) = self.fatal.take() {
                    return Some(Err(fatal));
                }
                if let ChannelDate::Unusable(message) = &self.date {
                    if !self.date_reported {
                        self.date_reported = true;
                        return Some(Err(ParseIssue::fatal(None, message.clone())));
                    }
                }
                return None;
            }
            match self.xml.next_item() {
                Ok(Item::Record(record)) => {
                    if matches!(self.date, ChannelDate::Unread) {
                        self.waiting.push_back(record);
                    } else {
                        return Some(self.item(&record));
                    }
                }
                Ok(Item::Outside(element)) => self.channel_element(&element),
                Ok(Item::End) => {
                    self.done = true;
                    self.settle_date();
                }
                Err(message) => {
                    self.done = true;
                    // The syntax error says what went wrong; the day's absence adds nothing.
                    self.date_reported = true;
                    self.settle_date();
                    self.fatal = Some(ParseIssue::fatal(None, message));
                }
            }
        }
    }
}

/// `https://rss.arxiv.org/rss/cs.CL+cs.AI` → `["cs.CL", "cs.AI"]`; nothing for a link of
/// another shape.
fn categories_in_link(link: &str) -> Vec<String> {
    let Some((_, path)) = link.trim().split_once("/rss/") else {
        return Vec::new();
    };
    let terms = path.trim_end_matches('/').split('+');
    fields::categories(terms.filter(|term| fields::looks_like_category(term)))
}

/// The text of the item's child element `name` (`announce_type` for `arxiv:announce_type`).
fn child<'a>(elements: &'a [Element], name: &str) -> Option<&'a str> {
    elements.iter().find(|e| e.is("item", name)).map(|e| e.text.as_str())
}

fn item_from_record(record: &Record, published: Option<DateTime<FixedOffset>>) -> Result<ListingItem, ParseIssue> {
    let guid = child(&record.elements, "guid").map(str::trim).unwrap_or("");
    let label = if guid.is_empty() {
        format!("item {} (line {})", record.index, record.line)
    } else {
        format!("item {} ({guid})", record.index)
    };
    build(record, guid, published).map_err(|message| ParseIssue::record(label, message))
}

fn build(record: &Record, guid: &str, published: Option<DateTime<FixedOffset>>) -> Result<ListingItem, String> {
    if let Some(problem) = &record.problem {
        return Err(problem.clone());
    }
    let get = |name| child(&record.elements, name);
    let description = get("description").unwrap_or("");
    let (header, abstract_text) = match description.find("Abstract:") {
        Some(at) => (&description[..at], &description[at + "Abstract:".len()..]),
        None => (description, ""),
    };
    let id = item_id(guid, header, get("link"))?;
    let mut paper = Paper::new(id.id);
    paper.version = id.version;
    paper.title = get("title").map(normalise_line).unwrap_or_default();
    if paper.title.is_empty() {
        return Err("missing <title>".into());
    }
    paper.abstract_text = abstract_paragraphs(abstract_text);
    paper.authors = record
        .elements
        .iter()
        .filter(|e| e.is("item", "creator"))
        .flat_map(|e| fields::split_author_list(&e.text))
        .collect();
    paper.categories = fields::categories(
        record
            .elements
            .iter()
            .filter(|e| e.is("item", "category"))
            .map(|e| e.text.as_str()),
    );
    paper.license = fields::optional_line(get("rights"));

    let written_type = get("announce_type").or_else(|| announce_type_in(header));
    let announce_type = written_type.and_then(AnnounceType::parse);
    if let Some(published) = published {
        paper.as_of = Some(published.with_timezone(&Utc));
        if announce_type.is_some_and(AnnounceType::is_announcement) {
            paper.announced = Some(published.date_naive());
        }
    }
    let mut record = IncomingRecord::new(paper, Vec::new());
    if announce_type.is_none() {
        record.warnings.push(match written_type {
            Some(text) => format!(
                "announce type {:?} not understood; the announcement day is not set",
                normalise_line(text)
            ),
            None => "no announce type; the announcement day is not set".into(),
        });
    }
    Ok(ListingItem { announce_type, record })
}

/// The item's arXiv id: the `guid` (`oai:arXiv.org:2605.00123v1`), else the description's
/// `arXiv:2605.00123v1`, else the `link`.
fn item_id(guid: &str, header: &str, link: Option<&str>) -> Result<VersionedId, String> {
    let in_header = header
        .split_whitespace()
        .find_map(|word| word.strip_prefix("arXiv:"))
        .filter(|id| !id.is_empty());
    let link = link.map(str::trim).filter(|l| !l.is_empty());
    match [Some(guid).filter(|g| !g.is_empty()), in_header, link]
        .into_iter()
        .flatten()
        .next()
    {
        Some(text) => VersionedId::parse(text).map_err(|e| e.to_string()),
        None => Err("no arXiv id: missing <guid>, and neither the description nor <link> names one".into()),
    }
}

/// `Announce Type: replace` in the description's header.
fn announce_type_in(header: &str) -> Option<&str> {
    let at = header.find("Announce Type:")?;
    header[at + "Announce Type:".len()..].split_whitespace().next()
}

/// The abstract's paragraphs. A line indented by two spaces starts a paragraph (arXiv's
/// marker); other lines continue the one before. `text::normalise_paragraphs` would measure
/// the marker against the lines' common indentation instead, and when every paragraph after
/// the first is marked (arXiv's one-line-per-paragraph abstracts), it would find none.
fn abstract_paragraphs(text: &str) -> String {
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line_text = normalise_line(line);
        let marked = line.starts_with("  ") || line.starts_with('\t');
        if (marked || line_text.is_empty()) && !current.is_empty() {
            paragraphs.push(std::mem::take(&mut current));
        }
        if line_text.is_empty() {
            continue;
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&line_text);
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    paragraphs.join("\n\n")
}

#[cfg(test)]
#[path = "arxiv_rss_tests.rs"]
mod tests;
