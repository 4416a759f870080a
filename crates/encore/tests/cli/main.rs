//! End-to-end tests of the `encore` binary: commands, the demo, restarts and crashes.
#![allow(clippy::unwrap_used)]

mod support;

mod commands;
mod demo;
mod posts;
mod sites;
mod spam;
