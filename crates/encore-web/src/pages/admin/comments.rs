//! The moderation queue at the desk, for editors and administrators.
//!
//! Comments by status, searched, a page at a time; actions on one comment or on many at once;
//! each comment with its history, to edit or to answer.
//!
//! One form carries the whole list: a row's own buttons send `only=ID:ACTION`, the bulk button
//! sends the action chosen for the ticked rows. Both work without JavaScript.

use super::{DeskQuery, Writer, form_member, member, render};
use crate::{
    error::{Error, Result},
    extract::{CurrentSite, Params},
    pages::account::{Outcome, see_other},
    session::{FormSite, Viewer},
    state::AppState,
    views::{DateView, Layout},
};
use axum::{
    Form,
    body::Bytes,
    extract::{Query, State},
    response::Response,
};
use encore_app::moderation::{Moderation, edit_comment, moderate, reply_at_desk};
use encore_core::{comment::CommentStatus, ids::CommentId, roles::Capability, site::Site};
use encore_store::comments::{QueueFilter, Queued, StatusCounts};
use serde::{Deserialize, Serialize};

/// Comments on one page of the queue.
const PER_PAGE: u32 = 20;

/// What the queue's address asks: `?status=pending&q=words&before=ID&done=N`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct QueueQuery {
    status: String,
    q: String,
    before: String,
    done: String,
}

/// A comment as a queue row shows it.
#[derive(Serialize)]
struct Row {
    id: i64,
    status: &'static str,
    author: String,
    email: String,
    website: String,
    body_html: String,
    date: DateView,
    post_title: String,
    post_path: String,
    /// The actions this comment's status allows, with their labels.
    actions: Vec<(&'static str, &'static str)>,
}

/// The actions offered for a comment with `status`, in the order shown.
fn actions_for(status: CommentStatus) -> Vec<(&'static str, &'static str)> {
    use Moderation::*;
    [
        (Approve, "Approve"),
        (Unapprove, "Unapprove"),
        (NotSpam, "Not spam"),
        (Spam, "Spam"),
        (Restore, "Restore"),
        (Trash, "Trash"),
    ]
    .into_iter()
    .filter(|(action, _)| action.applies_to(status))
    // From the spam folder or the trash, a comment goes back through "not spam" or "restore".
    .filter(|(action, _)| {
        !matches!(status, CommentStatus::Spam | CommentStatus::Trash)
            || matches!(action, NotSpam | Restore | Trash | Spam)
    })
    .map(|(action, label)| (action.as_str(), label))
    .collect()
}

fn row(q: Queued) -> Row {
    let c = q.comment;
    Row {
        id: c.id.0,
        status: c.status.as_str(),
        author: c.author_name,
        email: c.author_email,
        website: c.author_url,
        body_html: c.body_html,
        date: DateView::with_time(c.created_at),
        post_title: q.post_title,
        post_path: q.post_path,
        actions: actions_for(c.status),
    }
}

/// The queue's tabs: (value of `status`, label, count).
fn tabs(counts: StatusCounts) -> Vec<(&'static str, &'static str, i64)> {
    vec![
        ("pending", "Pending", counts.pending),
        ("approved", "Approved", counts.approved),
        ("spam", "Spam", counts.spam),
        ("trash", "Trash", counts.trash),
        (
            "",
            "All",
            counts.pending + counts.approved + counts.spam + counts.trash,
        ),
    ]
}

/// The queue's address for a status and search, with `extra` pairs.
fn queue_href(status: &str, q: &str, extra: &[(&str, &str)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if !status.is_empty() {
        query.append_pair("status", status);
    }
    if !q.is_empty() {
        query.append_pair("q", q);
    }
    for (k, v) in extra {
        query.append_pair(k, v);
    }
    let query = query.finish();
    if query.is_empty() {
        "/admin/comments".into()
    } else {
        format!("/admin/comments?{query}")
    }
}

#[derive(Serialize)]
struct QueuePage<'a> {
    layout: Layout,
    csrf: &'a str,
    status: &'a str,
    q: &'a str,
    tabs: Vec<(&'static str, &'static str, i64)>,
    comments: Vec<Row>,
    older: Option<String>,
    notice: Option<String>,
    #[serde(flatten)]
    outcome: &'a Outcome,
}

/// `GET /admin/comments`: the queue, every status by default, newest first.
pub async fn queue(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Viewer(viewer): Viewer,
    Query(query): Query<QueueQuery>,
) -> Result<Response> {
    let writer = member(
        &app,
        &site,
        viewer,
        "/admin/comments",
        Capability::ModerateComments,
    )
    .await?;
    queue_page(&app, &site, &writer, query, Outcome::ok()).await
}

