//! `encore spam …`: the service driven by real Akismet client libraries, embedded under a path of `encore serve`,
//! its key and blocklist commands, and `eval`.

use crate::support::{Home, Server, client, encore, run, text};
use encore_store::testing::TestBackend;
use std::path::Path;
use std::process::Command;

encore_store::backend_tests!(
    the_api_answers_under_a_path_of_encore_serve_and_keys_are_managed,
    an_acknowledged_report_survives_a_crash,
);

/// Issues a key for `blog` and prints it.
fn add_key(home: &Home, blog: &str) -> String {
    let mut cmd = home.encore();
    cmd.args(["spam", "key", "add", "--blog", blog]);
    let out = run(cmd, "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim().to_owned()
}

fn spam_server(home: &Home) -> Server {
    let mut cmd = home.encore();
    cmd.args(["spam", "serve", "--listen", "127.0.0.1:0"]);
    Server::start(cmd)
}

/// The Python interpreter of a virtual environment prepared by `scripts/test`.
fn python(variable: &str) -> String {
    std::env::var(variable).unwrap_or_else(|_| {
        panic!("{variable} is not set: run the suite through scripts/test, which installs the Akismet clients")
    })
}

fn run_python(variable: &str, script: &str, server: &Server, key: &str) {
    let script = Path::new(
        &std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("tests/akismet")
    .join(script);
    let out = Command::new(python(variable))
        .arg(&script)
        .arg(&server.url)
        .arg(key)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{} failed:\n{}\n{}",
        script.display(),
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("all answers as expected"));
}

#[tokio::test]
async fn python_akismet_clients_drive_the_server_unchanged() {
    let home = Home::new(TestBackend::Sqlite).await;
    let key = add_key(&home, "https://blog.example");
    assert_eq!(key.len(), 16);
    let server = spam_server(&home);
    run_python(
        "ENCORE_TEST_AKISMET_PYTHON",
        "modern_client.py",
        &server,
        &key,
    );
    run_python(
        "ENCORE_TEST_AKISMET_LEGACY_PYTHON",
        "legacy_client.py",
        &server,
        &key,
    );
}

async fn the_api_answers_under_a_path_of_encore_serve_and_keys_are_managed(backend: TestBackend) {
    let home = Home::new(backend).await;
    let key = add_key(&home, "https://blog.example");
    let mut cmd = home.encore();
    // Key state is read again on every call (not every 10 s), so the blocklist edit below shows without a wait.
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .env("ENCORE_SPAM_PATH", "/akismet")
        .env("ENCORE_SPAM_REFRESH_SECONDS", "0");
    let server = Server::start(cmd);
    assert!(server.banner.contains("/akismet/1.1/"), "{}", server.banner);
    let check = |body: String| {
        let url = format!("{}/akismet/1.1/comment-check", server.url);
        async move {
            let response = client()
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            let help = response
                .headers()
                .get("x-akismet-debug-help")
                .map(|v| v.to_str().unwrap().to_owned());
            (response.text().await.unwrap(), help)
        }
    };
    let spam = format!(
        "api_key={key}&blog=https%3A%2F%2Fblog.example&user_ip=203.0.113.9&comment_author=viagra-test-123\
         &comment_content=hello"
    );
    assert_eq!(check(spam.clone()).await.0, "true");
    let linked = format!(
        "api_key={key}&blog=https%3A%2F%2Fblog.example&user_ip=203.0.113.9&comment_author=Jo\
         &comment_content=I+wrote+about+the+same+album+on+my+blog%3A+http%3A%2F%2Fshop.replica.example%2F+and+I+agree+about+the+second+side."
    );
    assert_eq!(check(linked.clone()).await.0, "false");
    // The blog pages are still there.
    assert_eq!(server.get("/").await.status(), 200);

    let mut cmd = home.encore();
    cmd.args([
        "spam",
        "block",
        "add",
        "--key",
        &key,
        "--kind",
        "domain",
        "Replica.Example",
    ]);
    assert!(run(cmd, "").status.success());
    let mut cmd = home.encore();
    cmd.args(["spam", "block", "list", "--key", &key]);
    assert_eq!(text(&run(cmd, "").stdout), "domain\treplica.example\n");
    // The running server reads the list again after its refresh time, here at once.
    assert_eq!(
        check(linked.clone()).await.0,
        "true",
        "the blocklist entry added by another process took effect"
    );

    // Stopped gracefully, the server writes its check records; the log shows verdicts with reasons.
    let mut server = server;
    signal_term(&server);
    let _ = server.child.wait();
    let mut cmd = home.encore();
    cmd.args(["spam", "log", "--key", &key, "--limit", "50"]);
    let log = text(&run(cmd, "").stdout);
    assert!(log.contains("Akismet's test identity for spam"), "{log}");
    assert!(log.contains("blocklisted domain replica.example"), "{log}");
    let mut cmd = home.encore();
    cmd.args(["spam", "key", "list"]);
    let list = text(&run(cmd, "").stdout);
    assert!(
        list.contains(&key) && list.contains("active") && list.contains("https://blog.example"),
        "{list}"
    );
    let line = list.lines().find(|l| l.contains(&key)).unwrap_or_default();
    assert!(!line.contains(" 0 checks"), "usage was counted: {list}");
    assert!(
        list.contains("encore:comments"),
        "the key the server checks its own comments with is listed: {list}"
    );

    let mut cmd = home.encore();
    cmd.args(["spam", "key", "revoke", &key]);
    assert!(run(cmd, "").status.success());
    let mut cmd = home.encore();
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .env("ENCORE_SPAM_PATH", "/akismet");
    let server = Server::start(cmd);
    let url = format!("{}/akismet/1.1/comment-check", server.url);
    let response = client().post(url).body(spam).send().await.unwrap();
    assert_eq!(
        response.headers()["x-akismet-debug-help"],
        "Invalid API key: it has been revoked."
    );
    assert_eq!(response.text().await.unwrap(), "invalid");
}

fn signal_term(server: &Server) {
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(server.child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn eval_reports_scores_and_refuses_bad_corpora() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = Path::new(
        &std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("../encore-spam/seed/comments.tsv");
    let mut cmd = encore(dir.path());
    cmd.args([
        "spam",
        "eval",
        "--folds",
        "4",
        "--show-mistakes",
        "3",
        "--corpus",
    ])
    .arg(&corpus);
    let out = run(cmd, "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    for line in [
        "4-fold cross-validation over 40 texts (20 spam, 20 ham)",
        "precision",
        "recall",
        "F1",
        "false-positive rate",
        "check latency",
        "ham marked spam (most confident first):",
        "spam let through (most confident first):",
    ] {
        assert!(report.contains(line), "{line} missing from {report}");
    }
    let bad = dir.path().join("bad.tsv");
    std::fs::write(&bad, "spam\tok\nperhaps\tnot\n").unwrap();
    let mut cmd = encore(dir.path());
    cmd.args(["spam", "eval", "--corpus"]).arg(&bad);
    let out = run(cmd, "");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("line 2"),
        "{}",
        text(&out.stderr)
    );
}

async fn an_acknowledged_report_survives_a_crash(backend: TestBackend) {
    let home = Home::new(backend).await;
    report_survives_a_crash(&home).await;
}

/// On SQLite in the data directory, or on a PostgreSQL database of the service's own.
async fn report_survives_a_crash(home: &Home) {
    let key = add_key(home, "https://blog.example");
    let pitch = format!(
        "api_key={key}&blog=https%3A%2F%2Fblog.example&user_ip=203.0.113.9&user_agent=Mozilla%2F5.0\
         &comment_author=Studio+Deals&comment_content=Our+studio+offers+mixing+and+mastering+packages+for+your+next+album+at+low+rates"
    );
    let variant = pitch.replace("mixing+and+mastering+packages", "mastering+packages");
    let post = |url: String, body: String| async move {
        client()
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let server = spam_server(home);
    assert_eq!(
        post(format!("{}/1.1/comment-check", server.url), variant.clone()).await,
        "false"
    );
    let thanks = post(format!("{}/1.1/submit-spam", server.url), pitch).await;
    assert_eq!(thanks, "Thanks for making the web a better place.");
    // Power cut right after the answer: no graceful shutdown, no flush.
    server.crash();
    let server = spam_server(home);
    assert_eq!(
        post(format!("{}/1.1/comment-check", server.url), variant).await,
        "true",
        "the report was acknowledged, so the restarted service has learned it"
    );
}
