//! `encore user add`: creates an account with an argon2id password and a role on a site.

use crate::{cli, config::Config};
use anyhow::{Context, bail};
use clap::Subcommand;
use encore_app::{Actor, AppError, accounts::add_user};
use encore_core::{
    account::{NewAccount, validate_password},
    roles::Role,
};
use std::io::{BufRead, IsTerminal};

/// Account commands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account (an author by default) on a site. Asks for the password, or reads one
    /// line from standard input with --password-stdin.
    Add {
        /// Login name: lower-case letters, digits, '-', '_' or '.'.
        #[arg(long)]
        username: String,
        /// Email address.
        #[arg(long)]
        email: String,
        /// Name shown on posts (default: the username).
        #[arg(long, default_value = "")]
        display_name: String,
        /// administrator, editor, author, contributor or subscriber.
        #[arg(long, default_value = "author")]
        role: Role,
        /// Host of the site to join (default: the default site).
        #[arg(long)]
        site: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Invite someone by email: they choose their username and password through the link, which
    /// works once, for a week. The mail goes out through smtp.url (a running server sends it);
    /// the link is printed too, to hand over another way.
    Invite {
        /// Their email address.
        #[arg(long)]
        email: String,
        /// administrator, editor, author, contributor or subscriber.
        #[arg(long, default_value = "author")]
        role: Role,
        /// Host of the site to join (default: the default site).
        #[arg(long)]
        site: Option<String>,
    },
}

/// Runs a user command.
pub async fn run(command: UserCommand, config: Config) -> anyhow::Result<()> {
    let (username, email, display_name, role, site, password_stdin) = match command {
        UserCommand::Add {
            username,
            email,
            display_name,
            role,
            site,
            password_stdin,
        } => (username, email, display_name, role, site, password_stdin),
        UserCommand::Invite { email, role, site } => {
            return invite(config, email, role, site).await;
        }
    };
    let account = NewAccount {
        username,
        email,
        display_name,
        bio: String::new(),
    };
    let password = read_password(password_stdin)?;
    // Checked before the database is opened, so a short password costs nothing.
    validate_password(&password).map_err(|e| anyhow::anyhow!("{e}"))?;

    let app = cli::open_app(&config).await?;
    let result = async {
        // An existing default site is left as it is; only a fresh database gets one made from
        // the configuration here.
        let site = cli::site_by_host(&app, &config, site).await?;
        let created = match add_user(
            &app,
            Actor::Operator,
            account,
            Some(&password),
            site.id,
            role,
        )
        .await
        {
            Err(AppError::Conflict(field)) => bail!("that {field} is already taken"),
            Err(AppError::Validation(e)) => bail!("{e}"),
            other => other?,
        };
        println!(
            "Created {role} {} ({}) on {}.",
            created.username, created.display_name, site.base_url
        );
        Ok(())
    }
    .await;
    app.store().close().await;
    result
}

async fn invite(
    config: Config,
    email: String,
    role: Role,
    site: Option<String>,
) -> anyhow::Result<()> {
    let app = cli::open_app(&config).await?;
    let result = async {
        let site = cli::site_by_host(&app, &config, site).await?;
        let link =
            match encore_app::signup::invite(&app, Actor::Operator, &site, &email, role).await {
                Err(AppError::Validation(e)) => bail!("{e}"),
                other => other?,
            };
        println!(
            "Invited {email} to join {} as {role}. The link (good for a week, once):\n{link}",
            site.base_url
        );
        if config.smtp.url.is_none() {
            println!(
                "smtp.url is not set: the mail waits in the outbox; hand the link over yourself."
            );
        }
        Ok(())
    }
    .await;
    app.store().close().await;
    result
}

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    if !std::io::stdin().is_terminal() {
        bail!("no terminal to ask for a password: pass --password-stdin and pipe it in");
    }
    let first = rpassword::prompt_password("Password: ")?;
    let second = rpassword::prompt_password("Repeat password: ")?;
    if first != second {
        bail!("the passwords differ");
    }
    Ok(first)
}
