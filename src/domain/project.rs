use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{FieldError, Money, OrganizationId, ProjectId, ProjectStatus};

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
    fn sources_above_the_total_and_years_out_of_order_are_named() {
        let details = ProjectDetails {
            name: "洞鹿风电项目".into(),
            start_year: Some(2024),
            end_year: Some(2023),
            total: Some(yuan("100.00")),
            sources: FundingSources {
                central: Some(yuan("60.00")),
                county: Some(yuan("40.01")),
                ..FundingSources::default()
            },
            ..ProjectDetails::default()
        };
        let fields: Vec<_> = details.check().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["end_year", "investment"]);
    }

    #[test]
    fn national_codes_follow_the_platforms_pattern() {
        assert!(is_national_code("2021-500235-44-01-123456"));
        assert!(is_national_code("2021-500235-44-01-12345X"));
        for bad in [
            "2021-500235-44-01-1234567",
            "2021-50023-44-01-123456",
            "2021-500235-44-01-12345x",
            "",
        ] {
            assert!(!is_national_code(bad), "{bad}");
        }
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

/// What an owner may set on a project, checked as a whole: the rules that span fields
/// (years in order, sources within the total) hold for every project that exists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectDetails {
    pub name: String,
    pub description: String,
    pub location: Option<String>,
    pub scale: Option<String>,
    pub lead_department: Option<OrganizationId>,
    pub implementing_org: Option<OrganizationId>,
    pub start_year: Option<i32>,
    pub end_year: Option<i32>,
    pub total: Option<Money>,
    pub sources: FundingSources,
    pub national_code: Option<String>,
    pub source_ref: Option<String>,
}

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
const MAX_SHORT_TEXT_CHARS: usize = 200;
const YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

/// Trims text; blank becomes `None`.
pub fn optional_text(text: Option<String>) -> Option<String> {
    text.map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty())
}

/// A 全国投资项目在线审批监管平台 code: `YYYY-RRRRRR-DD-TT-NNNNNC` (year, region code,
/// two two-digit classifications, five-digit sequence and a check character).
pub fn is_national_code(code: &str) -> bool {
    let parts: Vec<&str> = code.split('-').collect();
    let digits =
        |part: &str, len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
    parts.len() == 5
        && digits(parts[0], 4)
        && digits(parts[1], 6)
        && digits(parts[2], 2)
        && digits(parts[3], 2)
        && parts[4].len() == 6
        && digits(&parts[4][..5], 5)
        && parts[4].as_bytes()[5].is_ascii_alphanumeric()
        && !parts[4].as_bytes()[5].is_ascii_lowercase()
}

impl ProjectDetails {
    /// Every rule that does not need the database; names each field that breaks one.
    pub fn check(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let chars = |text: &str| text.chars().count();
        if self.name.trim().is_empty() || chars(&self.name) > MAX_NAME_CHARS {
            errors.push(FieldError::new(
                "name",
                "must be 1 to 200 characters, not blank",
            ));
        }
        if chars(&self.description) > MAX_DESCRIPTION_CHARS {
            errors.push(FieldError::new(
                "description",
                "must be at most 10000 characters",
            ));
        }
        for (field, text) in [
            ("location", &self.location),
            ("scale", &self.scale),
            ("source_ref", &self.source_ref),
        ] {
            if text
                .as_deref()
                .is_some_and(|text| chars(text) > MAX_SHORT_TEXT_CHARS)
            {
                errors.push(FieldError::new(field, "must be at most 200 characters"));
            }
        }
        for (field, year) in [("start_year", self.start_year), ("end_year", self.end_year)] {
            if year.is_some_and(|year| !YEARS.contains(&year)) {
                errors.push(FieldError::new(field, "must be a year from 1900 to 2100"));
            }
        }
        if let (Some(start), Some(end)) = (self.start_year, self.end_year) {
            if end < start {
                errors.push(FieldError::new("end_year", "must not be before start_year"));
            }
        }
        if self
            .national_code
            .as_deref()
            .is_some_and(|code| !is_national_code(code))
        {
            errors.push(FieldError::new(
                "national_code",
                "must be a 24-character national project code YYYY-RRRRRR-DD-TT-NNNNNC",
            ));
        }
        if let Some(total) = self.total {
            let secured = self.sources.secured();
            if secured > total {
                errors.push(FieldError::new(
                    "investment",
                    format!("the funding sources add up to {secured}, more than the total {total}"),
                ));
            }
        }
        errors
    }
}

impl From<&Investment> for FundingSources {
    fn from(investment: &Investment) -> Self {
        FundingSources {
            central: investment.central,
            municipal: investment.municipal,
            county: investment.county,
            special_bonds: investment.special_bonds,
            social_capital: investment.social_capital,
            financial: investment.financial,
            other: investment.other,
        }
    }
}

impl From<&Project> for ProjectDetails {
    fn from(project: &Project) -> Self {
        ProjectDetails {
            name: project.name.clone(),
            description: project.description.clone(),
            location: project.location.clone(),
            scale: project.scale.clone(),
            lead_department: project.lead_department,
            implementing_org: project.implementing_org,
            start_year: project.start_year,
            end_year: project.end_year,
            total: project.investment.total,
            sources: FundingSources::from(&project.investment),
            national_code: project.national_code.clone(),
            source_ref: project.source_ref.clone(),
        }
    }
}
