//! The console in a real browser: headless Chromium (Debian's `chromium` and
//! `chromium-driver`) driven through WebDriver, on both backends, one journey per test.
//! Screenshots are written to `target/console-screenshots/`.
//!
//! Without chromedriver these tests say so and pass, so that `cargo test` works on a
//! machine without a browser; `.ci/run` installs one and sets
//! `CONSOLE_BROWSER_TESTS=required`, where a missing browser fails.
// The shared helpers serve many tests; this binary uses a few of them.
#![allow(dead_code, unused_macros)]

#[macro_use]
#[path = "api/helpers.rs"]
mod helpers;

use std::{
    net::TcpListener,
    os::unix::process::CommandExt,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{ADMIN_PASSWORD, Backend, PASSWORD, TestApp, created, spawn_app};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A headless Chromium session, and the chromedriver serving it.
struct Browser {
    client: Client,
    driver: Child,
    base: String,
}

impl Drop for Browser {
    /// Ends chromedriver and every Chromium process it started: they share its process
    /// group. (Killing chromedriver alone leaves Chromium running, and a test run that
    /// leaks a browser per test fills the machine's memory.)
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        drop(Command::new("kill").args(["-KILL", "--", &group]).status());
        drop(self.driver.wait());
    }
}

/// A browser on `app`, or `None` (the test is skipped) where none is installed and none
/// is required.
async fn browser(app: &TestApp) -> Option<Browser> {
    browser_at(&app.address).await
}

/// Chromium under a chromedriver of its own, with no page open yet.
async fn start_browser() -> Option<Browser> {
    if !std::path::Path::new(CHROMEDRIVER).exists() {
        let required =
            std::env::var("CONSOLE_BROWSER_TESTS").is_ok_and(|value| value == "required");
        assert!(
            !required,
            "{CHROMEDRIVER} is missing: apt-get install chromium chromium-driver fonts-noto-cjk"
        );
        eprintln!("{CHROMEDRIVER} is missing: browser test not run");
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting chromedriver");
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1100", "--lang=zh-CN",
                     "--disable-features=OptimizationGuideModelDownloading,OnDeviceModelService"],
        }),
    );
    let started = Instant::now();
    let client = loop {
        let connected =
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await;
        match connected {
            Ok(client) => break client,
            Err(error) if started.elapsed() < Duration::from_secs(20) => {
                let _ = error;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(error) => panic!("connecting to chromedriver: {error}"),
        }
    };
    Some(Browser {
        client,
        driver,
        base: String::new(),
    })
}

impl Browser {
    async fn open(&self, fragment: &str) {
        self.client
            .goto(&format!("{}/{fragment}", self.base))
            .await
            .unwrap();
    }

    async fn sign_in(&self, username: &str, password: &str) {
        self.open("").await;
        self.fill("input[name=username]", username).await;
        self.fill("input[name=password]", password).await;
        self.click("form button[type=submit]").await;
        self.wait_for_text("退出").await;
    }

