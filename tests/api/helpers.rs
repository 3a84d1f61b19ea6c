use std::{net::TcpListener, path::PathBuf, time::Duration};

use diesel::{Connection, PgConnection, RunQueryDsl};
use portfolio_registry::{
    config::{LogFormat, Settings, TrustedProxies},
    db::{Database, DatabaseUrl, PoolSettings},
    opendata::oc4ids::Publication,
    startup::{AppState, Application, prepare},
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Today in the registry's calendar (China Standard Time).
pub fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// The first administrator's password in every test application.
pub const ADMIN_PASSWORD: &str = "test-admin-passphrase";
/// The password of every user a test adds.
pub const PASSWORD: &str = "a test user passphrase";
/// The token signing secret of every test application.
pub const JWT_SECRET: &str = "test-secret-of-at-least-thirty-two-bytes";
pub const PLAN: &str = "yunyang-eco-2021-2025";

/// Declares, for each `async fn NAME(backend: Backend)`, a module `NAME` with a test per
/// backend: `NAME::sqlite` and `NAME::postgres`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    match $crate::helpers::Backend::postgres() {
                        Some(backend) => super::$name(backend).await,
                        None => eprintln!("TEST_DATABASE_URL is not set: PostgreSQL half not run"),
                    }
                }
            }
        )*
    };
}

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    /// The URL of a server where tests may create and drop databases.
    Postgres(String),
}

impl Backend {
    pub fn postgres() -> Option<Self> {
        std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|url| !url.is_empty())
            .map(Self::Postgres)
    }
}

/// A database that exists for one test and is removed after it.
pub struct TestDatabase {
    pub url: DatabaseUrl,
    cleanup: Cleanup,
}

enum Cleanup {
    Directory(PathBuf),
    PostgresDatabase { server_url: String, name: String },
}

impl TestDatabase {
    pub fn create(backend: &Backend) -> Self {
        let unique = uuid::Uuid::new_v4().simple().to_string();
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("portfolio-registry-test-{unique}"));
                Self {
                    url: DatabaseUrl::Sqlite(dir.join("registry.db")),
                    cleanup: Cleanup::Directory(dir),
                }
            }
            Backend::Postgres(server_url) => {
                let name = format!("registry_test_{unique}");
                let mut admin = PgConnection::establish(server_url)
                    .expect("TEST_DATABASE_URL must point at a reachable PostgreSQL server");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("creating the test database");
                Self {
                    url: DatabaseUrl::Postgres(with_database(server_url, &name)),
                    cleanup: Cleanup::PostgresDatabase {
                        server_url: server_url.clone(),
                        name,
                    },
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Directory(dir) => drop(std::fs::remove_dir_all(dir)),
            Cleanup::PostgresDatabase { server_url, name } => {
                if let Ok(mut admin) = PgConnection::establish(server_url) {
                    let drop_database = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    drop(diesel::sql_query(drop_database).execute(&mut admin));
                }
            }
        }
    }
}

/// The server URL with its database name replaced.
fn with_database(server_url: &str, name: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (server_url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Database,
    pub settings: Settings,
    /// A token of the plan office user `admin`.
    pub admin_token: String,
    // Dropped last: the server and pool go first.
    _database: TestDatabase,
}

pub fn test_settings(url: DatabaseUrl) -> Settings {
    Settings {
        bind: "127.0.0.1:0".to_owned(),
        database_url: url,
        pool: PoolSettings {
            max_size: 4,
            checkout_timeout: Duration::from_secs(5),
        },
        log_format: LogFormat::Text,
        jwt_secret: Some(JWT_SECRET.to_owned()),
        token_ttl_seconds: 3600,
        admin_password: Some(ADMIN_PASSWORD.to_owned()),
        import_max_bytes: 10 * 1024 * 1024,
        import_max_rows: 10_000,
        publication: Publication {
            publisher: "云阳县项目储备库（测试）".to_owned(),
            id_prefix: "oc4ids-test00-".to_owned(),
            public_url: None,
        },
        trusted_proxies: TrustedProxies::default(),
        body_timeout: Duration::from_secs(60),
        session_idle: Duration::from_secs(30 * 60),
        session_max: Duration::from_secs(12 * 3600),
        metrics_token: None,
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Starts the application on a fresh database, with `adjust` applied to its settings.
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let database = TestDatabase::create(&backend);
    let mut settings = test_settings(database.url.clone());
    adjust(&mut settings);
    let state = prepare(&settings).await.expect("preparing the database");
    let address = serve(state.clone());
    let client = reqwest::Client::new();
    let admin_token = login(&client, &address, "admin", ADMIN_PASSWORD).await;
    TestApp {
        address,
        client,
        db: state.database,
        settings,
        admin_token,
        _database: database,
    }
}

/// Serves `state` on a free port; returns the base address.
fn serve(state: AppState) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding a port");
    let application = Application::with_listener(state, listener).expect("building the app");
    let address = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());
    address
}

