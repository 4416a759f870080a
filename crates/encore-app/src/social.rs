//! Signing in through another service: OpenID Connect providers, and OAuth2 services that are
//! not full OpenID Connect (GitHub, Facebook, WordPress.com style: authorize → token → user).
//!
//! A sign-in goes to the provider with a `state` (stored hashed, good once, for ten minutes,
//! bound to the browser by a cookie), a PKCE challenge, and for OpenID Connect a `nonce`. When
//! the browser comes back, the state is taken out of the store before anything else, the code is
//! exchanged with the verifier, and an OpenID Connect ID token is checked: signature (the
//! provider's published keys), issuer, audience, expiry and nonce. Then:
//! - an identity linked already signs its account in;
//! - a signed-in reader who asked to link gets the identity linked;
//! - an address the provider vouches for that an account has confirmed links to that account;
//! - otherwise a new subscriber is made, unless the address belongs to an account already (then
//!   the reader is told to sign in and link from the account page, never merged silently).

use crate::{
    App, AppError, Result,
    sessions::{Started, client_network, random_token, start_session},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use encore_core::{account::NewAccount, change::Change, ids::AccountId, roles::Role, site::Site};
use encore_store::{
    logins::{LinkedLogin, LoginState},
    sessions::token_hash,
};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::{
    net::IpAddr,
    sync::{Arc, PoisonError, RwLock},
};

/// How long a sign-in may stay at the provider.
pub const STATE_LIFETIME: Duration = Duration::minutes(10);
/// How long a provider's discovery document and keys are trusted before being read again.
const DISCOVERY_LIFETIME: Duration = Duration::hours(1);

/// Which protocol a provider speaks, with what that needs.
#[derive(Debug, Clone)]
pub enum Protocol {
    /// OpenID Connect: everything else is found from the issuer's discovery document.
    OpenIdConnect {
        /// The issuer, e.g. `https://accounts.example.org`.
        issuer: String,
    },
    /// OAuth2 with a user-information endpoint.
    OAuth2(OAuth2Endpoints),
}

/// Where an OAuth2 service's steps are, and how its user record reads.
#[derive(Debug, Clone)]
pub struct OAuth2Endpoints {
    /// Where the browser is sent to authorise.
    pub authorize_url: String,
    /// Where the code is exchanged for an access token.
    pub token_url: String,
    /// Where the user's record is read with the token.
    pub userinfo_url: String,
    /// The field holding the user's stable id.
    pub subject_field: String,
    /// The field holding the address.
    pub email_field: String,
    /// The field holding the shown name.
    pub name_field: String,
    /// The field holding a login name, if the service has one.
    pub username_field: String,
    /// Whether the service only ever gives out addresses it has confirmed.
    pub email_trusted: bool,
}

impl OAuth2Endpoints {
    /// The endpoints and fields of a well-known service: `github`, `facebook` or `wordpress`
    /// (WordPress.com).
    pub fn preset(name: &str) -> Option<(OAuth2Endpoints, &'static str)> {
        let make = |authorize: &str, token: &str, user: &str, fields: [&str; 4], trusted| {
            OAuth2Endpoints {
                authorize_url: authorize.into(),
                token_url: token.into(),
                userinfo_url: user.into(),
                subject_field: fields[0].into(),
                email_field: fields[1].into(),
                name_field: fields[2].into(),
                username_field: fields[3].into(),
                email_trusted: trusted,
            }
        };
        Some(match name {
            "github" => (
                make(
                    "https://github.com/login/oauth/authorize",
                    "https://github.com/login/oauth/access_token",
                    "https://api.github.com/user",
                    ["id", "email", "name", "login"],
                    false,
                ),
                "read:user user:email",
            ),
            "facebook" => (
                make(
                    "https://www.facebook.com/v19.0/dialog/oauth",
                    "https://graph.facebook.com/v19.0/oauth/access_token",
                    "https://graph.facebook.com/me?fields=id,name,email",
                    ["id", "email", "name", ""],
                    true,
                ),
                "email public_profile",
            ),
            "wordpress" => (
                make(
                    "https://public-api.wordpress.com/oauth2/authorize",
                    "https://public-api.wordpress.com/oauth2/token",
                    "https://public-api.wordpress.com/rest/v1.1/me",
                    ["ID", "email", "display_name", "username"],
                    false,
                ),
                "auth",
            ),
            _ => return None,
        })
    }
}

/// A configured provider.
#[derive(Debug, Clone)]
pub struct Provider {
    /// A short name used in addresses (`/account/login/{id}`) and stored with identities.
    pub id: String,
    /// The button's words ("Sign in with …").
    pub label: String,
    /// The protocol and its endpoints.
    pub protocol: Protocol,
    /// The client id registered with the provider.
    pub client_id: String,
    /// The client secret registered with the provider.
    pub client_secret: String,
    /// The scopes asked for.
    pub scopes: String,
}

impl Provider {
    /// Checks what a configuration gives: an id of letters, digits and `-`, an http(s) issuer or
    /// endpoints, a client id.
    pub fn check(&self) -> std::result::Result<(), String> {
        let id_ok = (1..=40).contains(&self.id.len())
            && self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !id_ok {
            return Err(format!(
                "login provider id {:?} must be 1 to 40 lower-case letters, digits or '-'",
                self.id
            ));
        }
        let urls: Vec<&str> = match &self.protocol {
            Protocol::OpenIdConnect { issuer } => vec![issuer],
            Protocol::OAuth2(e) => vec![&e.authorize_url, &e.token_url, &e.userinfo_url],
        };
        for url in urls {
            match url::Url::parse(url) {
                Ok(u) if matches!(u.scheme(), "https" | "http") => {}
                _ => {
                    return Err(format!(
                        "login provider {}: {url:?} is not an http(s) address",
                        self.id
                    ));
                }
            }
        }
        if self.client_id.is_empty() {
            return Err(format!("login provider {} needs a client_id", self.id));
        }
        Ok(())
    }
}

/// The endpoints in use, found by discovery or configured.
#[derive(Debug)]
struct Endpoints {
    authorize: String,
    token: String,
    userinfo: Option<String>,
    /// OpenID Connect: the issuer the ID token must name and the keys that sign it.
    oidc: Option<(String, jsonwebtoken::jwk::JwkSet)>,
    read_at: DateTime<Utc>,
}

#[derive(Debug)]
struct Entry {
    provider: Provider,
    endpoints: RwLock<Option<Arc<Endpoints>>>,
}

/// The configured providers, with what was learnt of each, and an HTTP client to reach them.
#[derive(Debug, Clone)]
pub struct Social {
    entries: Arc<Vec<Entry>>,
    /// Made on first use: a TLS client with its root certificates costs memory that a site
    /// without providers should not pay.
    client: Arc<std::sync::OnceLock<reqwest::Client>>,
}

impl Default for Social {
    fn default() -> Self {
        Social::new(Vec::new())
    }
}

/// A provider as a sign-in page lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Button {
    /// Its id.
    pub id: String,
    /// Its label.
    pub label: String,
}

