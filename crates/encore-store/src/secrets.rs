//! Keys this instance signs with, made once and shared by every server on the database.

use crate::{Result, Tx, backend::in_tx};

/// Keys in a transaction; see [`Tx::secrets`].
pub struct SecretsTx<'a> {
    pub(crate) tx: &'a mut Tx,
}

impl SecretsTx<'_> {
    /// The key called `name`: the one stored, or `fresh` stored now if there is none yet (when
    /// two servers make one at once, both end up with the first one written).
    pub async fn get_or_keep(&mut self, name: &str, fresh: &str) -> Result<String> {
        const KEEP: &str =
            "INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING";
        const GET: &str = "SELECT value FROM secrets WHERE name = $1";
        in_tx!(self.tx, |conn| sqlx::query(KEEP)
            .bind(name)
            .bind(fresh)
            .execute(&mut *conn)
            .await
            .map(|_| ()))?;
        Ok(in_tx!(self.tx, |conn| sqlx::query_scalar::<_, String>(
            GET
        )
        .bind(name)
        .fetch_one(&mut *conn)
        .await)?)
    }
}
