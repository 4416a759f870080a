//! Revisions at the desk: what one held against the post now, and restoring it.

use super::{
    TokenForm, form_writer,
    posts::{RevisionView, editable},
    render, writer,
};
use crate::{
    error::{Error, Result},
    extract::{CurrentSite, Params},
    pages::account::see_other,
    session::{FormSite, Viewer},
    state::AppState,
    views::{DateView, Layout},
};
use axum::{Form, extract::State, http::StatusCode, response::Response};
use encore_core::ids::PostId;
use serde::Serialize;

/// One line of a comparison: `same`, `removed` (only in the revision) or `added` (only now).
#[derive(Serialize)]
struct DiffLine {
    tag: &'static str,
    text: String,
}

/// A field whose text differs between a revision and the post now.
#[derive(Serialize)]
struct FieldDiff {
    label: &'static str,
    lines: Vec<DiffLine>,
}

/// The lines of `then` and `now`, compared.
fn compare(label: &'static str, then: &str, now: &str) -> Option<FieldDiff> {
    if then == now {
        return None;
    }
    let diff = similar::TextDiff::from_lines(then, now);
    let lines = diff
        .iter_all_changes()
        .map(|change| DiffLine {
            tag: match change.tag() {
                similar::ChangeTag::Equal => "same",
                similar::ChangeTag::Delete => "removed",
                similar::ChangeTag::Insert => "added",
            },
            text: change.value().trim_end_matches('\n').to_owned(),
        })
        .collect();
    Some(FieldDiff { label, lines })
}

fn listing(tracks: &[encore_core::tracks::Track]) -> String {
    encore_core::tracks::format_listing(tracks)
}

#[derive(Serialize)]
struct RevisionPage<'a> {
    layout: Layout,
    csrf: &'a str,
    id: i64,
    revision: RevisionView,
    changes: Vec<FieldDiff>,
}
/// `GET /admin/posts/{id}/revisions/{rev}`: what a revision held against the post now.
pub async fn revision(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Viewer(viewer): Viewer,
    Params((id, rev)): Params<(i64, i64)>,
) -> Result<Response> {
    let id = PostId(id);
    let here = format!("/admin/posts/{}/revisions/{rev}", id.0);
    let writer = writer(&app, &site, viewer, &here).await?;
    let post = editable(&app, &site, &writer, id).await?;
    let old = app
        .store
        .posts()
        .revision(site.id, id, rev)
        .await?
        .ok_or(Error::NotFound)?;
    let changes = [
        compare("Title", &old.summary.title, &post.summary.title),
        compare("Address name", &old.slug, &post.summary.slug),
        compare("Excerpt", &old.excerpt, &post.excerpt),
        compare("Text", &old.body, &post.body),
        compare(
            "Track listing",
            &listing(&old.tracks),
            &listing(&post.tracks),
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    let revision = RevisionView {
        id: old.summary.id,
        title: old.summary.title,
        saved_by: old
            .summary
            .saved_by
            .unwrap_or_else(|| "the command line".into()),
        when: DateView::with_time(old.summary.created_at),
    };
    let at = (here.as_str(), "Revision", "admin_revision.html");
    render(&app, &site, &writer, at, StatusCode::OK, |layout| {
        RevisionPage {
            layout,
            csrf: &writer.viewer.session.csrf,
            id: id.0,
            revision,
            changes,
        }
    })
}

/// `POST /admin/posts/{id}/revisions/{rev}/restore`: saves the post again with that revision's
/// words and tracks.
pub async fn restore(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Params((id, rev)): Params<(i64, i64)>,
    Form(form): Form<TokenForm>,
) -> Result<Response> {
    let id = PostId(id);
    let writer = form_writer(&app, &site, viewer, &form.csrf).await?;
    encore_app::posts::restore_revision(&app.app, writer.actor(), site.id, id, rev).await?;
    Ok(see_other(&format!("/admin/posts/{}?saved=1", id.0)))
}
