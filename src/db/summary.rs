//! The plan summary's sums: one grouped aggregate over the plan's projects.

use std::collections::BTreeMap;

use diesel::{
    prelude::*,
    sql_types::{BigInt, Nullable, Text},
};

use super::{
    DbConnection, parse_stored,
    schema::{categories, organizations, plans},
};
use crate::domain::{
    Money,
    summary::{CategoryInfo, Group, PlannedFigures, Summary, Sums},
};

#[derive(QueryableByName)]
struct GroupRow {
    #[diesel(sql_type = Text)]
    category_code: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Nullable<Text>)]
    lead_department_id: Option<String>,
    #[diesel(sql_type = BigInt)]
    projects: i64,
    // Sums come back as text: exact on both backends (PostgreSQL's SUM of BIGINT is NUMERIC).
    #[diesel(sql_type = Nullable<Text>)]
    total: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    central: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    municipal: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    county: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    special_bonds: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    social_capital: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    financial: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    other: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    gap: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    completed: Option<String>,
}

const SECURED: &str = "(COALESCE(p.central_fen, 0) + COALESCE(p.municipal_fen, 0) + COALESCE(p.county_fen, 0) \
    + COALESCE(p.special_bonds_fen, 0) + COALESCE(p.social_capital_fen, 0) + COALESCE(p.financial_fen, 0) \
    + COALESCE(p.other_fen, 0))";

fn fen(sum: Option<String>) -> QueryResult<i128> {
    sum.map_or(Ok(0), |text| parse_stored::<i128>(text.trim()))
}

/// The summary of the plan with this code; `None` when there is none.
pub fn summary(conn: &mut DbConnection, plan_code: &str) -> QueryResult<Option<Summary>> {
    let Some((plan_id, planned_project_count, planned_investment_fen)) = plans::table
        .filter(plans::code.eq(plan_code))
        .select((
            plans::id,
            plans::planned_project_count,
            plans::planned_investment_fen,
        ))
        .first::<(String, i32, i64)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let sum = |expression: &str| format!("CAST(SUM({expression}) AS TEXT)");
    let query = format!(
        "SELECT c.code AS category_code, p.status AS status, p.lead_department_id AS lead_department_id, \
         COUNT(*) AS projects, {total} AS total, {central} AS central, {municipal} AS municipal, \
         {county} AS county, {special_bonds} AS special_bonds, {social_capital} AS social_capital, \
         {financial} AS financial, {other} AS other, {gap} AS gap, {completed} AS completed \
         FROM projects p JOIN categories c ON c.id = p.category_id \
         WHERE p.plan_id = $1 \
         GROUP BY c.code, p.status, p.lead_department_id",
        total = sum("p.total_fen"),
        central = sum("COALESCE(p.central_fen, 0)"),
        municipal = sum("COALESCE(p.municipal_fen, 0)"),
        county = sum("COALESCE(p.county_fen, 0)"),
        special_bonds = sum("COALESCE(p.special_bonds_fen, 0)"),
        social_capital = sum("COALESCE(p.social_capital_fen, 0)"),
        financial = sum("COALESCE(p.financial_fen, 0)"),
        other = sum("COALESCE(p.other_fen, 0)"),
        gap = sum(&format!(
            "CASE WHEN p.total_fen IS NULL THEN NULL ELSE p.total_fen - {SECURED} END"
        )),
        completed = sum("p.completed_investment_fen"),
    );
    let rows: Vec<GroupRow> = diesel::sql_query(query)
        .bind::<Text, _>(&plan_id)
        .load(conn)?;
    let mut groups = Vec::with_capacity(rows.len());
    for row in rows {
        groups.push(Group {
            category_code: row.category_code,
            status: parse_stored(&row.status)?,
            lead_department: row
                .lead_department_id
                .as_deref()
                .map(parse_stored)
                .transpose()?,
            sums: Sums {
                projects: row.projects,
                total: fen(row.total)?,
                sources: [
                    fen(row.central)?,
                    fen(row.municipal)?,
                    fen(row.county)?,
                    fen(row.special_bonds)?,
                    fen(row.social_capital)?,
                    fen(row.financial)?,
                    fen(row.other)?,
                ],
                gap: fen(row.gap)?,
                completed: fen(row.completed)?,
            },
        });
    }
    let categories = categories::table
        .filter(categories::plan_id.eq(&plan_id))
        .order(categories::position.asc())
        .select((
            categories::code,
            categories::name_zh,
            categories::planned_count,
        ))
        .load::<(String, String, i32)>(conn)?
        .into_iter()
        .map(|(code, name_zh, planned_count)| CategoryInfo {
            code,
            name_zh,
            planned_count,
        })
        .collect();
    let department_ids: Vec<String> = groups
        .iter()
        .filter_map(|group| group.lead_department.map(|id| id.to_string()))
        .collect();
    let mut names = BTreeMap::new();
    for (id, name) in organizations::table
        .filter(organizations::id.eq_any(department_ids))
        .select((organizations::id, organizations::name))
        .load::<(String, String)>(conn)?
    {
        names.insert(parse_stored(&id)?, name);
    }
    Ok(Some(Summary::build(
        PlannedFigures {
            code: plan_code.to_owned(),
            planned_project_count,
            planned_investment: Money::from_fen(planned_investment_fen),
        },
        categories,
        &groups,
        &names,
    )))
}
