//! Accounts (instance-wide) and their roles on each site.

use crate::{
    Result, Store, StoreError, Tx,
    backend::{in_tx, read},
    classify,
};
use chrono::{DateTime, Utc};
use encore_core::{
    account::{Account, NewAccount, Profile},
    ids::{AccountId, SiteId},
    roles::Role,
};

/// An application password as its owner sees it (never the token).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AppPassword {
    /// Its id.
    pub id: i64,
    /// The name its owner gave it.
    pub name: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last let a client in.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// What a member's picture is made from.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AvatarSource {
    /// The stored choice (see `encore_core::avatar::Avatar::parse`).
    pub avatar: String,
    /// The address (for Gravatar).
    pub email: String,
    /// The username (the drawn picture's colour).
    pub username: String,
    /// The shown name (the drawn picture's initials).
    pub display_name: String,
}

/// A member of a site as its administrators see them.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Member {
    /// The account's id.
    pub id: i64,
    /// Its login name.
    pub username: String,
    /// Its shown name.
    pub display_name: String,
    /// Its address.
    pub email: String,
    /// Its role on the site (`administrator` … `subscriber`).
    pub role: String,
    /// When an administrator turned it away; `None` while it may use its role.
    pub disabled_at: Option<DateTime<Utc>>,
    /// When it joined the site.
    pub joined_at: DateTime<Utc>,
    /// Posts and pages it wrote on the site, in any status.
    pub posts: i64,
}

/// Account queries; see [`Store::accounts`].
pub struct Accounts<'a> {
    pub(crate) store: &'a Store,
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: i64,
    username: String,
    display_name: String,
    bio: String,
}

impl AccountRow {
    fn into_account(self) -> Account {
        Account {
            id: AccountId(self.id),
            username: self.username,
            display_name: self.display_name,
            bio: self.bio,
        }
    }
}

