//! A crash in the middle of a conversation: the server is killed (SIGKILL) while readers post
//! comments and likes, twenty times over; after each restart, every comment and like it answered
//! with success is there.

use crate::support::{Home, Server, between, client};
use encore_store::{likes::Liked, testing::TestBackend};
use sha2::{Digest, Sha256};
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

encore_store::backend_tests!(acknowledged_comments_and_likes_survive_sigkill,);

/// Rounds of load and crash.
const ROUNDS: usize = 20;
/// Readers sending at once.
const READERS: usize = 6;

/// What the server said yes to.
#[derive(Default)]
struct Acknowledged {
    /// The words of each comment answered 303.
    comments: Vec<String>,
    /// The like cookie of each like answered 303.
    likes: Vec<String>,
}

/// A form body: the values here need no escaping beyond spaces, commas and `@`.
fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let v = v
                .replace(' ', "+")
                .replace(',', "%2C")
                .replace('@', "%40")
                .replace(':', "%3A");
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn demo(home: &Home) -> std::process::Command {
    let mut cmd = home.encore();
    cmd.args(["demo", "--listen", "127.0.0.1:0"])
        .env("ENCORE_COMMENTS_PER_MINUTE", "0")
        .env("ENCORE_LIKES_PER_MINUTE", "0");
    cmd
}

/// One reader: comments (or, for `likes`, likes) as fast as answers come, until the server is
/// gone.
async fn reader(
    url: String,
    post: String,
    (round, me, likes): (usize, usize, bool),
    acked: Arc<Mutex<Acknowledged>>,
) {
    let http = client();
    for n in 0.. {
        if likes {
            let cookie = format!("crashtester{round:02}x{me:02}x{n:06}");
            let liked = http
                .post(format!("{url}/likes"))
                .header("Cookie", format!("encore_liker={cookie}"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(form(&[("post", post.as_str()), ("do", "like")]))
                .send()
                .await;
            match liked {
                Ok(answer) if answer.status() == 303 => acked.lock().unwrap().likes.push(cookie),
                Ok(answer) => panic!("a like was answered {}", answer.status()),
                Err(_) => return, // the server is gone
            }
            continue;
        }
        let tag = format!("{round}-{me}-{n}");
        if comment(&http, &url, &post, &tag).await.is_err() {
            return;
        }
        acked.lock().unwrap().comments.push(words(&tag));
    }
}

fn words(tag: &str) -> String {
    format!("Comment {tag}: the montage, again.")
}

/// Sends one guest comment tagged `tag`; an error when the server is gone.
async fn comment(http: &reqwest::Client, url: &str, post: &str, tag: &str) -> Result<(), ()> {
    let words = words(tag);
    let email = format!("r{tag}@example.org");
    let sent = http
        .post(format!("{url}/comments"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("post", post),
            ("name", "Crash Tester"),
            ("email", email.as_str()),
            ("comment", words.as_str()),
        ]))
        .send()
        .await;
    match sent {
        Ok(answer) if answer.status() == 303 => Ok(()),
        Ok(answer) => panic!("a comment was answered {}", answer.status()),
        Err(_) => Err(()),
    }
}

async fn acknowledged_comments_and_likes_survive_sigkill(backend: TestBackend) {
    let home = Home::new(backend).await;
    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let mut post = String::new();
    for round in 0..ROUNDS {
        let server = Server::start(demo(&home));
        if post.is_empty() {
            let front = server.page("/").await;
            let path =
                crate::support::all_between(&front, "<h2 class=\"card-title\"><a href=\"", "\"")
                    .into_iter()
                    .find(|p| p.ends_with("/rocky-iv"))
                    .unwrap()
                    .to_owned();
            post = between(&server.page(&path).await, "name=\"post\" value=\"", "\"")
                .unwrap()
                .to_owned();
        }
        // The first comment after a start waits for the spam engine to make its model: send one
        // before the load, so that the crash lands among many writes.
        let warm = format!("{round}-warm");
        comment(&client(), &server.url, &post, &warm).await.unwrap();
        acked.lock().unwrap().comments.push(words(&warm));
        let readers: Vec<_> = (0..READERS)
            .map(|me| {
                let who = (round, me, me % 2 == 1);
                tokio::spawn(reader(server.url.clone(), post.clone(), who, acked.clone()))
            })
            .collect();
        // Killed a little later each round, wherever the writes are.
        tokio::time::sleep(Duration::from_millis(300 + 37 * round as u64)).await;
        server.crash();
        for reader in readers {
            reader.await.unwrap();
        }
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert!(
        acked.comments.len() >= 2 * ROUNDS && acked.likes.len() >= ROUNDS,
        "the load reached the server: {} comments, {} likes",
        acked.comments.len(),
        acked.likes.len()
    );
    let store = home.store().await;
    let site = store.sites().default_site().await.unwrap().unwrap();
    let stored: std::collections::HashSet<String> = store
        .comments()
        .queue(site.id, &Default::default(), None, 1_000_000)
        .await
        .unwrap()
        .into_iter()
        .map(|q| q.comment.body)
        .collect();
    let lost: Vec<&String> = acked
        .comments
        .iter()
        .filter(|w| !stored.contains(*w))
        .collect();
    assert!(lost.is_empty(), "answered, then lost: {lost:?}");
    let post = encore_core::ids::PostId(post.parse().unwrap());
    for cookie in &acked.likes {
        let key = format!("v:{}", hex::encode(Sha256::digest(cookie.as_bytes())));
        assert!(
            store.likes().likes(Liked::Post(post), &key).await.unwrap(),
            "the like of {cookie} was answered, then lost"
        );
    }
}
