//! `encore demo`: the seed's music blog, end to end, on SQLite and PostgreSQL.

use crate::support::{Home, Server, all_between, between};
use encore_store::testing::TestBackend;
use sha2::{Digest, Sha256};

encore_store::backend_tests!(
    the_demo_serves_the_seed_post_and_a_second_run_keeps_the_data,
    an_acknowledged_download_survives_a_crash,
);

const ROCKY_IV: [&str; 10] = [
    "Survivor – Burning Heart",
    "John Cafferty &amp; The Beaver Brown Band – Hearts on Fire",
    "Kenny Loggins &amp; Gladys Knight – Double or Nothing",
    "Survivor – Eye of the Tiger",
    "Vince DiCola – War",
    "James Brown – Living in America",
    "Robert Tepper – No Easy Way Out",
    "Go West – One Way Street",
    "Touch – The Sweetest Victory",
    "Vince DiCola – Training Montage",
];

fn demo_in(home: &Home) -> std::process::Command {
    let mut cmd = home.encore();
    cmd.args(["demo", "--listen", "127.0.0.1:0"]);
    cmd
}

/// Finds the Rocky IV post from the home page and checks everything the seed promises on it.
async fn check_rocky_iv(server: &Server) -> String {
    let home = server.page("/").await;
    let path = all_between(&home, "<h2 class=\"card-title\"><a href=\"", "</a>")
        .into_iter()
        .find_map(|card| card.strip_suffix("\">Rocky IV"))
        .expect("Rocky IV on the home page")
        .to_owned();
    assert!(home.contains(">The Cult – Love</a>") && home.contains(">Back to the Future</a>"));
    let html = server.page(&path).await;
    let listing: Vec<String> = all_between(&html, "<li value=", "</li>")
        .into_iter()
        .map(|li| {
            format!(
                "{} – {}",
                between(li, "track-artist\">", "<").unwrap(),
                between(li, "track-title\">", "<").unwrap()
            )
        })
        .collect();
    assert_eq!(listing, ROCKY_IV, "the ten tracks, in order");
    assert!(html.contains(
        "Part 2 of 3 in <a href=\"/series/great-soundtracks-of-1985\">Great Soundtracks of 1985</a>"
    ));
    assert!(html.contains("Next in series: The Cult – Love"));
    assert!(html.contains("in <a href=\"/category/1985\">1985</a>"));
    assert!(
        html.contains("data-embed-src=\"https://www.youtube-nocookie.com/embed/"),
        "the embedded video"
    );
    let ld: serde_json::Value = serde_json::from_str(
        between(&html, "<script type=\"application/ld+json\">", "</script>").unwrap(),
    )
    .unwrap();
    assert_eq!(ld["@type"], "BlogPosting");
    assert_eq!(ld["about"]["@type"], "MusicPlaylist");
    assert_eq!(ld["about"]["track"].as_array().unwrap().len(), 10);
    assert_eq!(ld["about"]["track"][3]["name"], "Eye of the Tiger");
    assert_eq!(ld["about"]["track"][3]["byArtist"]["name"], "Survivor");
    // The conversation: eighteen responses, threaded, liked, and the post liked too.
    assert!(html.contains("18 Responses to “Rocky IV”"), "{html}");
    assert!(html.contains("<ol class=\"children\">"));
    assert!(html.contains("7 bloggers like this."));
    assert!(html.contains("Liked by 3 people"));
    // Drafts and scheduled posts stay hidden.
    assert!(!home.contains("Beverly Hills Cop") && !home.contains("first snow"));
    assert!(
        !html.contains("Beverly Hills Cop"),
        "a draft part is not in the series box"
    );
    path
}

/// Downloads the file the Rocky IV page offers and checks it against the published checksum.
async fn download(server: &Server, post: &str) -> (String, String) {
    download_as(server, post, "Mozilla/5.0 (a reader)").await
}

/// Downloads the file as a reader whose browser says `agent` (one reader's repeats count once).
async fn download_as(server: &Server, post: &str, agent: &str) -> (String, String) {
    let html = server.page(post).await;
    let href = between(&html, "class=\"download-name\" href=\"", "\"")
        .unwrap()
        .to_owned();
    let sha = between(&html, "SHA-256 <code>", "</code>")
        .unwrap()
        .to_owned();
    let response = crate::support::client()
        .get(format!("{}{href}", server.url))
        .header("user-agent", agent)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap();
    assert_eq!(hex::encode(Sha256::digest(&bytes)), sha);
    assert!(String::from_utf8_lossy(&bytes).contains("Vince DiCola - Training Montage"));
    (href, sha)
}

async fn the_demo_serves_the_seed_post_and_a_second_run_keeps_the_data(backend: TestBackend) {
    let home = Home::new(backend).await;
    let server = Server::start(demo_in(&home));
    assert!(
        server.banner.contains("Created the demo music blog"),
        "{}",
        server.banner
    );
    assert!(
        home.path().join("encore-data/media").exists(),
        "the data directory is created"
    );
    assert_eq!(
        home.path().join("encore-data/encore.db").exists(),
        backend == TestBackend::Sqlite,
        "the SQLite file is made only when SQLite is the database"
    );
    let post = check_rocky_iv(&server).await;
    download(&server, &post).await;
    drop(server);

    let again = Server::start(demo_in(&home));
    assert!(
        again.banner.contains("already in place"),
        "{}",
        again.banner
    );
    check_rocky_iv(&again).await;
    let html = again.page(&post).await;
    assert!(
        html.contains("downloaded 1 time"),
        "the counter survived the restart"
    );
    assert_eq!(
        all_between(&again.page("/").await, "class=\"card-title\"", "</h2>").len(),
        4,
        "nothing seeded twice"
    );
}

async fn an_acknowledged_download_survives_a_crash(backend: TestBackend) {
    let home = Home::new(backend).await;
    let server = Server::start(demo_in(&home));
    let post = check_rocky_iv(&server).await;
    for reader in ["first reader", "second reader", "third reader"] {
        download_as(&server, &post, reader).await;
    }
    // SIGKILL: no shutdown, no flush, no goodbye.
    server.crash();
    let restarted = Server::start(demo_in(&home));
    assert!(restarted.page(&post).await.contains("downloaded 3 times"));
}
