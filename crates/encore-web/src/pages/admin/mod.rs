//! The writer's desk (`/admin`): the dashboard, posts and the editor, revisions, and (for the
//! site's administrators) settings, people, and categories, tags and series.
//!
//! Server-rendered forms that work without JavaScript. Every page needs a signed-in member whose
//! role on the site lets them write; what each may do is decided by the use cases
//! (`encore_app`), and a refusal is shown on the form with what was typed kept.

pub mod comments;
pub mod drafts;
pub mod media;
pub mod people;
mod posts;
mod revisions;
pub mod settings;
pub mod terms;

pub use posts::{ListQuery, create, delete, edit_form, list, new_form, update};
pub use revisions::{restore, revision};

use crate::{
    error::{Error, Result},
    extract::CurrentSite,
    pages::account::{check_token, personal, personal_head},
    session::{SignedIn, Viewer},
    state::AppState,
    views::{DateView, Layout},
};
use axum::{extract::State, http::StatusCode, response::Response};
use chrono::{DateTime, Utc};
use encore_app::Actor;
use encore_core::{
    paging::PageRequest,
    post::PostStatus,
    roles::{Capability, Role},
    site::Site,
};
use encore_store::posts::DeskFilter;
use serde::{Deserialize, Serialize};

/// A signed-in member at the desk, with their role on the site.
pub(super) struct Writer {
    pub(super) viewer: SignedIn,
    pub(super) role: Role,
}

impl Writer {
    pub(super) fn actor(&self) -> Actor {
        Actor::Member {
            account: self.viewer.session.account_id,
            role: self.role,
        }
    }
}

/// The member at the desk, or where they must go first: the sign-in page (not signed in) or a
/// refusal (their role cannot write here).
pub(super) async fn writer(
    app: &AppState,
    site: &Site,
    viewer: Option<SignedIn>,
    here: &str,
) -> Result<Writer> {
    member(app, site, viewer, here, Capability::EditOwnDrafts).await
}

/// The member on a desk page that needs `need`, or where they must go first: the sign-in page
/// (not signed in, [`Error::SignInFirst`]) or a refusal (their role on the site does not allow
/// it).
pub(super) async fn member(
    app: &AppState,
    site: &Site,
    viewer: Option<SignedIn>,
    here: &str,
    need: Capability,
) -> Result<Writer> {
    let Some(viewer) = viewer else {
        return Err(Error::SignInFirst(here.to_owned()));
    };
    let role = app
        .store
        .accounts()
        .role(site.id, viewer.session.account_id)
        .await?;
    match role {
        Some(role) if role.can(need) => Ok(Writer { viewer, role }),
        Some(role) if role.can(Capability::EditOwnDrafts) => Err(Error::Forbidden(
            "this part of the desk is for the site's administrators".into(),
        )),
        _ => Err(Error::Forbidden(
            "your account cannot write on this site; ask its owner for a role".into(),
        )),
    }
}

/// The member behind a desk form: signed in, with the form carrying their session's token, and a
/// role that writes.
pub(super) async fn form_writer(
    app: &AppState,
    site: &Site,
    viewer: Option<SignedIn>,
    csrf: &str,
) -> Result<Writer> {
    form_member(app, site, viewer, csrf, Capability::EditOwnDrafts).await
}

/// The member behind a desk form that needs `need`: signed in, with the form carrying their
/// session's token, and a role that allows it.
pub(super) async fn form_member(
    app: &AppState,
    site: &Site,
    viewer: Option<SignedIn>,
    csrf: &str,
    need: Capability,
) -> Result<Writer> {
    let Some(signed_in) = viewer else {
        return Err(Error::Forbidden("sign in first".into()));
    };
    check_token(&signed_in, csrf)?;
    member(app, site, Some(signed_in), "/admin", need).await
}

/// What the desk's menu offers a member.
#[derive(Serialize)]
struct Nav {
    /// Settings and people (administrators).
    manage: bool,
    /// Categories, tags and series (editors and administrators).
    organise: bool,
    /// The media library (authors and up).
    upload: bool,
    /// The moderation queue (editors and administrators).
    moderate: bool,
}