impl Accounts<'_> {
    /// The account with this username (case-insensitive).
    pub async fn by_username(&self, username: &str) -> Result<Option<Account>> {
        const SQL: &str = "SELECT id, username, display_name, bio FROM accounts WHERE lower(username) = lower($1)";
        let row: Option<AccountRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(username)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(AccountRow::into_account))
    }

    /// The account a sign-in names by username or email (case-insensitive), with its password
    /// hash (none for accounts that only sign in through an identity provider).
    pub async fn for_sign_in(&self, login: &str) -> Result<Option<(Account, Option<String>)>> {
        const SQL: &str = "SELECT id, username, display_name, bio, password_hash FROM accounts \
                           WHERE lower(username) = lower($1) OR lower(email) = lower($1) \
                           ORDER BY CASE WHEN lower(username) = lower($1) THEN 0 ELSE 1 END LIMIT 1";
        let row: Option<(i64, String, String, String, Option<String>)> =
            read!(self.store, |pool| sqlx::query_as(SQL)
                .bind(login)
                .fetch_optional(pool)
                .await)?;
        Ok(row.map(|(id, username, display_name, bio, hash)| {
            let account = AccountRow {
                id,
                username,
                display_name,
                bio,
            }
            .into_account();
            (account, hash)
        }))
    }

    /// An account's profile and email address.
    pub async fn profile(&self, id: AccountId) -> Result<Option<(Profile, String)>> {
        const SQL: &str = "SELECT display_name, website, bio, email FROM accounts WHERE id = $1";
        let row: Option<(String, String, String, String)> =
            read!(self.store, |pool| sqlx::query_as(SQL)
                .bind(id.0)
                .fetch_optional(pool)
                .await)?;
        Ok(row.map(|(display_name, website, bio, email)| {
            (
                Profile {
                    display_name,
                    website,
                    bio,
                },
                email,
            )
        }))
    }

    /// What an account's picture is drawn from: its stored choice, address, username and shown
    /// name.
    pub async fn avatar(&self, id: AccountId) -> Result<Option<AvatarSource>> {
        const SQL: &str =
            "SELECT avatar, email, username, display_name FROM accounts WHERE id = $1";
        Ok(read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(id.0)
            .fetch_optional(pool)
            .await)?)
    }

    /// The bytes of an uploaded picture.
    pub async fn avatar_bytes(&self, key: &str) -> Result<bytes::Bytes> {
        use futures_util::TryStreamExt;
        let chunks: Vec<bytes::Bytes> =
            self.store.media.get(key, None).await?.try_collect().await?;
        Ok(bytes::Bytes::from(chunks.concat()))
    }

    /// The sites an account is a member of.
    pub async fn sites_of(&self, id: AccountId) -> Result<Vec<SiteId>> {
        const SQL: &str = "SELECT site_id FROM site_members WHERE account_id = $1 ORDER BY site_id";
        let ids: Vec<i64> = read!(self.store, |pool| sqlx::query_scalar(SQL)
            .bind(id.0)
            .fetch_all(pool)
            .await)?;
        Ok(ids.into_iter().map(SiteId).collect())
    }

    /// An account's application passwords, newest first.
    pub async fn app_passwords(&self, id: AccountId) -> Result<Vec<AppPassword>> {
        const SQL: &str = "SELECT id, name, created_at, last_used_at FROM app_passwords WHERE account_id = $1 ORDER BY id DESC";
        Ok(read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(id.0)
            .fetch_all(pool)
            .await)?)
    }

    /// The account an application password (by the SHA-256 of its token) belongs to.
    pub async fn by_app_password(&self, token_hash: &str) -> Result<Option<AccountId>> {
        const SQL: &str = "SELECT account_id FROM app_passwords WHERE token_hash = $1";
        let id: Option<i64> = read!(self.store, |pool| sqlx::query_scalar(SQL)
            .bind(token_hash)
            .fetch_optional(pool)
            .await)?;
        Ok(id.map(AccountId))
    }

    /// Whether an account's email address is confirmed as its owner's.
    pub async fn email_verified(&self, id: AccountId) -> Result<bool> {
        const SQL: &str = "SELECT email_verified_at IS NOT NULL FROM accounts WHERE id = $1";
        let verified: Option<bool> = read!(self.store, |pool| sqlx::query_scalar(SQL)
            .bind(id.0)
            .fetch_optional(pool)
            .await)?;
        Ok(verified.unwrap_or(false))
    }

    /// An account's email address.
    pub async fn email(&self, id: AccountId) -> Result<Option<String>> {
        const SQL: &str = "SELECT email FROM accounts WHERE id = $1";
        Ok(read!(self.store, |pool| sqlx::query_scalar(SQL)
            .bind(id.0)
            .fetch_optional(pool)
            .await)?)
    }

    /// The stored password hash of an account, for signing in.
    pub async fn password_hash(&self, id: AccountId) -> Result<Option<String>> {
        const SQL: &str = "SELECT password_hash FROM accounts WHERE id = $1";
        let hash: Option<Option<String>> = read!(self.store, |pool| sqlx::query_scalar(SQL)
            .bind(id.0)
            .fetch_optional(pool)
            .await)?;
        hash.ok_or(StoreError::NotFound)
    }

    /// The account's role on a site, if it has one.
    pub async fn role(&self, site: SiteId, account: AccountId) -> Result<Option<Role>> {
        const SQL: &str = "SELECT role FROM site_members \
                           WHERE site_id = $1 AND account_id = $2 AND disabled_at IS NULL";
        let role: Option<String> = read!(self.store, |pool| sqlx::query_scalar(SQL)
            .bind(site.0)
            .bind(account.0)
            .fetch_optional(pool)
            .await)?;
        role.map(|r| {
            r.parse()
                .map_err(|e: encore_core::roles::UnknownRole| StoreError::Corrupt(e.to_string()))
        })
        .transpose()
    }

    /// Everyone with a role on the site, turned away or not, by username.
    pub async fn people(&self, site: SiteId) -> Result<Vec<Member>> {
        const SQL: &str = "SELECT a.id, a.username, a.display_name, a.email, m.role, m.disabled_at, \
                           m.created_at AS joined_at, \
                           (SELECT COUNT(*) FROM posts p WHERE p.site_id = m.site_id AND p.author_id = a.id) AS posts \
                           FROM site_members m JOIN accounts a ON a.id = m.account_id \
                           WHERE m.site_id = $1 ORDER BY lower(a.username)";
        Ok(read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(site.0)
            .fetch_all(pool)
            .await)?)
    }

    /// The site's members, by username.
    pub async fn members(&self, site: SiteId) -> Result<Vec<Account>> {
        const SQL: &str = "SELECT a.id, a.username, a.display_name, a.bio FROM accounts a \
                           JOIN site_members m ON m.account_id = a.id AND m.site_id = $1 ORDER BY a.username";
        let rows: Vec<AccountRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(site.0)
            .fetch_all(pool)
            .await)?;
        Ok(rows.into_iter().map(AccountRow::into_account).collect())
    }

    /// A member of the site by username: the subject of an author page.
    pub async fn member_by_username(
        &self,
        site: SiteId,
        username: &str,
    ) -> Result<Option<Account>> {
        const SQL: &str = "SELECT a.id, a.username, a.display_name, a.bio FROM accounts a \
                           JOIN site_members m ON m.account_id = a.id AND m.site_id = $1 \
                           WHERE lower(a.username) = lower($2)";
        let row: Option<AccountRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(site.0)
            .bind(username)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(AccountRow::into_account))
    }
}

