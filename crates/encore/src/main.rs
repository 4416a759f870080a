//! `encore`: the command-line entry point. Parses arguments, loads the configuration, sets up
//! logging, and hands over to the command. No business logic lives here.

// Doc comments in `cli` are `--help` text, which clap prints as written: no Markdown there.
#[allow(clippy::doc_markdown)]
mod cli;
mod config;
mod demo;
mod postfile;

use clap::Parser;

/// mimalloc instead of the C library's allocator: a page is built from many small strings, and
/// glibc's malloc spent a sixth of a cache-off page's time on them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    let overrides = args.overrides();
    let config = match config::Config::load(args.config.as_deref(), &overrides) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("encore: {e:#}");
            return std::process::ExitCode::from(2);
        }
    };
    init_tracing(&config.log);
    match cli::run(args.command, config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("encore: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_tracing(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    // Log panics through tracing, so that a handler's panic lands in the same log as requests.
    std::panic::set_hook(Box::new(|info| tracing::error!(panic = %info, "panic")));
}