impl Social {
    /// The providers, as configured (see [`Provider::check`]).
    pub fn new(providers: Vec<Provider>) -> Social {
        Social {
            entries: Arc::new(
                providers
                    .into_iter()
                    .map(|provider| Entry {
                        provider,
                        endpoints: RwLock::new(None),
                    })
                    .collect(),
            ),
            client: Arc::default(),
        }
    }

    /// The HTTP client that talks to providers: short timeouts, no redirects followed.
    fn http(&self) -> &reqwest::Client {
        self.client.get_or_init(|| {
            reqwest::Client::builder()
                .connect_timeout(std::time::Duration::from_secs(5))
                .timeout(std::time::Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("Encore/", env!("CARGO_PKG_VERSION")))
                .build()
                .unwrap_or_default()
        })
    }

    /// The providers to offer, in the configuration's order.
    pub fn buttons(&self) -> Vec<Button> {
        self.entries
            .iter()
            .map(|e| Button {
                id: e.provider.id.clone(),
                label: e.provider.label.clone(),
            })
            .collect()
    }

    /// The origins a sign-in form may send the browser on to (for the page's
    /// `Content-Security-Policy: form-action`): each issuer or authorisation address, and each
    /// discovered authorisation endpoint.
    pub fn form_action_sources(&self) -> Vec<String> {
        let mut origins: Vec<String> = Vec::new();
        for entry in self.entries.iter() {
            let mut urls = vec![match &entry.provider.protocol {
                Protocol::OpenIdConnect { issuer } => issuer.clone(),
                Protocol::OAuth2(e) => e.authorize_url.clone(),
            }];
            if let Some(known) = &*entry
                .endpoints
                .read()
                .unwrap_or_else(PoisonError::into_inner)
            {
                urls.push(known.authorize.clone());
            }
            for url in urls {
                if let Ok(url) = url::Url::parse(&url) {
                    let origin = url.origin().ascii_serialization();
                    if origin != "null" && !origins.contains(&origin) {
                        origins.push(origin);
                    }
                }
            }
        }
        origins
    }

