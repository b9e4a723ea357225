//! Property tests of the merge rules, against the module's promises: merging is idempotent,
//! older data only fills empty fields, newer data overwrites what it provides, nothing known
//! is lost, and two sightings end in the same paper whichever is ingested first.
//!
//! Fields are drawn from small sets, so that equal and conflicting values both occur often.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use crate::arxiv_id::ArxivId;
use crate::paper::PaperVersion;

fn day(n: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::days(n)
}

/// When version `v` was submitted: one time per version, as arXiv reports it to every source.
fn submitted(v: u32) -> DateTime<Utc> {
    day(i64::from(v) * 30)
}

fn text() -> impl Strategy<Value = String> {
    proptest::sample::select(vec!["", "Alpha", "Beta"]).prop_map(str::to_string)
}

fn list() -> impl Strategy<Value = Vec<String>> {
    proptest::sample::select(vec![vec![], vec!["A"], vec!["A", "B"], vec!["C"]])
        .prop_map(|l| l.into_iter().map(str::to_string).collect())
}

fn optional_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(proptest::sample::select(vec!["x", "y"]).prop_map(str::to_string))
}

fn optional_time() -> impl Strategy<Value = Option<DateTime<Utc>>> {
    proptest::option::of((0i64..4).prop_map(day))
}

fn optional_date() -> impl Strategy<Value = Option<NaiveDate>> {
    proptest::option::of((0i64..4).prop_map(|n| day(n).date_naive()))
}

/// A version list as sources give it: sorted, each version once, its time known or not.
fn versions() -> impl Strategy<Value = Vec<PaperVersion>> {
    proptest::collection::btree_map(1u32..=4, any::<bool>(), 0..4).prop_map(|known| {
        known
            .into_iter()
            .map(|(version, has_time)| PaperVersion {
                version,
                submitted: has_time.then(|| submitted(version)),
            })
            .collect()
    })
}

prop_compose! {
    fn paper()(
        version in proptest::option::of(1u32..=4),
        as_of in optional_time(),
        (title, abstract_text) in (text(), text()),
        (authors, categories) in (list(), list()),
        (comment, journal_ref, doi, license, submitter) in
            (optional_text(), optional_text(), optional_text(), optional_text(), optional_text()),
        (published, updated, announced) in (optional_time(), optional_time(), optional_date()),
        versions in versions(),
        (code_url, project_url) in (optional_text(), optional_text()),
        (ai_summary, ai_keywords) in (optional_text(), list()),
    ) -> Paper {
        Paper {
            id: ArxivId::parse("2404.01234").unwrap(),
            version,
            title,
            abstract_text,
            authors,
            categories,
            comment,
            journal_ref,
            doi,
            license,
            submitter,
            published,
            updated,
            announced,
            versions,
            code_url,
            project_url,
            ai_summary,
            ai_keywords,
            as_of,
        }
    }
}

/// How one record is made older than another, in each way the rules name.
#[derive(Debug, Clone, Copy)]
enum Older {
    /// Both versions known, its own lower.
    LowerVersion,
    /// Versions equal (or one unknown) and seen earlier.
    SeenEarlier { same_version: bool, drop_own: bool },
    /// Says neither version nor sighting, against a record that says one.
    SaysNothing,
}

fn older() -> impl Strategy<Value = Older> {
    prop_oneof![
        Just(Older::LowerVersion),
        (any::<bool>(), any::<bool>())
            .prop_map(|(same_version, drop_own)| Older::SeenEarlier { same_version, drop_own }),
        Just(Older::SaysNothing),
    ]
}

/// A pair `(newer, older)` of records of one paper: `older` is strictly older than `newer`.
fn newer_and_older() -> impl Strategy<Value = (Paper, Paper)> {
    (paper(), paper(), older(), 1u32..3, 1i64..3).prop_map(|(mut newer, mut old, how, gap, days)| {
        match how {
            Older::LowerVersion => {
                let v = old.version.unwrap_or(1);
                old.version = Some(v);
                newer.version = Some(v + gap);
            }
            Older::SeenEarlier { same_version, drop_own } => {
                if same_version {
                    newer.version = old.version;
                } else if drop_own {
                    old.version = None;
                } else {
                    newer.version = None;
                }
                let seen = old.as_of.unwrap_or_else(|| day(0));
                old.as_of = Some(seen);
                newer.as_of = Some(seen + Duration::days(days));
            }
            Older::SaysNothing => {
                old.version = None;
                old.as_of = None;
                if newer.version.is_none() && newer.as_of.is_none() {
                    newer.version = Some(gap);
                }
            }
        }
        (newer, old)
    })
}

