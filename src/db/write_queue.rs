//! SQLite lets one transaction write at a time. Without a queue, writers that find the
//! database locked wait in SQLite's busy handler, which sleeps and retries with growing
//! naps: a writer can lose its turn to later ones again and again, the long tail of
//! BENCHMARKS.md (PATCH p99 893 ms at 16 connections). Here the process's writers take a
//! ticket and go in the order they came, each before it takes a connection, so that the
//! queue never holds a connection a reader could use. (PostgreSQL locks rows, not the
//! database: it needs no queue.) Writers from another process, such as a command run beside
//! the service, still meet SQLite's busy handler.

use std::sync::{Condvar, Mutex, MutexGuard};

#[derive(Default)]
pub struct WriteQueue {
    tickets: Mutex<Tickets>,
    turn: Condvar,
}

#[derive(Default)]
struct Tickets {
    /// The ticket the next writer to arrive takes.
    next: u64,
    /// The ticket whose holder may write now.
    serving: u64,
}

/// A writer's turn; the next one's begins when it is dropped.
pub struct Turn<'a>(&'a WriteQueue);

impl WriteQueue {
    /// Waits (blocking the thread) until every writer that came earlier is done.
    pub fn wait_turn(&self) -> Turn<'_> {
        let mut tickets = self.lock();
        let ticket = tickets.next;
        tickets.next += 1;
        while tickets.serving != ticket {
            tickets = self
                .turn
                .wait(tickets)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        Turn(self)
    }

    fn lock(&self) -> MutexGuard<'_, Tickets> {
        // A writer that panicked has still passed its turn on (`Turn::drop` runs while
        // unwinding): the counters are whole.
        self.tickets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.0.lock().serving += 1;
        self.0.turn.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use std::{
        sync::{Arc, Mutex},
        thread,
        time::Duration,
    };

    use super::WriteQueue;

    #[test]
    fn writers_go_one_at_a_time_in_the_order_they_came() {
        let queue = Arc::new(WriteQueue::default());
        let order = Arc::new(Mutex::new(Vec::new()));
        let first = queue.wait_turn();
        let mut writers = Vec::new();
        for writer in 0..4u64 {
            let (waiting, order) = (queue.clone(), order.clone());
            writers.push(thread::spawn(move || {
                let _turn = waiting.wait_turn();
                order.lock().unwrap().push(writer);
            }));
            // This one has its ticket before the next one starts.
            while queue.lock().next != writer + 2 {
                thread::sleep(Duration::from_millis(1));
            }
        }
        thread::sleep(Duration::from_millis(20));
        assert!(
            order.lock().unwrap().is_empty(),
            "nobody writes during a turn"
        );
        drop(first);
        for writer in writers {
            writer.join().unwrap();
        }
        assert_eq!(*order.lock().unwrap(), [0, 1, 2, 3]);
    }
}
