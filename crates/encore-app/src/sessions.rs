//! Signing in and out: sessions, throttled sign-ins, and password changes.
//!
//! A session is a random token in a cookie; the database keeps only its hash. A sign-in that
//! fails says the same whether or not the account exists, takes as long either way, and counts
//! against both what was typed and the client's network, so guessing is slow from one place and
//! against one account from many.

use crate::{
    App, AppError, Result,
    accounts::{hash_password, verify_password},
};
use chrono::{DateTime, Duration, Utc};
use encore_core::{
    account::validate_password, change::Change, error::ValidationError, ids::AccountId,
};
use encore_store::sessions::{NewSession, SessionRecord, token_hash};
use std::{net::IpAddr, sync::LazyLock};

/// How long a session lasts.
pub const SESSION_LIFETIME: Duration = Duration::days(14);
/// The window failed sign-ins are counted in.
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);
/// Failed sign-ins allowed for one username or email in [`FAILURE_WINDOW`].
pub const FAILURES_PER_LOGIN: i64 = 5;
/// Failed sign-ins allowed from one client network in [`FAILURE_WINDOW`].
pub const FAILURES_PER_CLIENT: i64 = 20;

/// What a sign-in form sends, with where it came from.
#[derive(Debug, Clone, Copy)]
pub struct SignIn<'a> {
    /// A username or an email address.
    pub login: &'a str,
    /// The password typed.
    pub password: &'a str,
    /// The browser's `User-Agent`.
    pub user_agent: &'a str,
    /// The client's address.
    pub client: IpAddr,
}

/// A session just begun: the cookie value (shown once, never stored) and its form token.
#[derive(Debug, Clone)]
pub struct Started {
    /// The cookie value.
    pub token: String,
    /// The token the session's forms carry.
    pub csrf: String,
    /// Who signed in.
    pub account: AccountId,
    /// When the session ends.
    pub expires_at: DateTime<Utc>,
}

/// The network a client's failures count against: the address for IPv4, the /64 for IPv6 (one
/// household or server is given a whole /64).
pub fn client_network(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// Refuses a request from a client network that failed to sign in, asked for resets or signed
/// up [`FAILURES_PER_CLIENT`] times in the last [`FAILURE_WINDOW`].
pub(crate) async fn refuse_busy_network(app: &App, client: &str, now: DateTime<Utc>) -> Result<()> {
    let recent = app
        .store()
        .sessions()
        .failures_from(client, now - FAILURE_WINDOW)
        .await?;
    if recent >= FAILURES_PER_CLIENT {
        return Err(AppError::Throttled {
            retry_after_seconds: FAILURE_WINDOW.num_seconds().unsigned_abs(),
        });
    }
    Ok(())
}

/// A hash that matches no password, verified when a sign-in names no account with a password,
/// so that such a refusal takes as long as a wrong password.
static DECOY: LazyLock<Option<String>> =
    LazyLock::new(|| hash_password("no account has this password").ok());

/// What is kept of a guest browser's cookie (a like, a comment's writer): its SHA-256, so
/// that the stored key cannot be sent back as the cookie.
pub fn browser_key(cookie: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(cookie.as_bytes()))
}

/// Random bytes as hex, from the operating system; fails rather than use a weaker source.
pub fn random_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| {
        AppError::Store(encore_store::StoreError::Config(format!(
            "no randomness for a session token: {e}"
        )))
    })?;
    Ok(hex::encode(bytes))
}