/// A pair `(existing, incoming)` where `incoming` is not older: newer, or equally fresh.
fn existing_and_not_older() -> impl Strategy<Value = (Paper, Paper)> {
    prop_oneof![
        newer_and_older().prop_map(|(newer, old)| (old, newer)),
        (paper(), paper()).prop_map(|(mut existing, incoming)| {
            existing.version = incoming.version;
            existing.as_of = incoming.as_of;
            (existing, incoming)
        }),
    ]
}

/// The paper stored after merging `incoming` into `existing`.
fn apply(existing: &Paper, incoming: &Paper) -> Paper {
    merge_paper(existing, incoming).unwrap_or_else(|| existing.clone())
}

/// The version lists united: each number once, its time kept from whichever record knew it.
fn united(a: &[PaperVersion], b: &[PaperVersion]) -> Vec<PaperVersion> {
    let mut by_number: BTreeMap<u32, Option<DateTime<Utc>>> = BTreeMap::new();
    for v in a.iter().chain(b) {
        let known = by_number.entry(v.version).or_default();
        *known = known.or(v.submitted);
    }
    by_number
        .into_iter()
        .map(|(version, submitted)| PaperVersion { version, submitted })
        .collect()
}

fn earliest_of<T: Ord + Copy>(a: Option<T>, b: Option<T>) -> Option<T> {
    [a, b].into_iter().flatten().min()
}

/// What the rules say the merge of a `winner` and a `loser` holds: the winner's fields where it
/// has them, the loser's where it does not. Curated links, dates and versions follow their
/// own rules, whoever wins.
fn expected(existing: &Paper, incoming: &Paper, incoming_wins: bool) -> Paper {
    let (winner, loser) = if incoming_wins {
        (incoming, existing)
    } else {
        (existing, incoming)
    };
    let text = |w: &String, l: &String| if w.is_empty() { l.clone() } else { w.clone() };
    let list = |w: &Vec<String>, l: &Vec<String>| if w.is_empty() { l.clone() } else { w.clone() };
    let option = |w: &Option<String>, l: &Option<String>| w.clone().or_else(|| l.clone());
    Paper {
        id: existing.id.clone(),
        version: existing.version.max(incoming.version),
        title: text(&winner.title, &loser.title),
        abstract_text: text(&winner.abstract_text, &loser.abstract_text),
        authors: list(&winner.authors, &loser.authors),
        categories: list(&winner.categories, &loser.categories),
        comment: option(&winner.comment, &loser.comment),
        journal_ref: option(&winner.journal_ref, &loser.journal_ref),
        doi: option(&winner.doi, &loser.doi),
        license: option(&winner.license, &loser.license),
        submitter: option(&winner.submitter, &loser.submitter),
        published: earliest_of(existing.published, incoming.published),
        updated: winner.updated.or(loser.updated),
        announced: earliest_of(existing.announced, incoming.announced),
        versions: united(&existing.versions, &incoming.versions),
        code_url: option(&incoming.code_url, &existing.code_url),
        project_url: option(&incoming.project_url, &existing.project_url),
        ai_summary: option(&incoming.ai_summary, &existing.ai_summary),
        ai_keywords: list(&incoming.ai_keywords, &existing.ai_keywords),
        as_of: existing.as_of.max(incoming.as_of),
    }
}

