//! The ranking behaves as docs/for-you.md says: signals move it, follows and saved searches
//! surface with their reasons, and the same inputs give the same list.
//!
//! Papers here are points around three topics (robotics, language, vision) in a small space,
//! so what each signal should do is known exactly.

use chrono::NaiveDate;
use paperboy_recommend::{
    normalise, rank, Candidate, Disliked, Lexicon, Liked, Liking, Ranked, ReaderModel, Reason, RecommendError,
    SavedSearch, Signals, Training, Weights,
};

const DIM: usize = 16;
const TOPICS: [(&str, &str); 3] = [("robotics", "cs.RO"), ("language", "cs.CL"), ("vision", "cs.CV")];

struct Paper {
    id: String,
    topic: usize,
    vector: Vec<f32>,
    authors: Vec<String>,
    categories: Vec<String>,
    text: String,
}

/// Ten papers per topic: the topic's axis plus a deterministic spread over the other axes.
fn corpus() -> Vec<Paper> {
    let mut papers = Vec::new();
    for (topic, (name, category)) in TOPICS.iter().enumerate() {
        for i in 0..10 {
            let mut vector: Vec<f32> = (0..DIM)
                .map(|d| 0.25 * ((d * 7 + i * 13 + topic * 5) as f32 * 0.9).sin())
                .collect();
            vector[topic] += 1.5;
            normalise(&mut vector);
            papers.push(Paper {
                id: format!("2605.{:05}", topic * 100 + i),
                topic,
                vector,
                authors: vec![format!("Author {topic}-{i}")],
                categories: vec![category.to_string()],
                text: format!("A {name} paper number {i}"),
            });
        }
    }
    papers
}

fn candidates(papers: &[Paper]) -> Vec<Candidate<'_>> {
    papers
        .iter()
        .map(|p| Candidate {
            id: &p.id,
            vector: &p.vector,
            authors: &p.authors,
            categories: &p.categories,
            text: &p.text,
            day: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap_or_default(),
            upvotes: 0,
        })
        .collect()
}

fn upvote(p: &Paper) -> Liked {
    Liked {
        id: p.id.clone(),
        vector: p.vector.clone(),
        how: Liking::Upvoted,
        text: p.text.clone(),
        authors: p.authors.clone(),
    }
}

fn fitted(signals: &Signals, papers: &[Paper]) -> ReaderModel {
    let mut model = ReaderModel::new(DIM, 42);
    model
        .refit(signals, &candidates(papers), &Training::default())
        .expect("vectors of the model's dimension");
    model
}

fn ranking(model: &ReaderModel, signals: &Signals, papers: &[Paper]) -> Vec<Ranked> {
    let candidates = candidates(papers);
    rank(
        model,
        signals,
        &candidates,
        &Lexicon::new(&candidates),
        &Weights::default(),
    )
    .expect("vectors of the model's dimension")
}

/// The mean position (0 = first) of a topic's papers in a ranking.
fn mean_position(ranked: &[Ranked], papers: &[Paper], topic: usize) -> f32 {
    let positions: Vec<usize> = ranked
        .iter()
        .enumerate()
        .filter(|(_, r)| papers[r.index].topic == topic)
        .map(|(i, _)| i)
        .collect();
    positions.iter().sum::<usize>() as f32 / positions.len() as f32
}

fn position(ranked: &[Ranked], papers: &[Paper], id: &str) -> Option<usize> {
    ranked.iter().position(|r| papers[r.index].id == id)
}

