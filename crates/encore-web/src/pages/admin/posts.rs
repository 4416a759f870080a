//! Posts at the desk: the list with its filters, the editor, saving and deleting.

use super::{DeskQuery, Row, TokenForm, Writer, form_writer, render, rows, writer};
use crate::{
    error::{Error, Result},
    extract::{CurrentSite, Params},
    pages::account::{Outcome, see_other},
    session::{FormSite, SignedIn, Viewer},
    state::AppState,
    views::{DateView, Layout},
};
use axum::{
    Form,
    extract::{Query, State},
    http::StatusCode,
    response::Response,
};
use chrono::{DateTime, NaiveDateTime, Utc};
use encore_app::{
    AppError, drafts,
    posts::{PostDraft, Ref, create_post, delete_post, update_post},
};
use encore_core::{
    Problems, ValidationError,
    error::required_text,
    ids::{CategoryId, DownloadId, PostId, SeriesId},
    paging::PageRequest,
    post::{PostKind, PostStatus, Rendered, SUBJECT_YEARS},
    roles::Capability,
    site::Site,
    taxonomy::TermKind,
    tracks::{TrackEntry, number_tracks, parse_duration},
};
use encore_store::posts::DeskFilter;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Posts per page of the desk's list.
const PER_PAGE: u32 = 25;
/// Empty track rows the editor offers below the filled ones.
const SPARE_TRACK_ROWS: usize = 3;

/// `?status=&author=&category=&series=&q=&page=` on the list of posts (category and series by
/// address name).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    author: String,
    category: String,
    series: String,
    q: String,
    page: String,
}

#[derive(Serialize)]
struct PostList {
    layout: Layout,
    posts: Vec<Row>,
    status: String,
    author: String,
    q: String,
    authors: Vec<(String, String)>,
    category: String,
    categories: Vec<(String, String)>,
    series: String,
    all_series: Vec<(String, String)>,
    number: u32,
    total_pages: u32,
    prev: Option<String>,
    next: Option<String>,
}

/// `GET /admin/posts`: every post and page of the site, newest first, with filters.
pub async fn list(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Viewer(viewer): Viewer,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    let writer = writer(&app, &site, viewer, "/admin/posts").await?;
    let status = query.status.parse::<PostStatus>().ok();
    let members = app.store.accounts().members(site.id).await?;
    let author = members
        .iter()
        .find(|m| m.username == query.author)
        .map(|m| m.id);
    let number = if query.page.is_empty() {
        1
    } else {
        query.page.parse().map_err(|_| Error::NotFound)?
    };
    let page = PageRequest::new(number, PER_PAGE).ok_or(Error::NotFound)?;
    let terms = app.store.terms();
    let categories = terms.list(site.id, TermKind::Category).await?;
    let all_series = terms.list(site.id, TermKind::Series).await?;
    let pick = |terms: &[encore_store::terms::Term], slug: &str| {
        terms.iter().find(|t| t.slug == slug).map(|t| t.id)
    };
    let filter = DeskFilter {
        status,
        author,
        search: query.q.chars().take(200).collect(),
        category: pick(&categories, &query.category).map(CategoryId),
        series: pick(&all_series, &query.series).map(SeriesId),
        due_after: None,
    };
    let found = app.store.posts().desk(site.id, &filter, page).await?;
    let link = |n: u32| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("status", &query.status),
            ("author", &query.author),
            ("category", &query.category),
            ("series", &query.series),
            ("q", &query.q),
        ] {
            if !v.is_empty() {
                q.append_pair(k, v);
            }
        }
        if n > 1 {
            q.append_pair("page", &n.to_string());
        }
        let q = q.finish();
        if q.is_empty() {
            "/admin/posts".to_owned()
        } else {
            format!("/admin/posts?{q}")
        }
    };
    let (number, total_pages) = (found.number, found.total_pages);
    let context = |layout| PostList {
        layout,
        posts: rows(found.items, app.clock.now()),
        status: status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        author: query.author.clone(),
        q: query.q.clone(),
        authors: members
            .iter()
            .map(|m| (m.username.clone(), m.display_name.clone()))
            .collect(),
        category: query.category.clone(),
        categories: categories
            .iter()
            .map(|t| (t.slug.clone(), t.name.clone()))
            .collect(),
        series: query.series.clone(),
        all_series: all_series
            .iter()
            .map(|t| (t.slug.clone(), t.name.clone()))
            .collect(),
        number,
        total_pages,
        prev: (number > 1).then(|| link(number - 1)),
        next: (number < total_pages).then(|| link(number + 1)),
    };
    render(
        &app,
        &site,
        &writer,
        ("/admin/posts", "Posts", "admin_posts.html"),
        StatusCode::OK,
        context,
    )
}

