//! The PostgreSQL store's connection pool under more callers than connections, and across a
//! restart and an outage of the server (through a proxy the test cuts).

use crate::support;

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;

use std::time::{Duration, Instant};

use paperboy_store::{PaperStore, PostgresStore};
use paperboy_testkit::{server_address, url_through, TcpProxy};

#[test]
fn many_callers_share_a_bounded_number_of_connections() {
    let Some(b) = support::backends().into_iter().find(|b| b.name == "postgres") else {
        return;
    };
    let name = format!("pool_test_{}", std::process::id());
    let url = format!("{}&application_name={name}", b.database_url().unwrap());
    let store = Arc::new(PostgresStore::connect(&url).unwrap());
    let done = Arc::new(AtomicBool::new(false));
    let most = Arc::new(AtomicI64::new(0));
    let monitor = {
        let (url, done, most, name) = (url.clone(), done.clone(), most.clone(), name.clone());
        std::thread::spawn(move || {
            let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            while !done.load(Ordering::SeqCst) {
                let open: i64 = client
                    .query_one(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                        &[&name],
                    )
                    .unwrap()
                    .get(0);
                most.fetch_max(open - 1, Ordering::SeqCst); // less the monitor's own
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        })
    };
    let callers: Vec<_> = (0..48)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || {
                let mut slowest = std::time::Duration::ZERO;
                for _ in 0..20 {
                    let started = std::time::Instant::now();
                    store.stats().unwrap();
                    slowest = slowest.max(started.elapsed());
                }
                slowest
            })
        })
        .collect();
    let slowest = callers.into_iter().map(|c| c.join().unwrap()).max().unwrap();
    done.store(true, Ordering::SeqCst);
    monitor.join().unwrap();
    let most = most.load(Ordering::SeqCst);
    assert!(most > 1, "callers ran concurrently ({most} connections at most)");
    // A caller that waited 2 s for a connection gets an extra one (by design, against
    // deadlocks); only a run where none waited that long shows the bound.
    if slowest < std::time::Duration::from_millis(1900) {
        assert!(most <= 16, "48 callers, at most 16 connections: saw {most}");
    } else {
        eprintln!("a caller waited {slowest:?}: extra connections were allowed ({most} at most)");
    }
}

#[test]
fn a_restart_between_calls_costs_no_call_and_an_outage_fails_fast_until_the_server_is_back() {
    let Some(b) = support::backends().into_iter().find(|b| b.name == "postgres") else {
        return;
    };
    let url = b.database_url().unwrap();
    let proxy = TcpProxy::to(server_address(url));
    let store = PostgresStore::connect(&url_through(url, proxy.address())).unwrap();
    let papers = store.stats().unwrap().papers;

    // A restart while the store sits idle: every connection ends, the server is back at once.
    proxy.cut();
    proxy.restore();
    // Idle past half a second (what is tested here is idleness itself), a pooled connection
    // is asked before it is lent: the dead one is dropped, not handed to the call.
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(store.stats().unwrap().papers, papers);

    // While the server is away, calls fail at once, saying so, and succeed once it is back.
    proxy.cut();
    for _ in 0..3 {
        let started = Instant::now();
        let error = store.stats().expect_err("the server is away");
        assert!(error.is_unavailable(), "{error}");
        assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
        assert!(error.to_string().contains("is unavailable"), "{error}");
    }
    proxy.restore();
    assert_eq!(store.stats().unwrap().papers, papers);
}
