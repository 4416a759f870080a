//! `encore site add`, `encore site set` and `encore site list`.

use crate::{cli, config::Config};
use anyhow::Context;
use clap::Subcommand;
use encore_app::{
    Actor, AppError,
    sites::{SiteSettings, add_site, update_site},
};
use encore_core::site::{NewSite, normalize_host};

/// Site commands.
#[derive(Debug, Subcommand)]
pub enum SiteCommand {
    /// Create another site, answering on its own host name.
    Add {
        /// Host name readers use, e.g. music.example.org.
        #[arg(long)]
        host: String,
        /// The blog's title.
        #[arg(long)]
        title: String,
        /// One-line description.
        #[arg(long, default_value = "")]
        tagline: String,
        /// Public address (default https://HOST).
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
    },
    /// Change a site's settings (the default site unless --host names another). Every running
    /// node shows the change within a second; the configuration file is not read for them.
    Set {
        /// The site to change, by its current host (default: the default site).
        #[arg(long)]
        host: Option<String>,
        /// A new host name for it.
        #[arg(long, value_name = "HOST")]
        new_host: Option<String>,
        /// The blog's title.
        #[arg(long)]
        title: Option<String>,
        /// One-line description ("" for none).
        #[arg(long)]
        tagline: Option<String>,
        /// Public address, used in every link the site gives out (canonical, feeds, shares),
        /// e.g. https://music.example.org.
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Whether anyone may sign up as a subscriber (open) or only invited people (closed).
        #[arg(long, value_name = "open|closed", value_parser = ["open", "closed"])]
        signup: Option<String>,
        /// Posts on a page of the home page and archives (1 to 100), or `default` for the
        /// configured `posts_per_page`.
        #[arg(long, value_name = "N|default")]
        posts_per_page: Option<String>,
    },
    /// List the sites of this instance.
    List,
}

/// Runs a site command.
pub async fn run(command: SiteCommand, config: Config) -> anyhow::Result<()> {
    let app = cli::open_app(&config).await?;
    let result = async {
        match command {
            SiteCommand::Add {
                host,
                title,
                tagline,
                base_url,
            } => {
                let new = NewSite {
                    host,
                    title,
                    tagline,
                    base_url,
                    is_default: false,
                };
                match add_site(&app, Actor::Operator, new).await {
                    Ok(site) => {
                        println!(
                            "Created site {} \"{}\" at {} (host {}).",
                            site.id, site.title, site.base_url, site.host
                        );
                        Ok(())
                    }
                    Err(AppError::Conflict(_)) => {
                        Err(anyhow::anyhow!("a site for that host exists already"))
                    }
                    Err(e) => Err(e.into()),
                }
            }
            SiteCommand::Set {
                host,
                new_host,
                title,
                tagline,
                base_url,
                signup,
                posts_per_page,
            } => {
                let sites = app.store().sites();
                let site = match host {
                    Some(host) => {
                        let host = normalize_host(&host).context("invalid --host")?;
                        sites.by_host(&host).await?.with_context(|| {
                            format!("no site with host {host}; see `encore site list`")
                        })?
                    }
                    None => sites
                        .default_site()
                        .await?
                        .context("there is no default site yet: start `encore serve` once")?,
                };
                let posts_per_page = match posts_per_page.as_deref() {
                    None => None,
                    Some("default") => Some(None),
                    Some(n) => Some(Some(n.parse::<u32>().with_context(|| {
                        format!("--posts-per-page takes a number or `default`, not {n:?}")
                    })?)),
                };
                let settings = SiteSettings {
                    host: new_host,
                    title,
                    tagline,
                    base_url,
                    posts_per_page,
                    signup_open: signup.as_deref().map(|s| s == "open"),
                    discussion: None,
                };
                let site = match update_site(&app, Actor::Operator, site.id, settings).await {
                    Err(AppError::Conflict(_)) => {
                        anyhow::bail!("another site answers on that host already")
                    }
                    other => other?,
                };
                if let Some(signup) = &signup {
                    println!("Sign-up on {} is {signup}.", site.base_url);
                }
                println!(
                    "Site {} is now \"{}\" at {} (host {}{}).",
                    site.id,
                    site.title,
                    site.base_url,
                    site.host,
                    if site.tagline.is_empty() {
                        String::new()
                    } else {
                        format!(", tagline \"{}\"", site.tagline)
                    }
                );
                Ok(())
            }
            SiteCommand::List => {
                for site in app.store().sites().list().await? {
                    let mark = if site.is_default { " (default)" } else { "" };
                    println!(
                        "{}\t{}\t{}\t{}{mark}",
                        site.id, site.host, site.base_url, site.title
                    );
                }
                Ok(())
            }
        }
    }
    .await;
    app.store().close().await;
    result
}
