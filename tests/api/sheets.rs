//! Spreadsheets in and out (docs/SPREADSHEETS.md), with workbooks written by another
//! program (`tests/fixtures/sheets/`, made by openpyxl; `expected.json` says what each
//! should do).

use std::{collections::HashMap, io::Read, path::PathBuf};

use calamine::{Data, Reader, Xlsx};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, PASSWORD, PLAN, TestApp, spawn_app, spawn_app_with};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sheets")
}

fn expected() -> Value {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn media_type(file: &str) -> &'static str {
    if file.ends_with(".csv") {
        "text/csv"
    } else {
        XLSX
    }
}

/// Uploads `bytes` as `media` to the plan's imports.
async fn upload(
    app: &TestApp,
    token: &str,
    bytes: Vec<u8>,
    media: &str,
    dry_run: bool,
) -> reqwest::Response {
    app.client
        .post(format!(
            "{}/api/v1/plans/{PLAN}/imports?dry_run={dry_run}",
            app.address
        ))
        .bearer_auth(token)
        .header("content-type", media)
        .header("content-disposition", "attachment; filename=\"台账.xlsx\"")
        .body(bytes)
        .send()
        .await
        .unwrap()
}

async fn import(app: &TestApp, token: &str, file: &str, dry_run: bool) -> reqwest::Response {
    let bytes = std::fs::read(fixtures().join(file)).unwrap();
    upload(app, token, bytes, media_type(file), dry_run).await
}

async fn export(app: &TestApp, token: &str, query: &str) -> (StatusCode, Vec<u8>) {
    let response = app
        .client
        .get(format!("{}/api/v1/projects/export?{query}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.bytes().await.unwrap().to_vec())
}

/// Every sheet of a workbook as rows of cells.
fn workbook(bytes: &[u8]) -> HashMap<String, Vec<Vec<Data>>> {
    let mut workbook = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    workbook
        .sheet_names()
        .into_iter()
        .map(|name| {
            let range = workbook.worksheet_range(&name).unwrap();
            let rows = range.rows().map(|row| row.to_vec()).collect();
            (name, rows)
        })
        .collect()
}

/// What a project count and the audit trail say, to show that nothing was written.
async fn footprint(app: &TestApp) -> (usize, i64) {
    (
        app.all_pages(&format!("plan={PLAN}&limit=200")).await.len(),
        app.audit_count().await,
    )
}

async fn department_token(app: &TestApp, username: &str, organization: &str) -> String {
    let (_, organizations) = app.get_json("/api/v1/organizations").await;
    let id = organizations
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == organization)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.add_user(username, "department", &id).await;
    app.login(username, PASSWORD).await
}

/// The rows of an import answer by row number.
fn rows_of(answer: &Value) -> HashMap<u64, Value> {
    answer["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| (row["row"].as_u64().unwrap(), row.clone()))
        .collect()
}

async fn every_ledger_fixture_dry_runs_as_expected_and_writes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let expected = expected();
    for (file, fixture) in expected["fixtures"].as_object().unwrap() {
        if fixture["kind"] != "ledger" {
            continue;
        }
        let before = footprint(&app).await;
        let response = import(&app, &app.admin_token, file, true).await;
        assert_eq!(response.status(), StatusCode::OK, "{file}");
        let answer: Value = response.json().await.unwrap();
        let rows = rows_of(&answer);
        let wanted = fixture["rows"].as_array().unwrap();
        assert_eq!(rows.len(), wanted.len(), "{file}: {answer:#}");
        for want in wanted {
            let row = &rows[&want["row"].as_u64().unwrap()];
            assert_eq!(
                row["action"], want["action"],
                "{file} row {}: {row:#}",
                want["row"]
            );
            if want["action"] == "error" {
                let columns: Vec<&str> = row["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["column"].as_str().unwrap())
                    .collect();
                assert!(
                    columns.contains(&want["column"].as_str().unwrap()),
                    "{file} row {}: {row:#}",
                    want["row"]
                );
                let message = row["errors"][0]["message"].as_str().unwrap();
                assert!(
                    message
                        .chars()
                        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                    "{file} row {}: the message is in Chinese: {message}",
                    want["row"]
                );
            }
        }
        assert_eq!(
            answer["counts"]["create"].as_u64().unwrap() as usize,
            wanted.iter().filter(|w| w["action"] == "create").count()
        );
        // The dry run itself is recorded, and nothing else.
        let (projects, audit) = footprint(&app).await;
        assert_eq!(
            (projects, audit),
            before,
            "{file}: a dry run writes nothing"
        );
    }
}

/// The amounts and fields a created project must hold, as `expected.json` states them.
async fn assert_created_as_expected(app: &TestApp, file: &str, want: &Value) {
    let project = app.project_named(want["name"].as_str().unwrap()).await;
    let expected = expected();
    let fields = &expected["amount_headers"];
    for (header, amount) in want["amounts"].as_object().unwrap() {
        let yuan_header = header.replace("（万元）", "（元）");
        let field = fields[&yuan_header].as_str().unwrap();
        let (_, source) = field.split_once('.').unwrap();
        assert_eq!(
            &project["investment"][source], amount,
            "{file} {}: {header}",
            want["name"]
        );
    }
    for (field, value) in want["fields"].as_object().into_iter().flatten() {
        match field.as_str() {
            "lead_department" | "implementing_org" if value.is_null() => {
                assert!(project[field].is_null(), "{file}: {field}")
            }
            "lead_department" | "implementing_org" => {
                let (_, organization) = app
                    .get_json(&format!(
                        "/api/v1/organizations/{}",
                        project[field].as_str().unwrap()
                    ))
                    .await;
                assert_eq!(&organization["name"], value, "{file}: {field}");
            }
            _ => assert_eq!(&project[field], value, "{file}: {field}"),
        }
    }
}

async fn a_department_imports_new_projects_in_one_go_audited_under_the_import(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = department_token(&app, "eco-importer", "县生态环境部门").await;
    let response = import(&app, &token, "ledger-new.xlsx", false).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["counts"]["create"], 3);
    assert_eq!(answer["file_name"], "台账.xlsx");
    assert_eq!(answer["sha256"].as_str().unwrap().len(), 64);
    for want in expected()["fixtures"]["ledger-new.xlsx"]["rows"]
        .as_array()
        .unwrap()
    {
        assert_created_as_expected(&app, "ledger-new.xlsx", want).await;
    }
    let import_id = answer["id"].as_str().unwrap();
    let (_, trail) = app
        .get_json("/api/v1/audit?entity_type=project&limit=200")
        .await;
    let under_import = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["request_id"] == format!("import:{import_id}"))
        .count();
    assert_eq!(
        under_import, 3,
        "every change is audited with the import's id"
    );
    let (status, imports) = app.get_json("/api/v1/imports").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        imports
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == import_id && i["counts"]["create"] == 3)
    );
}