    async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("no {css}: {error}"))
    }

    async fn fill(&self, css: &str, text: &str) {
        let input = self.wait_for(css).await;
        input.clear().await.unwrap();
        input.send_keys(text).await.unwrap();
    }

    async fn click(&self, css: &str) {
        self.wait_for(css).await.click().await.unwrap();
    }

    async fn choose(&self, css: &str, value: &str) {
        self.wait_for(css)
            .await
            .select_by_value(value)
            .await
            .unwrap();
    }

    /// Clicks the button whose text is `label` (the first one, in document order).
    async fn press(&self, label: &str) {
        let xpath = format!("//button[normalize-space(.)='{label}']");
        self.client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|error| panic!("no button {label}: {error}"))
            .click()
            .await
            .unwrap();
    }

    async fn body_text(&self) -> String {
        self.client
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn wait_for_text(&self, text: &str) {
        let started = Instant::now();
        loop {
            if self.body_text().await.contains(text) {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "no {text:?} in:\n{}",
                self.body_text().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../console-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Runs `script` (an async function body) in the page and returns what it returns.
    async fn run(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap()
    }
}

/// A department with a user, and a seeded project it leads. Returns (project id, the
/// department's token).
async fn department_with_project(app: &TestApp) -> (String, String, String) {
    let organization = app.add_organization("县生态环境局", "department").await;
    let (_, token) = app.add_user("eco", "department", &organization).await;
    let (_, page) = app.get_json("/api/v1/projects?limit=1&sort=code").await;
    let project = page["items"][0].clone();
    let id = project["id"].as_str().unwrap().to_owned();
    let assigned = app
        .client
        .patch(format!("{}/api/v1/projects/{id}", app.address))
        .bearer_auth(&app.admin_token)
        .header("if-match", format!("\"{}\"", project["version"]))
        .json(&json!({"lead_department": organization}))
        .send()
        .await
        .unwrap();
    assert_eq!(assigned.status(), StatusCode::OK);
    (id, token, project["code"].as_str().unwrap().to_owned())
}

async fn project(app: &TestApp, id: &str) -> Value {
    app.get_json(&format!("/api/v1/projects/{id}")).await.1
}

/// Moves a project through the API as `token`.
async fn move_to(app: &TestApp, token: &str, id: &str, to: &str) {
    let version = project(app, id).await["version"].clone();
    let moved = app
        .client
        .post(format!("{}/api/v1/projects/{id}/transitions", app.address))
        .bearer_auth(token)
        .header("if-match", format!("\"{version}\""))
        .json(&json!({"to": to}))
        .send()
        .await
        .unwrap();
    assert!(
        moved.status().is_success(),
        "{}",
        moved.text().await.unwrap()
    );
}

async fn edit(app: &TestApp, token: &str, id: &str, patch: Value) {
    let version = project(app, id).await["version"].clone();
    let edited = app
        .client
        .patch(format!("{}/api/v1/projects/{id}", app.address))
        .bearer_auth(token)
        .header("if-match", format!("\"{version}\""))
        .json(&patch)
        .send()
        .await
        .unwrap();
    assert_eq!(
        edited.status(),
        StatusCode::OK,
        "{}",
        edited.text().await.unwrap()
    );
}

/// The journey of README's first lines: a department finds its project, edits it, moves
/// it to construction and files a report, all in Chinese.
async fn a_department_edits_moves_to_construction_and_reports(backend: Backend) {
    let name = format!("department-journey-{}", backend_name(&backend));
    let app = spawn_app(backend).await;
    let (id, _, code) = department_with_project(&app).await;
    let Some(browser) = browser(&app).await else {
        return;
    };
    browser.sign_in("eco", PASSWORD).await;
    browser.wait_for_text("按类别：规划与登记").await;
    browser.wait_for_text("159 个").await;
    browser.screenshot(&format!("{name}-dashboard")).await;
    browser.open(&format!("#/projects?q={code}")).await;
    browser.wait_for_text("共 1 个项目").await;
    // Not yet under way in any year: no start year.
    browser.choose("select[name=year]", "2024").await;
    browser.press("筛选").await;
    browser.wait_for_text("共 0 个项目").await;
    browser.open(&format!("#/projects?q={code}")).await;
    browser.wait_for_text("共 1 个项目").await;
    browser.click(&format!("a[href='#/projects/{id}']")).await;
    browser.wait_for_text("编辑").await;
    browser
        .fill("input[name='investment.total']", "1500000.00")
        .await;
    browser.fill("input[name='start_year']", "2024").await;
    browser.press("保存修改").await;
    browser.wait_for_text("已保存").await;
    browser.wait_for_text("150 万元").await;
    browser.choose("select[name=to]", "preparation").await;
    browser.press("变更状态").await;
    browser.wait_for_text("已转为前期").await;
    browser.choose("select[name=to]", "construction").await;
    browser.press("变更状态").await;
    browser.wait_for_text("已转为在建").await;
    browser
        .fill("input[name=investment_completed]", "300000.00")
        .await;
    browser.fill("input[name=physical_progress]", "20").await;
    browser.fill("textarea[name=summary]", "完成场地平整").await;
    browser.press("提交报告").await;
    browser.wait_for_text("报告已提交").await;
    browser.wait_for_text("待审核").await;
    browser.screenshot(&format!("{name}-project")).await;
    let saved = project(&app, &id).await;
    assert_eq!(saved["status"], "construction");
    assert_eq!(saved["investment"]["total"], "1500000.00");
    let (_, reports) = app
        .get_json(&format!("/api/v1/projects/{id}/reports"))
        .await;
    assert_eq!(reports[0]["status"], "submitted");
    assert_eq!(reports[0]["investment_completed"], "300000.00");
}

/// A department plans a year's investment in the edit form and asks, from the project
/// page, for a larger total; the plan office approves the request on its queue, and the
/// project carries both.
async fn a_department_plans_a_year_and_the_plan_office_approves_an_adjustment(backend: Backend) {
    let name = format!("adjustment-journey-{}", backend_name(&backend));
    let app = spawn_app(backend).await;
    let (id, department, code) = department_with_project(&app).await;
    edit(
        &app,
        &department,
        &id,
        json!({"investment": {"total": "1000000.00"}}),
    )
    .await;
    let Some(browser) = browser(&app).await else {
        return;
    };
    browser.sign_in("eco", PASSWORD).await;
    browser.open(&format!("#/projects/{id}")).await;
    browser.wait_for_text("分年度投资").await;
    browser
        .fill("input[name='investment_by_year.2023']", "300000.00")
        .await;
    browser.press("保存修改").await;
    browser.wait_for_text("已保存").await;
    browser.wait_for_text("各年计划投资合计 30 万元").await;
    browser
        .fill("input[name='changes.investment.total']", "1500000.00")
        .await;
    browser
        .fill("textarea[name=reason]", "增加污水管网建设内容")
        .await;
    browser.press("提交调整申请").await;
    browser.wait_for_text("调整申请已提交").await;
    browser.wait_for_text("待审批").await;
    browser.screenshot(&format!("{name}-project")).await;
    assert_eq!(
        project(&app, &id).await["investment"]["total"],
        "1000000.00",
        "a request changes nothing until it is approved"
    );

    browser.press("退出").await;
    browser.wait_for("input[name=username]").await;
    browser.sign_in("admin", ADMIN_PASSWORD).await;
    browser.click("a[href='#/adjustments']").await;
    browser.wait_for_text(&code).await;
    browser.wait_for_text("增加污水管网建设内容").await;
    browser.wait_for_text("1,500,000.00 元").await;
    browser.screenshot(&format!("{name}-queue")).await;
    browser.press("批准").await;
    browser.wait_for_text("已批准调整申请").await;
    browser.wait_for_text("没有待审批的调整申请").await;

    let saved = project(&app, &id).await;
    assert_eq!(saved["investment"]["total"], "1500000.00");
    let years: Vec<(Value, Value)> = saved["investment_by_year"]
        .as_array()
        .unwrap()
        .iter()
        .map(|year| (year["year"].clone(), year["planned"].clone()))
        .collect();
    let null = Value::Null;
    assert_eq!(
        years,
        [
            (json!(2021), null.clone()),
            (json!(2022), null.clone()),
            (json!(2023), json!("300000.00")),
            (json!(2024), null.clone()),
            (json!(2025), null),
        ],
        "only the year typed is planned"
    );
    let (_, adjustments) = app
        .get_json(&format!("/api/v1/projects/{id}/adjustments"))
        .await;
    assert_eq!(adjustments["items"].as_array().unwrap().len(), 1);
    let request = &adjustments["items"][0];
    assert_eq!(request["status"], "approved");
    assert_eq!(request["reason"], "增加污水管网建设内容");
    assert_eq!(
        request["changes"],
        json!({"investment": {"total": "1500000.00"}}),
        "only the field changed is asked for"
    );
}

/// A department registers a project (its own lead department), after a mistake that is
/// explained in Chinese beside the field.
async fn a_department_registers_a_project_it_leads(backend: Backend) {
    let app = spawn_app(backend).await;
    department_with_project(&app).await;
    let Some(browser) = browser(&app).await else {
        return;
    };
    browser.sign_in("eco", PASSWORD).await;
    browser.click("a[href='#/projects']").await;
    browser.click("a[href='#/projects/new']").await;
    browser.choose("select[name=category]", "low_carbon").await;
    browser
        .fill("input[name=name]", "双江街道屋顶分布式光伏")
        .await;
    browser
        .fill("input[name='investment.total']", "8000000.005")
        .await;
    browser.press("登记").await;
    browser.wait_for_text("最多两位小数").await;
    browser
        .fill("input[name='investment.total']", "8000000.00")
        .await;
    browser.press("登记").await;
    browser.wait_for_text("已登记").await;
    browser.wait_for_text("800 万元").await;
    let registered = app.project_named("双江街道屋顶分布式光伏").await;
    assert_eq!(registered["status"], "reserve");
    assert_eq!(registered["category"], "low_carbon");
    assert_eq!(registered["investment"]["total"], "8000000.00");
    let (_, me) = app
        .get_json(&format!(
            "/api/v1/organizations/{}",
            registered["lead_department"].as_str().unwrap()
        ))
        .await;
    assert_eq!(me["name"], "县生态环境局");
}

/// Finance accepts one report and returns another with a note; never its own.
async fn finance_accepts_one_report_and_returns_another(backend: Backend) {
    let name = format!("finance-review-{}", backend_name(&backend));
    let app = spawn_app(backend).await;
    let (id, department, _) = department_with_project(&app).await;
    edit(
        &app,
        &department,
        &id,
        json!({"investment": {"total": "1000000.00"}, "start_year": 2024}),
    )
    .await;
    move_to(&app, &department, &id, "preparation").await;
    move_to(&app, &department, &id, "construction").await;
    for period in ["2026-09", "2026-10"] {
        let report = json!({"period": period, "investment_completed": "100000.00", "physical_progress": 10, "summary": format!("{period} 进展"), "issues": ""});
        created(
            app.post(
                &format!("/api/v1/projects/{id}/reports"),
                &department,
                report,
            )
            .await,
        )
        .await;
    }
    let finance_org = app.add_organization("县财政局", "finance").await;
    app.add_user("caizheng", "finance", &finance_org).await;
    let Some(browser) = browser(&app).await else {
        return;
    };
    browser.sign_in("caizheng", PASSWORD).await;
    browser.click("a[href='#/reviews']").await;
    browser.wait_for_text("共 2 份").await;
    browser.wait_for_text("2026年9月").await;
    browser.screenshot(&name).await;
    browser.press("通过").await;
    browser.wait_for_text("报告已通过").await;
    browser.wait_for_text("共 1 份").await;
    browser.fill("input[name=comment]", "请补充监理月报").await;
    browser.press("退回").await;
    browser.wait_for_text("报告已退回").await;
    browser.wait_for_text("没有待审核的报告").await;
    let (_, reports) = app
        .get_json(&format!("/api/v1/projects/{id}/reports"))
        .await;
    let status_of = |period: &str| {
        reports
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["period"] == period)
            .unwrap()
            .clone()
    };
    assert_eq!(status_of("2026-09")["status"], "accepted");
    assert_eq!(status_of("2026-10")["status"], "returned");
    assert_eq!(status_of("2026-10")["review_comment"], "请补充监理月报");
    assert_eq!(
        project(&app, &id).await["completed_investment"],
        "100000.00"
    );
}

/// Someone else saves first: the console shows what they changed, and saving again after
/// reloading keeps both changes; nothing is overwritten silently.
async fn a_stale_edit_shows_what_changed_and_keeps_both_changes(backend: Backend) {
    let name = format!("stale-edit-{}", backend_name(&backend));
    let app = spawn_app(backend).await;
    let (id, _, _) = department_with_project(&app).await;
    let Some(browser) = browser(&app).await else {
        return;
    };
    browser.sign_in("eco", PASSWORD).await;
    browser.open(&format!("#/projects/{id}")).await;
    browser.wait_for_text("编辑").await;
    edit(&app, &app.admin_token, &id, json!({"location": "双江街道"})).await;
    browser.fill("input[name=scale]", "80MWp").await;
    browser.press("保存修改").await;
    browser.wait_for_text("保存未成功").await;
    browser.wait_for_text("双江街道").await;
    browser.screenshot(&name).await;
    assert_eq!(
        project(&app, &id).await["scale"],
        Value::Null,
        "nothing saved over the newer version"
    );
    browser.press("载入最新版本并保留我的修改").await;
    browser.press("保存修改").await;
    browser.wait_for_text("已保存").await;
    let saved = project(&app, &id).await;
    assert_eq!(saved["location"], "双江街道");
    assert_eq!(saved["scale"], "80MWp");
}

/// A viewer is offered no edit and no move, and the server refuses one sent anyway from
/// the same signed-in page (with its CSRF token).
async fn a_forbidden_action_is_neither_offered_nor_accepted(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, _, _) = department_with_project(&app).await;
    let organization = app.add_organization("县审计局", "department").await;
    app.add_user("shenji", "viewer", &organization).await;
    let Some(browser) = browser(&app).await else {
        return;
    };
    browser.sign_in("shenji", PASSWORD).await;
    browser.open(&format!("#/projects/{id}")).await;
    browser.wait_for_text("生命周期").await;
    let text = browser.body_text().await;
    assert!(
        !text.contains("保存修改") && !text.contains("变更状态"),
        "{text}"
    );
    let version = project(&app, &id).await["version"].clone();
    let status = browser
        .run(&format!(
            "return fetch('/api/v1/projects/{id}', {{method: 'PATCH', headers: {{'Content-Type': 'application/json', \
             'If-Match': '\"{version}\"', 'X-CSRF-Token': state.csrf}}, body: JSON.stringify({{scale: '1公里'}})}})\
             .then((response) => response.status);"
        ))
        .await;
    assert_eq!(status, json!(403));
    assert_eq!(project(&app, &id).await["version"], version);
}

/// Names typed by users are shown as the characters typed: no markup runs.
async fn names_with_markup_are_shown_as_text(backend: Backend) {
    let app = spawn_app(backend).await;
    let script_name = "<script>window.pwned=1</script>县局";
    let image_name = "\"><img src=x onerror=\"window.pwned=2\">工程";
    let organization = app.add_organization(script_name, "department").await;
    let (_, page) = app.get_json("/api/v1/projects?limit=1&sort=code").await;
    let id = page["items"][0]["id"].as_str().unwrap().to_owned();
    edit(
        &app,
        &app.admin_token,
        &id,
        json!({"name": image_name, "lead_department": organization}),
    )
    .await;
    let Some(browser) = browser(&app).await else {
        return;
    };
    browser.sign_in("admin", ADMIN_PASSWORD).await;
    browser.open(&format!("#/projects/{id}")).await;
    browser.wait_for_text(image_name).await;
    browser.wait_for_text(script_name).await;
    browser.open("#/projects?sort=code").await;
    browser.wait_for_text(image_name).await;
    browser.open("#/").await;
    browser.wait_for_text(script_name).await;
    assert_eq!(
        browser.run("return window.pwned === undefined;").await,
        json!(true)
    );
    assert_eq!(
        browser
            .run("return document.querySelectorAll('main img, main script').length;")
            .await,
        json!(0)
    );
}

/// The console at scale, for `bench/console.sh` (not a test: it measures, and prints): a
/// cold first load of the page (bytes transferred, time to DOMContentLoaded), then how
/// long the dashboard and the list of the plan `CONSOLE_BENCH_PLAN` take to show, against
/// the service at `CONSOLE_BENCH_URL`.
#[tokio::test]
#[ignore = "a benchmark: run by bench/console.sh"]
async fn console_at_scale() {
    let base = std::env::var("CONSOLE_BENCH_URL").expect("CONSOLE_BENCH_URL");
    let plan = std::env::var("CONSOLE_BENCH_PLAN").expect("CONSOLE_BENCH_PLAN");
    let password = std::env::var("ADMIN_PASSWORD").expect("ADMIN_PASSWORD");
    let runs: usize = std::env::var("CONSOLE_BENCH_RUNS").map_or(5, |n| n.parse().unwrap());
    for run in 1..=runs {
        let browser = browser_at(&base).await.expect("chromedriver");
        browser.open("").await;
        browser.wait_for("input[name=username]").await;
        let first_load = browser
            .run(
                "const nav = performance.getEntriesByType('navigation')[0]; \
                 const resources = performance.getEntriesByType('resource'); \
                 return {dom_content_loaded_ms: nav.domContentLoadedEventEnd, \
                         transferred_bytes: nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0), \
                         resources: resources.length + 1};",
            )
            .await;
        browser
            .run(&format!(
                "sessionStorage.setItem('plan', {plan:?}); return null;"
            ))
            .await;
        browser.fill("input[name=username]", "admin").await;
        browser.fill("input[name=password]", &password).await;
        browser.click("form button[type=submit]").await;
        browser.wait_for("canvas").await;
        browser.wait_for_text("按牵头部门").await;
        // The synthetic plan is the one shown.
        let title = browser.wait_for("main h1").await.text().await.unwrap();
        assert!(title.starts_with("合成"), "{title}");
        browser.open("#/projects?sort=-updated_at").await;
        browser.wait_for_text("本页 50 个").await;
        let pages = browser
            .run(
                "return Object.fromEntries(performance.getEntriesByType('measure') \
                 .map((m) => [m.name, Math.round(m.duration)]));",
            )
            .await;
        println!(
            "{}",
            json!({"run": run, "first_load": first_load, "pages_ms": pages})
        );
    }
}

/// A browser on a service already running at `base`.
async fn browser_at(base: &str) -> Option<Browser> {
    let mut browser = start_browser().await?;
    browser.base = base.to_owned();
    Some(browser)
}

fn backend_name(backend: &Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres(_) => "postgres",
    }
}

on_both_backends!(
    a_department_registers_a_project_it_leads,
    a_department_edits_moves_to_construction_and_reports,
    finance_accepts_one_report_and_returns_another,
    a_stale_edit_shows_what_changed_and_keeps_both_changes,
    a_forbidden_action_is_neither_offered_nor_accepted,
    names_with_markup_are_shown_as_text,
    a_department_plans_a_year_and_the_plan_office_approves_an_adjustment,
);
