//! Encore's spam defence.
//!
//! - [`features`] turns a comment into hashed, named features.
//! - [`model`] is an online logistic regression over those features.
//! - [`eval`] cross-validates the model on a labelled corpus.

pub mod client;
pub mod engine;
pub mod eval;
pub mod features;
pub mod model;
pub mod params;
pub mod server;
pub mod service;
