//! What the editor keeps between saves: autosaves and preview links.
//!
//! An autosave is what a writer typed and has not saved, kept every few seconds by the editor's
//! script. A preview link shows a post that is not public to whoever has it.

use crate::{Actor, App, AppError, Result, posts::may_change, sessions::random_token};
use chrono::{DateTime, Utc};
use encore_core::{
    ValidationError,
    change::Change,
    ids::{PostId, SiteId},
    roles::Capability,
};
use encore_store::revisions::Autosave;

/// The most an autosave may hold (the editor's form, as JSON).
pub const MAX_AUTOSAVE_BYTES: usize = 1024 * 1024;

/// Checks that `actor` may write `post` (`None`: a new one).
async fn may_write_post(app: &App, actor: Actor, site: SiteId, post: Option<PostId>) -> Result<()> {
    match post {
        Some(id) => {
            let mut tx = app.store().begin().await?;
            let placement = tx
                .posts()
                .placement(site, id)
                .await?
                .ok_or(AppError::NotFound("post"))?;
            may_change(actor, &placement)
        }
        None => actor.require(Capability::EditOwnDrafts, "write posts"),
    }
}

/// Keeps what `actor` typed for `post` (`None`: a post not saved yet), over what was kept before;
/// when it was kept. `fields` is the editor's form as JSON.
pub async fn autosave(
    app: &App,
    actor: Actor,
    site: SiteId,
    post: Option<PostId>,
    fields: &str,
) -> Result<DateTime<Utc>> {
    let Some(account) = actor.account() else {
        return Err(AppError::Forbidden("autosave without an account"));
    };
    if fields.len() > MAX_AUTOSAVE_BYTES {
        return Err(ValidationError::new(
            "body",
            format!("is too long to keep: at most {MAX_AUTOSAVE_BYTES} bytes"),
        )
        .into());
    }
    may_write_post(app, actor, site, post).await?;
    let now = app.clock().now();
    let mut tx = app.store().begin().await?;
    tx.posts()
        .keep_autosave(site, account, post, fields, now)
        .await?;
    // Nobody but the writer sees an autosave.
    app.commit(tx, Change::default()).await?;
    Ok(now)
}

/// What `actor` typed for `post` (`None`: a new post) and has not saved, if anything.
pub async fn autosaved(
    app: &App,
    actor: Actor,
    site: SiteId,
    post: Option<PostId>,
) -> Result<Option<Autosave>> {
    let Some(account) = actor.account() else {
        return Ok(None);
    };
    Ok(app.store().posts().autosave(site, account, post).await?)
}

/// Forgets what `actor` typed for `post` and did not save.
pub async fn discard_autosave(
    app: &App,
    actor: Actor,
    site: SiteId,
    post: Option<PostId>,
) -> Result<()> {
    let Some(account) = actor.account() else {
        return Ok(());
    };
    let mut tx = app.store().begin().await?;
    tx.posts().drop_autosave(site, Some(account), post).await?;
    app.commit(tx, Change::default()).await?;
    Ok(())
}

/// Shares post `id` through a new preview link (an earlier one stops working); the link's token.
pub async fn share_preview(app: &App, actor: Actor, site: SiteId, id: PostId) -> Result<String> {
    may_write_post(app, actor, site, Some(id)).await?;
    let token = random_token()?;
    let mut tx = app.store().begin().await?;
    if !tx.posts().set_preview_token(site, id, Some(&token)).await? {
        return Err(AppError::NotFound("post"));
    }
    app.commit(tx, Change::default()).await?;
    Ok(token)
}

/// Stops sharing post `id`: its preview link no longer works.
pub async fn stop_preview(app: &App, actor: Actor, site: SiteId, id: PostId) -> Result<()> {
    may_write_post(app, actor, site, Some(id)).await?;
    let mut tx = app.store().begin().await?;
    if !tx.posts().set_preview_token(site, id, None).await? {
        return Err(AppError::NotFound("post"));
    }
    app.commit(tx, Change::default()).await?;
    Ok(())
}
