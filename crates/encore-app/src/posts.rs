//! Posts and pages: writing, publishing, editing and deleting them.
//!
//! Categories, tags and series are named in the draft and found or created in the same
//! transaction as the post. What changed for readers is worked out from where the post stood
//! before and stands after (see [`encore_core::change`]): an edit that keeps a published post
//! where it was touches only the pages that show it; anything that moves it touches the site.

use crate::{Actor, App, AppError, Result};
use chrono::{DateTime, Utc};
use encore_core::{
    change::{Change, Topic},
    ids::{AccountId, CategoryId, DownloadId, PostId, SeriesId, SiteId, TagId},
    post::{NewPost, PostKind, PostStatus, Rendered, post_path},
    roles::Capability,
    tracks::Track,
};
use encore_store::{Tx, posts::Placement};

/// A post or page as its writer gives it: categories, tags and series by name.
#[derive(Debug, Clone)]
pub struct PostDraft {
    /// Post or page.
    pub kind: PostKind,
    /// Draft, pending review, private or published (a future time schedules it).
    pub status: PostStatus,
    /// Address name; derived from the title when empty.
    pub slug: String,
    /// Headline.
    pub title: String,
    /// Optional teaser.
    pub excerpt: String,
    /// Markdown body.
    pub body: String,
    /// Release time (required to publish).
    pub published_at: Option<DateTime<Utc>>,
    /// The author.
    pub author: AccountId,
    /// Categories; missing names are created.
    pub categories: Vec<Ref<CategoryId>>,
    /// Tags; missing names are created.
    pub tags: Vec<Ref<TagId>>,
    /// The series and the post's part in it; a missing name is created.
    pub series: Option<(Ref<SeriesId>, i64)>,
    /// Track listing, numbered from 1.
    pub tracks: Vec<Track>,
    /// Downloads offered, in order.
    pub downloads: Vec<DownloadId>,
    /// The year it is about, apart from when it is published.
    pub subject_year: Option<i32>,
    /// The save the writer's form started from (a revision id, 0 for none): when someone saved
    /// since, [`update_post`] refuses with [`AppError::EditConflict`] instead of overwriting.
    /// `None` saves whatever the latest is.
    pub based_on: Option<i64>,
    /// Its featured picture, from the media library.
    pub featured_image: Option<DownloadId>,
    /// Whether it takes comments.
    pub comments_open: bool,
}

/// A category, tag or series: one that exists, or one by name, created when missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ref<I> {
    /// An existing one of the site.
    Id(I),
    /// The one with this name (its slug), created when missing.
    Name(String),
}

impl PostDraft {
    /// A draft post by `author` with this title and body, nothing else set.
    pub fn new(author: AccountId, title: &str, body: &str) -> PostDraft {
        PostDraft {
            kind: PostKind::Post,
            status: PostStatus::Draft,
            slug: String::new(),
            title: title.to_owned(),
            excerpt: String::new(),
            body: body.to_owned(),
            published_at: None,
            author,
            categories: Vec::new(),
            tags: Vec::new(),
            series: None,
            tracks: Vec::new(),
            downloads: Vec::new(),
            subject_year: None,
            based_on: None,
            featured_image: None,
            comments_open: true,
        }
    }
}

/// A saved post: where it lives and what changed for readers.
#[derive(Debug, Clone)]
pub struct Saved {
    /// The post.
    pub id: PostId,
    /// Its address (public once it is published and its time has come).
    pub path: String,
    /// What readers see differently.
    pub change: Change,
}

/// Writes a new post or page.
pub async fn create_post(app: &App, actor: Actor, site: SiteId, draft: PostDraft) -> Result<Saved> {
    may_write(actor, &draft, None)?;
    let now = app.clock().now();
    let mut tx = app.store().begin().await?;
    let post = resolve(&mut tx, site, draft, now).await?;
    let rendered = Rendered::of(&post.body, &post.excerpt);
    let id = tx.posts().insert(&post, &rendered, now).await?;
    tx.posts()
        .keep_revision(id, &post, actor.account(), now)
        .await?;
    if let Some(account) = actor.account() {
        // What the editor kept of this new post while it was being written is saved now.
        tx.posts().drop_autosave(site, Some(account), None).await?;
    }
    let after = placement_of(&post);
    let change = Change::on(site, topics(id, None, Some(&after)));
    let change = app.commit(tx, change).await?;
    Ok(Saved {
        id,
        path: post_path(post.kind, &post.slug, post.published_at),
        change,
    })
}

