//! Starting a node never rewrites the blog: site settings live in the database, the
//! configuration only seeds them, and `encore site set` changes them on purpose for every node.

use crate::support::{Home, Server, between, run, text};
use encore_store::testing::TestBackend;
use std::time::{Duration, Instant};

fn title_of(html: &str) -> String {
    between(
        html,
        "<p class=\"site-title\"><a href=\"/\" rel=\"home\">",
        "</a>",
    )
    .unwrap_or_default()
    .to_owned()
}

fn canonical_of(html: &str) -> String {
    between(html, "<link rel=\"canonical\" href=\"", "\"")
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn serving_the_demo_data_keeps_the_demo_blog_as_it_is() {
    let home = Home::new(TestBackend::Sqlite).await;
    let mut cmd = home.encore();
    cmd.args(["demo", "--listen", "127.0.0.1:0"]);
    let demo = Server::start(cmd);
    let before = demo.page("/").await;
    assert_eq!(title_of(&before), "Cassette Diaries");
    let address = canonical_of(&before);
    assert_eq!(address, format!("{}/", demo.url));
    drop(demo);

    // A plain `encore serve` on the same data, on another port, with default settings.
    let mut cmd = home.encore();
    cmd.args(["serve", "--listen", "127.0.0.1:0"]);
    let served = Server::start(cmd);
    let after = served.page("/").await;
    assert_eq!(title_of(&after), "Cassette Diaries", "not renamed");
    assert_eq!(
        canonical_of(&after),
        address,
        "links keep the site's address"
    );
    assert!(after.contains("Soundtracks, B-sides"), "the tagline stays");
    assert!(
        !served.log().contains("WARN"),
        "nothing configured, nothing to report: {}",
        served.log()
    );
}

encore_store::backend_tests!(a_stale_configuration_is_reported_and_changes_nothing);

async fn a_stale_configuration_is_reported_and_changes_nothing(backend: TestBackend) {
    let home = Home::new(backend).await;
    let mut cmd = home.encore();
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .env("ENCORE_SITE_TITLE", "Side A")
        .env("ENCORE_BASE_URL", "https://side-a.example");
    let first = Server::start(cmd);
    assert_eq!(title_of(&first.page("/").await), "Side A");
    let mut cmd = home.encore();
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .env("ENCORE_SITE_TITLE", "Stale Title")
        .env("ENCORE_BASE_URL", "http://old-address.example");
    let second = Server::start(cmd);
    let page = second.page("/").await;
    assert_eq!(title_of(&page), "Side A");
    assert_eq!(canonical_of(&page), "https://side-a.example/");
    let log = second.log();
    assert!(
        log.contains("site_title") && log.contains("\"Stale Title\"") && log.contains("\"Side A\""),
        "the warning names the setting and both values: {log}"
    );
    assert!(
        log.contains("base_url") && log.contains("http://old-address.example"),
        "{log}"
    );
    assert_eq!(
        title_of(&first.page("/").await),
        "Side A",
        "the first node is untouched"
    );
}

/// Two nodes on one PostgreSQL database, started with different settings, serve the stored
/// ones; `encore site set` changes them and both nodes show the change within a second.
#[tokio::test]
async fn site_set_reaches_every_node_within_a_second() {
    let home = Home::new(TestBackend::Postgres).await;
    let node = |title: &str| {
        let mut cmd = home.encore();
        cmd.args(["serve", "--listen", "127.0.0.1:0"])
            .env("ENCORE_SITE_TITLE", title);
        Server::start(cmd)
    };
    let a = node("Node A idea");
    let b = node("Node B idea");
    for server in [&a, &b] {
        let page = server.page("/").await;
        assert_eq!(title_of(&page), "Node A idea");
        assert_eq!(canonical_of(&page), format!("{}/", a.url));
    }
    let mut cmd = home.encore();
    cmd.args([
        "site",
        "set",
        "--title",
        "Cassette Diaries",
        "--tagline",
        "Soundtracks and B-sides",
        "--base-url",
        "https://music.example.org",
    ]);
    let out = run(cmd, "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("https://music.example.org"));
    let changed = Instant::now();
    for server in [&a, &b] {
        loop {
            let page = server.page("/").await;
            if title_of(&page) == "Cassette Diaries" {
                assert_eq!(canonical_of(&page), "https://music.example.org/");
                assert!(page.contains("Soundtracks and B-sides"));
                break;
            }
            assert!(
                changed.elapsed() < Duration::from_secs(1),
                "{} still shows {:?} a second later",
                server.url,
                title_of(&page)
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[test]
fn site_set_refuses_bad_values_with_the_field_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = crate::support::encore(dir.path());
    cmd.args(["serve", "--listen", "127.0.0.1:0"]);
    drop(Server::start(cmd));
    for (flag, value, field) in [
        ("--base-url", "ftp://x.example", "base_url"),
        ("--title", "   ", "title"),
        ("--new-host", "bad host", "host"),
    ] {
        let mut cmd = crate::support::encore(dir.path());
        cmd.args(["site", "set", flag, value]);
        let out = run(cmd, "");
        assert!(!out.status.success(), "{flag} {value:?} was accepted");
        assert!(text(&out.stderr).contains(field), "{}", text(&out.stderr));
    }
}

/// An edit written by another process reaches the page caches of both nodes within a second.
#[tokio::test]
async fn an_edit_reaches_every_nodes_page_cache_within_a_second() {
    let home = Home::new(TestBackend::Postgres).await;
    let node = || {
        let mut cmd = home.encore();
        cmd.args(["serve", "--listen", "127.0.0.1:0"]);
        Server::start(cmd)
    };
    let (a, b) = (node(), node());
    let mut cmd = home.encore();
    cmd.args([
        "user",
        "add",
        "--username",
        "marty",
        "--email",
        "marty@example.org",
        "--password-stdin",
    ]);
    assert!(run(cmd, "a long enough passphrase\n").status.success());
    let file = home.path().join("post.md");
    std::fs::write(
        &file,
        "+++\ntitle = \"Side A\"\nstatus = \"published\"\ndate = 2026-09-19T09:30:00Z\n+++\nFirst pressing.\n",
    )
    .unwrap();
    let mut cmd = home.encore();
    cmd.args(["post", "add", "post.md"]);
    let out = run(cmd, "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let id = between(&text(&out.stdout), "Created post ", " at ")
        .unwrap()
        .to_owned();
    let path = "/2026/09/19/side-a";
    for server in [&a, &b] {
        // Wait for the new post to appear (it is new: nothing was cached yet), then cache it.
        let started = Instant::now();
        while server.get(path).await.status() != 200 {
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "{} never showed it",
                server.url
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        for page in ["/", path] {
            let started = Instant::now();
            while server.get(page).await.headers()["x-encore-cache"] != "hit" {
                assert!(
                    started.elapsed() < Duration::from_secs(1),
                    "{page} is not cached"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    std::fs::write(
        &file,
        "+++\ntitle = \"Side A\"\nslug = \"side-a\"\nstatus = \"published\"\ndate = 2026-09-19T09:30:00Z\n+++\nSecond pressing, remastered.\n",
    )
    .unwrap();
    let mut cmd = home.encore();
    cmd.args(["post", "edit", &id, "post.md"]);
    assert!(run(cmd, "").status.success());
    let edited = Instant::now();
    for server in [&a, &b] {
        loop {
            if server
                .page(path)
                .await
                .contains("Second pressing, remastered.")
            {
                break;
            }
            assert!(
                edited.elapsed() < Duration::from_secs(1),
                "{} still shows the old text a second later",
                server.url
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            server.page("/").await.contains("Second pressing"),
            "the home page's teaser too"
        );
    }
}

/// The owner opens sign-up and invites someone from the command line; a running server honours
/// both, and the invitation's link works before any mail is sent.
#[tokio::test]
async fn sign_up_and_invitations_are_set_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = crate::support::encore(dir.path());
    cmd.args(["serve", "--listen", "127.0.0.1:0"]);
    let server = Server::start(cmd);
    assert_eq!(server.get("/account/signup").await.status(), 403);

    let mut cmd = crate::support::encore(dir.path());
    cmd.args(["site", "set", "--signup", "open"]);
    let out = run(cmd, "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("is open"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(server.get("/account/signup").await.status(), 200);

    let mut cmd = crate::support::encore(dir.path());
    cmd.args([
        "user",
        "invite",
        "--email",
        "guest@example.org",
        "--role",
        "editor",
    ]);
    let out = run(cmd, "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("smtp.url is not set"), "{said}");
    let link = said
        .split_whitespace()
        .find(|w| w.contains("/account/invite/"))
        .expect("the link is printed");
    let path = &link[link.find("/account/").unwrap()..];
    let page = server.get(path).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("guest@example.org"));

    let mut cmd = crate::support::encore(dir.path());
    cmd.args(["user", "invite", "--email", "not an address"]);
    let out = run(cmd, "");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("email"), "{}", text(&out.stderr));
}
