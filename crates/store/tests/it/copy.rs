//! `paperboy copy` reads its source in one snapshot: what commits after the first read is not
//! in the copy, even in tables read later, so a copy of a store in use is consistent.

use crate::support;

use paperboy_domain::{ArxivId, Paper};
use paperboy_store::copy::{SnapshotReader, Table, TableCopy, TABLES};
use paperboy_store::Upsert;

fn paper(id: &str) -> Paper {
    let mut p = Paper::new(ArxivId::parse(id).unwrap());
    p.title = format!("Paper {id}");
    p
}

fn rows(snapshot: &mut dyn SnapshotReader, table: &Table) -> usize {
    let mut count = 0;
    snapshot
        .read_rows(table, &mut |_| {
            count += 1;
            Ok(())
        })
        .unwrap();
    count
}

#[test]
fn a_snapshot_does_not_see_what_commits_after_its_first_read() {
    let papers = TABLES.iter().find(|t| t.name == "papers").unwrap();
    for b in support::backends() {
        let first = paper("2601.00001");
        b.store
            .upsert_batch(&[Upsert {
                paper: &first,
                daily: &[],
            }])
            .unwrap();
        let writer = b.reopen(); // another process, in effect
        let mut seen = Vec::new();
        let source: &dyn TableCopy = b.store.as_ref();
        source
            .read_snapshot(&mut |snapshot| {
                seen.push(rows(snapshot, papers));
                let later = paper("2601.00002");
                writer
                    .upsert_batch(&[Upsert {
                        paper: &later,
                        daily: &[],
                    }])
                    .unwrap();
                seen.push(rows(snapshot, papers));
                Ok(())
            })
            .unwrap();
        assert_eq!(
            seen,
            [1, 1],
            "{}: the write committed meanwhile is not in the snapshot",
            b.name
        );
        source
            .read_snapshot(&mut |snapshot| {
                assert_eq!(rows(snapshot, papers), 2, "{}: a later snapshot has it", b.name);
                Ok(())
            })
            .unwrap();
    }
}
