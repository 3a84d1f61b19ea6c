//! The finance view of a plan: planned against registered, broken down four ways. Built
//! from per-group sums that the database keeps (see `db::summary`); every total here is the
//! exact sum of its parts.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::{
    Money, OrganizationId, ProjectStatus,
    funding::{BySource, FundingSource},
};

/// Sums of one group of projects, in fen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sums {
    pub projects: i64,
    /// Planned totals of the projects that have one.
    pub total: i128,
    /// Each funding source: central, municipal, county, special bonds, social capital,
    /// financial, other.
    pub sources: BySource<i128>,
    /// `total − secured` of the projects that have a total.
    pub gap: i128,
    pub completed: i128,
}

impl Sums {
    fn add(&mut self, other: &Sums) {
        self.projects += other.projects;
        self.total += other.total;
        for source in FundingSource::ALL {
            self.sources[source] += other.sources[source];
        }
        self.gap += other.gap;
        self.completed += other.completed;
    }

    fn secured(&self) -> i128 {
        self.sources.values().sum()
    }
}

/// The sums of the projects that share a category, status and lead department.
#[derive(Debug, Clone)]
pub struct Group {
    pub category_code: String,
    pub status: ProjectStatus,
    pub lead_department: Option<OrganizationId>,
    pub sums: Sums,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Amounts {
    pub projects: i64,
    #[schema(value_type = String, example = "0.00")]
    pub total: Money,
    #[schema(value_type = String, example = "0.00")]
    pub secured: Money,
    #[schema(value_type = String, example = "0.00")]
    pub gap: Money,
    #[schema(value_type = String, example = "0.00")]
    pub completed: Money,
}

impl From<&Sums> for Amounts {
    fn from(sums: &Sums) -> Self {
        Amounts {
            projects: sums.projects,
            total: Money::from_fen_sum(sums.total),
            secured: Money::from_fen_sum(sums.secured()),
            gap: Money::from_fen_sum(sums.gap),
            completed: Money::from_fen_sum(sums.completed),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlannedFigures {
    pub code: String,
    pub planned_project_count: i32,
    #[schema(value_type = String, example = "18460000000.00")]
    pub planned_investment: Money,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    /// Registered projects, withdrawn ones excluded.
    pub projects: i64,
    /// Withdrawn projects (not counted anywhere else but `by_status`).
    pub withdrawn: i64,
    #[schema(value_type = String)]
    pub total: Money,
    #[schema(value_type = String)]
    pub secured: Money,
    #[schema(value_type = String)]
    pub gap: Money,
    #[schema(value_type = String)]
    pub completed: Money,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryAmounts {
    pub category: String,
    pub name_zh: String,
    pub planned_count: i32,
    #[serde(flatten)]
    pub amounts: Amounts,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusAmounts {
    pub status: ProjectStatus,
    #[serde(flatten)]
    pub amounts: Amounts,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentAmounts {
    /// The lead department; `null` for projects without one.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub organization: Option<OrganizationId>,
    /// Its name (`null` for unassigned).
    pub name: Option<String>,
    #[serde(flatten)]
    pub amounts: Amounts,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SourceAmount {
    /// `central`, `municipal`, `county`, `special_bonds`, `social_capital`, `financial`, `other`.
    pub source: &'static str,
    #[schema(value_type = String)]
    pub amount: Money,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Summary {
    pub plan: PlannedFigures,
    pub registered: Registered,
    pub by_category: Vec<CategoryAmounts>,
    pub by_status: Vec<StatusAmounts>,
    pub by_department: Vec<DepartmentAmounts>,
    pub by_funding_source: Vec<SourceAmount>,
    /// Each year of the plan's period: planned and completed investment (withdrawn projects
    /// left out, as elsewhere).
    pub by_year: Vec<YearAmounts>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct YearAmounts {
    #[schema(example = 2023)]
    pub year: i32,
    #[schema(value_type = String)]
    pub planned: Money,
    #[schema(value_type = String)]
    pub completed: Money,
}

/// A category of the plan, in the plan's order.
pub struct CategoryInfo {
    pub code: String,
    pub name_zh: String,
    pub planned_count: i32,
}

impl Summary {
    /// Folds the groups into the breakdowns. Withdrawn projects count only in `by_status`
    /// and `registered.withdrawn`.
    pub fn build(
        plan: PlannedFigures,
        categories: Vec<CategoryInfo>,
        groups: &[Group],
        department_names: &BTreeMap<OrganizationId, String>,
        by_year: Vec<YearAmounts>,
    ) -> Self {
        let mut registered = Sums::default();
        let mut withdrawn = 0;
        let mut by_category: BTreeMap<&str, Sums> = BTreeMap::new();
        let mut by_status: BTreeMap<&str, Sums> = BTreeMap::new();
        let mut by_department: BTreeMap<Option<OrganizationId>, Sums> = BTreeMap::new();
        for group in groups {
            by_status
                .entry(group.status.as_str())
                .or_default()
                .add(&group.sums);
            if group.status == ProjectStatus::Withdrawn {
                withdrawn += group.sums.projects;
                continue;
            }
            registered.add(&group.sums);
            by_category
                .entry(&group.category_code)
                .or_default()
                .add(&group.sums);
            by_department
                .entry(group.lead_department)
                .or_default()
                .add(&group.sums);
        }
        let empty = Sums::default();
        let registered_amounts = Amounts::from(&registered);
        Summary {
            plan,
            registered: Registered {
                projects: registered.projects,
                withdrawn,
                total: registered_amounts.total,
                secured: registered_amounts.secured,
                gap: registered_amounts.gap,
                completed: registered_amounts.completed,
            },
            by_category: categories
                .into_iter()
                .map(|category| CategoryAmounts {
                    amounts: Amounts::from(
                        by_category.get(category.code.as_str()).unwrap_or(&empty),
                    ),
                    category: category.code,
                    name_zh: category.name_zh,
                    planned_count: category.planned_count,
                })
                .collect(),
            by_status: ProjectStatus::ALL
                .into_iter()
                .map(|status| StatusAmounts {
                    status,
                    amounts: Amounts::from(by_status.get(status.as_str()).unwrap_or(&empty)),
                })
                .collect(),
            by_department: by_department
                .iter()
                .map(|(organization, sums)| DepartmentAmounts {
                    organization: *organization,
                    name: organization.and_then(|id| department_names.get(&id).cloned()),
                    amounts: Amounts::from(sums),
                })
                .collect(),
            by_funding_source: registered
                .sources
                .iter()
                .map(|(source, fen)| SourceAmount {
                    source: source.code(),
                    amount: Money::from_fen_sum(*fen),
                })
                .collect(),
            by_year,
        }
    }
}
