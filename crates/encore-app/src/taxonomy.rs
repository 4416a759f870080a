//! Categories, tags and series: made with their descriptions (posts name them too, and create
//! them bare), and managed at the desk: renamed, nested, merged and deleted.

use crate::{Actor, App, AppError, Result};
use encore_core::{
    Problems, ValidationError,
    change::Change,
    error::required_text,
    ids::SiteId,
    roles::Capability,
    series::Series,
    slug::{self, slugify},
    taxonomy::{Category, TermKind},
};
use encore_store::terms::TermFields;

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

/// A category, tag or series as the desk's form sends it.
#[derive(Debug, Clone, Default)]
pub struct TermInput {
    /// Its name (a series' title).
    pub name: String,
    /// Its address name; empty to make one from the name.
    pub slug: String,
    /// Its description (kept for categories and series).
    pub description: String,
    /// The category it sits inside (categories only).
    pub parent: Option<i64>,
}

/// The longest description.
const MAX_DESCRIPTION: usize = 2_000;
/// The deepest categories sit inside one another.
const MAX_DEPTH: usize = 20;

/// Makes a category, tag or series (`id` `None`) or changes one; its id. Every field that
/// cannot be taken is named. Lists, sidebars and post pages name terms, so the whole site is
/// shown anew.
pub async fn save_term(
    app: &App,
    actor: Actor,
    site: SiteId,
    kind: TermKind,
    id: Option<i64>,
    input: TermInput,
) -> Result<i64> {
    actor.require(
        Capability::EditOthersPosts,
        "manage categories, tags and series",
    )?;
    let mut problems = Problems::new();
    let max = if kind == TermKind::Series { 200 } else { 100 };
    let name = problems.check(required_text("name", &input.name, max));
    let slug = match (input.slug.trim(), &name) {
        ("", Some(name)) => slugify(name),
        ("", None) => String::new(),
        (typed, _) => slug::normalize(typed),
    };
    if !input.slug.trim().is_empty() {
        problems.check(slug::validate("slug", &slug));
    } else if name.is_some() && slug::validate("slug", &slug).is_err() {
        problems.add(
            "slug",
            "the name has no letter or digit to make an address from; type one",
        );
    }
    if input.description.trim().chars().count() > MAX_DESCRIPTION {
        problems.add(
            "description",
            format!("must be at most {MAX_DESCRIPTION} characters"),
        );
    }
    let mut tx = app.store().begin().await?;
    if let Some(id) = id
        && tx.terms().get(site, kind, id).await?.is_none()
    {
        return Err(AppError::NotFound("category, tag or series"));
    }
    let parent = if kind.has_parent() {
        input.parent
    } else {
        None
    };
    if let Some(parent) = parent
        && let Err(problem) = check_parent(&mut tx, site, id, parent).await?
    {
        problems.add("parent", problem);
    }
    problems.finish().map_err(AppError::Invalid)?;
    let fields = TermFields {
        name: name.as_deref().unwrap_or_default(),
        slug: &slug,
        description: input.description.trim(),
        parent_id: parent,
    };
    let id = match id {
        Some(id) => {
            tx.terms().update(site, kind, id, &fields).await?;
            id
        }
        None => {
            tx.terms()
                .insert(site, kind, &fields, app.clock().now())
                .await?
        }
    };
    app.commit(tx, Change::whole_site(site)).await?;
    Ok(id)
}

/// Whether category `child` (`None` while it is being made) may sit inside `parent`: the parent
/// exists on the site, and is neither the category nor one inside it.
async fn check_parent(
    tx: &mut encore_store::Tx,
    site: SiteId,
    child: Option<i64>,
    parent: i64,
) -> Result<std::result::Result<(), &'static str>> {
    let mut at = Some(parent);
    for _ in 0..MAX_DEPTH {
        let Some(id) = at else { return Ok(Ok(())) };
        if Some(id) == child {
            return Ok(Err("cannot be the category itself or one inside it"));
        }
        match tx.terms().get(site, TermKind::Category, id).await? {
            Some(term) => at = term.parent_id,
            None => return Ok(Err("choose a category of this site")),
        }
    }
    Ok(Err("categories nest too deep here"))
}

/// Files every post of `from` under `into` as well and deletes `from` (a series' posts follow
/// the parts `into` has). The whole site is shown anew.
pub async fn merge_terms(
    app: &App,
    actor: Actor,
    site: SiteId,
    kind: TermKind,
    from: i64,
    into: i64,
) -> Result<()> {
    actor.require(
        Capability::EditOthersPosts,
        "manage categories, tags and series",
    )?;
    if from == into {
        return Err(ValidationError::new("into", "choose another one to merge into").into());
    }
    let mut tx = app.store().begin().await?;
    let Some(merged) = tx.terms().get(site, kind, from).await? else {
        return Err(AppError::NotFound("category, tag or series"));
    };
    let Some(target) = tx.terms().get(site, kind, into).await? else {
        return Err(ValidationError::new("into", "choose one of this site's to merge into").into());
    };
    if kind.has_parent()
        && check_parent(&mut tx, site, Some(from), into)
            .await?
            .is_err()
    {
        // The target sits inside the merged category: lift it to where the merged one was.
        let fields = TermFields {
            name: &target.name,
            slug: &target.slug,
            description: &target.description,
            parent_id: merged.parent_id,
        };
        tx.terms().update(site, kind, into, &fields).await?;
    }
    tx.terms().merge(site, kind, from, into).await?;
    app.commit(tx, Change::whole_site(site)).await?;
    Ok(())
}

/// Deletes a category, tag or series: its posts stay, no longer filed under it; a category's
/// children move up to its parent. The whole site is shown anew.
pub async fn delete_term(
    app: &App,
    actor: Actor,
    site: SiteId,
    kind: TermKind,
    id: i64,
) -> Result<()> {
    actor.require(
        Capability::EditOthersPosts,
        "manage categories, tags and series",
    )?;
    let mut tx = app.store().begin().await?;
    if !tx.terms().delete(site, kind, id).await? {
        return Err(AppError::NotFound("category, tag or series"));
    }
    app.commit(tx, Change::whole_site(site)).await?;
    Ok(())
}
