//! Store tests: every story runs on SQLite and on PostgreSQL (`sqlite::…` and `postgres::…`).
#![allow(clippy::unwrap_used)]

mod downloads;
mod fixtures;
mod group_commit;
mod jobs;
mod posts;
mod schema;
mod series;
mod sites_and_accounts;
mod spam;
mod upgrades;
