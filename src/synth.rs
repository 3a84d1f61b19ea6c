//! Synthetic data at scale, for benchmarks: a separate plan (`synthetic-bench`) whose
//! organizations and projects are all named `合成-…`, with investments, accepted progress
//! reports and an audit entry each. Never part of `seeds/`; refused on a database that holds
//! another plan unless forced, so it cannot be mixed into a real registry by accident.

use anyhow::{Context, bail};
use diesel::prelude::*;

use crate::{
    auth::Caller,
    db::{
        self, DbConnection,
        schema::{categories, plans},
    },
    domain::{
        CategoryId, Money, OrganizationId, ProjectStatus, UserId,
        funding::{FundingSource, FundingSources},
        organization::OrganizationKind,
        project::{ProjectDetails, project_code},
        report::{Decision, Period, ReportFigures},
        user::{Role, Username},
    },
    ops::{
        self,
        projects::{BulkLoad, LoadedProject},
        reports::{Review, Submission},
        users::NewAccount,
    },
    seed::{CategorySeed, OrganizationSeed, PlanSeed, SeedSet},
};

pub const PLAN_CODE: &str = crate::domain::plan::SYNTHETIC_PLAN_CODE;
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
    ops::seed::load(conn, &seeds())?;
    let plan_id = db::plans::find_id(conn, PLAN_CODE)?.context("the synthetic plan")?;
    let categories: Vec<(CategoryId, String, i32)> = categories::table
        .filter(categories::plan_id.eq(plan_id))
        .order(categories::position.asc())
        .select((
            categories::id,
            categories::abbreviation,
            categories::last_seq,
        ))
        .load(conn)?;
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
    let caller = Caller::system();
    let actor = caller.actor();
    let mut bulk = BulkLoad::default();
    let mut done = 0;
    while done < count {
        let batch = BATCH.min(count - done);
        conn.write_transaction(|conn| {
            for i in done..done + batch {
                let category = i % categories.len();
                sequences[category] += 1;
                let (category_id, abbreviation, _) = &categories[category];
                let total = 1_000_000 + (i as i64 * 7_919) % 5_000_000_000;
                let mut sources = FundingSources::default();
                sources[FundingSource::Central] = Some(Money::from_fen(total * 30));
                sources[FundingSource::County] = Some(Money::from_fen(total * 20));
                sources[FundingSource::SocialCapital] =
                    (i % 2 == 0).then(|| Money::from_fen(total * 25));
                let status = status(i);
                let id = bulk.register(
                    conn,
                    &caller,
                    LoadedProject {
                        plan_id,
                        category_id: *category_id,
                        status,
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
                            sources,
                            year_plans: Default::default(),
                            national_code: None,
                            source_ref: Some("synthetic".into()),
                        },
                        seed_key: None,
                        code: Some(project_code("SY", abbreviation, sequences[category])),
                        note: "synthetic".into(),
                    },
                )?;
                // Completed projects report as if they had been in construction: the bulk
                // path records what the project did, through the same rules and audit.
                if matches!(
                    status,
                    ProjectStatus::Construction | ProjectStatus::Completed
                ) {
                    let mut project = db::projects::find(conn, id)?.context("the new project")?;
                    project.status = ProjectStatus::Construction;
                    let submitted = ops::reports::record_submission(
                        conn,
                        &actor,
                        &project,
                        Submission {
                            period: Period::parse("2025-06").expect("a valid period"),
                            figures: ReportFigures {
                                investment_completed: Money::from_fen(total * 10),
                                physical_progress: 40,
                                summary: "合成-进展".into(),
                                issues: String::new(),
                            },
                        },
                        submitter,
                    )?;
                    ops::reports::record_review(
                        conn,
                        &actor,
                        &submitted,
                        Review {
                            decision: Decision::Accepted,
                            comment: None,
                        },
                        reviewer,
                    )?;
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
            diesel::update(categories::table.find(category_id))
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
) -> anyhow::Result<(UserId, UserId)> {
    let mut user =
        |name: &str, role: Role, organization_id: OrganizationId| -> anyhow::Result<UserId> {
            if let Some(account) = db::users::find_account_by_username(conn, name)? {
                return Ok(account.user.id);
            }
            let new = NewAccount {
                username: Username::parse(name).map_err(|why| anyhow::anyhow!("{why}"))?,
                display_name: "合成".into(),
                password_hash: "!".into(),
                role,
                organization_id,
            };
            Ok(ops::users::create(conn, &Caller::system(), new)?.id)
        };
    Ok((
        user("synth-submitter", Role::Department, department)?,
        user("synth-reviewer", Role::Finance, finance)?,
    ))
}
