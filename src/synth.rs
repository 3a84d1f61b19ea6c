//! Synthetic data at scale, for benchmarks: a separate plan (`synthetic-bench`) whose
//! organizations and projects are all named `合成-…`, with investments, accepted progress
//! reports and an audit entry each. Never part of `seeds/`; refused on a database that holds
//! another plan unless forced, so it cannot be mixed into a real registry by accident.

use anyhow::{Context, bail};
use diesel::prelude::*;

use crate::{
    db::{
        self, DbConnection,
        audit::{self, Actor, Change},
        projects::{NewProject, insert_with_code},
        schema::{categories, plans},
        users::NewUser,
    },
    domain::{
        CategoryId, Money, OrganizationId, ProjectStatus,
        organization::OrganizationKind,
        project::{FundingSources, ProjectDetails, project_code},
        report::{Decision, Period, ReportFigures},
        user::{Role, Username},
    },
    seed::{CategorySeed, OrganizationSeed, PlanSeed, SeedSet},
};

pub const PLAN_CODE: &str = "synthetic-bench";
const DEPARTMENTS: usize = 40;
const COMPANIES: usize = 20;
const BATCH: usize = 2_000;

/// What a run added.
#[derive(Debug, Default)]
pub struct SynthReport {
    pub projects: usize,
    pub reports: usize,
}

fn department(n: usize) -> String {
    format!("合成-部门-{n:02}")
}

fn company(n: usize) -> String {
    format!("合成-平台-{n:02}")
}

fn seeds() -> SeedSet {
    let categories = [
        ("ecosystem", "ECO", "重要生态系统保护和修复项目"),
        ("low_carbon", "LC", "绿色低碳工程"),
        ("pollution", "POL", "深入打好污染防治攻坚战项目"),
        ("risk", "RISK", "环境风险防范与化解项目"),
        ("governance", "GOV", "治理体系和治理能力现代化项目"),
    ];
    let mut organizations: Vec<OrganizationSeed> = (0..DEPARTMENTS)
        .map(|n| OrganizationSeed {
            name: department(n),
            kind: OrganizationKind::Department,
            source_ref: "synthetic".into(),
        })
        .chain((0..COMPANIES).map(|n| OrganizationSeed {
            name: company(n),
            kind: OrganizationKind::PlatformCompany,
            source_ref: "synthetic".into(),
        }))
        .collect();
    organizations.push(OrganizationSeed {
        name: "合成-财政".into(),
        kind: OrganizationKind::Finance,
        source_ref: "synthetic".into(),
    });
    SeedSet {
        plan: PlanSeed {
            code: PLAN_CODE.into(),
            code_prefix: "SY".into(),
            title: "合成-基准测试规划（非真实数据）".into(),
            region: "合成-省".into(),
            start_year: 2021,
            end_year: 2025,
            base_year: Some(2020),
            planned_project_count: 0,
            planned_investment: Money::ZERO,
            source_ref: "synthetic".into(),
            categories: categories
                .iter()
                .map(|(code, abbreviation, name)| CategorySeed {
                    code: (*code).into(),
                    abbreviation: (*abbreviation).into(),
                    name_zh: (*name).into(),
                    planned_count: 0,
                })
                .collect(),
        },
        organizations,
        projects: Vec::new(),
    }
}

/// The status of the `i`th project: 40 % reserve, 20 % preparation, 30 % construction,
/// 5 % completed, 5 % withdrawn.
fn status(i: usize) -> ProjectStatus {
    match i % 20 {
        0..=7 => ProjectStatus::Reserve,
        8..=11 => ProjectStatus::Preparation,
        12..=17 => ProjectStatus::Construction,
        18 => ProjectStatus::Completed,
        _ => ProjectStatus::Withdrawn,
    }
}

