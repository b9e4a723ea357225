//! Accounts made by the operator: `paperboy user create` (password on stdin) and
//! `paperboy token create`, and the token used on a running `paperboy serve` to vote.

use crate::support;

use std::process::Output;

use support::{call, create_user, path_str, serve_keyword_only, shared_data, token, Paperboy, Served};

const PASSWORD: &str = "correct horse battery";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_refused(out: &Output, expected_in_stderr: &str) {
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout: {}\nstderr: {stderr}",
        text(&out.stdout)
    );
    assert!(
        stderr.contains(expected_in_stderr),
        "expected {expected_in_stderr:?} in stderr: {stderr}"
    );
}

#[test]
fn a_user_is_created_with_the_password_from_stdin_and_names_are_unique_whatever_the_case() {
    let pb = Paperboy::new();
    let out = create_user(
        &pb,
        &["ana_l", "--email", "ana@example.org", "--admin", "--json"],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(created["name"], "ana_l");
    assert_eq!(created["admin"], true);
    assert!(created["id"].as_i64().is_some(), "{created}");

    let again = create_user(&pb, &["ANA_L", "--email", "other@example.org"], PASSWORD);
    assert_refused(&again, "the user name \"ANA_L\" is taken");
    let same_email = create_user(&pb, &["bob", "--email", "Ana@Example.org"], PASSWORD);
    assert_refused(&same_email, "already uses the email");

    // Without a trailing newline, the whole input is the password.
    let bob = create_user(&pb, &["bob", "--email", "bob@example.org"], PASSWORD);
    assert_eq!(bob.status.code(), Some(0), "stderr: {}", text(&bob.stderr));
    assert!(text(&bob.stdout).contains("created user bob"), "{}", text(&bob.stdout));
}

#[test]
fn bad_names_emails_and_passwords_are_refused() {
    let pb = Paperboy::new();
    let line = format!("{PASSWORD}\n");
    assert_refused(
        &create_user(&pb, &["ana doe", "--email", "ana@example.org"], &line),
        "user name \"ana doe\" is refused",
    );
    assert_refused(
        &create_user(&pb, &["admin", "--email", "ana@example.org"], &line),
        "reserved",
    );
    assert_refused(&create_user(&pb, &["ana", "--email", "not-an-address"], &line), "email");
    assert_refused(
        &create_user(&pb, &["ana", "--email", "ana@example.org"], "\n"),
        "no password",
    );
    assert_refused(
        &create_user(&pb, &["ana", "--email", "ana@example.org"], ""),
        "no password",
    );
    assert_refused(
        &create_user(&pb, &["ana", "--email", "ana@example.org"], "short\n"),
        "at least 10 characters",
    );
    // Nothing was created by the refusals: the name is still free.
    let ok = create_user(&pb, &["ana", "--email", "ana@example.org"], &line);
    assert_eq!(ok.status.code(), Some(0), "stderr: {}", text(&ok.stderr));
}

#[test]
fn accounts_are_listed_and_made_administrators() {
    let pb = Paperboy::new();
    create_user(&pb, &["ana", "--email", "ana@example.org", "--admin"], PASSWORD);
    create_user(&pb, &["bob", "--email", "bob@example.org"], PASSWORD);
    let listed = |pb: &Paperboy| -> Vec<(String, bool)> {
        let out = pb.run(&["user", "list", "--json"]);
        assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
        text(&out.stdout)
            .lines()
            .map(|line| {
                let user: serde_json::Value = serde_json::from_str(line).unwrap();
                (
                    user["name"].as_str().unwrap().to_string(),
                    user["admin"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(listed(&pb), [("ana".to_string(), true), ("bob".to_string(), false)]);
    assert_eq!(pb.run(&["user", "set-admin", "BOB"]).status.code(), Some(0));
    assert_eq!(listed(&pb)[1], ("bob".to_string(), true));
    assert_eq!(pb.run(&["user", "set-admin", "bob", "--revoke"]).status.code(), Some(0));
    assert_eq!(listed(&pb)[1], ("bob".to_string(), false));
    assert_refused(&pb.run(&["user", "set-admin", "nobody"]), "no user named \"nobody\"");
    let page = text(&pb.run(&["user", "list", "--offset", "1", "--limit", "1"]).stdout);
    assert!(page.contains("bob") && !page.contains("ana"), "{page}");
}

#[test]
fn a_token_is_printed_once_and_only_for_an_existing_user() {
    let pb = Paperboy::new();
    assert_refused(&pb.run(&["token", "create", "nobody"]), "no user named \"nobody\"");
    create_user(&pb, &["ana", "--email", "ana@example.org"], PASSWORD);
    let first = token(&pb, "ANA");
    let second = token(&pb, "ana");
    assert_ne!(first, second);
}

fn serve(pb: &Paperboy) -> Served {
    serve_keyword_only(pb)
}

#[test]
fn an_api_token_upvotes_a_paper_once_and_takes_the_vote_back() {
    let Some(data) = shared_data() else { return };
    let pb = Paperboy::new();
    let day = data.join("hf-daily/2026-05-01.json");
    pb.json(&["ingest", "--json", path_str(&day)], 0);
    // The day's most upvoted paper: its imported Hugging Face upvotes count too.
    let raw: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&day).unwrap()).unwrap();
    let top = raw
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|e| e["paper"]["upvotes"].as_i64().unwrap())
        .unwrap();
    let (id, imported) = (
        top["paper"]["id"].as_str().unwrap(),
        top["paper"]["upvotes"].as_i64().unwrap(),
    );
    assert!(imported > 0);
    create_user(&pb, &["ana", "--email", "ana@example.org"], PASSWORD);
    let token = token(&pb, "ana");
    let server = serve(&pb);
    let paper = format!("{}/api/papers/{id}", server.base_url);
    let upvote = format!("{paper}/upvote");

    let (status, before) = call("GET", &paper, None);
    assert_eq!(status, 200, "{before}");
    assert_eq!(before["upvotes"], imported, "{before}");

    let (status, voted) = call("POST", &upvote, Some(&token));
    assert_eq!(status, 200, "{voted}");
    assert_eq!(voted["id"], id);
    assert_eq!(voted["upvotes"], imported + 1, "{voted}");
    assert_eq!(voted["voted"], true);
    assert_eq!(voted["changed"], true);
    assert_eq!(call("GET", &paper, None).1["upvotes"], imported + 1);

    let (status, repeated) = call("POST", &upvote, Some(&token));
    assert_eq!(status, 200, "{repeated}");
    assert_eq!(repeated["upvotes"], imported + 1, "{repeated}");
    assert_eq!(repeated["voted"], true);
    assert_eq!(repeated["changed"], false);

    let (status, removed) = call("DELETE", &upvote, Some(&token));
    assert_eq!(status, 200, "{removed}");
    assert_eq!(removed["upvotes"], imported, "{removed}");
    assert_eq!(removed["voted"], false);
    assert_eq!(removed["changed"], true);

    let (status, wrong) = call("POST", &upvote, Some("not-a-token-anyone-was-given"));
    assert_eq!(status, 401, "{wrong}");
    let (status, anonymous) = call("POST", &upvote, None);
    assert_eq!(status, 401, "{anonymous}");
    let (status, anonymous) = call("DELETE", &upvote, None);
    assert_eq!(status, 401, "{anonymous}");
    assert_eq!(
        call("GET", &paper, None).1["upvotes"],
        imported,
        "refused votes changed nothing"
    );
}
