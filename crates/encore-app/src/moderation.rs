//! Moderation: what a site's moderators (editors and administrators) do with its comments —
//! approve, unapprove, spam, not spam, trash, restore, edit, reply — and the upkeep that follows.
//!
//! Every action is one transaction: the new status, the post's response count, a line in the
//! comment's history naming the moderator, and the change of the post's page. Marking a checked
//! comment as spam or not spam also queues a report to the spam checker (submit-spam,
//! submit-ham) with the values it first checked and that check's guid, so the checker learns;
//! the report is a job, so a checker that is away delays it and loses nothing.

use crate::{Actor, App, AppError, Result};
use encore_core::{
    change::{Change, Topic},
    comment::{CommentStatus, Commenter, DEFAULT_DEPTH, NewComment, validate_body},
    ids::{CommentId, PostId, SiteId},
    roles::Capability,
};
use encore_spam::{client::Ack, params::CommentValues};
use encore_store::comments::{Byline, Entry, Filing};
use std::str::FromStr;

/// How many comments one bulk action may touch.
pub const MAX_BULK: usize = 200;
/// How long spam is kept before it is purged.
pub const SPAM_KEPT_DAYS: i64 = 15;
/// The kind of job that reports a moderator's verdict to the spam checker; its payload is
/// `ID:spam` or `ID:ham`.
pub const REPORT_JOB: &str = "spam-report";

/// What a moderator does to a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moderation {
    /// Publish it.
    Approve,
    /// Take it back to the queue.
    Unapprove,
    /// File it as spam (and tell the spam checker).
    Spam,
    /// Take it out of the spam folder and publish it (and tell the spam checker).
    NotSpam,
    /// Put it in the trash.
    Trash,
    /// Take it out of the trash, back to the queue.
    Restore,
}

impl Moderation {
    /// The status the comment ends with.
    pub fn target(self) -> CommentStatus {
        match self {
            Moderation::Approve | Moderation::NotSpam => CommentStatus::Approved,
            Moderation::Unapprove | Moderation::Restore => CommentStatus::Pending,
            Moderation::Spam => CommentStatus::Spam,
            Moderation::Trash => CommentStatus::Trash,
        }
    }

    /// The action's name in forms and in the history.
    pub fn as_str(self) -> &'static str {
        match self {
            Moderation::Approve => "approve",
            Moderation::Unapprove => "unapprove",
            Moderation::Spam => "spam",
            Moderation::NotSpam => "not-spam",
            Moderation::Trash => "trash",
            Moderation::Restore => "restore",
        }
    }

    /// Whether the action applies to a comment with `status` (restore only from the trash,
    /// not spam only from the spam folder).
    pub fn applies_to(self, status: CommentStatus) -> bool {
        match self {
            Moderation::NotSpam => status == CommentStatus::Spam,
            Moderation::Restore => status == CommentStatus::Trash,
            other => status != other.target(),
        }
    }
}

impl FromStr for Moderation {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s {
            "approve" => Moderation::Approve,
            "unapprove" => Moderation::Unapprove,
            "spam" => Moderation::Spam,
            "not-spam" => Moderation::NotSpam,
            "trash" => Moderation::Trash,
            "restore" => Moderation::Restore,
            other => return Err(format!("unknown moderation action {other:?}")),
        })
    }
}

/// Applies `action` to the comments `ids` of `site`; how many changed. Comments the action does
/// not apply to (already approved, not in the spam folder, …) are left as they are.
pub async fn moderate(
    app: &App,
    actor: Actor,
    site: SiteId,
    ids: &[CommentId],
    action: Moderation,
) -> Result<usize> {
    actor.require(Capability::ModerateComments, "moderate comments")?;
    if ids.is_empty() {
        return Err(AppError::Validation(encore_core::ValidationError::new(
            "comments",
            "choose at least one comment",
        )));
    }
    if ids.len() > MAX_BULK {
        return Err(AppError::Validation(encore_core::ValidationError::new(
            "comments",
            "at most 200 comments at once",
        )));
    }
    let now = app.clock().now();
    let mut tx = app.store().begin().await?;
    let mut posts: Vec<PostId> = Vec::new();
    let mut changed = 0;
    for &id in ids {
        let Some(status) = tx.comments().status(site, id).await? else {
            continue;
        };
        if !action.applies_to(status) {
            continue;
        }
        let post = tx
            .comments()
            .set_status(site, id, action.target(), now)
            .await?;
        let detail = format!("{} → {}", status.as_str(), action.target().as_str());
        tx.comments()
            .record(id, actor.account(), action.as_str(), &detail, now)
            .await?;
        let verdict = match action {
            Moderation::Spam => Some("spam"),
            Moderation::NotSpam => Some("ham"),
            _ => None,
        };
        if let Some(verdict) = verdict {
            tx.jobs()
                .enqueue(REPORT_JOB, &format!("{}:{verdict}", id.0), now)
                .await?;
        }
        changed += 1;
        if !posts.contains(&post) {
            posts.push(post);
        }
    }
    let change = Change::on(site, posts.into_iter().map(Topic::Post));
    app.commit(tx, change).await?;
    Ok(changed)
}