/// Account writes; see [`Tx::accounts`].
pub struct AccountsTx<'a> {
    pub(crate) tx: &'a mut Tx,
}

impl AccountsTx<'_> {
    /// Creates an account from validated input with an already computed password hash (argon2id
    /// PHC string) or none. A taken username or email is a [`StoreError::Conflict`].
    pub async fn insert(
        &mut self,
        account: &NewAccount,
        password_hash: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Account> {
        const SQL: &str = "INSERT INTO accounts (username, email, display_name, bio, password_hash, created_at) \
                           VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, username, display_name, bio";
        // Which unique index fired is not reported by SQLite; look first for a precise message,
        // and let the index settle races.
        const TAKEN: &str = "SELECT \
            EXISTS (SELECT 1 FROM accounts WHERE lower(username) = lower($1)), \
            EXISTS (SELECT 1 FROM accounts WHERE lower(email) = lower($2))";
        let (username_taken, email_taken): (bool, bool) =
            in_tx!(self.tx, |conn| sqlx::query_as(TAKEN)
                .bind(&account.username)
                .bind(&account.email)
                .fetch_one(&mut *conn)
                .await)?;
        if username_taken {
            return Err(StoreError::Conflict("username"));
        }
        if email_taken {
            return Err(StoreError::Conflict("email"));
        }
        let row: AccountRow = in_tx!(self.tx, |conn| sqlx::query_as(SQL)
            .bind(&account.username)
            .bind(&account.email)
            .bind(&account.display_name)
            .bind(&account.bio)
            .bind(password_hash)
            .bind(now)
            .fetch_one(&mut *conn)
            .await)
        .map_err(|e| classify(e, "username", "invalid account"))?;
        Ok(row.into_account())
    }

    /// Records that the account's email address is its owner's.
    pub async fn mark_email_verified(
        &mut self,
        account: AccountId,
        now: DateTime<Utc>,
    ) -> Result<()> {
        const SQL: &str = "UPDATE accounts SET email_verified_at = $2 WHERE id = $1 AND email_verified_at IS NULL";
        in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(account.0)
            .bind(now)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Stores an uploaded picture (a square PNG, made by the caller) under a key named by its
    /// content, and makes it the account's choice; the key.
    pub async fn store_avatar(&mut self, account: AccountId, png: bytes::Bytes) -> Result<String> {
        use sha2::{Digest, Sha256};
        let digest = hex::encode(Sha256::digest(&png));
        let key = format!("avatars/{}-{}.png", account.0, &digest[..16]);
        self.tx.media.put(&key, png).await?;
        self.set_avatar(account, &format!("upload:{key}")).await?;
        Ok(key)
    }

    /// Sets an account's picture choice (stored form).
    pub async fn set_avatar(&mut self, account: AccountId, avatar: &str) -> Result<()> {
        const SQL: &str = "UPDATE accounts SET avatar = $2 WHERE id = $1";
        let changed = in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(account.0)
            .bind(avatar)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
        crate::found(changed)
    }

    /// Replaces an account's profile (validated).
    pub async fn set_profile(&mut self, account: AccountId, profile: &Profile) -> Result<()> {
        const SQL: &str =
            "UPDATE accounts SET display_name = $2, website = $3, bio = $4 WHERE id = $1";
        let done = in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(account.0)
            .bind(&profile.display_name)
            .bind(&profile.website)
            .bind(&profile.bio)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Stores a new application password; its id.
    pub async fn insert_app_password(
        &mut self,
        account: AccountId,
        name: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        const SQL: &str = "INSERT INTO app_passwords (account_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id";
        Ok(in_tx!(self.tx, |conn| sqlx::query_scalar(SQL)
            .bind(account.0)
            .bind(name)
            .bind(token_hash)
            .bind(now)
            .fetch_one(&mut *conn)
            .await)?)
    }

    /// Revokes one of an account's application passwords; whether it had it.
    pub async fn delete_app_password(&mut self, account: AccountId, id: i64) -> Result<bool> {
        const SQL: &str = "DELETE FROM app_passwords WHERE id = $1 AND account_id = $2";
        let done = in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(id)
            .bind(account.0)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// Replaces an account's password hash.
    pub async fn set_password_hash(&mut self, account: AccountId, hash: &str) -> Result<()> {
        const SQL: &str = "UPDATE accounts SET password_hash = $2 WHERE id = $1";
        let done = in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(account.0)
            .bind(hash)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Turns a member of a site away (`Some(when)`) or lets them back (`None`). `false` when the
    /// account has no role there.
    pub async fn set_disabled(
        &mut self,
        site: SiteId,
        account: AccountId,
        disabled_at: Option<DateTime<Utc>>,
    ) -> Result<bool> {
        const SQL: &str =
            "UPDATE site_members SET disabled_at = $3 WHERE site_id = $1 AND account_id = $2";
        let done = in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(site.0)
            .bind(account.0)
            .bind(disabled_at)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// How many administrators of the site may use their role, as this transaction sees it.
    pub async fn active_administrators(&mut self, site: SiteId) -> Result<i64> {
        const SQL: &str = "SELECT COUNT(*) FROM site_members \
                           WHERE site_id = $1 AND role = 'administrator' AND disabled_at IS NULL";
        Ok(in_tx!(self.tx, |conn| sqlx::query_scalar(SQL)
            .bind(site.0)
            .fetch_one(&mut *conn)
            .await)?)
    }

    /// The account's role on a site, as this transaction sees it (turned away or not).
    pub async fn role_of(&mut self, site: SiteId, account: AccountId) -> Result<Option<Role>> {
        const SQL: &str = "SELECT role FROM site_members WHERE site_id = $1 AND account_id = $2";
        let role: Option<String> = in_tx!(self.tx, |conn| sqlx::query_scalar(SQL)
            .bind(site.0)
            .bind(account.0)
            .fetch_optional(&mut *conn)
            .await)?;
        role.map(|r| {
            r.parse()
                .map_err(|e: encore_core::roles::UnknownRole| StoreError::Corrupt(e.to_string()))
        })
        .transpose()
    }

    /// Gives an account a role on a site, replacing any role it had there.
    pub async fn set_role(
        &mut self,
        site: SiteId,
        account: AccountId,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<()> {
        const SQL: &str = "INSERT INTO site_members (site_id, account_id, role, created_at) VALUES ($1, $2, $3, $4) \
                           ON CONFLICT (site_id, account_id) DO UPDATE SET role = excluded.role";
        in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(site.0)
            .bind(account.0)
            .bind(role.as_str())
            .bind(now)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))
        .map_err(|e| classify(e, "role", "no such site or account"))?;
        Ok(())
    }
}
