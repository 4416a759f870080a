//! The comment form's time stamp: when the form was shown, signed by the server.
//!
//! The spam check weighs how long a writer took (a script fills a form in well under a second).
//! The stamp names its site and post and cannot be moved to another or back-dated.
//!
//! The post page is shared by every reader (and cached), so the stamp it carries tells when the
//! page was drawn; the page's script asks for a fresh one when a reader starts writing. A form
//! without a good stamp is checked without the measure; nothing is refused for lacking one.

use crate::{App, AppError, Result};
use chrono::{DateTime, Utc};
use encore_core::ids::{PostId, SiteId};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Bytes of the signature kept in a stamp (128 bits).
const TAG_BYTES: usize = 16;
/// How far ahead of this server's clock a stamp may claim to be (another server's clock).
const CLOCK_SLACK_SECONDS: i64 = 60;

/// A stamp for the comment form under `post` of `site`, made at `at`: `SECONDS.SIGNATURE`.
pub async fn stamp(app: &App, site: SiteId, post: PostId, at: DateTime<Utc>) -> Result<String> {
    let seconds = at.timestamp();
    let tag = mac(app, site, post, seconds).await?.finalize().into_bytes();
    Ok(format!("{seconds}.{}", hex::encode(&tag[..TAG_BYTES])))
}

/// The seconds between the making of `stamp` and `now`, if `stamp` is one this instance made for
/// the form under `post` of `site`; `None` for anything else.
pub async fn seconds_since(
    app: &App,
    site: SiteId,
    post: PostId,
    stamp: &str,
    now: DateTime<Utc>,
) -> Result<Option<u64>> {
    let Some((seconds, tag)) = stamp.trim().split_once('.') else {
        return Ok(None);
    };
    let (Ok(seconds), Ok(tag)) = (seconds.parse::<i64>(), hex::decode(tag)) else {
        return Ok(None);
    };
    if tag.len() != TAG_BYTES || seconds > now.timestamp() + CLOCK_SLACK_SECONDS {
        return Ok(None);
    }
    let good = mac(app, site, post, seconds)
        .await?
        .verify_truncated_left(&tag)
        .is_ok();
    Ok(good.then(|| u64::try_from(now.timestamp() - seconds).unwrap_or(0)))
}

async fn mac(app: &App, site: SiteId, post: PostId, seconds: i64) -> Result<Hmac<Sha256>> {
    let key = app.stamp_key().await?;
    let mut mac = Hmac::<Sha256>::new_from_slice(key)
        .map_err(|e| AppError::Store(encore_store::StoreError::Config(e.to_string())))?;
    mac.update(format!("comment-form:{}:{}:{seconds}", site.0, post.0).as_bytes());
    Ok(mac)
}
