//! `encore post add | edit | publish | delete | list | export`: writing from the terminal, with
//! Markdown files and TOML front matter (see `postfile.rs`). Every command writes through the
//! application layer, so a running server's pages show the change within a second.

use crate::{
    cli,
    config::Config,
    postfile::{FileError, FrontMatter, PostFile, track_listing},
};
use anyhow::{Context, bail};
use bytes::Bytes;
use clap::Subcommand;
use encore_app::{
    Actor, App, AppError,
    downloads::add_download,
    posts::{PostDraft, Ref, create_post, delete_post, publish_post, update_post},
};
use encore_core::{
    ids::{AccountId, DownloadId, PostId},
    post::{Post, PostKind},
    site::Site,
};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Post commands.
#[derive(Debug, Subcommand)]
pub enum PostCommand {
    /// Create a post or page from a Markdown file with TOML front matter (+++ … +++).
    Add {
        /// The file.
        file: PathBuf,
        /// The site, by host (default: the default site).
        #[arg(long)]
        site: Option<String>,
    },
    /// Replace a post with the contents of a file (its id stays, and so do its comments).
    Edit {
        /// The post's id (see `encore post list`).
        id: i64,
        /// The file.
        file: PathBuf,
        /// The site, by host (default: the default site).
        #[arg(long)]
        site: Option<String>,
    },
    /// Publish a post now, or at a time (a future time schedules it).
    Publish {
        /// The post's id.
        id: i64,
        /// When, e.g. 2026-12-24T18:00:00Z (default: its own date, or now).
        #[arg(long)]
        at: Option<String>,
        /// The site, by host (default: the default site).
        #[arg(long)]
        site: Option<String>,
    },
    /// Delete a post.
    Delete {
        /// The post's id.
        id: i64,
        /// The site, by host (default: the default site).
        #[arg(long)]
        site: Option<String>,
    },
    /// List posts and pages in every status, newest first.
    List {
        /// The site, by host (default: the default site).
        #[arg(long)]
        site: Option<String>,
    },
    /// Print a post as a file that `encore post add` (or `edit`) reads back.
    Export {
        /// The post's id.
        id: i64,
        /// Write the file (SLUG.md) and its downloads into this directory instead of printing.
        #[arg(long)]
        dir: Option<PathBuf>,
        /// The site, by host (default: the default site).
        #[arg(long)]
        site: Option<String>,
    },
}

/// Runs a post command.
pub async fn run(command: PostCommand, config: Config) -> anyhow::Result<()> {
    let app = cli::open_app(&config).await?;
    let result = run_with(&app, command, &config).await;
    app.store().close().await;
    result
}

async fn run_with(app: &App, command: PostCommand, config: &Config) -> anyhow::Result<()> {
    let op = Actor::Operator;
    match command {
        PostCommand::Add { file, site } => {
            let site = cli::site_by_host(app, config, site).await?;
            let draft = draft_from_file(app, &site, &file).await?;
            let saved = explain(create_post(app, op, site.id, draft).await, &file)?;
            println!("Created post {} at {}.", saved.id, site.url(&saved.path));
        }
        PostCommand::Edit { id, file, site } => {
            let site = cli::site_by_host(app, config, site).await?;
            let draft = draft_from_file(app, &site, &file).await?;
            let saved = explain(
                update_post(app, op, site.id, PostId(id), draft).await,
                &file,
            )?;
            println!("Updated post {} at {}.", saved.id, site.url(&saved.path));
        }
        PostCommand::Publish { id, at, site } => {
            let site = cli::site_by_host(app, config, site).await?;
            let at = match at {
                Some(text) => Some(
                    chrono::DateTime::parse_from_rfc3339(&text)
                        .with_context(|| {
                            format!("--at {text:?}: use a time like 2026-12-24T18:00:00Z")
                        })?
                        .with_timezone(&chrono::Utc),
                ),
                None => None,
            };
            let saved = match publish_post(app, op, site.id, PostId(id), at).await {
                Err(AppError::NotFound(_)) => bail!("no post {id} on {}", site.host),
                other => other?,
            };
            println!("Published post {} at {}.", saved.id, site.url(&saved.path));
        }
        PostCommand::Delete { id, site } => {
            let site = cli::site_by_host(app, config, site).await?;
            match delete_post(app, op, site.id, PostId(id)).await {
                Err(AppError::NotFound(_)) => bail!("no post {id} on {}", site.host),
                other => other?,
            };
            println!("Deleted post {id}.");
        }
        PostCommand::List { site } => {
            let site = cli::site_by_host(app, config, site).await?;
            for listed in app.store().posts().all(site.id, 10_000).await? {
                let s = &listed.summary;
                let date = s
                    .published_at
                    .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_else(|| "-".into());
                println!(
                    "{}\t{}\t{}\t{date}\t{}\t{}",
                    s.id,
                    s.kind.as_str(),
                    listed.status,
                    s.path(),
                    s.title
                );
            }
        }
        PostCommand::Export { id, dir, site } => {
            let site = cli::site_by_host(app, config, site).await?;
            let post = app
                .store()
                .posts()
                .by_id(site.id, PostId(id))
                .await?
                .with_context(|| format!("no post {id} on {}", site.host))?;
            let file = file_of(app, &site, &post).await?;
            match dir {
                None => print!("{}", file.write()),
                Some(dir) => {
                    std::fs::create_dir_all(&dir)
                        .with_context(|| format!("cannot create {}", dir.display()))?;
                    for download in &post.downloads {
                        let stored = app
                            .store()
                            .downloads()
                            .by_id(site.id, download.id)
                            .await?
                            .context("a download of the post vanished")?;
                        let bytes = app.store().downloads().read_all(&stored).await?;
                        std::fs::write(dir.join(&download.file_name), bytes)?;
                    }
                    let path = dir.join(format!("{}.md", post.summary.slug));
                    std::fs::write(&path, file.write())?;
                    println!("Wrote {}.", path.display());
                }
            }
        }
    }
    Ok(())
}