    /// The label of a provider, or its id when it is no longer configured.
    pub fn label(&self, id: &str) -> String {
        self.entry(id)
            .map_or_else(|| id.to_owned(), |e| e.provider.label.clone())
    }

    fn entry(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.provider.id == id)
    }

    /// The provider's endpoints: from memory while fresh, else discovered (OpenID Connect) or
    /// configured (OAuth2). `fresh_keys` reads the signing keys again (a key id was unknown).
    async fn endpoints(
        &self,
        entry: &Entry,
        now: DateTime<Utc>,
        fresh_keys: bool,
    ) -> Result<Arc<Endpoints>> {
        if !fresh_keys
            && let Some(known) = &*entry
                .endpoints
                .read()
                .unwrap_or_else(PoisonError::into_inner)
            && now - known.read_at < DISCOVERY_LIFETIME
        {
            return Ok(known.clone());
        }
        let provider = &entry.provider;
        let found = match &provider.protocol {
            Protocol::OAuth2(e) => Endpoints {
                authorize: e.authorize_url.clone(),
                token: e.token_url.clone(),
                userinfo: Some(e.userinfo_url.clone()),
                oidc: None,
                read_at: now,
            },
            Protocol::OpenIdConnect { issuer } => {
                #[derive(Deserialize)]
                struct Discovery {
                    issuer: String,
                    authorization_endpoint: String,
                    token_endpoint: String,
                    userinfo_endpoint: Option<String>,
                    jwks_uri: String,
                }
                let url = format!(
                    "{}/.well-known/openid-configuration",
                    issuer.trim_end_matches('/')
                );
                let doc: Discovery = self.get_json(provider, &url, None).await?;
                if doc.issuer != *issuer {
                    return Err(down(
                        provider,
                        "its discovery document names another issuer",
                    ));
                }
                let keys: jsonwebtoken::jwk::JwkSet =
                    self.get_json(provider, &doc.jwks_uri, None).await?;
                Endpoints {
                    authorize: doc.authorization_endpoint,
                    token: doc.token_endpoint,
                    userinfo: doc.userinfo_endpoint,
                    oidc: Some((doc.issuer, keys)),
                    read_at: now,
                }
            }
        };
        let found = Arc::new(found);
        *entry
            .endpoints
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(found.clone());
        Ok(found)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        provider: &Provider,
        url: &str,
        bearer: Option<&str>,
    ) -> Result<T> {
        let mut request = self.http().get(url).header("accept", "application/json");
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .map_err(|e| down(provider, &without_url(&e)))?;
        if !response.status().is_success() {
            return Err(down(
                provider,
                &format!("it answered {}", response.status().as_u16()),
            ));
        }
        response.json().await.map_err(|_| {
            down(
                provider,
                "its answer was not what OpenID Connect or OAuth2 sends",
            )
        })
    }
}

/// The error of a provider that cannot be reached or answers nonsense.
fn down(provider: &Provider, why: &str) -> AppError {
    AppError::ProviderDown(format!(
        "{} cannot be reached ({why}); try again later",
        provider.label
    ))
}

/// A refused sign-in (a bad or late state, a token that does not check out).
fn refused(why: &str) -> AppError {
    AppError::LoginRefused(why.to_owned())
}

/// A reqwest error without its URL (which may carry a code or a token).
fn without_url(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "it did not answer in time".into()
    } else if err.is_connect() {
        "no connection".into()
    } else {
        "the request failed".into()
    }
}