async fn queue_page(
    app: &AppState,
    site: &Site,
    writer: &Writer,
    query: QueueQuery,
    outcome: Outcome,
) -> Result<Response> {
    let status = match query.status.as_str() {
        "" => None,
        s => Some(s.parse::<CommentStatus>().map_err(|_| Error::NotFound)?),
    };
    let q: String = query.q.trim().chars().take(200).collect();
    let filter = QueueFilter {
        status,
        search: q.clone(),
    };
    let before = query.before.parse().ok().map(CommentId);
    let comments = app.store.comments();
    let mut listed = comments
        .queue(site.id, &filter, before, PER_PAGE + 1)
        .await?;
    let older = (listed.len() > PER_PAGE as usize).then(|| {
        listed.truncate(PER_PAGE as usize);
        let last = listed.last().map_or(0, |l| l.comment.id.0).to_string();
        queue_href(&query.status, &q, &[("before", &last)])
    });
    let counts = comments.counts(site.id).await?;
    let notice = match query.done.parse::<usize>() {
        Ok(0) => Some("Nothing changed: those comments were already there.".to_owned()),
        Ok(1) => Some("1 comment changed.".to_owned()),
        Ok(n) => Some(format!("{n} comments changed.")),
        Err(_) => None,
    };
    let status_name = status.map_or("", |s| s.as_str());
    render(
        app,
        site,
        writer,
        ("/admin/comments", "Comments", "admin_comments.html"),
        outcome.status,
        |layout| QueuePage {
            layout,
            csrf: &writer.viewer.session.csrf,
            status: status_name,
            q: &q,
            tabs: tabs(counts),
            comments: listed.into_iter().map(row).collect(),
            older,
            notice,
            outcome: &outcome,
        },
    )
}

/// What the queue's form sends, read from the body by hand: `ids` repeats.
#[derive(Debug, Default)]
struct ActionForm {
    csrf: String,
    action: String,
    only: String,
    ids: Vec<i64>,
    status: String,
    q: String,
    /// `comment`: go back to the comment's own page.
    back: String,
}

impl ActionForm {
    fn parse(body: &[u8]) -> ActionForm {
        let mut form = ActionForm::default();
        for (key, value) in url::form_urlencoded::parse(body) {
            match key.as_ref() {
                "csrf" => form.csrf = value.into_owned(),
                "action" => form.action = value.into_owned(),
                "only" => form.only = value.into_owned(),
                "ids" => form.ids.extend(value.parse::<i64>().ok()),
                "status" => form.status = value.into_owned(),
                "q" => form.q = value.into_owned(),
                "back" => form.back = value.into_owned(),
                _ => {}
            }
        }
        form
    }
}

/// `POST /admin/comments`: one row's action (`only=ID:ACTION`) or the bulk action for the ticked
/// rows; back to the same view of the queue (or the comment's page) saying how many changed.
pub async fn act(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    body: Bytes,
) -> Result<Response> {
    let form = ActionForm::parse(&body);
    let writer = form_member(
        &app,
        &site,
        viewer,
        &form.csrf,
        Capability::ModerateComments,
    )
    .await?;
    let (ids, action) = match form.only.split_once(':') {
        Some((id, action)) => (vec![id.parse().map_err(|_| Error::NotFound)?], action),
        None => (form.ids.clone(), form.action.as_str()),
    };
    let ids: Vec<CommentId> = ids.into_iter().map(CommentId).collect();
    let Ok(action) = action.parse::<Moderation>() else {
        let outcome = Outcome::say(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            Some("Choose an action for the ticked comments.".into()),
        );
        return queue_page(&app, &site, &writer, form.query(), outcome).await;
    };
    match moderate(&app.app, writer.actor(), site.id, &ids, action).await {
        Ok(changed) => {
            let done = changed.to_string();
            match (form.back.as_str(), ids.first()) {
                ("comment", Some(id)) => Ok(see_other(&format!(
                    "/admin/comments/{}?done={}",
                    id.0,
                    action.as_str()
                ))),
                _ => Ok(see_other(&queue_href(
                    &form.status,
                    &form.q,
                    &[("done", &done)],
                ))),
            }
        }
        Err(err) => {
            let outcome = Outcome::refused(err)?;
            queue_page(&app, &site, &writer, form.query(), outcome).await
        }
    }
}