#[test]
fn an_upvote_on_a_robotics_paper_moves_robotics_papers_up() {
    let papers = corpus();
    let mut signals = Signals {
        liked: vec![upvote(&papers[10])],
        ..Signals::default()
    };
    let mut model = fitted(&signals, &papers);
    let before = ranking(&model, &signals, &papers);

    signals.liked.push(upvote(&papers[0]));
    model
        .refit(&signals, &candidates(&papers), &Training::default())
        .expect("refit");
    let after = ranking(&model, &signals, &papers);

    assert!(
        mean_position(&after, &papers, 0) < mean_position(&before, &papers, 0) - 5.0,
        "robotics moved from {} to {}",
        mean_position(&before, &papers, 0),
        mean_position(&after, &papers, 0)
    );
    assert_eq!(
        position(&after, &papers, &papers[0].id),
        None,
        "an upvoted paper is not recommended"
    );
    // Both interests now share the top: the first ten hold robotics papers too.
    let top: Vec<usize> = after[..10].iter().map(|r| papers[r.index].topic).collect();
    assert!(top.contains(&0), "a robotics paper is near the top: {top:?}");
    let robotics = after
        .iter()
        .find(|r| papers[r.index].topic == 0)
        .expect("robotics papers ranked");
    assert!(robotics.reasons.contains(&Reason::Like {
        id: papers[0].id.clone(),
        how: Liking::Upvoted
    }));
}

#[test]
fn not_interested_removes_a_paper_and_lowers_its_neighbours() {
    let papers = corpus();
    let mut signals = Signals {
        liked: vec![upvote(&papers[0]), upvote(&papers[20])],
        ..Signals::default()
    };
    let mut model = fitted(&signals, &papers);
    let before = ranking(&model, &signals, &papers);
    let dismissed = &papers[before[0].index];
    let score_of = |ranked: &[Ranked], id: &str| ranked.iter().find(|r| papers[r.index].id == id).map(|r| r.score);
    // The dismissed paper's nearest other candidate.
    let neighbour = papers
        .iter()
        .filter(|p| p.id != dismissed.id && !signals.has_judged(&p.id))
        .max_by(|a, b| {
            paperboy_recommend::dot(&a.vector, &dismissed.vector)
                .total_cmp(&paperboy_recommend::dot(&b.vector, &dismissed.vector))
        })
        .expect("other papers");

    signals.not_interested.push(Disliked {
        id: dismissed.id.clone(),
        vector: dismissed.vector.clone(),
    });
    model
        .refit(&signals, &candidates(&papers), &Training::default())
        .expect("refit");
    let after = ranking(&model, &signals, &papers);

    assert_eq!(
        position(&after, &papers, &dismissed.id),
        None,
        "the dismissed paper is gone"
    );
    let (was, is) = (score_of(&before, &neighbour.id), score_of(&after, &neighbour.id));
    assert!(is < was, "its neighbour's score went from {was:?} to {is:?}");
    assert!(
        position(&after, &papers, &neighbour.id) > position(&before, &papers, &neighbour.id),
        "its neighbour moved down"
    );
    assert!(
        mean_position(&after, &papers, dismissed.topic) > mean_position(&before, &papers, dismissed.topic),
        "its topic moved down"
    );
}

#[test]
fn followed_authors_and_saved_searches_surface_with_their_reasons() {
    let mut papers = corpus();
    papers[25].authors.push("Jane Doe".to_string());
    papers[15].text = "Video diffusion with language prompts".to_string();
    let signals = Signals {
        liked: vec![upvote(&papers[0]), upvote(&papers[1])],
        authors: vec!["jane  doe".to_string()],
        categories: vec!["cs.RO".to_string()],
        saved_searches: vec![SavedSearch {
            name: "diffusion video".to_string(),
            terms: vec!["Diffusion".to_string(), "video".to_string()],
            vector: None,
        }],
        ..Signals::default()
    };
    let model = fitted(&signals, &papers);
    let ranked = ranking(&model, &signals, &papers);

    // Far from what the reader likes, both still come first, marked.
    let first_two: Vec<&str> = ranked[..2].iter().map(|r| papers[r.index].id.as_str()).collect();
    assert!(first_two.contains(&papers[25].id.as_str()) && first_two.contains(&papers[15].id.as_str()));
    assert!(ranked[..2].iter().all(|r| r.surfaced) && !ranked[2].surfaced);
    let reasons = |id: &str| -> Vec<String> {
        let r = ranked.iter().find(|r| papers[r.index].id == id).expect("ranked");
        r.reasons.iter().map(ToString::to_string).collect()
    };
    assert_eq!(reasons(&papers[25].id)[0], "by Jane Doe, whom you follow");
    assert_eq!(
        reasons(&papers[15].id)[0],
        "matches your saved search 'diffusion video'"
    );
    let robotics = reasons(&papers[3].id);
    assert!(
        robotics.contains(&"in cs.RO, which you follow".to_string()),
        "{robotics:?}"
    );
    assert!(robotics
        .iter()
        .any(|r| r.starts_with("like 2605.0000") && r.ends_with("you upvoted")));
}

