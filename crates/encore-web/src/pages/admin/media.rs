//! The media library at the desk: files to offer under posts, uploaded from the browser, listed
//! with the posts that offer them, and deleted while no public post does.

use super::{DeskQuery, TokenForm, Writer, form_member, member, render};
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
    extract::{Multipart, Query, State, multipart::MultipartRejection},
    http::StatusCode,
    response::Response,
};
use encore_app::{
    AppError,
    downloads::{delete_download, upload},
};
use encore_core::{
    ValidationError,
    download::{MAX_UPLOAD_BYTES, UPLOAD_KINDS, human_size},
    ids::DownloadId,
    roles::Capability,
    site::Site,
};
use serde::Serialize;

const HERE: &str = "/admin/media";

#[derive(Serialize)]
struct Item {
    id: i64,
    file_name: String,
    kind: String,
    size: String,
    uploaded: DateView,
    posts: i64,
    public_posts: i64,
    path: String,
}

#[derive(Serialize)]
struct MediaPage<'a> {
    layout: Layout,
    csrf: &'a str,
    items: Vec<Item>,
    /// Whether the member may delete files.
    may_delete: bool,
    /// The `accept` list of the file input.
    accept: String,
    max_size: String,
    notice: Option<&'static str>,
    #[serde(flatten)]
    outcome: &'a Outcome,
}

async fn page(
    app: &AppState,
    site: &Site,
    writer: &Writer,
    notice: Option<&'static str>,
    outcome: Outcome,
) -> Result<Response> {
    let items = app
        .store
        .downloads()
        .library(site.id, app.clock.now())
        .await?
        .into_iter()
        .map(|item| Item {
            id: item.download.id.0,
            path: item.download.path(),
            size: item.download.size_display(),
            kind: item.download.content_type.clone(),
            file_name: item.download.file_name,
            uploaded: DateView::with_time(item.created_at),
            posts: item.posts,
            public_posts: item.public_posts,
        })
        .collect();
    render(
        app,
        site,
        writer,
        (HERE, "Media", "admin_media.html"),
        outcome.status,
        |layout| MediaPage {
            layout,
            csrf: &writer.viewer.session.csrf,
            items,
            may_delete: writer.role.can(Capability::EditOthersPosts),
            accept: UPLOAD_KINDS
                .iter()
                .map(|k| format!(".{k}"))
                .collect::<Vec<_>>()
                .join(","),
            max_size: human_size(MAX_UPLOAD_BYTES as u64),
            notice,
            outcome: &outcome,
        },
    )
}

/// `GET /admin/media`: the site's files and the upload form.
pub async fn list(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Viewer(viewer): Viewer,
    Query(query): Query<DeskQuery>,
) -> Result<Response> {
    let writer = member(&app, &site, viewer, HERE, Capability::UploadFiles).await?;
    let notice = match query.done.as_str() {
        "uploaded" => Some("Uploaded. Offer it under a post from the post's editor."),
        "deleted" => Some("Deleted."),
        _ => None,
    };
    page(&app, &site, &writer, notice, Outcome::ok()).await
}

/// `POST /admin/media` (multipart): uploads a file into the library.
pub async fn add(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    form: std::result::Result<Multipart, MultipartRejection>,
) -> Result<Response> {
    let Some(viewer) = viewer else {
        return Err(Error::Forbidden("sign in first".into()));
    };
    // A body that is not a multipart form carries no token to check.
    let Ok(mut form) = form else {
        return Err(Error::Forbidden(
            "this form has expired; open the page again".into(),
        ));
    };
    let too_large = || {
        ValidationError::new(
            "file",
            format!("is larger than {}", human_size(MAX_UPLOAD_BYTES as u64)),
        )
    };
    let (mut csrf, mut file, mut refused) = (String::new(), None, None);
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                refused = Some(too_large());
                break;
            }
            Err(e) => return Err(Error::BadRequest(e.body_text())),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().unwrap_or_default().to_owned();
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                refused = Some(too_large());
                break;
            }
            Err(e) => return Err(Error::BadRequest(e.body_text())),
        };
        match name.as_str() {
            "csrf" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "file" => file = Some((file_name, bytes)),
            _ => {}
        }
    }
    let writer = form_member(&app, &site, Some(viewer), &csrf, Capability::UploadFiles).await?;
    let result = match (refused, file) {
        (Some(problem), _) => Err(AppError::Validation(problem)),
        (None, None) => Err(ValidationError::new("file", "choose a file to upload").into()),
        (None, Some((name, bytes))) => upload(&app.app, writer.actor(), site.id, &name, bytes)
            .await
            .map(drop),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("{HERE}?done=uploaded"))),
        Err(err) => {
            let too_big =
                matches!(&err, AppError::Validation(e) if e.problem.starts_with("is larger"));
            let mut outcome = Outcome::refused(err)?;
            if too_big {
                outcome.status = StatusCode::PAYLOAD_TOO_LARGE;
            }
            page(&app, &site, &writer, None, outcome).await
        }
    }
}

/// `POST /admin/media/{id}/delete`: deletes a file no public post offers.
pub async fn delete(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Params(id): Params<i64>,
    Form(form): Form<TokenForm>,
) -> Result<Response> {
    let id = DownloadId(id);
    let writer = form_member(&app, &site, viewer, &form.csrf, Capability::EditOthersPosts).await?;
    match delete_download(&app.app, writer.actor(), site.id, id).await {
        Ok(()) => Ok(see_other(&format!("{HERE}?done=deleted"))),
        Err(AppError::InUse(why)) => {
            let outcome = Outcome::say(StatusCode::CONFLICT, Some(format!("Not deleted: {why}.")));
            page(&app, &site, &writer, None, outcome).await
        }
        Err(err) => Err(err.into()),
    }
}
