//! The mail outbox: queued rows are claimed by one worker at a time, due ones first; attempts
//! are recorded (a retry waits, a finished row keeps no payload); a dead worker's claim runs
//! out and another takes the mail; the queue survives a reopen — alike on every backend.

use std::time::Duration;

use chrono::{DateTime, Utc};
use paperboy_store::{MailKind, MailOutcome, NewMail};

use crate::support;

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

const LEASE: Duration = Duration::from_secs(300);

fn message(recipient: &str) -> NewMail<'_> {
    NewMail {
        kind: MailKind::Message,
        recipient,
        payload: b"Subject: hello\r\n\r\nbody\r\n",
    }
}

#[test]
fn mail_is_claimed_once_in_order_and_kept_until_finished() {
    for b in support::backends() {
        let store = &b.store;
        let t0 = at("2026-12-01T10:00:00Z");
        let first = store.enqueue_mail(&message("a@example.org"), t0).unwrap();
        let reset = NewMail {
            kind: MailKind::PasswordReset,
            recipient: "b@example.org",
            payload: b"",
        };
        let second = store.enqueue_mail(&reset, t0 + chrono::Duration::seconds(1)).unwrap();
        assert_eq!(store.next_mail_due().unwrap(), Some(t0), "{}", b.name);

        let now = t0 + chrono::Duration::seconds(5);
        let claimed = store.claim_mail("worker-1", now, LEASE, None).unwrap().unwrap();
        assert_eq!(claimed.id, first, "{}: the oldest first", b.name);
        assert_eq!(claimed.kind, MailKind::Message);
        assert_eq!(claimed.recipient, "a@example.org");
        assert_eq!(claimed.payload, b"Subject: hello\r\n\r\nbody\r\n");
        assert_eq!(claimed.attempts, 0);
        assert_eq!(claimed.created_at, t0);
        // Another worker (another process) gets the next one, never the same.
        let other = b.reopen();
        let next = other.claim_mail("worker-2", now, LEASE, None).unwrap().unwrap();
        assert_eq!((next.id, next.kind), (second, MailKind::PasswordReset), "{}", b.name);
        assert_eq!(
            other.claim_mail("worker-2", now, LEASE, None).unwrap(),
            None,
            "{}",
            b.name
        );

        // Only the holder records an outcome.
        assert!(!store.finish_mail(first, "worker-2", MailOutcome::Sent, now).unwrap());
        assert!(store.finish_mail(first, "worker-1", MailOutcome::Sent, now).unwrap());
        assert!(
            !store.finish_mail(first, "worker-1", MailOutcome::Sent, now).unwrap(),
            "finished once"
        );

        // An intent becomes its message, then is sent.
        assert!(other
            .prepare_mail(second, "worker-2", "b@example.org", b"the message")
            .unwrap());
        assert!(!store
            .prepare_mail(second, "worker-1", "x@example.org", b"not mine")
            .unwrap());
        let counts = store.outbox_counts().unwrap();
        assert_eq!((counts.queued, counts.sent), (1, 1), "{}", b.name);
        assert_eq!(counts.oldest_queued, Some(t0 + chrono::Duration::seconds(1)));
        assert!(other
            .finish_mail(second, "worker-2", MailOutcome::Dropped("no account"), now)
            .unwrap());
        let counts = store.outbox_counts().unwrap();
        assert_eq!((counts.queued, counts.sent, counts.failed), (0, 1, 0), "{}", b.name);
        assert_eq!(store.next_mail_due().unwrap(), None);
        assert_eq!(store.claim_mail("worker-1", now, LEASE, None).unwrap(), None);
    }
}

