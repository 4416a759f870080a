//! Encore's spam defence: an explainable classifier and the Akismet protocol, both ways.
//!
//! - [`features`] turns a comment into hashed, named features; [`model`] is a logistic regression over them with a
//!   per-key overlay that learns online; [`engine`] adds Akismet's test identities and the form's hard signals and
//!   explains each verdict; [`eval`] cross-validates on a labelled corpus.
//! - [`params`] parses Akismet requests strictly.
//! - With the `service` feature (default): [`service`] keeps keys, usage, rate limits and learning in an Encore
//!   store, [`server`] answers the Akismet REST API over HTTP, and [`client`] calls any Akismet-compatible endpoint
//!   or the service in-process.

#[cfg(feature = "service")]
pub mod client;
pub mod engine;
pub mod eval;
pub mod features;
pub mod model;
pub mod params;
#[cfg(feature = "service")]
pub mod server;
#[cfg(feature = "service")]
pub mod service;
