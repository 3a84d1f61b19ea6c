//! The plan summary's sums, read from `plan_totals` and `plan_year_totals`: sums that triggers keep
//! current in the transaction of every write to projects (see its migration).

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
    Money, OrganizationId, PlanId,
    funding::{BySource, FundingSource},
    summary::{CategoryInfo, Group, PlannedFigures, Summary, Sums, YearAmounts},
};

/// One row of `plan_totals` (see its migration): the sums of one group, each kept as
/// `hi × 10^9 + lo` fen so that the database never holds a sum wider than 64 bits.
#[derive(QueryableByName)]
struct GroupRow {
    #[diesel(sql_type = Text)]
    category_code: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Nullable<Text>)]
    lead_department_id: Option<OrganizationId>,
    #[diesel(sql_type = BigInt)]
    projects: i64,
    #[diesel(sql_type = BigInt)]
    total_hi: i64,
    #[diesel(sql_type = BigInt)]
    total_lo: i64,
    #[diesel(sql_type = BigInt)]
    central_hi: i64,
    #[diesel(sql_type = BigInt)]
    central_lo: i64,
    #[diesel(sql_type = BigInt)]
    municipal_hi: i64,
    #[diesel(sql_type = BigInt)]
    municipal_lo: i64,
    #[diesel(sql_type = BigInt)]
    county_hi: i64,
    #[diesel(sql_type = BigInt)]
    county_lo: i64,
    #[diesel(sql_type = BigInt)]
    special_bonds_hi: i64,
    #[diesel(sql_type = BigInt)]
    special_bonds_lo: i64,
    #[diesel(sql_type = BigInt)]
    social_capital_hi: i64,
    #[diesel(sql_type = BigInt)]
    social_capital_lo: i64,
    #[diesel(sql_type = BigInt)]
    financial_hi: i64,
    #[diesel(sql_type = BigInt)]
    financial_lo: i64,
    #[diesel(sql_type = BigInt)]
    other_hi: i64,
    #[diesel(sql_type = BigInt)]
    other_lo: i64,
    #[diesel(sql_type = BigInt)]
    gap_hi: i64,
    #[diesel(sql_type = BigInt)]
    gap_lo: i64,
    #[diesel(sql_type = BigInt)]
    completed_hi: i64,
    #[diesel(sql_type = BigInt)]
    completed_lo: i64,
}

/// One year's sums over a plan's projects, split as in `plan_totals`.
#[derive(QueryableByName)]
struct YearRow {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    year: i32,
    #[diesel(sql_type = BigInt)]
    planned_hi: i64,
    #[diesel(sql_type = BigInt)]
    planned_lo: i64,
    #[diesel(sql_type = BigInt)]
    completed_hi: i64,
    #[diesel(sql_type = BigInt)]
    completed_lo: i64,
}

/// Each year of the period with the planned and completed investment of the plan's
/// projects that are not withdrawn, from the sums triggers keep (`plan_year_totals`).
fn by_year(
    conn: &mut DbConnection,
    plan_id: PlanId,
    period: std::ops::RangeInclusive<i32>,
) -> QueryResult<Vec<YearAmounts>> {
    let query = "SELECT year, planned_hi, planned_lo, completed_hi, completed_lo \
         FROM plan_year_totals WHERE plan_id = $1";
    let rows: Vec<YearRow> = diesel::sql_query(query)
        .bind::<Text, _>(plan_id)
        .load(conn)?;
    let sums: BTreeMap<i32, (i128, i128)> = rows
        .into_iter()
        .map(|row| {
            (
                row.year,
                (
                    fen(row.planned_hi, row.planned_lo),
                    fen(row.completed_hi, row.completed_lo),
                ),
            )
        })
        .collect();
    Ok(period
        .map(|year| {
            let (planned, completed) = sums.get(&year).copied().unwrap_or_default();
            YearAmounts {
                year,
                planned: Money::from_fen_sum(planned),
                completed: Money::from_fen_sum(completed),
            }
        })
        .collect())
}

const PARTS: i128 = 1_000_000_000;

fn fen(hi: i64, lo: i64) -> i128 {
    i128::from(hi) * PARTS + i128::from(lo)
}

/// The summary of the plan with this code; `None` when there is none.
pub fn summary(conn: &mut DbConnection, plan_code: &str) -> QueryResult<Option<Summary>> {
    let Some((plan_id, planned_project_count, planned_investment_fen, first_year, last_year)) =
        plans::table
            .filter(plans::code.eq(plan_code))
            .select((
                plans::id,
                plans::planned_project_count,
                plans::planned_investment_fen,
                plans::start_year,
                plans::end_year,
            ))
            .first::<(PlanId, i32, i64, i32, i32)>(conn)
            .optional()?
    else {
        return Ok(None);
    };
    // Groups whose projects have all moved on keep a row of zeros; they are skipped.
    let query = "SELECT c.code AS category_code, NULLIF(t.lead_key, '') AS lead_department_id, t.* \
         FROM plan_totals t JOIN categories c ON c.id = t.category_id \
         WHERE t.plan_id = $1 AND t.projects <> 0";
    let rows: Vec<GroupRow> = diesel::sql_query(query)
        .bind::<Text, _>(plan_id)
        .load(conn)?;
    let mut groups = Vec::with_capacity(rows.len());
    for row in rows {
        groups.push(Group {
            category_code: row.category_code,
            status: parse_stored(&row.status)?,
            lead_department: row.lead_department_id,
            sums: Sums {
                projects: row.projects,
                total: fen(row.total_hi, row.total_lo),
                sources: BySource::from_fn(|source| match source {
                    FundingSource::Central => fen(row.central_hi, row.central_lo),
                    FundingSource::Municipal => fen(row.municipal_hi, row.municipal_lo),
                    FundingSource::County => fen(row.county_hi, row.county_lo),
                    FundingSource::SpecialBonds => fen(row.special_bonds_hi, row.special_bonds_lo),
                    FundingSource::SocialCapital => {
                        fen(row.social_capital_hi, row.social_capital_lo)
                    }
                    FundingSource::Financial => fen(row.financial_hi, row.financial_lo),
                    FundingSource::Other => fen(row.other_hi, row.other_lo),
                }),
                gap: fen(row.gap_hi, row.gap_lo),
                completed: fen(row.completed_hi, row.completed_lo),
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
    let department_ids: Vec<OrganizationId> = groups
        .iter()
        .filter_map(|group| group.lead_department)
        .collect();
    let mut names = BTreeMap::new();
    for (id, name) in organizations::table
        .filter(organizations::id.eq_any(department_ids))
        .select((organizations::id, organizations::name))
        .load::<(OrganizationId, String)>(conn)?
    {
        names.insert(id, name);
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
        by_year(conn, plan_id, first_year..=last_year)?,
    )))
}
