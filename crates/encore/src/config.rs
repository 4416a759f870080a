//! Configuration: defaults, then `encore.toml`, then `ENCORE_*` environment variables, then
//! command-line flags. Parsed once in `main` and passed down as a value.

use anyhow::{Context, bail};
use encore_store::redact_url;
use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};
use std::{
    fmt,
    net::SocketAddr,
    path::{Path, PathBuf},
};

/// Every setting, with its default. The same names work as TOML keys and, upper-cased with an
/// `ENCORE_` prefix, as environment variables (`data_dir` ↔ `ENCORE_DATA_DIR`).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address and port the server listens on. Default `127.0.0.1:8080`.
    pub listen: SocketAddr,
    /// Directory for the SQLite database and the media store; created when missing.
    /// Default `encore-data` in the working directory.
    pub data_dir: PathBuf,
    /// `sqlite://PATH` or `postgres://USER:PASSWORD@HOST:PORT/DB`. Default: SQLite at
    /// `{data_dir}/encore.db`.
    pub database_url: Option<String>,
    /// Title of the default site. Default "My Encore blog" (the demo uses its own).
    pub site_title: Option<String>,
    /// One-line description of the default site. Default empty.
    pub site_tagline: Option<String>,
    /// Public address of the default site, used in canonical links and shared links.
    /// Default `http://{listen}` (with `127.0.0.1` for an unspecified address).
    pub base_url: Option<String>,
    /// A theme directory whose `templates/` and `static/` files override the built-in theme.
    pub theme_dir: Option<PathBuf>,
    /// Posts per page on the home page and archives (1–100). Default 10.
    pub posts_per_page: u32,
    /// Database connections (PostgreSQL) or read connections (SQLite). Default 8.
    pub db_max_connections: u32,
    /// Log filter in `tracing` syntax, e.g. `info` or `encore=debug`. Default `info`.
    pub log: String,
    /// Megabytes of pages (with their compressed copies) the page cache may hold; 0 turns it off.
    /// Default 64.
    pub page_cache_mb: u32,
    /// Seconds a client has to send a request's headers, which is also the longest a kept-alive
    /// connection may sit idle. Default 10.
    pub header_timeout_seconds: u32,
    /// Open connections in all; more are closed as they arrive. Default 1024.
    pub max_connections: u32,
    /// Open connections per client address; 0 for no limit (set 0 behind a proxy that connects
    /// from one address). Default 128.
    pub max_connections_per_ip: u32,
    /// Comments one client (an IPv4 address, an IPv6 /64) may send a minute; 0 for no limit.
    /// Default 10.
    pub comments_per_minute: u32,
    /// Likes and unlikes one client may send a minute; 0 for no limit. Default 60.
    pub likes_per_minute: u32,
    /// Addresses or networks of reverse proxies whose `X-Forwarded-For` names the client, e.g.
    /// `["127.0.0.1/32"]` behind nginx on the same machine. Default none.
    pub trusted_proxies: Vec<String>,
    /// A token that opens `/metrics` to other machines (`Authorization: Bearer TOKEN`); without
    /// one, `/metrics` answers only on the loopback address. Default none.
    pub metrics_token: Option<String>,
    /// `[smtp]`: where mail goes out.
    pub smtp: SmtpConfig,
    /// `[spam]`: the Akismet-compatible spam service.
    pub spam: SpamConfig,
    /// Services readers may sign in through: `[[login.oidc]]` (OpenID Connect) and
    /// `[[login.oauth2]]` (GitHub, Facebook, WordPress.com or any OAuth2 service) sections.
    /// Default none.
    pub login: LoginConfig,
}

/// The `[smtp]` section.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    /// `smtp://HOST:587` (STARTTLS), `smtps://HOST:465` (TLS), or `smtp://127.0.0.1:25?tls=none`
    /// for a server on this machine; `USER:PASSWORD@` may precede the host. Without it, mail
    /// waits in the outbox until it is set. Default none.
    pub url: Option<String>,
    /// A file holding the SMTP password (it replaces one written in `url`). Default none.
    pub password_file: Option<PathBuf>,
    /// The sender of Encore's mail, e.g. `Cassette Diaries <blog@example.org>`. Default
    /// `encore@localhost`.
    pub from: String,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            url: None,
            password_file: None,
            from: "encore@localhost".into(),
        }
    }
}