/// Changes the text of comment `id` of `site` (moderators).
pub async fn edit_comment(
    app: &App,
    actor: Actor,
    site: SiteId,
    id: CommentId,
    body: &str,
) -> Result<()> {
    actor.require(Capability::ModerateComments, "edit comments")?;
    let (body, html) = validate_body(body, crate::comments::images_of(app, site).await?)
        .map_err(|e| AppError::Invalid(vec![e]))?;
    let now = app.clock().now();
    let mut tx = app.store().begin().await?;
    let post = tx.comments().edit(site, id, &body, &html, now).await?;
    tx.comments()
        .record(id, actor.account(), "edited", "", now)
        .await?;
    app.commit(tx, Change::on(site, [Topic::Post(post)]))
        .await?;
    Ok(())
}

/// A moderator's reply to comment `parent` of `site`, written at the desk: published at once,
/// and the comment answered is approved with it (a reply under a held comment would not show).
pub async fn reply_at_desk(
    app: &App,
    actor: Actor,
    site: SiteId,
    parent: CommentId,
    body: &str,
) -> Result<CommentId> {
    actor.require(Capability::ModerateComments, "reply from the desk")?;
    let Some(account) = actor.account() else {
        return Err(AppError::Forbidden("reply without an account"));
    };
    let (body, body_html) = validate_body(body, crate::comments::images_of(app, site).await?)
        .map_err(|e| AppError::Invalid(vec![e]))?;
    let answered = app
        .store()
        .comments()
        .get(site, parent)
        .await?
        .ok_or(AppError::NotFound("comment"))?;
    let post = app
        .store()
        .comments()
        .post_of(site, parent)
        .await?
        .ok_or(AppError::NotFound("comment"))?;
    let (profile, email) = app
        .store()
        .accounts()
        .profile(account)
        .await?
        .ok_or(AppError::NotFound("account"))?;
    let now = app.clock().now();
    let mut tx = app.store().begin().await?;
    if answered.status != CommentStatus::Approved {
        tx.comments()
            .set_status(site, parent, CommentStatus::Approved, now)
            .await?;
        let detail = format!("{} → approved, with a reply", answered.status.as_str());
        tx.comments()
            .record(parent, Some(account), "approve", &detail, now)
            .await?;
    }
    let reply = NewComment {
        post,
        parent: Some(parent),
        author: Commenter::Account(account),
        body,
        body_html,
    };
    let byline = Byline {
        name: profile.display_name,
        email,
        website: profile.website,
        writer_key: String::new(),
        ..Byline::default()
    };
    let id = tx
        .comments()
        .insert(
            site,
            &reply,
            &byline,
            &Filing {
                status: CommentStatus::Approved,
                max_depth: DEFAULT_DEPTH,
                at: now,
                history: &[Entry {
                    actor: Some(account),
                    what: "written at the desk",
                    detail: "",
                }],
            },
        )
        .await?;
    app.commit(tx, Change::on(site, [Topic::Post(post)]))
        .await?;
    Ok(id)
}

/// Sends a moderator's verdict to the spam checker (a [`REPORT_JOB`]): an error while the
/// checker cannot take it, so the job is tried again.
pub(crate) async fn report(app: &App, payload: &str) -> std::result::Result<(), String> {
    let bad = || format!("bad spam-report job {payload:?}");
    let (id, verdict) = payload.split_once(':').ok_or_else(bad)?;
    let id = CommentId(id.parse().map_err(|_| bad())?);
    let spam = match verdict {
        "spam" => true,
        "ham" => false,
        _ => return Err(bad()),
    };
    let Some(record) = app
        .store()
        .comments()
        .check_record(id)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(()); // purged meanwhile
    };
    if record.check_values.is_empty() {
        return Ok(()); // never checked (imported): nothing to teach
    }
    let values: CommentValues = serde_json::from_str(&record.check_values)
        .map_err(|e| format!("comment {} keeps unreadable values: {e}", id.0))?;
    let checker = app.spam_checker().ok_or("no spam checker is configured")?;
    let guid = Some(record.check_guid.as_str()).filter(|g| !g.is_empty());
    let ack = if spam {
        checker.submit_spam(&values, guid).await
    } else {
        checker.submit_ham(&values, guid).await
    };
    let what = match ack {
        Ack::Done if spam => "reported as spam",
        Ack::Done => "reported as not spam",
        Ack::Invalid(why) => return Err(format!("the spam checker refused the report: {why}")),
        Ack::Unreachable(why) => {
            return Err(format!("the spam checker could not be reached: {why}"));
        }
    };
    let now = app.clock().now();
    let run = async {
        let mut tx = app.store().begin().await?;
        tx.comments().record(id, None, what, "", now).await?;
        app.commit(tx, Change::default()).await
    };
    run.await.map(|_| ()).map_err(|e: AppError| e.to_string())
}

/// Deletes spam older than [`SPAM_KEPT_DAYS`] on every site; how many went.
pub async fn purge_spam(app: &App) -> Result<u64> {
    let before = app.clock().now() - chrono::Duration::days(SPAM_KEPT_DAYS);
    let mut tx = app.store().begin().await?;
    let purged = tx.comments().purge_spam(before).await?;
    app.commit(tx, Change::default()).await?;
    if purged > 0 {
        tracing::info!(purged, "purged old spam");
    }
    Ok(purged)
}
