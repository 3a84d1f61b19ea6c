//! Reserve expiry (退出): a project left in the reserve longer than its plan's validity
//! leaves it, unless the plan office renews it; and why any project was withdrawn.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A plan's reserve validity when none is set (three years).
pub const DEFAULT_VALIDITY_YEARS: i32 = 3;
/// The validities a plan may have, in years.
pub const VALIDITY_YEARS: std::ops::RangeInclusive<i32> = 1..=20;

/// The day a project that entered the reserve on `since` expires: the same day `years`
/// later (29 February becomes 28 February). The sweep withdraws it on that day or after.
pub fn expires(since: NaiveDate, years: i32) -> NaiveDate {
    let months = u32::try_from(years.clamp(0, 100) * 12).unwrap_or(0);
    since
        .checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// Why a project was withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WithdrawalReason {
    /// Its reserve validity ran out (given by the reserve sweep alone).
    Expired,
    /// Merged into another project.
    Merged,
    /// Cancelled by its owner.
    CancelledByOwner,
    /// No funding can be found.
    FundingUnavailable,
    /// Another reason, which the note states.
    Other,
}

impl WithdrawalReason {
    pub const ALL: [Self; 5] = [
        Self::Expired,
        Self::Merged,
        Self::CancelledByOwner,
        Self::FundingUnavailable,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Expired => "expired",
            Self::Merged => "merged",
            Self::CancelledByOwner => "cancelled_by_owner",
            Self::FundingUnavailable => "funding_unavailable",
            Self::Other => "other",
        }
    }

    /// The name a person reads.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Expired => "储备期满",
            Self::Merged => "合并",
            Self::CancelledByOwner => "业主取消",
            Self::FundingUnavailable => "资金无法落实",
            Self::Other => "其他",
        }
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown reason {0:?}: expected one of expired, merged, cancelled_by_owner, \
     funding_unavailable, other"
)]
pub struct UnknownReason(String);

impl std::str::FromStr for WithdrawalReason {
    type Err = UnknownReason;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|reason| reason.as_str() == text)
            .ok_or_else(|| UnknownReason(text.to_owned()))
    }
}

impl std::fmt::Display for WithdrawalReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_reserve_expires_on_the_same_day_years_later() {
        assert_eq!(expires(date("2024-06-30"), 3), date("2027-06-30"));
        assert_eq!(expires(date("2024-02-29"), 3), date("2027-02-28"));
        assert_eq!(expires(date("2024-02-29"), 4), date("2028-02-29"));
    }

    #[test]
    fn every_reason_round_trips_through_its_code() {
        for reason in WithdrawalReason::ALL {
            assert_eq!(reason.as_str().parse::<WithdrawalReason>(), Ok(reason));
            assert_eq!(serde_json::to_value(reason).unwrap(), reason.as_str());
        }
        assert!("lapsed".parse::<WithdrawalReason>().is_err());
    }
}
