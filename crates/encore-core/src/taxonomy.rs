//! Categories and tags: the two ways a site groups its posts.

use crate::ids::{CategoryId, TagId};
use serde::Serialize;

/// A category of one site (`/category/{slug}`).
#[derive(Debug, Clone, Serialize)]
pub struct Category {
    /// The category's id.
    pub id: CategoryId,
    /// URL name, unique within the site.
    pub slug: String,
    /// Shown name.
    pub name: String,
    /// Shown on the category page; plain text.
    pub description: String,
}

/// A tag of one site (`/tag/{slug}`).
#[derive(Debug, Clone, Serialize)]
pub struct Tag {
    /// The tag's id.
    pub id: TagId,
    /// URL name, unique within the site.
    pub slug: String,
    /// Shown name.
    pub name: String,
}
