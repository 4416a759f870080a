//! Signing in through another service: the outside identities linked to accounts, and the
//! sign-ins under way at a provider (each good once).

use crate::{
    Result, Store, StoreError, Tx,
    backend::{in_tx, read},
};
use chrono::{DateTime, Utc};
use encore_core::ids::{AccountId, SiteId};

/// Reading linked identities; see [`Store::logins`].
pub struct Logins<'a> {
    pub(crate) store: &'a Store,
}

/// Writing linked identities and sign-ins under way; see [`Tx::logins`].
pub struct LoginsTx<'a> {
    pub(crate) tx: &'a mut Tx,
}

/// An outside identity linked to an account, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LinkedLogin {
    /// Its id.
    pub id: i64,
    /// The provider's id in the configuration.
    pub provider: String,
    /// The address the provider gave when it was linked (may be empty).
    pub email: String,
    /// When it was linked.
    pub created_at: DateTime<Utc>,
}

/// A sign-in under way at a provider, as stored under the hash of its `state`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LoginState {
    /// The provider's id in the configuration.
    pub provider: String,
    /// The site the sign-in is for.
    #[sqlx(try_from = "i64")]
    pub site_id: SiteId,
    /// The hash of the value of the cookie set on the browser that began it.
    pub browser_hash: String,
    /// The `nonce` sent (OpenID Connect), which the ID token must carry back.
    pub nonce: String,
    /// The PKCE code verifier.
    pub verifier: String,
    /// The local path to go to afterwards.
    pub return_to: String,
    /// The signed-in account that asked to link the identity (none for a sign-in).
    pub link_account: Option<i64>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

impl Logins<'_> {
    /// The account an outside identity is linked to.
    pub async fn owner(&self, provider: &str, subject: &str) -> Result<Option<AccountId>> {
        const SQL: &str =
            "SELECT account_id FROM login_identities WHERE provider = $1 AND subject = $2";
        let id: Option<i64> = read!(self.store, |pool| sqlx::query_scalar(SQL)
            .bind(provider)
            .bind(subject)
            .fetch_optional(pool)
            .await)?;
        Ok(id.map(AccountId))
    }

    /// The identities linked to an account, oldest first.
    pub async fn of_account(&self, account: AccountId) -> Result<Vec<LinkedLogin>> {
        const SQL: &str = "SELECT id, provider, email, created_at FROM login_identities \
                           WHERE account_id = $1 ORDER BY id";
        Ok(read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(account.0)
            .fetch_all(pool)
            .await)?)
    }

    /// The account that has `email` (case-insensitive), with whether the address is confirmed.
    pub async fn account_with_email(&self, email: &str) -> Result<Option<(AccountId, bool)>> {
        const SQL: &str =
            "SELECT id, email_verified_at IS NOT NULL FROM accounts WHERE lower(email) = lower($1)";
        let row: Option<(i64, bool)> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(email)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(|(id, verified)| (AccountId(id), verified)))
    }
}

impl LoginsTx<'_> {
    /// Stores a sign-in under way.
    pub async fn insert_state(
        &mut self,
        state_hash: &str,
        state: &LoginState,
        now: DateTime<Utc>,
    ) -> Result<()> {
        const SQL: &str = "INSERT INTO login_states (state_hash, provider, site_id, browser_hash, nonce, verifier, \
                           return_to, link_account, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
        in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(state_hash)
            .bind(&state.provider)
            .bind(state.site_id.0)
            .bind(&state.browser_hash)
            .bind(&state.nonce)
            .bind(&state.verifier)
            .bind(&state.return_to)
            .bind(state.link_account)
            .bind(now)
            .bind(state.expires_at)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Takes a sign-in under way out of the store: what it was, whether or not it expired. A
    /// second take of the same state finds nothing.
    pub async fn take_state(&mut self, state_hash: &str) -> Result<Option<LoginState>> {
        const SQL: &str = "DELETE FROM login_states WHERE state_hash = $1 RETURNING provider, site_id, browser_hash, \
                           nonce, verifier, return_to, link_account, expires_at";
        Ok(in_tx!(self.tx, |conn| sqlx::query_as(SQL)
            .bind(state_hash)
            .fetch_optional(&mut *conn)
            .await)?)
    }

    /// Forgets sign-ins that expired before `before`.
    pub async fn prune_states(&mut self, before: DateTime<Utc>) -> Result<u64> {
        const SQL: &str = "DELETE FROM login_states WHERE expires_at < $1";
        Ok(in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(before)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?)
    }

    /// Links an outside identity to an account. An identity linked already (to any account) is
    /// a [`StoreError::Conflict`].
    pub async fn link(
        &mut self,
        account: AccountId,
        provider: &str,
        subject: &str,
        email: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        const TAKEN: &str =
            "SELECT COUNT(*) FROM login_identities WHERE provider = $1 AND subject = $2";
        const SQL: &str = "INSERT INTO login_identities (account_id, provider, subject, email, created_at) \
                           VALUES ($1, $2, $3, $4, $5)";
        let taken: i64 = in_tx!(self.tx, |conn| sqlx::query_scalar(TAKEN)
            .bind(provider)
            .bind(subject)
            .fetch_one(&mut *conn)
            .await)?;
        if taken > 0 {
            return Err(StoreError::Conflict("login"));
        }
        in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(account.0)
            .bind(provider)
            .bind(subject)
            .bind(email)
            .bind(now)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))
        .map_err(|e| crate::classify(e, "login", "invalid identity"))?;
        Ok(())
    }

    /// Unlinks one of an account's identities; whether there was such a link.
    pub async fn unlink(&mut self, account: AccountId, id: i64) -> Result<bool> {
        const SQL: &str = "DELETE FROM login_identities WHERE id = $1 AND account_id = $2";
        let gone = in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(id)
            .bind(account.0)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(gone > 0)
    }

    /// How many identities an account has, and whether it has a password: the ways it can sign
    /// in.
    pub async fn ways_in(&mut self, account: AccountId) -> Result<(i64, bool)> {
        const SQL: &str = "SELECT (SELECT COUNT(*) FROM login_identities WHERE account_id = $1), \
                           (SELECT password_hash IS NOT NULL FROM accounts WHERE id = $1)";
        let (identities, password): (i64, Option<bool>) =
            in_tx!(self.tx, |conn| sqlx::query_as(SQL)
                .bind(account.0)
                .fetch_one(&mut *conn)
                .await)?;
        Ok((identities, password.unwrap_or(false)))
    }
}