/// The editor's fields, as typed (kept as text so a refused form shows them again).
#[derive(Debug, Clone, Default, Serialize)]
struct Fields {
    title: String,
    slug: String,
    excerpt: String,
    body: String,
    kind: String,
    status: String,
    published_at: String,
    categories: String,
    tags: String,
    series: String,
    part: String,
    subject_year: String,
    tracks: Vec<TrackRow>,
    /// The save this form started from (a revision id), to notice another writer's save.
    based_on: String,
    /// The files offered under the post, by id, in order.
    downloads: Vec<String>,
    /// Its featured picture's id (empty: none).
    featured_image: String,
    /// `1` when the post takes no more comments.
    comments_closed: String,
}

#[derive(Debug, Clone, Default, Serialize)]
struct TrackRow {
    artist: String,
    title: String,
    duration: String,
    link: String,
}

impl TrackRow {
    fn is_empty(&self) -> bool {
        [&self.artist, &self.title, &self.duration, &self.link]
            .iter()
            .all(|f| f.trim().is_empty())
    }
}

impl Fields {
    /// The form of a stored post.
    async fn of(app: &AppState, site: &Site, post: &encore_core::post::Post) -> Result<Fields> {
        let series = match post.series {
            Some((id, part)) => {
                let title = app
                    .store
                    .series()
                    .by_id(site.id, id)
                    .await?
                    .map(|s| s.title)
                    .unwrap_or_default();
                (title, part.to_string())
            }
            None => (String::new(), String::new()),
        };
        Ok(Fields {
            // Filled by the editor from the latest save.
            based_on: String::new(),
            downloads: post.downloads.iter().map(|d| d.id.0.to_string()).collect(),
            featured_image: post
                .featured_image
                .map(|d| d.0.to_string())
                .unwrap_or_default(),
            comments_closed: if post.comments_open { "" } else { "1" }.into(),
            title: post.summary.title.clone(),
            slug: post.summary.slug.clone(),
            excerpt: post.excerpt.clone(),
            body: post.body.clone(),
            kind: post.summary.kind.as_str().to_owned(),
            status: post.status.as_str().to_owned(),
            published_at: post
                .summary
                .published_at
                .map(|t| t.format("%Y-%m-%dT%H:%M").to_string())
                .unwrap_or_default(),
            categories: join(post.summary.categories.iter().map(|c| c.name.as_str())),
            tags: join(post.tags.iter().map(|t| t.name.as_str())),
            series: series.0,
            part: series.1,
            subject_year: post.subject_year.map(|y| y.to_string()).unwrap_or_default(),
            tracks: post
                .tracks
                .iter()
                .map(|t| TrackRow {
                    artist: t.artist.clone(),
                    title: t.title.clone(),
                    duration: t.duration_display().unwrap_or_default(),
                    link: t.link.clone().unwrap_or_default(),
                })
                .collect(),
        })
    }

