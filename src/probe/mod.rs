//! `probe NAME` / `probe URL`: the only command that uses the network.
//!
//! Modules: [`http`] (the client) and [`urls`] (URL handling for discovery).

pub mod http;
pub mod urls;