impl ActionForm {
    fn query(&self) -> QueueQuery {
        QueueQuery {
            status: self.status.clone(),
            q: self.q.clone(),
            ..QueueQuery::default()
        }
    }
}

/// A line of a comment's history as the page shows it.
#[derive(Serialize)]
struct HistoryLine {
    at: DateView,
    /// The moderator (empty: the system).
    who: String,
    what: String,
    detail: String,
}

#[derive(Serialize)]
struct CommentPage<'a> {
    layout: Layout,
    csrf: &'a str,
    comment: Row,
    history: Vec<HistoryLine>,
    body: String,
    reply: String,
    notice: Option<&'static str>,
    #[serde(flatten)]
    outcome: &'a Outcome,
}

/// The text typed into the edit or reply form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TextForm {
    csrf: String,
    body: String,
}

async fn comment_page(
    app: &AppState,
    site: &Site,
    writer: &Writer,
    id: CommentId,
    typed: (Option<String>, String),
    notice: Option<&'static str>,
    outcome: Outcome,
) -> Result<Response> {
    let comments = app.store.comments();
    let comment = comments.get(site.id, id).await?.ok_or(Error::NotFound)?;
    let post = comments
        .post_of(site.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let entry = app
        .store
        .posts()
        .by_id(site.id, post)
        .await?
        .ok_or(Error::NotFound)?;
    let history = comments
        .history(id)
        .await?
        .into_iter()
        .map(|e| HistoryLine {
            at: DateView::with_time(e.at),
            who: e.actor.unwrap_or_default(),
            what: e.what,
            detail: e.detail,
        })
        .collect();
    let here = format!("/admin/comments/{}", id.0);
    let (body, reply) = typed;
    let body = body.unwrap_or_else(|| comment.body.clone());
    let queued = Queued {
        post_title: entry.summary.title.clone(),
        post_path: entry.summary.path(),
        post,
        comment,
    };
    render(
        app,
        site,
        writer,
        (&here, "Comment", "admin_comment.html"),
        outcome.status,
        |layout| CommentPage {
            layout,
            csrf: &writer.viewer.session.csrf,
            comment: row(queued),
            history,
            body,
            reply,
            notice,
            outcome: &outcome,
        },
    )
}

/// `GET /admin/comments/{id}`: one comment with its history, to act on, edit or answer.
pub async fn show(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Viewer(viewer): Viewer,
    Params(id): Params<i64>,
    Query(query): Query<DeskQuery>,
) -> Result<Response> {
    let here = format!("/admin/comments/{id}");
    let writer = member(&app, &site, viewer, &here, Capability::ModerateComments).await?;
    let notice = match query.done.as_str() {
        "edited" => Some("Saved."),
        "replied" => Some("Your reply is published."),
        "" => None,
        _ => Some("Done."),
    };
    comment_page(
        &app,
        &site,
        &writer,
        CommentId(id),
        (None, String::new()),
        notice,
        Outcome::ok(),
    )
    .await
}

/// `POST /admin/comments/{id}/edit`: saves a comment's text.
pub async fn edit(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Params(id): Params<i64>,
    Form(form): Form<TextForm>,
) -> Result<Response> {
    let writer = form_member(
        &app,
        &site,
        viewer,
        &form.csrf,
        Capability::ModerateComments,
    )
    .await?;
    let id = CommentId(id);
    match edit_comment(&app.app, writer.actor(), site.id, id, &form.body).await {
        Ok(()) => Ok(see_other(&format!("/admin/comments/{}?done=edited", id.0))),
        Err(err) => {
            let outcome = Outcome::refused(err)?;
            let typed = (Some(form.body), String::new());
            comment_page(&app, &site, &writer, id, typed, None, outcome).await
        }
    }
}

/// `POST /admin/comments/{id}/reply`: a moderator's answer, published at once.
pub async fn reply(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Params(id): Params<i64>,
    Form(form): Form<TextForm>,
) -> Result<Response> {
    let writer = form_member(
        &app,
        &site,
        viewer,
        &form.csrf,
        Capability::ModerateComments,
    )
    .await?;
    let id = CommentId(id);
    match reply_at_desk(&app.app, writer.actor(), site.id, id, &form.body).await {
        Ok(reply) => Ok(see_other(&format!(
            "/admin/comments/{}?done=replied",
            reply.0
        ))),
        Err(err) => {
            let mut outcome = Outcome::refused(err)?;
            outcome.rename("body", "reply");
            let typed = (None, form.body);
            comment_page(&app, &site, &writer, id, typed, None, outcome).await
        }
    }
}
