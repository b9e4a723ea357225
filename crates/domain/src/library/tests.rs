use super::*;

fn ids(parsed: &Parsed) -> Vec<Option<String>> {
    parsed
        .entries
        .iter()
        .map(|e| e.arxiv.as_ref().map(ToString::to_string))
        .collect()
}

const ZOTERO_BIB: &str = r#"
@misc{vaswani_attention_2017,
	title = {Attention {Is} {All} {You} {Need}},
	url = {http://arxiv.org/abs/1706.03762},
	doi = {10.48550/arXiv.1706.03762},
	number = {{arXiv}:1706.03762},
	publisher = {{arXiv}},
	author = {Vaswani, Ashish and Shazeer, Noam},
	month = dec,
	year = {2017},
	note = {arXiv:1706.03762 [cs]},
}

Text between entries is a comment in BibTeX.
@string{prl = "Physical Review Letters"}
@comment{ @article{ignored, title = {Not an entry}} }
@article{eprint_only, author = "A. Author", title = "Gravitational " # "waves", journal = prl,
  eprint = {hep-th/9901001v2}, archivePrefix = {arXiv}}
@article{by_doi, title = {A Journal Paper}, doi = {https://doi.org/10.1103/PhysRevLett.116.061102}}
@book{by_title, title = {{On the Electrodynamics of Moving Bodies}}}
"#;

#[test]
fn bibtex_from_zotero_and_by_hand() {
    let parsed = parse(ZOTERO_BIB.as_bytes()).unwrap();
    assert_eq!(parsed.format, FileFormat::Bibtex);
    assert!(parsed.bad.is_empty(), "{:?}", parsed.bad);
    assert_eq!(
        ids(&parsed),
        [Some("1706.03762".into()), Some("hep-th/9901001".into()), None, None]
    );
    let labels: Vec<&str> = parsed.entries.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(labels, ["vaswani_attention_2017", "eprint_only", "by_doi", "by_title"]);
    assert_eq!(parsed.entries[1].title.as_deref(), Some("Gravitational waves"));
    assert_eq!(parsed.entries[2].doi.as_deref(), Some("10.1103/physrevlett.116.061102"));
    assert_eq!(
        parsed.entries[3].title.as_deref().and_then(title_key).as_deref(),
        Some("on the electrodynamics of moving bodies")
    );
}

#[test]
fn an_eprint_of_another_archive_is_not_an_arxiv_id() {
    let parsed =
        parse(b"@misc{k, title = {Some Biology Preprint}, eprint = {2405.01234}, archivePrefix = {bioRxiv}}").unwrap();
    assert_eq!(ids(&parsed), [None]);
}

#[test]
fn a_broken_bibtex_entry_is_named_and_the_rest_still_counts() {
    let text = "@article{good1, title = {First Good Paper Title}, eprint = {2405.01234}}\n\
                @article{broken, title = {An unclosed {brace in the title}\n\
                @article{missing_equals, title {x}}\n\
                @article{good2, title = \"Second Good Paper Title\", doi = {10.1000/abc}}\n\
                @article{no_ids, author = {Nobody}}\n";
    let parsed = parse(text.as_bytes()).unwrap();
    let labels: Vec<&str> = parsed.entries.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(labels, ["good1", "good2"]);
    let bad: Vec<(&str, &str)> = parsed
        .bad
        .iter()
        .map(|b| (b.label.as_str(), b.reason.as_str()))
        .collect();
    assert_eq!(bad.len(), 3, "{bad:?}");
    assert_eq!(bad[0].0, "broken");
    assert!(
        bad[0].1.contains("line 2") && bad[0].1.contains("not closed"),
        "{}",
        bad[0].1
    );
    assert_eq!(bad[1].0, "missing_equals");
    assert!(bad[1].1.contains("expected ="), "{}", bad[1].1);
    assert_eq!(bad[2], ("no_ids", "it has no arXiv id, DOI or title to match"));
}

#[test]
fn hostile_text_stays_plain_text() {
    let text =
        "@misc{<script>x</script>, title = {<img src=x onerror=alert(1)> \\input{/etc/passwd} \\def\\x{\\x}\\x}}";
    let parsed = parse(text.as_bytes()).unwrap();
    // Kept as written for the page to escape; nothing is expanded or run.
    assert_eq!(parsed.entries.len() + parsed.bad.len(), 1);
    let named = parsed
        .entries
        .first()
        .map(|e| e.label.clone())
        .or(parsed.bad.first().map(|b| b.label.clone()));
    assert!(named.unwrap().starts_with("<script>"));
}

#[test]
fn ris_from_zotero() {
    let text = "TY  - PREP\r\nTI  - Attention Is All You Need\r\nAU  - Vaswani, Ashish\r\nUR  - http://arxiv.org/abs/1706.03762\r\n\
                DO  - 10.48550/arXiv.1706.03762\r\nER  - \r\n\r\n\
                TY  - JOUR\nID  - smith2020\nTI  - A very long title that is\n  wrapped onto a second line\nDO  - 10.1000/XYZ\nER  -\n";
    let parsed = parse(text.as_bytes()).unwrap();
    assert_eq!(parsed.format, FileFormat::Ris);
    assert!(parsed.bad.is_empty(), "{:?}", parsed.bad);
    assert_eq!(ids(&parsed), [Some("1706.03762".into()), None]);
    assert_eq!(parsed.entries[0].label, "Attention Is All You Need");
    assert_eq!(parsed.entries[1].label, "smith2020");
    assert_eq!(
        parsed.entries[1].title.as_deref(),
        Some("A very long title that is wrapped onto a second line")
    );
    assert_eq!(parsed.entries[1].doi.as_deref(), Some("10.1000/xyz"));
}

#[test]
fn broken_ris_records_are_named() {
    let text = "TY  - JOUR\nTI  - Left Open Record Title\nTY  - JOUR\nTI  - Closed Record With Title\nUR  - https://arxiv.org/abs/2405.01234\nER  - \nTI  - stray\nTY  - JOUR\nTI  - Never Closed Either Record";
    let parsed = parse(text.as_bytes()).unwrap();
    assert_eq!(ids(&parsed), [Some("2405.01234".into())]);
    let bad: Vec<String> = parsed
        .bad
        .iter()
        .map(|b| format!("{}: {}", b.label, b.reason))
        .collect();
    assert_eq!(bad.len(), 3, "{bad:?}");
    assert!(
        bad[0].starts_with("Left Open Record Title: the record from line 1"),
        "{}",
        bad[0]
    );
    assert!(bad[1].contains("before the end of the file"), "{}", bad[1]);
    assert!(bad[2].starts_with("line 7: tags outside a record"), "{}", bad[2]);
}

#[test]
fn a_line_with_a_wide_character_where_a_tag_would_end_is_text_not_a_panic() {
    // Found by `any_bytes_are_read_without_panicking`: "۵" is two bytes, the second where a
    // tag's two spaces would start.
    let parsed = parse("JVr۵<%\nTY  - JOUR\nTI  - A Title Long Enough\nER  - \n".as_bytes()).unwrap();
    assert_eq!(parsed.entries.len(), 1);
}

#[test]
fn csl_json_from_zotero() {
    let text = r#"[
      {"id": "http://zotero.org/users/1/items/ABC", "type": "article", "title": "Attention Is All You Need",
       "URL": "http://arxiv.org/abs/1706.03762", "DOI": "10.48550/arXiv.1706.03762", "number": "arXiv:1706.03762"},
      {"id": 7, "type": "article-journal", "title": "Journal Paper Title Here", "DOI": "10.1000/ABC"},
      "not an item",
      {"id": "bad-title", "title": ["a", "list"]}
    ]"#;
    let parsed = parse(text.as_bytes()).unwrap();
    assert_eq!(parsed.format, FileFormat::CslJson);
    assert_eq!(ids(&parsed), [Some("1706.03762".into()), None]);
    assert_eq!(parsed.entries[1].label, "7");
    let bad: Vec<String> = parsed
        .bad
        .iter()
        .map(|b| format!("{}: {}", b.label, b.reason))
        .collect();
    assert_eq!(
        bad,
        [
            "item 3: it is not an object ({…})",
            "bad-title: its \"title\" is not text"
        ]
    );
}

#[test]
fn files_that_cannot_be_read_say_why() {
    assert_eq!(parse(b"  \n"), Err(FileError::Empty));
    assert_eq!(parse(b"just some words"), Err(FileError::UnknownFormat));
    assert_eq!(
        parse(b"@article{x, title={\xff}}"),
        Err(FileError::NotText { offset: 19 })
    );
    let Err(FileError::Unreadable { format, reason }) = parse(b"[{\"title\": \"x\",}") else {
        panic!("malformed JSON must not parse")
    };
    assert_eq!(format, FileFormat::CslJson);
    assert!(reason.starts_with("line 1, column"), "{reason}");
    let huge = vec![b' '; MAX_FILE_BYTES + 1];
    assert!(matches!(parse(&huge), Err(FileError::TooLarge { .. })));
    let many = "@misc{k, title = {A Title Long Enough}}\n".repeat(MAX_ENTRIES + 1);
    assert_eq!(
        parse(many.as_bytes()),
        Err(FileError::TooManyEntries { max: MAX_ENTRIES })
    );
}

#[test]
fn a_file_of_only_bad_entries_yields_no_entries() {
    let parsed = parse(b"@article{a, title = {unclosed\n@article{b, title {x}}").unwrap();
    assert!(parsed.entries.is_empty());
    assert_eq!(parsed.bad.len(), 2, "{:?}", parsed.bad);
}

mod properties {
    use proptest::prelude::*;

    proptest! {
        /// Whatever bytes arrive, reading them ends in entries, bad entries or an error: never
        /// a panic.
        #[test]
        fn any_input_is_read_without_panicking(text in "(@[a-z]{0,5}[{(]?|[a-z ={}\"#,\n@()TYER-]|  - ){0,60}") {
            let _ = super::parse(text.as_bytes());
        }

        #[test]
        fn any_bytes_are_read_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = super::parse(&bytes);
        }
    }
}
