//! Running the real binary: one-shot commands and servers that print their address.

use encore_store::{PoolOptions, Store, StoreOptions, testing::TestBackend};
use std::{
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    sync::mpsc,
    time::Duration,
};

/// A working directory for the binary and the database its commands share: SQLite in
/// `./encore-data` (the default), or a fresh PostgreSQL database named by `ENCORE_DATABASE_URL`.
pub struct Home {
    pub dir: tempfile::TempDir,
    /// The PostgreSQL URL, when on PostgreSQL.
    pub database_url: Option<String>,
}

impl Home {
    pub async fn new(backend: TestBackend) -> Home {
        let database_url = match backend {
            TestBackend::Sqlite => None,
            TestBackend::Postgres => Some(encore_store::testing::fresh_pg_database().await),
        };
        Home {
            dir: tempfile::tempdir().unwrap(),
            database_url,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `encore` in this directory, on this database.
    pub fn encore(&self) -> Command {
        let mut cmd = encore(self.path());
        if let Some(url) = &self.database_url {
            cmd.env("ENCORE_DATABASE_URL", url);
        }
        cmd
    }

    /// The store the commands write to, opened from the test.
    pub async fn store(&self) -> Store {
        let options = StoreOptions {
            database_url: self.database_url.clone().unwrap_or_else(|| {
                format!(
                    "sqlite://{}",
                    self.path().join("encore-data/encore.db").display()
                )
            }),
            media_dir: self.path().join("encore-data/media"),
            pool: PoolOptions::default(),
        };
        Store::open(&options).await.unwrap()
    }
}

/// The `encore` binary Cargo built for these tests.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_encore"))
}

/// A command run in `dir` with no `ENCORE_*` settings inherited from the developer's shell.
pub fn encore(dir: &Path) -> Command {
    let mut cmd = Command::new(bin());
    cmd.current_dir(dir).env("ENCORE_LOG", "warn");
    for (key, _) in std::env::vars() {
        if key.starts_with("ENCORE_") && key != "ENCORE_TEST_PG_URL" {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// Runs a command to completion, feeding `stdin`.
pub fn run(mut cmd: Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A running `encore serve`/`encore demo`; killed (SIGKILL, no goodbye) when dropped.
pub struct Server {
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Everything it printed to stdout before it announced its address.
    pub banner: String,
    /// Everything it has written to stderr (its log) so far; also echoed to the test's stderr.
    pub log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Server {
    /// Starts `cmd` (which must listen on 127.0.0.1:0) and waits for its address.
    pub fn start(mut cmd: Command) -> Server {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("{line}");
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut banner = String::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                banner.push_str(&line);
                banner.push('\n');
                // "Encore is running at URL …" or "Encore spam service is running at URL …".
                if let Some(at) = line
                    .find(" is running at ")
                    .filter(|_| line.starts_with("Encore "))
                {
                    let rest = &line[at + " is running at ".len()..];
                    let url = rest
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    let _ = tx.send((url, banner.clone()));
                }
            }
        });
        let (url, banner) = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server announces its address within a minute");
        Server {
            child,
            url,
            banner,
            log,
        }
    }

    /// Kills the process the hard way, as a crash or power cut would, and waits for it.
    pub fn crash(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        client()
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .unwrap()
    }

    /// What it has logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    pub async fn page(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub use encore_store::testing::html::{all_between, between};
