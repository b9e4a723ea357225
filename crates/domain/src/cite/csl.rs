//! CSL-JSON: an array of CSL items, as citeproc processors, Zotero and Pandoc read them.
//! A preprint is `article` (CSL's type for preprints) with `publisher`/`archive` arXiv and the
//! id as `number`; a paper with a journal reference is `article-journal` in that journal.

use chrono::Datelike;
use serde_json::{json, Map, Value};

use super::{bare_doi, issued, key, one_line, split_name};
use crate::paper::Paper;

pub(super) fn write(papers: &[&Paper]) -> String {
    let items: Vec<Value> = papers.iter().map(|p| item(p)).collect();
    let mut out = serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".into());
    out.push('\n');
    out
}

/// One paper as a CSL item.
pub(super) fn item(paper: &Paper) -> Value {
    let mut item = Map::new();
    let mut set = |k: &str, v: Value| {
        item.insert(k.to_string(), v);
    };
    let journal = paper.journal_ref.as_deref().map(one_line).filter(|j| !j.is_empty());
    set("id", json!(key(paper)));
    set(
        "type",
        json!(if journal.is_some() {
            "article-journal"
        } else {
            "article"
        }),
    );
    set("title", json!(one_line(&paper.title)));
    let authors: Vec<Value> = paper
        .authors
        .iter()
        .map(|a| {
            let name = split_name(a);
            match name.given {
                Some(given) => {
                    let mut person = json!({"family": name.family, "given": given});
                    if let Some(suffix) = name.suffix {
                        person["suffix"] = json!(suffix);
                    }
                    person
                }
                None => json!({"literal": name.family}),
            }
        })
        .collect();
    set("author", Value::Array(authors));
    if let Some(date) = issued(paper) {
        set(
            "issued",
            json!({"date-parts": [[date.year(), date.month(), date.day()]]}),
        );
    }
    if let Some(journal) = journal {
        set("container-title", json!(journal));
    }
    set("publisher", json!("arXiv"));
    set("archive", json!("arXiv"));
    set("number", json!(paper.id.as_str()));
    if let Some(doi) = &paper.doi {
        set("DOI", json!(bare_doi(doi)));
    }
    set("URL", json!(paper.id.abs_url()));
    if !paper.abstract_text.trim().is_empty() {
        set("abstract", json!(paper.abstract_text));
    }
    if !paper.categories.is_empty() {
        set("keyword", json!(paper.categories.join(", ")));
    }
    let primary = paper.primary_category().map(|c| format!(" [{c}]")).unwrap_or_default();
    set("note", json!(format!("arXiv:{}{primary}", paper.id)));
    Value::Object(item)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cite::tests::sample;

    #[test]
    fn an_item_has_csl_fields() {
        let items: Value = serde_json::from_str(&write(&[&sample()])).unwrap();
        let item = &items[0];
        assert_eq!(item["type"], "article");
        assert_eq!(item["id"], "arxiv:2404.01234");
        assert_eq!(item["author"][1], json!({"family": "van Beethoven", "given": "Ludwig"}));
        assert_eq!(item["issued"]["date-parts"], json!([[2024, 4, 2]]));
        assert_eq!(item["number"], "2404.01234");
        assert_eq!(item["note"], "arXiv:2404.01234 [cs.LG]");
    }
}
