//! Roles and capabilities: who may do what on a site.
//!
//! Handlers never compare roles; they ask [`Role::can`] for a [`Capability`]. The ladder follows
//! the one WordPress users know, so that imported sites keep their meaning.

use serde::Serialize;
use std::{fmt, str::FromStr};

/// A person's role on one site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Runs the site: settings, users, everything below.
    Administrator,
    /// Publishes and edits anyone's posts, moderates comments.
    Editor,
    /// Publishes and edits their own posts.
    Author,
    /// Writes drafts of their own that an editor publishes.
    Contributor,
    /// A reader with an account: comments and likes.
    Subscriber,
}

/// Something a role may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Change site settings and manage users.
    ManageSite,
    /// Publish, edit and delete posts written by anyone.
    EditOthersPosts,
    /// Publish own posts.
    PublishPosts,
    /// Write and edit own drafts.
    EditOwnDrafts,
    /// Approve, reject and delete comments.
    ModerateComments,
    /// Upload files for downloads and media.
    UploadFiles,
    /// Comment and like as a signed-in reader.
    Participate,
}

impl Role {
    /// Every role, from most to least powerful.
    pub const ALL: [Role; 5] = [
        Role::Administrator,
        Role::Editor,
        Role::Author,
        Role::Contributor,
        Role::Subscriber,
    ];

    /// Whether this role grants `capability`.
    pub fn can(self, capability: Capability) -> bool {
        use Capability::*;
        match self {
            Role::Administrator => true,
            Role::Editor => !matches!(capability, ManageSite),
            Role::Author => matches!(
                capability,
                PublishPosts | EditOwnDrafts | UploadFiles | Participate
            ),
            Role::Contributor => matches!(capability, EditOwnDrafts | Participate),
            Role::Subscriber => matches!(capability, Participate),
        }
    }

    /// Whether this role may change a post (edit, delete): anyone's for editors and up, their own
    /// for authors, their own unpublished drafts for contributors.
    pub fn may_edit_post(self, own: bool, published: bool) -> bool {
        if self.can(Capability::EditOthersPosts) {
            return true;
        }
        own && if published {
            self.can(Capability::PublishPosts)
        } else {
            self.can(Capability::EditOwnDrafts)
        }
    }

    /// Whether this role may publish (or schedule) a post: anyone's for editors and up, their
    /// own for authors; contributors submit for review instead.
    pub fn may_publish_post(self, own: bool) -> bool {
        self.can(Capability::EditOthersPosts) || (own && self.can(Capability::PublishPosts))
    }

    /// The name stored in the database and typed on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Editor => "editor",
            Role::Author => "author",
            Role::Contributor => "contributor",
            Role::Subscriber => "subscriber",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text did not name a role.
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown role {0:?}; expected one of administrator, editor, author, contributor, subscriber"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ladder_grants_less_further_down() {
        assert!(Role::Administrator.can(Capability::ManageSite));
        assert!(!Role::Editor.can(Capability::ManageSite));
        assert!(Role::Editor.can(Capability::EditOthersPosts));
        assert!(!Role::Author.can(Capability::EditOthersPosts));
        assert!(Role::Author.can(Capability::PublishPosts));
        assert!(!Role::Contributor.can(Capability::PublishPosts));
        assert!(Role::Contributor.can(Capability::EditOwnDrafts));
        assert!(!Role::Subscriber.can(Capability::EditOwnDrafts));
        assert!(Role::Subscriber.can(Capability::Participate));
    }

    /// Every role against every action, as a table a site owner could read.
    #[test]
    fn every_role_against_every_action() {
        use Capability::*;
        // Columns: manage site, edit others' posts, publish, edit own drafts, moderate,
        // upload, participate; then edit own draft, edit own published post, edit another's
        // post, publish own, publish another's.
        #[rustfmt::skip]
        let table: [(Role, [bool; 12]); 5] = [
            (Role::Administrator, [true,  true,  true,  true,  true,  true,  true,  true,  true,  true,  true,  true ]),
            (Role::Editor,        [false, true,  true,  true,  true,  true,  true,  true,  true,  true,  true,  true ]),
            (Role::Author,        [false, false, true,  true,  false, true,  true,  true,  true,  false, true,  false]),
            (Role::Contributor,   [false, false, false, true,  false, false, true,  true,  false, false, false, false]),
            (Role::Subscriber,    [false, false, false, false, false, false, true,  false, false, false, false, false]),
        ];
        for (role, expected) in table {
            let actual = [
                role.can(ManageSite),
                role.can(EditOthersPosts),
                role.can(PublishPosts),
                role.can(EditOwnDrafts),
                role.can(ModerateComments),
                role.can(UploadFiles),
                role.can(Participate),
                role.may_edit_post(true, false),
                role.may_edit_post(true, true),
                role.may_edit_post(false, false) && role.may_edit_post(false, true),
                role.may_publish_post(true),
                role.may_publish_post(false),
            ];
            assert_eq!(actual, expected, "{role}");
        }
    }

    #[test]
    fn roles_round_trip_through_text() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert_eq!(" Editor ".parse::<Role>().unwrap(), Role::Editor);
        assert!("root".parse::<Role>().is_err());
    }
}
