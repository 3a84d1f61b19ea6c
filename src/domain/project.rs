//! A project: as read, as written (registration and merge patch), its fields and the rules
//! that span them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    FieldError, Money, OrganizationId, ProjectId, ProjectStatus,
    funding::{FundingSources, Investment, InvestmentPatch},
    input::{Integer, Patch},
    reserve::WithdrawalReason,
    yearly::{self, InvestmentYear, YearPlanInput, YearPlans},
};

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
    /// Planned and completed investment of each year of the plan's period, ascending;
    /// 本年计划投资 is the current year's `planned`.
    pub investment_by_year: Vec<InvestmentYear>,
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
    /// The day the project last entered the reserve in this registry (registration, the
    /// plan's load, a re-entry or a renewal).
    #[schema(value_type = String, format = Date, example = "2026-12-01")]
    pub reserve_since: NaiveDate,
    /// While in the reserve: the day it leaves the reserve unless renewed (read-only).
    #[schema(value_type = Option<String>, format = Date, example = "2029-12-01")]
    pub reserve_expires: Option<NaiveDate>,
    /// While withdrawn: why.
    pub withdrawal_reason: Option<WithdrawalReason>,
}

/// The fields of a project that a write can set. Who may change each is decided by one
/// exhaustive match (`auth::policy::may_change`): a field added here without that decision
/// does not compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectField {
    Name,
    Description,
    Location,
    Scale,
    LeadDepartment,
    ImplementingOrg,
    StartYear,
    EndYear,
    Investment,
    InvestmentByYear,
    NationalCode,
    SourceRef,
    Code,
    Plan,
    Category,
}

impl ProjectField {
    /// The field's name in the API.
    pub fn name(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Description => "description",
            Self::Location => "location",
            Self::Scale => "scale",
            Self::LeadDepartment => "lead_department",
            Self::ImplementingOrg => "implementing_org",
            Self::StartYear => "start_year",
            Self::EndYear => "end_year",
            Self::Investment => "investment",
            Self::InvestmentByYear => "investment_by_year",
            Self::NationalCode => "national_code",
            Self::SourceRef => "source_ref",
            Self::Code => "code",
            Self::Plan => "plan",
            Self::Category => "category",
        }
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
    pub year_plans: YearPlans,
    pub national_code: Option<String>,
    pub source_ref: Option<String>,
}

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
const MAX_SHORT_TEXT_CHARS: usize = 200;
const YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

/// A year as the registry takes it (1900–2100), e.g. the list's `year` filter.
pub fn parse_year(text: &str) -> Result<i32, &'static str> {
    text.parse::<i32>()
        .ok()
        .filter(|year| YEARS.contains(year))
        .ok_or("must be a year from 1900 to 2100")
}

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

/// A project's code: the plan's prefix, the category's abbreviation and a sequence of at
/// least three digits, e.g. `YY-LC-001`.
pub fn project_code(plan_prefix: &str, category_abbreviation: &str, sequence: i32) -> String {
    format!("{plan_prefix}-{category_abbreviation}-{sequence:03}")
}