    /// The fields a form sent: `track_N_artist`, `track_N_title`, `track_N_duration` for the
    /// rows (in N's order), and `action` (`save`, or `more` for more track rows).
    fn from_form(pairs: Vec<(String, String)>) -> (Fields, String, String) {
        let mut fields = Fields::default();
        let mut rows: BTreeMap<usize, TrackRow> = BTreeMap::new();
        let mut places: BTreeMap<usize, usize> = BTreeMap::new();
        let (mut csrf, mut action) = (String::new(), String::new());
        for (key, value) in pairs {
            match key.as_str() {
                "csrf" => csrf = value,
                "action" => action = value,
                "title" => fields.title = value,
                "slug" => fields.slug = value,
                "excerpt" => fields.excerpt = value,
                "body" => fields.body = value,
                "kind" => fields.kind = value,
                "status" => fields.status = value,
                "published_at" => fields.published_at = value,
                "categories" => fields.categories = value,
                "tags" => fields.tags = value,
                "series" => fields.series = value,
                "part" => fields.part = value,
                "subject_year" => fields.subject_year = value,
                "based_on" => fields.based_on = value,
                "downloads" => fields.downloads.push(value),
                "featured_image" => fields.featured_image = value,
                "comments_closed" => fields.comments_closed = value,
                other => {
                    let Some(rest) = other.strip_prefix("track_") else {
                        continue;
                    };
                    let Some((n, part)) = rest.split_once('_') else {
                        continue;
                    };
                    let Ok(n) = n.parse::<usize>() else { continue };
                    if n >= 200 {
                        continue;
                    }
                    let row = rows.entry(n).or_default();
                    match part {
                        "artist" => row.artist = value,
                        "title" => row.title = value,
                        "duration" => row.duration = value,
                        "link" => row.link = value,
                        "position" => {
                            places.insert(n, value.trim().parse::<usize>().unwrap_or(n + 1));
                        }
                        _ => {}
                    }
                }
            }
        }
        // Rows go in the order of the numbers typed beside them (a tie keeps the form's order).
        let mut rows: Vec<(usize, TrackRow)> = rows.into_iter().collect();
        rows.sort_by_key(|(n, _)| (places.get(n).copied().unwrap_or(n + 1), *n));
        fields.tracks = rows.into_iter().map(|(_, row)| row).collect();
        (fields, csrf, action)
    }

    /// The draft these fields describe, for `author`; a field that cannot be read is refused
    /// by name.
    fn draft(
        &self,
        author: encore_core::ids::AccountId,
    ) -> std::result::Result<PostDraft, Vec<ValidationError>> {
        let mut problems = Problems::new();
        let kind = match self.kind.as_str() {
            "page" => PostKind::Page,
            _ => PostKind::Post,
        };
        // The title's own rule, checked here too so that it is named with the form's others.
        problems.check(required_text("title", &self.title, 300));
        let status = problems.check(
            self.status
                .parse::<PostStatus>()
                .map_err(|_| ValidationError::new("status", "choose a status")),
        );
        let published_at = match self.published_at.trim() {
            "" => None,
            text => problems.check(parse_local(text).ok_or_else(|| {
                ValidationError::new(
                    "published_at",
                    "must be a date and time like 2026-09-19 18:00",
                )
            })),
        };
        let series = match self.series.trim() {
            "" => None,
            name => problems
                .check(
                    self.part
                        .trim()
                        .parse::<i64>()
                        .ok()
                        .filter(|p| (1..=10_000).contains(p))
                        .ok_or_else(|| {
                            ValidationError::new(
                                "part",
                                "give the post's part in the series: 1, 2, 3…",
                            )
                        }),
                )
                .map(|part| (Ref::Name(name.to_owned()), part)),
        };
        let subject_year = match self.subject_year.trim() {
            "" => None,
            text => problems.check(
                text.parse::<i32>()
                    .ok()
                    .filter(|y| SUBJECT_YEARS.contains(y))
                    .ok_or_else(|| {
                        ValidationError::new("subject_year", "must be a year such as 1985")
                    }),
            ),
        };
        let mut entries = Vec::new();
        for (i, row) in self.tracks.iter().enumerate() {
            if row.is_empty() {
                continue; // an empty row is no track
            }
            let duration = match row.duration.trim() {
                "" => None,
                text => problems.check(parse_duration(text).ok_or_else(|| {
                    ValidationError::new(
                        "tracks",
                        format!("track row {}: write the length as m:ss", i + 1),
                    )
                })),
            };
            entries.push(TrackEntry {
                link: row.link.clone(),
                ..TrackEntry::new(&row.artist, &row.title, duration)
            });
        }
        let tracks = problems.check(number_tracks(entries));
        let featured_image = match self.featured_image.trim() {
            "" => None,
            id => problems.check(id.parse().map(DownloadId).map_err(|_| {
                ValidationError::new("featured_image", "choose a picture from the list")
            })),
        };
        let mut downloads = Vec::new();
        for id in &self.downloads {
            match id.trim().parse::<i64>() {
                Ok(id) if !downloads.contains(&DownloadId(id)) => downloads.push(DownloadId(id)),
                Ok(_) => {}
                Err(_) => problems.add("downloads", "choose files from the list"),
            }
        }
        problems.finish()?;
        let mut draft = PostDraft::new(author, &self.title, &self.body);
        draft.kind = kind;
        draft.status = status.unwrap_or(PostStatus::Draft);
        draft.slug = self.slug.trim().to_owned();
        draft.excerpt = self.excerpt.clone();
        draft.published_at = published_at;
        draft.categories = names(&self.categories);
        draft.tags = names(&self.tags);
        draft.series = series;
        draft.tracks = tracks.unwrap_or_default();
        draft.subject_year = subject_year;
        draft.based_on = self.based_on.trim().parse().ok();
        draft.downloads = downloads;
        draft.featured_image = featured_image;
        draft.comments_open = self.comments_closed.is_empty();
        Ok(draft)
    }
}

