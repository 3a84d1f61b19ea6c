//! The plan's seed data (`seeds/`): files a person can read and edit, parsed and checked
//! here before anything is written. The Yunyang plan is compiled into the binary; the
//! `seed --dir` subcommand loads another plan's folder of the same shape.

use std::{collections::HashSet, path::Path};

use anyhow::{Context, bail, ensure};
use serde::{Deserialize, Deserializer};

use crate::domain::{
    Money, ProjectStatus, organization::OrganizationKind, project::MAX_NAME_CHARS,
};

/// A plan with its categories, the organizations it names, and its projects.
#[derive(Debug, Clone)]
pub struct SeedSet {
    pub plan: PlanSeed,
    pub organizations: Vec<OrganizationSeed>,
    pub projects: Vec<ProjectSeed>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSeed {
    pub code: String,
    pub code_prefix: String,
    pub title: String,
    pub region: String,
    pub start_year: i32,
    pub end_year: i32,
    pub base_year: Option<i32>,
    pub planned_project_count: i32,
    #[serde(deserialize_with = "money_text")]
    pub planned_investment: Money,
    pub source_ref: String,
    pub categories: Vec<CategorySeed>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategorySeed {
    pub code: String,
    pub abbreviation: String,
    pub name_zh: String,
    pub planned_count: i32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationSeed {
    pub name: String,
    pub kind: OrganizationKind,
    pub source_ref: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectSeed {
    pub seed_key: String,
    pub category: String,
    pub source_ref: String,
    pub name: String,
    pub scale: Option<String>,
    pub location: Option<String>,
    pub lead_department: Option<String>,
    pub status: ProjectStatus,
    pub description: String,
}

fn money_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
    let text = String::deserialize(deserializer)?;
    Money::parse(&text).map_err(serde::de::Error::custom)
}

impl SeedSet {
    /// The Yunyang County plan, as committed under `seeds/`.
    pub fn embedded() -> anyhow::Result<Self> {
        Self::parse(
            include_str!("../seeds/plan.json"),
            include_str!("../seeds/organizations.csv"),
            include_str!("../seeds/projects.csv"),
        )
        .context("the embedded seeds/")
    }

    /// A folder holding `plan.json`, `organizations.csv` and `projects.csv`.
    pub fn from_dir(dir: &Path) -> anyhow::Result<Self> {
        let read = |name: &str| {
            std::fs::read_to_string(dir.join(name))
                .with_context(|| format!("reading {}", dir.join(name).display()))
        };
        Self::parse(
            &read("plan.json")?,
            &read("organizations.csv")?,
            &read("projects.csv")?,
        )
        .with_context(|| format!("seeds in {}", dir.display()))
    }

    pub fn parse(
        plan_json: &str,
        organizations_csv: &str,
        projects_csv: &str,
    ) -> anyhow::Result<Self> {
        let plan: PlanSeed = serde_json::from_str(plan_json).context("plan.json")?;
        let organizations: Vec<OrganizationSeed> =
            read_csv(organizations_csv).context("organizations.csv")?;
        let projects: Vec<ProjectSeed> = read_csv(projects_csv).context("projects.csv")?;
        let seeds = Self {
            plan,
            organizations,
            projects,
        };
        seeds.check()?;
        Ok(seeds)
    }

    /// Cross-file rules: every reference resolves and every key is unique.
    fn check(&self) -> anyhow::Result<()> {
        let plan = &self.plan;
        ensure!(
            plan.end_year >= plan.start_year,
            "plan.json: end_year is before start_year"
        );
        let mut category_codes = HashSet::new();
        let mut abbreviations = HashSet::new();
        for category in &plan.categories {
            ensure!(
                category_codes.insert(category.code.as_str()),
                "plan.json: category {:?} appears twice",
                category.code
            );
            ensure!(
                abbreviations.insert(category.abbreviation.as_str()),
                "plan.json: abbreviation {:?} appears twice",
                category.abbreviation
            );
        }
        let mut organization_names = HashSet::new();
        for organization in &self.organizations {
            ensure!(
                organization_names.insert(organization.name.as_str()),
                "organizations.csv: {:?} appears twice",
                organization.name
            );
        }
        let mut seed_keys = HashSet::new();
        for project in &self.projects {
            let at = format!("projects.csv row {:?}", project.seed_key);
            ensure!(
                seed_keys.insert(project.seed_key.as_str()),
                "{at}: seed_key appears twice"
            );
            ensure!(
                category_codes.contains(project.category.as_str()),
                "{at}: unknown category {:?}",
                project.category
            );
            let name_chars = project.name.chars().count();
            ensure!(
                (1..=MAX_NAME_CHARS).contains(&name_chars),
                "{at}: name must have 1 to {MAX_NAME_CHARS} characters"
            );
            if let Some(lead) = &project.lead_department {
                let is_department = self
                    .organizations
                    .iter()
                    .any(|org| &org.name == lead && org.kind == OrganizationKind::Department);
                if !is_department {
                    bail!(
                        "{at}: lead_department {lead:?} is not a department in organizations.csv"
                    );
                }
            }
        }
        Ok(())
    }
}

fn read_csv<T: serde::de::DeserializeOwned>(text: &str) -> anyhow::Result<Vec<T>> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .enumerate()
        .map(|(index, row)| row.with_context(|| format!("row {}", index + 2)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_plan_parses_and_states_the_plans_own_totals() {
        let seeds = SeedSet::embedded().unwrap();
        assert_eq!(seeds.plan.code, "yunyang-eco-2021-2025");
        assert_eq!(seeds.plan.planned_project_count, 159);
        assert_eq!(seeds.plan.planned_investment.to_string(), "18460000000.00");
        let planned: i32 = seeds.plan.categories.iter().map(|c| c.planned_count).sum();
        assert_eq!(planned, 159);
    }

    #[test]
    fn a_project_in_an_unknown_category_is_refused() {
        let plan = include_str!("../seeds/plan.json");
        let organizations = include_str!("../seeds/organizations.csv");
        let projects = "seed_key,category,source_ref,name,scale,location,lead_department,status,description\n\
                        x-1,nuclear,专栏9,某项目,,,,reserve,\n";
        let error = SeedSet::parse(plan, organizations, projects).unwrap_err();
        assert!(
            format!("{error:#}").contains("unknown category"),
            "{error:#}"
        );
    }

    #[test]
    fn a_duplicate_seed_key_is_refused() {
        let plan = include_str!("../seeds/plan.json");
        let organizations = include_str!("../seeds/organizations.csv");
        let projects = "seed_key,category,source_ref,name,scale,location,lead_department,status,description\n\
                        x-1,risk,专栏9,甲项目,,,,reserve,\n\
                        x-1,risk,专栏9,乙项目,,,,reserve,\n";
        let error = SeedSet::parse(plan, organizations, projects).unwrap_err();
        assert!(format!("{error:#}").contains("appears twice"), "{error:#}");
    }
}
