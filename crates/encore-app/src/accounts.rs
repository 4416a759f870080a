//! Accounts: creating one with a role on a site, and the password hashing every sign-in uses.

use crate::{Actor, App, AppError, Result};
use argon2::{Argon2, PasswordHasher, PasswordVerifier, password_hash::phc::PasswordHash};
use encore_core::{
    account::{Account, NewAccount, Profile, validate_password},
    change::Change,
    error::ValidationError,
    ids::{AccountId, SiteId},
    roles::{Capability, Role},
};
use encore_store::sessions::token_hash;

/// Creates an account with a password (or none, for accounts that only sign in through an
/// identity provider) and gives it `role` on `site`, in one transaction.
pub async fn add_user(
    app: &App,
    actor: Actor,
    account: NewAccount,
    password: Option<&str>,
    site: SiteId,
    role: Role,
) -> Result<Account> {
    actor.require(Capability::ManageSite, "add users")?;
    let account = account.validate()?;
    let hash = match password {
        Some(password) => {
            validate_password(password)?;
            Some(hash_password(password)?)
        }
        None => None,
    };
    let now = app.clock().now();
    let mut tx = app.store().begin().await?;
    if tx.sites().by_id(site).await?.is_none() {
        return Err(AppError::NotFound("site"));
    }
    let created = tx.accounts().insert(&account, hash.as_deref(), now).await?;
    tx.accounts().set_role(site, created.id, role, now).await?;
    // Nothing a reader sees changes until the account writes something.
    app.commit(tx, Change::default()).await?;
    Ok(created)
}

/// Gives an existing account `role` on `site`, replacing any role it had there.
pub async fn set_role(
    app: &App,
    actor: Actor,
    site: SiteId,
    account: encore_core::ids::AccountId,
    role: Role,
) -> Result<()> {
    actor.require(Capability::ManageSite, "change roles")?;
    let mut tx = app.store().begin().await?;
    tx.accounts()
        .set_role(site, account, role, app.clock().now())
        .await?;
    // An author's page lists the posts they wrote on the site; a new role changes none.
    app.commit(tx, Change::default()).await?;
    Ok(())
}

/// What an administrator changes about a member of their site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberChange {
    /// Gives them another role.
    Role(Role),
    /// Turns them away: they keep their account and their posts, but their role does nothing on
    /// the site until they are let back.
    Disable,
    /// Lets them back with the role they had.
    Enable,
}

/// Changes a member of `site`: their role, or whether they may use it. Administrators change
/// others, never themselves, so a site always keeps one who can.
pub async fn change_member(
    app: &App,
    actor: Actor,
    site: SiteId,
    account: AccountId,
    change: MemberChange,
) -> Result<()> {
    actor.require(Capability::ManageSite, "change people's roles")?;
    if actor.account() == Some(account) {
        return Err(AppError::Forbidden(
            "change your own role or turn yourself away; ask another administrator",
        ));
    }
    let now = app.clock().now();
    let mut tx = app.store().begin().await?;
    if tx.accounts().role_of(site, account).await?.is_none() {
        return Err(AppError::NotFound("member"));
    }
    match change {
        MemberChange::Role(role) => tx.accounts().set_role(site, account, role, now).await?,
        MemberChange::Disable => {
            tx.accounts().set_disabled(site, account, Some(now)).await?;
        }
        MemberChange::Enable => {
            tx.accounts().set_disabled(site, account, None).await?;
        }
    }
    if tx.accounts().active_administrators(site).await? == 0 {
        return Err(AppError::Forbidden(
            "leave the site without an administrator",
        ));
    }
    // Bylines and author pages stay as they are; only what the member may do changes.
    app.commit(tx, Change::default()).await?;
    Ok(())
}

/// Replaces an account's profile. Its name and biography are on every site it writes for
/// (bylines, author pages), so each of those sites is shown anew.
pub async fn update_profile(app: &App, account: AccountId, profile: Profile) -> Result<Profile> {
    let profile = profile.validate()?;
    let sites = app.store().accounts().sites_of(account).await?;
    let mut tx = app.store().begin().await?;
    tx.accounts().set_profile(account, &profile).await?;
    let changes = sites.into_iter().map(Change::whole_site).collect();
    app.commit_all(tx, changes).await?;
    Ok(profile)
}

/// The largest picture file a member may upload.
pub const AVATAR_MAX_BYTES: usize = 2 * 1024 * 1024;

/// What a member chose for their picture.
#[derive(Debug, Clone)]
pub enum AvatarChoice {
    /// Drawn from their name.
    Generated,
    /// Their Gravatar.
    Gravatar,
    /// A picture file they sent (PNG, JPEG or WebP).
    Upload(bytes::Bytes),
}

