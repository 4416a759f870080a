//! Categories and series with their descriptions (posts name them too, and create them bare).

use crate::{Actor, App, Result};
use encore_core::{
    change::Change, ids::SiteId, roles::Capability, series::Series, taxonomy::Category,
};

/// The category `name` of a site, created with `description` when missing. Until a post is
/// filed under it, readers see nothing of it.
pub async fn ensure_category(
    app: &App,
    actor: Actor,
    site: SiteId,
    name: &str,
    description: &str,
) -> Result<Category> {
    actor.require(Capability::EditOthersPosts, "manage categories")?;
    let mut tx = app.store().begin().await?;
    let category = tx
        .taxonomy()
        .ensure_category(site, name, description)
        .await?;
    app.commit(tx, Change::default()).await?;
    Ok(category)
}

/// The series titled `title`, created with `description` when missing.
pub async fn ensure_series(
    app: &App,
    actor: Actor,
    site: SiteId,
    title: &str,
    description: &str,
) -> Result<Series> {
    actor.require(Capability::EditOthersPosts, "manage series")?;
    let mut tx = app.store().begin().await?;
    let existing = app
        .store()
        .series()
        .by_slug(site, &encore_core::slug::slugify(title))
        .await?;
    let series = match existing {
        Some(series) => series,
        None => {
            tx.series()
                .insert(site, title, "", description, app.clock().now())
                .await?
        }
    };
    app.commit(tx, Change::default()).await?;
    Ok(series)
}
