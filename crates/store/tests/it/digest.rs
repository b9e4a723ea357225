//! Digest subscribers, the delivery ledger and leases, on every backend: exactly-once delivery
//! must hold with several instances sharing one database, so the races are tested too.

use crate::support;

use std::sync::Barrier;
use std::time::Duration;

use paperboy_store::{
    Backend, Claim, CreateUserOutcome, DeliveryState, Frequency, NewUser, Subscriber, SubscriberStatus,
};

fn subscribe(store: &dyn Backend, email: &str) -> Subscriber {
    store
        .add_subscriber(email, Frequency::Daily, &[], SubscriberStatus::Active)
        .unwrap()
        .0
}

#[test]
fn a_delivery_is_claimed_until_sent_then_never_again() {
    for b in support::backends() {
        let store = &*b.store;
        let (s, created) = store
            .add_subscriber(
                "a@example.org",
                Frequency::Daily,
                &["llm".into()],
                SubscriberStatus::Active,
            )
            .unwrap();
        assert!(created, "{}", b.name);
        let again = store
            .add_subscriber("a@example.org", Frequency::Weekly, &[], SubscriberStatus::Pending)
            .unwrap();
        assert_eq!(
            again,
            (s.clone(), false),
            "{}: a known address comes back unchanged",
            b.name
        );

        let claim = store
            .claim_delivery(s.id, Frequency::Daily, "2026-05-01", "<m@x>")
            .unwrap();
        assert_eq!(claim, Claim::Claimed { attempts: 1 }, "{}", b.name);
        // A crash here leaves the row pending: the next run claims it again.
        let claim = store
            .claim_delivery(s.id, Frequency::Daily, "2026-05-01", "<m@x>")
            .unwrap();
        assert_eq!(claim, Claim::Claimed { attempts: 2 }, "{}", b.name);
        assert!(store.papers_sent(s.id, 10).unwrap().is_empty(), "{}", b.name);
        let for_you = ["2605.00002".to_string(), "2605.00001".to_string()];
        store.mark_sent(s.id, Frequency::Daily, "2026-05-01", &for_you).unwrap();
        assert_eq!(
            store.papers_sent(s.id, 10).unwrap(),
            ["2605.00001", "2605.00002"],
            "{}: the For you papers are recorded with the ledger's sent",
            b.name
        );
        assert_eq!(store.papers_sent(s.id, 1).unwrap().len(), 1, "{}", b.name);
        let claim = store
            .claim_delivery(s.id, Frequency::Daily, "2026-05-01", "<m@x>")
            .unwrap();
        assert_eq!(claim, Claim::AlreadySent, "{}", b.name);

        let ledger = store.deliveries(Frequency::Daily, "2026-05-01").unwrap();
        assert_eq!(ledger.len(), 1, "{}", b.name);
        assert_eq!(
            (ledger[0].state, ledger[0].attempts, ledger[0].message_id.as_str()),
            (DeliveryState::Sent, 2, "<m@x>"),
            "{}",
            b.name
        );
        assert!(
            store.deliveries(Frequency::Weekly, "2026-05-01").unwrap().is_empty(),
            "{}",
            b.name
        );
    }
}