/// A project code set by the plan office: 1–64 characters of letters, digits and `-`.
pub fn parse_code(code: &str) -> Result<String, FieldError> {
    let valid = (1..=64).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if valid {
        Ok(code.to_owned())
    } else {
        Err(FieldError::new(
            "code",
            "must be 1 to 64 letters, digits or '-'",
        ))
    }
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
        } else if super::validation::has_invisible_characters(&self.name) {
            errors.push(FieldError::new(
                "name",
                super::validation::INVISIBLE_MESSAGE,
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
        if let (Some(start), Some(end)) = (self.start_year, self.end_year)
            && end < start
        {
            errors.push(FieldError::new("end_year", "must not be before start_year"));
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

    /// Applies the amounts of an investment patch.
    fn apply_investment(&mut self, investment: InvestmentPatch) {
        self.total = investment.total.apply(self.total);
        for (source, patch) in investment.sources.iter() {
            self.sources[source] = patch.apply(self.sources[source]);
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
            sources: project.investment.sources,
            year_plans: project
                .investment_by_year
                .iter()
                .filter_map(|year| Some((year.year, year.planned?)))
                .collect(),
            national_code: project.national_code.clone(),
            source_ref: project.source_ref.clone(),
        }
    }
}

/// A project to register; it starts in `reserve`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    #[schema(example = "yunyang-eco-2021-2025", min_length = 1)]
    pub plan: String,
    #[schema(example = "low_carbon", min_length = 1)]
    pub category: String,
    #[schema(example = "宝坪光伏二期项目", min_length = 1, max_length = 200)]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub description: String,
    #[schema(max_length = 200)]
    pub location: Option<String>,
    #[schema(max_length = 200)]
    pub scale: Option<String>,
    /// Required: a department registers only projects it leads.
    #[schema(value_type = String, format = Uuid)]
    pub lead_department: OrganizationId,
    /// A platform company registers only projects it implements.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub implementing_org: Option<OrganizationId>,
    #[schema(value_type = Option<i32>, minimum = 1900, maximum = 2100)]
    pub start_year: Option<Integer>,
    /// Not before `start_year`.
    #[schema(value_type = Option<i32>, minimum = 1900, maximum = 2100)]
    pub end_year: Option<Integer>,
    #[schema(value_type = Option<super::funding::InvestmentInput>)]
    pub investment: Option<InvestmentPatch>,
    /// Planned investment of years of the plan's period.
    pub investment_by_year: Option<Vec<YearPlanInput>>,
    #[schema(pattern = r"^[0-9]{4}-[0-9]{6}-[0-9]{2}-[0-9]{2}-[0-9]{5}[0-9A-Z]$")]
    pub national_code: Option<String>,
    #[schema(max_length = 200)]
    pub source_ref: Option<String>,
}

impl NewProject {
    /// The details the new project starts with (checked by the registering operation);
    /// a year given twice is named.
    pub fn details(&self) -> Result<ProjectDetails, FieldError> {
        let mut details = ProjectDetails {
            name: self.name.clone(),
            description: self.description.clone(),
            location: optional_text(self.location.clone()),
            scale: optional_text(self.scale.clone()),
            lead_department: Some(self.lead_department),
            implementing_org: self.implementing_org,
            start_year: self.start_year.map(|year| year.0),
            end_year: self.end_year.map(|year| year.0),
            // Taken as written: a code with a space around it is malformed, not trimmed.
            national_code: self.national_code.clone(),
            source_ref: optional_text(self.source_ref.clone()),
            ..ProjectDetails::default()
        };
        if let Some(investment) = self.investment.clone() {
            details.apply_investment(investment);
        }
        if let Some(years) = &self.investment_by_year {
            details.year_plans = yearly::apply(&YearPlans::new(), years)?;
        }
        Ok(details)
    }
}

/// A JSON merge patch of a project (RFC 7396): members left out stay as they are, `null`
/// removes a value. `lead_department`, `code`, `plan` and `category` are the plan office's;
/// `implementing_org` also the lead department's. Computed fields are read-only.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectPatch {
    #[serde(default)]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub description: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub location: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub scale: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub lead_department: Patch<OrganizationId>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub implementing_org: Patch<OrganizationId>,
    #[serde(default)]
    #[schema(value_type = Option<i32>, minimum = 1900, maximum = 2100)]
    pub start_year: Patch<Integer>,
    #[serde(default)]
    #[schema(value_type = Option<i32>, minimum = 1900, maximum = 2100)]
    pub end_year: Patch<Integer>,
    #[serde(default)]
    #[schema(value_type = Option<InvestmentPatch>)]
    pub investment: Patch<InvestmentPatch>,
    /// Only the years it changes; `planned: null` clears a year, `null` every year.
    #[serde(default)]
    #[schema(value_type = Option<Vec<YearPlanInput>>)]
    pub investment_by_year: Patch<Vec<YearPlanInput>>,
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = r"^[0-9]{4}-[0-9]{6}-[0-9]{2}-[0-9]{2}-[0-9]{5}[0-9A-Z]$")]
    pub national_code: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub source_ref: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = r"^[A-Za-z0-9-]{1,64}$")]
    pub code: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, min_length = 1)]
    pub plan: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, min_length = 1)]
    pub category: Patch<String>,
}

impl ProjectPatch {
    /// The fields the patch sets. Destructured without `..`, so that a member added to the
    /// patch without being named here does not compile.
    pub fn fields(&self) -> Vec<ProjectField> {
        let Self {
            name,
            description,
            location,
            scale,
            lead_department,
            implementing_org,
            start_year,
            end_year,
            investment,
            investment_by_year,
            national_code,
            source_ref,
            code,
            plan,
            category,
        } = self;
        [
            (ProjectField::Name, name.is_present()),
            (ProjectField::Description, description.is_present()),
            (ProjectField::Location, location.is_present()),
            (ProjectField::Scale, scale.is_present()),
            (ProjectField::LeadDepartment, lead_department.is_present()),
            (ProjectField::ImplementingOrg, implementing_org.is_present()),
            (ProjectField::StartYear, start_year.is_present()),
            (ProjectField::EndYear, end_year.is_present()),
            (ProjectField::Investment, investment.is_present()),
            (
                ProjectField::InvestmentByYear,
                investment_by_year.is_present(),
            ),
            (ProjectField::NationalCode, national_code.is_present()),
            (ProjectField::SourceRef, source_ref.is_present()),
            (ProjectField::Code, code.is_present()),
            (ProjectField::Plan, plan.is_present()),
            (ProjectField::Category, category.is_present()),
        ]
        .into_iter()
        .filter_map(|(field, present)| present.then_some(field))
        .collect()
    }

