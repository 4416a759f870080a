//! What the editor does between saves: its script's autosaves and live preview, and the links
//! that share a post before it is public.

use super::{TokenForm, form_writer};
use crate::{
    error::{Error, Result},
    extract::Params,
    pages::account::see_other,
    session::{FormSite, SignedIn, Viewer},
    state::AppState,
};
use axum::{
    Form, Json,
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use encore_app::drafts;
use encore_core::{ids::PostId, post::Rendered, site::Site};
use serde::Serialize;

/// The editor of `post` (`None`: the new post's).
fn editor_path(post: Option<PostId>) -> String {
    post.map_or_else(
        || "/admin/posts/new".to_owned(),
        |id| format!("/admin/posts/{}", id.0),
    )
}

/// A JSON answer for the editor's script, never stored anywhere.
fn json<T: Serialize>(value: T) -> Response {
    let mut response = Json(value).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The form's token, and the rest of its fields.
fn split_token(pairs: Vec<(String, String)>) -> (String, Vec<(String, String)>) {
    let mut csrf = String::new();
    let mut rest = Vec::with_capacity(pairs.len());
    for (key, value) in pairs {
        match key.as_str() {
            "csrf" => csrf = value,
            "action" => {}
            _ => rest.push((key, value)),
        }
    }
    (csrf, rest)
}

#[derive(Serialize)]
struct Kept {
    /// When, for machines.
    saved_at: String,
    /// When, for people (UTC).
    display: String,
}

async fn keep(
    app: &AppState,
    site: &Site,
    viewer: Option<SignedIn>,
    post: Option<PostId>,
    pairs: Vec<(String, String)>,
) -> Result<Response> {
    let (csrf, fields) = split_token(pairs);
    let writer = form_writer(app, site, viewer, &csrf).await?;
    let fields = serde_json::to_string(&fields).map_err(|e| Error::Internal(e.to_string()))?;
    let at = drafts::autosave(&app.app, writer.actor(), site.id, post, &fields).await?;
    Ok(json(Kept {
        saved_at: at.to_rfc3339(),
        display: at.format("%H:%M:%S").to_string(),
    }))
}

/// `POST /admin/posts/new/autosave`: keeps what is typed in the new post's editor.
pub async fn autosave_new(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    keep(&app, &site, viewer, None, pairs).await
}

/// `POST /admin/posts/{id}/autosave`: keeps what is typed in a post's editor.
pub async fn autosave(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Params(id): Params<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let id = PostId(id);
    keep(&app, &site, viewer, Some(id), pairs).await
}

async fn discard(
    app: &AppState,
    site: &Site,
    viewer: Option<SignedIn>,
    post: Option<PostId>,
    csrf: &str,
) -> Result<Response> {
    let writer = form_writer(app, site, viewer, csrf).await?;
    drafts::discard_autosave(&app.app, writer.actor(), site.id, post).await?;
    Ok(see_other(&editor_path(post)))
}

/// `POST /admin/posts/new/autosave/discard`: forgets what was typed for a new post.
pub async fn discard_new(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Form(form): Form<TokenForm>,
) -> Result<Response> {
    discard(&app, &site, viewer, None, &form.csrf).await
}

/// `POST /admin/posts/{id}/autosave/discard`: forgets what was typed and not saved.
pub async fn discard_saved(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Params(id): Params<i64>,
    Form(form): Form<TokenForm>,
) -> Result<Response> {
    let id = PostId(id);
    discard(&app, &site, viewer, Some(id), &form.csrf).await
}

/// `POST /admin/posts/{id}/preview`: shares the post through a new preview link.
pub async fn share(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Params(id): Params<i64>,
    Form(form): Form<TokenForm>,
) -> Result<Response> {
    let id = PostId(id);
    let writer = form_writer(&app, &site, viewer, &form.csrf).await?;
    drafts::share_preview(&app.app, writer.actor(), site.id, id).await?;
    Ok(see_other(&format!("{}#sharing", editor_path(Some(id)))))
}

/// `POST /admin/posts/{id}/preview/stop`: its preview link stops working.
pub async fn unshare(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Params(id): Params<i64>,
    Form(form): Form<TokenForm>,
) -> Result<Response> {
    let id = PostId(id);
    let writer = form_writer(&app, &site, viewer, &form.csrf).await?;
    drafts::stop_preview(&app.app, writer.actor(), site.id, id).await?;
    Ok(see_other(&format!("{}#sharing", editor_path(Some(id)))))
}

#[derive(Serialize)]
struct Preview {
    html: String,
}

/// `POST /admin/preview`: the editor's text as readers will see it (embeds included), for the
/// script's live preview. Nothing is saved.
pub async fn live_preview(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let (csrf, fields) = split_token(pairs);
    form_writer(&app, &site, viewer, &csrf).await?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let rendered = Rendered::of(field("body"), field("excerpt"));
    Ok(json(Preview {
        html: rendered.body_html,
    }))
}
