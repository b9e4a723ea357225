//! `paperboy library import USER FILE`: a reference manager's export into an account's
//! library, with arXiv's API played by a local server serving a real answer.

use crate::support;

use paperboy_testkit::{ReplayServer, Reply};
use support::{create_user, path_str, shared_data, Paperboy};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_library_file_is_imported_with_what_matched_was_fetched_and_was_not_listed() {
    let Some(data) = shared_data() else { return };
    let atom = std::fs::read(data.join("samples/arxiv-api-atom-2013-02-02-id-1301.7746.xml")).unwrap();
    let arxiv = ReplayServer::start(move |_, _| Reply::ok(atom.clone()));
    let pb = Paperboy::new();
    pb.json(
        &["ingest", "--json", path_str(&data.join("hf-daily/2026-05-01.json"))],
        0,
    );
    let created = create_user(&pb, &["ana_l", "--email", "ana@example.org"], "correct horse battery\n");
    assert_eq!(created.status.code(), Some(0), "{}", text(&created.stderr));
    let listed: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data.join("hf-daily/2026-05-01.json")).unwrap()).unwrap();
    let stored = listed[0]["paper"]["id"].as_str().unwrap();

    let file = pb.data_dir().join("zotero.ris");
    std::fs::write(
        &file,
        format!(
            "TY  - PREP\nID  - stored\nUR  - https://arxiv.org/abs/{stored}\nER  - \n\
             TY  - PREP\nID  - fetched\nDO  - 10.48550/arXiv.1301.7746\nER  - \n\
             TY  - JOUR\nID  - unknown\nTI  - A title no paper has here at all\nER  - \n\
             TY  - JOUR\nID  - left_open\nTI  - Never closed\n"
        ),
    )
    .unwrap();
    let api = format!("{}/api/query", arxiv.base_url);
    let run = |args: &[&str]| {
        pb.command(args)
            .env("PAPERBOY_ARXIV_API", &api)
            .output()
            .expect("run paperboy")
    };
    let out = run(&["library", "import", "ana_l", path_str(&file)]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout
            .contains("(RIS) into ana_l's library: 1 matched, 1 fetched, 1 unmatched, 1 not readable; 2 papers added"),
        "{stdout}"
    );
    assert!(
        stdout.contains("unmatched:\n  unknown: no paper here matches its title"),
        "{stdout}"
    );
    assert!(
        stdout.contains("not readable:\n  left_open: the record from line 13 is not closed"),
        "{stdout}"
    );

    // Again, as JSON: everything is stored now, nothing new is added.
    let again = run(&["library", "import", "ANA_L", path_str(&file), "--json"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    let report: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(report["format"], "RIS");
    assert_eq!(report["matched"].as_array().unwrap().len(), 2);
    assert_eq!(
        report["matched"][1],
        serde_json::json!({"label": "fetched", "id": "1301.7746"})
    );
    assert_eq!(report["fetched"], serde_json::json!([]));
    assert_eq!(report["added"], 0);

    // Files that cannot be read: a clear message, nothing stored, a failing exit code.
    let huge = pb.data_dir().join("huge.bib");
    std::fs::File::create(&huge).unwrap().set_len(50 * 1024 * 1024).unwrap();
    let malformed = pb.data_dir().join("bad.json");
    std::fs::write(&malformed, format!("[{{\"URL\": \"https://arxiv.org/abs/{stored}\"")).unwrap();
    for (path, expected) in [
        (
            &huge,
            "huge.bib: nothing was imported: the file is 52428800 bytes; at most 16777216",
        ),
        (
            &malformed,
            "bad.json: nothing was imported: the CSL-JSON file could not be read: line 1, column",
        ),
    ] {
        let out = run(&["library", "import", "ana_l", path_str(path)]);
        assert_ne!(out.status.code(), Some(0));
        assert!(text(&out.stderr).contains(expected), "{}", text(&out.stderr));
        assert!(out.stdout.is_empty());
    }
    let nobody = run(&["library", "import", "nobody", path_str(&file)]);
    assert!(
        text(&nobody.stderr).contains("there is no account named \"nobody\""),
        "{}",
        text(&nobody.stderr)
    );
}
