//! Joining a site: open sign-up, and invitations the owner mails.

use crate::{
    Actor, App, AppError, Result,
    accounts::hash_password,
    sessions::{Started, client_network, random_token, refuse_busy_network, start_session},
};
use chrono::Duration;
use encore_core::{
    account::{NewAccount, validate_email, validate_password},
    change::Change,
    ids::{AccountId, SiteId},
    roles::{Capability, Role},
    site::Site,
};
use encore_store::sessions::{InvitationRecord, token_hash};
use std::net::IpAddr;

/// How long an invitation works.
pub const INVITATION_LIFETIME: Duration = Duration::days(7);

/// How long an email confirmation link works.
pub const CONFIRMATION_LIFETIME: Duration = Duration::days(2);
/// Confirmation mails one account receives in a day at most.
pub const CONFIRMATIONS_PER_DAY: i64 = 5;

/// Writes a link that confirms `email` for `account`, and the mail that carries it, in `tx`.
async fn mail_confirmation(
    tx: &mut encore_store::Tx,
    site: &Site,
    account: AccountId,
    email: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let token = random_token()?;
    tx.sessions()
        .insert_confirmation(
            &token_hash(&token),
            account,
            email,
            now,
            now + CONFIRMATION_LIFETIME,
        )
        .await?;
    let link = site.url(&format!("/account/confirm/{token}"));
    let body = format!(
        "Someone, hopefully you, made an account with this address on {}.\n\n\
         To confirm that the address is yours, open this link within two days:\n\n{link}\n\n\
         If it was not you, ignore this mail.\n",
        site.title
    );
    tx.jobs()
        .mail(
            email,
            &format!("Confirm your address on {}", site.title),
            &body,
            now,
        )
        .await?;
    Ok(())
}

/// Mails the account's address a new confirmation link, unless it is confirmed already or
/// [`CONFIRMATIONS_PER_DAY`] went out in the last day.
pub async fn resend_confirmation(app: &App, site: &Site, account: AccountId) -> Result<()> {
    if app.store().accounts().email_verified(account).await? {
        return Ok(());
    }
    let email = app
        .store()
        .accounts()
        .email(account)
        .await?
        .ok_or(AppError::NotFound("account"))?;
    let now = app.clock().now();
    let mut tx = app.store().begin().await?;
    if tx
        .sessions()
        .confirmations_since(account, now - Duration::days(1))
        .await?
        >= CONFIRMATIONS_PER_DAY
    {
        return Err(AppError::Throttled {
            retry_after_seconds: Duration::days(1).num_seconds().unsigned_abs(),
        });
    }
    mail_confirmation(&mut tx, site, account, &email, now).await?;
    app.commit(tx, Change::default()).await?;
    Ok(())
}

/// Confirms the address a link was mailed to; the account. A used or late link, or one for an
/// address the account no longer has, is [`AppError::LinkSpent`].
pub async fn confirm_email(app: &App, token: &str) -> Result<AccountId> {
    if token.len() != 64 {
        return Err(AppError::LinkSpent);
    }
    let now = app.clock().now();
    let mut tx = app.store().begin().await?;
    let Some(account) = tx
        .sessions()
        .use_confirmation(&token_hash(token), now)
        .await?
    else {
        return Err(AppError::LinkSpent);
    };
    tx.accounts().mark_email_verified(account, now).await?;
    app.commit(tx, Change::default()).await?;
    Ok(account)
}

/// What a sign-up or invitation form sends, with where it came from.
#[derive(Debug, Clone, Copy)]
pub struct Joining<'a> {
    /// The login name wanted.
    pub username: &'a str,
    /// The name to show (the username when empty).
    pub display_name: &'a str,
    /// The email address (an invitation's own address wins).
    pub email: &'a str,
    /// The password chosen.
    pub password: &'a str,
    /// The browser's `User-Agent`.
    pub user_agent: &'a str,
    /// The client's address.
    pub client: IpAddr,
}

/// Opens or closes sign-up on a site.
pub async fn set_signup(app: &App, actor: Actor, site: SiteId, open: bool) -> Result<()> {
    actor.require(Capability::ManageSite, "change who may sign up")?;
    let mut tx = app.store().begin().await?;
    tx.sites().set_signup(site, open).await?;
    app.commit(tx, Change::default()).await?;
    Ok(())
}

