//! jsonwebtoken's cryptography for the one algorithm the registry signs and accepts, HS256.
//! jsonwebtoken's own `rust_crypto` backend would bring RSA, ECDSA and EdDSA crates (and
//! the `rsa` timing advisory, RUSTSEC-2023-0071) into a binary that never uses them, and
//! its `aws_lc_rs` backend a C library built with cmake; this provider is HMAC-SHA-256 from
//! the same RustCrypto crates, and refuses every other algorithm outright.

use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::{
    Algorithm,
    crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils},
    errors::{ErrorKind, Result},
};
use sha2::Sha256;
use signature::{Signer, Verifier};

struct Hs256(Hmac<Sha256>);

impl Hs256 {
    fn new(algorithm: &Algorithm, key: &[u8]) -> Result<Self> {
        if *algorithm != Algorithm::HS256 {
            return Err(ErrorKind::InvalidAlgorithm.into());
        }
        Hmac::new_from_slice(key)
            .map(Self)
            .map_err(|_| ErrorKind::InvalidKeyFormat.into())
    }
}

impl Signer<Vec<u8>> for Hs256 {
    fn try_sign(&self, message: &[u8]) -> std::result::Result<Vec<u8>, signature::Error> {
        let mut mac = self.0.clone();
        mac.update(message);
        Ok(mac.finalize().into_bytes().to_vec())
    }
}

impl Verifier<Vec<u8>> for Hs256 {
    fn verify(
        &self,
        message: &[u8],
        signature: &Vec<u8>,
    ) -> std::result::Result<(), signature::Error> {
        let mut mac = self.0.clone();
        mac.update(message);
        // Constant time, as `Mac::verify_slice` promises.
        mac.verify_slice(signature)
            .map_err(|_| signature::Error::new())
    }
}

impl JwtSigner for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

impl JwtVerifier for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: |algorithm, key| Ok(Box::new(Hs256::new(algorithm, key.as_bytes())?)),
    verifier_factory: |algorithm, key| {
        Ok(Box::new(Hs256::new(algorithm, key.try_get_as_bytes()?)?))
    },
    // JWKs (public keys) have no use with a shared secret.
    key_utils: KeyUtils::new_unimplemented(),
};

/// Makes HS256 jsonwebtoken's provider for this process (once; later calls find it there).
pub fn install() {
    // An `Err` means it is installed already: there is no other provider in this binary.
    let _ = PROVIDER.install_default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_as_rfc_4231_says_and_verifies_only_what_it_signed() {
        // RFC 4231, test case 2.
        let signer = Hs256::new(&Algorithm::HS256, b"Jefe").unwrap();
        let signature = signer.try_sign(b"what do ya want for nothing?").unwrap();
        let hex: String = signature.iter().map(|byte| format!("{byte:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(
            signer
                .verify(b"what do ya want for nothing?", &signature)
                .is_ok()
        );
        assert!(
            signer
                .verify(b"what do ya want for nothing!", &signature)
                .is_err()
        );
    }

    #[test]
    fn every_other_algorithm_is_refused() {
        for other in [
            Algorithm::HS384,
            Algorithm::HS512,
            Algorithm::RS256,
            Algorithm::ES256,
        ] {
            assert!(Hs256::new(&other, b"Jefe").is_err(), "{other:?}");
        }
    }
}
