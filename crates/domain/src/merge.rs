//! How a record from a source is merged into what the store already holds.
//!
//! The rules, in one place so that every source and both storage backends agree:
//! - A record is *newer* than the stored paper when its version is higher, or, with equal or
//!   unknown versions, when it was seen later (`as_of`). A record that says neither (Hugging
//!   Face lists carry no version) is *older* than any stored paper that says one.
//! - A newer (or equally fresh) record overwrites every field it provides; fields it lacks are kept.
//! - An older record only fills fields that are still empty: old data never overwrites new.
//! - The version list is the union of both; the announcement day is the earliest one seen.
//!
//! Merging is idempotent (merging the same record twice changes nothing), which is what makes
//! re-running an interrupted ingest safe.

use std::cmp::Ordering;

use crate::paper::{DailyEntry, Paper};

/// Merges `incoming` into `existing`; returns the merged paper when it differs from `existing`.
///
/// A record that only re-confirms what is stored (same content, seen later — e.g. a listing
/// archive repeating the previous day's list) changes nothing, not even `as_of`.
pub fn merge_paper(existing: &Paper, incoming: &Paper) -> Option<Paper> {
    let merged = merged(existing, incoming);
    let same_content = Paper {
        as_of: existing.as_of,
        ..merged.clone()
    } == *existing;
    (!same_content).then_some(merged)
}

fn merged(existing: &Paper, incoming: &Paper) -> Paper {
    let incoming_wins = freshness(incoming, existing) != Ordering::Less;
    let mut out = existing.clone();

    let pick_text = |old: &mut String, new: &String| {
        if !new.is_empty() && (incoming_wins || old.is_empty()) {
            *old = new.clone();
        }
    };
    pick_text(&mut out.title, &incoming.title);
    pick_text(&mut out.abstract_text, &incoming.abstract_text);

    let pick_list = |old: &mut Vec<String>, new: &Vec<String>| {
        if !new.is_empty() && (incoming_wins || old.is_empty()) {
            *old = new.clone();
        }
    };
    pick_list(&mut out.authors, &incoming.authors);
    pick_list(&mut out.categories, &incoming.categories);

    let pick = |old: &mut Option<String>, new: &Option<String>| {
        if new.is_some() && (incoming_wins || old.is_none()) {
            old.clone_from(new);
        }
    };
    pick(&mut out.comment, &incoming.comment);
    pick(&mut out.journal_ref, &incoming.journal_ref);
    pick(&mut out.doi, &incoming.doi);
    pick(&mut out.license, &incoming.license);
    pick(&mut out.submitter, &incoming.submitter);
    // Code and project links come only from curated lists, which are never "fresher" than
    // arXiv metadata, yet are the newest word on where the code lives.
    if incoming.code_url.is_some() {
        out.code_url.clone_from(&incoming.code_url);
    }
    if incoming.project_url.is_some() {
        out.project_url.clone_from(&incoming.project_url);
    }
    // The same holds for the lists' machine-written summary and keywords.
    if incoming.ai_summary.is_some() {
        out.ai_summary.clone_from(&incoming.ai_summary);
    }
    if !incoming.ai_keywords.is_empty() {
        out.ai_keywords.clone_from(&incoming.ai_keywords);
    }

    out.published = earliest(existing.published, incoming.published);
    if incoming.updated.is_some() && (incoming_wins || out.updated.is_none()) {
        out.updated = incoming.updated;
    }
    out.announced = earliest(existing.announced, incoming.announced);
    out.as_of = existing.as_of.max(incoming.as_of);
    out.version = existing.version.max(incoming.version);

    for version in &incoming.versions {
        match out.versions.iter_mut().find(|v| v.version == version.version) {
            Some(known) if known.submitted.is_none() => known.submitted = version.submitted,
            Some(_) => {}
            None => out.versions.push(version.clone()),
        }
    }
    out.versions.sort_by_key(|v| v.version);
    out
}

/// Orders `incoming` against `existing`: `Greater` when it is newer, `Less` when older.
fn freshness(incoming: &Paper, existing: &Paper) -> Ordering {
    if let (Some(a), Some(b)) = (incoming.version, existing.version) {
        if a != b {
            return a.cmp(&b);
        }
    }
    if let (Some(a), Some(b)) = (incoming.as_of, existing.as_of) {
        if a != b {
            return a.cmp(&b);
        }
    }
    let says = |p: &Paper| p.version.is_some() || p.as_of.is_some();
    match (says(incoming), says(existing)) {
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => Ordering::Equal,
    }
}

