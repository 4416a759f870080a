//! Sessions of signed-in accounts, and failed sign-ins (for throttling that holds across nodes).
//!
//! A session is stored under the SHA-256 of its cookie value (see [`token_hash`]), so that the
//! database never holds a value that signs anyone in.

use crate::{
    Result, Store, Tx,
    backend::{in_tx, read},
};
use chrono::{DateTime, Utc};
use encore_core::ids::AccountId;
use sha2::{Digest, Sha256};

/// Reading sessions; see [`Store::sessions`].
pub struct Sessions<'a> {
    pub(crate) store: &'a Store,
}

/// Writing sessions; see [`Tx::sessions`].
pub struct SessionsTx<'a> {
    pub(crate) tx: &'a mut Tx,
}

/// What a session cookie is stored under: the SHA-256 of its value, in hex.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A live session and who it signs in.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRecord {
    /// The account.
    #[sqlx(try_from = "i64")]
    pub account_id: AccountId,
    /// The account's username.
    pub username: String,
    /// The account's display name.
    pub display_name: String,
    /// The token each of this session's forms carries.
    pub csrf: String,
    /// When it ends.
    pub expires_at: DateTime<Utc>,
}

/// One of an account's sessions, as "where you are signed in" lists them.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionEntry {
    /// The stored hash (not the cookie value).
    pub token_hash: String,
    /// The browser it began in.
    pub user_agent: String,
    /// The client network it began from.
    pub client: String,
    /// When it began.
    pub created_at: DateTime<Utc>,
}

/// A new session, to be written.
#[derive(Debug)]
pub struct NewSession<'a> {
    /// [`token_hash`] of the cookie value.
    pub token_hash: &'a str,
    /// Who it signs in.
    pub account: AccountId,
    /// Its forms' token.
    pub csrf: &'a str,
    /// The browser (`User-Agent`, cut short).
    pub user_agent: &'a str,
    /// The client network.
    pub client: &'a str,
    /// When it begins.
    pub created_at: DateTime<Utc>,
    /// When it ends.
    pub expires_at: DateTime<Utc>,
}

impl Sessions<'_> {
    /// The live session stored under `token_hash` at `now`.
    pub async fn find(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRecord>> {
        const SQL: &str = "SELECT s.account_id, a.username, a.display_name, s.csrf, s.expires_at \
                           FROM sessions s JOIN accounts a ON a.id = s.account_id \
                           WHERE s.token_hash = $1 AND s.expires_at > $2";
        Ok(read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await)?)
    }

    /// An account's live sessions, newest first.
    pub async fn of_account(
        &self,
        account: AccountId,
        now: DateTime<Utc>,
    ) -> Result<Vec<SessionEntry>> {
        const SQL: &str = "SELECT token_hash, user_agent, client, created_at FROM sessions \
                           WHERE account_id = $1 AND expires_at > $2 ORDER BY created_at DESC, token_hash";
        Ok(read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(account.0)
            .bind(now)
            .fetch_all(pool)
            .await)?)
    }

    /// Failed sign-ins (and resets and sign-ups) from `client` since `since`.
    pub async fn failures_from(&self, client: &str, since: DateTime<Utc>) -> Result<i64> {
        const SQL: &str =
            "SELECT COUNT(*) FROM login_failures WHERE client = $1 AND created_at > $2";
        Ok(read!(self.store, |pool| sqlx::query_scalar(SQL)
            .bind(client)
            .bind(since)
            .fetch_one(pool)
            .await)?)
    }

    /// Failed sign-ins since `since`: for what was typed as `login`, and from `client`.
    pub async fn failures_since(
        &self,
        login: &str,
        client: &str,
        since: DateTime<Utc>,
    ) -> Result<(i64, i64)> {
        const SQL: &str = "SELECT \
            (SELECT COUNT(*) FROM login_failures WHERE login = $1 AND created_at > $3), \
            (SELECT COUNT(*) FROM login_failures WHERE client = $2 AND created_at > $3)";
        Ok(read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(login)
            .bind(client)
            .bind(since)
            .fetch_one(pool)
            .await)?)
    }
}

/// A password reset link as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ResetRecord {
    /// Whose password it resets.
    #[sqlx(try_from = "i64")]
    pub account_id: AccountId,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was used, if it was.
    pub used_at: Option<DateTime<Utc>>,
}

/// An invitation as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InvitationRecord {
    /// The site it joins.
    #[sqlx(try_from = "i64")]
    pub site_id: encore_core::ids::SiteId,
    /// The address it was mailed to (the new account's).
    pub email: String,
    /// The role it gives.
    pub role: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was used, if it was.
    pub used_at: Option<DateTime<Utc>>,
}

impl Sessions<'_> {
    /// The invitation stored under `token_hash`, used or not, expired or not.
    pub async fn invitation(&self, token_hash: &str) -> Result<Option<InvitationRecord>> {
        const SQL: &str = "SELECT site_id, email, role, expires_at, used_at FROM invitations WHERE token_hash = $1";
        Ok(read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(token_hash)
            .fetch_optional(pool)
            .await)?)
    }

    /// The reset link stored under `token_hash`, used or not, expired or not.
    pub async fn reset(&self, token_hash: &str) -> Result<Option<ResetRecord>> {
        const SQL: &str =
            "SELECT account_id, expires_at, used_at FROM password_resets WHERE token_hash = $1";
        Ok(read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(token_hash)
            .fetch_optional(pool)
            .await)?)
    }
}

