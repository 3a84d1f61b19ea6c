//! The token a Prometheus scrape presents for `/metrics` (`METRICS_TOKEN`). Metrics are not
//! the world's business (routes, volumes, failed logins), and not a user's either: the
//! scraper holds no account, only this shared secret.

use crate::domain::fingerprint::sha256_hex;

/// Shortest token accepted, in bytes.
pub const MIN_TOKEN_BYTES: usize = 32;

#[derive(Clone)]
pub struct ScrapeToken {
    /// Kept as its SHA-256: a comparison of digests leaks nothing useful through its time.
    digest: String,
}

impl ScrapeToken {
    pub fn parse(token: &str) -> Result<Self, String> {
        if token.trim().len() < MIN_TOKEN_BYTES {
            return Err(format!(
                "METRICS_TOKEN must be at least {MIN_TOKEN_BYTES} bytes (e.g. openssl rand -hex 32)"
            ));
        }
        Ok(Self {
            digest: sha256_hex(token.as_bytes()),
        })
    }

    /// Whether `presented` is the token.
    pub fn admits(&self, presented: &str) -> bool {
        sha256_hex(presented.as_bytes()) == self.digest
    }
}

impl std::fmt::Debug for ScrapeToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScrapeToken(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_only_the_token_and_refuses_a_short_one() {
        let token = ScrapeToken::parse("0123456789abcdef0123456789abcdef").unwrap();
        assert!(token.admits("0123456789abcdef0123456789abcdef"));
        assert!(!token.admits("0123456789abcdef0123456789abcdeF"));
        assert!(!token.admits(""));
        assert!(ScrapeToken::parse("short").is_err());
    }
}