/// Signs in with a username or email and a password, and begins a session.
///
/// Refused with [`AppError::Throttled`] after too many failures for the login or from the
/// client's network (even with the right password), and with [`AppError::SignInRefused`] when
/// the two do not match — the same answer whether or not the account exists.
pub async fn sign_in(app: &App, form: SignIn<'_>) -> Result<Started> {
    let login = form.login.trim().to_lowercase();
    if login.is_empty() {
        return Err(ValidationError::new("login", "enter your username or email address").into());
    }
    if form.password.is_empty() {
        return Err(ValidationError::new("password", "enter your password").into());
    }
    if login.len() > 254 || form.password.len() > 1024 {
        return Err(AppError::SignInRefused);
    }
    let client = client_network(form.client);
    let now = app.clock().now();
    let (by_login, by_client) = app
        .store()
        .sessions()
        .failures_since(&login, &client, now - FAILURE_WINDOW)
        .await?;
    if by_login >= FAILURES_PER_LOGIN || by_client >= FAILURES_PER_CLIENT {
        return Err(AppError::Throttled {
            retry_after_seconds: FAILURE_WINDOW.num_seconds().unsigned_abs(),
        });
    }
    let found = app.store().accounts().for_sign_in(&login).await?;
    // Verifying is slow on purpose (argon2id); keep it off the threads that answer requests.
    let password = form.password.to_owned();
    let (account, hash) = match found {
        Some((account, Some(hash))) => (Some(account), hash),
        _ => (None, DECOY.clone().unwrap_or_default()),
    };
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    let mut tx = app.store().begin().await?;
    let account = match account {
        Some(account) if matches => account,
        _ => {
            tx.sessions().record_failure(&login, &client, now).await?;
            app.commit(tx, Change::default()).await?;
            return Err(AppError::SignInRefused);
        }
    };
    let started = start_session(&mut tx, account.id, form.user_agent, &client, now).await?;
    tx.sessions().prune(now, now - Duration::days(1)).await?;
    app.commit(tx, Change::default()).await?;
    Ok(started)
}

/// Begins a session for `account` in `tx`.
pub(crate) async fn start_session(
    tx: &mut encore_store::Tx,
    account: AccountId,
    user_agent: &str,
    client: &str,
    now: DateTime<Utc>,
) -> Result<Started> {
    let token = random_token()?;
    let csrf = random_token()?;
    let expires_at = now + SESSION_LIFETIME;
    let user_agent: String = user_agent.chars().take(200).collect();
    tx.sessions()
        .insert(&NewSession {
            token_hash: &token_hash(&token),
            account,
            csrf: &csrf,
            user_agent: &user_agent,
            client,
            created_at: now,
            expires_at,
        })
        .await?;
    Ok(Started {
        token,
        csrf,
        account,
        expires_at,
    })
}

/// The live session a cookie value names, if any.
pub async fn session(app: &App, token: &str) -> Result<Option<SessionRecord>> {
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    Ok(app
        .store()
        .sessions()
        .find(&token_hash(token), app.clock().now())
        .await?)
}

/// Ends the session a cookie value names (nothing happens for one that is gone).
pub async fn sign_out(app: &App, token: &str) -> Result<()> {
    let mut tx = app.store().begin().await?;
    tx.sessions().delete(&token_hash(token)).await?;
    app.commit(tx, Change::default()).await?;
    Ok(())
}

/// Ends every session of an account but the one `keep` names; how many ended.
pub async fn sign_out_everywhere(app: &App, account: AccountId, keep: Option<&str>) -> Result<u64> {
    let keep = keep.map(token_hash);
    let mut tx = app.store().begin().await?;
    let ended = tx
        .sessions()
        .delete_for_account(account, keep.as_deref())
        .await?;
    app.commit(tx, Change::default()).await?;
    Ok(ended)
}

/// Changes an account's password after checking the current one, and ends its other sessions
/// (the one `keep` names stays signed in).
pub async fn change_password(
    app: &App,
    account: AccountId,
    current: &str,
    new: &str,
    keep: Option<&str>,
) -> Result<()> {
    let stored = app.store().accounts().password_hash(account).await?;
    let current = current.to_owned();
    let matches = match stored {
        Some(hash) => tokio::task::spawn_blocking(move || verify_password(&current, &hash))
            .await
            .unwrap_or(false),
        None => false,
    };
    if !matches {
        return Err(
            ValidationError::new("current_password", "is not your current password").into(),
        );
    }
    validate_password(new).map_err(|e| ValidationError::new("new_password", e.problem))?;
    let new = new.to_owned();
    let hash = tokio::task::spawn_blocking(move || hash_password(&new))
        .await
        .map_err(|e| AppError::Store(encore_store::StoreError::Config(e.to_string())))??;
    let keep = keep.map(token_hash);
    let mut tx = app.store().begin().await?;
    tx.accounts().set_password_hash(account, &hash).await?;
    tx.sessions()
        .delete_for_account(account, keep.as_deref())
        .await?;
    app.commit(tx, Change::default()).await?;
    Ok(())
}

