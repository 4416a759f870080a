//! The conversation pipeline: a comment from the form to its place under the post.
//!
//! Validate → the post must be public → spam verdict (through the Akismet protocol: the
//! in-process engine, or any compatible endpoint) → one transaction: the comment in its thread,
//! the post's response count, the comment's history, and the change of the pages it shows on.
//! Spam goes to the spam folder (or, when the engine says to discard it, nowhere: counted in the
//! log). A comment that could not be checked is held, never published unchecked and never lost.
//! Until the owner's hold rules exist, one rule decides what a checked comment does: a writer's
//! first comment on a site waits for a moderator; once one is approved, the next ones publish.

use crate::{App, AppError, Result};
use encore_core::{
    change::{Change, Topic},
    comment::{CommentForm, CommentStatus, Commenter, DEFAULT_DEPTH},
    ids::{AccountId, CommentId, SiteId},
    post::PostKind,
    site::Site,
};
use encore_spam::{
    client::{Client, Outcome},
    params::CommentValues,
};
use encore_store::comments::Byline;
use std::net::IpAddr;

/// The name of the comment form's honeypot field: hidden from people, filled in by bots.
pub const HONEYPOT_FIELD: &str = "homepage";

/// What the request says about who sends a comment (for the spam check; the address itself is
/// not stored with the comment).
#[derive(Debug, Clone, Default)]
pub struct ClientFacts {
    /// The client's address, if known.
    pub ip: Option<IpAddr>,
    /// Its `User-Agent`.
    pub user_agent: String,
    /// Its `Referer`.
    pub referrer: String,
    /// What the honeypot field held (a person leaves it empty).
    pub honeypot: String,
    /// Seconds between showing the form and sending it, when the form says.
    pub seconds_to_submit: Option<u64>,
}

/// Where a submitted comment went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placed {
    /// Shown under the post now.
    Published(CommentId),
    /// Waiting for a moderator.
    Held(CommentId),
    /// Filed as spam.
    Spam(CommentId),
    /// Spam so plain that the engine said to drop it.
    Discarded,
}

/// A comment taken: where it went, and the address of the post it is under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    /// Where it went.
    pub placed: Placed,
    /// The post's address.
    pub post_path: String,
}

