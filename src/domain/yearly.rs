//! Investment by year (分年度投资): each year of the plan's period carries the project's
//! planned investment, written like the other amounts, and the investment completed in it,
//! summed from the accepted progress reports of that year's periods. 本年计划投资 is the
//! current year's `planned`.

use std::{collections::BTreeMap, ops::RangeInclusive};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{FieldError, Money, input::Integer, input::Patch};

/// The field every rule about the yearly plan names.
pub const FIELD: &str = "investment_by_year";

/// One year as every reader sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct InvestmentYear {
    #[schema(example = 2023)]
    pub year: i32,
    /// Planned investment of the year, in yuan; `null` while unset.
    #[schema(value_type = Option<String>, example = "30000000.00")]
    pub planned: Option<Money>,
    /// Completed investment of the year's accepted progress reports (read-only).
    #[schema(value_type = String, example = "0.00")]
    pub completed: Money,
}

/// The planned amount of each year that has one.
pub type YearPlans = BTreeMap<i32, Money>;

/// Every year of `period` with its planned and completed amounts (`stored` holds the years
/// that have either), ascending.
pub fn years_of(
    period: RangeInclusive<i32>,
    stored: &BTreeMap<i32, (Option<Money>, Money)>,
) -> Vec<InvestmentYear> {
    period
        .map(|year| {
            let (planned, completed) = stored.get(&year).copied().unwrap_or((None, Money::ZERO));
            InvestmentYear {
                year,
                planned,
                completed,
            }
        })
        .collect()
}

/// One year of a write: `planned: null` clears the year.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct YearPlanInput {
    #[schema(value_type = i32, example = 2023)]
    pub year: Integer,
    /// In yuan, as other amounts: a decimal string or an exact JSON number; `null` clears.
    #[schema(value_type = Option<String>, example = "30000000.00")]
    pub planned: Patch<Money>,
}

/// Applies the years a write lists to the current plan: a year given twice is named.
pub fn apply(current: &YearPlans, written: &[YearPlanInput]) -> Result<YearPlans, FieldError> {
    let mut plans = current.clone();
    let mut seen = std::collections::BTreeSet::new();
    for entry in written {
        let year = entry.year.0;
        if !seen.insert(year) {
            return Err(FieldError::new(
                FIELD,
                format!("the year {year} is given twice"),
            ));
        }
        match entry.planned {
            Patch::Value(amount) => {
                plans.insert(year, amount);
            }
            Patch::Null | Patch::Absent => {
                plans.remove(&year);
            }
        }
    }
    Ok(plans)
}

/// The rules of a yearly plan: every year within the plan's period, and (like the funding
/// sources) the years together at most the total, when the total is set.
pub fn check(
    plans: &YearPlans,
    period: RangeInclusive<i32>,
    total: Option<Money>,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(year) = plans.keys().find(|year| !period.contains(year)) {
        errors.push(FieldError::new(
            FIELD,
            format!(
                "{year} is outside the plan's period {}–{}",
                period.start(),
                period.end()
            ),
        ));
    }
    if let Some(total) = total {
        let planned: Money = plans.values().copied().sum();
        if planned > total {
            errors.push(FieldError::new(
                FIELD,
                format!("the years add up to {planned}, more than the total {total}"),
            ));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yuan(text: &str) -> Money {
        Money::parse(text).unwrap()
    }

    fn written(json: &str) -> Vec<YearPlanInput> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_write_sets_and_clears_only_the_years_it_lists() {
        let current = YearPlans::from([(2021, yuan("1")), (2022, yuan("2"))]);
        let plans = apply(
            &current,
            &written(r#"[{"year": 2022, "planned": null}, {"year": 2023, "planned": "3.50"}]"#),
        )
        .unwrap();
        assert_eq!(
            plans,
            YearPlans::from([(2021, yuan("1")), (2023, yuan("3.50"))])
        );
    }

    #[test]
    fn a_year_given_twice_is_refused() {
        let twice = written(r#"[{"year": 2022, "planned": "1"}, {"year": 2022, "planned": null}]"#);
        assert!(apply(&YearPlans::new(), &twice).is_err());
    }

    #[test]
    fn years_outside_the_period_and_above_the_total_are_named() {
        let plans = YearPlans::from([(2021, yuan("60")), (2026, yuan("40.01"))]);
        let errors = check(&plans, 2021..=2025, Some(yuan("100")));
        assert_eq!(errors.len(), 2);
        assert!(errors[0].message.contains("2026"));
        assert!(errors[1].message.contains("100.01"));
        assert!(check(&plans, 2021..=2026, None).is_empty());
    }

    #[test]
    fn every_year_of_the_period_reads_back_in_order() {
        let stored = BTreeMap::from([(2023, (None, yuan("5")))]);
        let years = years_of(2021..=2025, &stored);
        assert_eq!(years.len(), 5);
        assert_eq!(years[2].completed, yuan("5"));
        assert_eq!(years[0].planned, None);
    }
}