/// Replaces a post's content and placement with `draft`.
pub async fn update_post(
    app: &App,
    actor: Actor,
    site: SiteId,
    id: PostId,
    draft: PostDraft,
) -> Result<Saved> {
    let now = app.clock().now();
    let mut tx = app.store().begin().await?;
    let before = tx
        .posts()
        .placement(site, id)
        .await?
        .ok_or(AppError::NotFound("post"))?;
    may_write(actor, &draft, Some(&before))?;
    if let Some(base) = draft.based_on {
        let head = tx.posts().head(site, id).await?;
        if head.revision != base {
            return Err(AppError::EditConflict {
                saved_by: head.saved_by.unwrap_or_else(|| "the command line".into()),
                saved_at: head.saved_at.unwrap_or(now),
                revision: head.revision,
            });
        }
    }
    let post = resolve(&mut tx, site, draft, now).await?;
    let rendered = Rendered::of(&post.body, &post.excerpt);
    tx.posts().update(id, &post, &rendered, now).await?;
    tx.posts()
        .keep_revision(id, &post, actor.account(), now)
        .await?;
    if let Some(account) = actor.account() {
        tx.posts()
            .drop_autosave(site, Some(account), Some(id))
            .await?;
    }
    let after = placement_of(&post);
    let change = Change::on(site, topics(id, Some(&before), Some(&after)));
    let change = app.commit(tx, change).await?;
    Ok(Saved {
        id,
        path: post_path(post.kind, &post.slug, post.published_at),
        change,
    })
}

/// Publishes a post at `at` (now when `None` and it has no time yet; a future time schedules it).
pub async fn publish_post(
    app: &App,
    actor: Actor,
    site: SiteId,
    id: PostId,
    at: Option<DateTime<Utc>>,
) -> Result<Saved> {
    let post = app
        .store()
        .posts()
        .by_id(site, id)
        .await?
        .ok_or(AppError::NotFound("post"))?;
    let mut draft = draft_of(&post);
    draft.status = PostStatus::Published;
    draft.published_at = at.or(post.summary.published_at).or(Some(app.clock().now()));
    update_post(app, actor, site, id, draft).await
}

/// Deletes a post; readers stop seeing it everywhere at once.
pub async fn delete_post(app: &App, actor: Actor, site: SiteId, id: PostId) -> Result<Change> {
    let mut tx = app.store().begin().await?;
    let before = tx
        .posts()
        .placement(site, id)
        .await?
        .ok_or(AppError::NotFound("post"))?;
    may_change(actor, &before)?;
    tx.posts().drop_autosave(site, None, Some(id)).await?;
    tx.posts().delete(site, id).await?;
    let change = Change::on(site, topics(id, Some(&before), None));
    app.commit(tx, change).await
}

/// Saves a post again with the words and track listing of one of its revisions.
///
/// That is its title, address name, excerpt, text and tracks; where and when it is published
/// stay as they are. The restore is itself a new revision.
pub async fn restore_revision(
    app: &App,
    actor: Actor,
    site: SiteId,
    id: PostId,
    revision: i64,
) -> Result<Saved> {
    let post = app
        .store()
        .posts()
        .by_id(site, id)
        .await?
        .ok_or(AppError::NotFound("post"))?;
    let old = app
        .store()
        .posts()
        .revision(site, id, revision)
        .await?
        .ok_or(AppError::NotFound("revision"))?;
    let mut draft = draft_of(&post);
    draft.title = old.summary.title;
    draft.slug = old.slug;
    draft.excerpt = old.excerpt;
    draft.body = old.body;
    draft.tracks = old.tracks;
    update_post(app, actor, site, id, draft).await
}

