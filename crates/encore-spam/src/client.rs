//! One Akismet client over three endpoints: the engine in this process, Encore's spam server at a URL, or Akismet.
//!
//! The answer is typed so that a comment pipeline can act on each case: [`Outcome::Spam`] to the spam folder,
//! [`Outcome::Discard`] dropped, [`Outcome::Ham`] published or held per moderation rules, [`Outcome::Invalid`] a
//! configuration problem for the owner, and [`Outcome::Unreachable`] held and checked again later — never published
//! unchecked.

use crate::engine::Verdict;
use crate::params::CommentValues;
use crate::service::{Refusal, Service};
use encore_core::clock::Clock;
use std::time::Duration;

/// Akismet's own API address.
pub const AKISMET_URL: &str = "https://rest.akismet.com";

/// Where checks go.
#[derive(Debug, Clone)]
pub enum Endpoint {
    /// The engine in this process, through a [`Service`] and one of its keys.
    Local {
        /// The service.
        service: Service,
        /// The key the checks are counted and learned under.
        key: String,
    },
    /// An Akismet-compatible server: `encore spam serve`, or Akismet itself at [`AKISMET_URL`].
    Http {
        /// Base address, e.g. `http://127.0.0.1:8181` or `https://rest.akismet.com`; the API paths are added to it.
        base_url: String,
        /// The API key.
        key: String,
    },
}

/// Timeouts and retries of HTTP endpoints.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Time allowed for one attempt.
    pub timeout: Duration,
    /// Attempts after the first when the endpoint cannot be reached, rate-limits, or fails.
    pub retries: u32,
    /// Wait before the first retry; doubled for each next one.
    pub backoff: Duration,
    /// The clock waits are taken on: the system clock sleeps; a manual one (in tests) is moved forward instead.
    pub clock: Clock,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(3),
            retries: 2,
            backoff: Duration::from_millis(200),
            clock: Clock::system(),
        }
    }
}

/// The answer of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Not spam.
    Ham,
    /// Spam.
    Spam,
    /// Blatant spam (`X-akismet-pro-tip: discard`).
    Discard,
    /// The endpoint refused the call (bad key, missing field); the text is its debug help.
    Invalid(String),
    /// No answer: the endpoint could not be reached, timed out, or kept failing.
    Unreachable(String),
}

/// A check's outcome and the guid to send back with a later report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// What the endpoint said.
    pub outcome: Outcome,
    /// `X-akismet-guid`, when the endpoint gave one.
    pub guid: Option<String>,
}

/// The answer of a submit-spam / submit-ham or verify-key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ack {
    /// Accepted (or, for verify-key, valid).
    Done,
    /// Refused; the text is the debug help.
    Invalid(String),
    /// No answer.
    Unreachable(String),
}

/// An Akismet client.
#[derive(Debug, Clone)]
pub struct Client {
    endpoint: Endpoint,
    options: ClientOptions,
    http: reqwest::Client,
}

