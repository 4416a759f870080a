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

/// The three ways a site groups posts that the desk manages alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TermKind {
    /// Categories (`/category/{slug}`), which may sit inside one another.
    Category,
    /// Tags (`/tag/{slug}`).
    Tag,
    /// Series (`/series/{slug}`), whose posts are read in order.
    Series,
}

impl TermKind {
    /// Every kind, in the desk's order.
    pub const ALL: [TermKind; 3] = [TermKind::Category, TermKind::Tag, TermKind::Series];

    /// The name in addresses (`/admin/categories`) and in the public one (`/category/…`).
    pub fn plural(self) -> &'static str {
        match self {
            TermKind::Category => "categories",
            TermKind::Tag => "tags",
            TermKind::Series => "series",
        }
    }

    /// The public address of the term with `slug`.
    pub fn path(self, slug: &str) -> String {
        match self {
            TermKind::Category => crate::address::category(slug),
            TermKind::Tag => crate::address::tag(slug),
            TermKind::Series => crate::address::series(slug),
        }
    }

    /// The kind an address names (`categories`, `tags`, `series`).
    pub fn from_plural(name: &str) -> Option<TermKind> {
        TermKind::ALL.into_iter().find(|k| k.plural() == name)
    }

    /// Whether terms of this kind carry a description.
    pub fn has_description(self) -> bool {
        !matches!(self, TermKind::Tag)
    }

    /// Whether terms of this kind may sit inside another.
    pub fn has_parent(self) -> bool {
        matches!(self, TermKind::Category)
    }
}