/// Checks a merge against [`expected`]. A merge that changes nothing keeps the stored `as_of`
/// (a re-confirmation is not news), so `as_of` is compared only when the merge changed the paper.
fn check_merge(existing: &Paper, incoming: &Paper, incoming_wins: bool) -> Result<(), TestCaseError> {
    let want = expected(existing, incoming, incoming_wins);
    match merge_paper(existing, incoming) {
        Some(merged) => {
            prop_assert_eq!(&merged, &want);
            let content_changed = Paper {
                as_of: existing.as_of,
                ..merged
            } != *existing;
            prop_assert!(content_changed, "a merge that changes only as_of returns None");
        }
        None => prop_assert_eq!(
            existing,
            &Paper {
                as_of: existing.as_of,
                ..want
            }
        ),
    }
    Ok(())
}

prop_compose! {
    fn daily_entry()(
        upvotes in 0i64..3,
        comments in 0i64..3,
        submitted_by in proptest::option::of(proptest::sample::select(vec!["ana", "bo"])),
    ) -> DailyEntry {
        DailyEntry {
            day: day(0).date_naive(),
            upvotes,
            comments,
            submitted_by: submitted_by.map(str::to_string),
            source: "hf".into(),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn merging_the_same_record_twice_changes_nothing(existing in paper(), incoming in paper()) {
        let once = apply(&existing, &incoming);
        prop_assert_eq!(merge_paper(&once, &incoming), None);
    }

    #[test]
    fn an_older_record_only_fills_empty_fields((stored, old) in newer_and_older()) {
        check_merge(&stored, &old, false)?;
    }

    #[test]
    fn a_record_that_is_not_older_overwrites_what_it_provides((stored, new) in existing_and_not_older()) {
        check_merge(&stored, &new, true)?;
    }

    #[test]
    fn nothing_known_is_lost(existing in paper(), incoming in paper()) {
        let merged = apply(&existing, &incoming);
        let has = |p: &Paper| {
            [
                !p.title.is_empty(),
                !p.abstract_text.is_empty(),
                !p.authors.is_empty(),
                !p.categories.is_empty(),
                p.comment.is_some(),
                p.journal_ref.is_some(),
                p.doi.is_some(),
                p.license.is_some(),
                p.submitter.is_some(),
                p.published.is_some(),
                p.updated.is_some(),
                p.announced.is_some(),
                p.code_url.is_some(),
                p.project_url.is_some(),
                p.ai_summary.is_some(),
                !p.ai_keywords.is_empty(),
            ]
        };
        for ((e, i), m) in has(&existing).into_iter().zip(has(&incoming)).zip(has(&merged)) {
            prop_assert!(m || !(e || i), "a field known before the merge is empty after it: {:?}", merged);
        }
        prop_assert_eq!(merged.version, existing.version.max(incoming.version));
        prop_assert_eq!(merged.versions, united(&existing.versions, &incoming.versions));
        prop_assert_eq!(merged.announced, earliest_of(existing.announced, incoming.announced));
    }

    #[test]
    fn two_sightings_end_the_same_in_either_order((newer, old) in newer_and_older()) {
        let old_first = apply(&old, &newer);
        let newer_first = apply(&newer, &old);
        // Curated links are the last word of whichever record came last; as_of is not bumped
        // by a merge that changes nothing. Everything else is the same.
        prop_assert_eq!(&old_first.code_url, &newer.code_url.clone().or(old.code_url.clone()));
        prop_assert_eq!(&newer_first.code_url, &old.code_url.clone().or(newer.code_url.clone()));
        let comparable = |p: &Paper| Paper {
            code_url: None,
            project_url: None,
            ai_summary: None,
            ai_keywords: Vec::new(),
            as_of: None,
            ..p.clone()
        };
        prop_assert_eq!(comparable(&old_first), comparable(&newer_first));
    }

    #[test]
    fn a_daily_reimport_takes_the_new_counts_keeps_the_submitter_and_is_idempotent(
        stored in daily_entry(),
        incoming in daily_entry(),
    ) {
        let merged = merge_daily(&stored, &incoming).unwrap_or_else(|| stored.clone());
        prop_assert_eq!((merged.upvotes, merged.comments), (incoming.upvotes, incoming.comments));
        prop_assert_eq!(
            merged.submitted_by.as_ref(),
            incoming.submitted_by.as_ref().or(stored.submitted_by.as_ref())
        );
        prop_assert_eq!(merge_daily(&merged, &incoming), None);
    }
}
