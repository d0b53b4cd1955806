//! `probe NAME` / `probe URL`: the only command that uses the network.
//!
//! Modules: [`http`] (the client), [`urls`] and [`challenge`] (parsing), [`lint`] (schema
//! checks), [`transcript`] (redacted record of the exchanges).

pub mod challenge;
pub mod http;
pub mod lint;
pub mod transcript;
pub mod urls;