/// A sign-in begun: where to send the browser, and the value of the cookie that binds the
/// sign-in to it.
#[derive(Debug, Clone)]
pub struct Begun {
    /// The provider's authorisation address with every parameter.
    pub redirect: String,
    /// The cookie value (only its hash is stored).
    pub browser: String,
}

/// The address a provider sends the browser back to.
pub fn callback_url(site: &Site, provider: &str) -> String {
    site.url(&format!("/account/login/{provider}/callback"))
}

/// Begins a sign-in (or, with `link`, linking an identity to that signed-in account) at
/// `provider`, coming back to `return_to` (a local path the caller checked).
pub async fn begin(
    app: &App,
    social: &Social,
    provider: &str,
    site: &Site,
    return_to: &str,
    link: Option<AccountId>,
) -> Result<Begun> {
    let entry = social
        .entry(provider)
        .ok_or(AppError::NotFound("login provider"))?;
    let now = app.clock().now();
    let endpoints = social.endpoints(entry, now, false).await?;
    let state = random_token()?;
    let nonce = random_token()?;
    let verifier = random_token()?;
    let browser = random_token()?;
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let record = LoginState {
        provider: provider.to_owned(),
        site_id: site.id,
        browser_hash: token_hash(&browser),
        nonce: nonce.clone(),
        verifier,
        return_to: return_to.to_owned(),
        link_account: link.map(|a| a.0),
        expires_at: now + STATE_LIFETIME,
    };
    let mut tx = app.store().begin().await?;
    tx.logins().prune_states(now).await?;
    tx.logins()
        .insert_state(&token_hash(&state), &record, now)
        .await?;
    app.commit(tx, Change::default()).await?;
    let p = &entry.provider;
    let mut url = url::Url::parse(&endpoints.authorize)
        .map_err(|_| down(p, "its authorisation address is not a URL"))?;
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", &p.client_id)
            .append_pair("redirect_uri", &callback_url(site, provider))
            .append_pair("scope", &p.scopes)
            .append_pair("state", &state)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        if endpoints.oidc.is_some() {
            query.append_pair("nonce", &nonce);
        }
    }
    Ok(Begun {
        redirect: url.into(),
        browser,
    })
}

/// What the provider sent back, with where it came from.
#[derive(Debug, Clone, Copy)]
pub struct Callback<'a> {
    /// The provider's id (from the address).
    pub provider: &'a str,
    /// `code`.
    pub code: &'a str,
    /// `state`.
    pub state: &'a str,
    /// `error`, when the provider reports one (the reader said no).
    pub error: &'a str,
    /// The browser's binding cookie.
    pub browser: &'a str,
    /// The browser's `User-Agent`.
    pub user_agent: &'a str,
    /// The client's address.
    pub client: IpAddr,
}

/// How a sign-in through a provider ended.
#[derive(Debug, Clone)]
pub enum Finished {
    /// An account is signed in (found, linked by address, or new).
    SignedIn {
        /// The new session.
        started: Started,
        /// Where to go.
        return_to: String,
    },
    /// The identity was linked to the signed-in account that asked.
    Linked {
        /// Where to go.
        return_to: String,
    },
}

/// Who the provider says the reader is.
#[derive(Debug, Clone, Default)]
struct Identity {
    subject: String,
    email: String,
    email_verified: bool,
    name: String,
    username: String,
}

