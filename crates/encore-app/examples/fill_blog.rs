//! Fills the default site of an Encore database with many posts, through the use cases, for
//! benchmarks: `cargo run --release -p encore-app --example fill_blog -- DATABASE_URL MEDIA_DIR N`.
//!
//! The posts are spread over years, categories, tags and series the way a long-running music blog
//! would have them; each has a short body and a three-track listing.
#![allow(clippy::print_stdout)]

use chrono::{Duration, TimeZone, Utc};
use encore_app::{
    Actor, App,
    posts::{PostDraft, Ref, create_post},
};
use encore_core::{clock::Clock, post::PostStatus, tracks::parse_listing};
use encore_store::{PoolOptions, Store, StoreOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: fill_blog DATABASE_URL MEDIA_DIR N";
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
    let start = Utc
        .with_ymd_and_hms(2010, 1, 1, 9, 0, 0)
        .single()
        .ok_or("bad start date")?;
    let listing = parse_listing(
        "1. Side A Band – Opening Track (3:30)\n2. Side A Band – Second Song (4:05)\n3. Side B Band – Closer (5:12)",
    )?;
    for i in 0..n {
        let mut draft = PostDraft::new(
            author.id,
            &format!("Archive record {i:05}"),
            &format!(
                "Notes on record number {i}: where I found it, what it sounds like, and why it \
                 stayed in the rotation.\n\nThe second side is where it gets *interesting*."
            ),
        );
        draft.status = PostStatus::Published;
        draft.published_at = Some(start + Duration::hours(i as i64 * 13));
        draft.categories = vec![Ref::Name(format!("Genre {}", i % 12))];
        draft.tags = vec![
            Ref::Name(format!("Label {}", i % 40)),
            Ref::Name(format!("Decade {}", 1960 + (i % 6) * 10)),
        ];
        if i % 10 == 0 {
            draft.series = Some((
                Ref::Name(format!("Series {}", i / 500)),
                (i as i64 % 500) / 10 + 1,
            ));
        }
        draft.tracks = listing.clone();
        create_post(&app, Actor::Operator, site.id, draft).await?;
        if (i + 1) % 1000 == 0 {
            println!("{} posts", i + 1);
        }
    }
    store.close().await;
    Ok(())
}