/// The `[spam]` section.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpamConfig {
    /// Address `encore spam serve` listens on. Default `127.0.0.1:8181`.
    pub listen: SocketAddr,
    /// Path under which `encore serve` also answers the Akismet API (e.g. `/akismet`); empty for
    /// none. Default empty.
    pub path: String,
    /// Calls allowed per second per key (bursts of twice that); 0 for no limit. Default 50.
    pub rate_limit: f64,
    /// Days the service keeps each verdict with its reasons; 0 keeps them forever. Default 90.
    pub log_days: u32,
    /// Seconds a running service trusts a key's cached state (revocation, blocklist) before
    /// reading it again; 0 reads it on every call. Default 10.
    pub refresh_seconds: u32,
}

impl Default for SpamConfig {
    fn default() -> Self {
        SpamConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8181)),
            path: String::new(),
            rate_limit: 50.0,
            log_days: 90,
            refresh_seconds: 10,
        }
    }
}

/// The `[login]` section: sign-in providers.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoginConfig {
    /// OpenID Connect providers.
    pub oidc: Vec<OidcConfig>,
    /// OAuth2 services.
    pub oauth2: Vec<OAuth2Config>,
}

/// One `[[login.oidc]]` section.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// A short name used in addresses: lower-case letters, digits, `-`.
    pub id: String,
    /// The button's words. Default: the id.
    #[serde(default)]
    pub label: String,
    /// The issuer; its discovery document is at `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    /// The client id registered with the provider.
    pub client_id: String,
    /// The client secret, if not in `client_secret_file` or `ENCORE_LOGIN_{ID}_CLIENT_SECRET`.
    #[serde(default)]
    pub client_secret: Option<String>,
    /// A file holding the client secret.
    #[serde(default)]
    pub client_secret_file: Option<PathBuf>,
    /// Scopes to ask for. Default `openid email profile`.
    #[serde(default)]
    pub scopes: Option<String>,
}

/// One `[[login.oauth2]]` section: a preset's endpoints, each of which may be replaced.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuth2Config {
    /// A short name used in addresses: lower-case letters, digits, `-`.
    pub id: String,
    /// The button's words. Default: the id.
    #[serde(default)]
    pub label: String,
    /// `github`, `facebook` or `wordpress`; without one, every endpoint and field is given.
    #[serde(default)]
    pub preset: Option<String>,
    /// The client id registered with the service.
    pub client_id: String,
    /// The client secret, if not in `client_secret_file` or `ENCORE_LOGIN_{ID}_CLIENT_SECRET`.
    #[serde(default)]
    pub client_secret: Option<String>,
    /// A file holding the client secret.
    #[serde(default)]
    pub client_secret_file: Option<PathBuf>,
    /// Scopes to ask for. Default: the preset's.
    #[serde(default)]
    pub scopes: Option<String>,
    /// Where the browser authorises.
    #[serde(default)]
    pub authorize_url: Option<String>,
    /// Where the code is exchanged.
    #[serde(default)]
    pub token_url: Option<String>,
    /// Where the user's record is read.
    #[serde(default)]
    pub userinfo_url: Option<String>,
    /// The record's field with the user's stable id.
    #[serde(default)]
    pub subject_field: Option<String>,
    /// The record's field with the address.
    #[serde(default)]
    pub email_field: Option<String>,
    /// The record's field with the shown name.
    #[serde(default)]
    pub name_field: Option<String>,
    /// The record's field with a login name.
    #[serde(default)]
    pub username_field: Option<String>,
    /// Whether the service only gives out addresses it has confirmed.
    #[serde(default)]
    pub email_trusted: Option<bool>,
}