    /// The new code, if the patch sets one.
    pub fn code(&self) -> Result<Option<String>, FieldError> {
        match &self.code {
            Patch::Value(code) => parse_code(code).map(Some),
            _ => Ok(None),
        }
    }

    /// The plan and category codes the project moves to, if the patch moves it.
    pub fn placement<'a>(&'a self, current: &'a Project) -> Option<(&'a str, &'a str)> {
        let pick = |patch: &'a Patch<String>, current: &'a str| match patch {
            Patch::Value(code) => code.as_str(),
            _ => current,
        };
        (self.plan.is_present() || self.category.is_present()).then(|| {
            (
                pick(&self.plan, &current.plan),
                pick(&self.category, &current.category),
            )
        })
    }

    /// The details with the patch applied (checked by the updating operation); members
    /// that cannot be removed are named.
    pub fn apply(self, mut details: ProjectDetails) -> Result<ProjectDetails, Vec<FieldError>> {
        let errors: Vec<FieldError> = [
            ("name", &self.name),
            ("code", &self.code),
            ("plan", &self.plan),
            ("category", &self.category),
        ]
        .into_iter()
        .filter(|(_, patch)| **patch == Patch::Null)
        .map(|(field, _)| FieldError::new(field, "cannot be removed"))
        .collect();
        if !errors.is_empty() {
            return Err(errors);
        }
        if let Patch::Value(name) = self.name {
            details.name = name;
        }
        details.description = self
            .description
            .apply(Some(details.description))
            .unwrap_or_default();
        details.location = optional_text(self.location.apply(details.location));
        details.scale = optional_text(self.scale.apply(details.scale));
        details.lead_department = self.lead_department.apply(details.lead_department);
        details.implementing_org = self.implementing_org.apply(details.implementing_org);
        details.start_year = self.start_year.map(|year| year.0).apply(details.start_year);
        details.end_year = self.end_year.map(|year| year.0).apply(details.end_year);
        // Taken as written: a code with a space around it is malformed, not trimmed.
        details.national_code = self.national_code.apply(details.national_code);
        details.source_ref = optional_text(self.source_ref.apply(details.source_ref));
        match self.investment {
            Patch::Absent => {}
            Patch::Null => details.apply_investment(InvestmentPatch::clear()),
            Patch::Value(investment) => details.apply_investment(investment),
        }
        match self.investment_by_year {
            Patch::Absent => {}
            Patch::Null => details.year_plans.clear(),
            Patch::Value(years) => {
                details.year_plans =
                    yearly::apply(&details.year_plans, &years).map_err(|error| vec![error])?
            }
        }
        Ok(details)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::funding::FundingSource;

    fn yuan(text: &str) -> Money {
        Money::parse(text).unwrap()
    }

    #[test]
    fn sources_above_the_total_and_years_out_of_order_are_named() {
        let mut details = ProjectDetails {
            name: "洞鹿风电项目".into(),
            start_year: Some(2024),
            end_year: Some(2023),
            total: Some(yuan("100.00")),
            ..ProjectDetails::default()
        };
        details.sources[FundingSource::Central] = Some(yuan("60.00"));
        details.sources[FundingSource::County] = Some(yuan("40.01"));
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
    fn codes_have_prefix_abbreviation_and_three_digit_sequence() {
        assert_eq!(project_code("YY", "LC", 1), "YY-LC-001");
        assert_eq!(project_code("YY", "POL", 82), "YY-POL-082");
        assert_eq!(project_code("YY", "ECO", 1234), "YY-ECO-1234");
    }

    #[test]
    fn a_patch_names_the_fields_it_sets() {
        let patch: ProjectPatch =
            serde_json::from_str(r#"{"scale": null, "investment": {"total": "1"}}"#).unwrap();
        assert_eq!(
            patch.fields(),
            [ProjectField::Scale, ProjectField::Investment]
        );
    }

    #[test]
    fn a_null_investment_removes_every_amount_and_required_members_stay() {
        let mut details = ProjectDetails {
            name: "x".into(),
            total: Some(yuan("5")),
            ..ProjectDetails::default()
        };
        details.sources[FundingSource::Other] = Some(yuan("1"));
        let patch: ProjectPatch = serde_json::from_str(r#"{"investment": null}"#).unwrap();
        let patched = patch.apply(details.clone()).unwrap();
        assert_eq!(
            (patched.total, patched.sources.secured()),
            (None, Money::ZERO)
        );
        let removal: ProjectPatch = serde_json::from_str(r#"{"name": null}"#).unwrap();
        assert_eq!(removal.apply(details).unwrap_err()[0].field, "name");
    }
}
