//! End-to-end tests of the `encore` binary: commands, the demo, restarts and crashes.
#![allow(clippy::unwrap_used)]

mod support;

mod commands;
mod crash;
mod demo;
mod posts;
mod sites;
mod spam;