/// Finishes a sign-in when the provider sends the browser back.
///
/// A missing, late, replayed or foreign state is refused before the provider is asked anything; so is a token that does not
/// check out. Nothing is written unless the sign-in succeeds (the state is used up either way).
pub async fn finish(app: &App, social: &Social, callback: Callback<'_>) -> Result<Finished> {
    let entry = social
        .entry(callback.provider)
        .ok_or(AppError::NotFound("login provider"))?;
    let provider = &entry.provider;
    if callback.state.len() != 64 {
        return Err(refused("the sign-in has no valid state; start again"));
    }
    let now = app.clock().now();
    let mut tx = app.store().begin().await?;
    let taken = tx.logins().take_state(&token_hash(callback.state)).await?;
    app.commit(tx, Change::default()).await?;
    let Some(state) = taken else {
        return Err(refused(
            "this sign-in was already used or never began here; start again",
        ));
    };
    if state.provider != provider.id || !same(&state.browser_hash, &token_hash(callback.browser)) {
        return Err(refused(
            "this sign-in began in another browser; start again",
        ));
    }
    if state.expires_at <= now {
        return Err(refused("this sign-in took too long; start again"));
    }
    if !callback.error.is_empty() {
        return Err(refused(&format!(
            "{} did not let you in ({})",
            provider.label,
            callback.error.chars().take(60).collect::<String>()
        )));
    }
    if callback.code.is_empty() || callback.code.len() > 2048 {
        return Err(refused("the provider sent no code; start again"));
    }
    let site = app.store().sites().by_id(state.site_id).await?;
    let identity = identify(social, entry, &site, &state, callback.code, now).await?;
    let client = client_network(callback.client);
    let mut tx = app.store().begin().await?;
    let owner = app
        .store()
        .logins()
        .owner(&provider.id, &identity.subject)
        .await?;
    let linked_to = match (owner, state.link_account.map(AccountId)) {
        (Some(owner), Some(asking)) if owner != asking => {
            return Err(refused(&format!(
                "this {} account is linked to another account here",
                provider.label
            )));
        }
        (Some(_), Some(_)) => {
            return Ok(Finished::Linked {
                return_to: state.return_to,
            });
        }
        (None, Some(asking)) => {
            tx.logins()
                .link(
                    asking,
                    &provider.id,
                    &identity.subject,
                    &identity.email,
                    now,
                )
                .await?;
            app.commit(tx, Change::default()).await?;
            return Ok(Finished::Linked {
                return_to: state.return_to,
            });
        }
        (Some(owner), None) => owner,
        (None, None) => link_or_create(app, &mut tx, provider, &site, &identity, now).await?,
    };
    let started = start_session(&mut tx, linked_to, callback.user_agent, &client, now).await?;
    app.commit(tx, Change::default()).await?;
    Ok(Finished::SignedIn {
        started,
        return_to: state.return_to,
    })
}

/// The account a first sign-in with an identity leads to: the one with the confirmed address
/// the provider vouches for, or a new subscriber.
async fn link_or_create(
    app: &App,
    tx: &mut encore_store::Tx,
    provider: &Provider,
    site: &Site,
    identity: &Identity,
    now: DateTime<Utc>,
) -> Result<AccountId> {
    if identity.email.is_empty() {
        return Err(refused(&format!(
            "{} did not share an email address, which an account here needs",
            provider.label
        )));
    }
    if let Some((account, confirmed)) = app
        .store()
        .logins()
        .account_with_email(&identity.email)
        .await?
    {
        if identity.email_verified && confirmed {
            tx.logins()
                .link(
                    account,
                    &provider.id,
                    &identity.subject,
                    &identity.email,
                    now,
                )
                .await?;
            return Ok(account);
        }
        return Err(refused(&format!(
            "an account here already uses {}; sign in to it, then link {} from your account page",
            identity.email, provider.label
        )));
    }
    let display = if identity.name.is_empty() {
        identity
            .email
            .split('@')
            .next()
            .unwrap_or_default()
            .to_owned()
    } else {
        identity.name.clone()
    };
    let base = username_from(&[&identity.username, &display, &identity.email]);
    let mut account = None;
    for n in 0..20u32 {
        let username = if n == 0 {
            base.clone()
        } else {
            format!("{base}-{}", n + 1)
        };
        if app
            .store()
            .accounts()
            .by_username(&username)
            .await?
            .is_none()
        {
            account = Some(
                NewAccount {
                    username,
                    email: identity.email.clone(),
                    display_name: display.chars().take(100).collect(),
                    bio: String::new(),
                }
                .validate()?,
            );
            break;
        }
    }
    let account = account.ok_or(AppError::Conflict("username"))?;
    let created = tx.accounts().insert(&account, None, now).await?;
    tx.accounts()
        .set_role(site.id, created.id, Role::Subscriber, now)
        .await?;
    if identity.email_verified {
        tx.accounts().mark_email_verified(created.id, now).await?;
    }
    tx.logins()
        .link(
            created.id,
            &provider.id,
            &identity.subject,
            &identity.email,
            now,
        )
        .await?;
    Ok(created.id)
}

