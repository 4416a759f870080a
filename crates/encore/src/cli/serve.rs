//! `encore serve` and `encore demo`.

use crate::{cli, config::Config, demo};
use anyhow::Context;
use encore_web::{AppState, Theme};
use tokio::net::TcpListener;

/// Title of the default site when the configuration names none.
pub const DEFAULT_TITLE: &str = "My Encore blog";

/// Opens the store, prepares the default site (with demo content when `demo`), and serves
/// until Ctrl-C or SIGTERM.
pub async fn run(config: Config, demo: bool) -> anyhow::Result<()> {
    let app = cli::open_app(&config).await?;
    let store = app.store().clone();
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let bound = listener.local_addr()?;
    let base_url = config.base_url_for(bound);
    let fallback_title = if demo {
        demo::SITE_TITLE
    } else {
        DEFAULT_TITLE
    };
    let site = cli::default_site(&app, &config, &base_url, fallback_title).await?;
    // A release with a new Markdown renderer renders the stored posts again, once.
    let rendered = encore_app::renders::rerender_stale(&app).await?;
    if rendered > 0 {
        tracing::info!(
            posts = rendered,
            "rendered posts with this release's renderer"
        );
    }
    if demo {
        if demo::seed(&app, &site, &config).await? {
            println!(
                "Created the demo music blog in {}.",
                config.data_dir.display()
            );
        } else {
            println!("The demo content is already in place; serving it as it is.");
        }
    }
    let theme = Theme::new(config.theme_dir.clone());
    let feed = encore_app::feed::spawn(app.clone()).await?;
    let mailer = config.mailer()?;
    if mailer.is_none() {
        // Said loudly only when it matters: mail is waiting.
        if store.jobs().mail_waiting().await? {
            tracing::warn!(
                "smtp.url is not set: mail (password resets) waits in the outbox until it is"
            );
        } else {
            tracing::info!("smtp.url is not set: mail will wait in the outbox until it is");
        }
    }
    let _worker = encore_app::jobs::spawn_worker(app.clone(), mailer);
    let mut settings = config.web_settings()?;
    // Comments are checked by the in-process engine, through the same protocol any
    // Akismet-compatible endpoint answers.
    let service =
        encore_spam::service::Service::new(store.clone(), cli::spam::service_options(&config));
    let flusher = service.spawn_flusher();
    service.prepare_in_background();
    let key = comment_key(&service, &store).await?;
    app.use_spam_checker(encore_spam::client::Client::new(
        encore_spam::client::Endpoint::Local {
            service: service.clone(),
            key,
        },
        encore_spam::client::ClientOptions::default(),
    ));
    if !config.spam.path.is_empty() {
        settings.spam = Some(encore_web::SpamApi {
            path: config.spam.path.clone(),
            service,
        });
        println!(
            "The Akismet-compatible spam API answers under http://{bound}{}/1.1/.",
            config.spam.path
        );
    }
    let limits = settings.limits;
    let state = AppState::new(app.clone(), theme, settings);
    let app = encore_web::router(state);
    println!(
        "Encore is running at http://{bound} (site \"{}\", public address {}). Press Ctrl-C to stop.",
        site.title, site.base_url
    );
    tracing::info!(%bound, database = %encore_store::redact_url(&config.database_url()), "serving");
    encore_web::serve_router(listener, app, limits, cli::shutdown_signal()).await?;
    flusher.stop().await;
    feed.stop();
    store.close().await;
    Ok(())
}

/// The label of the spam key this instance checks its own comments with.
const COMMENT_KEY_BLOG: &str = "encore:comments";

/// The spam key of this instance's own comments, issued on first start.
async fn comment_key(
    service: &encore_spam::service::Service,
    store: &encore_store::Store,
) -> anyhow::Result<String> {
    let keys = store.spam().keys().await?;
    if let Some(key) = keys
        .into_iter()
        .find(|k| k.blog == COMMENT_KEY_BLOG && k.revoked_at.is_none())
    {
        return Ok(key.api_key);
    }
    let key = service
        .add_key(COMMENT_KEY_BLOG, None)
        .await
        .map_err(|e| anyhow::anyhow!("cannot issue the comments' spam key: {e}"))?;
    Ok(key.api_key)
}