#[test]
fn a_saved_search_vector_alone_starts_a_new_reader() {
    let papers = corpus();
    let mut query = papers[21].vector.clone();
    query[2] += 0.5;
    normalise(&mut query);
    let signals = Signals {
        saved_searches: vec![SavedSearch {
            name: "vision".to_string(),
            terms: Vec::new(),
            vector: Some(query),
        }],
        ..Signals::default()
    };
    let model = fitted(&signals, &papers);
    assert!(model.is_trained());
    let ranked = ranking(&model, &signals, &papers);
    assert!(ranked[..10].iter().all(|r| papers[r.index].topic == 2));
    assert!(ranked[0].reasons.contains(&Reason::SavedSearch {
        name: "vision".to_string()
    }));
}

#[test]
fn the_same_signals_give_the_same_model_and_ranking() {
    let papers = corpus();
    let signals = Signals {
        liked: vec![upvote(&papers[0]), upvote(&papers[12])],
        not_interested: vec![Disliked {
            id: papers[22].id.clone(),
            vector: papers[22].vector.clone(),
        }],
        ..Signals::default()
    };
    let (a, b) = (fitted(&signals, &papers), fitted(&signals, &papers));
    assert_eq!(a, b);
    let stored = serde_json::to_string(&a).expect("serialisable");
    let loaded: ReaderModel = serde_json::from_str(&stored).expect("deserialisable");
    assert_eq!(ranking(&a, &signals, &papers), ranking(&loaded, &signals, &papers));
}

#[test]
fn a_vector_of_another_dimension_is_refused_with_its_id() {
    let papers = corpus();
    let signals = Signals {
        liked: vec![Liked {
            id: "2605.99999".to_string(),
            vector: vec![0.5; DIM + 1],
            how: Liking::Saved,
            text: String::new(),
            authors: Vec::new(),
        }],
        ..Signals::default()
    };
    let mut model = ReaderModel::new(DIM, 1);
    let error = model
        .refit(&signals, &candidates(&papers), &Training::default())
        .expect_err("wrong dimension");
    assert!(matches!(
        error,
        RecommendError::Dimension {
            found: 17,
            expected: 16,
            ..
        }
    ));
    assert!(error.to_string().contains("2605.99999"));
    assert!(!model.is_trained(), "nothing learnt from a bad signal");
}

#[test]
fn a_liked_papers_rare_words_lift_the_papers_that_share_them() {
    let mut papers = corpus();
    papers[0].text = "Zorblax: grasping with tactile gloves".to_string();
    papers[25].text = "Zorblax grasping applied to images".to_string();
    let with_words = Signals {
        liked: vec![upvote(&papers[0])],
        ..Signals::default()
    };
    // The same upvote without its words: the embedding alone ranks.
    let mut without_words = with_words.clone();
    without_words.liked[0].text.clear();
    let model = fitted(&with_words, &papers);
    let (before, after) = (
        ranking(&model, &without_words, &papers),
        ranking(&model, &with_words, &papers),
    );
    let (was, is) = (
        position(&before, &papers, &papers[25].id).expect("ranked"),
        position(&after, &papers, &papers[25].id).expect("ranked"),
    );
    assert!(
        is + 5 < was,
        "a vision paper sharing the method's name moved from {was} to {is}"
    );
    let shared = after.iter().find(|r| r.index == 25).expect("ranked");
    assert_eq!(
        shared.reasons,
        vec![Reason::Like {
            id: papers[0].id.clone(),
            how: Liking::Upvoted
        }]
    );
}
