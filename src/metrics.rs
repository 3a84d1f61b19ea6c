//! The service's Prometheus metrics: requests by route template, method and status with
//! their latency; statements per request; the connection pool; logins failed and
//! throttled; the password-hashing queue; the build. One process-wide registry (an
//! instance is one process); `GET /metrics` encodes it in the Prometheus text format.
//!
//! A leaf module: every layer may count into it, it imports none of them.

use std::{cell::Cell, future::Future, sync::LazyLock, time::Duration};

use prometheus_client::{
    encoding::{EncodeLabelSet, prometheus_text},
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};

/// A request's route is its template (`/api/v1/projects/{id}`), never the raw path, so
/// that the series stay few; a path no route matches is `unmatched`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub route: String,
    pub method: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
    pub method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: &'static str,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    request_seconds: Histograms<RouteLabels>,
    statements_per_request: Histogram,
    pub pool_checkouts: Counter,
    pool_checkout_seconds: Histogram,
    pub pool_checkout_timeouts: Counter,
    pub pool_in_use: Gauge,
    pub pool_idle: Gauge,
    pub pool_max: Gauge,
    pub logins_failed: Counter,
    pub logins_throttled: Counter,
    pub password_hashing_queue: Gauge,
}

/// Seconds, from a millisecond to about 16 s.
fn latency_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

pub static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut registry = Registry::with_prefix("registry");
    let requests = Family::<RequestLabels, Counter>::default();
    registry.register(
        "http_requests",
        "Requests answered, by route template, method and status",
        requests.clone(),
    );
    let request_seconds: Histograms<RouteLabels> = Family::new_with_constructor(latency_buckets);
    registry.register(
        "http_request_duration_seconds",
        "Time from a request's arrival to its answer's head, by route template and method",
        request_seconds.clone(),
    );
    let statements_per_request = Histogram::new(exponential_buckets(1.0, 2.0, 10));
    registry.register(
        "db_statements_per_request",
        "SQL statements one request ran",
        statements_per_request.clone(),
    );
    let pool_checkouts = Counter::default();
    registry.register(
        "db_pool_checkouts",
        "Connections taken from the pool",
        pool_checkouts.clone(),
    );
    let pool_checkout_seconds = latency_buckets();
    registry.register(
        "db_pool_checkout_wait_seconds",
        "Time a request waited for a connection",
        pool_checkout_seconds.clone(),
    );
    let pool_checkout_timeouts = Counter::default();
    registry.register(
        "db_pool_checkout_timeouts",
        "Requests that got no connection in time (answered 503)",
        pool_checkout_timeouts.clone(),
    );
    let pool_in_use = Gauge::default();
    registry.register(
        "db_pool_connections_in_use",
        "Connections lent out",
        pool_in_use.clone(),
    );
    let pool_idle = Gauge::default();
    registry.register(
        "db_pool_connections_idle",
        "Connections open and waiting in the pool",
        pool_idle.clone(),
    );
    let pool_max = Gauge::default();
    registry.register(
        "db_pool_connections_max",
        "The most connections the pool opens",
        pool_max.clone(),
    );
    let logins_failed = Counter::default();
    registry.register(
        "logins_failed",
        "Logins refused for a wrong name or password",
        logins_failed.clone(),
    );
    let logins_throttled = Counter::default();
    registry.register(
        "logins_throttled",
        "Logins refused unheard because of earlier failures (429)",
        logins_throttled.clone(),
    );
    let password_hashing_queue = Gauge::default();
    registry.register(
        "password_hashing_queue",
        "Password hashes queued or running on the hashing threads",
        password_hashing_queue.clone(),
    );
    let build = Family::<BuildLabels, Gauge>::default();
    build
        .get_or_create(&BuildLabels {
            version: env!("CARGO_PKG_VERSION"),
        })
        .set(1);
    registry.register("build_info", "The running build (always 1)", build);
    Metrics {
        registry,
        requests,
        request_seconds,
        statements_per_request,
        pool_checkouts,
        pool_checkout_seconds,
        pool_checkout_timeouts,
        pool_in_use,
        pool_idle,
        pool_max,
        logins_failed,
        logins_throttled,
        password_hashing_queue,
    }
});

tokio::task_local! {
    /// The statements run so far for the request being served on this task.
    static REQUEST_STATEMENTS: Cell<u64>;
}

/// The media type of [`Metrics::encode`]'s text.
pub const CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

impl Metrics {
    /// Counts an answered request.
    pub fn answered(
        &self,
        route: &str,
        method: &str,
        status: u16,
        took: Duration,
        statements: u64,
    ) {
        let (route, method) = (route.to_owned(), method.to_owned());
        self.requests
            .get_or_create(&RequestLabels {
                route: route.clone(),
                method: method.clone(),
                status,
            })
            .inc();
        self.request_seconds
            .get_or_create(&RouteLabels { route, method })
            .observe(took.as_secs_f64());
        self.statements_per_request.observe(statements as f64);
    }

    /// Counts a connection taken from the pool after `waited`.
    pub fn checked_out(&self, waited: Duration) {
        self.pool_checkouts.inc();
        self.pool_checkout_seconds.observe(waited.as_secs_f64());
    }

    /// Adds `statements` to the request being served on this task, if any.
    pub fn add_request_statements(&self, statements: u64) {
        let _ = REQUEST_STATEMENTS.try_with(|count| count.set(count.get() + statements));
    }

    /// Everything, in the Prometheus text format.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        prometheus_text::encode(&mut text, &self.registry).expect("writing to a String");
        text
    }
}

/// Runs `request` (a request's handling), counting the statements its database work runs;
/// returns its output and that count.
pub async fn counting_statements<F: Future>(request: F) -> (F::Output, u64) {
    REQUEST_STATEMENTS
        .scope(Cell::new(0), async {
            let output = request.await;
            (output, REQUEST_STATEMENTS.with(Cell::get))
        })
        .await
}