/// A publish time as a date picker sends it (`2026-09-19T18:00`) or as typed by hand
/// (`2026-09-19 18:00`), in UTC.
fn parse_local(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim().replacen(' ', "T", 1);
    NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S"))
        .ok()
        .map(|t| t.and_utc())
}

/// Names separated by commas, as references to find or make.
fn names<I>(text: &str) -> Vec<Ref<I>> {
    text.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| Ref::Name(n.to_owned()))
        .collect()
}

fn join<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

#[derive(Serialize)]
pub(super) struct RevisionView {
    pub(super) id: i64,
    pub(super) title: String,
    pub(super) saved_by: String,
    pub(super) when: DateView,
}

/// What the editor says above its form, besides a refusal.
#[derive(Debug, Default)]
struct Notice {
    /// The post was just saved.
    saved: bool,
    /// Someone else saved this revision after the form was opened.
    conflict: Option<i64>,
    /// The form holds an autosave, restored.
    restored: bool,
    /// The text rendered, for the "Preview" button (without JavaScript).
    preview_html: Option<String>,
}

/// A file of the media library in the editor's list.
#[derive(Serialize)]
struct LibraryChoice {
    id: i64,
    file_name: String,
    size: String,
    offered: bool,
}

#[derive(Serialize)]
struct Editor<'a> {
    layout: Layout,
    csrf: &'a str,
    /// The post's id, once it exists.
    id: Option<i64>,
    /// Its public address, once it has one.
    path: Option<String>,
    fields: Fields,
    /// Whether the writer may publish (else only draft and pending review are offered).
    may_publish: bool,
    /// Whether the publish time as typed fits a date picker (else it is shown as text, kept).
    time_fits_picker: bool,
    /// Earlier saves, newest first.
    revisions: Vec<RevisionView>,
    saved: bool,
    conflict: Option<i64>,
    restored: bool,
    preview_html: Option<String>,
    /// An autosave newer than the last save, offered back.
    autosave: Option<DateView>,
    /// Where the editor's script sends what is typed.
    autosave_path: String,
    /// The post's preview link, while it is shared.
    preview_link: Option<String>,
    /// The media library, to offer files under the post: those offered first, in order.
    library: Vec<LibraryChoice>,
    /// The library's pictures, to feature one: `(id, file name)`.
    pictures: Vec<(i64, String)>,
    #[serde(flatten)]
    outcome: &'a Outcome,
}

