use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What an organization is; it decides which user roles may belong to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationKind {
    /// 主管部门
    Department,
    /// 平台集团公司
    PlatformCompany,
    /// 财政局
    Finance,
    /// 规划办公室
    PlanOffice,
}

impl OrganizationKind {
    pub const ALL: [OrganizationKind; 4] = [
        Self::Department,
        Self::PlatformCompany,
        Self::Finance,
        Self::PlanOffice,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Department => "department",
            Self::PlatformCompany => "platform_company",
            Self::Finance => "finance",
            Self::PlanOffice => "plan_office",
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error(
    "unknown organization kind {0:?}: expected department, platform_company, finance or plan_office"
)]
pub struct UnknownOrganizationKind(String);

impl FromStr for OrganizationKind {
    type Err = UnknownOrganizationKind;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| UnknownOrganizationKind(text.to_owned()))
    }
}

impl fmt::Display for OrganizationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An organization as the administration API shows it.
#[derive(Debug, Clone, serde::Serialize, ToSchema)]
pub struct Organization {
    #[schema(value_type = String, format = Uuid)]
    pub id: super::OrganizationId,
    #[schema(example = "县生态环境部门")]
    pub name: String,
    pub kind: OrganizationKind,
    /// An inactive organization keeps its projects but gets no new ones or new users.
    pub active: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// An organization's name: 1–200 characters, not blank.
pub fn parse_organization_name(text: &str) -> Result<String, &'static str> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.chars().count() > 200 {
        return Err("must be 1 to 200 characters, not blank");
    }
    if super::validation::has_invisible_characters(trimmed) {
        return Err(super::validation::INVISIBLE_MESSAGE);
    }
    Ok(trimmed.to_owned())
}
