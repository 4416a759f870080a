//! The home page, single posts, and standalone pages.

use crate::{
    error::{Error, Result},
    extract::{CurrentSite, Params},
    meta,
    pages::comments::{Conversation, ConversationView, GuestCookies, ThreadQuery},
    pages::{
        archives,
        lists::{ListSpec, render_first, render_list},
        render_page,
    },
    session::Viewer,
    state::AppState,
    views::{Layout, PostView},
};
use axum::{
    extract::{Query, State},
    http::Uri,
    response::{IntoResponse, Redirect, Response},
};
use encore_core::{address, change::Topic, post::PostKind, series::SeriesNav, site::Site, slug};
use encore_store::posts::{PostFilter, PostLink};
use serde::Serialize;

fn home_spec() -> ListSpec {
    ListSpec {
        filter: PostFilter::All,
        base: "/".into(),
        heading: None,
        label: None,
        description: String::new(),
        empty_is_not_found: false,
        avatar: None,
    }
}

/// `GET /`: the newest posts.
pub async fn home(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    uri: Uri,
) -> Result<Response> {
    render_first(&app, &site, home_spec(), &uri).await
}

/// `GET /page/{n}`: older posts.
pub async fn home_page(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Params(n): Params<u32>,
    uri: Uri,
) -> Result<Response> {
    render_list(&app, &site, home_spec(), n, &uri).await
}

#[derive(Serialize)]
struct PostPage {
    layout: Layout,
    post: PostView,
    series: Option<SeriesNav>,
    /// The series page's address.
    series_path: Option<String>,
    older: Option<PostLink>,
    newer: Option<PostLink>,
    /// The responses and the reply form.
    comments: ConversationView,
}

/// `GET /{yyyy}/{mm}/{dd}/{slug}`: one post. A post found under another date (its date was
/// changed) redirects to its current address.
pub async fn show(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Params((year, month, day, slug)): Params<(u32, u32, u32, String)>,
    Viewer(viewer): Viewer,
    Query(query): Query<ThreadQuery>,
    uri: Uri,
    headers: axum::http::HeaderMap,
) -> Result<Response> {
    let slug = slug::normalize(&slug);
    if !slug::is_valid(&slug)
        || !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || year > 9999
    {
        return Err(Error::NotFound);
    }
    let conversation = Conversation {
        viewer: viewer.as_ref(),
        query,
        form: None,
        cookies: GuestCookies::of(&headers),
    };
    post_page(&app, &site, &slug, Some(uri.path()), conversation).await
}

/// A post's page, with its conversation as `conversation` says; when `asked` (the path the
/// request named) is not the post's address, a redirect there.
pub(crate) async fn post_page(
    app: &AppState,
    site: &Site,
    slug: &str,
    asked: Option<&str>,
    conversation: Conversation<'_>,
) -> Result<Response> {
    let now = app.clock.now();
    let page = app
        .store
        .posts()
        .public_page(site.id, PostKind::Post, slug, now)
        .await?
        .ok_or(Error::NotFound)?;
    let post = page.post;
    // Compared decoded: clients may encode the same letters differently (lower-case hex).
    let canonical = post.summary.path();
    if asked.is_some_and(|asked| !address::same_path(asked, &canonical)) {
        return Ok(Redirect::permanent(&canonical).into_response());
    }
    let series = page
        .series
        .and_then(|series| SeriesNav::locate(series, page.parts, post.summary.id));
    let (older, newer) = (page.older, page.newer);
    let status = conversation.status();
    let comments = conversation.view(app, site, &post).await?;
    let mut view = PostView::new(site, &post);
    view.featured = featured(app, site, &post, now).await?;
    let head = meta::post_head(site, &view, series.as_ref());
    let layout = Layout::load(app, site, &canonical, head, now).await?;
    // The page shows this post, its neighbours' and series parts' titles, and its counters.
    let mut topics = vec![Topic::Post(post.summary.id)];
    topics.extend(older.iter().chain(&newer).map(|l| Topic::Post(l.id)));
    if let Some(nav) = &series {
        topics.extend(nav.parts.iter().map(|p| Topic::Post(p.id)));
    }
    topics.extend(post.downloads.iter().map(|d| Topic::Download(d.id)));
    let mut response = render_page(
        app,
        "post.html",
        &PostPage {
            layout,
            post: view,
            series_path: series.as_ref().map(|nav| nav.series.path()),
            series,
            older,
            newer,
            comments,
        },
        topics,
    )?;
    *response.status_mut() = status;
    Ok(response)
}

/// A post's featured picture, while readers may see it.
async fn featured(
    app: &AppState,
    site: &encore_core::site::Site,
    post: &encore_core::post::Post,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<crate::views::FeaturedView>> {
    let Some(id) = post.featured_image else {
        return Ok(None);
    };
    let picture = app
        .store
        .downloads()
        .picture(site.id, id, Some(now))
        .await?;
    Ok(picture.map(|p| crate::views::FeaturedView::new(site, &p)))
}

#[derive(Serialize)]
struct PagePage {
    layout: Layout,
    post: PostView,
}

/// `GET /{first}`: a year archive (`/1985`) or a standalone page (`/about`).
pub async fn section(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Params(first): Params<String>,
    uri: Uri,
) -> Result<Response> {
    if slug::is_year(&first) {
        return archives::year(&app, &site, &first, 1, &uri).await;
    }
    let first = slug::normalize(&first);
    if !slug::is_valid(&first) {
        return Err(Error::NotFound);
    }
    let now = app.clock.now();
    let page = app
        .store
        .posts()
        .public_by_slug(site.id, PostKind::Page, &first, now)
        .await?
        .ok_or(Error::NotFound)?;
    let mut view = PostView::new(&site, &page);
    view.featured = featured(&app, &site, &page, now).await?;
    let head = meta::standalone_head(&site, &view);
    let layout = Layout::load(&app, &site, &view.summary.path, head, now).await?;
    let mut topics = vec![Topic::Post(page.summary.id)];
    topics.extend(page.downloads.iter().map(|d| Topic::Download(d.id)));
    render_page(&app, "page.html", &PagePage { layout, post: view }, topics)
}

#[derive(Serialize)]
struct PreviewPage {
    layout: Layout,
    post: PostView,
    /// Says on the page that it is not public.
    preview: bool,
}

/// `GET /preview/{token}`: a post that is not public yet, for whoever has its writer's link.
/// Never cached, never indexed, and its address is sent to no other site.
pub async fn preview(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Params(token): Params<String>,
) -> Result<Response> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::NotFound);
    }
    let post = app
        .store
        .posts()
        .by_preview_token(site.id, &token)
        .await?
        .ok_or(Error::NotFound)?;
    let view = PostView::new(&site, &post);
    let path = format!("/preview/{token}");
    let title = format!("Preview: {}", post.summary.title);
    let head = crate::pages::account::personal_head(&site, &path, &title);
    let layout = Layout::load(&app, &site, &path, head, app.clock.now()).await?;
    let template = match post.summary.kind {
        PostKind::Post => "post.html",
        PostKind::Page => "page.html",
    };
    let html = app.theme.render(
        template,
        &PreviewPage {
            layout,
            post: view,
            preview: true,
        },
    )?;
    let mut response = crate::pages::account::personal(axum::http::StatusCode::OK, html);
    response.headers_mut().insert(
        "x-robots-tag",
        axum::http::HeaderValue::from_static("noindex, nofollow"),
    );
    Ok(response)
}