async fn login(client: &reqwest::Client, address: &str, username: &str, password: &str) -> String {
    let response = client
        .post(format!("{address}/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .expect("logging in");
    assert_eq!(response.status(), StatusCode::OK, "login as {username}");
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

impl TestApp {
    /// A second instance of the service on the same database (its own pool and port), as
    /// a deployment with two instances would run.
    pub async fn second_instance(&self) -> String {
        let state = prepare(&self.settings)
            .await
            .expect("preparing the second instance");
        serve(state)
    }

    /// Sends a request; `token` `None` sends no credentials.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("sending the request")
    }

    /// GET as the plan office.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.request(Method::GET, path, Some(&self.admin_token), None)
            .await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> reqwest::Response {
        self.request(Method::POST, path, Some(token), Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> reqwest::Response {
        self.request(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn login(&self, username: &str, password: &str) -> String {
        login(&self.client, &self.address, username, password).await
    }

    /// Registers an organization as the plan office; returns its id.
    pub async fn add_organization(&self, name: &str, kind: &str) -> String {
        let body = created(
            self.post(
                "/api/v1/organizations",
                &self.admin_token,
                json!({"name": name, "kind": kind}),
            )
            .await,
        )
        .await;
        body["id"].as_str().unwrap().to_owned()
    }

    /// Adds a user with [`PASSWORD`] as the plan office and logs in; returns (id, token).
    pub async fn add_user(
        &self,
        username: &str,
        role: &str,
        organization_id: &str,
    ) -> (String, String) {
        let body = created(
            self.post(
                "/api/v1/users",
                &self.admin_token,
                json!({"username": username, "password": PASSWORD, "role": role, "organization_id": organization_id}),
            )
            .await,
        )
        .await;
        let token = self.login(username, PASSWORD).await;
        (body["id"].as_str().unwrap().to_owned(), token)
    }

    /// Issues an API key as the plan office; returns (id, key).
    pub async fn add_api_key(&self, name: &str) -> (String, String) {
        let body = created(
            self.post("/api/v1/api-keys", &self.admin_token, json!({"name": name}))
                .await,
        )
        .await;
        (
            body["id"].as_str().unwrap().to_owned(),
            body["key"].as_str().unwrap().to_owned(),
        )
    }

    /// Runs one SQL statement on the app's database, behind the API's back (to set up a
    /// state the API cannot reach yet, such as a reserve entered years ago).
    pub async fn execute_sql(&self, sql: &str) {
        let sql = sql.to_owned();
        self.db
            .run(move |conn| {
                diesel::sql_query(sql)
                    .execute(conn)
                    .map_err(portfolio_registry::db::StorageError::from)
            })
            .await
            .expect("running SQL on the test database");
    }

    /// How many entries the audit trail holds.
    pub async fn audit_count(&self) -> i64 {
        self.db
            .run(|conn| {
                portfolio_registry::db::audit::count(conn)
                    .map_err(portfolio_registry::db::StorageError::from)
            })
            .await
            .unwrap()
    }

    /// GET `path`, returning the status and the body as JSON.
    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        let response = self.get(path).await;
        let status = response.status();
        (status, response.json().await.expect("a JSON body"))
    }

    /// Every project, walking the list page by page with `query` (which must not set
    /// `cursor`).
    pub async fn all_pages(&self, query: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(cursor) => format!("/api/v1/projects?{query}&cursor={cursor}"),
                None => format!("/api/v1/projects?{query}"),
            };
            let (status, page) = self.get_json(&path).await;
            assert_eq!(status, StatusCode::OK, "{path}: {page}");
            items.extend(page["items"].as_array().expect("items").iter().cloned());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return items,
            }
            assert!(items.len() <= 10_000, "the cursor does not advance");
        }
    }

    /// The seeded project with this exact name.
    pub async fn project_named(&self, name: &str) -> Value {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("q", name)
            .finish();
        let (_, page) = self.get_json(&format!("/api/v1/projects?{query}")).await;
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|project| project["name"] == name)
            .unwrap_or_else(|| panic!("no project named {name}"))
            .clone()
    }
}

/// Asserts an `application/problem+json` response with this status, returning its body.
pub async fn assert_problem(response: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status.as_u16());
    assert!(
        body["type"]
            .as_str()
            .unwrap()
            .starts_with("urn:problem:portfolio-registry:")
    );
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "{body}"
    );
    body
}

