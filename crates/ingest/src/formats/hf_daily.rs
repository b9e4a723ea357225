//! Hugging Face's `/api/daily_papers` lists: each entry is a paper plus its appearance in
//! the day's list (upvotes, comments, who submitted it).
//!
//! The list is small (a few hundred kB) and read whole, up to [`MAX_BYTES`]. Hugging Face is
//! never authoritative over arXiv's metadata: papers from here carry no version and no
//! `as_of`, so any arXiv source wins a merge. Clients sometimes save the list wrapped as
//! `{"status": .., "data": [..]}`, which is accepted too.

use std::io::{BufRead, Read};

use paperboy_domain::text::normalise_line;
use paperboy_domain::DailyEntry;
use serde::Deserialize;
use serde_json::Value;

use super::fields;
use crate::record::{IncomingRecord, ParseIssue, Parsed, SourceContext};

/// The largest list read; real ones are below 1 MiB.
pub const MAX_BYTES: u64 = 64 << 20;

/// Reads a daily-papers list and yields its entries in order.
pub fn parse(input: impl BufRead, _ctx: SourceContext) -> DailyEntries {
    match read_entries(input) {
        Ok(entries) => DailyEntries {
            entries: entries.into_iter().enumerate(),
            fatal: None,
        },
        Err(message) => DailyEntries {
            entries: Vec::new().into_iter().enumerate(),
            fatal: Some(ParseIssue::fatal(None, message)),
        },
    }
}

/// The entries of one list, converted as they are asked for.
pub struct DailyEntries {
    entries: std::iter::Enumerate<std::vec::IntoIter<Value>>,
    fatal: Option<ParseIssue>,
}

impl Iterator for DailyEntries {
    type Item = Parsed;

    fn next(&mut self) -> Option<Parsed> {
        if let Some(fatal) = self.fatal.take() {
            return Some(Err(fatal));
        }
        let (index, value) = self.entries.next()?;
        let label = format!("entry {}", index + 1);
        Some(entry_to_paper(value).map_err(|message| ParseIssue::record(label, message)))
    }
}

