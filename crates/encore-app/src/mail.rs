//! Mail: written to the outbox in the transaction of the use case that sends it, delivered by a
//! worker over SMTP.
//!
//! A mail is never lost: it is committed before the page that promised it is answered, and the
//! job that sends it is tried again with growing pauses while the SMTP server is away, then
//! given up (with its last error kept) after about a day.

use crate::App;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
};
use std::time::Duration;

/// How long one SMTP delivery may take.
const SEND_TIMEOUT: Duration = Duration::from_secs(60);

/// Where mail goes out.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: never print it.
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl Mailer {
    /// A mailer for an SMTP URL: `smtp://host:587` (STARTTLS required), `smtps://host:465`
    /// (TLS), `smtp://host:25?tls=none` for a server on this machine; a user and password may
    /// come in the URL. `from` is the sender, e.g. `Blog <blog@example.org>`.
    pub fn new(smtp_url: &str, from: &str) -> std::result::Result<Mailer, String> {
        let from = Self::check(smtp_url, from)?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&transport_url(smtp_url))
            .map_err(|e| format!("smtp.url is not usable: {e}"))?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        Ok(Mailer { transport, from })
    }

    /// Checks the settings without connecting (or needing a runtime); the sender, parsed.
    pub fn check(smtp_url: &str, from: &str) -> std::result::Result<Mailbox, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("smtp.from {from:?} is not an address: {e}"))?;
        AsyncSmtpTransport::<Tokio1Executor>::from_url(&transport_url(smtp_url)).map_err(|e| {
            format!(
                "smtp.url is not usable ({e}); expected smtp://HOST:587, smtps://HOST:465 or smtp://HOST:25?tls=none"
            )
        })?;
        Ok(from)
    }
}

/// Encore's SMTP URL in lettre's terms. Plain `smtp://` means STARTTLS required (lettre would
/// send it unencrypted, passwords included); `?tls=none` asks for no encryption, for a relay on
/// the same machine.
fn transport_url(smtp_url: &str) -> String {
    let (base, query) = smtp_url.split_once('?').unwrap_or((smtp_url, ""));
    let mut pairs: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    if base.starts_with("smtp://") {
        match pairs.iter().find_map(|p| p.strip_prefix("tls=")) {
            None => pairs.push("tls=required"),
            Some("none") => pairs.retain(|p| *p != "tls=none"),
            Some(_) => {}
        }
    }
    if pairs.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", pairs.join("&"))
    }
}

/// Sends the mail of a `mail` job.
pub(crate) async fn send(
    app: &App,
    mailer: &Mailer,
    payload: &str,
) -> std::result::Result<(), String> {
    let id: i64 = payload
        .parse()
        .map_err(|_| format!("bad mail job {payload:?}"))?;
    let jobs = app.store().jobs();
    let mail = jobs
        .mail(id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("mail {id} is not in the outbox"))?;
    if mail.sent_at.is_some() {
        return Ok(());
    }
    let to: Mailbox = mail
        .to_address
        .parse()
        .map_err(|e| format!("{:?} is not an address: {e}", mail.to_address))?;
    let message = Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(&mail.subject)
        .date(mail.created_at.into())
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body_text.clone())
        .map_err(|e| e.to_string())?;
    mailer
        .transport
        .send(message)
        .await
        .map_err(|e| format!("SMTP: {e}"))?;
    jobs.mail_sent(id, app.clock().now())
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn plain_smtp_means_starttls_unless_told_otherwise() {
        use super::transport_url;
        assert_eq!(
            transport_url("smtp://u:p@mail.example.org:587"),
            "smtp://u:p@mail.example.org:587?tls=required"
        );
        assert_eq!(
            transport_url("smtp://127.0.0.1:25?tls=none"),
            "smtp://127.0.0.1:25"
        );
        assert_eq!(
            transport_url("smtp://h:587?tls=opportunistic"),
            "smtp://h:587?tls=opportunistic"
        );
        assert_eq!(
            transport_url("smtps://u:p@mail.example.org"),
            "smtps://u:p@mail.example.org"
        );
    }
}