/// Mails an invitation to join `site` with `role` to `email`; the link, which works once, for a
/// week. The mail waits in the outbox until a worker sends it.
pub async fn invite(
    app: &App,
    actor: Actor,
    site: &Site,
    email: &str,
    role: Role,
) -> Result<String> {
    actor.require(Capability::ManageSite, "invite people")?;
    let email = email.trim().to_lowercase();
    validate_email(&email)?;
    let now = app.clock().now();
    let token = random_token()?;
    let link = site.url(&format!("/account/invite/{token}"));
    let invitation = InvitationRecord {
        site_id: site.id,
        email: email.clone(),
        role: role.as_str().to_owned(),
        expires_at: now + INVITATION_LIFETIME,
        used_at: None,
    };
    let body = format!(
        "You are invited to join {} as {} {role}.\n\nTo choose a username and a password, open this link within a week:\n\n{link}\n\n\
         If you do not want to join, ignore this mail.\n",
        site.title,
        if matches!(role, Role::Administrator | Role::Editor | Role::Author) {
            "an"
        } else {
            "a"
        },
    );
    let mut tx = app.store().begin().await?;
    tx.sessions()
        .insert_invitation(&token_hash(&token), &invitation, now)
        .await?;
    tx.jobs()
        .mail(&email, &format!("Join {}", site.title), &body, now)
        .await?;
    app.commit(tx, Change::default()).await?;
    Ok(link)
}

/// The invitation a link names, while it works.
pub async fn invitation(app: &App, token: &str) -> Result<Option<InvitationRecord>> {
    if token.len() != 64 {
        return Ok(None);
    }
    let now = app.clock().now();
    Ok(app
        .store()
        .sessions()
        .invitation(&token_hash(token))
        .await?
        .filter(|i| i.used_at.is_none() && i.expires_at > now))
}

/// Makes the account an invitation offers, with its role and its (now verified) address, uses
/// the invitation up and signs the new account in.
pub async fn accept_invitation(app: &App, token: &str, joining: Joining<'_>) -> Result<Started> {
    let Some(found) = invitation(app, token).await? else {
        return Err(AppError::LinkSpent);
    };
    let role: Role = found
        .role
        .parse()
        .map_err(|e| AppError::Store(encore_store::StoreError::Corrupt(format!("{e}"))))?;
    let account = NewAccount {
        username: joining.username.into(),
        email: found.email.clone(),
        display_name: joining.display_name.into(),
        bio: String::new(),
    }
    .validate()?;
    let hash = hashed(joining.password).await?;
    let now = app.clock().now();
    let mut tx = app.store().begin().await?;
    // Used in the transaction that makes the account: of two racing uses, one wins.
    let Some(found) = tx
        .sessions()
        .use_invitation(&token_hash(token), now)
        .await?
    else {
        return Err(AppError::LinkSpent);
    };
    let created = tx.accounts().insert(&account, Some(&hash), now).await?;
    tx.accounts()
        .set_role(found.site_id, created.id, role, now)
        .await?;
    tx.accounts().mark_email_verified(created.id, now).await?;
    let client = client_network(joining.client);
    let started = start_session(&mut tx, created.id, joining.user_agent, &client, now).await?;
    app.commit(tx, Change::default()).await?;
    Ok(started)
}

/// Makes a subscriber account on a site whose sign-up is open, and signs it in.
///
/// A link that confirms the address is mailed. Each sign-up counts against the client's network
/// like a failed sign-in, so one place cannot make accounts by the hundred.
pub async fn sign_up(app: &App, site: &Site, joining: Joining<'_>) -> Result<Started> {
    if !app.store().sites().signup_open(site.id).await? {
        return Err(AppError::Forbidden(
            "sign up here; ask the blog's owner for an invitation",
        ));
    }
    let client = client_network(joining.client);
    let now = app.clock().now();
    refuse_busy_network(app, &client, now).await?;
    let account = NewAccount {
        username: joining.username.into(),
        email: joining.email.into(),
        display_name: joining.display_name.into(),
        bio: String::new(),
    }
    .validate()?;
    let hash = hashed(joining.password).await?;
    let mut tx = app.store().begin().await?;
    tx.sessions()
        .record_failure(&format!("signup:{}", account.username), &client, now)
        .await?;
    let created = tx.accounts().insert(&account, Some(&hash), now).await?;
    tx.accounts()
        .set_role(site.id, created.id, Role::Subscriber, now)
        .await?;
    mail_confirmation(&mut tx, site, created.id, &account.email, now).await?;
    let started = start_session(&mut tx, created.id, joining.user_agent, &client, now).await?;
    app.commit(tx, Change::default()).await?;
    Ok(started)
}

/// Checks a new password and hashes it off the threads that answer requests.
async fn hashed(password: &str) -> Result<String> {
    validate_password(password)?;
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Store(encore_store::StoreError::Config(e.to_string())))?
}
