//! Queries first: a search's embedding does not wait for background (bulk) embedding. The
//! bulk call is held mid-batch through the embedder's test seam, so the test shows the query
//! completing while the background work provably holds its session. Needs scripts/setup.

use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use paperboy_embed::{EmbedOptions, Embedder, Tuning};

/// Where the held bulk batch is: reached the seam, and whether it may go on.
#[derive(Default)]
struct Hold {
    state: Mutex<(bool, bool)>,
    changed: Condvar,
}

impl Hold {
    fn wait_until(&self, done: impl Fn(&(bool, bool)) -> bool) {
        let mut state = self.state.lock().unwrap();
        while !done(&state) {
            state = self.changed.wait(state).unwrap();
        }
    }

    fn set(&self, change: impl FnOnce(&mut (bool, bool))) {
        change(&mut self.state.lock().unwrap());
        self.changed.notify_all();
    }
}

#[test]
fn a_query_is_embedded_while_a_background_batch_holds_its_session() {
    // One bulk session: without a session of its own, the query would wait for the held batch.
    let tuning = Tuning {
        sessions: 1,
        threads_per_session: 1,
        batch_size: 1,
        ..Tuning::for_threads(1)
    };
    let mut embedder = Embedder::load_tuned(&EmbedOptions::default(), tuning)
        .unwrap_or_else(|error| panic!("{error}\n(run scripts/setup for the model and ONNX Runtime)"));
    let hold = Arc::new(Hold::default());
    let seam = hold.clone();
    embedder.on_bulk_batch(move || {
        seam.set(|(reached, _)| *reached = true);
        seam.wait_until(|(_, released)| *released);
    });
    let embedder = Arc::new(embedder);

    let background = {
        let embedder = embedder.clone();
        std::thread::spawn(move || embedder.embed(&["A paper on graph neural networks", "Another on robotics"]))
    };
    hold.wait_until(|(reached, _)| *reached);

    let (sent, answer) = mpsc::channel();
    {
        let embedder = embedder.clone();
        std::thread::spawn(move || sent.send(embedder.embed_query("video generation with diffusion models")));
    }
    // A bound on a failure, not a wait for success: the query finishes while the batch is held.
    let query = answer
        .recv_timeout(Duration::from_secs(120))
        .expect("the query waited for the held background batch")
        .expect("the query is embedded");
    assert_eq!(query.len(), 384);
    assert!(!hold.state.lock().unwrap().1, "the batch was held while the query ran");

    hold.set(|(_, released)| *released = true);
    let background = background
        .join()
        .unwrap()
        .expect("the background call finishes once released");
    assert_eq!(background.len(), 2);

    // The query path is the same model: the bulk path gives the same vector for the same text.
    let bulk = embedder.embed(&["video generation with diffusion models"]).unwrap();
    let cosine: f32 = bulk[0].iter().zip(&query).map(|(a, b)| a * b).sum();
    assert!(cosine > 0.9999, "cosine {cosine}");
}

/// The nice value of the calling thread (Linux: field 19 of /proc/thread-self/stat).
#[cfg(target_os = "linux")]
fn this_threads_nice() -> i32 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
    // The command name (field 2) is in parentheses and may hold spaces; field 3 follows them.
    let after_name = &stat[stat.rfind(')').unwrap() + 1..];
    after_name.split_whitespace().nth(16).unwrap().parse().unwrap()
}

/// Bulk batches run below the caller's CPU priority, so a search's other work (its keyword
/// half, HTTP, rendering) gets a core before the background does; the caller's own thread,
/// which may serve requests next, keeps its priority. Both paths: one session, and batches
/// spread over several.
#[cfg(target_os = "linux")]
#[test]
fn background_batches_run_at_a_lower_priority_than_their_caller() {
    for (sessions, texts) in [(1, 1), (2, 4)] {
        let tuning = Tuning {
            sessions,
            threads_per_session: 1,
            batch_size: 1,
            bulk_nice: 3,
        };
        let mut embedder = Embedder::load_tuned(&EmbedOptions::default(), tuning)
            .unwrap_or_else(|error| panic!("{error}\n(run scripts/setup for the model and ONNX Runtime)"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        embedder.on_bulk_batch(move || record.lock().unwrap().push(this_threads_nice()));

        let caller = this_threads_nice();
        let papers = ["graph neural networks", "robot learning", "protein folding", "speech"];
        let vectors = embedder.embed(&papers[..texts]).unwrap();
        assert_eq!(vectors.len(), texts);
        let expected = (caller + 3).min(19);
        assert_eq!(
            *seen.lock().unwrap(),
            vec![expected; texts],
            "{sessions} session(s): every batch below the caller's nice {caller}"
        );
        assert_eq!(this_threads_nice(), caller, "the caller keeps its priority");
    }
}
