//! Use cases on a real store (SQLite and PostgreSQL): what they write, what they refuse, and the
//! changes they announce.
#![allow(clippy::unwrap_used)]

mod comments;
mod downloads;
mod moderation;
mod posts;
mod sites;
