//! File identity: the hash backups, plans and the write protocol compare (not for secrets, which get
//! the short fingerprint of [`crate::model::secret::SecretInfo`]). A leaf module, so the loader can
//! hash what it read without depending on the model.

use sha2::{Digest, Sha256};

/// The full lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
