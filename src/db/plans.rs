//! Plans and their categories.

use std::collections::HashMap;

use diesel::prelude::*;

use super::{
    DbConnection,
    schema::{categories, plans, projects},
};
use crate::{
    domain::{
        CategoryId, Money, PlanId, ProjectStatus,
        plan::{Category, Plan},
    },
    seed::{CategorySeed, PlanSeed},
};

#[derive(Queryable, Selectable)]
#[diesel(table_name = plans)]
struct PlanRow {
    code: String,
    code_prefix: String,
    title: String,
    region: String,
    start_year: i32,
    end_year: i32,
    base_year: Option<i32>,
    planned_project_count: i32,
    planned_investment_fen: i64,
    reserve_validity_years: i32,
}

impl From<PlanRow> for Plan {
    fn from(row: PlanRow) -> Self {
        Plan {
            code: row.code,
            code_prefix: row.code_prefix,
            title: row.title,
            region: row.region,
            start_year: row.start_year,
            end_year: row.end_year,
            base_year: row.base_year,
            planned_project_count: row.planned_project_count,
            planned_investment: Money::from_fen(row.planned_investment_fen),
            reserve_validity_years: row.reserve_validity_years,
        }
    }
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Plan>> {
    let rows = plans::table
        .select(PlanRow::as_select())
        .order(plans::code.asc())
        .load(conn)?;
    Ok(rows.into_iter().map(Plan::from).collect())
}

pub fn find(conn: &mut DbConnection, code: &str) -> QueryResult<Option<Plan>> {
    let row = plans::table
        .filter(plans::code.eq(code))
        .select(PlanRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(Plan::from))
}

/// Sets the plan's reserve validity and recomputes its projects' expiry dates.
pub fn set_reserve_validity(
    conn: &mut DbConnection,
    plan_id: PlanId,
    years: i32,
) -> QueryResult<()> {
    diesel::update(plans::table.find(plan_id))
        .set(plans::reserve_validity_years.eq(years))
        .execute(conn)?;
    super::projects::recompute_reserve_expiry(conn, plan_id, years)
}

/// The plan's period: its first and last year.
pub fn period(conn: &mut DbConnection, plan_id: PlanId) -> QueryResult<(i32, i32)> {
    plans::table
        .find(plan_id)
        .select((plans::start_year, plans::end_year))
        .first(conn)
}

pub fn find_id(conn: &mut DbConnection, code: &str) -> QueryResult<Option<PlanId>> {
    plans::table
        .filter(plans::code.eq(code))
        .select(plans::id)
        .first(conn)
        .optional()
}

/// The plan's categories in the plan's order, each with the number of registered projects
/// (withdrawn ones excluded); `None` when there is no such plan.
pub fn categories(conn: &mut DbConnection, plan_code: &str) -> QueryResult<Option<Vec<Category>>> {
    let Some(plan_id) = find_id(conn, plan_code)? else {
        return Ok(None);
    };
    let registered: HashMap<CategoryId, i64> = projects::table
        .filter(projects::plan_id.eq(plan_id))
        .filter(projects::status.ne(ProjectStatus::Withdrawn.as_str()))
        .group_by(projects::category_id)
        .select((projects::category_id, diesel::dsl::count_star()))
        .load::<(CategoryId, i64)>(conn)?
        .into_iter()
        .collect();
    let rows = categories::table
        .filter(categories::plan_id.eq(plan_id))
        .order(categories::position.asc())
        .select((
            categories::id,
            categories::code,
            categories::abbreviation,
            categories::name_zh,
            categories::planned_count,
        ))
        .load::<(CategoryId, String, String, String, i32)>(conn)?;
    Ok(Some(
        rows.into_iter()
            .map(
                |(id, code, abbreviation, name_zh, planned_count)| Category {
                    registered_count: registered.get(&id).copied().unwrap_or(0),
                    code,
                    abbreviation,
                    name_zh,
                    planned_count,
                },
            )
            .collect(),
    ))
}

/// Adds a plan as its seed describes it.
pub fn insert(conn: &mut DbConnection, plan: &PlanSeed) -> QueryResult<PlanId> {
    let id = PlanId::new_random();
    diesel::insert_into(plans::table)
        .values((
            plans::id.eq(id),
            plans::code.eq(&plan.code),
            plans::code_prefix.eq(&plan.code_prefix),
            plans::title.eq(&plan.title),
            plans::region.eq(&plan.region),
            plans::start_year.eq(plan.start_year),
            plans::end_year.eq(plan.end_year),
            plans::base_year.eq(plan.base_year),
            plans::planned_project_count.eq(plan.planned_project_count),
            plans::planned_investment_fen.eq(plan.planned_investment.to_fen()),
            plans::created_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Adds a category to a plan, at `position` in the plan's order.
pub fn insert_category(
    conn: &mut DbConnection,
    plan_id: PlanId,
    category: &CategorySeed,
    position: i32,
) -> QueryResult<CategoryId> {
    let id = CategoryId::new_random();
    diesel::insert_into(categories::table)
        .values((
            categories::id.eq(id),
            categories::plan_id.eq(plan_id),
            categories::code.eq(&category.code),
            categories::abbreviation.eq(&category.abbreviation),
            categories::name_zh.eq(&category.name_zh),
            categories::planned_count.eq(category.planned_count),
            categories::position.eq(position),
        ))
        .execute(conn)?;
    Ok(id)
}

/// What changes whenever anything a plan's published projects show changes: the count of
/// its projects, the sum of their versions (every write to a project bumps its version),
/// their latest change, and the latest change to an organization (whose names appear
/// beside the projects). Cheap: one pass over the plan's rows, no project is loaded.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct PlanFingerprint {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub projects: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub versions: i64,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    pub plan_created: chrono::NaiveDateTime,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    pub projects_changed: Option<chrono::NaiveDateTime>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    pub organizations_changed: Option<chrono::NaiveDateTime>,
}

/// The fingerprint of the plan `plan_id`.
pub fn fingerprint(conn: &mut DbConnection, plan_id: PlanId) -> QueryResult<PlanFingerprint> {
    // SUM(bigint) is NUMERIC on PostgreSQL: cast back (STACK-NOTES).
    diesel::sql_query(
        "SELECT COUNT(*) AS projects, CAST(COALESCE(SUM(version), 0) AS BIGINT) AS versions, \
           (SELECT created_at FROM plans WHERE id = $1) AS plan_created, \
           MAX(updated_at) AS projects_changed, \
           (SELECT MAX(created_at) FROM audit_entries WHERE entity_type = 'organization') \
             AS organizations_changed \
         FROM projects WHERE plan_id = $1",
    )
    .bind::<diesel::sql_types::Text, _>(plan_id)
    .get_result(conn)
}
