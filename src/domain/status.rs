use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A project's place in its lifecycle:
/// reserve (储备) → preparation (前期) → construction (在建) → completed (建成), or withdrawn (退出).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    /// 储备
    Reserve,
    /// 前期
    Preparation,
    /// 在建
    Construction,
    /// 建成
    Completed,
    /// 退出
    Withdrawn,
}

impl ProjectStatus {
    pub const ALL: [ProjectStatus; 5] = [
        Self::Reserve,
        Self::Preparation,
        Self::Construction,
        Self::Completed,
        Self::Withdrawn,
    ];

    /// The name a person reads: 储备, 前期, 在建, 建成, 退出.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Reserve => "储备",
            Self::Preparation => "前期",
            Self::Construction => "在建",
            Self::Completed => "建成",
            Self::Withdrawn => "退出",
        }
    }

    /// The status with this Chinese name or code.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|status| status.name_zh() == name || status.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reserve => "reserve",
            Self::Preparation => "preparation",
            Self::Construction => "construction",
            Self::Completed => "completed",
            Self::Withdrawn => "withdrawn",
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error(
    "unknown status {0:?}: expected one of reserve, preparation, construction, completed, withdrawn"
)]
pub struct UnknownStatus(String);

impl FromStr for ProjectStatus {
    type Err = UnknownStatus;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| UnknownStatus(text.to_owned()))
    }
}

impl fmt::Display for ProjectStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_name() {
        for status in ProjectStatus::ALL {
            assert_eq!(status.as_str().parse::<ProjectStatus>().unwrap(), status);
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::json!(status.as_str())
            );
        }
    }

    #[test]
    fn unknown_and_differently_cased_names_are_refused() {
        for text in ["", "Reserve", "planning", "done"] {
            assert!(text.parse::<ProjectStatus>().is_err(), "{text:?}");
        }
    }
}