/// A client secret: given in the file, or in a file it names, or in
/// `ENCORE_LOGIN_{ID}_CLIENT_SECRET`.
fn client_secret(id: &str, given: Option<&str>, file: Option<&Path>) -> anyhow::Result<String> {
    if let Some(secret) = given.filter(|s| !s.is_empty()) {
        return Ok(secret.to_owned());
    }
    if let Some(path) = file {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "login provider {id}: cannot read client_secret_file {}",
                path.display()
            )
        })?;
        return Ok(text.trim().to_owned());
    }
    let var = format!(
        "ENCORE_LOGIN_{}_CLIENT_SECRET",
        id.to_uppercase().replace('-', "_")
    );
    Ok(std::env::var(var).unwrap_or_default())
}

/// A provider's button words: its label, or its id when it has none.
fn label_or_id(label: &str, id: &str) -> String {
    if label.is_empty() { id } else { label }.to_owned()
}

impl LoginConfig {
    /// The providers, with their secrets read, checked.
    pub fn providers(&self) -> anyhow::Result<Vec<encore_app::social::Provider>> {
        use encore_app::social::{OAuth2Endpoints, Protocol, Provider};
        let mut providers = Vec::new();
        for c in &self.oidc {
            providers.push(Provider {
                id: c.id.clone(),
                label: label_or_id(&c.label, &c.id),
                protocol: Protocol::OpenIdConnect {
                    issuer: c.issuer.clone(),
                },
                client_id: c.client_id.clone(),
                client_secret: client_secret(
                    &c.id,
                    c.client_secret.as_deref(),
                    c.client_secret_file.as_deref(),
                )?,
                scopes: c
                    .scopes
                    .clone()
                    .unwrap_or_else(|| "openid email profile".into()),
            });
        }
        for c in &self.oauth2 {
            let (mut endpoints, scopes) = match c.preset.as_deref() {
                Some(name) => OAuth2Endpoints::preset(name).ok_or_else(|| {
                    anyhow::anyhow!(
                        "login provider {}: no preset {name:?} (github, facebook, wordpress)",
                        c.id
                    )
                })?,
                None => (
                    OAuth2Endpoints {
                        authorize_url: String::new(),
                        token_url: String::new(),
                        userinfo_url: String::new(),
                        subject_field: "id".into(),
                        email_field: "email".into(),
                        name_field: "name".into(),
                        username_field: String::new(),
                        email_trusted: false,
                    },
                    "",
                ),
            };
            let replace = |slot: &mut String, value: &Option<String>| {
                if let Some(v) = value {
                    slot.clone_from(v);
                }
            };
            replace(&mut endpoints.authorize_url, &c.authorize_url);
            replace(&mut endpoints.token_url, &c.token_url);
            replace(&mut endpoints.userinfo_url, &c.userinfo_url);
            replace(&mut endpoints.subject_field, &c.subject_field);
            replace(&mut endpoints.email_field, &c.email_field);
            replace(&mut endpoints.name_field, &c.name_field);
            replace(&mut endpoints.username_field, &c.username_field);
            if let Some(trusted) = c.email_trusted {
                endpoints.email_trusted = trusted;
            }
            providers.push(Provider {
                id: c.id.clone(),
                label: label_or_id(&c.label, &c.id),
                protocol: Protocol::OAuth2(endpoints),
                client_id: c.client_id.clone(),
                client_secret: client_secret(
                    &c.id,
                    c.client_secret.as_deref(),
                    c.client_secret_file.as_deref(),
                )?,
                scopes: c.scopes.clone().unwrap_or_else(|| scopes.to_owned()),
            });
        }
        for (i, p) in providers.iter().enumerate() {
            p.check().map_err(|e| anyhow::anyhow!(e))?;
            if providers[..i].iter().any(|q| q.id == p.id) {
                bail!("two login providers are called {}", p.id);
            }
        }
        Ok(providers)
    }
}

/// Names that settings had before they were grouped in sections, in files and in `ENCORE_*`
/// variables; they still work.
const OLDER_NAMES: &[(&str, &str)] = &[
    ("smtp_url", "smtp.url"),
    ("mail_from", "smtp.from"),
    ("spam_listen", "spam.listen"),
    ("spam_path", "spam.path"),
    ("spam_rate_limit", "spam.rate_limit"),
    ("spam_log_days", "spam.log_days"),
    ("spam_refresh_seconds", "spam.refresh_seconds"),
];