fn earliest<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Merges a re-imported daily entry: the import's counts win (they are the later snapshot),
/// a known submitter is never forgotten. Returns the entry to store when it changed.
pub fn merge_daily(existing: &DailyEntry, incoming: &DailyEntry) -> Option<DailyEntry> {
    let mut out = incoming.clone();
    if out.submitted_by.is_none() {
        out.submitted_by.clone_from(&existing.submitted_by);
    }
    (out != *existing).then_some(out)
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};

    use super::*;
    use crate::arxiv_id::ArxivId;
    use crate::paper::PaperVersion;

    fn paper(version: Option<u32>, title: &str) -> Paper {
        let mut p = Paper::new(ArxivId::parse("2404.01234").unwrap());
        p.version = version;
        p.title = title.into();
        p
    }

    #[test]
    fn same_record_twice_is_unchanged() {
        let p = paper(Some(1), "A");
        assert_eq!(merge_paper(&p, &p), None);
    }

    #[test]
    fn newer_version_overwrites() {
        let merged = merge_paper(&paper(Some(1), "Old"), &paper(Some(2), "New")).unwrap();
        assert_eq!((merged.title.as_str(), merged.version), ("New", Some(2)));
    }

    #[test]
    fn older_version_never_overwrites_but_fills_gaps() {
        let stored = paper(Some(3), "New");
        let mut old = paper(Some(1), "Old");
        old.doi = Some("10.1/x".into());
        let merged = merge_paper(&stored, &old).unwrap();
        assert_eq!(merged.title, "New");
        assert_eq!(merged.version, Some(3));
        assert_eq!(merged.doi.as_deref(), Some("10.1/x"));
        assert_eq!(merge_paper(&merged, &old), None, "idempotent");
    }

    #[test]
    fn later_sighting_wins_when_versions_are_unknown() {
        let mut first = paper(None, "First listing");
        first.as_of = Some(Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap());
        first.announced = NaiveDate::from_ymd_opt(2026, 1, 5);
        let mut replaced = paper(None, "Replacement");
        replaced.as_of = Some(Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap());
        replaced.announced = NaiveDate::from_ymd_opt(2026, 2, 1);

        let forward = merge_paper(&first, &replaced).unwrap();
        assert_eq!(forward.title, "Replacement");
        assert_eq!(
            forward.announced,
            NaiveDate::from_ymd_opt(2026, 1, 5),
            "announced on the first listing"
        );

        // Ingesting in the other order ends in the same state.
        let backward = merge_paper(&replaced, &first).unwrap();
        assert_eq!(backward, forward);
    }

    #[test]
    fn a_later_sighting_of_the_same_content_changes_nothing() {
        let mut first = paper(None, "Same");
        first.as_of = Some(Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap());
        let repeated = Paper {
            as_of: Some(Utc.with_ymd_and_hms(2026, 1, 6, 0, 0, 0).unwrap()),
            ..first.clone()
        };
        assert_eq!(merge_paper(&first, &repeated), None);
    }

    #[test]
    fn source_without_freshness_only_fills() {
        let mut arxiv = paper(Some(1), "arXiv title");
        arxiv.categories = vec!["cs.LG".into()];
        let mut hf = paper(None, "HF title");
        hf.code_url = Some("https://github.com/x/y".into());
        let merged = merge_paper(&arxiv, &hf).unwrap();
        assert_eq!(merged.title, "arXiv title");
        assert_eq!(merged.categories, vec!["cs.LG"]);
        assert_eq!(merged.code_url.as_deref(), Some("https://github.com/x/y"));
    }

    #[test]
    fn versions_are_united() {
        let mut a = paper(Some(1), "T");
        a.versions = vec![PaperVersion {
            version: 1,
            submitted: None,
        }];
        let mut b = paper(Some(2), "T");
        b.versions = vec![PaperVersion {
            version: 2,
            submitted: None,
        }];
        let merged = merge_paper(&a, &b).unwrap();
        assert_eq!(
            merged.versions.iter().map(|v| v.version).collect::<Vec<_>>(),
            vec![1, 2]
        );
    }

    #[test]
    fn daily_reimport_keeps_submitter() {
        let day = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
        let stored = DailyEntry {
            day,
            upvotes: 3,
            comments: 0,
            submitted_by: Some("ana".into()),
            source: "hf".into(),
        };
        let later = DailyEntry {
            upvotes: 40,
            submitted_by: None,
            ..stored.clone()
        };
        let merged = merge_daily(&stored, &later).unwrap();
        assert_eq!((merged.upvotes, merged.submitted_by.as_deref()), (40, Some("ana")));
        assert_eq!(merge_daily(&merged, &later), None);
    }
}

#[cfg(test)]
mod properties;
