//! The inputs of a reader's ranking: the window's papers, and the reader's signals with the
//! vectors of the papers they name.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{Days, NaiveDate};
use paperboy_domain::{ArxivId, PaperDocument};
use paperboy_recommend::{Disliked, Liked, Liking, SavedSearch, Signals, Weights};
use paperboy_search::Searcher;
use paperboy_store::{Backend, FollowKind, Page};

use crate::{ForYouError, Models};

/// Candidates one ranking considers at most (the speed target is set at 10,000).
pub const MAX_CANDIDATES: usize = 10_000;
/// Liked papers (the most recent) and "not interested" marks read per ranking.
const MAX_LIKED: usize = 300;
const MAX_DISLIKED: usize = 300;
/// Calendar days looked back per announcement day asked for (weekends and holidays have none).
const CALENDAR_SPAN: u64 = 4;

/// The papers of a window of announcement days (shared: every reader's ranking of the same
/// window reads the same documents).
#[derive(Clone)]
pub struct Window {
    pub from: NaiveDate,
    pub until: NaiveDate,
    pub days: Vec<NaiveDate>,
    pub papers: Vec<Arc<PaperDocument>>,
}

/// The last `days` days with announcements (or daily lists) up to the latest such day on or
/// before `today`: their announced papers and the papers on their daily lists, each once.
pub fn window(store: &dyn Backend, today: NaiveDate, days: u32) -> Result<Window, ForYouError> {
    let latest_list = store.latest_daily_day(Some(today))?;
    let latest_announced = store.latest_announced_day(today)?;
    let until = latest_list.max(latest_announced).unwrap_or(today);
    let mut seen: HashSet<String> = HashSet::new();
    let mut papers = Vec::new();
    let mut found_days = Vec::new();
    let mut day = until;
    let oldest = until - Days::new(u64::from(days) * CALENDAR_SPAN);
    while found_days.len() < days as usize && day >= oldest && papers.len() < MAX_CANDIDATES {
        let room = (MAX_CANDIDATES - papers.len()) as u64;
        let announced = store.announced_on(day, None, Page { offset: 0, limit: room })?;
        let listed = store.daily_list(day)?;
        if !announced.is_empty() || !listed.is_empty() {
            found_days.push(day);
        }
        for doc in announced.into_iter().chain(listed) {
            if papers.len() < MAX_CANDIDATES && seen.insert(doc.paper.id.to_string()) {
                papers.push(Arc::new(doc));
            }
        }
        day = match day.pred_opt() {
            Some(d) => d,
            None => break,
        };
    }
    let from = found_days.last().copied().unwrap_or(until);
    found_days.reverse();
    Ok(Window {
        from,
        until,
        days: found_days,
        papers,
    })
}

/// The vector of each paper, by id, from the search engine's in-memory index (not a store query
/// per paper); papers not embedded yet are left out.
fn vectors(searcher: &Searcher, ids: &[String]) -> Result<Vec<(String, Vec<f32>)>, ForYouError> {
    let raw: HashMap<ArxivId, &String> = ids
        .iter()
        .filter_map(|raw| Some((ArxivId::parse(raw).ok()?, raw)))
        .collect();
    let parsed: Vec<ArxivId> = ids.iter().filter_map(|raw| ArxivId::parse(raw).ok()).collect();
    Ok(searcher
        .vectors_of(&parsed)
        .into_iter()
        .filter_map(|(id, vector)| Some(((*raw.get(&id)?).clone(), vector)))
        .collect())
}

/// What `reader` told paperboy, as the recommender takes it.
pub fn signals(store: &dyn Backend, searcher: &Searcher, models: &Models, reader: i64) -> Result<Signals, ForYouError> {
    // `upvoted_by` is newest first; the recommender wants signals in the order they were given.
    let mut upvoted = store.upvoted_by(reader, MAX_LIKED)?;
    upvoted.reverse();
    let mut liked: Vec<Liked> = vectors(searcher, &upvoted)?
        .into_iter()
        .map(|(id, vector)| Liked {
            id,
            vector,
            how: Liking::Upvoted,
            text: String::new(),
            authors: Vec::new(),
        })
        .collect();
    // The library (saved and imported papers) counts as liked too, each paper once.
    let mut saved: Vec<String> = store
        .library(
            reader,
            Page {
                offset: 0,
                limit: MAX_LIKED as u64,
            },
        )?
        .into_iter()
        .map(|p| p.id)
        .filter(|id| !upvoted.contains(id))
        .collect();
    saved.reverse();
    liked.extend(vectors(searcher, &saved)?.into_iter().map(|(id, vector)| Liked {
        id,
        vector,
        how: Liking::Saved,
        text: String::new(),
        authors: Vec::new(),
    }));
    // Their words, for the keyword part: only the most recent ones are read by the ranking.
    let recent = liked.len().saturating_sub(Weights::default().recent_liked);
    for paper in &mut liked[recent..] {
        (paper.text, paper.authors) = models.words_of(store, &paper.id)?;
    }
    let mut marked: Vec<String> = store
        .not_interested(reader, MAX_DISLIKED)?
        .into_iter()
        .map(|n| n.paper_id)
        .collect();
    marked.reverse();
    let mut with_vectors: std::collections::HashMap<String, Vec<f32>> =
        vectors(searcher, &marked)?.into_iter().collect();
    let dim = searcher.embedding_dim().unwrap_or(crate::FALLBACK_DIM);
    // A paper not embedded yet is still left out of the list: a zero vector lowers nothing.
    let not_interested: Vec<Disliked> = marked
        .into_iter()
        .map(|id| {
            let vector = with_vectors.remove(&id).unwrap_or_else(|| vec![0.0; dim]);
            Disliked { id, vector }
        })
        .collect();
    let (mut authors, mut categories) = (Vec::new(), Vec::new());
    for follow in store.follows(reader)? {
        match follow.kind {
            FollowKind::Author => authors.push(follow.value),
            FollowKind::Category => categories.push(follow.value),
        }
    }
    let mut saved_searches = Vec::new();
    for saved in store.saved_searches(reader)? {
        let terms = paperboy_search::query_terms(&saved.query)
            .into_iter()
            .map(|t| t.to_lowercase())
            .collect();
        let vector = if paperboy_search::Mode::parse(&saved.mode) == Some(paperboy_search::Mode::Lexical) {
            None
        } else {
            models.query_vector(searcher, &saved.query)?
        };
        saved_searches.push(SavedSearch {
            name: saved.name,
            terms,
            vector,
        });
    }
    Ok(Signals {
        liked,
        not_interested,
        authors,
        categories,
        saved_searches,
    })
}