/// A username made from the first usable of `candidates`: lower-case ASCII letters, digits and
/// `-`, at most 40 characters; `reader` when none gives two characters.
fn username_from(candidates: &[&str]) -> String {
    for candidate in candidates {
        let local = candidate.split('@').next().unwrap_or_default();
        let mut name = String::new();
        for c in local.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                name.push(c);
            } else if !name.is_empty() && !name.ends_with('-') {
                name.push('-');
            }
        }
        let name: String = name.trim_matches('-').chars().take(40).collect();
        let name = name.trim_end_matches('-').to_owned();
        if name.len() >= 2 {
            return name;
        }
    }
    "reader".into()
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Exchanges the code and finds out who the reader is.
async fn identify(
    social: &Social,
    entry: &Entry,
    site: &Site,
    state: &LoginState,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Identity> {
    #[derive(Deserialize)]
    struct TokenAnswer {
        access_token: Option<String>,
        id_token: Option<String>,
        error: Option<String>,
    }
    let provider = &entry.provider;
    let endpoints = social.endpoints(entry, now, false).await?;
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", &callback_url(site, &provider.id))
        .append_pair("client_id", &provider.client_id)
        .append_pair("client_secret", &provider.client_secret)
        .append_pair("code_verifier", &state.verifier)
        .finish();
    let response = social
        .http()
        .post(&endpoints.token)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| down(provider, &without_url(&e)))?;
    let status = response.status();
    let answer: TokenAnswer = response.json().await.map_err(|_| {
        down(
            provider,
            &format!("its token answer ({}) was not JSON", status.as_u16()),
        )
    })?;
    if let Some(error) = answer.error {
        // The code was used already, is late, or was not issued for this sign-in.
        return Err(refused(&format!(
            "{} refused the sign-in ({}); start again",
            provider.label,
            error.chars().take(60).collect::<String>()
        )));
    }
    let access_token = answer.access_token.unwrap_or_default();
    let mut identity = Identity::default();
    if let Some((issuer, _)) = &endpoints.oidc {
        let id_token = answer
            .id_token
            .ok_or_else(|| refused("the provider sent no ID token"))?;
        let claims = verify_id_token(social, entry, &endpoints, issuer, &id_token, now).await?;
        if claims.nonce.as_deref() != Some(state.nonce.as_str()) {
            return Err(refused(
                "the ID token was not issued for this sign-in (nonce); start again",
            ));
        }
        identity.subject = claims.sub;
        identity.email = claims.email.unwrap_or_default();
        identity.email_verified = claims.email_verified.unwrap_or(false);
        identity.name = claims.name.unwrap_or_default();
        identity.username = claims.preferred_username.unwrap_or_default();
        if let Some(userinfo) = &endpoints.userinfo
            && !access_token.is_empty()
        {
            let info: Value = social
                .get_json(provider, userinfo, Some(&access_token))
                .await?;
            // The user record must be about the same subject (OpenID Connect Core 5.3.2).
            if info.get("sub").and_then(Value::as_str) != Some(identity.subject.as_str()) {
                return Err(refused("the provider's user record is about someone else"));
            }
            let text = |field: &str| info.get(field).and_then(Value::as_str).map(str::to_owned);
            if let Some(email) = text("email") {
                identity.email_verified = info
                    .get("email_verified")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                identity.email = email;
            }
            identity.name = text("name").unwrap_or(identity.name);
            identity.username = text("preferred_username").unwrap_or(identity.username);
        }
    } else if let Protocol::OAuth2(fields) = &provider.protocol {
        if access_token.is_empty() {
            return Err(refused("the provider sent no access token"));
        }
        let userinfo = endpoints.userinfo.as_deref().unwrap_or_default();
        let info: Value = social
            .get_json(provider, userinfo, Some(&access_token))
            .await?;
        let text = |field: &str| match info.get(field) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        identity.subject = text(&fields.subject_field);
        identity.email = text(&fields.email_field);
        identity.email_verified = fields.email_trusted
            || info
                .get("email_verified")
                .and_then(Value::as_bool)
                .unwrap_or(false);
        identity.name = text(&fields.name_field);
        identity.username = text(&fields.username_field);
    }
    if identity.subject.is_empty() || identity.subject.len() > 255 {
        return Err(refused("the provider did not say who you are"));
    }
    identity.email = identity.email.trim().to_lowercase();
    Ok(identity)
}

