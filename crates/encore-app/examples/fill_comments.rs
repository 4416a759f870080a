//! Adds a post with a long conversation to the default site of an Encore database, for
//! benchmarks: `fill_comments DATABASE_URL MEDIA_DIR N` writes the post "A long conversation" and
//! N approved comments under it through the use cases, a third of them starting threads and the
//! rest answering earlier comments. Prints the post's address, then the first comment of the last
//! page of threads (at 50 threads a page), for `?comments_from=`.
#![allow(clippy::print_stdout)]

use chrono::{Duration, TimeZone, Utc};
use encore_app::{
    Actor, App,
    comments::{ImportedComment, import_comment},
    posts::{PostDraft, create_post},
};
use encore_core::{
    clock::Clock,
    comment::{CommentForm, CommentStatus},
    ids::CommentId,
    post::PostStatus,
};
use encore_store::{PoolOptions, Store, StoreOptions};

/// Threads on a page, as the default discussion settings show them.
const THREADS_PER_PAGE: usize = 50;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: fill_comments DATABASE_URL MEDIA_DIR N";
    let database_url = args.next().ok_or(usage)?;
    let media_dir = args.next().ok_or(usage)?;
    let n: usize = args.next().ok_or(usage)?.parse()?;
    let store = Store::open(&StoreOptions {
        database_url,
        media_dir: media_dir.into(),
        pool: PoolOptions::default(),
    })
    .await?;
    store.migrate().await?;
    let app = App::new(store.clone(), Clock::system());
    let site = store
        .sites()
        .default_site()
        .await?
        .ok_or("no default site: run `encore demo` on this database first")?;
    let author = store
        .accounts()
        .members(site.id)
        .await?
        .into_iter()
        .next()
        .ok_or("the default site has no author")?;
    let published = Utc
        .with_ymd_and_hms(2026, 6, 1, 9, 0, 0)
        .single()
        .ok_or("bad date")?;
    let mut draft = PostDraft::new(
        author.id,
        "A long conversation",
        "What was the first record you bought with your own money? Tell me below.",
    );
    draft.status = PostStatus::Published;
    draft.published_at = Some(published);
    let saved = create_post(&app, Actor::Operator, site.id, draft).await?;
    let post = saved.id;
    let mut ids: Vec<CommentId> = Vec::with_capacity(n);
    let mut tops: Vec<CommentId> = Vec::new();
    for i in 0..n {
        // Every third comment starts a thread; the others answer a recent comment, so threads
        // nest a few levels deep.
        let parent = (i % 3 != 0).then(|| ids[ids.len() - 1 - (i * 7) % ids.len().min(20)]);
        let form = CommentForm {
            post,
            parent,
            name: format!("Reader {}", i % 700),
            email: format!("reader{}@example.org", i % 700),
            website: String::new(),
            body: format!(
                "Comment {i}: my first record was a *seven-inch* single from the market, \
                 played until the grooves went grey. Still have it."
            ),
        };
        let comment = ImportedComment {
            form,
            status: CommentStatus::Approved,
            at: published + Duration::minutes(i as i64),
        };
        let id = import_comment(&app, Actor::Operator, site.id, comment).await?;
        if parent.is_none() {
            tops.push(id);
        }
        ids.push(id);
    }
    let last_page = tops.len().saturating_sub(1).div_euclid(THREADS_PER_PAGE) * THREADS_PER_PAGE;
    println!("{}", saved.path);
    println!("{}", tops.get(last_page).map_or(0, |c| c.0));
    store.close().await;
    Ok(())
}
