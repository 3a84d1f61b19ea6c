//! Password hashing: Argon2id with the OWASP parameters (m = 19 MiB, t = 2, p = 1).
//! Both hashing and verifying take tens of milliseconds of CPU: they run on their own
//! threads, never on an async worker.

use std::sync::{Arc, LazyLock, Mutex, mpsc};

use tokio::sync::oneshot;

use anyhow::anyhow;
use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
    password_hash::SaltString,
};

use crate::domain::user::NewPassword;

/// Argon2 runs on its own few threads, half the cores (at least one): each hash takes
/// 19 MiB and a core for tens of milliseconds, so a storm of logins queues here instead of
/// taking every core from the requests beside it, and the memory stays with these threads
/// (the allocator keeps what a thread freed for that thread) instead of growing with the
/// blocking pool.
type Job = Box<dyn FnOnce() + Send>;

static HASHERS: LazyLock<Mutex<mpsc::Sender<Job>>> = LazyLock::new(|| {
    let (sender, receiver) = mpsc::channel::<Job>();
    let receiver = Arc::new(Mutex::new(receiver));
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get() / 2)
        .max(1);
    for n in 0..threads {
        let receiver = Arc::clone(&receiver);
        std::thread::Builder::new()
            .name(format!("argon2-{n}"))
            .spawn(move || {
                loop {
                    let job = receiver
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .recv();
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            })
            .expect("starting a hashing thread");
    }
    Mutex::new(sender)
});

/// Hands `work` to a hashing thread; its answer arrives on the returned channel.
fn submit<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> oneshot::Receiver<T> {
    let (reply, answer) = oneshot::channel();
    let job: Job = Box::new(move || drop(reply.send(work())));
    HASHERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .send(job)
        .expect("the hashing threads run for the life of the process");
    answer
}

/// Runs `work` on a hashing thread and waits for it (for callers on a blocking thread).
fn on_hasher<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    submit(work)
        .blocking_recv()
        .expect("a hashing thread answers every job")
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes on the current thread.
fn hash_here(password: &str) -> anyhow::Result<String> {
    let mut salt_bytes = [0u8; 16];
    getrandom::fill(&mut salt_bytes).map_err(|error| anyhow!("random salt: {error}"))?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|error| anyhow!("salt: {error}"))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| anyhow!("hashing a password: {error}"))
}

/// Verifies on the current thread; a malformed stored hash never matches.
fn verify_here(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|hash| argon2().verify_password(password.as_bytes(), &hash).is_ok())
}

/// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) of a new password.
pub fn hash(password: &NewPassword) -> anyhow::Result<String> {
    let password = password.expose().to_owned();
    on_hasher(move || hash_here(&password))
}

/// Whether `password` matches `stored`; a malformed stored hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    let (password, stored) = (password.to_owned(), stored.to_owned());
    on_hasher(move || verify_here(&password, &stored))
}

/// A login's check, awaited without holding a thread of the blocking pool (a storm of
/// logins queues for the hashing threads and leaves the pool to other requests). With no
/// stored hash (an unknown username) it verifies against a hash of no one's password, so
/// that an unknown user costs the same time as a wrong password (no user enumeration by
/// timing), and answers `false`.
pub async fn verify_login(password: String, stored: Option<String>) -> bool {
    static DUMMY: LazyLock<String> =
        LazyLock::new(|| hash_here(&super::random_token(24)).expect("hashing the dummy password"));
    submit(move || match stored {
        Some(stored) => verify_here(&password, &stored),
        None => {
            let _ = verify_here(&password, &DUMMY);
            false
        }
    })
    .await
    .expect("a hashing thread answers every job")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_is_argon2id_with_owasp_parameters_and_verifies_only_its_password() {
        let password = NewPassword::parse("correct horse battery").unwrap();
        let stored = hash(&password).unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(verify("correct horse battery", &stored));
        assert!(!verify("correct horse battery!", &stored));
        assert!(!verify("correct horse battery", "not a hash"));
    }
}
