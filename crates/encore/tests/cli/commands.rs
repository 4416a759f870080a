//! The other commands: help, migrate, user add, site add/list, and bad configuration.

use crate::support::{Home, Server, encore, run, text};
use argon2::{Argon2, PasswordVerifier, password_hash::phc::PasswordHash};
use encore_store::testing::TestBackend;

encore_store::backend_tests!(
    migrate_then_add_an_author_with_an_argon2id_password,
    a_second_site_answers_on_its_own_host,
    adding_a_user_leaves_the_served_sites_address_alone,
);

#[test]
fn help_documents_every_command_and_setting() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = encore(dir.path());
    cmd.arg("--help");
    let out = run(cmd, "");
    assert!(out.status.success());
    let help = text(&out.stdout);
    for needle in [
        "serve",
        "demo",
        "migrate",
        "user",
        "site",
        "--config",
        "--data-dir",
        "ENCORE_DATABASE_URL",
        "posts_per_page",
        "theme_dir",
        "base_url",
    ] {
        assert!(
            help.contains(needle),
            "--help should mention {needle}:\n{help}"
        );
    }
    let mut cmd = encore(dir.path());
    cmd.args(["user", "add", "--help"]);
    let user_help = text(&run(cmd, "").stdout);
    assert!(
        user_help.contains("--password-stdin") && user_help.contains("--role"),
        "{user_help}"
    );
}

async fn migrate_then_add_an_author_with_an_argon2id_password(backend: TestBackend) {
    let home = Home::new(backend).await;
    let mut cmd = home.encore();
    cmd.arg("migrate");
    let out = run(cmd, "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("is up to date"));

    let add = |username: &str, password: &str| {
        let mut cmd = home.encore();
        cmd.args([
            "user",
            "add",
            "--username",
            username,
            "--email",
            &format!("{username}@example.org"),
            "--display-name",
            "Eva Vinyl",
            "--password-stdin",
        ]);
        run(cmd, &format!("{password}\n"))
    };
    let out = add("eva", "a long enough passphrase");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Created author eva"),
        "{}",
        text(&out.stdout)
    );

    let store = home.store().await;
    let eva = store.accounts().by_username("eva").await.unwrap().unwrap();
    assert_eq!(eva.display_name, "Eva Vinyl");
    let hash = store
        .accounts()
        .password_hash(eva.id)
        .await
        .unwrap()
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(
        Argon2::default()
            .verify_password(
                b"a long enough passphrase",
                &PasswordHash::new(&hash).unwrap()
            )
            .is_ok()
    );
    let site = store.sites().default_site().await.unwrap().unwrap();
    assert_eq!(
        store.accounts().role(site.id, eva.id).await.unwrap(),
        Some(encore_core::roles::Role::Author)
    );

    let again = add("eva", "a long enough passphrase");
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("username is already taken"),
        "{}",
        text(&again.stderr)
    );
    let short = add("max", "short");
    assert!(!short.status.success());
    assert!(
        text(&short.stderr).contains("at least 10 characters"),
        "{}",
        text(&short.stderr)
    );
    let bad_name = add("Not Valid!", "a long enough passphrase");
    assert!(
        text(&bad_name.stderr).contains("username"),
        "{}",
        text(&bad_name.stderr)
    );
}

async fn a_second_site_answers_on_its_own_host(backend: TestBackend) {
    let home = Home::new(backend).await;
    let mut cmd = home.encore();
    cmd.args([
        "site",
        "add",
        "--host",
        "second.example",
        "--title",
        "The Second Blog",
    ]);
    let out = run(cmd, "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut cmd = home.encore();
    cmd.args([
        "site",
        "add",
        "--host",
        "SECOND.example",
        "--title",
        "Again",
    ]);
    let dup = run(cmd, "");
    assert!(
        !dup.status.success() && text(&dup.stderr).contains("exists already"),
        "{}",
        text(&dup.stderr)
    );

    let mut cmd = home.encore();
    cmd.args(["serve", "--listen", "127.0.0.1:0"]);
    let server = Server::start(cmd);
    let mut cmd = home.encore();
    cmd.args(["site", "list"]);
    let list = text(&run(cmd, "").stdout);
    assert!(
        list.contains("second.example\thttps://second.example\tThe Second Blog"),
        "{list}"
    );
    assert!(
        list.contains("(default)"),
        "serve created the default site: {list}"
    );

    let second = crate::support::client()
        .get(format!("{}/", server.url))
        .header("host", "second.example")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        second
            .contains("<p class=\"site-title\"><a href=\"/\" rel=\"home\">The Second Blog</a></p>"),
        "{second}"
    );
    let main = server.page("/").await;
    assert!(
        main.contains("My Encore blog") && main.contains("Nothing has been published here yet.")
    );
}

#[test]
fn bad_configuration_is_reported_clearly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("encore.toml"), "posts_per_pag = 5\n").unwrap();
    let mut cmd = encore(dir.path());
    cmd.arg("migrate");
    let out = run(cmd, "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("posts_per_pag"),
        "{}",
        text(&out.stderr)
    );

    std::fs::write(
        dir.path().join("encore.toml"),
        "database_url = \"mysql://root@db/encore\"\n",
    )
    .unwrap();
    let mut cmd = encore(dir.path());
    cmd.arg("migrate");
    let err = text(&run(cmd, "").stderr);
    assert!(err.contains("not supported"), "{err}");

    let mut cmd = encore(dir.path());
    cmd.args(["--config", "missing.toml", "migrate"]);
    let err = text(&run(cmd, "").stderr);
    assert!(
        err.contains("missing.toml") && err.contains("does not exist"),
        "{err}"
    );
}

async fn adding_a_user_leaves_the_served_sites_address_alone(backend: TestBackend) {
    let home = Home::new(backend).await;
    let mut cmd = home.encore();
    cmd.args(["serve", "--listen", "127.0.0.1:0"]);
    let server = Server::start(cmd);
    let mut cmd = home.encore();
    cmd.args([
        "user",
        "add",
        "--username",
        "eva",
        "--email",
        "eva@example.org",
        "--password-stdin",
    ]);
    let out = run(cmd, "a long enough passphrase\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let home = server.page("/").await;
    assert!(
        home.contains(&format!(
            "<link rel=\"canonical\" href=\"{}/\">",
            server.url
        )),
        "{home}"
    );
}
