//! The shared shape of every post list: home, archives, categories, tags, authors.

use crate::{
    error::{Error, Result},
    meta,
    pages::render_page,
    state::AppState,
    views::{Layout, Pager, SummaryView},
};
use axum::{
    http::Uri,
    response::{IntoResponse, Redirect, Response},
};
use encore_core::address::{self, page_n as page_path};
use encore_core::{change::Topic, paging::PageRequest, site::Site};
use encore_store::posts::PostFilter;
use serde::Serialize;

/// What distinguishes one list from another.
pub(crate) struct ListSpec {
    /// Which posts.
    pub filter: PostFilter,
    /// The address of page 1.
    pub base: String,
    /// The heading (`None` on the home page, which shows the site title).
    pub heading: Option<String>,
    /// What the heading names: "Category", "Tag", "Author", "Archive".
    pub label: Option<&'static str>,
    /// Text under the heading.
    pub description: String,
    /// Whether an empty first page is a 404 (archives) or an empty-state page (home).
    pub empty_is_not_found: bool,
    /// A picture beside the heading (an author's).
    pub avatar: Option<String>,
}

#[derive(Serialize)]
struct ListPage {
    layout: Layout,
    heading: Option<String>,
    label: Option<&'static str>,
    description: String,
    avatar: Option<String>,
    posts: Vec<SummaryView>,
    pager: Pager,
}

/// Renders page `number` of a list; page 1 asked for as `/page/1` redirects to the base.
pub(crate) async fn render_list(
    app: &AppState,
    site: &Site,
    spec: ListSpec,
    number: u32,
    requested: &Uri,
) -> Result<Response> {
    if number == 1 {
        // Only reached through an explicit `/page/1`.
        return Ok(Redirect::permanent(&spec.base).into_response());
    }
    list(app, site, spec, number, requested).await
}

/// Renders the first page of a list.
pub(crate) async fn render_first(
    app: &AppState,
    site: &Site,
    spec: ListSpec,
    requested: &Uri,
) -> Result<Response> {
    list(app, site, spec, 1, requested).await
}

async fn list(
    app: &AppState,
    site: &Site,
    spec: ListSpec,
    number: u32,
    requested: &Uri,
) -> Result<Response> {
    // One address per page: `/2026/9` and `/page/02` are `/2026/09` and `/page/2`.
    let canonical = page_path(&spec.base, number);
    if !address::same_path(requested.path(), &canonical) {
        return Ok(Redirect::permanent(&canonical).into_response());
    }
    let now = app.clock.now();
    let per_page = site.posts_per_page.unwrap_or(app.settings.posts_per_page);
    let request = PageRequest::new(number, per_page).ok_or(Error::NotFound)?;
    let page = app
        .store
        .posts()
        .list(site.id, spec.filter, request, now)
        .await?;
    if page.is_past_end() || (spec.empty_is_not_found && page.items.is_empty()) {
        return Err(Error::NotFound);
    }
    let path = page_path(&spec.base, number);
    let title = match (&spec.heading, number) {
        (Some(h), 1) => Some(h.clone()),
        (Some(h), n) => Some(format!("{h} – page {n}")),
        (None, 1) => None,
        (None, n) => Some(format!("Page {n}")),
    };
    let head = meta::page_head(site, title.as_deref(), &spec.description, &path);
    let layout = Layout::load(app, site, &path, head, now).await?;
    let pager = Pager {
        number: page.number,
        total: page.total_pages,
        prev: page.prev().map(|n| page_path(&spec.base, n)),
        next: page.next().map(|n| page_path(&spec.base, n)),
    };
    let topics = page.items.iter().map(|p| Topic::Post(p.id)).collect();
    let context = ListPage {
        layout,
        heading: spec.heading,
        label: spec.label,
        description: spec.description,
        avatar: spec.avatar,
        posts: page.items.iter().map(SummaryView::new).collect(),
        pager,
    };
    render_page(app, "list.html", &context, topics)
}