/// How long a password reset link works.
pub const RESET_LIFETIME: Duration = Duration::hours(1);
/// Reset mails one account receives in an hour at most; more requests are answered the same
/// way but send nothing.
pub const RESETS_PER_HOUR: i64 = 3;

/// Asks for a password reset link for the account a username or email names.
///
/// The link (on `site`) is mailed to the account's address. Answers the same whether or not
/// there is such an account; counts against the client's network like a failed sign-in.
pub async fn request_password_reset(
    app: &App,
    site: &encore_core::site::Site,
    login: &str,
    client: IpAddr,
) -> Result<()> {
    let login = login.trim().to_lowercase();
    if login.is_empty() {
        return Err(ValidationError::new("login", "enter your username or email address").into());
    }
    if login.len() > 254 {
        return Ok(());
    }
    let client = client_network(client);
    let now = app.clock().now();
    refuse_busy_network(app, &client, now).await?;
    let found = app.store().accounts().for_sign_in(&login).await?;
    let mut tx = app.store().begin().await?;
    tx.sessions()
        .record_failure(&format!("reset:{login}"), &client, now)
        .await?;
    if let Some((account, _)) = found
        && let Some(email) = app.store().accounts().email(account.id).await?
        && tx
            .sessions()
            .resets_since(account.id, now - Duration::hours(1))
            .await?
            < RESETS_PER_HOUR
    {
        let token = random_token()?;
        tx.sessions()
            .insert_reset(&token_hash(&token), account.id, now, now + RESET_LIFETIME)
            .await?;
        let link = site.url(&format!("/account/reset/{token}"));
        let body = format!(
            "Someone, hopefully you, asked to reset the password of the account \"{}\" on {}.\n\n\
             To choose a new password, open this link within an hour:\n\n{link}\n\n\
             If you did not ask for this, ignore this mail: your password stays as it is.\n",
            account.username, site.title
        );
        tx.jobs()
            .mail(
                &email,
                &format!("Reset your password on {}", site.title),
                &body,
                now,
            )
            .await?;
    }
    app.commit(tx, Change::default()).await?;
    Ok(())
}

/// Whether a reset link can still be used.
pub async fn reset_link_works(app: &App, token: &str) -> Result<bool> {
    if token.len() != 64 {
        return Ok(false);
    }
    let now = app.clock().now();
    Ok(app
        .store()
        .sessions()
        .reset(&token_hash(token))
        .await?
        .is_some_and(|r| r.used_at.is_none() && r.expires_at > now))
}

/// Sets a new password through a reset link, uses the link up, and ends every session of the
/// account. A link that was used, is late or never existed is [`AppError::LinkSpent`], and
/// nothing changes.
pub async fn reset_password(app: &App, token: &str, new: &str) -> Result<AccountId> {
    if !reset_link_works(app, token).await? {
        return Err(AppError::LinkSpent);
    }
    validate_password(new).map_err(|e| ValidationError::new("new_password", e.problem))?;
    let new = new.to_owned();
    let hash = tokio::task::spawn_blocking(move || hash_password(&new))
        .await
        .map_err(|e| AppError::Store(encore_store::StoreError::Config(e.to_string())))??;
    let now = app.clock().now();
    let mut tx = app.store().begin().await?;
    // Used in the same transaction that changes the password: of two racing uses, one wins.
    let Some(account) = tx.sessions().use_reset(&token_hash(token), now).await? else {
        return Err(AppError::LinkSpent);
    };
    tx.accounts().set_password_hash(account, &hash).await?;
    tx.sessions().delete_for_account(account, None).await?;
    app.commit(tx, Change::default()).await?;
    Ok(account)
}