fn read_entries(input: impl BufRead) -> Result<Vec<Value>, String> {
    let mut bytes = Vec::new();
    input
        .take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("could not read the source: {e}"))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(format!(
            "larger than {} MiB; a daily list is far smaller, is this the right file?",
            MAX_BYTES >> 20
        ));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err("empty source: expected a JSON list of daily papers".into());
    }
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| format!("invalid JSON: {e}"))?;
    match value {
        Value::Array(entries) => Ok(entries),
        Value::Object(mut wrapper) => match wrapper.remove("data") {
            Some(Value::Array(entries)) => Ok(entries),
            _ => Err("expected a JSON list of daily papers, or an object with a \"data\" list".into()),
        },
        other => Err(format!(
            "expected a JSON list of daily papers, found {}",
            kind_of(&other)
        )),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HfEntry {
    paper: HfPaper,
    published_at: Option<String>,
    num_comments: Option<i64>,
    submitted_by: Option<HfUser>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HfPaper {
    id: String,
    title: Option<String>,
    summary: Option<String>,
    #[serde(default)]
    authors: Vec<HfAuthor>,
    published_at: Option<String>,
    submitted_on_daily_at: Option<String>,
    submitted_on_daily_by: Option<HfUser>,
    upvotes: Option<i64>,
    github_repo: Option<String>,
    project_page: Option<String>,
    /// Hugging Face writes these two in snake case, unlike the rest.
    #[serde(rename = "ai_summary")]
    ai_summary: Option<String>,
    #[serde(rename = "ai_keywords")]
    ai_keywords: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct HfAuthor {
    name: Option<String>,
}

#[derive(Deserialize)]
struct HfUser {
    name: Option<String>,
    user: Option<String>,
    fullname: Option<String>,
}

impl HfUser {
    /// The account name, which is stable, before the display name (`fullname`).
    fn handle(&self) -> Option<&str> {
        self.name
            .as_deref()
            .or(self.user.as_deref())
            .or(self.fullname.as_deref())
    }
}

fn entry_to_paper(value: Value) -> Result<IncomingRecord, String> {
    match &value {
        Value::Object(_) => {}
        Value::String(text) if text.trim_start().starts_with("{'") => {
            return Err(
                "expected a JSON object, found a string — this looks like a Python repr, \
                        not JSON"
                    .into(),
            )
        }
        other => return Err(format!("expected a JSON object, found {}", kind_of(other))),
    }
    let entry: HfEntry = serde_json::from_value(value).map_err(|e| e.to_string())?;
    let HfEntry {
        paper: hf,
        published_at,
        num_comments,
        submitted_by,
    } = entry;
    // Hugging Face gives no version: a versioned id there is dropped to keep HF fill-only.
    let mut paper = fields::titled_paper(&hf.id, hf.title.as_deref())?;
    paper.version = None;
    paper.abstract_text = hf
        .summary
        .as_deref()
        .map(fields::unwrapped_paragraphs)
        .unwrap_or_default();
    paper.authors = hf
        .authors
        .iter()
        .filter_map(|a| a.name.as_deref())
        .map(normalise_line)
        .filter(|name| !name.is_empty())
        .collect();
    paper.published = hf.published_at.as_deref().and_then(fields::rfc3339);
    paper.code_url = fields::optional_line(hf.github_repo.as_deref());
    paper.project_url = fields::optional_line(hf.project_page.as_deref());
    paper.ai_summary = hf
        .ai_summary
        .as_deref()
        .map(normalise_line)
        .filter(|summary| !summary.is_empty());
    for keyword in hf.ai_keywords.iter().flatten().map(|k| normalise_line(k)) {
        if !keyword.is_empty() && !paper.ai_keywords.contains(&keyword) {
            paper.ai_keywords.push(keyword);
        }
    }
    let day = hf
        .submitted_on_daily_at
        .as_deref()
        .or(published_at.as_deref())
        .and_then(fields::day_of_timestamp)
        .ok_or_else(|| format!("paper {}: no day (submittedOnDailyAt)", paper.id))?;
    let submitted_by = submitted_by
        .as_ref()
        .and_then(HfUser::handle)
        .or_else(|| hf.submitted_on_daily_by.as_ref().and_then(HfUser::handle));
    let entry = DailyEntry {
        day,
        upvotes: hf.upvotes.unwrap_or(0),
        comments: num_comments.unwrap_or(0),
        submitted_by: fields::optional_line(submitted_by),
        source: "hf".into(),
    };
    Ok(IncomingRecord::new(paper, vec![entry]))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::formats::test_data;
    use crate::record::IssueKind;

    fn parse_str(json: &str) -> (Vec<IncomingRecord>, Vec<ParseIssue>) {
        test_data::split(parse(json.as_bytes(), SourceContext::default()))
    }

    #[test]
    fn every_real_daily_list() {
        let Some(dir) = test_data::dir() else { return };
        let mut total = 0;
        let mut files = 0;
        for path in glob::glob(&format!("{}/hf-daily/*.json", dir.display())).unwrap() {
            let path = path.unwrap();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let file = std::fs::File::open(&path).unwrap();
            let (records, issues) = test_data::split(parse(std::io::BufReader::new(file), SourceContext::default()));
            assert!(issues.is_empty(), "{name}: {issues:?}");
            let day = NaiveDate::parse_from_str(&name, "%Y-%m-%d").unwrap();
            for record in &records {
                assert_eq!(record.daily.len(), 1);
                assert_eq!(record.daily[0].day, day, "{name}: {}", record.paper.id);
                assert_eq!(record.daily[0].source, "hf");
                assert_eq!(record.paper.version, None);
                assert_eq!(record.paper.as_of, None);
                assert!(!record.paper.authors.is_empty());
            }
            total += records.len();
            files += 1;
        }
        assert_eq!((files, total), (106, 2366), "the README's counts");
    }

    #[test]
    fn entry_fields_from_a_real_list() {
        let Some(input) = test_data::open("hf-daily/2026-01-02.json") else {
            return;
        };
        let (records, _) = test_data::split(parse(input, SourceContext::default()));
        let first = &records[0];
        assert_eq!(first.paper.id.as_str(), "2512.24617");
        assert_eq!(
            first.paper.title,
            "Dynamic Large Concept Models: Latent Reasoning in an Adaptive Semantic Space"
        );
        assert_eq!(first.paper.authors.len(), 19);
        assert_eq!(first.paper.authors[0], "Xingwei Qu");
        assert_eq!(first.paper.published, Some("2025-12-31T04:19:33Z".parse().unwrap()));
        let entry = &first.daily[0];
        assert_eq!(entry.upvotes, 12);
        assert_eq!(entry.comments, 1);
        assert_eq!(entry.submitted_by.as_deref(), Some("ScottQu"));
    }

    #[test]
    fn python_repr_dump_is_rejected_entry_by_entry() {
        let Some(input) = test_data::open("samples/hf-daily_papers-2025-01-10-malformed.json") else {
            return;
        };
        let (records, issues) = test_data::split(parse(input, SourceContext::default()));
        assert!(records.is_empty());
        assert_eq!(issues.len(), 9);
        assert_eq!(issues[0].record.as_deref(), Some("entry 1"));
        assert_eq!(
            issues[0].message,
            "expected a JSON object, found a string — this looks like a Python repr, not JSON"
        );
        assert!(issues.iter().all(|i| i.kind == IssueKind::Record));
    }

    #[test]
    fn wrapper_object_and_optional_keys() {
        let json = r#"{"status": "success", "data": [
            {"paper": {"id": "2601.00001", "title": "  A <script>x</script>\n title ",
                       "submittedOnDailyAt": "2026-01-05T08:00:00.000Z",
                       "githubRepo": "https://github.com/a/b", "projectPage": null,
                       "submittedOnDailyBy": {"user": "someone"}, "newKey": [1, 2]}},
            {"paper": {"id": "2601.00002", "title": "Fallback day"},
             "publishedAt": "2026-01-04T23:00:00.000Z", "numComments": 4}
        ]}"#;
        let (records, issues) = parse_str(json);
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(records[0].paper.title, "A <script>x</script> title");
        assert_eq!(records[0].paper.code_url.as_deref(), Some("https://github.com/a/b"));
        assert_eq!(records[0].paper.project_url, None);
        assert_eq!(records[0].daily[0].upvotes, 0);
        assert_eq!(records[0].daily[0].submitted_by.as_deref(), Some("someone"));
        assert_eq!(records[1].daily[0].day, NaiveDate::from_ymd_opt(2026, 1, 4).unwrap());
        assert_eq!(records[1].daily[0].comments, 4);
    }

    #[test]
    fn ai_summary_and_keywords_are_kept_tidied() {
        let json = r#"[
            {"paper": {"id": "2601.00001", "title": "T", "submittedOnDailyAt": "2026-01-05T08:00:00Z",
                       "ai_summary": "  A model\n  that learns. ",
                       "ai_keywords": ["diffusion  models", "", "diffusion models", "LLM"]}},
            {"paper": {"id": "2601.00002", "title": "U", "submittedOnDailyAt": "2026-01-05T08:00:00Z",
                       "ai_summary": "   ", "ai_keywords": null}}
        ]"#;
        let (records, issues) = parse_str(json);
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(records[0].paper.ai_summary.as_deref(), Some("A model that learns."));
        assert_eq!(records[0].paper.ai_keywords, ["diffusion models", "LLM"]);
        assert_eq!(records[1].paper.ai_summary, None, "a blank summary is none");
        assert!(records[1].paper.ai_keywords.is_empty());
    }

    #[test]
    fn bad_entries_do_not_stop_the_list() {
        let json = r#"[
            {"paper": {"id": 5, "title": "Wrong id type"}},
            {"paper": {"id": "nonsense", "title": "Bad id"}},
            {"paper": {"id": "2601.00003"}, "publishedAt": "2026-01-04T23:00:00Z"},
            {"paper": {"id": "2601.00004", "title": "No day"}},
            {"nopaper": true},
            7,
            {"paper": {"id": "2601.00005", "title": "Good", "submittedOnDailyAt": "2026-01-05T08:00:00Z",
                       "upvotes": 3}}
        ]"#;
        let (records, issues) = parse_str(json);
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].daily[0].upvotes, 3);
        let labels: Vec<_> = issues.iter().map(|i| i.record.clone().unwrap()).collect();
        assert_eq!(
            labels,
            ["entry 1", "entry 2", "entry 3", "entry 4", "entry 5", "entry 6"]
        );
        assert!(issues[0].message.contains("invalid type"), "{}", issues[0].message);
        assert!(issues[2].message.contains("missing title"));
        assert!(issues[3].message.contains("no day"));
        assert!(issues[4].message.contains("missing field `paper`"));
        assert_eq!(issues[5].message, "expected a JSON object, found a number");
    }

    #[test]
    fn malformed_json_is_one_fatal_issue_with_position() {
        let (records, issues) = parse_str("[\n {\"paper\": {\"id\": \"2601.00001\",}\n]");
        assert!(records.is_empty());
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].kind, IssueKind::Fatal);
        assert!(issues[0].message.contains("line 2 column"), "{}", issues[0].message);
        for bad in ["", "\"just a string\"", "{\"status\": \"error\"}"] {
            let (_, issues) = parse_str(bad);
            assert_eq!(issues.len(), 1, "{bad}");
            assert_eq!(issues[0].kind, IssueKind::Fatal, "{bad}");
        }
    }

    #[test]
    fn huge_abstract_is_capped_with_a_warning() {
        let summary = "a".repeat(20_000);
        let json = format!(
            r#"[{{"paper": {{"id": "2601.00001", "title": "T", "summary": "{summary}",
                "submittedOnDailyAt": "2026-01-05T08:00:00Z"}}}}]"#
        );
        let (records, _) = parse_str(&json);
        assert_eq!(records[0].paper.abstract_text.len(), 10_000);
        assert_eq!(records[0].warnings.len(), 1);
    }
}