/// A desk page's own context, with the menu.
#[derive(Serialize)]
struct Desk<T> {
    #[serde(flatten)]
    page: T,
    desk: Nav,
}

/// Renders a desk page for `writer`: never cached, no sidebar, no address sent elsewhere.
pub(super) fn render<T: Serialize>(
    app: &AppState,
    site: &Site,
    writer: &Writer,
    (path, title, template): (&str, &str, &str),
    status: StatusCode,
    page: impl FnOnce(Layout) -> T,
) -> Result<Response> {
    let layout = Layout::bare(app, site, path, personal_head(site, path, title));
    let context = Desk {
        page: page(layout),
        desk: Nav {
            manage: writer.role.can(Capability::ManageSite),
            organise: writer.role.can(Capability::EditOthersPosts),
            upload: writer.role.can(Capability::UploadFiles),
            moderate: writer.role.can(Capability::ModerateComments),
        },
    };
    let html = app.theme.render(template, &context)?;
    Ok(personal(status, html))
}

/// A post as the desk lists it.
#[derive(Serialize)]
pub(super) struct Row {
    id: i64,
    title: String,
    status: &'static str,
    status_label: &'static str,
    author: String,
    date: Option<DateView>,
    path: String,
}

fn status_label(
    status: PostStatus,
    published_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> &'static str {
    match status {
        PostStatus::Draft => "Draft",
        PostStatus::Pending => "Pending review",
        PostStatus::Private => "Private",
        PostStatus::Published if published_at.is_some_and(|t| t > now) => "Scheduled",
        PostStatus::Published => "Published",
    }
}

pub(super) fn rows(listed: Vec<encore_store::posts::Listed>, now: DateTime<Utc>) -> Vec<Row> {
    listed
        .into_iter()
        .map(|l| Row {
            id: l.summary.id.0,
            status: l.status.as_str(),
            status_label: status_label(l.status, l.summary.published_at, now),
            author: l.summary.author.display_name.clone(),
            date: l.summary.published_at.map(DateView::new),
            path: l.summary.path(),
            title: if l.summary.title.is_empty() {
                "(no title)".into()
            } else {
                l.summary.title
            },
        })
        .collect()
}

#[derive(Serialize)]
struct Dashboard {
    layout: Layout,
    counts: encore_store::posts::DeskCounts,
    drafts: Vec<Row>,
    scheduled: Vec<Row>,
    recent: Vec<Row>,
    role: &'static str,
}

/// `GET /admin`: counts, the latest drafts and the latest posts.
pub async fn dashboard(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Viewer(viewer): Viewer,
) -> Result<Response> {
    let writer = writer(&app, &site, viewer, "/admin").await?;
    let now = app.clock.now();
    let posts = app.store.posts();
    let counts = posts.desk_counts(site.id, now).await?;
    let first = PageRequest::new(1, 5).ok_or(Error::NotFound)?;
    let own =
        (!writer.role.can(Capability::EditOthersPosts)).then_some(writer.viewer.session.account_id);
    let drafts = DeskFilter {
        status: Some(PostStatus::Draft),
        author: own,
        ..DeskFilter::default()
    };
    let drafts = rows(posts.desk(site.id, &drafts, first).await?.items, now);
    let scheduled = DeskFilter {
        status: Some(PostStatus::Published),
        due_after: Some(now),
        ..DeskFilter::default()
    };
    let scheduled = rows(posts.desk(site.id, &scheduled, first).await?.items, now);
    let recent = DeskFilter {
        status: Some(PostStatus::Published),
        ..DeskFilter::default()
    };
    let recent = rows(posts.desk(site.id, &recent, first).await?.items, now);
    render(
        &app,
        &site,
        &writer,
        ("/admin", "Dashboard", "admin.html"),
        StatusCode::OK,
        |layout| Dashboard {
            layout,
            counts,
            drafts,
            scheduled,
            recent,
            role: writer.role.as_str(),
        },
    )
}

/// What a desk page says after a form sent the member back to it: `?done=…` (what happened),
/// `?saved=1`, or `?restore=1` (the editor takes back an autosave).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeskQuery {
    pub(super) done: String,
    pub(super) saved: String,
    pub(super) restore: String,
}

/// The delete form's token.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenForm {
    pub(super) csrf: String,
}
