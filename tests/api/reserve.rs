//! Reserve expiry: reserve dates, renewal, the sweep (preview and real; at start-up; racing
//! owners and another sweeper), the expiring list and withdrawal reasons.

use std::collections::HashMap;

use chrono::{Days, Months, NaiveDate};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    Backend, PLAN, ProjectBuilder, Team, TestApp, assert_problem, invalid_fields, spawn_app, today,
};

async fn reserve_project(app: &TestApp, team: &Team, name: &str) -> String {
    let body = ProjectBuilder::led_by(&team.department)
        .set("name", json!(name))
        .build();
    let project = app.register(&team.department_token, body).await;
    project["id"].as_str().unwrap().to_owned()
}

async fn project(app: &TestApp, id: &str) -> Value {
    app.get_json(&format!("/api/v1/projects/{id}")).await.1
}

/// Backdates a project's reserve: it entered on `since` and expires on `expires`.
async fn backdate(app: &TestApp, id: &str, since: &str, expires: &str) {
    app.execute_sql(&format!(
        "UPDATE projects SET reserve_since = '{since}', reserve_expires = '{expires}' WHERE id = '{id}'"
    ))
    .await;
}

async fn sweep(app: &TestApp, address: &str, as_of: NaiveDate, dry_run: bool) -> Value {
    let response = app
        .client
        .post(format!("{address}/api/v1/plans/{PLAN}/reserve-sweep"))
        .bearer_auth(&app.admin_token)
        .json(&json!({"as_of": as_of, "dry_run": dry_run}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn codes(outcome: &Value) -> Vec<String> {
    outcome["expired"]
        .as_array()
        .unwrap()
        .iter()
        .map(|expired| expired["id"].as_str().unwrap().to_owned())
        .collect()
}

/// How many times the project moved to `withdrawn`.
async fn withdrawals(app: &TestApp, id: &str) -> usize {
    let (_, history) = app
        .get_json(&format!("/api/v1/projects/{id}/transitions"))
        .await;
    history
        .as_array()
        .unwrap()
        .iter()
        .filter(|move_| move_["to"] == "withdrawn")
        .count()
}

async fn a_project_enters_the_reserve_today_and_expires_after_the_plans_validity(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let id = reserve_project(&app, &team, "储备项目").await;
    let read = project(&app, &id).await;
    let since = today();
    assert_eq!(read["reserve_since"], since.to_string());
    assert_eq!(
        read["reserve_expires"],
        (since + Months::new(36)).to_string()
    );
    assert_eq!(read["withdrawal_reason"], Value::Null);

    let response = app
        .patch(
            &format!("/api/v1/plans/{PLAN}"),
            &app.admin_token,
            json!({"reserve_validity_years": 2}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let plan: Value = response.json().await.unwrap();
    assert_eq!(plan["reserve_validity_years"], 2);
    assert_eq!(
        project(&app, &id).await["reserve_expires"],
        (since + Months::new(24)).to_string()
    );
}

async fn the_sweep_previews_then_withdraws_each_expired_project_once_as_the_registry(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let expired = reserve_project(&app, &team, "过期项目").await;
    let current = reserve_project(&app, &team, "有效项目").await;
    backdate(&app, &expired, "2020-01-01", "2023-01-01").await;
    let as_of = today();

    let preview = sweep(&app, &app.address, as_of, true).await;
    assert_eq!(codes(&preview), std::slice::from_ref(&expired));
    assert_eq!(preview["dry_run"], true);
    assert_eq!(preview["expired"][0]["reserve_expires"], "2023-01-01");
    assert_eq!(project(&app, &expired).await["status"], "reserve");

    let run = sweep(&app, &app.address, as_of, false).await;
    assert_eq!(codes(&run), std::slice::from_ref(&expired));
    let withdrawn = project(&app, &expired).await;
    assert_eq!(withdrawn["status"], "withdrawn");
    assert_eq!(withdrawn["withdrawal_reason"], "expired");
    assert_eq!(project(&app, &current).await["status"], "reserve");
    let (_, history) = app
        .get_json(&format!("/api/v1/projects/{expired}/history"))
        .await;
    let entry = history["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(entry["action"], "project.expire");
    assert_eq!(entry["actor"]["kind"], "system");

    let again = sweep(&app, &app.address, as_of, false).await;
    assert_eq!(
        codes(&again),
        Vec::<String>::new(),
        "the sweep is idempotent"
    );
    assert_eq!(withdrawals(&app, &expired).await, 1);
}

async fn a_sweep_as_of_a_later_date_withdraws_what_expires_by_then_but_never_an_earlier_date(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let id = reserve_project(&app, &team, "三年后到期").await;
    let expires: NaiveDate = project(&app, &id).await["reserve_expires"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let before = sweep(&app, &app.address, expires - Days::new(1), true).await;
    assert!(!codes(&before).contains(&id));
    let on_the_day = sweep(&app, &app.address, expires, true).await;
    assert!(codes(&on_the_day).contains(&id));

    let response = app
        .post(
            &format!("/api/v1/plans/{PLAN}/reserve-sweep"),
            &app.admin_token,
            json!({"as_of": today() - Days::new(1), "dry_run": true}),
        )
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(invalid_fields(&problem), ["as_of"]);
}

async fn a_renewal_restarts_the_reserve_and_is_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let id = reserve_project(&app, &team, "续期项目").await;
    backdate(&app, &id, "2020-01-01", "2023-01-01").await;
    let etag = app.etag(&id).await;
    let path = format!("/api/v1/projects/{id}/renewal");
    let without_note = app
        .with_if_match(
            Method::POST,
            &path,
            &app.admin_token,
            Some(&etag),
            json!({}),
        )
        .await;
    assert_problem(without_note, StatusCode::UNPROCESSABLE_ENTITY).await;
    let by_owner = app
        .with_if_match(
            Method::POST,
            &path,
            &team.department_token,
            Some(&etag),
            json!({"note": "仍需实施"}),
        )
        .await;
    assert_problem(by_owner, StatusCode::FORBIDDEN).await;

    let renewed = app
        .with_if_match(
            Method::POST,
            &path,
            &app.admin_token,
            Some(&etag),
            json!({"note": "仍需实施"}),
        )
        .await;
    assert_eq!(renewed.status(), StatusCode::OK);
    let renewed: Value = renewed.json().await.unwrap();
    assert_eq!(renewed["reserve_since"], today().to_string());
    assert_eq!(renewed["version"], 2);
    let (_, history) = app
        .get_json(&format!("/api/v1/projects/{id}/history"))
        .await;
    let entry = history["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(entry["action"], "project.renew");
    assert_eq!(entry["cause"], json!({"note": "仍需实施"}));
    assert_eq!(entry["before"]["reserve_since"], "2020-01-01");

    let stale = app
        .with_if_match(
            Method::POST,
            &path,
            &app.admin_token,
            Some(&etag),
            json!({"note": "again"}),
        )
        .await;
    assert_problem(stale, StatusCode::PRECONDITION_FAILED).await;
}

async fn a_project_past_its_validity_leaves_when_an_instance_starts(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let id = reserve_project(&app, &team, "启动时到期").await;
    backdate(&app, &id, "2019-06-01", "2022-06-01").await;
    app.second_instance().await;
    let read = project(&app, &id).await;
    assert_eq!(read["status"], "withdrawn");
    assert_eq!(read["withdrawal_reason"], "expired");
}

async fn expiring_within_days_lists_reserve_projects_expiring_by_then(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let soon = reserve_project(&app, &team, "即将到期").await;
    let later = reserve_project(&app, &team, "稍后到期").await;
    let in_days = |days: u64| (today() + Days::new(days)).to_string();
    backdate(&app, &soon, "2023-01-01", &in_days(30)).await;
    backdate(&app, &later, "2023-06-01", &in_days(120)).await;
    let listed = |days: u32| {
        let app = &app;
        async move {
            app.all_pages(&format!("plan={PLAN}&expiring_within_days={days}"))
                .await
                .into_iter()
                .map(|project| project["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(listed(10).await, Vec::<String>::new());
    assert_eq!(listed(90).await, std::slice::from_ref(&soon));
    let (_, count) = app
        .get_json(&format!(
            "/api/v1/projects/count?plan={PLAN}&expiring_within_days=90"
        ))
        .await;
    assert_eq!(count["count"], 1);
    let wrong = app.get("/api/v1/projects?expiring_within_days=-1").await;
    assert_problem(wrong, StatusCode::UNPROCESSABLE_ENTITY).await;
}

async fn a_withdrawal_takes_a_reason_from_the_code_list(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let id = reserve_project(&app, &team, "退出原因").await;
    let path = format!("/api/v1/projects/{id}/transitions");
    let post = |body: Value| {
        let (app, path, token, id) = (&app, &path, &team.department_token, &id);
        async move {
            let etag = app.etag(id).await;
            app.with_if_match(Method::POST, path, token, Some(&etag), body)
                .await
        }
    };
    for (body, field) in [
        (
            json!({"to": "withdrawn", "note": "到期", "reason": "expired"}),
            "reason",
        ),
        (
            json!({"to": "withdrawn", "note": "x", "reason": "lapsed"}),
            "reason",
        ),
        (json!({"to": "preparation", "reason": "merged"}), "reason"),
    ] {
        let problem =
            assert_problem(post(body.clone()).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(
            invalid_fields(&problem).contains(&field.to_owned()),
            "{body}: {problem}"
        );
    }
    let merged =
        post(json!({"to": "withdrawn", "note": "并入污水管网项目", "reason": "merged"})).await;
    assert_eq!(merged.status(), StatusCode::OK);
    assert_eq!(project(&app, &id).await["withdrawal_reason"], "merged");

    let back = app
        .transition(&app.admin_token, &id, "reserve", Some("重新入库"))
        .await;
    let back: Value = back.json().await.unwrap();
    assert_eq!(back["withdrawal_reason"], Value::Null);
    assert_eq!(back["reserve_since"], today().to_string());
    let plain = post(json!({"to": "withdrawn", "note": "不再实施"})).await;
    let plain: Value = plain.json().await.unwrap();
    assert_eq!(plain["withdrawal_reason"], "other", "the default reason");
}

async fn a_sweep_racing_owners_edits_withdraws_each_project_once_and_loses_no_edit(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let mut ids = Vec::new();
    for n in 0..12 {
        let id = reserve_project(&app, &team, &format!("竞争项目{n}")).await;
        backdate(&app, &id, "2020-01-01", "2023-01-01").await;
        ids.push(id);
    }
    let mut etags = HashMap::new();
    for id in &ids {
        etags.insert(id.clone(), app.etag(id).await);
    }
    let edits: Vec<_> = ids
        .iter()
        .map(|id| {
            let request = app
                .client
                .patch(format!("{}/api/v1/projects/{id}", app.address))
                .bearer_auth(&team.department_token)
                .header("if-match", etags[id].clone())
                .json(&json!({"description": format!("业主修改{id}")}));
            let id = id.clone();
            tokio::spawn(async move { (id, request.send().await.unwrap().status()) })
        })
        .collect();
    let run = sweep(&app, &app.address, today(), false).await;
    let mut outcomes = Vec::new();
    for edit in edits {
        outcomes.push(edit.await.unwrap());
    }
    assert_eq!(codes(&run).len(), ids.len(), "every expired project left");
    for (id, status) in outcomes {
        let read = project(&app, &id).await;
        assert_eq!(read["status"], "withdrawn");
        assert_eq!(withdrawals(&app, &id).await, 1, "{id} left once");
        match status {
            StatusCode::OK => assert_eq!(read["description"], format!("业主修改{id}")),
            StatusCode::FORBIDDEN | StatusCode::PRECONDITION_FAILED => {
                assert_eq!(read["description"], "")
            }
            other => panic!("{id}: an edit answered {other}"),
        }
    }
}

async fn two_sweepers_at_once_withdraw_each_project_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let second = app.second_instance().await;
    let (_, reserve) = app
        .get_json(&format!(
            "/api/v1/projects/count?plan={PLAN}&status=reserve"
        ))
        .await;
    let reserve = reserve["count"].as_u64().unwrap() as usize;
    assert!(reserve > 50, "the plan's seeds fill the reserve");
    let as_of = today() + Months::new(40);
    let (first, other) = tokio::join!(
        sweep(&app, &app.address, as_of, false),
        sweep(&app, &second, as_of, false)
    );
    let mut all = codes(&first);
    all.extend(codes(&other));
    let (_, count) = app
        .get_json(&format!(
            "/api/v1/projects/count?plan={PLAN}&status=withdrawn"
        ))
        .await;
    assert_eq!(all.len() as i64, count["count"].as_i64().unwrap());
    assert_eq!(all.len(), reserve, "every reserve project left, once");
    all.sort();
    all.dedup();
    assert_eq!(all.len(), reserve, "no project was withdrawn by both");
}

on_both_backends!(
    a_project_enters_the_reserve_today_and_expires_after_the_plans_validity,
    the_sweep_previews_then_withdraws_each_expired_project_once_as_the_registry,
    a_sweep_as_of_a_later_date_withdraws_what_expires_by_then_but_never_an_earlier_date,
    a_renewal_restarts_the_reserve_and_is_audited,
    a_project_past_its_validity_leaves_when_an_instance_starts,
    expiring_within_days_lists_reserve_projects_expiring_by_then,
    a_withdrawal_takes_a_reason_from_the_code_list,
    a_sweep_racing_owners_edits_withdraws_each_project_once_and_loses_no_edit,
    two_sweepers_at_once_withdraw_each_project_once,
);