#[test]
fn repeated_hard_bounces_pause_the_subscriber() {
    for b in support::backends() {
        let store = &*b.store;
        let s = subscribe(store, "b@example.org");
        for (n, period) in ["d1", "d2", "d3"].into_iter().enumerate() {
            store.claim_delivery(s.id, Frequency::Daily, period, "<m@x>").unwrap();
            store
                .mark_failed(s.id, Frequency::Daily, period, "550 no such user", true, 3)
                .unwrap();
            let now = store.subscriber(s.id).unwrap().unwrap();
            assert_eq!(now.hard_bounces, n as u32 + 1, "{}", b.name);
            let expected = if n < 2 {
                SubscriberStatus::Active
            } else {
                SubscriberStatus::Paused
            };
            assert_eq!(now.status, expected, "{}: after {} bounces", b.name, n + 1);
        }
        let claim = store.claim_delivery(s.id, Frequency::Daily, "d1", "<m@x>").unwrap();
        assert_eq!(claim, Claim::PermanentlyFailed, "{}", b.name);
        let ledger = store.deliveries(Frequency::Daily, "d1").unwrap();
        assert_eq!(
            (ledger[0].state, ledger[0].permanent, ledger[0].last_error.as_deref()),
            (DeliveryState::Failed, true, Some("550 no such user")),
            "{}",
            b.name
        );

        // A temporary failure is retried and counts no bounce.
        store.claim_delivery(s.id, Frequency::Daily, "d4", "<m@x>").unwrap();
        store
            .mark_failed(s.id, Frequency::Daily, "d4", "421 try later", false, 3)
            .unwrap();
        let claim = store.claim_delivery(s.id, Frequency::Daily, "d4", "<m@x>").unwrap();
        assert_eq!(claim, Claim::Claimed { attempts: 2 }, "{}", b.name);
        assert_eq!(store.subscriber(s.id).unwrap().unwrap().hard_bounces, 3, "{}", b.name);

        // Confirming again resumes sending and forgets the bounces.
        assert!(
            store.set_subscriber_status(s.id, SubscriberStatus::Active).unwrap(),
            "{}",
            b.name
        );
        let now = store.subscriber(s.id).unwrap().unwrap();
        assert_eq!(
            (now.status, now.hard_bounces),
            (SubscriberStatus::Active, 0),
            "{}",
            b.name
        );
    }
}

#[test]
fn subscribers_keep_their_preferences_until_removed() {
    for b in support::backends() {
        let store = &*b.store;
        let topics = vec!["large language models".to_string(), "\"quoted\" ü".to_string()];
        let (pending, _) = store
            .add_subscriber("p@example.org", Frequency::Weekly, &topics, SubscriberStatus::Pending)
            .unwrap();
        assert_eq!(
            (
                pending.frequency,
                &pending.topics,
                pending.status,
                pending.confirmed_at,
                pending.like_upvoted
            ),
            (Frequency::Weekly, &topics, SubscriberStatus::Pending, None, false),
            "{}",
            b.name
        );
        let active = subscribe(store, "q@example.org");
        assert!(active.confirmed_at.is_some(), "{}", b.name);

        assert!(
            store
                .set_preferences(pending.id, Frequency::Daily, &["rl".into()])
                .unwrap(),
            "{}",
            b.name
        );
        assert!(store.set_like_upvoted(pending.id, true).unwrap(), "{}", b.name);
        assert!(
            store
                .set_subscriber_status(pending.id, SubscriberStatus::Active)
                .unwrap(),
            "{}",
            b.name
        );
        let now = store.subscriber_by_email("p@example.org").unwrap().unwrap();
        assert_eq!(
            (now.frequency, now.topics.as_slice(), now.status, now.like_upvoted),
            (
                Frequency::Daily,
                &["rl".to_string()][..],
                SubscriberStatus::Active,
                true
            ),
            "{}",
            b.name
        );
        assert!(now.confirmed_at.is_some(), "{}", b.name);
        assert_eq!(
            store.subscribers().unwrap().iter().map(|s| s.id).collect::<Vec<_>>(),
            [pending.id, active.id],
            "{}",
            b.name
        );

        store
            .claim_delivery(pending.id, Frequency::Daily, "d1", "<m@x>")
            .unwrap();
        assert!(store.remove_subscriber(pending.id).unwrap(), "{}", b.name);
        assert!(store.subscriber(pending.id).unwrap().is_none(), "{}", b.name);
        assert!(
            store.deliveries(Frequency::Daily, "d1").unwrap().is_empty(),
            "{}: ledger rows go with the subscriber",
            b.name
        );
        assert!(!store.remove_subscriber(pending.id).unwrap(), "{}", b.name);
        assert!(!store.set_like_upvoted(pending.id, true).unwrap(), "{}", b.name);
        assert!(
            !store.set_preferences(pending.id, Frequency::Daily, &[]).unwrap(),
            "{}",
            b.name
        );
        assert!(
            !store
                .set_subscriber_status(pending.id, SubscriberStatus::Paused)
                .unwrap(),
            "{}",
            b.name
        );
    }
}

