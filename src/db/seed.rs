//! Loading a [`SeedSet`] once, idempotently: rows are matched by plan code, category code,
//! organization name and project seed key; missing ones are inserted, and nothing that
//! exists is ever changed, so a re-run never overwrites what users did.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use super::{
    DbConnection,
    audit::{self, Actor, Change},
    now, parse_stored,
    projects::{NewProject, insert},
    schema::{categories, organizations, plans, projects},
};
use crate::{
    domain::{CategoryId, OrganizationId, PlanId, project::ProjectDetails},
    seed::SeedSet,
};

/// What a load added.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    pub organizations: usize,
    pub plans: usize,
    pub categories: usize,
    pub projects: usize,
}

/// Loads `seeds` in one write transaction.
pub fn load(conn: &mut DbConnection, seeds: &SeedSet) -> anyhow::Result<SeedReport> {
    conn.write_transaction(|conn| {
        let mut report = SeedReport::default();
        let mut organization_ids = HashMap::new();
        for organization in &seeds.organizations {
            let (id, added) =
                organization_id(conn, &organization.name, organization.kind.as_str())?;
            report.organizations += usize::from(added);
            organization_ids.insert(organization.name.as_str(), id);
        }

        let (plan_id, added) = plan_id(conn, seeds)?;
        report.plans += usize::from(added);

        let mut category_ids = HashMap::new();
        for (position, category) in seeds.plan.categories.iter().enumerate() {
            let existing = categories::table
                .filter(categories::plan_id.eq(plan_id.to_string()))
                .filter(categories::code.eq(&category.code))
                .select(categories::id)
                .first::<String>(conn)
                .optional()?;
            let id = match existing {
                Some(id) => parse_stored(&id)?,
                None => {
                    let id = CategoryId::new_random();
                    diesel::insert_into(categories::table)
                        .values((
                            categories::id.eq(id.to_string()),
                            categories::plan_id.eq(plan_id.to_string()),
                            categories::code.eq(&category.code),
                            categories::abbreviation.eq(&category.abbreviation),
                            categories::name_zh.eq(&category.name_zh),
                            categories::planned_count.eq(category.planned_count),
                            categories::position.eq(i32::try_from(position)?),
                        ))
                        .execute(conn)?;
                    report.categories += 1;
                    id
                }
            };
            category_ids.insert(category.code.as_str(), id);
        }

        let loaded: HashSet<String> = projects::table
            .filter(projects::plan_id.eq(plan_id.to_string()))
            .filter(projects::seed_key.is_not_null())
            .select(projects::seed_key.assume_not_null())
            .load::<String>(conn)?
            .into_iter()
            .collect();
        for project in seeds
            .projects
            .iter()
            .filter(|p| !loaded.contains(&p.seed_key))
        {
            let new = NewProject {
                plan_id,
                category_id: category_ids[project.category.as_str()],
                status: project.status,
                details: ProjectDetails {
                    name: project.name.clone(),
                    description: project.description.clone(),
                    location: project.location.clone(),
                    scale: project.scale.clone(),
                    lead_department: project
                        .lead_department
                        .as_deref()
                        .map(|name| organization_ids[name]),
                    source_ref: Some(project.source_ref.clone()),
                    ..ProjectDetails::default()
                },
                seed_key: Some(project.seed_key.clone()),
            };
            let note = format!(
                "loaded from the plan ({}, seed {})",
                project.source_ref, project.seed_key
            );
            let id = insert(conn, &new, Some(&note), None)?;
            let project = super::projects::find(conn, id)?;
            audit::record(
                conn,
                &Actor::system(),
                Change::new("project.create", "project", id).after(&project),
            )?;
            report.projects += 1;
        }
        Ok(report)
    })
}

fn organization_id(
    conn: &mut DbConnection,
    name: &str,
    kind: &str,
) -> anyhow::Result<(OrganizationId, bool)> {
    let existing = organizations::table
        .filter(organizations::name.eq(name))
        .select(organizations::id)
        .first::<String>(conn)
        .optional()?;
    if let Some(id) = existing {
        return Ok((parse_stored(&id)?, false));
    }
    let id = OrganizationId::new_random();
    diesel::insert_into(organizations::table)
        .values((
            organizations::id.eq(id.to_string()),
            organizations::name.eq(name),
            organizations::kind.eq(kind),
            organizations::created_at.eq(now()),
        ))
        .execute(conn)?;
    let organization = super::organizations::find(conn, id)?;
    audit::record(
        conn,
        &Actor::system(),
        Change::new("organization.create", "organization", id).after(&organization),
    )?;
    Ok((id, true))
}

fn plan_id(conn: &mut DbConnection, seeds: &SeedSet) -> anyhow::Result<(PlanId, bool)> {
    let plan = &seeds.plan;
    if let Some(id) = super::plans::find_id(conn, &plan.code)? {
        return Ok((id, false));
    }
    let id = PlanId::new_random();
    diesel::insert_into(plans::table)
        .values((
            plans::id.eq(id.to_string()),
            plans::code.eq(&plan.code),
            plans::code_prefix.eq(&plan.code_prefix),
            plans::title.eq(&plan.title),
            plans::region.eq(&plan.region),
            plans::start_year.eq(plan.start_year),
            plans::end_year.eq(plan.end_year),
            plans::base_year.eq(plan.base_year),
            plans::planned_project_count.eq(plan.planned_project_count),
            plans::planned_investment_fen.eq(plan.planned_investment.to_fen()),
            plans::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok((id, true))
}