/// Adds `count` synthetic projects (after any added before).
pub fn generate(conn: &mut DbConnection, count: usize, force: bool) -> anyhow::Result<SynthReport> {
    let real: Vec<String> = plans::table
        .filter(plans::code.ne(PLAN_CODE))
        .select(plans::code)
        .load(conn)?;
    if !real.is_empty() && !force {
        bail!(
            "this database holds real plans ({}); synthetic data goes into its own database (or pass --force)",
            real.join(", ")
        );
    }
    db::seed::load(conn, &seeds())?;
    let plan_id = db::plans::find_id(conn, PLAN_CODE)?.context("the synthetic plan")?;
    let categories: Vec<(CategoryId, String, i32)> = categories::table
        .filter(categories::plan_id.eq(plan_id.to_string()))
        .order(categories::position.asc())
        .select((
            categories::id,
            categories::abbreviation,
            categories::last_seq,
        ))
        .load::<(String, String, i32)>(conn)?
        .into_iter()
        .map(|(id, abbreviation, last)| Ok((id.parse()?, abbreviation, last)))
        .collect::<anyhow::Result<_>>()?;
    let organization = |conn: &mut DbConnection, name: &str| -> anyhow::Result<OrganizationId> {
        Ok(db::organizations::find_by_name(conn, name)?
            .context("a synthetic organization")?
            .id)
    };
    let departments = (0..DEPARTMENTS)
        .map(|n| organization(conn, &department(n)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let companies = (0..COMPANIES)
        .map(|n| organization(conn, &company(n)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let finance = organization(conn, "合成-财政")?;
    let (submitter, reviewer) = loaders(conn, departments[0], finance)?;

    let mut report = SynthReport::default();
    let mut sequences: Vec<i32> = categories.iter().map(|(_, _, last)| *last).collect();
    let mut done = 0;
    while done < count {
        let batch = BATCH.min(count - done);
        conn.write_transaction(|conn| {
            for i in done..done + batch {
                let category = i % categories.len();
                sequences[category] += 1;
                let (category_id, abbreviation, _) = &categories[category];
                let code = project_code("SY", abbreviation, sequences[category]);
                let total = 1_000_000 + (i as i64 * 7_919) % 5_000_000_000;
                let new = NewProject {
                    plan_id,
                    category_id: *category_id,
                    status: status(i),
                    details: ProjectDetails {
                        name: format!("合成-项目-{i:07}"),
                        description: "合成数据，仅用于基准测试".into(),
                        location: Some(format!("合成-镇-{:03}", i % 300)),
                        scale: Some(format!("{}公里", i % 97 + 1)),
                        lead_department: Some(departments[i % DEPARTMENTS]),
                        implementing_org: (i % 3 != 0).then(|| companies[i % COMPANIES]),
                        start_year: Some(2021 + (i % 4) as i32),
                        end_year: Some(2025),
                        total: Some(Money::from_fen(total * 100)),
                        sources: FundingSources {
                            central: Some(Money::from_fen(total * 30)),
                            county: Some(Money::from_fen(total * 20)),
                            social_capital: (i % 2 == 0).then(|| Money::from_fen(total * 25)),
                            ..FundingSources::default()
                        },
                        national_code: None,
                        source_ref: Some("synthetic".into()),
                    },
                    seed_key: None,
                };
                let id = insert_with_code(conn, &new, &code, Some("synthetic"), None)?;
                audit::record(
                    conn,
                    &Actor::system(),
                    Change::new("project.create", "project", id)
                        .after(&serde_json::json!({"code": code})),
                )?;
                if matches!(
                    new.status,
                    ProjectStatus::Construction | ProjectStatus::Completed
                ) {
                    let figures = ReportFigures {
                        investment_completed: Money::from_fen(total * 10),
                        physical_progress: 40,
                        summary: "合成-进展".into(),
                        issues: String::new(),
                    };
                    let period = Period::parse("2025-06").expect("a valid period");
                    let created = db::reports::insert(conn, id, &period, &figures, submitter)?;
                    db::reports::review(conn, created.id, Decision::Accepted, reviewer, None)?;
                    db::reports::refresh_project_figures(conn, id)?;
                    report.reports += 1;
                }
            }
            Ok::<_, anyhow::Error>(())
        })?;
        done += batch;
        report.projects += batch;
        tracing::info!(done, count, "synthetic projects");
    }
    conn.write_transaction(|conn| {
        for ((category_id, _, _), last) in categories.iter().zip(&sequences) {
            diesel::update(categories::table.find(category_id.to_string()))
                .set(categories::last_seq.eq(last))
                .execute(conn)?;
        }
        Ok::<_, anyhow::Error>(())
    })?;
    // Fresh statistics for the planner: without them, right after a bulk load, PostgreSQL
    // sorted every matching row instead of walking the (category, status, code) index
    // (0.7 ms instead of 100 ms for a list page), and SQLite chose worse indexes too.
    diesel::sql_query("ANALYZE").execute(conn)?;
    Ok(report)
}

/// The synthetic submitter and reviewer of reports; their password hash matches nothing.
fn loaders(
    conn: &mut DbConnection,
    department: OrganizationId,
    finance: OrganizationId,
) -> anyhow::Result<(crate::domain::UserId, crate::domain::UserId)> {
    let mut user = |name: &str,
                    role: Role,
                    organization_id: OrganizationId|
     -> anyhow::Result<crate::domain::UserId> {
        if let Some(account) = db::users::find_account_by_username(conn, name)? {
            return Ok(account.user.id);
        }
        let username = Username::parse(name).map_err(|why| anyhow::anyhow!("{why}"))?;
        let new = NewUser {
            username: &username,
            display_name: "合成",
            password_hash: "!",
            role,
            organization_id,
        };
        Ok(db::users::insert(conn, &new)?.id)
    };
    Ok((
        user("synth-submitter", Role::Department, department)?,
        user("synth-reviewer", Role::Finance, finance)?,
    ))
}