/// The `field`s named by a validation problem.
pub fn invalid_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .expect("a validation problem names its fields")
        .iter()
        .map(|error| error["field"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn with_database_replaces_only_the_database_name() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
        "postgres://postgres@127.0.0.1:5432/t1"
    );
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "t1"),
        "postgres://u:p@h/t1?sslmode=disable"
    );
    assert_eq!(
        with_database("postgres://h:5432", "t1"),
        "postgres://h:5432/t1"
    );
}

/// The body of a 201 response; any other status fails the test, showing the body.
pub async fn created(response: reqwest::Response) -> Value {
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        response.text().await.unwrap()
    );
    response.json().await.unwrap()
}

/// A department and a platform company with a user each, and a finance user.
pub struct Team {
    pub department: String,
    pub department_token: String,
    pub company: String,
    pub company_token: String,
    pub finance_token: String,
}

/// Builds request bodies for a project; states only what a test cares about.
pub struct ProjectBuilder {
    body: Value,
}

impl ProjectBuilder {
    pub fn led_by(department: &str) -> Self {
        Self {
            body: json!({"plan": PLAN, "category": "risk", "name": "化工园区环境风险防控工程", "lead_department": department}),
        }
    }

    pub fn set(mut self, field: &str, value: Value) -> Self {
        self.body[field] = value;
        self
    }

    pub fn build(self) -> Value {
        self.body
    }
}

impl TestApp {
    pub async fn team(&self) -> Team {
        let department = self.add_organization("县能源部门", "department").await;
        let (_, department_token) = self
            .add_user("energy-dept", "department", &department)
            .await;
        let company = self
            .add_organization("云阳县城投集团", "platform_company")
            .await;
        let (_, company_token) = self.add_user("cityco", "platform_company", &company).await;
        let finance = self.add_organization("县财政局", "finance").await;
        let (_, finance_token) = self.add_user("finance", "finance", &finance).await;
        Team {
            department,
            department_token,
            company,
            company_token,
            finance_token,
        }
    }

    /// Registers a project; returns it.
    pub async fn register(&self, token: &str, body: Value) -> Value {
        created(self.post("/api/v1/projects", token, body).await).await
    }

    /// The project's current ETag.
    pub async fn etag(&self, id: &str) -> String {
        let response = self.get(&format!("/api/v1/projects/{id}")).await;
        response.headers()["etag"].to_str().unwrap().to_owned()
    }

    /// A write to a project with `If-Match: if_match` (none when `None`).
    pub async fn with_if_match(
        &self,
        method: Method,
        path: &str,
        token: &str,
        if_match: Option<&str>,
        body: Value,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address))
            .bearer_auth(token)
            .json(&body);
        if let Some(tag) = if_match {
            request = request.header("if-match", tag);
        }
        request.send().await.unwrap()
    }

    /// PATCHes a project with its current ETag.
    pub async fn edit(&self, token: &str, id: &str, patch: Value) -> reqwest::Response {
        let etag = self.etag(id).await;
        self.with_if_match(
            Method::PATCH,
            &format!("/api/v1/projects/{id}"),
            token,
            Some(&etag),
            patch,
        )
        .await
    }

    /// Moves a project with its current ETag.
    pub async fn transition(
        &self,
        token: &str,
        id: &str,
        to: &str,
        note: Option<&str>,
    ) -> reqwest::Response {
        let etag = self.etag(id).await;
        let body = json!({"to": to, "note": note});
        self.with_if_match(
            Method::POST,
            &format!("/api/v1/projects/{id}/transitions"),
            token,
            Some(&etag),
            body,
        )
        .await
    }

    /// Submits a progress report; returns it.
    pub async fn report(
        &self,
        token: &str,
        project: &str,
        period: &str,
        amount: &str,
        progress: i32,
    ) -> Value {
        let body = json!({"period": period, "investment_completed": amount, "physical_progress": progress, "summary": "按计划推进"});
        created(
            self.post(&format!("/api/v1/projects/{project}/reports"), token, body)
                .await,
        )
        .await
    }

    /// A report submitted by the team's department and accepted by its finance user.
    pub async fn accepted_report(
        &self,
        team: &Team,
        project: &str,
        period: &str,
        amount: &str,
        progress: i32,
    ) {
        let report = self
            .report(&team.department_token, project, period, amount, progress)
            .await;
        let accepted = self
            .review(
                &team.finance_token,
                report["id"].as_str().unwrap(),
                "accepted",
            )
            .await;
        assert_eq!(accepted.status(), StatusCode::OK);
    }

    pub async fn review(&self, token: &str, report: &str, decision: &str) -> reqwest::Response {
        self.post(
            &format!("/api/v1/reports/{report}/review"),
            token,
            json!({"decision": decision}),
        )
        .await
    }
}