/// The draft that would save a stored post unchanged (for edits that change one thing).
pub fn draft_of(post: &encore_core::post::Post) -> PostDraft {
    PostDraft {
        kind: post.summary.kind,
        status: post.status,
        slug: post.summary.slug.clone(),
        title: post.summary.title.clone(),
        excerpt: post.excerpt.clone(),
        body: post.body.clone(),
        published_at: post.summary.published_at,
        author: post.summary.author.id,
        categories: post
            .summary
            .categories
            .iter()
            .map(|c| Ref::Id(c.id))
            .collect(),
        tags: post.tags.iter().map(|t| Ref::Id(t.id)).collect(),
        series: post.series.map(|(id, part)| (Ref::Id(id), part)),
        tracks: post.tracks.clone(),
        downloads: post.downloads.iter().map(|d| d.id).collect(),
        subject_year: post.subject_year,
        based_on: None,
        featured_image: post.featured_image,
        comments_open: post.comments_open,
    }
}

/// Turns names into ids (creating categories, tags and series as needed) and validates.
async fn resolve(
    tx: &mut Tx,
    site: SiteId,
    draft: PostDraft,
    now: DateTime<Utc>,
) -> Result<NewPost> {
    let mut categories = Vec::with_capacity(draft.categories.len());
    for category in &draft.categories {
        categories.push(match category {
            Ref::Id(id) => *id,
            Ref::Name(name) => tx.taxonomy().ensure_category(site, name, "").await?.id,
        });
    }
    let mut tags = Vec::with_capacity(draft.tags.len());
    for tag in &draft.tags {
        tags.push(match tag {
            Ref::Id(id) => *id,
            Ref::Name(name) => tx.taxonomy().ensure_tag(site, name).await?.id,
        });
    }
    let series = match &draft.series {
        Some((Ref::Name(title), part)) => {
            Some((tx.series().ensure(site, title, now).await?.id, *part))
        }
        Some((Ref::Id(id), part)) => Some((*id, *part)),
        None => None,
    };
    if let Some(picture) = draft.featured_image
        && !tx.downloads().is_picture(site, picture).await?
    {
        return Err(encore_core::ValidationError::new(
            "featured_image",
            "choose a picture from the media library",
        )
        .into());
    }
    categories.sort();
    categories.dedup();
    tags.sort();
    tags.dedup();
    Ok(NewPost {
        site_id: site,
        author_id: draft.author,
        kind: draft.kind,
        status: draft.status,
        slug: draft.slug,
        title: draft.title,
        excerpt: draft.excerpt,
        body: draft.body,
        published_at: draft.published_at,
        series,
        categories,
        tags,
        tracks: draft.tracks,
        downloads: draft.downloads,
        subject_year: draft.subject_year,
        featured_image: draft.featured_image,
        comments_open: draft.comments_open,
    }
    .validate()?)
}

fn placement_of(post: &NewPost) -> Placement {
    let mut downloads = post.downloads.clone();
    downloads.sort();
    Placement {
        kind: post.kind,
        status: post.status,
        slug: post.slug.clone(),
        published_at: post.published_at,
        author: post.author_id,
        title: post.title.clone(),
        series: post.series,
        subject_year: post.subject_year,
        categories: post.categories.clone(),
        tags: post.tags.clone(),
        downloads,
    }
}

/// What readers see differently when a post goes from `before` to `after` (`None`: it does not
/// exist on that side).
fn topics(id: PostId, before: Option<&Placement>, after: Option<&Placement>) -> Vec<Topic> {
    // Published covers scheduled posts too: they appear by themselves later, and the cache must
    // know the new release time.
    let shown = |p: Option<&Placement>| p.is_some_and(|p| p.status == PostStatus::Published);
    if !shown(before) && !shown(after) {
        return Vec::new();
    }
    let moved = match (before, after) {
        (Some(b), Some(a)) => {
            b.kind != a.kind
                || b.status != a.status
                || b.slug != a.slug
                || b.published_at != a.published_at
                || b.author != a.author
                || b.series != a.series
                || b.subject_year != a.subject_year
                || b.categories != a.categories
                || b.tags != a.tags
                // A page's title is in every page's menu.
                || (a.kind == PostKind::Page && b.title != a.title)
        }
        _ => true,
    };
    if moved {
        vec![Topic::Site]
    } else {
        vec![Topic::Post(id)]
    }
}

