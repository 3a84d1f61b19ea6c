use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Money, OrganizationId, ProjectId, ProjectStatus};

/// A registered project as every reader sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Project {
    #[schema(value_type = String, format = Uuid)]
    pub id: ProjectId,
    /// Assigned by the registry: plan prefix, category abbreviation, sequence.
    #[schema(example = "YY-LC-002")]
    pub code: String,
    /// The plan's code.
    #[schema(example = "yunyang-eco-2021-2025")]
    pub plan: String,
    /// The category's code.
    #[schema(example = "low_carbon")]
    pub category: String,
    #[schema(example = "洞鹿风电项目")]
    pub name: String,
    pub description: String,
    /// Town or street (街镇).
    #[schema(example = "洞鹿")]
    pub location: Option<String>,
    /// Scale as stated, e.g. `200MW`, `296公里`.
    #[schema(example = "200MW")]
    pub scale: Option<String>,
    /// Lead department (主管部门); `null` until the plan office assigns one.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub lead_department: Option<OrganizationId>,
    /// Implementing organization, usually a platform company (平台集团公司).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub implementing_org: Option<OrganizationId>,
    pub status: ProjectStatus,
    pub start_year: Option<i32>,
    pub end_year: Option<i32>,
    pub investment: Investment,
    /// Sum of accepted progress reports.
    #[schema(value_type = String, example = "0.00")]
    pub completed_investment: Money,
    /// Physical progress (0–100) of the accepted report with the latest period.
    #[schema(example = 0)]
    pub progress_pct: i32,
    /// 全国投资项目在线审批监管平台 code, `YYYY-RRRRRR-DD-TT-NNNNNC`.
    pub national_code: Option<String>,
    /// Where the plan names the project.
    #[schema(example = "专栏3（一）")]
    pub source_ref: Option<String>,
    /// Increases with every change; the `ETag` is this number as a strong tag.
    #[schema(example = 1)]
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The seven funding sources of a project (资金来源), each unset until entered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FundingSources {
    pub central: Option<Money>,
    pub municipal: Option<Money>,
    pub county: Option<Money>,
    pub special_bonds: Option<Money>,
    pub social_capital: Option<Money>,
    pub financial: Option<Money>,
    pub other: Option<Money>,
}

impl FundingSources {
    /// The sources in the contract's order, with their field names.
    pub fn named(&self) -> [(&'static str, Option<Money>); 7] {
        [
            ("central", self.central),
            ("municipal", self.municipal),
            ("county", self.county),
            ("special_bonds", self.special_bonds),
            ("social_capital", self.social_capital),
            ("financial", self.financial),
            ("other", self.other),
        ]
    }

    /// The sum of the sources that are set (`0.00` when none is).
    pub fn secured(&self) -> Money {
        self.named()
            .into_iter()
            .filter_map(|(_, amount)| amount)
            .sum()
    }
}

/// Planned investment and its funding, in yuan; `secured` and `gap` are derived.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Investment {
    /// 计划总投资
    #[schema(value_type = Option<String>, example = "120000000.00")]
    pub total: Option<Money>,
    /// 中央资金
    #[schema(value_type = Option<String>)]
    pub central: Option<Money>,
    /// 市级资金
    #[schema(value_type = Option<String>)]
    pub municipal: Option<Money>,
    /// 县级财政
    #[schema(value_type = Option<String>)]
    pub county: Option<Money>,
    /// 地方政府专项债券
    #[schema(value_type = Option<String>)]
    pub special_bonds: Option<Money>,
    /// 社会资本
    #[schema(value_type = Option<String>)]
    pub social_capital: Option<Money>,
    /// 金融机构
    #[schema(value_type = Option<String>)]
    pub financial: Option<Money>,
    /// 其他
    #[schema(value_type = Option<String>)]
    pub other: Option<Money>,
    /// Sum of the funding sources (read-only).
    #[schema(value_type = String, example = "0.00")]
    pub secured: Money,
    /// `total − secured`; `null` while `total` is unset (read-only).
    #[schema(value_type = Option<String>)]
    pub gap: Option<Money>,
}

impl Investment {
    pub fn new(total: Option<Money>, sources: FundingSources) -> Self {
        let secured = sources.secured();
        Self {
            total,
            central: sources.central,
            municipal: sources.municipal,
            county: sources.county,
            special_bonds: sources.special_bonds,
            social_capital: sources.social_capital,
            financial: sources.financial,
            other: sources.other,
            secured,
            gap: total.map(|total| total - secured),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yuan(text: &str) -> Money {
        Money::parse(text).unwrap()
    }

    #[test]
    fn secured_is_the_exact_sum_of_the_sources_that_are_set() {
        let sources = FundingSources {
            central: Some(yuan("0.10")),
            county: Some(yuan("0.20")),
            other: Some(yuan("9999999999999.99")),
            ..FundingSources::default()
        };
        let investment = Investment::new(Some(yuan("10000000000000.30")), sources);
        assert_eq!(investment.secured, yuan("10000000000000.29"));
        assert_eq!(investment.gap, Some(yuan("0.01")));
    }

    #[test]
    fn without_sources_secured_is_zero_and_without_total_gap_is_unset() {
        let investment = Investment::new(None, FundingSources::default());
        assert_eq!(investment.secured.to_string(), "0.00");
        assert_eq!(investment.gap, None);
    }
}

/// A project's code: the plan's prefix, the category's abbreviation and a sequence of at
/// least three digits, e.g. `YY-LC-001`.
pub fn project_code(plan_prefix: &str, category_abbreviation: &str, sequence: i32) -> String {
    format!("{plan_prefix}-{category_abbreviation}-{sequence:03}")
}

#[cfg(test)]
mod code_tests {
    use super::project_code;

    #[test]
    fn codes_have_prefix_abbreviation_and_three_digit_sequence() {
        assert_eq!(project_code("YY", "LC", 1), "YY-LC-001");
        assert_eq!(project_code("YY", "POL", 82), "YY-POL-082");
        assert_eq!(project_code("YY", "ECO", 1234), "YY-ECO-1234");
    }
}