/// Every setting's key, read from [`Config`] itself so that a new setting needs no list of its
/// own: top-level names, and `section.name` inside a section (a table of plain values). A table
/// of lists (`login`) is one key. Each has an `ENCORE_*` variable: the key upper-cased with `_`
/// for `.` ([`env_name`]).
pub fn keys() -> Vec<String> {
    let Ok(serde_json::Value::Object(map)) = serde_json::to_value(Config::default()) else {
        return Vec::new();
    };
    let mut keys = Vec::new();
    for (key, value) in map {
        match value {
            serde_json::Value::Object(section) if !section.values().any(|v| v.is_array()) => {
                keys.extend(section.keys().map(|name| format!("{key}.{name}")));
            }
            _ => keys.push(key),
        }
    }
    keys
}

/// The environment variable that sets `key`: `smtp.url` ↔ `ENCORE_SMTP_URL`.
pub fn env_name(key: &str) -> String {
    format!("ENCORE_{}", key.replace('.', "_").to_uppercase())
}

/// The key an environment variable's name (without `ENCORE_`, lower-cased) sets, if any. Other
/// `ENCORE_` variables (`ENCORE_TEST_PG_URL`) are not configuration.
fn key_of_env(name: &str) -> Option<String> {
    if let Some((_, key)) = OLDER_NAMES.iter().find(|(old, _)| *old == name) {
        return Some((*key).to_owned());
    }
    let wanted = format!("ENCORE_{}", name.to_uppercase());
    keys().into_iter().find(|key| env_name(key) == wanted)
}

/// A provider whose settings may use the names of [`OLDER_NAMES`] at the top level; they are moved
/// into their sections (a name given both ways keeps the section's).
struct OlderNames<P>(P);

impl<P: figment::Provider> figment::Provider for OlderNames<P> {
    fn metadata(&self) -> figment::Metadata {
        self.0.metadata()
    }

    fn data(
        &self,
    ) -> Result<figment::value::Map<figment::Profile, figment::value::Dict>, figment::Error> {
        let mut data = self.0.data()?;
        for dict in data.values_mut() {
            for (old, new) in OLDER_NAMES {
                if let Some(value) = dict.remove(*old) {
                    let (section, name) = new.split_once('.').unwrap_or((new, new));
                    let entry = dict
                        .entry(section.to_owned())
                        .or_insert_with(|| figment::value::Dict::new().into());
                    if let figment::value::Value::Dict(_, table) = entry {
                        table.entry(name.to_owned()).or_insert(value);
                    }
                }
            }
        }
        Ok(data)
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("encore-data"),
            database_url: None,
            site_title: None,
            site_tagline: None,
            base_url: None,
            theme_dir: None,
            posts_per_page: 10,
            db_max_connections: 8,
            log: "info".into(),
            page_cache_mb: 64,
            header_timeout_seconds: 10,
            max_connections: 1024,
            max_connections_per_ip: 128,
            comments_per_minute: 10,
            likes_per_minute: 60,
            trusted_proxies: Vec::new(),
            metrics_token: None,
            smtp: SmtpConfig::default(),
            spam: SpamConfig::default(),
            login: LoginConfig::default(),
        }
    }
}

/// Values given as command-line flags, which win over everything else.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    /// `--listen`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    /// `--data-dir`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// `encore spam serve --listen`.
    #[serde(skip)]
    pub spam_listen: Option<SocketAddr>,
}

