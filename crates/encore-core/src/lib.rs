//! Encore's domain: the types a blog is made of and the rules they follow, with no I/O.
//!
//! The store turns rows into these types and the web layer renders them; neither decides what is
//! valid, visible or allowed — that is decided here, once.

pub mod account;
pub mod address;
pub mod avatar;
pub mod change;
pub mod clock;
pub mod comment;
pub mod download;
pub mod embed;
pub mod error;
pub mod html;
pub mod ids;
pub mod markdown;
pub mod media_type;
pub mod paging;
pub mod post;
pub mod roles;
pub mod series;
pub mod site;
pub mod slug;
pub mod taxonomy;
pub mod tracks;

pub use error::{Problems, ValidationError};