async fn a_real_import_with_any_row_error_writes_nothing_and_answers_every_row(backend: Backend) {
    let app = spawn_app(backend).await;
    let before = footprint(&app).await;
    let response = import(&app, &app.admin_token, "ledger-bad-cells.xlsx", false).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["counts"]["error"], 6);
    assert_eq!(problem["rows"].as_array().unwrap().len(), 6);
    assert_eq!(footprint(&app).await, before);
}

async fn refused_files_each_get_their_status_and_write_nothing(backend: Backend) {
    let app = spawn_app_with(backend, |settings| {
        settings.import_max_rows = 200;
    })
    .await;
    let before = footprint(&app).await;
    for (file, fixture) in expected()["fixtures"].as_object().unwrap() {
        if fixture["kind"] != "refused" {
            continue;
        }
        let response = import(&app, &app.admin_token, file, true).await;
        let status = response.status().as_u16();
        assert_eq!(status, fixture["status"].as_u64().unwrap() as u16, "{file}");
        let problem: Value = response.json().await.unwrap();
        if let Some(named) = fixture["names"].as_str() {
            assert!(problem.to_string().contains(named), "{file}: {problem}");
        }
    }
    let not_a_sheet = upload(
        &app,
        &app.admin_token,
        b"{}".to_vec(),
        "application/json",
        true,
    )
    .await;
    assert_eq!(not_a_sheet.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let mut many = String::from("项目名称,类别,牵头部门\r\n");
    for n in 0..201 {
        many.push_str(&format!("项目{n},绿色低碳工程,县生态环境部门\r\n"));
    }
    let too_many = upload(&app, &app.admin_token, many.into_bytes(), "text/csv", true).await;
    assert_eq!(too_many.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(footprint(&app).await, before);
}

async fn a_file_over_the_size_limit_is_413(backend: Backend) {
    let app = spawn_app_with(backend, |settings| settings.import_max_bytes = 4096).await;
    let response = import(&app, &app.admin_token, "ledger-new.xlsx", true).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

async fn an_exported_ledger_imports_back_with_no_change(backend: Backend) {
    let app = spawn_app(backend).await;
    // Amounts that test the edges: a fen, a large total, every source.
    let project = app.project_named("洞鹿风电项目").await;
    let id = project["id"].as_str().unwrap();
    let edited = app
        .edit(
            &app.admin_token,
            id,
            json!({"investment": {"total": "123456789012345.67", "central": "0.01",
                "other": "99999.99"}, "start_year": 2023, "national_code": "2023-500235-44-01-000001"}),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    for query in [
        "format=xlsx",
        "format=csv",
        "format=xlsx&unit=wan",
        "format=csv&unit=wan",
    ] {
        let (status, bytes) = export(&app, &app.admin_token, &format!("plan={PLAN}&{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        let media = if query.contains("csv") {
            "text/csv"
        } else {
            XLSX
        };
        let response = upload(&app, &app.admin_token, bytes, media, true).await;
        assert_eq!(response.status(), StatusCode::OK, "{query}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["counts"]["error"], 0, "{query}: {answer:#}");
        assert_eq!(answer["counts"]["update"], 0, "{query}: {answer:#}");
        assert_eq!(answer["counts"]["create"], 0, "{query}");
        assert_eq!(answer["counts"]["unchanged"], 101, "{query}");
    }
}

async fn the_export_is_every_page_of_the_list_with_the_plans_summary_beside(backend: Backend) {
    let app = spawn_app(backend).await;
    let listed = app
        .all_pages(&format!(
            "plan={PLAN}&category=pollution&sort=-name&limit=20"
        ))
        .await;
    let (status, bytes) = export(
        &app,
        &app.admin_token,
        &format!("plan={PLAN}&category=pollution&sort=-name"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let sheets = workbook(&bytes);
    let ledger = &sheets["项目台账"];
    assert_eq!(ledger[0][0], Data::String("项目编码".into()));
    assert_eq!(ledger[0][9], Data::String("总投资（元）".into()));
    let codes: Vec<String> = ledger[1..].iter().map(|row| row[0].to_string()).collect();
    let listed_codes: Vec<String> = listed
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes, listed_codes, "the same rows in the same order");
    assert!(
        ledger[1..]
            .iter()
            .all(|row| row[2] == Data::String("深入打好污染防治攻坚战项目".into()))
    );
    // The summary sheet carries the plan's summary: its registered total row.
    let (_, summary) = app.get_json(&format!("/api/v1/plans/{PLAN}/summary")).await;
    let totals = sheets["汇总"]
        .iter()
        .find(|row| row[0] == Data::String("合计（不含已退出）".into()))
        .unwrap();
    assert_eq!(
        totals[2].to_string(),
        summary["registered"]["projects"].to_string()
    );
    // The ledger's header row is frozen and filtered.
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    archive
        .by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    assert!(xml.contains("<autoFilter"), "an autofilter");
    assert!(xml.contains("state=\"frozen\""), "a frozen header row");
}

async fn csv_export_has_a_byte_order_mark_and_neutralizes_formulas(backend: Backend) {
    let app = spawn_app(backend).await;
    let project = app.project_named("洞鹿风电项目").await;
    let id = project["id"].as_str().unwrap();
    let edited = app
        .edit(
            &app.admin_token,
            id,
            json!({"description": "=HYPERLINK(\"http://x\",\"y\")", "scale": "+1"}),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let (status, bytes) = export(
        &app,
        &app.admin_token,
        &format!("plan={PLAN}&format=csv&unit=wan"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(bytes.starts_with("\u{feff}".as_bytes()));
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains("\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""),
        "{text}"
    );
    assert!(text.contains(",'+1,"));
    assert!(text.contains("总投资（万元）"));
    assert_eq!(text.lines().count(), 102, "the header and every project");
}

async fn the_template_offers_dropdowns_and_instructions_in_chinese(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app
        .client
        .get(format!(
            "{}/api/v1/plans/{PLAN}/import-template",
            app.address
        ))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], XLSX);
    let bytes = response.bytes().await.unwrap().to_vec();
    let sheets = workbook(&bytes);
    assert_eq!(sheets["项目台账"][0][1], Data::String("项目名称".into()));
    assert!(
        sheets["选项"]
            .iter()
            .any(|row| row[0] == Data::String("绿色低碳工程".into()))
    );
    assert!(
        sheets["选项"]
            .iter()
            .any(|row| row[2] == Data::String("县生态环境部门".into()))
    );
    assert!(sheets["填写说明"][0][0].to_string().contains("导入模板"));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
    let mut xml = String::new();
    archive
        .by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    assert_eq!(
        xml.matches("<dataValidation ").count(),
        4,
        "category, status, lead, implementer"
    );
    // A filled-in template imports.
    let filled = upload(&app, &app.admin_token, bytes, XLSX, true).await;
    assert_eq!(filled.status(), StatusCode::OK);
}

async fn a_department_cannot_import_changes_to_another_departments_project(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = department_token(&app, "water-importer", "县水利部门").await;
    let forestry = app.add_organization("县林业局（测试）", "department").await;
    let other = app.project_named("洞鹿风电项目").await;
    let assigned = app
        .edit(
            &app.admin_token,
            other["id"].as_str().unwrap(),
            json!({"lead_department": forestry}),
        )
        .await;
    assert_eq!(assigned.status(), StatusCode::OK);
    let csv = format!(
        "项目编码,项目名称\r\n{},{}（改名）\r\n",
        other["code"].as_str().unwrap(),
        other["name"].as_str().unwrap()
    );
    let before = footprint(&app).await;
    let response = upload(&app, &token, csv.into_bytes(), "text/csv", false).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["rows"][0]["action"], "error");
    assert_eq!(
        problem["rows"][0]["errors"][0]["message"],
        "只有项目的牵头部门或实施单位可以修改该项目"
    );
    assert_eq!(footprint(&app).await, before);
}

async fn dispatch_rows_submit_progress_reports_for_review(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, page) = app.get_json("/api/v1/projects?q=YY-POL-001").await;
    let id = page["items"][0]["id"].as_str().unwrap().to_owned();
    let (_, organizations) = app.get_json("/api/v1/organizations").await;
    let lead = organizations
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "县生态环境部门")
        .unwrap()["id"]
        .clone();
    let edited = app
        .edit(
            &app.admin_token,
            &id,
            json!({"lead_department": lead, "investment": {"total": "9000000"}}),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let moved = app
        .transition(&app.admin_token, &id, "preparation", None)
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let response = import(&app, &app.admin_token, "dispatch.xlsx", false).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["counts"]["report"], 2, "{answer:#}");
    let (_, reports) = app
        .get_json(&format!("/api/v1/projects/{id}/reports"))
        .await;
    let periods: Vec<&str> = reports
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["period"].as_str().unwrap())
        .collect();
    assert_eq!(periods, ["2025-06", "2025-07"]);
    assert_eq!(reports[1]["investment_completed"], "200000.50");
    assert_eq!(reports[0]["status"], "submitted");
}

on_both_backends!(
    every_ledger_fixture_dry_runs_as_expected_and_writes_nothing,
    a_department_imports_new_projects_in_one_go_audited_under_the_import,
    a_real_import_with_any_row_error_writes_nothing_and_answers_every_row,
    refused_files_each_get_their_status_and_write_nothing,
    a_file_over_the_size_limit_is_413,
    an_exported_ledger_imports_back_with_no_change,
    the_export_is_every_page_of_the_list_with_the_plans_summary_beside,
    csv_export_has_a_byte_order_mark_and_neutralizes_formulas,
    the_template_offers_dropdowns_and_instructions_in_chinese,
    a_department_cannot_import_changes_to_another_departments_project,
    dispatch_rows_submit_progress_reports_for_review,
);
