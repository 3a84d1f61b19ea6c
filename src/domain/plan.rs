use serde::Serialize;
use utoipa::ToSchema;

use super::Money;

/// The plan that `synth` fills with synthetic projects for benchmarks: never published.
pub const SYNTHETIC_PLAN_CODE: &str = "synthetic-bench";

/// A planning document whose projects the registry holds.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Plan {
    /// Stable code, e.g. `yunyang-eco-2021-2025`.
    #[schema(example = "yunyang-eco-2021-2025")]
    pub code: String,
    /// Prefix of the plan's project codes (`YY` in `YY-LC-001`).
    #[schema(example = "YY")]
    pub code_prefix: String,
    #[schema(example = "云阳县生态环境保护“十四五”规划（2021—2025年）")]
    pub title: String,
    #[schema(example = "重庆市云阳县")]
    pub region: String,
    #[schema(example = 2021)]
    pub start_year: i32,
    #[schema(example = 2025)]
    pub end_year: i32,
    #[schema(example = 2020)]
    pub base_year: Option<i32>,
    /// Number of major projects the plan itself states (重大项目).
    #[schema(example = 159)]
    pub planned_project_count: i32,
    /// Planned total investment the plan states (计划总投资), in yuan.
    #[schema(value_type = String, example = "18460000000.00")]
    pub planned_investment: Money,
    /// Years a project stays in the reserve before the reserve sweep withdraws it (unless
    /// the plan office renews it).
    #[schema(example = 3, minimum = 1, maximum = 20)]
    pub reserve_validity_years: i32,
}

/// One of a plan's project categories, with the plan's count beside the registry's.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Category {
    #[schema(example = "low_carbon")]
    pub code: String,
    /// Abbreviation used in project codes (`LC` in `YY-LC-001`).
    #[schema(example = "LC")]
    pub abbreviation: String,
    #[schema(example = "绿色低碳工程")]
    pub name_zh: String,
    /// Projects the plan states for this category.
    #[schema(example = 20)]
    pub planned_count: i32,
    /// Projects registered in this category, withdrawn ones excluded.
    #[schema(example = 32)]
    pub registered_count: i64,
}
