//! Rate-limit counters shared through PostgreSQL (the embedded store counts in memory).

use crate::support;

use std::time::Duration;

use paperboy_store::{PostgresStore, RateLimitStore};

#[test]
fn counts_are_shared_between_handles_per_bucket_and_window() {
    let Some(b) = support::backends().into_iter().find(|b| b.name == "postgres") else {
        return;
    };
    let url = b.database_url().unwrap();
    let (one, two) = (
        PostgresStore::connect(url).unwrap(),
        PostgresStore::connect(url).unwrap(),
    );
    let hour = Duration::from_secs(3600);
    let counts: Vec<u32> = (0..6)
        .map(|i| {
            let handle: &dyn RateLimitStore = if i % 2 == 0 { &one } else { &two };
            handle.count_event("sign_in:203.0.113.9", hour).unwrap().0
        })
        .collect();
    assert_eq!(counts, [1, 2, 3, 4, 5, 6], "one count across handles");
    let (other, left) = one.count_event("sign_in:198.51.100.7", hour).unwrap();
    assert_eq!(other, 1, "buckets are independent");
    assert!(left <= hour && left > Duration::ZERO, "{left:?}");

    // A window ends, and the count starts again.
    let short = Duration::from_millis(300);
    let first = one.count_event("vote:user:1", short).unwrap();
    std::thread::sleep(first.1 + Duration::from_millis(50));
    assert_eq!(two.count_event("vote:user:1", short).unwrap().0, 1, "a new window");
}

#[test]
fn concurrent_events_are_all_counted() {
    let Some(b) = support::backends().into_iter().find(|b| b.name == "postgres") else {
        return;
    };
    let url = b.database_url().unwrap().to_string();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                let store = PostgresStore::connect(&url).unwrap();
                (0..25)
                    .map(|_| {
                        store
                            .count_event("comment:user:7", Duration::from_secs(3600))
                            .unwrap()
                            .0
                    })
                    .max()
                    .unwrap()
            })
        })
        .collect();
    let highest = threads.into_iter().map(|t| t.join().unwrap()).max().unwrap();
    assert_eq!(highest, 200, "no event lost");
}

#[test]
fn peeking_reads_the_current_window_and_adds_nothing() {
    let Some(b) = support::backends().into_iter().find(|b| b.name == "postgres") else {
        return;
    };
    let url = b.database_url().unwrap();
    let (one, two) = (
        PostgresStore::connect(url).unwrap(),
        PostgresStore::connect(url).unwrap(),
    );
    let hour = Duration::from_secs(3600);
    let (none, left) = one.peek_count("sign_in:account:7", hour).unwrap();
    assert_eq!(none, 0, "a bucket never counted");
    assert!(left <= hour && left > Duration::ZERO, "{left:?}");
    for _ in 0..3 {
        one.count_event("sign_in:account:7", hour).unwrap();
    }
    // Reading adds nothing, however often, from any handle.
    for handle in [&one, &two, &one] {
        assert_eq!(handle.peek_count("sign_in:account:7", hour).unwrap().0, 3);
    }
    assert_eq!(
        two.count_event("sign_in:account:7", hour).unwrap().0,
        4,
        "counting goes on from there"
    );
    assert_eq!(
        one.peek_count("sign_in:account:8", hour).unwrap().0,
        0,
        "buckets are independent"
    );

    // Once the window ends, the old count reads as none (its row is still there).
    let short = Duration::from_millis(300);
    let (_, left) = one.count_event("sign_in:failed:203.0.113.9", short).unwrap();
    assert_eq!(one.peek_count("sign_in:failed:203.0.113.9", short).unwrap().0, 1);
    std::thread::sleep(left + Duration::from_millis(50));
    assert_eq!(
        two.peek_count("sign_in:failed:203.0.113.9", short).unwrap().0,
        0,
        "a new window"
    );
}
