//! The process's two requests to the operating system's C library, each one call: how many
//! malloc arenas it keeps, and a lower priority for the password hashing threads. Both are
//! plain libc calls with no crate made for them; elsewhere than glibc on Linux they do
//! nothing.

/// Caps glibc's malloc arenas at one per core, unless the operator set `MALLOC_ARENA_MAX`.
///
/// glibc gives threads up to eight arenas per core and keeps what each arena once held:
/// with the workers, their blocking threads and the hashing threads, a burst of requests
/// leaves a high-water mark in each arena (about 7 MiB more resident memory at
/// 100,000 projects, BENCHMARKS.md) for no measurable speed. Call before other threads start.
pub fn cap_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let arenas = libc::c_int::try_from(cores).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt only sets an allocator parameter; it takes no pointers.
        unsafe { libc::mallopt(libc::M_ARENA_MAX, arenas) };
    }
}

/// The niceness of a password hashing thread: the scheduler gives a thread at 19 about
/// 1/70 of the share of a thread at 0, so while requests are waiting for a core Argon2 runs
/// in the gaps, and a storm of logins (or guesses) slows logins, not the requests beside
/// them. With an idle core it runs at full speed.
#[cfg(target_os = "linux")]
const HASHING_NICENESS: libc::c_int = 19;

/// Lowers the calling thread's scheduling priority to [`HASHING_NICENESS`] (Linux applies
/// `setpriority` to a single thread when given its thread id). Raising it back would need a
/// privilege, which is why only a thread that does nothing else calls this.
pub fn lower_this_threads_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid and setpriority take and return plain integers.
        let outcome = unsafe {
            let thread = libc::gettid();
            libc::setpriority(libc::PRIO_PROCESS, thread as libc::id_t, HASHING_NICENESS)
        };
        if outcome != 0 {
            tracing::warn!(
                error = %std::io::Error::last_os_error(),
                "could not lower the password hashing thread's priority"
            );
        }
    }
}
