//! Test support for the crates above this one: the store's post builder, published through the
//! use cases (so the page cache hears of it, as it would of a real writer).
#![allow(clippy::unwrap_used)]

use crate::{
    Actor, App,
    posts::{PostDraft, Ref, create_post},
};
use encore_core::{ids::PostId, post::NewPost};
use encore_store::testing::fixtures::PostBuilder;

/// The draft that creates the builder's post.
pub fn draft_of(post: &NewPost) -> PostDraft {
    PostDraft {
        kind: post.kind,
        status: post.status,
        slug: post.slug.clone(),
        title: post.title.clone(),
        excerpt: post.excerpt.clone(),
        body: post.body.clone(),
        published_at: post.published_at,
        author: post.author_id,
        categories: post.categories.iter().copied().map(Ref::Id).collect(),
        tags: post.tags.iter().copied().map(Ref::Id).collect(),
        series: post.series.map(|(id, part)| (Ref::Id(id), part)),
        tracks: post.tracks.clone(),
        downloads: post.downloads.clone(),
    }
}

/// Publishing a [`PostBuilder`] through the application layer.
pub trait Publish {
    /// Creates the post as a writer would; panics when the use case refuses it.
    fn publish(self, app: &App) -> impl std::future::Future<Output = PostId> + Send;
}

impl Publish for PostBuilder {
    async fn publish(self, app: &App) -> PostId {
        let site = self.0.site_id;
        create_post(app, Actor::Operator, site, draft_of(&self.0))
            .await
            .unwrap()
            .id
    }
}
