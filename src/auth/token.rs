//! Access tokens: JWT, HS256 only, with issuer, audience, expiry, not-before, issued-at and
//! a token id, all required and checked.

use anyhow::{Context, ensure};
use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

use crate::domain::UserId;

pub const ISSUER: &str = "portfolio-registry";
pub const AUDIENCE: &str = "portfolio-registry-api";
/// Shortest `JWT_SECRET` accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;
/// Different byte values a secret must hold (a random 32-byte string holds about 28).
pub const MIN_DISTINCT_SECRET_BYTES: usize = 12;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    iss: String,
    aud: String,
    exp: i64,
    nbf: i64,
    iat: i64,
    jti: String,
    /// The user's token version when issued: a password change bumps it.
    ver: i32,
}

/// Whose token it is, once it has been verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenSubject {
    pub user_id: UserId,
    pub token_version: i32,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl_seconds: i64,
}

impl TokenKeys {
    pub fn new(secret: &[u8], ttl_seconds: u64) -> anyhow::Result<Self> {
        ensure!(
            secret.len() >= MIN_SECRET_BYTES,
            "JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes"
        );
        // Length alone admits `aaaa…` or a few words padded with blanks: ask for as many
        // non-blank bytes, and some variety among them.
        let distinct: std::collections::BTreeSet<u8> = secret.iter().copied().collect();
        let non_blank = secret.iter().filter(|b| !b.is_ascii_whitespace()).count();
        ensure!(
            non_blank >= MIN_SECRET_BYTES && distinct.len() >= MIN_DISTINCT_SECRET_BYTES,
            "JWT_SECRET must hold at least {MIN_SECRET_BYTES} non-blank bytes with at least \
             {MIN_DISTINCT_SECRET_BYTES} different ones (a random string, e.g. openssl rand -base64 48)"
        );
        super::hs256::install();
        // Pinned: exactly HS256, and every registered claim the registry sets is required.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        Ok(Self {
            encoding: EncodingKey::from_secret(secret).context("the token signing key")?,
            decoding: DecodingKey::from_secret(secret).context("the token verifying key")?,
            validation,
            ttl_seconds: i64::try_from(ttl_seconds).context("TOKEN_TTL_SECONDS is too large")?,
        })
    }

    pub fn ttl_seconds(&self) -> i64 {
        self.ttl_seconds
    }

    pub fn issue(&self, subject: TokenSubject) -> anyhow::Result<String> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: subject.user_id.to_string(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            exp: now + self.ttl_seconds,
            nbf: now,
            iat: now,
            jti: uuid::Uuid::new_v4().to_string(),
            ver: subject.token_version,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).context("signing a token")
    }

    /// The subject of a valid token; `None` for anything else (bad signature, other
    /// algorithm, expired, not yet valid, wrong issuer or audience, malformed claims).
    pub fn verify(&self, token: &str) -> Option<TokenSubject> {
        let claims = decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()?
            .claims;
        // A token living longer than this service issues is not one of its tokens.
        if claims.exp.checked_sub(claims.iat)? > self.ttl_seconds {
            return None;
        }
        Some(TokenSubject {
            user_id: claims.sub.parse().ok()?,
            token_version: claims.ver,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_with_its_key_only() {
        let keys = TokenKeys::new(SECRET, 60).unwrap();
        let subject = TokenSubject {
            user_id: UserId::new_random(),
            token_version: 3,
        };
        let token = keys.issue(subject).unwrap();
        assert_eq!(keys.verify(&token), Some(subject));
        let other = TokenKeys::new(b"another-secret-of-at-least-32-bytes", 60).unwrap();
        assert_eq!(other.verify(&token), None);
    }

    const SECRET: &[u8] = b"a-test-secret-of-at-least-32-bytes";

    #[test]
    fn a_short_secret_is_refused() {
        assert!(TokenKeys::new(&SECRET[..31], 60).is_err());
    }

    #[test]
    fn a_secret_of_one_repeated_character_or_mostly_blanks_is_refused() {
        assert!(TokenKeys::new(&[b'a'; 64], 60).is_err());
        let blanks = format!("secret{}", " ".repeat(40));
        assert!(TokenKeys::new(blanks.as_bytes(), 60).is_err());
        assert!(TokenKeys::new(b"abababababababababababababababab", 60).is_err());
    }

    #[test]
    fn a_token_living_longer_than_the_ttl_is_refused() {
        let long = TokenKeys::new(SECRET, 7200).unwrap();
        let subject = TokenSubject {
            user_id: UserId::new_random(),
            token_version: 1,
        };
        let token = long.issue(subject).unwrap();
        assert_eq!(TokenKeys::new(SECRET, 3600).unwrap().verify(&token), None);
        assert_eq!(
            TokenKeys::new(SECRET, 7200).unwrap().verify(&token),
            Some(subject)
        );
    }
}