async fn editor(
    app: &AppState,
    site: &Site,
    writer: &Writer,
    (id, path): (Option<PostId>, Option<String>),
    mut fields: Fields,
    notice: Notice,
    outcome: Outcome,
) -> Result<Response> {
    fields
        .tracks
        .extend((0..SPARE_TRACK_ROWS).map(|_| TrackRow::default()));
    let revisions: Vec<RevisionView> = match id {
        Some(id) => app
            .store
            .posts()
            .revisions(site.id, id)
            .await?
            .into_iter()
            .map(|r| RevisionView {
                id: r.id,
                title: r.title,
                saved_by: r.saved_by.unwrap_or_else(|| "the command line".into()),
                when: DateView::with_time(r.created_at),
            })
            .collect(),
        None => Vec::new(),
    };
    if fields.based_on.is_empty() {
        // A form opened now starts from the latest save.
        fields.based_on = revisions.first().map_or(0, |r| r.id).to_string();
    }
    // A save drops the writer's autosave, so one that exists holds work not saved yet (its form
    // remembers the save it started from: restored and saved, it meets any save in between).
    let autosave = if notice.restored || notice.saved {
        None
    } else {
        drafts::autosaved(&app.app, writer.actor(), site.id, id)
            .await?
            .map(|a| DateView::with_time(a.saved_at))
    };
    let preview_link = match id {
        Some(id) => app
            .store
            .posts()
            .preview_token(site.id, id)
            .await?
            .map(|token| site.url(&format!("/preview/{token}"))),
        None => None,
    };
    let files = app
        .store
        .downloads()
        .library(site.id, app.clock.now())
        .await?;
    let pictures = files
        .iter()
        .filter(|item| item.is_picture)
        .map(|item| (item.download.id.0, item.download.file_name.clone()))
        .collect();
    let mut library: Vec<LibraryChoice> = files
        .into_iter()
        .map(|item| LibraryChoice {
            offered: fields.downloads.contains(&item.download.id.0.to_string()),
            id: item.download.id.0,
            size: item.download.size_display(),
            file_name: item.download.file_name,
        })
        .collect();
    // Those offered first, in the post's order.
    library.sort_by_key(|c| {
        fields
            .downloads
            .iter()
            .position(|d| *d == c.id.to_string())
            .unwrap_or(usize::MAX)
    });
    let typed = fields.published_at.trim();
    let time_fits_picker =
        typed.is_empty() || (typed.contains('T') && parse_local(typed).is_some());
    let here = id.map_or_else(
        || "/admin/posts/new".to_owned(),
        |id| format!("/admin/posts/{}", id.0),
    );
    let title = if id.is_some() {
        "Edit post"
    } else {
        "New post"
    };
    render(
        app,
        site,
        writer,
        (&here, title, "admin_editor.html"),
        outcome.status,
        |layout| Editor {
            layout,
            csrf: &writer.viewer.session.csrf,
            id: id.map(|i| i.0),
            path,
            fields,
            may_publish: writer.role.can(Capability::PublishPosts),
            time_fits_picker,
            revisions,
            saved: notice.saved,
            conflict: notice.conflict,
            restored: notice.restored,
            preview_html: notice.preview_html,
            autosave,
            autosave_path: format!("{here}/autosave"),
            preview_link,
            library,
            pictures,
            outcome: &outcome,
        },
    )
}

/// `GET /admin/posts/new`: an empty editor (`?restore=1`: what was typed and not saved).
pub async fn new_form(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Viewer(viewer): Viewer,
    Query(query): Query<DeskQuery>,
) -> Result<Response> {
    let writer = writer(&app, &site, viewer, "/admin/posts/new").await?;
    let fields = Fields {
        kind: "post".into(),
        status: "draft".into(),
        ..Fields::default()
    };
    let (fields, restored) = restore(&app, &site, &writer, None, fields, &query).await?;
    let notice = Notice {
        restored,
        ..Notice::default()
    };
    editor(
        &app,
        &site,
        &writer,
        (None, None),
        fields,
        notice,
        Outcome::ok(),
    )
    .await
}

/// The autosave's fields instead of `fields`, when the query asks for them and there is one.
async fn restore(
    app: &AppState,
    site: &Site,
    writer: &Writer,
    id: Option<PostId>,
    fields: Fields,
    query: &DeskQuery,
) -> Result<(Fields, bool)> {
    if query.restore != "1" {
        return Ok((fields, false));
    }
    let Some(kept) = drafts::autosaved(&app.app, writer.actor(), site.id, id).await? else {
        return Ok((fields, false));
    };
    let Ok(pairs) = serde_json::from_str::<Vec<(String, String)>>(&kept.fields) else {
        return Ok((fields, false));
    };
    let (restored, _, _) = Fields::from_form(pairs);
    Ok((restored, true))
}

