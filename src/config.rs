//! Configuration from environment variables (a `.env` file may set them).

use std::{net::IpAddr, time::Duration};

use anyhow::{Context, bail};
use ipnet::IpNet;

use crate::{
    auth::{scrape::ScrapeToken, token::MIN_SECRET_BYTES},
    db::{DatabaseUrl, PoolSettings},
    opendata::oc4ids::Publication,
};

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "./data/registry.db";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// `BIND`: address and port to listen on.
    pub bind: String,
    /// `DATABASE_URL`: a `postgres://` URL, or a SQLite file path.
    pub database_url: DatabaseUrl,
    /// `DB_POOL_SIZE` and `DB_POOL_TIMEOUT_SECONDS`.
    pub pool: PoolSettings,
    /// `LOG_FORMAT`: `text` or `json`.
    pub log_format: LogFormat,
    /// `JWT_SECRET`: at least 32 bytes. When unset on SQLite, one is generated once and
    /// kept beside the database file (mode 0600); PostgreSQL deployments must set it, so
    /// that every instance signs alike.
    pub jwt_secret: Option<String>,
    /// `TOKEN_TTL_SECONDS`: lifetime of an access token.
    pub token_ttl_seconds: u64,
    /// `ADMIN_PASSWORD`: the first `admin`'s password; random (printed once) when unset.
    pub admin_password: Option<String>,
    /// `IMPORT_MAX_BYTES` and `IMPORT_MAX_ROWS`: the largest spreadsheet an import takes.
    pub import_max_bytes: usize,
    pub import_max_rows: usize,
    /// `OC4IDS_PUBLISHER`, `OC4IDS_ID_PREFIX` and `PUBLIC_URL`: who publishes the open
    /// data, the registered OC4IDS project identifier prefix, where the service is reached.
    pub publication: Publication,
    /// `TRUSTED_PROXIES`: addresses or networks (comma-separated, e.g. `10.0.0.5,
    /// 192.168.1.0/24`) of reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: TrustedProxies,
    /// `BODY_TIMEOUT_SECONDS`: how long a request body may take to arrive (408 after).
    pub body_timeout: Duration,
    /// `SESSION_IDLE_MINUTES` and `SESSION_MAX_HOURS`: a console session ends after this
    /// long without a request, and this long after sign-in at most.
    pub session_idle: Duration,
    pub session_max: Duration,
    /// `METRICS_TOKEN`: the bearer token a Prometheus scrape of `/metrics` presents (at
    /// least 32 bytes). Unset, `/metrics` is off (404).
    pub metrics_token: Option<ScrapeToken>,
}

/// The reverse proxies whose word on the client's address is taken: the address used for
/// login throttling and logs comes from `X-Forwarded-For` only through them, else it is
/// the peer's. Empty by default: a service reached directly believes no header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses `10.0.0.5, 192.168.1.0/24, ::1`: a bare address is a network of one.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        text.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| {
                part.parse::<IpNet>()
                    .or_else(|_| part.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        anyhow::anyhow!(
                            "TRUSTED_PROXIES must list addresses or networks such as 10.0.0.5 or 10.0.0.0/8, not {part:?}"
                        )
                    })
            })
            .collect::<anyhow::Result<_>>()
            .map(Self)
    }

    pub fn trusts(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.0.iter().any(|network| network.contains(&address))
    }
}

/// The publisher named until `OC4IDS_PUBLISHER` names the county's own office.
pub const DEFAULT_PUBLISHER: &str = "项目储备库（Portfolio Registry）";
/// Says what it is: a county registers its own prefix with the OC4IDS helpdesk.
pub const DEFAULT_ID_PREFIX: &str = "oc4ids-unregistered-";

