//! API keys for external tools: `prk_` and 43 characters of URL-safe base64 (256 random
//! bits). Only a SHA-256 of the key is stored; the key is shown once.

use crate::domain::fingerprint::sha256_hex;

pub const PREFIX: &str = "prk_";

/// A new key and the hash to store.
pub fn generate() -> (String, String) {
    let key = format!("{PREFIX}{}", super::random_token(32));
    let hash = hash(&key);
    (key, hash)
}

/// SHA-256 as hex: enough for 256-bit random secrets, and fast enough for every request.
pub fn hash(key: &str) -> String {
    sha256_hex(key.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_prefixed_random_and_stored_only_as_their_hash() {
        let (key, stored) = generate();
        let (other, _) = generate();
        assert!(key.starts_with("prk_") && key.len() == 4 + 43, "{key}");
        assert_ne!(key, other);
        assert_eq!(stored, hash(&key));
        assert_eq!(stored.len(), 64);
        assert!(!stored.contains(&key[4..]));
    }
}
