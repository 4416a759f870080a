//! The spam service end to end: the Akismet protocol over loopback, and the client over both endpoints.
#![allow(clippy::unwrap_used)]

mod client;
mod protocol;
mod support;