/// `GET /admin/posts/{id}`: the editor with a stored post.
pub async fn edit_form(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Viewer(viewer): Viewer,
    Params(id): Params<i64>,
    Query(query): Query<DeskQuery>,
) -> Result<Response> {
    let id = PostId(id);
    let writer = writer(&app, &site, viewer, &format!("/admin/posts/{}", id.0)).await?;
    let post = editable(&app, &site, &writer, id).await?;
    let fields = Fields::of(&app, &site, &post).await?;
    let (fields, restored) = restore(&app, &site, &writer, Some(id), fields, &query).await?;
    let path = Some(post.summary.path());
    let notice = Notice {
        saved: query.saved == "1",
        restored,
        ..Notice::default()
    };
    editor(
        &app,
        &site,
        &writer,
        (Some(id), path),
        fields,
        notice,
        Outcome::ok(),
    )
    .await
}

/// `POST /admin/posts/new`: writes a new post (or shows the form again with why not).
pub async fn create(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    save(app, site, viewer, None, pairs).await
}

/// `POST /admin/posts/{id}`: saves a post (or shows the form again with why not).
pub async fn update(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Params(id): Params<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let id = PostId(id);
    save(app, site, viewer, Some(id), pairs).await
}

async fn save(
    app: AppState,
    site: Site,
    viewer: Option<SignedIn>,
    id: Option<PostId>,
    pairs: Vec<(String, String)>,
) -> Result<Response> {
    let (fields, csrf, action) = Fields::from_form(pairs);
    let writer = form_writer(&app, &site, viewer, &csrf).await?;
    let (author, path) = match id {
        Some(id) => {
            let post = app
                .store
                .posts()
                .by_id(site.id, id)
                .await?
                .ok_or(Error::NotFound)?;
            (post.summary.author.id, Some(post.summary.path()))
        }
        None => (writer.viewer.session.account_id, None),
    };
    if action == "more" || action == "preview" {
        // More rows for the track listing, or the text as readers will see it; nothing is saved.
        let mut fields = fields;
        fields.tracks.retain(|r| !r.is_empty());
        let notice = Notice {
            preview_html: (action == "preview")
                .then(|| Rendered::of(&fields.body, &fields.excerpt).body_html),
            ..Notice::default()
        };
        return editor(
            &app,
            &site,
            &writer,
            (id, path),
            fields,
            notice,
            Outcome::ok(),
        )
        .await;
    }
    let result = match fields.draft(author) {
        Err(problems) => Err(AppError::Invalid(problems)),
        Ok(draft) => match id {
            Some(id) => update_post(&app.app, writer.actor(), site.id, id, draft).await,
            None => create_post(&app.app, writer.actor(), site.id, draft).await,
        },
    };
    match result {
        Ok(saved) => Ok(see_other(&format!("/admin/posts/{}?saved=1", saved.id.0))),
        Err(err) => {
            let mut fields = fields;
            fields.tracks.retain(|r| !r.is_empty());
            let mut notice = Notice::default();
            let outcome = match err {
                AppError::EditConflict { revision, .. } => {
                    // Saving again replaces their save: the writer has been told.
                    fields.based_on = revision.to_string();
                    notice.conflict = Some(revision);
                    Outcome::say(
                        StatusCode::CONFLICT,
                        Some(format!(
                            "{err}. Nothing was saved: your text is below. Compare it with their \
                             save, then save again to replace theirs with yours."
                        )),
                    )
                }
                err => Outcome::refused(err)?,
            };
            editor(&app, &site, &writer, (id, path), fields, notice, outcome).await
        }
    }
}

/// `POST /admin/posts/{id}/delete`: deletes a post; readers stop seeing it at once.
pub async fn delete(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Params(id): Params<i64>,
    Form(form): Form<TokenForm>,
) -> Result<Response> {
    let id = PostId(id);
    let writer = form_writer(&app, &site, viewer, &form.csrf).await?;
    delete_post(&app.app, writer.actor(), site.id, id).await?;
    Ok(see_other("/admin/posts"))
}
/// The post a writer may edit, or the refusal.
pub(super) async fn editable(
    app: &AppState,
    site: &Site,
    writer: &Writer,
    id: PostId,
) -> Result<encore_core::post::Post> {
    let post = app
        .store
        .posts()
        .by_id(site.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let own = post.summary.author.id == writer.viewer.session.account_id;
    if !writer
        .role
        .may_edit_post(own, post.status == PostStatus::Published)
    {
        return Err(Error::Forbidden("you may not edit this post".into()));
    }
    Ok(post)
}
