//! Password hashing: Argon2id with the OWASP parameters (m = 19 MiB, t = 2, p = 1).
//! Both hashing and verifying take tens of milliseconds of CPU: they run on their own
//! threads, never on an async worker.

use std::{
    cell::RefCell,
    sync::{
        Arc, LazyLock, Mutex,
        atomic::{AtomicUsize, Ordering},
        mpsc,
    },
};

use anyhow::anyhow;
use argon2::{
    Algorithm, Argon2, Block, Params, PasswordHash, PasswordHasher, Version,
    password_hash::{Output, SaltString},
};
use tokio::sync::oneshot;

use crate::domain::user::NewPassword;

/// Argon2 runs on its own few threads, half the cores (at least one), at the lowest
/// priority: each hash takes 19 MiB and a core for tens of milliseconds, so a storm of
/// logins queues here and yields the cores to the requests beside it, and Argon2's memory
/// stays one buffer per thread (see `MEMORY`) instead of growing with the logins in flight.
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
                crate::host::lower_this_threads_priority();
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

/// Jobs queued or running on the hashing threads.
static PENDING: AtomicUsize = AtomicUsize::new(0);
/// Jobs queued or running on the hashing threads now (for the metrics).
pub fn queue_depth() -> usize {
    PENDING.load(Ordering::Relaxed)
}

/// The most jobs a request may find queued: about two seconds of hashing per thread. A
/// storm of password guesses beyond it is answered 503 at once instead of making every
/// login wait behind it.
const MAX_PENDING: usize = 32;

/// The hashing queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the password hashing queue is full")]
pub struct Busy;

impl From<Busy> for crate::domain::Error {
    fn from(_: Busy) -> Self {
        Self::Busy {
            retry_after_seconds: 2,
        }
    }
}

/// [`submit`] for a request: refused while [`MAX_PENDING`] jobs wait.
fn submit_bounded<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<oneshot::Receiver<T>, Busy> {
    if PENDING.load(Ordering::Relaxed) >= MAX_PENDING {
        return Err(Busy);
    }
    Ok(submit(work))
}

/// Hands `work` to a hashing thread; its answer arrives on the returned channel.
fn submit<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> oneshot::Receiver<T> {
    let (reply, answer) = oneshot::channel();
    PENDING.fetch_add(1, Ordering::Relaxed);
    let job: Job = Box::new(move || {
        let result = work();
        PENDING.fetch_sub(1, Ordering::Relaxed);
        drop(reply.send(result));
    });
    HASHERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .send(job)
        .expect("the hashing threads run for the life of the process");
    answer
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

thread_local! {
    /// Each hashing thread's Argon2 memory for verifying, allocated once: otherwise every
    /// login allocates 19 MiB afresh, and the allocator kept what a storm of them freed
    /// (the process grew by ~80 MiB, BENCHMARKS.md).
    static MEMORY: RefCell<Vec<Block>> =
        RefCell::new(vec![Block::default(); argon2().params().block_count()]);
}

/// Verifies on the current thread, in its reused memory. A malformed stored hash, or one
/// asking for more memory than this registry's parameters, never matches.
fn verify_here(password: &str, stored: &str) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(version), Ok(params)) = (
        Algorithm::try_from(hash.algorithm),
        hash.version
            .map_or(Ok(Version::default()), Version::try_from),
        Params::try_from(&hash),
    ) else {
        return false;
    };
    let mut salt_buffer = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buffer) else {
        return false;
    };
    let mut computed = vec![0u8; expected.len()];
    let hashed = MEMORY.with_borrow_mut(|memory| {
        memory.len() >= params.block_count()
            && Argon2::new(algorithm, version, params)
                .hash_password_into_with_memory(
                    password.as_bytes(),
                    salt,
                    &mut computed,
                    &mut memory[..],
                )
                .is_ok()
    });
    // `Output` compares in constant time.
    hashed && Output::new(&computed).is_ok_and(|computed| computed == expected)
}

/// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) of a new password, awaited without
/// holding a thread of the blocking pool.
pub async fn hash(password: &NewPassword) -> Result<String, crate::domain::Error> {
    let password = password.expose().to_owned();
    Ok(submit_bounded(move || hash_here(&password))?
        .await
        .expect("a hashing thread answers every job")?)
}

/// [`hash`] for callers outside a request (start-up, the command line), on a thread that
/// may block.
pub fn hash_blocking(password: &NewPassword) -> anyhow::Result<String> {
    let password = password.expose().to_owned();
    submit(move || hash_here(&password))
        .blocking_recv()
        .expect("a hashing thread answers every job")
}

/// Whether `password` matches `stored`, awaited without holding a thread of the blocking
/// pool (a storm of logins queues for the hashing threads and leaves the pool to other
/// requests). A malformed stored hash never matches. With no stored hash (an unknown
/// username) it verifies against a hash of no one's password, so that an unknown user
/// costs the same time as a wrong password (no user enumeration by timing), and answers
/// `false`.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, Busy> {
    static DUMMY: LazyLock<String> =
        LazyLock::new(|| hash_here(&super::random_token(24)).expect("hashing the dummy password"));
    Ok(submit_bounded(move || match stored {
        Some(stored) => verify_here(&password, &stored),
        None => {
            let _ = verify_here(&password, &DUMMY);
            false
        }
    })?
    .await
    .expect("a hashing thread answers every job"))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn matches(password: &str, stored: &str) -> bool {
        verify(password.to_owned(), Some(stored.to_owned()))
            .await
            .unwrap()
    }

    /// The scheduler's view of the hashing thread: the niceness is field 19 of its stat
    /// line, counted after the command name's closing parenthesis.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashing_threads_run_at_the_lowest_priority() {
        let niceness = submit(|| {
            let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
            let after_name = &stat[stat.rfind(')').unwrap() + 2..];
            after_name
                .split(' ')
                .nth(16)
                .unwrap()
                .parse::<i32>()
                .unwrap()
        })
        .await
        .unwrap();
        assert_eq!(niceness, 19);
    }

    #[tokio::test]
    async fn a_hash_is_argon2id_with_owasp_parameters_and_verifies_only_its_password() {
        let password = NewPassword::parse("correct horse battery").unwrap();
        let stored = hash(&password).await.unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(matches("correct horse battery", &stored).await);
        assert!(!matches("correct horse battery!", &stored).await);
        assert!(!matches("correct horse battery", "not a hash").await);
        assert!(
            !verify("correct horse battery".to_owned(), None)
                .await
                .unwrap()
        );
    }

    /// Verifying reads the parameters, salt and version from the stored hash, like the
    /// argon2 crate's own verifier, in the thread's reused memory.
    #[tokio::test]
    async fn a_hash_made_elsewhere_with_less_memory_verifies_and_one_with_more_never_does() {
        let with = |memory_kib| {
            let params = Params::new(memory_kib, 1, 1, None).unwrap();
            let salt = SaltString::encode_b64(b"sixteen byte slt").unwrap();
            Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                .hash_password(b"correct horse battery", &salt)
                .unwrap()
                .to_string()
        };
        let smaller = with(8 * 1024);
        assert!(matches("correct horse battery", &smaller).await);
        assert!(!matches("correct horse batterY", &smaller).await);
        assert!(!matches("correct horse battery", &with(32 * 1024)).await);
    }

    #[test]
    fn start_up_and_the_command_line_hash_on_a_thread_that_may_block() {
        let password = NewPassword::parse("correct horse battery").unwrap();
        let stored = hash_blocking(&password).unwrap();
        assert!(verify_here("correct horse battery", &stored));
    }
}