impl Config {
    /// Loads the configuration. `file` is `--config`; without it `encore.toml` is read when present.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => {
                if !path.exists() {
                    bail!("the configuration file {} does not exist", path.display());
                }
                figment = figment.merge(OlderNames(Toml::file_exact(path)));
            }
            None if Path::new("encore.toml").exists() => {
                figment = figment.merge(OlderNames(Toml::file_exact("encore.toml")))
            }
            None => {}
        }
        let env = Env::prefixed("ENCORE_")
            .filter_map(|name| key_of_env(name.as_str()).map(Into::into))
            .lowercase(false);
        figment = figment.merge(env).merge(Serialized::defaults(overrides));
        if let Some(listen) = overrides.spam_listen {
            figment = figment.merge(Serialized::default("spam.listen", listen));
        }
        let config: Config = figment.extract().context("invalid configuration")?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> anyhow::Result<()> {
        if !(1..=100).contains(&self.posts_per_page) {
            bail!(
                "posts_per_page must be between 1 and 100, not {}",
                self.posts_per_page
            );
        }
        if let Some(url) = &self.base_url {
            encore_core::site::normalize_base_url(url).map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        if let Some(url) = &self.database_url {
            encore_store::Backend::from_url(url)?;
        }
        let spam_path = &self.spam.path;
        if !spam_path.is_empty()
            && (!spam_path.starts_with('/') || spam_path.len() < 2 || spam_path.ends_with('/'))
        {
            bail!(
                "spam.path must be empty or a path like /akismet (a leading slash, no trailing one), not {spam_path:?}"
            );
        }
        for proxy in &self.trusted_proxies {
            parse_network(proxy)?;
        }
        if self.header_timeout_seconds == 0 || self.max_connections == 0 {
            bail!("header_timeout_seconds and max_connections must be at least 1");
        }
        if let Some(url) = self.smtp_url()? {
            encore_app::mail::Mailer::check(&url, &self.smtp.from)
                .map_err(|e| anyhow::anyhow!(e))?;
        }
        self.login.providers()?;
        if !(self.spam.rate_limit.is_finite() && self.spam.rate_limit >= 0.0) {
            bail!("spam.rate_limit must be 0 (no limit) or a positive number of calls per second");
        }
        Ok(())
    }

    /// The web layer's settings.
    pub fn web_settings(&self) -> anyhow::Result<encore_web::Settings> {
        Ok(encore_web::Settings {
            posts_per_page: self.posts_per_page,
            page_cache_bytes: u64::from(self.page_cache_mb) * 1024 * 1024,
            limits: encore_web::server::Limits {
                header_timeout: std::time::Duration::from_secs(u64::from(
                    self.header_timeout_seconds,
                )),
                max_connections: self.max_connections as usize,
                max_connections_per_ip: self.max_connections_per_ip as usize,
                ..encore_web::server::Limits::default()
            },
            trusted_proxies: self
                .trusted_proxies
                .iter()
                .map(|p| parse_network(p))
                .collect::<anyhow::Result<_>>()?,
            metrics_token: self.metrics_token.clone().filter(|t| !t.is_empty()),
            rates: encore_web::throttle::Rates {
                comments: self.comments_per_minute,
                likes: self.likes_per_minute,
            },
            social: encore_app::social::Social::new(self.login.providers()?),
            spam: None,
        })
    }

    /// The SMTP URL in effect: `smtp.url` with the password of `smtp.password_file`, if any.
    pub fn smtp_url(&self) -> anyhow::Result<Option<String>> {
        let Some(url) = self.smtp.url.as_deref().filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        let Some(file) = &self.smtp.password_file else {
            return Ok(Some(url.to_owned()));
        };
        let password = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read smtp.password_file {}", file.display()))?;
        let mut parsed = url::Url::parse(url).context("smtp.url is not a URL")?;
        let encoded: String = url::form_urlencoded::byte_serialize(
            password.trim_end_matches(['\r', '\n']).as_bytes(),
        )
        .collect();
        parsed
            .set_password(Some(&encoded))
            .map_err(|()| anyhow::anyhow!("smtp.url cannot carry a password"))?;
        Ok(Some(parsed.into()))
    }

    /// The mailer, when `smtp.url` is set.
    pub fn mailer(&self) -> anyhow::Result<Option<encore_app::mail::Mailer>> {
        self.smtp_url()?
            .map(|url| encore_app::mail::Mailer::new(&url, &self.smtp.from))
            .transpose()
            .map_err(|e| anyhow::anyhow!(e))
    }

    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("encore.db").display()))
    }

    /// The public base URL for a server bound to `bound`.
    pub fn base_url_for(&self, bound: SocketAddr) -> String {
        match &self.base_url {
            Some(url) => encore_core::site::normalize_base_url(url).unwrap_or_else(|_| url.clone()),
            None => {
                let mut addr = bound;
                if addr.ip().is_unspecified() {
                    addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
                }
                format!("http://{addr}")
            }
        }
    }
}

