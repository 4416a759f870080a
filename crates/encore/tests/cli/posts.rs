//! `encore post`: writing from the terminal beside a running server, and files that round-trip.

use crate::support::{Home, Server, between, run, text};
use encore_store::testing::TestBackend;
use std::time::{Duration, Instant};

encore_store::backend_tests!(post_files_round_trip_and_a_running_server_shows_each_change);

const ROCKY: &str = r#"+++
title = "Rocky IV"
date = 2026-09-19T09:30:00Z
status = "published"
excerpt = "Synthesizers, Survivor and a training montage."
categories = ["1985"]
tags = ["Soundtracks", "Survivor"]
series = "Great Soundtracks of 1985"
part = 2
tracks = """
1. Survivor – Burning Heart (3:51)
2. Vince DiCola – War (5:54)
"""
embeds = ["https://www.youtube.com/watch?v=btPJPFnesV4"]
downloads = ["sleeve notes.txt"]
+++
The soundtrack that made a generation buy a synthesizer.
"#;

fn encore_ok(home: &Home, args: &[&str]) -> String {
    let mut cmd = home.encore();
    cmd.args(args);
    let out = run(cmd, "");
    assert!(
        out.status.success(),
        "encore {args:?}: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn encore_err(home: &Home, args: &[&str]) -> String {
    let mut cmd = home.encore();
    cmd.args(args);
    let out = run(cmd, "");
    assert!(!out.status.success(), "encore {args:?} should fail");
    text(&out.stderr)
}

/// Waits (at most a second) until `path` on `server` satisfies `ok`.
async fn within_a_second(server: &Server, path: &str, ok: impl Fn(u16, &str) -> bool) {
    let started = Instant::now();
    loop {
        let response = server.get(path).await;
        let status = response.status().as_u16();
        let body = response.text().await.unwrap();
        if ok(status, &body) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{path} did not change within a second: {status}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn post_files_round_trip_and_a_running_server_shows_each_change(backend: TestBackend) {
    let home = Home::new(backend).await;
    let mut cmd = home.encore();
    cmd.args(["serve", "--listen", "127.0.0.1:0"]);
    let server = Server::start(cmd);
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
    let drafts = home.path().join("drafts");
    std::fs::create_dir_all(&drafts).unwrap();
    std::fs::write(drafts.join("rocky.md"), ROCKY).unwrap();
    std::fs::write(drafts.join("sleeve notes.txt"), "Side A: Burning Heart\n").unwrap();

    let added = encore_ok(&home, &["post", "add", "drafts/rocky.md"]);
    let id = between(&added, "Created post ", " at ").unwrap().to_owned();
    let path = "/2026/09/19/rocky-iv";
    assert!(added.contains(&format!("{}{path}", server.url)), "{added}");
    let page = server.page(path).await;
    assert!(page.contains("class=\"track-title\">Burning Heart<"));
    assert!(page.contains("Part 1 of 1 in <a href=\"/series/great-soundtracks-of-1985\">"));
    assert!(page.contains("data-embed-src=\"https://www.youtube-nocookie.com/embed/btPJPFnesV4\""));
    assert!(page.contains("/download/") && page.contains("sleeve%20notes.txt"));
    let list = encore_ok(&home, &["post", "list"]);
    assert!(
        list.contains(&format!(
            "{id}\tpost\tpublished\t2026-09-19 09:30\t{path}\tRocky IV"
        )),
        "{list}"
    );

    // Both pages get into the server's page cache (once the server has read the change record of
    // the `post add` above, at most a quarter second later); the edits below come from other
    // processes.
    for page in ["/", path] {
        within_a_second(&server, page, |status, _| status == 200).await;
        let started = Instant::now();
        while server.get(page).await.headers()["x-encore-cache"] != "hit" {
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "{page} is not cached"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    // Export, edit the file, read it back: the same post, changed.
    let exported = encore_ok(&home, &["post", "export", &id, "--dir", "out"]);
    assert!(exported.contains("rocky-iv.md"), "{exported}");
    let file = std::fs::read_to_string(home.path().join("out/rocky-iv.md")).unwrap();
    for line in [
        "title = \"Rocky IV\"",
        "date = 2026-09-19T09:30:00Z",
        "status = \"published\"",
        "categories = [\"1985\"]",
        "tags = [\"Soundtracks\", \"Survivor\"]",
        "series = \"Great Soundtracks of 1985\"",
        "part = 2",
        "1. Survivor – Burning Heart (3:51)",
        "downloads = [\"sleeve notes.txt\"]",
        "author = \"marty\"",
    ] {
        assert!(file.contains(line), "{line} missing from:\n{file}");
    }
    assert_eq!(
        std::fs::read_to_string(home.path().join("out/sleeve notes.txt")).unwrap(),
        "Side A: Burning Heart\n"
    );
    std::fs::write(
        home.path().join("out/rocky-iv.md"),
        file.replace("title = \"Rocky IV\"", "title = \"Rocky IV (Expanded)\"")
            .replace("slug = \"rocky-iv\"\n", ""),
    )
    .unwrap();
    encore_ok(&home, &["post", "edit", &id, "out/rocky-iv.md"]);
    let new_path = "/2026/09/19/rocky-iv-expanded";
    within_a_second(&server, new_path, |status, body| {
        status == 200 && body.contains("Rocky IV (Expanded)")
    })
    .await;
    within_a_second(&server, "/", |_, body| body.contains("Rocky IV (Expanded)")).await;
    let list = encore_ok(&home, &["post", "list"]);
    assert!(
        list.contains(&format!(
            "{id}\tpost\tpublished\t2026-09-19 09:30\t{new_path}\tRocky IV (Expanded)"
        )),
        "the same post, changed: {list}"
    );
    assert_eq!(list.lines().count(), 1, "{list}");

    encore_ok(&home, &["post", "delete", &id]);
    within_a_second(&server, new_path, |status, _| status == 404).await;
    within_a_second(&server, "/", |_, body| !body.contains("Rocky IV")).await;

    // Files that cannot be read say why.
    std::fs::write(drafts.join("bad.md"), "title: Rocky IV\n").unwrap();
    assert!(encore_err(&home, &["post", "add", "drafts/bad.md"]).contains("+++"));
    std::fs::write(
        drafts.join("typo.md"),
        "+++\ntitle = \"x\"\ntagz = [\"a\"]\n+++\n",
    )
    .unwrap();
    assert!(encore_err(&home, &["post", "add", "drafts/typo.md"]).contains("tagz"));
    std::fs::write(drafts.join("page.md"), "+++\ntitle = \"About\"\nkind = \"page\"\nstatus = \"published\"\ndate = 2026-01-01\n+++\nHi.\n").unwrap();
    encore_ok(&home, &["post", "add", "drafts/page.md"]);
    let taken = encore_err(&home, &["post", "add", "drafts/page.md"]);
    assert!(taken.contains("slug") && taken.contains("taken"), "{taken}");
    assert!(encore_err(&home, &["post", "delete", "99999"]).contains("no post 99999"));
}