#[derive(Debug, Deserialize)]
struct IdClaims {
    sub: String,
    exp: i64,
    nonce: Option<String>,
    email: Option<String>,
    email_verified: Option<bool>,
    name: Option<String>,
    preferred_username: Option<String>,
}

/// Checks an ID token: signed by one of the provider's keys (read again once when its key is
/// unknown), for this client, from the issuer, not expired by this application's clock.
async fn verify_id_token(
    social: &Social,
    entry: &Entry,
    endpoints: &Endpoints,
    issuer: &str,
    token: &str,
    now: DateTime<Utc>,
) -> Result<IdClaims> {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
    let bad = || refused("the provider's ID token does not check out");
    let header = decode_header(token).map_err(|_| bad())?;
    if matches!(
        header.alg,
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
    ) {
        // A shared-secret signature proves nothing about the provider's keys; not accepted.
        return Err(bad());
    }
    let find = |keys: &jsonwebtoken::jwk::JwkSet| match &header.kid {
        Some(kid) => keys.find(kid).cloned(),
        None => keys.keys.first().cloned(),
    };
    let keys = &endpoints.oidc.as_ref().ok_or_else(bad)?.1;
    let jwk = match find(keys) {
        Some(jwk) => jwk,
        None => {
            let fresh = social.endpoints(entry, now, true).await?;
            let keys = &fresh.oidc.as_ref().ok_or_else(bad)?.1;
            find(keys).ok_or_else(bad)?
        }
    };
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| bad())?;
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[&entry.provider.client_id]);
    // Expiry is checked below against the application's clock, not the system's.
    validation.validate_exp = false;
    validation.required_spec_claims = ["exp", "iss", "aud", "sub"].map(String::from).into();
    let claims = decode::<IdClaims>(token, &key, &validation)
        .map_err(|_| bad())?
        .claims;
    if claims.exp + 60 < now.timestamp() {
        return Err(refused("the provider's ID token has expired; start again"));
    }
    Ok(claims)
}

/// The identities linked to an account, labelled.
pub async fn linked(
    app: &App,
    social: &Social,
    account: AccountId,
) -> Result<Vec<(LinkedLogin, String)>> {
    Ok(app
        .store()
        .logins()
        .of_account(account)
        .await?
        .into_iter()
        .map(|l| {
            let label = social.label(&l.provider);
            (l, label)
        })
        .collect())
}

/// Unlinks an identity from an account, unless it is the account's only way in (no password and
/// no other identity).
pub async fn unlink(app: &App, account: AccountId, id: i64) -> Result<()> {
    let mut tx = app.store().begin().await?;
    let (identities, password) = tx.logins().ways_in(account).await?;
    if identities <= 1 && !password {
        return Err(AppError::Forbidden(
            "unlink your only way to sign in; set a password first (reset it by mail)",
        ));
    }
    if !tx.logins().unlink(account, id).await? {
        return Err(AppError::NotFound("linked login"));
    }
    app.commit(tx, Change::default()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_come_from_what_the_provider_says() {
        assert_eq!(
            username_from(&["", "Ana María", "ana@example.org"]),
            "ana-mar-a"
        );
        assert_eq!(
            username_from(&["", "", "J.Smith+blog@example.org"]),
            "j-smith-blog"
        );
        assert_eq!(username_from(&["octocat", "The Octocat", ""]), "octocat");
        assert_eq!(username_from(&["", "Жанна", "ж@example.org"]), "reader");
    }

    #[test]
    fn presets_name_their_fields() {
        let (github, scopes) = OAuth2Endpoints::preset("github").unwrap();
        assert_eq!(github.subject_field, "id");
        assert!(scopes.contains("user:email"));
        assert!(OAuth2Endpoints::preset("myspace").is_none());
    }
}