impl Settings {
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let value = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let number = |name: &str,
                      default: u64,
                      range: std::ops::RangeInclusive<u64>|
         -> anyhow::Result<u64> {
            let Some(text) = value(name) else {
                return Ok(default);
            };
            let number: u64 = text
                .trim()
                .parse()
                .with_context(|| format!("{name} must be a whole number, not {text:?}"))?;
            if !range.contains(&number) {
                bail!(
                    "{name} must be from {} to {}, not {number}",
                    range.start(),
                    range.end()
                );
            }
            Ok(number)
        };
        let log_format = match value("LOG_FORMAT").as_deref().map(str::trim) {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => bail!("LOG_FORMAT must be text or json, not {other:?}"),
        };
        Ok(Self {
            bind: value("BIND").unwrap_or_else(|| DEFAULT_BIND.to_owned()),
            database_url: DatabaseUrl::parse(
                &value("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            )
            .map_err(|error| anyhow::anyhow!("DATABASE_URL {error}"))?,
            pool: PoolSettings {
                max_size: u32::try_from(number("DB_POOL_SIZE", 10, 1..=200)?)?,
                checkout_timeout: Duration::from_secs(number(
                    "DB_POOL_TIMEOUT_SECONDS",
                    5,
                    1..=300,
                )?),
            },
            log_format,
            jwt_secret: match value("JWT_SECRET") {
                Some(secret) if secret.len() < MIN_SECRET_BYTES => {
                    bail!("JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")
                }
                secret => secret,
            },
            token_ttl_seconds: number("TOKEN_TTL_SECONDS", 3600, 60..=86_400)?,
            admin_password: value("ADMIN_PASSWORD"),
            import_max_bytes: usize::try_from(number(
                "IMPORT_MAX_BYTES",
                10 * 1024 * 1024,
                1024..=100 * 1024 * 1024,
            )?)?,
            import_max_rows: usize::try_from(number("IMPORT_MAX_ROWS", 10_000, 1..=100_000)?)?,
            publication: Publication {
                publisher: value("OC4IDS_PUBLISHER")
                    .map(|name| name.trim().to_owned())
                    .unwrap_or_else(|| DEFAULT_PUBLISHER.to_owned()),
                id_prefix: match value("OC4IDS_ID_PREFIX") {
                    None => DEFAULT_ID_PREFIX.to_owned(),
                    Some(prefix)
                        if prefix.len() <= 64
                            && prefix
                                .bytes()
                                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-') =>
                    {
                        prefix
                    }
                    Some(prefix) => bail!(
                        "OC4IDS_ID_PREFIX must be letters, digits and '-' (at most 64), not {prefix:?}"
                    ),
                },
                public_url: match value("PUBLIC_URL") {
                    None => None,
                    Some(url)
                        if (url.starts_with("https://") || url.starts_with("http://"))
                            && !url
                                .trim_end_matches('/')
                                .contains(|c: char| c.is_whitespace()) =>
                    {
                        Some(url.trim_end_matches('/').to_owned())
                    }
                    Some(url) => {
                        bail!("PUBLIC_URL must be an http:// or https:// address, not {url:?}")
                    }
                },
            },
            trusted_proxies: TrustedProxies::parse(&value("TRUSTED_PROXIES").unwrap_or_default())?,
            body_timeout: Duration::from_secs(number("BODY_TIMEOUT_SECONDS", 60, 1..=3600)?),
            session_idle: Duration::from_secs(60 * number("SESSION_IDLE_MINUTES", 30, 1..=1440)?),
            session_max: Duration::from_secs(3600 * number("SESSION_MAX_HOURS", 12, 1..=168)?),
            metrics_token: value("METRICS_TOKEN")
                .map(|token| ScrapeToken::parse(&token))
                .transpose()
                .map_err(anyhow::Error::msg)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_are_the_embedded_database_on_localhost() {
        let settings = settings(&[]).unwrap();
        assert_eq!(settings.bind, "127.0.0.1:8080");
        assert_eq!(
            settings.database_url,
            DatabaseUrl::Sqlite("./data/registry.db".into())
        );
        assert_eq!(settings.pool.max_size, 10);
        assert_eq!(settings.log_format, LogFormat::Text);
        assert_eq!(settings.token_ttl_seconds, 3600);
        assert!(settings.jwt_secret.is_none() && settings.admin_password.is_none());
        assert_eq!(settings.trusted_proxies, TrustedProxies::default());
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let proxies = TrustedProxies::parse("10.0.0.5, 192.168.1.0/24,::1").unwrap();
        for trusted in ["10.0.0.5", "192.168.1.77", "::1", "::ffff:10.0.0.5"] {
            assert!(proxies.trusts(trusted.parse().unwrap()), "{trusted}");
        }
        for untrusted in ["10.0.0.6", "192.168.2.1", "::2"] {
            assert!(!proxies.trusts(untrusted.parse().unwrap()), "{untrusted}");
        }
        let error = settings(&[("TRUSTED_PROXIES", "10.0.0.5, proxy.local")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("proxy.local"), "{error}");
    }

    #[test]
    fn publication_settings_are_checked_and_default_to_saying_they_are_unset() {
        let defaults = settings(&[]).unwrap().publication;
        assert_eq!(defaults.id_prefix, DEFAULT_ID_PREFIX);
        assert_eq!(defaults.public_url, None);
        let set = settings(&[
            ("OC4IDS_ID_PREFIX", "oc4ids-abc123-"),
            ("PUBLIC_URL", "https://registry.example.cn/"),
        ])
        .unwrap()
        .publication;
        assert_eq!(set.id_prefix, "oc4ids-abc123-");
        assert_eq!(
            set.public_url.as_deref(),
            Some("https://registry.example.cn")
        );
        for (name, value) in [
            ("OC4IDS_ID_PREFIX", "oc4ids abc/"),
            ("PUBLIC_URL", "registry.example.cn"),
        ] {
            let error = settings(&[(name, value)]).unwrap_err().to_string();
            assert!(error.contains(name), "{error}");
        }
    }

    /// A misspelt scheme once started the service on a new SQLite file named after it.
    #[test]
    fn an_unknown_database_url_refuses_to_start_and_hides_the_password() {
        let error = settings(&[("DATABASE_URL", "mysql://user:pw@host/db")]).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("DATABASE_URL must be a postgres:// or postgresql:// URL"),
            "{message}"
        );
        assert!(message.contains("mysql://***@host/db"), "{message}");
        assert!(!message.contains("pw"), "{message}");
    }

    #[test]
    fn a_postgres_url_selects_postgres() {
        let settings =
            settings(&[("DATABASE_URL", "postgres://postgres@127.0.0.1/registry")]).unwrap();
        assert!(matches!(settings.database_url, DatabaseUrl::Postgres(_)));
    }

    #[test]
    fn bad_values_are_refused_with_the_variable_named() {
        for (name, value) in [
            ("LOG_FORMAT", "xml"),
            ("DB_POOL_SIZE", "0"),
            ("DB_POOL_TIMEOUT_SECONDS", "soon"),
            ("DATABASE_URL", "postgress://db/registry"),
            ("DATABASE_URL", "host=localhost dbname=registry"),
        ] {
            let error = settings(&[(name, value)]).unwrap_err();
            assert!(error.to_string().contains(name), "{error}");
        }
    }
}