#[test]
fn a_failed_attempt_waits_for_its_retry_and_a_dead_workers_claim_runs_out() {
    for b in support::backends() {
        let store = &b.store;
        let t0 = at("2026-12-01T10:00:00Z");
        let id = store.enqueue_mail(&message("a@example.org"), t0).unwrap();
        let claimed = store.claim_mail("w1", t0, LEASE, None).unwrap().unwrap();
        let retry_at = t0 + chrono::Duration::seconds(30);
        let failure = MailOutcome::Retry {
            error: "connection refused",
            at: retry_at,
        };
        assert!(store.finish_mail(claimed.id, "w1", failure, t0).unwrap());
        let counts = store.outbox_counts().unwrap();
        assert_eq!((counts.queued, counts.retrying), (1, 1), "{}", b.name);
        assert_eq!(counts.last_error.as_deref(), Some("connection refused"));
        assert_eq!(store.next_mail_due().unwrap(), Some(retry_at), "{}", b.name);
        // Not before its time.
        let early = retry_at - chrono::Duration::seconds(1);
        assert_eq!(store.claim_mail("w1", early, LEASE, None).unwrap(), None, "{}", b.name);
        let again = store.claim_mail("w1", retry_at, LEASE, None).unwrap().unwrap();
        assert_eq!((again.id, again.attempts), (id, 1), "{}", b.name);
        assert_eq!(again.payload, b"Subject: hello\r\n\r\nbody\r\n", "kept for the retry");

        // w1 dies holding it: the claim is due again once it runs out, and another takes it.
        let claim_end = retry_at + chrono::Duration::from_std(LEASE).unwrap();
        assert_eq!(store.next_mail_due().unwrap(), Some(claim_end), "{}", b.name);
        assert_eq!(
            store
                .claim_mail("w2", claim_end - chrono::Duration::seconds(1), LEASE, None)
                .unwrap(),
            None
        );
        let taken = b
            .reopen()
            .claim_mail("w2", claim_end + chrono::Duration::seconds(1), LEASE, None)
            .unwrap()
            .unwrap();
        assert_eq!(taken.id, id, "{}", b.name);
        assert!(
            !store.finish_mail(id, "w1", MailOutcome::Sent, claim_end).unwrap(),
            "w1 lost it"
        );
        assert!(store
            .finish_mail(id, "w2", MailOutcome::Failed("550 no such user"), claim_end)
            .unwrap());
        let counts = store.outbox_counts().unwrap();
        assert_eq!((counts.queued, counts.failed), (0, 1), "{}", b.name);
        assert_eq!(counts.last_error.as_deref(), Some("550 no such user"));

        // Finished rows are pruned after their time; queued ones never.
        let queued = store.enqueue_mail(&message("c@example.org"), t0).unwrap();
        assert_eq!(store.prune_outbox(claim_end).unwrap(), 0, "{}", b.name);
        assert_eq!(
            store.prune_outbox(claim_end + chrono::Duration::seconds(1)).unwrap(),
            1,
            "{}",
            b.name
        );
        let left = store.claim_mail("w1", claim_end, LEASE, None).unwrap().unwrap();
        assert_eq!(left.id, queued);
    }
}

#[test]
fn one_mail_can_be_claimed_by_id_and_the_queue_survives_a_reopen() {
    for b in support::backends() {
        let t0 = at("2026-12-01T10:00:00Z");
        let older = b.store.enqueue_mail(&message("a@example.org"), t0).unwrap();
        let mine = b.store.enqueue_mail(&message("b@example.org"), t0).unwrap();
        let reopened = b.reopen();
        let claimed = reopened.claim_mail("cli", t0, LEASE, Some(mine)).unwrap().unwrap();
        assert_eq!(claimed.id, mine, "{}", b.name);
        assert_eq!(reopened.claim_mail("cli", t0, LEASE, Some(mine)).unwrap(), None);
        assert_eq!(reopened.claim_mail("w", t0, LEASE, None).unwrap().unwrap().id, older);
    }
}

#[test]
fn a_finished_mail_keeps_no_payload() {
    // A sent reset link lives only in the recipient's mailbox: the row that carried it is
    // emptied, whichever way the attempt ended.
    for b in support::backends() {
        let t0 = at("2026-12-01T10:00:00Z");
        for outcome in [
            MailOutcome::Sent,
            MailOutcome::Failed("550"),
            MailOutcome::Dropped("no account"),
        ] {
            let secret = b"https://papers.example.org/reset/confirm?token=SECRET-TOKEN";
            let id = b
                .store
                .enqueue_mail(
                    &NewMail {
                        kind: MailKind::Message,
                        recipient: "a@example.org",
                        payload: secret,
                    },
                    t0,
                )
                .unwrap();
            b.store.claim_mail("w", t0, LEASE, Some(id)).unwrap().unwrap();
            assert!(b.store.finish_mail(id, "w", outcome, t0).unwrap());
        }
        let copy = paperboy_store::copy::TABLES
            .iter()
            .find(|t| t.name == "outbox")
            .unwrap();
        let mut payloads = Vec::new();
        b.store
            .read_snapshot(&mut |snapshot| {
                snapshot.read_rows(copy, &mut |row| {
                    payloads.push(row[3].clone());
                    Ok(())
                })
            })
            .unwrap();
        assert_eq!(payloads.len(), 3, "{}", b.name);
        assert!(
            payloads
                .iter()
                .all(|p| *p == paperboy_store::copy::Value::Bytes(Vec::new())),
            "{}: {payloads:?}",
            b.name
        );
    }
}
