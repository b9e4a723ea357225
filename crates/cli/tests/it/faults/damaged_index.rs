//! A keyword index damaged on disk, the ways a crash on a file system that does not keep its
//! promises, or a failing disk, leave one: garbage in a segment file (in its norms, which
//! tantivy would serve as silently wrong rankings; in its postings, where it panics), a segment
//! file cut short or gone, an unreadable `meta.json`. Opening the index finds the damage and
//! says so, the index is rebuilt from the store, and searches answer what a clean instance
//! answers — from the command line and from `serve` — never wrong, empty or a 500.

use std::path::{Path, PathBuf};

use super::{ids, keyword_search};
use crate::support::{path_str, serve_keyword_only, shared_data, Paperboy};

const QUERIES: [&str; 3] = [
    "diffusion video generation",
    "reasoning in large language models",
    "benchmark for robot manipulation",
];

/// More than a segment file's footer takes (its version and checksum, as JSON).
const FOOTER: usize = 512;

#[derive(Debug, Clone, Copy)]
enum Damage {
    /// Bytes overwritten in every segment file with this extension, its footer left alone.
    GarbageIn(&'static str),
    /// The largest segment file cut to half its length.
    Truncated,
    /// A segment's term dictionary gone.
    Missing,
    /// `meta.json` overwritten.
    GarbageMeta,
}

fn index_dir(pb: &Paperboy) -> PathBuf {
    pb.data_dir().join("index").join("lexical")
}

fn files_ending(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == extension))
        .collect();
    files.sort_by_key(|path| std::cmp::Reverse(std::fs::metadata(path).unwrap().len()));
    assert!(!files.is_empty(), "no .{extension} file in {}", dir.display());
    files
}

fn damage(dir: &Path, damage: Damage) {
    match damage {
        Damage::GarbageIn(extension) => {
            for file in files_ending(dir, extension) {
                let mut bytes = std::fs::read(&file).unwrap();
                // From a tenth in to the footer, which (with the checksum in it) stays as written.
                let (start, end) = (bytes.len() / 10, bytes.len().saturating_sub(FOOTER));
                for (i, byte) in bytes[start..end].iter_mut().enumerate() {
                    *byte = (i * 131 + 7) as u8;
                }
                std::fs::write(&file, bytes).unwrap();
            }
        }
        Damage::Truncated => {
            let largest = files_ending(dir, "idx").remove(0);
            let length = std::fs::metadata(&largest).unwrap().len();
            std::fs::File::options()
                .write(true)
                .open(&largest)
                .unwrap()
                .set_len(length / 2)
                .unwrap();
        }
        Damage::Missing => std::fs::remove_file(files_ending(dir, "term").remove(0)).unwrap(),
        Damage::GarbageMeta => std::fs::write(dir.join("meta.json"), "{\"segments\": [garbage").unwrap(),
    }
}

fn get(url: &str) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut response = agent.get(url).call().unwrap();
    (
        response.status().as_u16(),
        response.body_mut().read_to_string().unwrap(),
    )
}

#[test]
fn a_damaged_keyword_index_is_rebuilt_from_the_store_not_served() {
    let Some(data) = shared_data() else { return };
    let days = data.join("arxiv-listings/2026-01-0*.jsonl.gz");
    let clean = Paperboy::new();
    clean.json(&["ingest", "--json", path_str(&days)], 0);
    let expected: Vec<Vec<String>> = QUERIES.iter().map(|q| keyword_search(&clean, q).ids).collect();
    assert!(expected.iter().all(|ids| ids.len() == 10), "{expected:?}");

    for kind in [
        Damage::GarbageIn("fieldnorm"),
        Damage::GarbageIn("idx"),
        Damage::Truncated,
        Damage::Missing,
        Damage::GarbageMeta,
    ] {
        // Given an instance whose index was built like the clean one's, then damaged,
        let pb = Paperboy::new();
        pb.json(&["ingest", "--json", path_str(&days)], 0);
        damage(&index_dir(&pb), kind);
        // a search from the command line says so, rebuilds it, and ranks as the clean one does;
        let first = keyword_search(&pb, QUERIES[0]);
        assert!(
            first
                .log
                .contains("the keyword index cannot be used; rebuilding it from the store"),
            "{kind:?}: {}",
            first.log
        );
        assert_eq!(first.ids, expected[0], "{kind:?}");
        for (query, expected) in QUERIES.iter().zip(&expected).skip(1) {
            assert_eq!(&keyword_search(&pb, query).ids, expected, "{kind:?}: {query}");
        }

        // and so does `serve`, started on the index damaged again.
        damage(&index_dir(&pb), kind);
        let server = serve_keyword_only(&pb);
        for (query, expected) in QUERIES.iter().zip(&expected) {
            let query = query.replace(' ', "+");
            let (status, body) = get(&format!("{}/api/papers/search?q={query}&limit=10", server.base_url));
            assert_eq!(status, 200, "{kind:?}: {body}");
            let found: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(&ids(&found), expected, "{kind:?}: {query}");
            let (status, page) = get(&format!("{}/search?q={query}", server.base_url));
            assert_eq!(status, 200, "{kind:?}: {page}");
            assert!(
                page.contains(expected[0].as_str()),
                "{kind:?}: the page shows the first result"
            );
        }
    }
}
