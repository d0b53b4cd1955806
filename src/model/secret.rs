//! Secrets are described, never shown: kind, length and a short fingerprint, so two reports can
//! say "the same token" or "this token changed" without revealing anything.

use serde::Serialize;
use sha2::{Digest, Sha256};

pub use crate::digest::sha256_hex;

/// A description of a secret value that is safe to print.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretInfo {
    /// Length in characters.
    pub len: usize,
    /// `sha256:` and the first 8 hex digits of the value's SHA-256.
    pub fingerprint: String,
}

impl SecretInfo {
    pub fn of(value: &str) -> Self {
        let digest = Sha256::digest(value.as_bytes());
        let hex: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        Self {
            len: value.chars().count(),
            fingerprint: format!("sha256:{hex}"),
        }
    }
}

impl std::fmt::Display for SecretInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} len={}", self.fingerprint, self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_stable_and_short() {
        let info = SecretInfo::of("abc");
        assert_eq!(info.fingerprint, "sha256:ba7816bf");
        assert_eq!(info.len, 3);
        assert_eq!(info.to_string(), "sha256:ba7816bf len=3");
    }
}
