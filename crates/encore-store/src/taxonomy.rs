//! Categories and tags of a site.

use crate::{
    Result, Store, Tx,
    backend::{in_tx, read},
    classify,
};
use chrono::{DateTime, Utc};
use encore_core::{
    ValidationError,
    error::required_text,
    ids::{CategoryId, SiteId, TagId},
    slug,
    taxonomy::{Category, Tag},
};
use serde::Serialize;

/// Category and tag queries; see [`Store::taxonomy`].
pub struct Taxonomy<'a> {
    pub(crate) store: &'a Store,
}

#[derive(sqlx::FromRow)]
pub(crate) struct CategoryRow {
    pub(crate) id: i64,
    pub(crate) slug: String,
    pub(crate) name: String,
    pub(crate) description: String,
}

impl CategoryRow {
    pub(crate) fn into_category(self) -> Category {
        Category {
            id: CategoryId(self.id),
            slug: self.slug,
            name: self.name,
            description: self.description,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TagRow {
    pub(crate) id: i64,
    pub(crate) slug: String,
    pub(crate) name: String,
}

impl TagRow {
    pub(crate) fn into_tag(self) -> Tag {
        Tag {
            id: TagId(self.id),
            slug: self.slug,
            name: self.name,
        }
    }
}

/// A category or tag with the number of public posts filed under it.
#[derive(Debug, Clone, Serialize)]
pub struct Counted<T> {
    /// The category or tag.
    pub item: T,
    /// Its public posts.
    pub posts: i64,
}

#[derive(sqlx::FromRow)]
struct CountedCategoryRow {
    #[sqlx(flatten)]
    category: CategoryRow,
    posts: i64,
}

/// Checks a name and derives its slug.
fn name_and_slug(name: &str) -> Result<(String, String), ValidationError> {
    let name = required_text("name", name, 100)?;
    let slug = slug::slugify(&name);
    slug::validate("name", &slug)
        .map_err(|_| ValidationError::new("name", "needs at least one letter or digit"))?;
    Ok((name, slug))
}

impl Taxonomy<'_> {
    /// The category with this slug on this site.
    pub async fn category_by_slug(&self, site: SiteId, slug: &str) -> Result<Option<Category>> {
        const SQL: &str =
            "SELECT id, slug, name, description FROM categories WHERE site_id = $1 AND slug = $2";
        let row: Option<CategoryRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(site.0)
            .bind(slug)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(CategoryRow::into_category))
    }

    /// The tag with this slug on this site.
    pub async fn tag_by_slug(&self, site: SiteId, slug: &str) -> Result<Option<Tag>> {
        const SQL: &str = "SELECT id, slug, name FROM tags WHERE site_id = $1 AND slug = $2";
        let row: Option<TagRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(site.0)
            .bind(slug)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(TagRow::into_tag))
    }

    /// The site's categories that hold public posts, by name, with their counts.
    pub async fn categories_in_use(
        &self,
        site: SiteId,
        now: DateTime<Utc>,
    ) -> Result<Vec<Counted<Category>>> {
        const SQL: &str = concat!(
            "SELECT c.id, c.slug, c.name, c.description, COUNT(*) AS posts \
             FROM categories c \
             JOIN post_categories pc ON pc.category_id = c.id \
             JOIN posts p ON p.id = pc.post_id \
             WHERE c.site_id = $1 AND p.kind = 'post' AND ",
            crate::public!("p", "$2"),
            " GROUP BY c.id, c.slug, c.name, c.description ORDER BY c.name"
        );
        let rows: Vec<CountedCategoryRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(site.0)
            .bind(now)
            .fetch_all(pool)
            .await)?;
        Ok(rows
            .into_iter()
            .map(|r| Counted {
                item: r.category.into_category(),
                posts: r.posts,
            })
            .collect())
    }
}

/// Category and tag writes; see [`Tx::taxonomy`].
pub struct TaxonomyTx<'a> {
    pub(crate) tx: &'a mut Tx,
}

impl TaxonomyTx<'_> {
    /// The category with this name's slug, created when missing.
    pub async fn ensure_category(
        &mut self,
        site: SiteId,
        name: &str,
        description: &str,
    ) -> Result<Category> {
        const INSERT: &str = "INSERT INTO categories (site_id, slug, name, description) VALUES ($1, $2, $3, $4) \
                              ON CONFLICT (site_id, slug) DO NOTHING";
        const SELECT: &str =
            "SELECT id, slug, name, description FROM categories WHERE site_id = $1 AND slug = $2";
        let (name, slug) = name_and_slug(name)?;
        let row: CategoryRow = in_tx!(self.tx, |conn| {
            sqlx::query(INSERT)
                .bind(site.0)
                .bind(&slug)
                .bind(&name)
                .bind(description)
                .execute(&mut *conn)
                .await?;
            sqlx::query_as(SELECT)
                .bind(site.0)
                .bind(&slug)
                .fetch_one(&mut *conn)
                .await
        })
        .map_err(|e| classify(e, "slug", "no such site"))?;
        Ok(row.into_category())
    }

    /// The tag with this name's slug, created when missing.
    pub async fn ensure_tag(&mut self, site: SiteId, name: &str) -> Result<Tag> {
        const INSERT: &str = "INSERT INTO tags (site_id, slug, name) VALUES ($1, $2, $3) ON CONFLICT (site_id, slug) DO NOTHING";
        const SELECT: &str = "SELECT id, slug, name FROM tags WHERE site_id = $1 AND slug = $2";
        let (name, slug) = name_and_slug(name)?;
        let row: TagRow = in_tx!(self.tx, |conn| {
            sqlx::query(INSERT)
                .bind(site.0)
                .bind(&slug)
                .bind(&name)
                .execute(&mut *conn)
                .await?;
            sqlx::query_as(SELECT)
                .bind(site.0)
                .bind(&slug)
                .fetch_one(&mut *conn)
                .await
        })
        .map_err(|e| classify(e, "slug", "no such site"))?;
        Ok(row.into_tag())
    }
}