impl SessionsTx<'_> {
    /// Stores a reset link for `account`, good until `expires_at`.
    pub async fn insert_reset(
        &mut self,
        token_hash: &str,
        account: AccountId,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        const SQL: &str = "INSERT INTO password_resets (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)";
        in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(token_hash)
            .bind(account.0)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Uses a reset link: the account it resets, when it was unused and unexpired; none
    /// otherwise (and then it stays as it was).
    pub async fn use_reset(
        &mut self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountId>> {
        const SQL: &str = "UPDATE password_resets SET used_at = $2 \
                           WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING account_id";
        let account: Option<i64> = in_tx!(self.tx, |conn| sqlx::query_scalar(SQL)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&mut *conn)
            .await)?;
        Ok(account.map(AccountId))
    }

    /// Stores an invitation, good until `expires_at`.
    pub async fn insert_invitation(
        &mut self,
        token_hash: &str,
        invitation: &InvitationRecord,
        now: DateTime<Utc>,
    ) -> Result<()> {
        const SQL: &str = "INSERT INTO invitations (token_hash, site_id, email, role, created_at, expires_at) \
                           VALUES ($1, $2, $3, $4, $5, $6)";
        in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(token_hash)
            .bind(invitation.site_id.0)
            .bind(&invitation.email)
            .bind(&invitation.role)
            .bind(now)
            .bind(invitation.expires_at)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Uses an invitation: what it was, when it was unused and unexpired; none otherwise.
    pub async fn use_invitation(
        &mut self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<InvitationRecord>> {
        const SQL: &str = "UPDATE invitations SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
                           RETURNING site_id, email, role, expires_at, used_at";
        Ok(in_tx!(self.tx, |conn| sqlx::query_as(SQL)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&mut *conn)
            .await)?)
    }

    /// Stores a link that confirms `email` for `account`, good until `expires_at`.
    pub async fn insert_confirmation(
        &mut self,
        token_hash: &str,
        account: AccountId,
        email: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        const SQL: &str = "INSERT INTO email_confirmations (token_hash, account_id, email, created_at, expires_at) \
                           VALUES ($1, $2, $3, $4, $5)";
        in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(token_hash)
            .bind(account.0)
            .bind(email)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Uses a confirmation link: the account and address it confirms, when it was unused,
    /// unexpired and the account still has that address; none otherwise.
    pub async fn use_confirmation(
        &mut self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountId>> {
        const SQL: &str = "UPDATE email_confirmations SET used_at = $2 \
                           WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
                             AND email = (SELECT a.email FROM accounts a WHERE a.id = email_confirmations.account_id) \
                           RETURNING account_id";
        let account: Option<i64> = in_tx!(self.tx, |conn| sqlx::query_scalar(SQL)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&mut *conn)
            .await)?;
        Ok(account.map(AccountId))
    }

    /// Counts confirmation links made for an account since `since`.
    pub async fn confirmations_since(
        &mut self,
        account: AccountId,
        since: DateTime<Utc>,
    ) -> Result<i64> {
        const SQL: &str =
            "SELECT COUNT(*) FROM email_confirmations WHERE account_id = $1 AND created_at > $2";
        Ok(in_tx!(self.tx, |conn| sqlx::query_scalar(SQL)
            .bind(account.0)
            .bind(since)
            .fetch_one(&mut *conn)
            .await)?)
    }

    /// Counts reset links asked for an account since `since` (a limit on mail to one person).
    pub async fn resets_since(&mut self, account: AccountId, since: DateTime<Utc>) -> Result<i64> {
        const SQL: &str =
            "SELECT COUNT(*) FROM password_resets WHERE account_id = $1 AND created_at > $2";
        Ok(in_tx!(self.tx, |conn| sqlx::query_scalar(SQL)
            .bind(account.0)
            .bind(since)
            .fetch_one(&mut *conn)
            .await)?)
    }

    /// Writes a new session.
    pub async fn insert(&mut self, session: &NewSession<'_>) -> Result<()> {
        const SQL: &str = "INSERT INTO sessions (token_hash, account_id, csrf, user_agent, client, created_at, expires_at) \
                           VALUES ($1, $2, $3, $4, $5, $6, $7)";
        in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(session.token_hash)
            .bind(session.account.0)
            .bind(session.csrf)
            .bind(session.user_agent)
            .bind(session.client)
            .bind(session.created_at)
            .bind(session.expires_at)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Ends the session stored under `token_hash`; whether there was one.
    pub async fn delete(&mut self, token_hash: &str) -> Result<bool> {
        const SQL: &str = "DELETE FROM sessions WHERE token_hash = $1";
        let done = in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(token_hash)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// Ends every session of an account but the one stored under `keep`; how many ended.
    pub async fn delete_for_account(
        &mut self,
        account: AccountId,
        keep: Option<&str>,
    ) -> Result<u64> {
        const SQL: &str = "DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2";
        Ok(in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(account.0)
            .bind(keep.unwrap_or(""))
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?)
    }

    /// Records a failed sign-in.
    pub async fn record_failure(
        &mut self,
        login: &str,
        client: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        const SQL: &str =
            "INSERT INTO login_failures (login, client, created_at) VALUES ($1, $2, $3)";
        in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(login)
            .bind(client)
            .bind(now)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Deletes expired sessions and failures recorded before `failures_before`.
    pub async fn prune(
        &mut self,
        now: DateTime<Utc>,
        failures_before: DateTime<Utc>,
    ) -> Result<()> {
        in_tx!(self.tx, |conn| sqlx::query(
            "DELETE FROM sessions WHERE expires_at <= $1"
        )
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
        in_tx!(self.tx, |conn| sqlx::query(
            "DELETE FROM login_failures WHERE created_at < $1"
        )
        .bind(failures_before)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }
}