/// Takes a comment written under a post of `site` by `account` (`None`: a guest).
pub async fn submit_comment(
    app: &App,
    site: &Site,
    account: Option<AccountId>,
    form: CommentForm,
    client: ClientFacts,
) -> Result<Submitted> {
    let comment = form.validate(account).map_err(AppError::Invalid)?;
    let now = app.clock().now();
    let post = app
        .store()
        .posts()
        .public_entry(site.id, comment.post, now)
        .await?
        .filter(|p| p.kind == PostKind::Post)
        .ok_or(AppError::NotFound("post"))?;
    let (author_name, author_email, author_url) = match &comment.author {
        Commenter::Guest {
            name,
            email,
            website,
        } => (name.clone(), email.clone(), website.clone()),
        Commenter::Account(id) => {
            let (profile, email) = app
                .store()
                .accounts()
                .profile(*id)
                .await?
                .ok_or(AppError::NotFound("account"))?;
            (profile.display_name, email, profile.website)
        }
    };
    let byline = Byline {
        name: author_name.clone(),
        email: author_email.clone(),
        website: author_url.clone(),
    };
    let values = CommentValues {
        blog: site.base_url.clone(),
        user_ip: client.ip.map(|ip| ip.to_string()).unwrap_or_default(),
        user_agent: client.user_agent.clone(),
        referrer: client.referrer.clone(),
        permalink: site.url(&post.path),
        comment_type: if comment.parent.is_some() {
            "reply".into()
        } else {
            "comment".into()
        },
        comment_author: author_name,
        comment_author_email: author_email,
        comment_author_url: author_url,
        comment_content: comment.body.clone(),
        comment_date_gmt: now.to_rfc3339(),
        comment_post_modified_gmt: post.updated_at.to_rfc3339(),
        blog_lang: "en".into(),
        blog_charset: "UTF-8".into(),
        honeypot_field_name: HONEYPOT_FIELD.into(),
        honeypot_value: client.honeypot.clone(),
        comment_parent: comment.parent.map(|p| p.0.to_string()).unwrap_or_default(),
        seconds_to_submit: client.seconds_to_submit,
        ..CommentValues::default()
    };
    let (verdict, detail) = match app.spam_checker() {
        Some(checker) => verdict(checker, &values).await,
        None => (
            Verdict::Unchecked,
            "no spam checker is configured".to_owned(),
        ),
    };
    if verdict == Verdict::Discard {
        tracing::info!(site = %site.host, post = %comment.post, "a comment the spam check said to discard was dropped");
        return Ok(Submitted {
            placed: Placed::Discarded,
            post_path: post.path,
        });
    }
    let mut tx = app.store().begin().await?;
    let status = match verdict {
        Verdict::Spam => CommentStatus::Spam,
        Verdict::Unchecked => CommentStatus::Pending,
        Verdict::Ham if tx.comments().known_writer(site.id, &comment.author).await? => {
            CommentStatus::Approved
        }
        Verdict::Ham | Verdict::Discard => CommentStatus::Pending,
    };
    let id = tx
        .comments()
        .insert(site.id, &comment, &byline, status, DEFAULT_DEPTH, now)
        .await?;
    tx.comments()
        .record(id, account, verdict.event(), &detail, now)
        .await?;
    if status == CommentStatus::Pending && verdict == Verdict::Ham {
        tx.comments()
            .record(
                id,
                None,
                "held",
                "a first comment waits for a moderator",
                now,
            )
            .await?;
    }
    let change = if status == CommentStatus::Approved {
        Change::on(site.id, [Topic::Post(comment.post)])
    } else {
        Change::default()
    };
    app.commit(tx, change).await?;
    let placed = match status {
        CommentStatus::Approved => Placed::Published(id),
        CommentStatus::Spam => Placed::Spam(id),
        CommentStatus::Pending | CommentStatus::Trash => Placed::Held(id),
    };
    Ok(Submitted {
        placed,
        post_path: post.path,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Ham,
    Spam,
    Discard,
    /// The checker could not say (down, or refused the values): the comment is held.
    Unchecked,
}

impl Verdict {
    fn event(self) -> &'static str {
        match self {
            Verdict::Ham => "checked: not spam",
            Verdict::Spam => "checked: spam",
            Verdict::Discard => "checked: spam to discard",
            Verdict::Unchecked => "not checked",
        }
    }
}

async fn verdict(checker: &Client, values: &CommentValues) -> (Verdict, String) {
    let answer = checker.check(values).await;
    let guid = answer.guid.map(|g| format!("guid {g}")).unwrap_or_default();
    match answer.outcome {
        Outcome::Ham => (Verdict::Ham, guid),
        Outcome::Spam => (Verdict::Spam, guid),
        Outcome::Discard => (Verdict::Discard, guid),
        Outcome::Invalid(why) => (Verdict::Unchecked, format!("the spam check refused: {why}")),
        Outcome::Unreachable(why) => (
            Verdict::Unchecked,
            format!("the spam check could not be reached: {why}"),
        ),
    }
}

/// The comments of a public post's page of threads, as readers see them.
pub async fn threads(
    app: &App,
    site: SiteId,
    post: encore_core::ids::PostId,
    from: Option<CommentId>,
    per_page: u32,
) -> Result<encore_store::comments::ThreadPage> {
    Ok(app
        .store()
        .comments()
        .threads(site, post, from, per_page)
        .await?)
}

/// A comment brought in whole by the operator (the demo, an importer): written with the status
/// and time it had, without a spam check.
#[derive(Debug, Clone)]
pub struct ImportedComment {
    /// The comment as typed.
    pub form: CommentForm,
    /// Where it stands.
    pub status: CommentStatus,
    /// When it was written.
    pub at: chrono::DateTime<chrono::Utc>,
}

/// Writes `comment` under a post of `site` (the operator only); its id.
pub async fn import_comment(
    app: &App,
    actor: crate::Actor,
    site: SiteId,
    comment: ImportedComment,
) -> Result<CommentId> {
    if actor != crate::Actor::Operator {
        return Err(AppError::Forbidden("import comments"));
    }
    let new = comment.form.validate(None).map_err(AppError::Invalid)?;
    let Commenter::Guest {
        name,
        email,
        website,
    } = &new.author
    else {
        return Err(AppError::Forbidden("import comments of accounts"));
    };
    let byline = Byline {
        name: name.clone(),
        email: email.clone(),
        website: website.clone(),
    };
    let mut tx = app.store().begin().await?;
    let id = tx
        .comments()
        .insert(
            site,
            &new,
            &byline,
            comment.status,
            DEFAULT_DEPTH,
            comment.at,
        )
        .await?;
    tx.comments()
        .record(
            id,
            None,
            "imported",
            comment.status.as_str(),
            app.clock().now(),
        )
        .await?;
    let change = if comment.status == CommentStatus::Approved {
        Change::on(site, [Topic::Post(new.post)])
    } else {
        Change::default()
    };
    app.commit(tx, change).await?;
    Ok(id)
}
