//! Secrets are described, never shown: kind, length and a short fingerprint, so two reports can
//! say "the same token" or "this token changed" without revealing anything.

use serde::Serialize;
use sha2::{Digest, Sha256};

pub use crate::digest::sha256_hex;

/// A description of a secret value that is safe to print. Small, with no text until it is shown
/// (a clone allocates nothing): the inventory holds two per `mcpOAuth` entry, and a plan step
/// one per token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretInfo {
    /// Length in characters. Four bytes (a secret is a member of a file read whole, far below
    /// 4 G characters; saturated all the same): with the fingerprint, an `Option` of it is 12
    /// bytes where a `usize` made 24, twice per entry (issue 15).
    pub len: u32,
    /// Shown as `sha256:` and the first 8 hex digits of the value's SHA-256.
    pub fingerprint: Fingerprint,
}

/// The first four bytes of a secret's SHA-256, shown (and serialised) as `sha256:` and their 8
/// hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint([u8; 4]);

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [a, b, c, d] = self.0;
        write!(f, "sha256:{a:02x}{b:02x}{c:02x}{d:02x}")
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl SecretInfo {
    pub fn of(value: &str) -> Self {
        let digest = Sha256::digest(value.as_bytes());
        Self {
            len: u32::try_from(value.chars().count()).unwrap_or(u32::MAX),
            fingerprint: Fingerprint([digest[0], digest[1], digest[2], digest[3]]),
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
        assert_eq!(info.fingerprint.to_string(), "sha256:ba7816bf");
        assert_eq!(info.len, 3);
        assert_eq!(info.to_string(), "sha256:ba7816bf len=3");
        assert_eq!(
            serde_json::to_string(&info).unwrap(),
            r#"{"len":3,"fingerprint":"sha256:ba7816bf"}"#
        );
    }
}
