//! `encore spam …`: the Akismet-compatible spam service.

use crate::{cli, config::Config};
use anyhow::{Context, bail};
use clap::Subcommand;
use encore_spam::service::{Service, ServiceOptions};
use encore_store::spam::BlockKind;
use std::{net::SocketAddr, path::PathBuf, time::Instant};
use tokio::net::TcpListener;

/// Spam service commands.
#[derive(Debug, Subcommand)]
pub enum SpamCommand {
    /// Serve the Akismet API on its own address (spam_listen), with the configured database.
    Serve {
        /// Address to listen on (overrides spam_listen).
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
    },
    /// Manage API keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Manage a key's blocklist: words, emails (or @domain), IP addresses and linked domains.
    #[command(subcommand)]
    Block(BlockCommand),
    /// Show a key's latest verdicts and the reasons for each.
    Log {
        /// The API key.
        #[arg(long)]
        key: String,
        /// How many checks to show, newest first.
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
    /// Cross-validate the classifier on a labelled corpus (TSV: spam|ham<TAB>text) and print its scores.
    Eval {
        /// The corpus file.
        #[arg(long, value_name = "FILE")]
        corpus: PathBuf,
        /// Number of folds.
        #[arg(long, default_value_t = 10)]
        folds: usize,
        /// Also print the N most confident mistakes of each kind (ham marked spam, missed spam).
        #[arg(long, value_name = "N", default_value_t = 0)]
        show_mistakes: usize,
    },
}

/// Key commands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Issue a key for a blog and print it.
    Add {
        /// The blog's address, e.g. https://music.example.org.
        #[arg(long)]
        blog: String,
        /// Checks per month before usage-limit reports the key as throttled (no limit by default).
        #[arg(long, value_name = "N")]
        monthly_limit: Option<i64>,
    },
    /// List keys with this month's usage.
    List,
    /// Revoke a key: calls with it are answered `invalid` from then on.
    Revoke {
        /// The key.
        key: String,
    },
}

/// Blocklist commands.
#[derive(Debug, Subcommand)]
pub enum BlockCommand {
    /// Add an entry.
    Add {
        /// The API key whose list it is.
        #[arg(long)]
        key: String,
        /// word, email, ip or domain.
        #[arg(long)]
        kind: String,
        /// The value: a word or phrase, an email or @domain, an IP address, a domain.
        value: String,
    },
    /// Remove an entry.
    Remove {
        /// The API key whose list it is.
        #[arg(long)]
        key: String,
        /// word, email, ip or domain.
        #[arg(long)]
        kind: String,
        /// The value.
        value: String,
    },
    /// List a key's entries.
    List {
        /// The API key whose list it is.
        #[arg(long)]
        key: String,
    },
}

/// The service options the configuration asks for.
pub fn service_options(config: &Config) -> ServiceOptions {
    let days = u64::from(config.spam.log_days);
    ServiceOptions {
        rate_per_second: config.spam.rate_limit,
        keep_checks: (days > 0).then(|| std::time::Duration::from_secs(days * 24 * 3600)),
        refresh_every: std::time::Duration::from_secs(u64::from(config.spam.refresh_seconds)),
        ..ServiceOptions::default()
    }
}