/// Whether `actor` may write `draft`, as a new post or over `before`.
fn may_write(actor: Actor, draft: &PostDraft, before: Option<&Placement>) -> Result<()> {
    if let Some(before) = before {
        may_change(actor, before)?;
    }
    if let Actor::Member { account, .. } = actor
        && draft.author != account
    {
        actor.require(
            Capability::EditOthersPosts,
            "write in another author's name",
        )?;
    }
    if draft.status == PostStatus::Draft || draft.status == PostStatus::Pending {
        actor.require(Capability::EditOwnDrafts, "write posts")
    } else {
        actor.require(Capability::PublishPosts, "publish posts")
    }
}

/// Whether `actor` may change or delete a post that stands at `before`.
pub(crate) fn may_change(actor: Actor, before: &Placement) -> Result<()> {
    match actor {
        Actor::Operator => Ok(()),
        Actor::Member { account, .. } if account == before.author => {
            if before.status == PostStatus::Published {
                actor.require(Capability::PublishPosts, "change published posts")
            } else {
                actor.require(Capability::EditOwnDrafts, "change posts")
            }
        }
        Actor::Member { .. } => actor.require(Capability::EditOthersPosts, "change others' posts"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use encore_core::roles::Role;

    fn placement(status: PostStatus) -> Placement {
        Placement {
            kind: PostKind::Post,
            status,
            slug: "rocky-iv".into(),
            published_at: Some(Utc.with_ymd_and_hms(2026, 9, 19, 9, 30, 0).unwrap()),
            author: AccountId(1),
            title: "Rocky IV".into(),
            series: None,
            subject_year: None,
            categories: vec![CategoryId(1)],
            tags: vec![],
            downloads: vec![],
        }
    }

    #[test]
    fn an_edit_in_place_touches_the_post_and_a_move_touches_the_site() {
        let id = PostId(7);
        let published = placement(PostStatus::Published);
        let mut retitled = published.clone();
        retitled.title = "Rocky IV (1985)".into();
        assert_eq!(
            topics(id, Some(&published), Some(&retitled)),
            [Topic::Post(id)]
        );
        let mut recategorised = published.clone();
        recategorised.categories.push(CategoryId(2));
        assert_eq!(
            topics(id, Some(&published), Some(&recategorised)),
            [Topic::Site]
        );
        let draft = placement(PostStatus::Draft);
        assert_eq!(topics(id, None, Some(&draft)), [], "nobody sees a draft");
        assert_eq!(topics(id, Some(&draft), Some(&draft)), []);
        assert_eq!(topics(id, Some(&draft), Some(&published)), [Topic::Site]);
        assert_eq!(topics(id, Some(&published), None), [Topic::Site]);
        let mut page = published.clone();
        page.kind = PostKind::Page;
        let mut renamed_page = page.clone();
        renamed_page.title = "About me".into();
        assert_eq!(
            topics(id, Some(&page), Some(&renamed_page)),
            [Topic::Site],
            "a page's title is in every menu"
        );
    }

    #[test]
    fn contributors_write_drafts_and_authors_keep_to_their_own_posts() {
        let contributor = Actor::Member {
            account: AccountId(1),
            role: Role::Contributor,
        };
        let mut draft = PostDraft::new(AccountId(1), "Mine", "");
        assert!(may_write(contributor, &draft, None).is_ok());
        draft.status = PostStatus::Published;
        assert!(matches!(
            may_write(contributor, &draft, None),
            Err(AppError::Forbidden(_))
        ));
        let author = Actor::Member {
            account: AccountId(2),
            role: Role::Author,
        };
        let theirs = placement(PostStatus::Published);
        assert!(may_change(author, &theirs).is_err(), "not their post");
        let editor = Actor::Member {
            account: AccountId(3),
            role: Role::Editor,
        };
        assert!(may_change(editor, &theirs).is_ok());
    }
}
