//! Accounts: creating one with a role on a site, and the password hashing every sign-in uses.

use crate::{Actor, App, AppError, Result};
use argon2::{Argon2, PasswordHasher, PasswordVerifier, password_hash::phc::PasswordHash};
use encore_core::{
    account::{Account, NewAccount, validate_password},
    change::Change,
    ids::SiteId,
    roles::{Capability, Role},
};

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
