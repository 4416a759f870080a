//! `encore user add`: creates an account with an argon2id password and a role on a site.

use crate::{cli, config::Config};
use anyhow::{Context, bail};
use argon2::{Argon2, PasswordHasher};
use clap::Subcommand;
use encore_core::{
    account::{NewAccount, validate_password},
    roles::Role,
};
use encore_store::StoreError;
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
}

/// Runs a user command.
pub async fn run(command: UserCommand, config: Config) -> anyhow::Result<()> {
    let UserCommand::Add {
        username,
        email,
        display_name,
        role,
        site,
        password_stdin,
    } = command;
    let account = NewAccount {
        username,
        email,
        display_name,
        bio: String::new(),
    }
    .validate()
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let password = read_password(password_stdin)?;
    validate_password(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let hash = hash_password(&password)?;

    let store = cli::open_store(&config).await?;
    let result = async {
        let site = match site {
            Some(host) => {
                let host =
                    encore_core::site::normalize_host(&host).context("invalid --site host")?;
                let found = store
                    .sites()
                    .list()
                    .await?
                    .into_iter()
                    .find(|s| s.host == host);
                found
                    .with_context(|| format!("no site with host {host}; see `encore site list`"))?
            }
            // An existing default site is left as the server configured it; only a fresh
            // database gets one made from the configuration here.
            None => match store.sites().default_site().await? {
                Some(site) => site,
                None => {
                    let base = config.base_url_for(config.listen);
                    cli::default_site(&store, &config, &base, super::serve::DEFAULT_TITLE).await?
                }
            },
        };
        let now = encore_store::now();
        let created = match store.accounts().insert(&account, Some(&hash), now).await {
            Err(StoreError::Conflict(field)) => bail!("that {field} is already taken"),
            other => other?,
        };
        store
            .accounts()
            .set_role(site.id, created.id, role, now)
            .await?;
        println!(
            "Created {role} {} ({}) on {}.",
            created.username, created.display_name, site.base_url
        );
        Ok(())
    }
    .await;
    store.close().await;
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

/// Hashes with argon2id (version 19, the crate's OWASP-recommended default cost) and a random salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::{PasswordVerifier, password_hash::phc::PasswordHash};

    #[test]
    fn passwords_are_hashed_with_argon2id_and_verify() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
        let parsed = PasswordHash::new(&hash).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"wrong", &parsed)
                .is_err()
        );
        assert_ne!(
            hash,
            hash_password("correct horse battery").unwrap(),
            "salted"
        );
    }
}
