//! Typed ids, so that a post id can never be passed where a site id is expected.

use serde::Serialize;
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl From<i64> for $name {
            fn from(id: i64) -> Self {
                $name(id)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    /// A site (one blog) served by this instance.
    SiteId,
    /// An account; accounts are instance-wide and shared by all sites.
    AccountId,
    /// A post or a page.
    PostId,
    /// A series of posts.
    SeriesId,
    /// A category of one site.
    CategoryId,
    /// A tag of one site.
    TagId,
    /// A managed download of one site.
    DownloadId,
    /// A comment under a post.
    CommentId,
);
