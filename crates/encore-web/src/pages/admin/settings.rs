//! The site's settings at the desk: its name and address, the length of its lists, who may join,
//! and (with the conversation) how discussion works.

use super::{DeskQuery, form_member, member, render};
use crate::{
    error::Result,
    extract::CurrentSite,
    pages::account::{Outcome, see_other},
    session::{FormSite, Viewer},
    state::AppState,
    views::Layout,
};
use axum::{
    Form,
    extract::{Query, State},
    response::Response,
};
use encore_app::sites::{SiteSettings, update_site};
use encore_core::{
    roles::Capability,
    site::{Discussion, Site},
};
use serde::{Deserialize, Serialize};

/// The settings form as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SettingsForm {
    #[serde(skip_serializing)]
    csrf: String,
    title: String,
    tagline: String,
    base_url: String,
    posts_per_page: String,
    signup: String,
    comment_depth: String,
    comments_per_page: String,
    comment_order: String,
    close_after_days: String,
    guest_likes: String,
    gravatars: String,
    comment_images: String,
    /// Present when the form has the discussion fields (a form without them leaves them be).
    discussion: String,
}

#[derive(Serialize)]
struct SettingsPage<'a> {
    layout: Layout,
    csrf: &'a str,
    fields: SettingsForm,
    /// What an empty "posts per page" means: the configured number.
    default_per_page: u32,
    saved: bool,
    #[serde(flatten)]
    outcome: &'a Outcome,
}

const HERE: &str = "/admin/settings";

async fn page(
    app: &AppState,
    site: &Site,
    writer: &super::Writer,
    fields: SettingsForm,
    saved: bool,
    outcome: Outcome,
) -> Result<Response> {
    render(
        app,
        site,
        writer,
        (HERE, "Settings", "admin_settings.html"),
        outcome.status,
        |layout| SettingsPage {
            layout,
            csrf: &writer.viewer.session.csrf,
            fields,
            default_per_page: app.settings.posts_per_page,
            saved,
            outcome: &outcome,
        },
    )
}

/// `GET /admin/settings`: the site's settings, for its administrators.
pub async fn show(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Viewer(viewer): Viewer,
    Query(query): Query<DeskQuery>,
) -> Result<Response> {
    let writer = member(&app, &site, viewer, HERE, Capability::ManageSite).await?;
    let open = app.store.sites().signup_open(site.id).await?;
    let fields = SettingsForm {
        csrf: String::new(),
        title: site.title.clone(),
        tagline: site.tagline.clone(),
        base_url: site.base_url.clone(),
        posts_per_page: site
            .posts_per_page
            .map(|n| n.to_string())
            .unwrap_or_default(),
        signup: if open { "open" } else { "closed" }.into(),
        comment_depth: site.discussion.depth.to_string(),
        comments_per_page: site.discussion.per_page.to_string(),
        comment_order: if site.discussion.newest_first {
            "newest"
        } else {
            "oldest"
        }
        .into(),
        close_after_days: site.discussion.close_after_days.to_string(),
        guest_likes: if site.discussion.guest_likes { "1" } else { "" }.into(),
        gravatars: if site.discussion.gravatars { "1" } else { "" }.into(),
        comment_images: if site.discussion.images { "1" } else { "" }.into(),
        discussion: "1".into(),
    };
    page(
        &app,
        &site,
        &writer,
        fields,
        query.saved == "1",
        Outcome::ok(),
    )
    .await
}

/// `POST /admin/settings`: saves every setting, or none and says which fields to fix.
pub async fn save(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Form(form): Form<SettingsForm>,
) -> Result<Response> {
    let writer = form_member(&app, &site, viewer, &form.csrf, Capability::ManageSite).await?;
    let posts_per_page = match form.posts_per_page.trim() {
        "" => Ok(None),
        text => text.parse::<u32>().map(Some).map_err(|_| ()),
    };
    let settings = SiteSettings {
        title: Some(form.title.clone()),
        tagline: Some(form.tagline.clone()),
        base_url: Some(form.base_url.clone()),
        // A number that does not parse is checked as 0: refused, by name, with the rest.
        posts_per_page: Some(posts_per_page.unwrap_or(Some(0))),
        signup_open: Some(form.signup == "open"),
        // Numbers that do not parse are checked as out of range: refused, by name, with the rest.
        discussion: (!form.discussion.is_empty()).then(|| Discussion {
            depth: form.comment_depth.trim().parse().unwrap_or(0),
            per_page: form.comments_per_page.trim().parse().unwrap_or(0),
            newest_first: form.comment_order == "newest",
            close_after_days: form.close_after_days.trim().parse().unwrap_or(u32::MAX),
            guest_likes: !form.guest_likes.is_empty(),
            gravatars: !form.gravatars.is_empty(),
            images: !form.comment_images.is_empty(),
        }),
        ..SiteSettings::default()
    };
    match update_site(&app.app, writer.actor(), site.id, settings).await {
        Ok(_) => Ok(see_other(&format!("{HERE}?saved=1"))),
        Err(err) => {
            let outcome = Outcome::refused(err)?;
            page(&app, &site, &writer, form, false, outcome).await
        }
    }
}
