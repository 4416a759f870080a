//! Sites: adding one, changing a site's settings on purpose, and the default site at start-up.
//!
//! A site's host, title, tagline and public address are data, stored once and changed on
//! purpose ([`update_site`], `encore site set`, later the admin's settings). The configuration
//! file only seeds the default site when it is first created: a node started with other
//! settings reports the difference and changes nothing.

use crate::{Actor, App, AppError, Result};
use encore_core::{
    Problems,
    change::{Change, Topic},
    error::required_text,
    ids::SiteId,
    roles::Capability,
    site::{Discussion, MAX_POSTS_PER_PAGE, NewSite, Site, normalize_base_url},
};
use encore_store::StoreError;

/// Creates another site. Every process learns of it through the change record.
pub async fn add_site(app: &App, actor: Actor, site: NewSite) -> Result<Site> {
    actor.require(Capability::ManageSite, "add sites")?;
    let site = site.validate()?;
    let mut tx = app.store().begin().await?;
    let created = tx.sites().insert(&site, app.clock().now()).await?;
    app.commit(tx, Change::sites()).await?;
    Ok(created)
}

/// Settings to change; `None` leaves one as it is.
#[derive(Debug, Clone, Default)]
pub struct SiteSettings {
    /// The host name the site answers on.
    pub host: Option<String>,
    /// The blog's title.
    pub title: Option<String>,
    /// Its one-line description (may be set to empty).
    pub tagline: Option<String>,
    /// Its public address, used in every link it gives out.
    pub base_url: Option<String>,
    /// Posts on a page of its lists; `Some(None)` goes back to the configured default.
    pub posts_per_page: Option<Option<u32>>,
    /// Whether anyone may make an account (as a subscriber).
    pub signup_open: Option<bool>,
    /// How its conversations go.
    pub discussion: Option<Discussion>,
}

/// The longest tagline.
const MAX_TAGLINE: usize = 300;

/// Changes a site's settings, all or none; every field that cannot be taken is named. Every page
/// of the site shows them, so the whole site changes, on every node.
pub async fn update_site(
    app: &App,
    actor: Actor,
    id: SiteId,
    settings: SiteSettings,
) -> Result<Site> {
    actor.require(Capability::ManageSite, "change site settings")?;
    let mut problems = Problems::new();
    if let Some(title) = &settings.title {
        problems.check(required_text("title", title, 200));
    }
    if let Some(tagline) = &settings.tagline
        && tagline.trim().chars().count() > MAX_TAGLINE
    {
        problems.add(
            "tagline",
            format!("must be at most {MAX_TAGLINE} characters"),
        );
    }
    if let Some(url) = &settings.base_url {
        problems.check(normalize_base_url(url));
    }
    if let Some(Some(n)) = settings.posts_per_page
        && !(1..=MAX_POSTS_PER_PAGE).contains(&n)
    {
        problems.add(
            "posts_per_page",
            format!("must be a number from 1 to {MAX_POSTS_PER_PAGE}"),
        );
    }
    if let Some(discussion) = &settings.discussion {
        for problem in discussion.problems() {
            problems.add(problem.field, problem.problem);
        }
    }
    problems.finish().map_err(AppError::Invalid)?;
    let mut tx = app.store().begin().await?;
    let current = tx
        .sites()
        .by_id(id)
        .await?
        .ok_or(AppError::NotFound("site"))?;
    let updated = NewSite {
        host: settings.host.unwrap_or(current.host),
        title: settings.title.unwrap_or(current.title),
        tagline: settings.tagline.unwrap_or(current.tagline),
        base_url: Some(settings.base_url.unwrap_or(current.base_url)),
        is_default: current.is_default,
    }
    .validate()?;
    let mut site = tx.sites().update(id, &updated).await?;
    if let Some(posts) = settings.posts_per_page {
        tx.sites().set_posts_per_page(id, posts).await?;
        site.posts_per_page = posts;
    }
    if let Some(open) = settings.signup_open {
        tx.sites().set_signup(id, open).await?;
    }
    if let Some(discussion) = settings.discussion {
        tx.sites().set_discussion(id, &discussion).await?;
        site.discussion = discussion;
    }
    app.commit(tx, Change::on(id, [Topic::Site, Topic::Sites]))
        .await?;
    Ok(site)
}

/// A configured setting of the default site that differs from the stored one. It is reported,
/// never written: the stored value is the site's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The configuration key (`site_title`, `site_tagline`, `base_url`).
    pub setting: &'static str,
    /// What the site has.
    pub stored: String,
    /// What the configuration says.
    pub configured: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the configuration sets {} to {:?}, but the site has {:?}; the site keeps its own \
             (change it on purpose with `encore site set`)",
            self.setting, self.configured, self.stored
        )
    }
}

/// What the configuration says about the default site; `None` for settings it leaves unset.
#[derive(Debug, Clone, Default)]
pub struct Configured {
    /// `site_title`.
    pub title: Option<String>,
    /// `site_tagline`.
    pub tagline: Option<String>,
    /// `base_url`.
    pub base_url: Option<String>,
}

/// The default site: created from `seed` when the database has none, otherwise left as it is,
/// with the configured settings that differ from it listed.
pub async fn ensure_default_site(
    app: &App,
    seed: NewSite,
    configured: &Configured,
) -> Result<(Site, Vec<Mismatch>)> {
    if let Some(site) = app.store().sites().default_site().await? {
        let mismatches = mismatches(&site, configured);
        return Ok((site, mismatches));
    }
    let seed = NewSite {
        is_default: true,
        ..seed
    }
    .validate()?;
    let mut tx = app.store().begin().await?;
    match tx.sites().insert(&seed, app.clock().now()).await {
        Ok(site) => {
            app.commit(tx, Change::sites()).await?;
            Ok((site, Vec::new()))
        }
        // Another node created it between our look and our insert.
        Err(StoreError::Conflict(_)) => {
            drop(tx);
            let site = app
                .store()
                .sites()
                .default_site()
                .await?
                .ok_or(AppError::NotFound("default site"))?;
            let mismatches = mismatches(&site, configured);
            Ok((site, mismatches))
        }
        Err(other) => Err(other.into()),
    }
}

fn mismatches(site: &Site, configured: &Configured) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let mut check = |setting, stored: &str, configured: &Option<String>| {
        if let Some(value) = configured
            && value.trim() != stored
        {
            out.push(Mismatch {
                setting,
                stored: stored.to_owned(),
                configured: value.trim().to_owned(),
            });
        }
    };
    check("site_title", &site.title, &configured.title);
    check("site_tagline", &site.tagline, &configured.tagline);
    let base_url = configured
        .base_url
        .as_ref()
        .map(|url| encore_core::site::normalize_base_url(url).unwrap_or_else(|_| url.clone()));
    check("base_url", &site.base_url, &base_url);
    out
}