impl Client {
    /// A client for an endpoint.
    pub fn new(endpoint: Endpoint, options: ClientOptions) -> Self {
        let http = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            .user_agent(concat!(
                "Encore/",
                env!("CARGO_PKG_VERSION"),
                " | encore-spam/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .unwrap_or_default();
        Self {
            endpoint,
            options,
            http,
        }
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// verify-key for a blog.
    pub async fn verify_key(&self, blog: &str) -> Ack {
        match &self.endpoint {
            Endpoint::Local { service, key } => match service.verify_key(Some(key), blog).await {
                Ok(()) => Ack::Done,
                Err(refusal) => local_ack(refusal),
            },
            Endpoint::Http { .. } => {
                let fields = vec![("blog".to_owned(), blog.to_owned())];
                match self.post("/1.1/verify-key", fields).await {
                    Ok(reply) if reply.body == "valid" => Ack::Done,
                    Ok(reply) => Ack::Invalid(reply.help()),
                    Err(error) => Ack::Unreachable(error),
                }
            }
        }
    }

    /// comment-check.
    pub async fn check(&self, values: &CommentValues) -> Answer {
        match &self.endpoint {
            Endpoint::Local { service, key } => {
                match service.comment_check(Some(key), values.clone()).await {
                    Ok(checked) => Answer {
                        outcome: match checked.judgement.verdict {
                            Verdict::Ham => Outcome::Ham,
                            Verdict::Spam => Outcome::Spam,
                            Verdict::Discard => Outcome::Discard,
                        },
                        guid: Some(checked.guid),
                    },
                    Err(Refusal::Invalid(help)) => Answer {
                        outcome: Outcome::Invalid(help),
                        guid: None,
                    },
                    Err(other) => Answer {
                        outcome: Outcome::Unreachable(other.to_string()),
                        guid: None,
                    },
                }
            }
            Endpoint::Http { .. } => {
                match self.post("/1.1/comment-check", values.to_fields()).await {
                    Ok(reply) => {
                        let outcome = match reply.body.as_str() {
                            "true" if reply.discard => Outcome::Discard,
                            "true" => Outcome::Spam,
                            "false" => Outcome::Ham,
                            _ => Outcome::Invalid(reply.help()),
                        };
                        Answer {
                            outcome,
                            guid: reply.guid,
                        }
                    }
                    Err(error) => Answer {
                        outcome: Outcome::Unreachable(error),
                        guid: None,
                    },
                }
            }
        }
    }

    /// submit-spam: the comment was spam. Send the values that were checked, and the guid of that check.
    pub async fn submit_spam(&self, values: &CommentValues, guid: Option<&str>) -> Ack {
        self.submit(values, guid, true).await
    }

    /// submit-ham: the comment was not spam. Send the values that were checked, and the guid of that check.
    pub async fn submit_ham(&self, values: &CommentValues, guid: Option<&str>) -> Ack {
        self.submit(values, guid, false).await
    }

    async fn submit(&self, values: &CommentValues, guid: Option<&str>, spam: bool) -> Ack {
        let mut values = values.clone();
        if let Some(guid) = guid {
            values.guid = guid.to_owned();
        }
        match &self.endpoint {
            Endpoint::Local { service, key } => match service.submit(Some(key), values, spam).await
            {
                Ok(()) => Ack::Done,
                Err(refusal) => local_ack(refusal),
            },
            Endpoint::Http { .. } => {
                let path = if spam {
                    "/1.1/submit-spam"
                } else {
                    "/1.1/submit-ham"
                };
                match self.post(path, values.to_fields()).await {
                    Ok(reply) if reply.body == crate::server::THANKS => Ack::Done,
                    Ok(reply) => Ack::Invalid(reply.help()),
                    Err(error) => Ack::Unreachable(error),
                }
            }
        }
    }

    /// Posts a form with the key, retrying with backoff on transport errors, timeouts, 429 and 5xx.
    async fn post(&self, path: &str, mut fields: Vec<(String, String)>) -> Result<Reply, String> {
        let Endpoint::Http { base_url, key } = &self.endpoint else {
            return Err("not an HTTP endpoint".into());
        };
        fields.insert(0, ("api_key".to_owned(), key.clone()));
        let body = crate::params::encode_form(&fields);
        let url = format!("{}{path}", base_url.trim_end_matches('/'));
        let mut wait = self.options.backoff;
        let mut last_error = String::new();
        for attempt in 0..=self.options.retries {
            if attempt > 0 {
                if self.options.clock.is_manual() {
                    self.options.clock.advance(wait);
                } else {
                    tokio::time::sleep(wait).await;
                }
                wait = wait.saturating_mul(2);
            }
            let sent = self
                .http
                .post(&url)
                .header(
                    "content-type",
                    "application/x-www-form-urlencoded; charset=utf-8",
                )
                .body(body.clone())
                .send()
                .await;
            let response = match sent {
                Ok(response) => response,
                Err(error) => {
                    last_error = format!("{url}: {error}");
                    continue;
                }
            };
            let status = response.status();
            if status.as_u16() == 429 || status.is_server_error() {
                if let Some(after) = retry_after(response.headers()) {
                    wait = wait.max(after.min(Duration::from_secs(10)));
                }
                last_error = format!("{url}: HTTP {status}");
                continue;
            }
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let guid = header("x-akismet-guid");
            let discard = header("x-akismet-pro-tip").is_some_and(|tip| tip == "discard");
            let debug_help = header("x-akismet-debug-help");
            let body = match response.text().await {
                Ok(body) => body.trim().to_owned(),
                Err(error) => {
                    last_error = format!("{url}: {error}");
                    continue;
                }
            };
            if !status.is_success() {
                return Ok(Reply {
                    body: String::new(),
                    guid,
                    discard,
                    debug_help: Some(format!("HTTP {status}: {body}")),
                });
            }
            return Ok(Reply {
                body,
                guid,
                discard,
                debug_help,
            });
        }
        Err(last_error)
    }
}

struct Reply {
    body: String,
    guid: Option<String>,
    discard: bool,
    debug_help: Option<String>,
}

impl Reply {
    fn help(&self) -> String {
        self.debug_help
            .clone()
            .unwrap_or_else(|| format!("unexpected answer {:?}", self.body))
    }
}

fn local_ack(refusal: Refusal) -> Ack {
    match refusal {
        Refusal::Invalid(help) => Ack::Invalid(help),
        other => Ack::Unreachable(other.to_string()),
    }
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers
        .get("retry-after")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds))
}
