//! The command-line interface: arguments (clap) and one module per command.

mod posts;
mod serve;
mod sites;
pub(crate) mod spam;
mod users;

use crate::config::{Config, Overrides};
use anyhow::Context;
use clap::{Parser, Subcommand};
use encore_app::{
    App,
    sites::{Configured, ensure_default_site},
};
use encore_core::{
    clock::Clock,
    site::{NewSite, Site},
};
use encore_store::{PoolOptions, Store, StoreOptions};
use std::{net::SocketAddr, path::PathBuf};

pub(crate) const SETTINGS_HELP: &str = "\
CONFIGURATION
  Settings come from defaults, then encore.toml in the working directory (or --config FILE), then
  ENCORE_* environment variables, then flags. Keys (TOML name / environment variable):
    listen              ENCORE_LISTEN              address to listen on (127.0.0.1:8080)
    data_dir            ENCORE_DATA_DIR            SQLite file and media store (./encore-data)
    database_url        ENCORE_DATABASE_URL        sqlite://PATH or postgres://USER:PASS@HOST/DB
    site_title          ENCORE_SITE_TITLE          title of the default site
    site_tagline        ENCORE_SITE_TAGLINE        one-line description of the default site
    base_url            ENCORE_BASE_URL            public address of the default site
    theme_dir           ENCORE_THEME_DIR           directory overriding the built-in theme
    posts_per_page      ENCORE_POSTS_PER_PAGE      posts per list page, 1-100 (10)
    db_max_connections  ENCORE_DB_MAX_CONNECTIONS  database pool size (8)
    log                 ENCORE_LOG                 log filter, e.g. info or encore=debug (info)
    page_cache_mb       ENCORE_PAGE_CACHE_MB       megabytes of cached pages, 0 = no page cache (64)
    header_timeout_seconds ENCORE_HEADER_TIMEOUT_SECONDS seconds to send headers; also the
                                                   keep-alive idle limit (10)
    max_connections     ENCORE_MAX_CONNECTIONS     open connections in all (1024)
    max_connections_per_ip ENCORE_MAX_CONNECTIONS_PER_IP open connections per client, 0 = no limit (128)
    comments_per_minute ENCORE_COMMENTS_PER_MINUTE comments per client a minute, 0 = no limit (10)
    likes_per_minute    ENCORE_LIKES_PER_MINUTE    likes per client a minute, 0 = no limit (60)
    trusted_proxies     ENCORE_TRUSTED_PROXIES     proxies whose X-Forwarded-For names the client (none)
    metrics_token       ENCORE_METRICS_TOKEN       bearer token opening /metrics beyond loopback (none)
    login               ENCORE_LOGIN               sign-in providers: [[login.oidc]] and [[login.oauth2]]
                                                   sections (none); a client secret may come from
                                                   client_secret_file or ENCORE_LOGIN_{ID}_CLIENT_SECRET
  In sections ([smtp], [spam] in the file; the variable joins section and name with _):
    smtp.url            ENCORE_SMTP_URL            smtp://HOST:587, smtps://HOST:465 or smtp://HOST:25?tls=none
                                                   (none: mail waits in the outbox)
    smtp.password_file  ENCORE_SMTP_PASSWORD_FILE  file holding the SMTP password (none)
    smtp.from           ENCORE_SMTP_FROM           sender of Encore's mail (encore@localhost)
    spam.listen         ENCORE_SPAM_LISTEN         address of `encore spam serve` (127.0.0.1:8181)
    spam.path           ENCORE_SPAM_PATH           also answer the Akismet API under this path of
                                                   `encore serve`, e.g. /akismet (off)
    spam.rate_limit     ENCORE_SPAM_RATE_LIMIT     spam API calls per second per key, 0 = no limit (50)
    spam.log_days       ENCORE_SPAM_LOG_DAYS       days to keep each spam verdict and its reasons, 0 = forever (90)
    spam.refresh_seconds ENCORE_SPAM_REFRESH_SECONDS seconds a running spam service trusts a key's cached
                                                   revocation and blocklist before reading them again (10)
  The older top-level names (smtp_url, mail_from or ENCORE_MAIL_FROM, spam_listen, ...) still work.

  site_title, site_tagline and base_url seed the default site when it is created; afterwards
  change them with `encore site set` (a differing setting is reported, never written).

EXAMPLES
  encore demo                          run a demo music blog at http://127.0.0.1:8080
  encore serve --listen 0.0.0.0:8080   serve the configured sites
  encore site add --host music.example.org --title \"Side B\"
  encore site set --base-url https://blog.example.org
  encore post add rocky-iv.md
  encore spam key add --blog https://music.example.org
  encore spam serve --listen 127.0.0.1:8181
  printf '%s\\n' \"$PASSWORD\" | encore user add --username max --email max@example.org --password-stdin";