#[test]
fn the_verified_unbanned_account_with_the_address_is_the_subscriptions_reader() {
    for b in support::backends() {
        let store = &*b.store;
        let user = |name: &str, email: &str, verified: bool| match store
            .create_user(&NewUser {
                name,
                email,
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
                is_admin: false,
                email_verified: verified,
            })
            .unwrap()
        {
            CreateUserOutcome::Created(id) => id,
            other => panic!("{}: could not create {name}: {other:?}", b.name),
        };
        let ana = user("ana", "Ana@Example.org", true);
        user("ben", "ben@example.org", false);
        let ana_sub = subscribe(store, "ana@example.org");
        let ben_sub = subscribe(store, "ben@example.org");
        let nobody = subscribe(store, "nobody@example.org");

        assert_eq!(
            store.account_of_subscriber(ana_sub.id).unwrap(),
            Some(ana),
            "{}: the address matches whatever its case",
            b.name
        );
        assert_eq!(
            store.account_of_subscriber(ben_sub.id).unwrap(),
            None,
            "{}: an unverified address lends no account",
            b.name
        );
        assert_eq!(store.account_of_subscriber(nobody.id).unwrap(), None, "{}", b.name);
        store.set_banned(ana, true).unwrap();
        assert_eq!(
            store.account_of_subscriber(ana_sub.id).unwrap(),
            None,
            "{}: a banned account lends nothing",
            b.name
        );
    }
}

#[test]
fn a_lease_has_one_holder_until_released_or_expired() {
    for b in support::backends() {
        let a = &*b.store;
        let other = b.reopen();
        let name = "digest:daily:2026-01-01";
        let minute = Duration::from_secs(60);
        assert!(
            a.acquire_lease(name, "a", minute).unwrap(),
            "{}: a takes the free lease",
            b.name
        );
        assert!(
            !other.acquire_lease(name, "b", minute).unwrap(),
            "{}: b is refused while a holds it",
            b.name
        );
        assert!(a.acquire_lease(name, "a", minute).unwrap(), "{}: a renews", b.name);
        other.release_lease(name, "b").unwrap();
        assert!(
            !other.acquire_lease(name, "b", minute).unwrap(),
            "{}: releasing someone else's lease does nothing",
            b.name
        );
        a.release_lease(name, "a").unwrap();
        assert!(
            other.acquire_lease(name, "b", minute).unwrap(),
            "{}: b takes the released lease",
            b.name
        );
        assert!(
            a.acquire_lease("digest:weekly:2026-W01", "a", minute).unwrap(),
            "{}: leases are by name",
            b.name
        );

        let short = "digest:daily:2026-01-02";
        let taken = std::time::Instant::now();
        assert!(
            a.acquire_lease(short, "a", Duration::from_secs(2)).unwrap(),
            "{}",
            b.name
        );
        let refused = !other.acquire_lease(short, "b", minute).unwrap();
        // (A machine stalled for the lease's whole length may rightly see it lapse.)
        assert!(
            refused || taken.elapsed() >= Duration::from_secs(2),
            "{}: not expired yet",
            b.name
        );
        std::thread::sleep(Duration::from_millis(2500));
        assert!(
            other.acquire_lease(short, "b", minute).unwrap(),
            "{}: b takes the expired lease",
            b.name
        );
        assert!(
            !a.acquire_lease(short, "a", minute).unwrap(),
            "{}: a lost it for good",
            b.name
        );
    }
}