/// Reads a post file into a draft: names stay names (the use case finds or creates them),
/// downloads are stored (or found, when the same file was stored before).
async fn draft_from_file(app: &App, site: &Site, path: &Path) -> anyhow::Result<PostDraft> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let file = PostFile::parse(&text).map_err(|e| in_file(path, e))?;
    let checked = |e| in_file(path, FileError::Invalid(e));
    let author = author_of(app, site, file.front.author.as_deref()).await?;
    let mut draft = PostDraft::new(author, &file.front.title, &file.body_with_embeds());
    draft.kind = file.kind().map_err(checked)?;
    draft.status = file.status().map_err(checked)?;
    draft.published_at = file.date().map_err(checked)?;
    draft.slug = file.front.slug.clone();
    draft.excerpt = file.front.excerpt.clone();
    draft.tracks = file.tracks().map_err(checked)?;
    draft.categories = file
        .front
        .categories
        .iter()
        .cloned()
        .map(Ref::Name)
        .collect();
    draft.tags = file.front.tags.iter().cloned().map(Ref::Name).collect();
    draft.series = match (&file.front.series, file.front.part) {
        (Some(series), Some(part)) => Some((Ref::Name(series.clone()), part)),
        (Some(_), None) => bail!("{}: series needs part = N", path.display()),
        (None, Some(_)) => bail!("{}: part needs series = \"…\"", path.display()),
        (None, None) => None,
    };
    draft.subject_year = file.front.subject_year;
    let base = path.parent().unwrap_or(Path::new("."));
    for name in &file.front.downloads {
        draft
            .downloads
            .push(download_id(app, site, &base.join(name)).await?);
    }
    Ok(draft)
}

/// The download for a file: the one stored before with the same name and bytes, or a new one.
async fn download_id(app: &App, site: &Site, path: &Path) -> anyhow::Result<DownloadId> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read the download {}", path.display()))?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .with_context(|| format!("{} has no usable file name", path.display()))?;
    let sha = hex::encode(Sha256::digest(&bytes));
    if let Some(existing) = app
        .store()
        .downloads()
        .by_content(site.id, &sha, name)
        .await?
    {
        return Ok(existing.id);
    }
    Ok(
        add_download(app, Actor::Operator, site.id, name, Bytes::from(bytes))
            .await?
            .id,
    )
}

/// The author a file names, or the site's only author when it names none.
async fn author_of(app: &App, site: &Site, username: Option<&str>) -> anyhow::Result<AccountId> {
    let accounts = app.store().accounts();
    match username {
        Some(name) => Ok(accounts
            .member_by_username(site.id, name)
            .await?
            .with_context(|| format!("author = {name:?}: no such member of {}", site.host))?
            .id),
        None => {
            let members = accounts.members(site.id).await?;
            match members.as_slice() {
                [only] => Ok(only.id),
                [] => bail!(
                    "{} has no members yet: add one with `encore user add`, or name the author in the file",
                    site.host
                ),
                many => bail!(
                    "name the author in the front matter (author = \"…\"), one of: {}",
                    many.iter()
                        .map(|a| a.username.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        }
    }
}

/// The file that writes `post` back.
async fn file_of(app: &App, site: &Site, post: &Post) -> anyhow::Result<PostFile> {
    let series = match post.series {
        Some((id, part)) => app
            .store()
            .series()
            .by_id(site.id, id)
            .await?
            .map(|s| (s.title, part)),
        None => None,
    };
    let date = post
        .summary
        .published_at
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true).parse())
        .transpose()
        .context("an unreadable date")?;
    Ok(PostFile {
        front: FrontMatter {
            title: post.summary.title.clone(),
            slug: post.summary.slug.clone(),
            kind: (post.summary.kind == PostKind::Page).then(|| "page".to_owned()),
            status: Some(post.status.to_string()),
            date,
            author: Some(post.summary.author.username.clone()),
            excerpt: post.excerpt.clone(),
            categories: post
                .summary
                .categories
                .iter()
                .map(|c| c.name.clone())
                .collect(),
            tags: post.tags.iter().map(|t| t.name.clone()).collect(),
            part: series.as_ref().map(|(_, part)| *part),
            series: series.map(|(title, _)| title),
            subject_year: post.subject_year,
            tracks: track_listing(&post.tracks),
            embeds: Vec::new(),
            downloads: post.downloads.iter().map(|d| d.file_name.clone()).collect(),
        },
        body: post.body.clone(),
    })
}

/// An error in a file, with the file named.
fn in_file(path: &Path, error: FileError) -> anyhow::Error {
    anyhow::anyhow!("{}: {error}", path.display())
}

/// Use case errors said in the terms of the file.
fn explain<T>(result: Result<T, AppError>, path: &Path) -> anyhow::Result<T> {
    result.map_err(|e| match e {
        AppError::Conflict(field) => anyhow::anyhow!(
            "{}: that {field} is taken by another post; set slug = \"…\" in the front matter",
            path.display()
        ),
        AppError::NotFound(what) => anyhow::anyhow!("no such {what}"),
        AppError::Validation(e) => anyhow::anyhow!("{}: {e}", path.display()),
        other => anyhow::anyhow!("{}: {other}", path.display()),
    })
}