/// A network (`10.0.0.0/8`) or a single address (`127.0.0.1`).
fn parse_network(text: &str) -> anyhow::Result<ipnet::IpNet> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| {
            anyhow::anyhow!(
                "trusted_proxies: {text:?} is not an address or network such as 127.0.0.1 or 10.0.0.0/8"
            )
        })
}

/// Prints the settings with the database password hidden.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url()))
            .field("site_title", &self.site_title)
            .field("base_url", &self.base_url)
            .field("theme_dir", &self.theme_dir)
            .field("posts_per_page", &self.posts_per_page)
            .field("smtp.url", &self.smtp.url.as_deref().map(redact_url))
            .field("smtp.from", &self.smtp.from)
            .field(
                "login",
                &self
                    .login
                    .oidc
                    .iter()
                    .map(|p| &p.id)
                    .chain(self.login.oauth2.iter().map(|p| &p.id))
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail closures return figment::Error.
mod tests {
    use super::*;

    /// A setting is written once, in the struct; this holds the places that describe it to
    /// people (`--help`, the sample file, the README) to the struct.
    #[test]
    fn every_setting_is_documented_everywhere_people_look() {
        let readme = include_str!("../../../README.md");
        let example = include_str!("../../../encore.toml.example");
        let keys = keys();
        assert!(
            keys.len() >= 20
                && keys.contains(&"smtp.url".to_owned())
                && keys.contains(&"login".to_owned()),
            "{keys:?}"
        );
        for key in keys {
            let env = env_name(&key);
            assert!(
                crate::cli::SETTINGS_HELP.contains(&key)
                    && crate::cli::SETTINGS_HELP.contains(&env),
                "--help does not describe {key} ({env})"
            );
            // A section's key is written under its `[section]` header.
            let in_example = match key.split_once('.') {
                Some((section, name)) => {
                    example
                        .split_once(&format!("[{section}]"))
                        .is_some_and(|(_, after)| {
                            let table = after.split("\n[").next().unwrap_or_default();
                            table.contains(&format!("{name} ="))
                        })
                }
                None => {
                    example.contains(&format!("{key} =")) || example.contains(&format!("[[{key}."))
                }
            };
            assert!(in_example, "encore.toml.example lacks {key}");
            assert!(
                readme.contains(&format!("| `{key}` | `{env}` |")),
                "the README's settings table lacks {key}"
            );
        }
    }

    #[test]
    fn files_env_and_flags_layer_in_order() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "encore.toml",
                "posts_per_page = 5\nsite_title = \"From file\"\nlisten = \"127.0.0.1:9000\"",
            )?;
            jail.set_env("ENCORE_SITE_TITLE", "From env");
            jail.set_env("ENCORE_TEST_PG_URL", "postgres://ignored");
            let flags = Overrides {
                listen: Some("127.0.0.1:9999".parse().unwrap()),
                data_dir: None,
                spam_listen: None,
            };
            let config = Config::load(None, &flags).map_err(|e| e.to_string())?;
            assert_eq!(config.posts_per_page, 5);
            assert_eq!(config.site_title.as_deref(), Some("From env"));
            assert_eq!(config.listen.port(), 9999);
            assert_eq!(config.database_url(), "sqlite://encore-data/encore.db");
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("encore.toml", "posts_per_pages = 5")?;
            assert!(
                Config::load(None, &Overrides::default()).is_err(),
                "a typo must not pass silently"
            );
            jail.create_file("encore.toml", "posts_per_page = 0")?;
            assert!(Config::load(None, &Overrides::default()).is_err());
            jail.create_file("encore.toml", "database_url = \"mysql://x\"")?;
            assert!(Config::load(None, &Overrides::default()).is_err());
            Ok(())
        });
    }

    #[test]
    fn the_sample_configuration_is_valid_and_matches_the_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("encore.toml", include_str!("../../../encore.toml.example"))?;
            let config = Config::load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            let defaults = Config::default();
            assert_eq!(config.listen, defaults.listen);
            assert_eq!(config.data_dir, defaults.data_dir);
            assert_eq!(config.posts_per_page, defaults.posts_per_page);
            assert_eq!(config.site_title.as_deref(), Some("My Encore blog"));
            Ok(())
        });
    }

    #[test]
    fn login_providers_come_from_sections_with_secrets_kept_out_of_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("id-secret", "from-a-file\n")?;
            jail.create_file(
                "encore.toml",
                "[[login.oidc]]\nid = \"example-id\"\nlabel = \"Example ID\"\nissuer = \"https://id.example.org\"\n\
                 client_id = \"blog\"\nclient_secret_file = \"id-secret\"\n\n\
                 [[login.oauth2]]\nid = \"github\"\npreset = \"github\"\nclient_id = \"gh\"\n",
            )?;
            jail.set_env("ENCORE_LOGIN_GITHUB_CLIENT_SECRET", "from-the-environment");
            let config = Config::load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            let providers = config.login.providers().map_err(|e| e.to_string())?;
            assert_eq!(providers.len(), 2);
            assert_eq!(providers[0].client_secret, "from-a-file");
            assert_eq!(providers[0].scopes, "openid email profile");
            assert_eq!(providers[1].client_secret, "from-the-environment");
            assert_eq!(providers[1].label, "github");
            let shown = format!("{config:?}");
            assert!(
                !shown.contains("from-a-file") && !shown.contains("from-the-environment"),
                "{shown}"
            );
            jail.create_file(
                "encore.toml",
                "[[login.oauth2]]\nid = \"x\"\npreset = \"myspace\"\nclient_id = \"c\"\n",
            )?;
            assert!(
                Config::load(None, &Overrides::default()).is_err(),
                "an unknown preset"
            );
            jail.create_file("encore.toml", "[[login.oidc]]\nid = \"Bad Id\"\nissuer = \"https://a.example\"\nclient_id = \"c\"\n")?;
            assert!(
                Config::load(None, &Overrides::default()).is_err(),
                "an id unfit for addresses"
            );
            Ok(())
        });
    }

    #[test]
    fn sections_take_their_older_flat_names_too() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "encore.toml",
                "smtp_url = \"smtp://127.0.0.1:25?tls=none\"\nspam_path = \"/akismet\"\n\n[spam]\nlog_days = 7\n",
            )?;
            jail.set_env("ENCORE_MAIL_FROM", "Old <old@example.org>");
            jail.set_env("ENCORE_SPAM_RATE_LIMIT", "0");
            jail.set_env("ENCORE_SMTP_FROM", "New <new@example.org>");
            let config = Config::load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            assert_eq!(
                config.smtp.url.as_deref(),
                Some("smtp://127.0.0.1:25?tls=none")
            );
            assert_eq!(config.spam.path, "/akismet");
            assert_eq!(config.spam.log_days, 7);
            assert!(config.spam.rate_limit.abs() < f64::EPSILON);
            assert!(
                ["Old <old@example.org>", "New <new@example.org>"]
                    .contains(&config.smtp.from.as_str()),
                "{}",
                config.smtp.from
            );
            jail.create_file("pw", "p@ss word\n")?;
            jail.create_file(
                "encore.toml",
                "[smtp]\nurl = \"smtps://blog@smtp.example.org:465\"\npassword_file = \"pw\"\n",
            )?;
            let config = Config::load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            assert_eq!(
                config.smtp_url().map_err(|e| e.to_string())?.as_deref(),
                Some("smtps://blog:p%40ss+word@smtp.example.org:465")
            );
            assert!(!format!("{config:?}").contains("p@ss"));
            Ok(())
        });
    }

    #[test]
    fn debug_output_hides_the_database_password() {
        let config = Config {
            database_url: Some("postgres://encore:s3cret@db/encore".into()),
            ..Config::default()
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
    }

    #[test]
    fn base_urls_default_to_the_bound_address() {
        let config = Config::default();
        assert_eq!(
            config.base_url_for("0.0.0.0:8080".parse().unwrap()),
            "http://127.0.0.1:8080"
        );
        let set = Config {
            base_url: Some("https://blog.example/".into()),
            ..Config::default()
        };
        assert_eq!(
            set.base_url_for("127.0.0.1:1".parse().unwrap()),
            "https://blog.example"
        );
    }
}
