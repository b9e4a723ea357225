//! Speed of "For you": ranking 10,000 candidates for one reader, and refitting after one vote.
//!
//! The real pool has about 1,200 papers; the 10,000 candidates are those plus copies of them
//! with their vectors moved a little (Gaussian noise, renormalised: cosine ≈ 0.9 to the
//! original) under new ids — synthetic, and said so next to the numbers.
//!
//! Times are this thread's CPU time (Linux's /proc/thread-self/schedstat, in nanoseconds): on a
//! machine shared with other work, wall-clock time measures the neighbours; CPU time is what one
//! request costs a core. Wall-clock medians are printed beside them.

use std::time::Instant;

use paperboy_recommend::{
    normalise, rank, Candidate, Disliked, Lexicon, Liked, Liking, ReaderModel, SavedSearch, Signals, Training, Weights,
};

use crate::recommend_eval::Corpus;

const CANDIDATES: usize = 10_000;
const RUNS: usize = 100;

pub fn run(corpus: &Corpus<'_>) -> anyhow::Result<()> {
    let real = corpus.candidates();
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut gaussian = move || {
        // Box–Muller from a xorshift.
        let mut uniform = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f32 / (1u64 << 53) as f32
        };
        let (u, v) = (uniform().max(1e-9), uniform());
        (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos()
    };
    let mut synthetic: Vec<(String, Vec<f32>, usize)> = Vec::new();
    for n in real.len()..CANDIDATES {
        let origin = n % real.len();
        let mut v: Vec<f32> = real[origin].vector.iter().map(|x| x + 0.025 * gaussian()).collect();
        normalise(&mut v);
        synthetic.push((format!("synthetic-{n}"), v, origin));
    }
    let mut candidates: Vec<Candidate<'_>> = real.clone();
    candidates.extend(synthetic.iter().map(|(id, v, origin)| Candidate {
        id,
        vector: v,
        ..real[*origin]
    }));
    println!(
        "speed: {} candidates ({} real, the rest synthetic copies), {RUNS} runs each",
        candidates.len(),
        real.len()
    );
    // Once per window (the web layer keeps it until the window changes).
    let (mut builds, mut lexicon) = (Vec::new(), Lexicon::default());
    for _ in 0..5 {
        let started = cpu_ms();
        lexicon = Lexicon::new(&candidates);
        builds.push(cpu_ms() - started);
    }
    println!(
        "lexicon of the 10,000 candidates (once per window): {:.1} ms CPU (median of 5)",
        percentile(&mut builds, 0.5)
    );
    println!("| reader | shortlist | rank p50 ms | rank p99 ms | (wall p50 ms) | cold fit ms | refit after a vote p50 ms | p99 ms | model JSON bytes |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (name, liked, dismissed) in [
        ("light: 10 upvotes, 5 not interested", 10, 5),
        ("heavy: 300 upvotes, 50 not interested", 300, 50),
    ] {
        let signals = reader(&candidates, liked, dismissed);
        for shortlist in [0, Weights::default().shortlist] {
            let weights = Weights {
                shortlist,
                ..Weights::default()
            };
            let training = Training::default();
            let mut model = ReaderModel::new(384, 7);
            let started = cpu_ms();
            model.refit(&signals, &candidates, &training)?;
            let cold = cpu_ms() - started;
            let (mut ranks, mut walls) = (Vec::with_capacity(RUNS), Vec::with_capacity(RUNS));
            for _ in 0..RUNS {
                let (started, cpu) = (Instant::now(), cpu_ms());
                let ranked = rank(&model, &signals, &candidates, &lexicon, &weights)?;
                ranks.push(cpu_ms() - cpu);
                walls.push(started.elapsed().as_secs_f64() * 1000.0);
                std::hint::black_box(ranked);
            }
            // One more upvote each time, refitted from the previous weights.
            let mut refits = Vec::with_capacity(RUNS);
            let mut growing = signals.clone();
            let mut warm = model.clone();
            for n in 0..RUNS {
                let c = &candidates[(n * 37 + 11) % candidates.len()];
                growing.liked.push(Liked {
                    id: c.id.to_string(),
                    vector: c.vector.to_vec(),
                    how: Liking::Upvoted,
                    text: c.text.to_string(),
                    authors: c.authors.to_vec(),
                });
                let started = cpu_ms();
                warm.refit(&growing, &candidates, &training)?;
                refits.push(cpu_ms() - started);
                growing.liked.pop();
            }
            let bytes = serde_json_size(&model);
            println!(
                "| {name} | {} | {:.2} | {:.2} | ({:.1}) | {cold:.2} | {:.2} | {:.2} | {bytes} |",
                if shortlist == 0 {
                    "all".to_string()
                } else {
                    shortlist.to_string()
                },
                percentile(&mut ranks, 0.5),
                percentile(&mut ranks, 0.99),
                percentile(&mut walls, 0.5),
                percentile(&mut refits, 0.5),
                percentile(&mut refits, 0.99)
            );
        }
    }
    Ok(())
}

/// A reader with `liked` upvotes and `dismissed` "not interested" spread over the candidates,
/// two saved searches (terms) and three followed authors and two categories.
fn reader(candidates: &[Candidate<'_>], liked: usize, dismissed: usize) -> Signals {
    let at = |n: usize| &candidates[(n * 7919) % candidates.len()];
    Signals {
        liked: (0..liked)
            .map(|n| Liked {
                id: at(n).id.to_string(),
                vector: at(n).vector.to_vec(),
                how: Liking::Upvoted,
                text: at(n).text.to_string(),
                authors: at(n).authors.to_vec(),
            })
            .collect(),
        not_interested: (liked..liked + dismissed)
            .map(|n| Disliked {
                id: at(n).id.to_string(),
                vector: at(n).vector.to_vec(),
            })
            .collect(),
        authors: (0..3).filter_map(|n| at(1000 + n).authors.first().cloned()).collect(),
        categories: vec!["cs.RO".to_string(), "cs.CL".to_string()],
        saved_searches: vec![
            SavedSearch {
                name: "diffusion video".to_string(),
                terms: vec!["diffusion".to_string(), "video".to_string()],
                vector: None,
            },
            SavedSearch {
                name: "reward models".to_string(),
                terms: vec!["reward model".to_string()],
                vector: None,
            },
        ],
    }
}

fn serde_json_size(model: &ReaderModel) -> usize {
    serde_json::to_string(model).map_or(0, |s| s.len())
}

/// This thread's CPU time so far, in milliseconds.
fn cpu_ms() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |ns| ns / 1e6)
}

fn percentile(values: &mut [f64], q: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    values[((values.len() as f64 - 1.0) * q).round() as usize]
}