#[test]
fn concurrent_claims_count_every_attempt_and_none_succeeds_once_sent() {
    const THREADS: usize = 8;
    for b in support::backends() {
        let second = b.reopen();
        let handles: [&dyn Backend; 2] = [&*b.store, &*second];
        let s = subscribe(handles[0], "race@example.org");
        let period = "2026-05-01";
        let claim_all = |with_mark_sent: bool| -> Vec<Claim> {
            let start = Barrier::new(THREADS + usize::from(with_mark_sent));
            std::thread::scope(|scope| {
                if with_mark_sent {
                    let start = &start;
                    scope.spawn(move || {
                        start.wait();
                        handles[1].mark_sent(s.id, Frequency::Daily, period, &[]).unwrap();
                    });
                }
                let claims: Vec<_> = (0..THREADS)
                    .map(|i| {
                        let (start, store) = (&start, handles[i % 2]);
                        scope.spawn(move || {
                            start.wait();
                            store.claim_delivery(s.id, Frequency::Daily, period, "<m@x>").unwrap()
                        })
                    })
                    .collect();
                claims.into_iter().map(|t| t.join().unwrap()).collect()
            })
        };
        let attempts_of = |claims: &[Claim]| -> Vec<u32> {
            let mut attempts: Vec<u32> = claims
                .iter()
                .filter_map(|c| match c {
                    Claim::Claimed { attempts } => Some(*attempts),
                    _ => None,
                })
                .collect();
            attempts.sort_unstable();
            attempts
        };

        // Unsent, every claim gets the row, each with an attempt number of its own.
        let first = claim_all(false);
        assert_eq!(
            attempts_of(&first),
            (1..=THREADS as u32).collect::<Vec<_>>(),
            "{}: {first:?}",
            b.name
        );

        // Racing mark_sent, a claim either comes before it (and counts) or sees it.
        let racing = claim_all(true);
        let claimed = attempts_of(&racing);
        assert_eq!(
            claimed,
            (THREADS as u32 + 1..=(THREADS + claimed.len()) as u32).collect::<Vec<_>>(),
            "{}: {racing:?}",
            b.name
        );
        assert!(
            racing
                .iter()
                .all(|c| matches!(c, Claim::Claimed { .. } | Claim::AlreadySent)),
            "{}: {racing:?}",
            b.name
        );
        let ledger = handles[0].deliveries(Frequency::Daily, period).unwrap();
        assert_eq!(
            (ledger.len(), ledger[0].state, ledger[0].attempts as usize),
            (1, DeliveryState::Sent, THREADS + claimed.len()),
            "{}",
            b.name
        );

        // Once sent, never claimed again, from either handle.
        let after = claim_all(false);
        assert!(after.iter().all(|c| *c == Claim::AlreadySent), "{}: {after:?}", b.name);
    }
}

#[test]
fn one_address_subscribed_at_once_from_everywhere_is_one_subscriber() {
    const THREADS: usize = 8;
    for b in support::backends() {
        let second = b.reopen();
        let handles: [&dyn Backend; 2] = [&*b.store, &*second];
        let start = Barrier::new(THREADS);
        let results: Vec<(Subscriber, bool)> = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..THREADS)
                .map(|i| {
                    let (start, store) = (&start, handles[i % 2]);
                    scope.spawn(move || {
                        start.wait();
                        store
                            .add_subscriber("same@example.org", Frequency::Daily, &[], SubscriberStatus::Pending)
                            .unwrap()
                    })
                })
                .collect();
            threads.into_iter().map(|t| t.join().unwrap()).collect()
        });
        assert_eq!(
            results.iter().filter(|(_, created)| *created).count(),
            1,
            "{}: exactly one call creates it",
            b.name
        );
        assert!(
            results.iter().all(|(s, _)| *s == results[0].0),
            "{}: every call returns the same subscriber",
            b.name
        );
        assert_eq!(handles[0].subscribers().unwrap().len(), 1, "{}", b.name);
    }
}
