//! The shared builders, re-exported for these tests.
pub use encore_store::testing::fixtures::*;