/// Encore: a self-hosted blog engine with an embedded database.
#[derive(Debug, Parser)]
#[command(name = "encore", version, about, after_long_help = SETTINGS_HELP)]
pub struct Cli {
    /// Read settings from this TOML file instead of ./encore.toml.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Keep the database and media here (overrides data_dir).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Encore's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the configured sites (applies pending migrations first).
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080 or [::]:80 (overrides listen).
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
    },
    /// Fill the default site with a demo music blog on its first run, then serve it.
    Demo {
        /// Address to listen on (overrides listen).
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Manage accounts.
    #[command(subcommand)]
    User(users::UserCommand),
    /// Manage sites (blogs) served by this instance.
    #[command(subcommand)]
    Site(sites::SiteCommand),
    /// Write posts from Markdown files: add, edit, publish, delete, list, export.
    #[command(subcommand)]
    Post(posts::PostCommand),
    /// The Akismet-compatible spam service: serve it, manage its keys and blocklists, evaluate the classifier.
    #[command(subcommand)]
    Spam(spam::SpamCommand),
}

impl Cli {
    /// The flags that override configuration values.
    pub fn overrides(&self) -> Overrides {
        let listen = match &self.command {
            Command::Serve { listen } | Command::Demo { listen } => *listen,
            _ => None,
        };
        let spam_listen = match &self.command {
            Command::Spam(spam::SpamCommand::Serve { listen }) => *listen,
            _ => None,
        };
        Overrides {
            listen,
            data_dir: self.data_dir.clone(),
            spam_listen,
        }
    }
}

/// Runs a command.
pub async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve { .. } => serve::run(config, false).await,
        Command::Demo { .. } => serve::run(config, true).await,
        Command::Migrate => {
            let store = open_store(&config).await?;
            println!(
                "Database {} is up to date.",
                encore_store::redact_url(&config.database_url())
            );
            store.close().await;
            Ok(())
        }
        Command::User(cmd) => users::run(cmd, config).await,
        Command::Site(cmd) => sites::run(cmd, config).await,
        Command::Post(cmd) => posts::run(cmd, config).await,
        Command::Spam(cmd) => spam::run(cmd, config).await,
    }
}

/// Opens the store, creating the data directory when needed, and applies pending migrations.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            config.data_dir.display()
        )
    })?;
    let options = StoreOptions {
        database_url: config.database_url(),
        media_dir: config.data_dir.join("media"),
        pool: PoolOptions {
            max_connections: config.db_max_connections,
            ..PoolOptions::default()
        },
    };
    let store = Store::open(&options).await.with_context(|| {
        format!(
            "cannot open the database {}",
            encore_store::redact_url(&options.database_url)
        )
    })?;
    store
        .migrate()
        .await
        .context("cannot apply database migrations")?;
    Ok(store)
}

/// Opens the store (see [`open_store`]) and the application layer over it, on the system clock.
pub async fn open_app(config: &Config) -> anyhow::Result<App> {
    let store = open_store(config).await?;
    Ok(App::new(store, Clock::system()))
}

/// The site a command names by host, or the default site (created from the configuration when
/// the database has none yet).
pub async fn site_by_host(
    app: &App,
    config: &Config,
    host: Option<String>,
) -> anyhow::Result<Site> {
    match host {
        Some(host) => {
            let host = encore_core::site::normalize_host(&host).context("invalid --site host")?;
            app.store()
                .sites()
                .by_host(&host)
                .await?
                .with_context(|| format!("no site with host {host}; see `encore site list`"))
        }
        None => {
            let base = config.base_url_for(config.listen);
            default_site(app, config, &base, serve::DEFAULT_TITLE).await
        }
    }
}

/// The default site: created from the configuration when the database has none; otherwise the
/// stored one, unchanged, with a warning for every configured setting that disagrees with it.
pub async fn default_site(
    app: &App,
    config: &Config,
    base_url: &str,
    fallback_title: &str,
) -> anyhow::Result<Site> {
    let host = encore_core::site::host_of_url(base_url).unwrap_or_else(|| "localhost".into());
    let seed = NewSite {
        host,
        title: config
            .site_title
            .clone()
            .unwrap_or_else(|| fallback_title.to_owned()),
        tagline: config.site_tagline.clone().unwrap_or_default(),
        base_url: Some(base_url.to_owned()),
        is_default: true,
    };
    let configured = Configured {
        title: config.site_title.clone(),
        tagline: config.site_tagline.clone(),
        base_url: config.base_url.clone(),
    };
    let (site, mismatches) = ensure_default_site(app, seed, &configured)
        .await
        .map_err(|e| anyhow::anyhow!("cannot set up the default site: {e}"))?;
    for mismatch in mismatches {
        tracing::warn!(setting = mismatch.setting, stored = %mismatch.stored, configured = %mismatch.configured, "{mismatch}");
    }
    Ok(site)
}

/// Resolves on Ctrl-C or SIGTERM.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