/// Sets a member's picture.
///
/// An upload is decoded, cut to the middle square and stored as a
/// [`SIDE`](encore_core::avatar::SIDE)-pixel PNG (which also drops whatever the file carried
/// besides the picture, such as where a photo was taken); a file that is not a picture, too
/// large, or of a kind other than PNG, JPEG or WebP is refused on the field `avatar`.
pub async fn set_avatar(app: &App, account: AccountId, choice: AvatarChoice) -> Result<()> {
    use encore_core::avatar::Avatar;
    let sites = app.store().accounts().sites_of(account).await?;
    let mut tx = app.store().begin().await?;
    match choice {
        AvatarChoice::Generated => {
            tx.accounts()
                .set_avatar(account, &Avatar::Generated.stored())
                .await?
        }
        AvatarChoice::Gravatar => {
            tx.accounts()
                .set_avatar(account, &Avatar::Gravatar.stored())
                .await?
        }
        AvatarChoice::Upload(bytes) => {
            if bytes.is_empty() {
                return Err(ValidationError::new("avatar", "choose a picture file").into());
            }
            if bytes.len() > AVATAR_MAX_BYTES {
                return Err(ValidationError::new("avatar", "is larger than 2 MB").into());
            }
            let png = tokio::task::spawn_blocking(move || square_png(&bytes))
                .await
                .map_err(|e| AppError::Store(encore_store::StoreError::Config(e.to_string())))??;
            tx.accounts()
                .store_avatar(account, bytes::Bytes::from(png))
                .await?;
        }
    }
    let changes = sites.into_iter().map(Change::whole_site).collect();
    app.commit_all(tx, changes).await?;
    Ok(())
}

/// A picture file as a square PNG of [`SIDE`](encore_core::avatar::SIDE) pixels.
fn square_png(bytes: &[u8]) -> std::result::Result<Vec<u8>, ValidationError> {
    use encore_core::avatar::SIDE;
    use image::{ImageFormat, imageops::FilterType};
    let refuse = || ValidationError::new("avatar", "is not a PNG, JPEG or WebP picture");
    let picture = crate::pictures::decode(bytes, "avatar")?;
    let square = picture.resize_to_fill(SIDE, SIDE, FilterType::Lanczos3);
    let mut png = Vec::new();
    square
        .to_rgba8()
        .write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)
        .map_err(|_| refuse())?;
    Ok(png)
}

/// Application passwords one account may hold.
pub const APP_PASSWORDS_PER_ACCOUNT: usize = 20;

/// Makes an application password named `name` for an API client; its id and the password,
/// which is shown this once and stored only as a hash.
pub async fn create_app_password(
    app: &App,
    account: AccountId,
    name: &str,
) -> Result<(i64, String)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(ValidationError::new(
            "name",
            "must be 1 to 60 characters, e.g. the client's name",
        )
        .into());
    }
    if app.store().accounts().app_passwords(account).await?.len() >= APP_PASSWORDS_PER_ACCOUNT {
        return Err(ValidationError::new(
            "name",
            format!("an account holds at most {APP_PASSWORDS_PER_ACCOUNT}; revoke one first"),
        )
        .into());
    }
    let token = format!("encore_{}", crate::sessions::random_token()?);
    let mut tx = app.store().begin().await?;
    let id = tx
        .accounts()
        .insert_app_password(account, name, &token_hash(&token), app.clock().now())
        .await?;
    app.commit(tx, Change::default()).await?;
    Ok((id, token))
}

/// Revokes one of an account's application passwords.
pub async fn revoke_app_password(app: &App, account: AccountId, id: i64) -> Result<()> {
    let mut tx = app.store().begin().await?;
    if !tx.accounts().delete_app_password(account, id).await? {
        return Err(AppError::NotFound("application password"));
    }
    app.commit(tx, Change::default()).await?;
    Ok(())
}

/// The account an application password opens, if any.
pub async fn app_password_account(app: &App, token: &str) -> Result<Option<AccountId>> {
    if !token.starts_with("encore_") || token.len() > 128 {
        return Ok(None);
    }
    Ok(app
        .store()
        .accounts()
        .by_app_password(&token_hash(token))
        .await?)
}

/// Hashes with argon2id (version 19, the crate's OWASP-recommended default cost) and a random
/// salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| {
            AppError::Store(encore_store::StoreError::Config(format!(
                "cannot hash the password: {e}"
            )))
        })
}

/// Whether `password` matches a stored PHC hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hashed_with_argon2id_salted_and_verify() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("correct horse battery", "not a hash"));
        assert_ne!(hash, hash_password("correct horse battery").unwrap());
    }
}
