use std::{fmt, str::FromStr};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{FieldError, Money, ProjectId, UserId};

/// A reporting month, `YYYY-MM`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period(String);

impl Period {
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let valid = text.len() == 7
            && text.as_bytes()[4] == b'-'
            && text[..4]
                .parse::<u16>()
                .is_ok_and(|year| (2000..=2100).contains(&year))
            && text[5..].bytes().all(|b| b.is_ascii_digit())
            && text[5..]
                .parse::<u8>()
                .is_ok_and(|month| (1..=12).contains(&month));
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err("must be a month YYYY-MM, e.g. 2025-06")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Submitted,
    Accepted,
    Returned,
}

impl ReportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Accepted => "accepted",
            Self::Returned => "returned",
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown report status {0:?}")]
pub struct UnknownReportStatus(String);

impl FromStr for ReportStatus {
    type Err = UnknownReportStatus;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [Self::Submitted, Self::Accepted, Self::Returned]
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| UnknownReportStatus(text.to_owned()))
    }
}

impl fmt::Display for ReportStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A reviewer's decision on a submitted report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Accepted,
    Returned,
}

/// A progress report (调度) as read.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgressReport {
    #[schema(value_type = String, format = Uuid)]
    pub id: super::ReportId,
    #[schema(value_type = String, format = Uuid)]
    pub project_id: ProjectId,
    #[schema(example = "2025-06")]
    pub period: String,
    /// Investment completed in the period, yuan.
    #[schema(value_type = String, example = "1500000.00")]
    pub investment_completed: Money,
    /// Physical progress, 0–100.
    #[schema(example = 40)]
    pub physical_progress: i32,
    pub summary: String,
    pub issues: String,
    pub status: ReportStatus,
    #[schema(value_type = String, format = Uuid)]
    pub submitted_by: UserId,
    pub submitted_at: DateTime<Utc>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub reviewed_by: Option<UserId>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub review_comment: Option<String>,
}

/// The figures of a report, checked.
#[derive(Debug, Clone)]
pub struct ReportFigures {
    pub investment_completed: Money,
    pub physical_progress: i32,
    pub summary: String,
    pub issues: String,
}

impl ReportFigures {
    pub fn check(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if !(0..=100).contains(&self.physical_progress) {
            errors.push(FieldError::new(
                "physical_progress",
                "must be from 0 to 100",
            ));
        }
        if self.summary.trim().is_empty() || self.summary.chars().count() > 10_000 {
            errors.push(FieldError::new(
                "summary",
                "must be 1 to 10000 characters, not blank",
            ));
        }
        if self.issues.chars().count() > 10_000 {
            errors.push(FieldError::new(
                "issues",
                "must be at most 10000 characters",
            ));
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_real_months() {
        assert!(Period::parse("2025-06").is_ok());
        for bad in [
            "2025-6", "2025-13", "2025-00", "25-06-01", "2025/06", "1999-12", "2025-1a",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }
}
