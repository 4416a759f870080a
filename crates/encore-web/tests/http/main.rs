//! HTTP tests: a real server on an ephemeral port, driven over loopback with reqwest, on
//! SQLite and on PostgreSQL. They assert what a reader sees.
#![allow(clippy::unwrap_used)]

mod support;

mod accounts;
mod addresses;
mod admin;
mod archives;
mod avatars;
mod cache;
mod comments;
mod desk_drafts;
mod desk_media;
mod desk_site;
mod desk_terms;
mod downloads;
mod hostile;
mod joining;
mod likes;
mod moderation;
mod posts;
mod reset;
mod security;
mod sites;
mod social;
mod spam_api;
mod visibility;
