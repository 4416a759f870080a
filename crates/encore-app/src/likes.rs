//! Likes: "N bloggers like this" under a post, "Liked by N people" under a comment.
//!
//! One like per liker: a signed-in reader is their account; a guest (where the site allows guests
//! to like) is their browser, known by a random cookie of which only a hash is stored — never an
//! address. Liking twice or taking back a like that is not there changes nothing. Each like is one
//! transaction with the count beside what is liked and the change of the post's page.

use crate::{App, AppError, Result};
use encore_core::{
    change::{Change, Topic},
    comment::CommentStatus,
    ids::{AccountId, PostId},
    post::PostKind,
    site::Site,
};
use encore_store::likes::Liked;

/// Who likes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Liker {
    /// A signed-in reader.
    Account(AccountId),
    /// A guest's browser: the hash of its cookie.
    Browser(String),
}

impl Liker {
    /// A guest's browser, from the value of its like cookie.
    pub fn browser(cookie: &str) -> Liker {
        Liker::Browser(crate::sessions::browser_key(cookie))
    }

    /// The name the store keeps.
    pub fn key(&self) -> String {
        match self {
            Liker::Account(id) => format!("a:{}", id.0),
            Liker::Browser(hash) => format!("v:{hash}"),
        }
    }

    fn account(&self) -> Option<AccountId> {
        match self {
            Liker::Account(id) => Some(*id),
            Liker::Browser(_) => None,
        }
    }
}

/// A like given or taken back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LikeDone {
    /// Whether the liker likes it now.
    pub liked: bool,
    /// How many like it now.
    pub count: i64,
    /// The address of the post it is on.
    pub post_path: String,
}

/// `liker` likes `what` (`on`) or takes the like back (not `on`), on a public post of `site`
/// (a comment: an approved one under a public post). Guests only where the site allows it.
pub async fn like(
    app: &App,
    site: &Site,
    liker: &Liker,
    what: Liked,
    on: bool,
) -> Result<LikeDone> {
    if matches!(liker, Liker::Browser(_)) && !site.discussion.guest_likes {
        return Err(AppError::Forbidden("like without signing in on this site"));
    }
    let store = app.store();
    let post: PostId = match what {
        Liked::Post(post) => post,
        Liked::Comment(comment) => {
            let found = store
                .comments()
                .get(site.id, comment)
                .await?
                .filter(|c| c.status == CommentStatus::Approved)
                .ok_or(AppError::NotFound("comment"))?;
            store
                .comments()
                .post_of(site.id, found.id)
                .await?
                .ok_or(AppError::NotFound("comment"))?
        }
    };
    let now = app.clock().now();
    let entry = store
        .posts()
        .public_entry(site.id, post, now)
        .await?
        .filter(|p| p.kind == PostKind::Post)
        .ok_or(AppError::NotFound("post"))?;
    let key = liker.key();
    let mut tx = store.begin().await?;
    let (changed, count) = if on {
        tx.likes()
            .like(site.id, what, &key, liker.account(), now)
            .await?
    } else {
        tx.likes().unlike(site.id, what, &key).await?
    };
    let change = if changed {
        Change::on(site.id, [Topic::Post(post)])
    } else {
        Change::default()
    };
    app.commit(tx, change).await?;
    Ok(LikeDone {
        liked: on,
        count,
        post_path: entry.path,
    })
}