/// Runs a spam command.
pub async fn run(command: SpamCommand, config: Config) -> anyhow::Result<()> {
    match command {
        SpamCommand::Eval {
            corpus,
            folds,
            show_mistakes,
        } => eval(&corpus, folds, show_mistakes),
        SpamCommand::Serve { .. } => serve(config).await,
        SpamCommand::Key(cmd) => {
            let store = cli::open_store(&config).await?;
            let result = key(cmd, &store).await;
            store.close().await;
            result
        }
        SpamCommand::Block(cmd) => {
            let store = cli::open_store(&config).await?;
            let result = block(cmd, &store).await;
            store.close().await;
            result
        }
        SpamCommand::Log { key, limit } => {
            let store = cli::open_store(&config).await?;
            let result = log(&store, &key, limit).await;
            store.close().await;
            result
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let store = cli::open_store(&config).await?;
    let listener = TcpListener::bind(config.spam.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.spam.listen))?;
    let bound = listener.local_addr()?;
    let service = Service::new(store.clone(), service_options(&config));
    // Train the base model now rather than on the first call.
    let _ = service.engine().base();
    let keys = store
        .spam()
        .keys()
        .await?
        .iter()
        .filter(|k| k.revoked_at.is_none())
        .count();
    println!(
        "Encore spam service is running at http://{bound} ({keys} active key(s); add one with `encore spam key add \
         --blog URL`). Press Ctrl-C to stop."
    );
    encore_spam::server::serve(listener, service, super::shutdown_signal()).await?;
    store.close().await;
    Ok(())
}

async fn key(command: KeyCommand, store: &encore_store::Store) -> anyhow::Result<()> {
    match command {
        KeyCommand::Add {
            blog,
            monthly_limit,
        } => {
            let service = Service::new(store.clone(), ServiceOptions::default());
            let key = service.add_key(&blog, monthly_limit).await?;
            println!("{}", key.api_key);
            eprintln!("Issued a spam API key for {}.", key.blog);
        }
        KeyCommand::List => {
            let month = chrono::Utc::now().format("%Y-%m").to_string();
            let keys = store.spam().keys().await?;
            if keys.is_empty() {
                println!("No keys yet; add one with `encore spam key add --blog URL`.");
            }
            for key in keys {
                let usage = store.spam().usage(key.id, &month).await?;
                let limit = key
                    .monthly_limit
                    .map_or("no limit".to_owned(), |l| format!("limit {l}"));
                let state = if key.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!(
                    "{}  {state}  {}  {usage} checks in {month} ({limit})",
                    key.api_key, key.blog
                );
            }
        }
        KeyCommand::Revoke { key } => {
            let service = Service::new(store.clone(), ServiceOptions::default());
            match service.revoke_key(&key).await {
                Ok(()) => println!("Revoked {key}."),
                Err(encore_store::StoreError::NotFound) => bail!("no active key {key}"),
                Err(err) => return Err(err.into()),
            }
        }
    }
    Ok(())
}

fn kind(name: &str) -> anyhow::Result<BlockKind> {
    BlockKind::parse(name)
        .with_context(|| format!("unknown kind {name:?}: use word, email, ip or domain"))
}

async fn key_id(store: &encore_store::Store, key: &str) -> anyhow::Result<i64> {
    Ok(store
        .spam()
        .key(key)
        .await?
        .with_context(|| format!("no key {key}"))?
        .id)
}

async fn block(command: BlockCommand, store: &encore_store::Store) -> anyhow::Result<()> {
    match command {
        BlockCommand::Add {
            key,
            kind: k,
            value,
        } => {
            let service = Service::new(store.clone(), ServiceOptions::default());
            match service.block(&key, kind(&k)?, &value).await {
                Err(encore_store::StoreError::NotFound) => bail!("no key {key}"),
                other => other?,
            }
            println!("Blocked {k} {:?} for {key}.", value.trim().to_lowercase());
        }
        BlockCommand::Remove {
            key,
            kind: k,
            value,
        } => {
            let service = Service::new(store.clone(), ServiceOptions::default());
            key_id(store, &key).await?;
            match service.unblock(&key, kind(&k)?, &value).await {
                Ok(()) => println!("Removed {k} {value:?} from the blocklist of {key}."),
                Err(encore_store::StoreError::NotFound) => {
                    bail!("{k} {value:?} is not on the blocklist of {key}")
                }
                Err(err) => return Err(err.into()),
            }
        }
        BlockCommand::List { key } => {
            let id = key_id(store, &key).await?;
            for (kind, value) in store.spam().blocklist(id).await? {
                println!("{}\t{value}", kind.as_str());
            }
        }
    }
    Ok(())
}

async fn log(store: &encore_store::Store, key: &str, limit: i64) -> anyhow::Result<()> {
    let id = key_id(store, key).await?;
    for check in store.spam().recent_checks(id, limit).await? {
        let values: encore_spam::params::CommentValues =
            serde_json::from_str(&check.comment).unwrap_or_default();
        let reasons: Vec<encore_spam::engine::Reason> =
            serde_json::from_str(&check.reasons).unwrap_or_default();
        let excerpt: String = values.comment_content.chars().take(60).collect();
        println!(
            "{}  {:<7} {:>5.1}%  {}  {:?}",
            check.checked_at.format("%Y-%m-%d %H:%M:%S"),
            check.verdict,
            check.score * 100.0,
            check.guid,
            excerpt
        );
        for reason in reasons {
            println!("      {:+7.2}  {}", reason.weight, reason.label);
        }
    }
    Ok(())
}

fn eval(corpus: &std::path::Path, folds: usize, show_mistakes: usize) -> anyhow::Result<()> {
    if folds < 2 {
        bail!("--folds must be at least 2");
    }
    let bytes =
        std::fs::read(corpus).with_context(|| format!("cannot read {}", corpus.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let examples = encore_spam::eval::read_corpus(&text)
        .with_context(|| format!("in {}", corpus.display()))?;
    let spam = examples.iter().filter(|(_, s)| *s).count();
    if spam == 0 || spam == examples.len() {
        bail!("the corpus needs both spam and ham lines");
    }
    let started = Instant::now();
    let report = encore_spam::eval::cross_validate(
        &examples,
        folds,
        encore_spam::model::TrainOptions::default(),
    );
    println!("{}: {report}", corpus.display());
    println!("  took {:.1} s", started.elapsed().as_secs_f64());
    if show_mistakes > 0 {
        for (spam, title) in [(false, "ham marked spam"), (true, "spam let through")] {
            let mut mistakes: Vec<_> = report.mistakes.iter().filter(|m| m.spam == spam).collect();
            mistakes.sort_by(|a, b| b.logit.abs().total_cmp(&a.logit.abs()));
            println!("{title} (most confident first):");
            for mistake in mistakes.iter().take(show_mistakes) {
                let text = &examples[mistake.index].0;
                let excerpt: String = text.chars().take(100).collect();
                println!(
                    "  line {:>5}  log-odds {:+6.2}  {excerpt:?}",
                    mistake.index + 1,
                    mistake.logit
                );
            }
        }
    }
    Ok(())
}
