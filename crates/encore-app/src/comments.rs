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
    comment::{CommentForm, CommentStatus, Commenter, DEFAULT_DEPTH, Images},
    ids::{AccountId, CommentId, SiteId},
    post::PostKind,
    site::Site,
};
use encore_spam::{client::Outcome, params::CommentValues};
use encore_store::{
    StoreError,
    comments::{Byline, Entry, Filing},
};
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
    /// For a guest, the hash of their browser's writer cookie (see [`Writer::browser`]): they may
    /// change or delete the comment for a while. Empty for none.
    pub writer_key: String,
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
    let comment = form
        .validate(account, Images::allowed(site.discussion.images))
        .map_err(AppError::Invalid)?;
    let now = app.clock().now();
    let post = app
        .store()
        .posts()
        .public_entry(site.id, comment.post, now)
        .await?
        .filter(|p| p.kind == PostKind::Post)
        .ok_or(AppError::NotFound("post"))?;
    if !site
        .discussion
        .open_for(post.comments_open, post.published_at, now)
    {
        return Err(AppError::Forbidden(
            "comment on this post: comments are closed",
        ));
    }
    let (author_name, author_email, author_url, user_role) = match &comment.author {
        Commenter::Guest {
            name,
            email,
            website,
        } => (name.clone(), email.clone(), website.clone(), String::new()),
        Commenter::Account(id) => {
            let (profile, email) = app
                .store()
                .accounts()
                .profile(*id)
                .await?
                .ok_or(AppError::NotFound("account"))?;
            // The checker may trust the site's own staff (Akismet's `user_role`).
            let role = app.store().accounts().role(site.id, *id).await?;
            (
                profile.display_name,
                email,
                profile.website,
                role.map(|r| r.as_str().to_owned()).unwrap_or_default(),
            )
        }
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
        user_role,
        ..CommentValues::default()
    };
    let checked = check(app, &values).await;
    let verdict = checked.verdict;
    if verdict == Verdict::Discard {
        tracing::info!(site = %site.host, post = %comment.post, "a comment the spam check said to discard was dropped");
        return Ok(Submitted {
            placed: Placed::Discarded,
            post_path: post.path,
        });
    }
    let byline = Byline {
        name: values.comment_author.clone(),
        email: values.comment_author_email.clone(),
        website: values.comment_author_url.clone(),
        writer_key: client.writer_key,
        check_values: serde_json::to_string(&values)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        check_guid: checked.guid.clone(),
    };
    let status = placement(app, site.id, &comment.author, verdict).await?;
    let mut history = vec![Entry {
        actor: account,
        what: verdict.event(),
        detail: &checked.detail,
    }];
    if status == CommentStatus::Pending && verdict == Verdict::Ham {
        history.push(Entry {
            actor: None,
            what: "held",
            detail: FIRST_COMMENT_HELD,
        });
    }
    let mut tx = app.store().begin().await?;
    let id = tx
        .comments()
        .insert(
            site.id,
            &comment,
            &byline,
            &Filing {
                status,
                max_depth: site.discussion.depth,
                at: now,
                history: &history,
            },
        )
        .await?;
    if verdict == Verdict::Unchecked {
        // Checked again by the worker, with pauses growing while the checker is away.
        tx.jobs()
            .enqueue(
                RECHECK_JOB,
                &id.0.to_string(),
                now + crate::jobs::backoff(1),
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

/// What images in comments of `site` become (its owner's setting).
pub(crate) async fn images_of(app: &App, site: SiteId) -> Result<Images> {
    let site = app.store().sites().by_id(site).await?;
    Ok(Images::allowed(site.discussion.images))
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

/// What the spam check said, why, and the guid to send back with a report.
struct Checked {
    verdict: Verdict,
    detail: String,
    guid: String,
}

async fn check(app: &App, values: &CommentValues) -> Checked {
    let Some(checker) = app.spam_checker() else {
        return Checked {
            verdict: Verdict::Unchecked,
            detail: "no spam checker is configured".into(),
            guid: String::new(),
        };
    };
    let answer = checker.check(values).await;
    let guid = answer.guid.unwrap_or_default();
    let (verdict, detail) = match answer.outcome {
        Outcome::Ham => (Verdict::Ham, String::new()),
        Outcome::Spam => (Verdict::Spam, String::new()),
        Outcome::Discard => (Verdict::Discard, String::new()),
        Outcome::Invalid(why) => (Verdict::Unchecked, format!("the spam check refused: {why}")),
        Outcome::Unreachable(why) => (
            Verdict::Unchecked,
            format!("the spam check could not be reached: {why}"),
        ),
    };
    let detail = match (detail.is_empty(), guid.is_empty()) {
        (true, false) => format!("guid {guid}"),
        _ => detail,
    };
    Checked {
        verdict,
        detail,
        guid,
    }
}

/// Why a checked comment waits.
const FIRST_COMMENT_HELD: &str = "a first comment waits for a moderator";

/// Where a comment goes on `verdict`: spam to the spam folder; a comment that could not be
/// checked waits; a checked one publishes when its writer has had one approved before. Whether
/// the writer is known is read before the comment's transaction: two first comments of one
/// writer at the same instant may both wait.
async fn placement(
    app: &App,
    site: SiteId,
    author: &Commenter,
    verdict: Verdict,
) -> Result<CommentStatus> {
    Ok(match verdict {
        Verdict::Spam | Verdict::Discard => CommentStatus::Spam,
        Verdict::Unchecked => CommentStatus::Pending,
        Verdict::Ham if app.store().comments().known_writer(site, author).await? => {
            CommentStatus::Approved
        }
        Verdict::Ham => CommentStatus::Pending,
    })
}

/// The kind of job that checks a held comment again; its payload is the comment's id.
pub const RECHECK_JOB: &str = "comment-check";

/// Checks a comment that could not be checked when it came, with the values it came with: an
/// error (the job is tried again later) while the checker still cannot say.
pub(crate) async fn recheck(app: &App, payload: &str) -> std::result::Result<(), String> {
    let id = CommentId(
        payload
            .parse()
            .map_err(|_| format!("bad comment-check job {payload:?}"))?,
    );
    let store = app.store();
    let Some(record) = store
        .comments()
        .check_record(id)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(()); // deleted meanwhile
    };
    if record.status != CommentStatus::Pending.as_str() {
        return Ok(()); // a moderator decided meanwhile
    }
    let values: CommentValues = serde_json::from_str(&record.check_values)
        .map_err(|e| format!("comment {} keeps no values to check: {e}", id.0))?;
    let checked = check(app, &values).await;
    if checked.verdict == Verdict::Unchecked {
        return Err(checked.detail);
    }
    let site = SiteId(record.site_id);
    let now = app.clock().now();
    let run = async {
        let author = store
            .comments()
            .get(site, id)
            .await?
            .map(|c| match c.account {
                Some(account) => Commenter::Account(account),
                None => Commenter::Guest {
                    name: c.author_name,
                    email: c.author_email,
                    website: c.author_url,
                },
            })
            .ok_or(AppError::NotFound("comment"))?;
        let status = placement(app, site, &author, checked.verdict).await?;
        let mut tx = store.begin().await?;
        let comment = tx.comments().status(site, id).await?;
        if comment != Some(CommentStatus::Pending) {
            return Ok(Change::default());
        }
        tx.comments()
            .keep_check(id, &record.check_values, &checked.guid)
            .await?;
        tx.comments()
            .record(id, None, checked.verdict.event(), &checked.detail, now)
            .await?;
        let change = match status {
            CommentStatus::Pending => {
                tx.comments()
                    .record(id, None, "held", FIRST_COMMENT_HELD, now)
                    .await?;
                Change::default()
            }
            status => {
                let post = tx.comments().set_status(site, id, status, now).await?;
                Change::on(site, [Topic::Post(post)])
            }
        };
        app.commit(tx, change).await
    };
    run.await.map(|_| ()).map_err(|e: AppError| e.to_string())
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
    let new = comment
        .form
        .validate(None, images_of(app, site).await?)
        .map_err(AppError::Invalid)?;
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
        writer_key: String::new(),
        ..Byline::default()
    };
    let mut tx = app.store().begin().await?;
    let id = tx
        .comments()
        .insert(
            site,
            &new,
            &byline,
            &Filing {
                status: comment.status,
                max_depth: DEFAULT_DEPTH,
                at: comment.at,
                history: &[Entry {
                    actor: None,
                    what: "imported",
                    detail: comment.status.as_str(),
                }],
            },
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

/// Who asks to change a comment: a signed-in reader, or a guest's browser (the hash of its
/// writer cookie).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Writer {
    /// A signed-in reader.
    Account(AccountId),
    /// A guest's browser.
    Browser(String),
}

impl Writer {
    /// A guest's browser, from the value of its writer cookie (only a hash is kept).
    pub fn browser(cookie: &str) -> Writer {
        Writer::Browser(crate::sessions::browser_key(cookie))
    }

    /// The browser key to store with a guest's comment (empty for an account).
    pub fn key(&self) -> &str {
        match self {
            Writer::Account(_) => "",
            Writer::Browser(key) => key,
        }
    }

    fn account(&self) -> Option<AccountId> {
        match self {
            Writer::Account(id) => Some(*id),
            Writer::Browser(_) => None,
        }
    }

    fn wrote(&self, owner: &encore_store::comments::Ownership) -> bool {
        match self {
            Writer::Account(id) => owner.account == Some(*id),
            Writer::Browser(key) => !key.is_empty() && owner.writer_key == *key,
        }
    }
}

/// The comments under `post` that `writer` may still change (written in the last
/// [`EDIT_MINUTES`](encore_core::comment::EDIT_MINUTES)).
pub async fn changeable(
    app: &App,
    post: encore_core::ids::PostId,
    writer: &Writer,
) -> Result<Vec<CommentId>> {
    let since = app.clock().now() - chrono::Duration::minutes(encore_core::comment::EDIT_MINUTES);
    Ok(app
        .store()
        .comments()
        .written_by(post, writer.account(), writer.key(), since)
        .await?)
}

/// Comment `id` as its writer may still change it: theirs, young enough, and unanswered.
async fn own(
    app: &App,
    site: &Site,
    writer: &Writer,
    id: CommentId,
) -> Result<encore_store::comments::Ownership> {
    let owner = app
        .store()
        .comments()
        .ownership(site.id, id)
        .await?
        .filter(|o| matches!(o.status, CommentStatus::Approved | CommentStatus::Pending))
        .ok_or(AppError::NotFound("comment"))?;
    if !writer.wrote(&owner) {
        return Err(AppError::Forbidden("change a comment someone else wrote"));
    }
    let limit = chrono::Duration::minutes(encore_core::comment::EDIT_MINUTES);
    if app.clock().now() - owner.created_at > limit {
        return Err(AppError::Forbidden(
            "change a comment after 15 minutes; ask the site's owner",
        ));
    }
    if owner.answers > 0 {
        return Err(AppError::Forbidden(
            "change a comment that others have answered",
        ));
    }
    Ok(owner)
}

/// The writer changes the words of their comment, while they may. The new words are checked for
/// spam as an edit: spam goes to the spam folder; words the checker could not see wait for it.
pub async fn edit_own_comment(
    app: &App,
    site: &Site,
    writer: &Writer,
    id: CommentId,
    body: &str,
) -> Result<Placed> {
    let (body, body_html) =
        encore_core::comment::validate_body(body, Images::allowed(site.discussion.images))
            .map_err(|e| AppError::Invalid(vec![e]))?;
    let owner = own(app, site, writer, id).await?;
    let mut values: CommentValues = serde_json::from_str(&owner.check_values).unwrap_or_default();
    values.comment_content = body.clone();
    values.recheck_reason = "edit".into();
    let checked = check(app, &values).await;
    let now = app.clock().now();
    let mut tx = app.store().begin().await?;
    tx.comments()
        .edit(site.id, id, &body, &body_html, now)
        .await?;
    tx.comments()
        .record(id, writer.account(), "edited by its writer", "", now)
        .await?;
    tx.comments()
        .record(id, None, checked.verdict.event(), &checked.detail, now)
        .await?;
    let status = match checked.verdict {
        Verdict::Spam | Verdict::Discard => CommentStatus::Spam,
        Verdict::Unchecked => CommentStatus::Pending,
        Verdict::Ham => owner.status,
    };
    if status != owner.status {
        tx.comments().set_status(site.id, id, status, now).await?;
    }
    if checked.verdict == Verdict::Unchecked {
        tx.jobs()
            .enqueue(
                RECHECK_JOB,
                &id.0.to_string(),
                now + crate::jobs::backoff(1),
            )
            .await?;
    }
    let kept = serde_json::to_string(&values).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tx.comments().keep_check(id, &kept, &checked.guid).await?;
    app.commit(tx, Change::on(site.id, [Topic::Post(owner.post)]))
        .await?;
    Ok(match status {
        CommentStatus::Approved => Placed::Published(id),
        CommentStatus::Spam => Placed::Spam(id),
        CommentStatus::Pending | CommentStatus::Trash => Placed::Held(id),
    })
}

/// The writer takes their comment back, while they may (it goes to the trash, where moderators
/// still see it).
pub async fn delete_own_comment(
    app: &App,
    site: &Site,
    writer: &Writer,
    id: CommentId,
) -> Result<()> {
    let owner = own(app, site, writer, id).await?;
    let now = app.clock().now();
    let mut tx = app.store().begin().await?;
    tx.comments()
        .set_status(site.id, id, CommentStatus::Trash, now)
        .await?;
    tx.comments()
        .record(id, writer.account(), "deleted by its writer", "", now)
        .await?;
    app.commit(tx, Change::on(site.id, [Topic::Post(owner.post)]))
        .await?;
    Ok(())
}
