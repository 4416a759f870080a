//! `encore site add` and `encore site list`.

use crate::{cli, config::Config};
use clap::Subcommand;
use encore_core::site::NewSite;
use encore_store::StoreError;

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
    /// List the sites of this instance.
    List,
}

/// Runs a site command.
pub async fn run(command: SiteCommand, config: Config) -> anyhow::Result<()> {
    let store = cli::open_store(&config).await?;
    let result = match command {
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
            }
            .validate()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            match store.sites().insert(&new, encore_store::now()).await {
                Ok(site) => {
                    println!(
                        "Created site {} \"{}\" at {} (host {}).",
                        site.id, site.title, site.base_url, site.host
                    );
                    Ok(())
                }
                Err(StoreError::Conflict(_)) => Err(anyhow::anyhow!(
                    "a site for host {} exists already",
                    new.host
                )),
                Err(e) => Err(e.into()),
            }
        }
        SiteCommand::List => {
            for site in store.sites().list().await? {
                let mark = if site.is_default { " (default)" } else { "" };
                println!(
                    "{}\t{}\t{}\t{}{mark}",
                    site.id, site.host, site.base_url, site.title
                );
            }
            Ok(())
        }
    };
    store.close().await;
    result
}
