//! Accounts: people who write or take part. Accounts are instance-wide; roles are per site.

use crate::{ValidationError, ids::AccountId};
use serde::Serialize;

/// A person with an account, as shown on pages (never carries the password hash).
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    /// The account's id.
    pub id: AccountId,
    /// The login name, also used in author URLs (`/author/{username}`).
    pub username: String,
    /// The name shown next to posts and comments.
    pub display_name: String,
    /// A short biography shown on the author page.
    pub bio: String,
}

/// A new account as typed at the command line or in a sign-up form, not yet validated.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Login name: 2–60 characters of lower-case letters, digits, `-`, `_` or `.`.
    pub username: String,
    /// Email address, used for notifications and to link social logins.
    pub email: String,
    /// Shown name; defaults to the username when empty.
    pub display_name: String,
    /// A short biography for the author page; may be empty.
    pub bio: String,
}

impl NewAccount {
    /// Validates and normalises the fields (trimmed; username and email lower-cased).
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.username = self.username.trim().to_lowercase();
        let username_ok = (2..=60).contains(&self.username.chars().count())
            && self.username.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')
            })
            && !self.username.starts_with('.');
        if !username_ok {
            return Err(ValidationError::new(
                "username",
                "must be 2 to 60 characters of lower-case letters, digits, '-', '_' or '.'",
            ));
        }
        self.email = self.email.trim().to_lowercase();
        validate_email(&self.email)?;
        self.display_name = self.display_name.trim().to_owned();
        if self.display_name.is_empty() {
            self.display_name = self.username.clone();
        }
        if self.display_name.chars().count() > 100 {
            return Err(ValidationError::new(
                "display_name",
                "must be at most 100 characters",
            ));
        }
        self.bio = self.bio.trim().to_owned();
        if self.bio.chars().count() > 1000 {
            return Err(ValidationError::new(
                "bio",
                "must be at most 1000 characters",
            ));
        }
        Ok(self)
    }
}

/// A deliberately plain email check: one `@`, something before it, a dotted domain after it.
/// The only real proof of an address is a message that arrives.
pub fn validate_email(email: &str) -> Result<(), ValidationError> {
    let bad = || ValidationError::new("email", "must be an address like name@example.com");
    let (local, domain) = email.split_once('@').ok_or_else(bad)?;
    let plausible = !local.is_empty()
        && email.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if plausible { Ok(()) } else { Err(bad()) }
}

/// Password rules for local accounts: long enough to resist guessing, short enough to hash.
pub fn validate_password(password: &str) -> Result<(), ValidationError> {
    let n = password.chars().count();
    if n < 10 {
        return Err(ValidationError::new(
            "password",
            "must be at least 10 characters",
        ));
    }
    if password.len() > 1024 {
        return Err(ValidationError::new(
            "password",
            "must be at most 1024 bytes",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(username: &str, email: &str) -> NewAccount {
        NewAccount {
            username: username.into(),
            email: email.into(),
            display_name: String::new(),
            bio: String::new(),
        }
    }

    #[test]
    fn usernames_and_emails_are_normalised() {
        let a = new(" Mixtape_Max ", "Max@Example.COM").validate().unwrap();
        assert_eq!(a.username, "mixtape_max");
        assert_eq!(a.email, "max@example.com");
        assert_eq!(a.display_name, "mixtape_max");
    }

    #[test]
    fn bad_usernames_and_emails_name_the_field() {
        assert_eq!(new("a", "a@b.c").validate().unwrap_err().field, "username");
        assert_eq!(
            new("has space", "a@b.c").validate().unwrap_err().field,
            "username"
        );
        assert_eq!(new("max", "nobody").validate().unwrap_err().field, "email");
        assert_eq!(
            new("max", "a@localhost").validate().unwrap_err().field,
            "email"
        );
        assert_eq!(
            new("max", "a b@x.org").validate().unwrap_err().field,
            "email"
        );
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(validate_password("short").is_err());
        assert!(validate_password("long enough passphrase").is_ok());
    }
}

/// What a person says about themselves: the name shown with their posts and comments, their
/// website, and the biography on their author page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Profile {
    /// Shown name (1–100 characters).
    pub display_name: String,
    /// An `http` or `https` address, or empty.
    pub website: String,
    /// A short biography (at most 1000 characters), or empty.
    pub bio: String,
}

impl Profile {
    /// Validates and normalises the fields (trimmed; a website without a scheme gets `https://`).
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.display_name =
            unicode_normalization::UnicodeNormalization::nfc(self.display_name.trim()).collect();
        let name_len = self.display_name.chars().count();
        if name_len == 0 {
            return Err(ValidationError::new("display_name", "cannot be empty"));
        }
        if name_len > 100 {
            return Err(ValidationError::new(
                "display_name",
                "must be at most 100 characters",
            ));
        }
        self.website = self.website.trim().to_owned();
        if !self.website.is_empty() {
            if !self.website.contains("://") {
                self.website = format!("https://{}", self.website);
            }
            let lower = self.website.to_ascii_lowercase();
            let host = lower
                .strip_prefix("https://")
                .or_else(|| lower.strip_prefix("http://"))
                .unwrap_or_default();
            let host = host.split(['/', '?', '#']).next().unwrap_or_default();
            if host.is_empty()
                || !host.contains('.') && !host.starts_with("localhost")
                || self.website.len() > 200
                || self.website.chars().any(|c| {
                    c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>'
                })
            {
                return Err(ValidationError::new(
                    "website",
                    "must be an address such as https://example.org",
                ));
            }
        }
        self.bio = self.bio.trim().to_owned();
        if self.bio.chars().count() > 1000 {
            return Err(ValidationError::new(
                "bio",
                "must be at most 1000 characters",
            ));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod profile_tests {
    use super::Profile;

    fn profile(name: &str, website: &str) -> Profile {
        Profile {
            display_name: name.into(),
            website: website.into(),
            bio: String::new(),
        }
    }

    #[test]
    fn websites_are_web_addresses() {
        let ok = profile(" Max ", "max.example.org/music")
            .validate()
            .unwrap();
        assert_eq!(ok.display_name, "Max");
        assert_eq!(ok.website, "https://max.example.org/music");
        assert_eq!(profile("Max", "").validate().unwrap().website, "");
        for bad in [
            "javascript:alert(1)",
            "https://",
            "ftp://x.example",
            "https://a b.example",
            "no-dot",
        ] {
            let err = profile("Max", bad).validate().unwrap_err();
            assert_eq!(err.field, "website", "{bad}");
        }
        assert_eq!(
            profile("  ", "").validate().unwrap_err().field,
            "display_name"
        );
    }
}
