//! Loading a [`SeedSet`] once, idempotently: rows are matched by plan code, category code,
//! organization name and project seed key; missing ones are added, and nothing that
//! exists is ever changed, so a re-run never overwrites what users did. The registry itself
//! acts: organizations and projects enter through the same operations (and audit entries)
//! as any other.

use std::collections::HashMap;

use super::projects::{BulkLoad, LoadedProject};
use crate::{
    auth::Caller,
    db::{DbConnection, organizations, plans, projects},
    domain::{Error, project::ProjectDetails},
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
pub fn load(conn: &mut DbConnection, seeds: &SeedSet) -> Result<SeedReport, Error> {
    conn.write_transaction(|conn| {
        let caller = Caller::system();
        let mut report = SeedReport::default();
        let mut organization_ids = HashMap::new();
        for organization in &seeds.organizations {
            let id = match organizations::find_by_name(conn, &organization.name)? {
                Some(existing) => existing.id,
                None => {
                    report.organizations += 1;
                    super::organizations::create(
                        conn,
                        &caller,
                        organization.name.clone(),
                        organization.kind,
                    )?
                    .id
                }
            };
            organization_ids.insert(organization.name.as_str(), id);
        }

        let plan_id = match plans::find_id(conn, &seeds.plan.code)? {
            Some(id) => id,
            None => {
                report.plans += 1;
                plans::insert(conn, &seeds.plan)?
            }
        };

        let mut category_ids = HashMap::new();
        for (position, category) in seeds.plan.categories.iter().enumerate() {
            let id = match projects::category_id(conn, plan_id, &category.code)? {
                Some(id) => id,
                None => {
                    report.categories += 1;
                    let position = i32::try_from(position).map_err(anyhow::Error::from)?;
                    plans::insert_category(conn, plan_id, category, position)?
                }
            };
            category_ids.insert(category.code.as_str(), id);
        }

        let loaded = projects::seed_keys(conn, plan_id)?;
        let mut bulk = BulkLoad::default();
        for project in seeds
            .projects
            .iter()
            .filter(|p| !loaded.contains(&p.seed_key))
        {
            bulk.register(
                conn,
                &caller,
                LoadedProject {
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
                    code: None,
                    note: format!(
                        "loaded from the plan ({}, seed {})",
                        project.source_ref, project.seed_key
                    ),
                },
            )?;
            report.projects += 1;
        }
        Ok(report)
    })
}
