//! Adjustment requests (项目调整): the national rules for government investment require that
//! a change of location, scale or technical plan, a later completion, or more investment go
//! through approval. The owner files the change with a reason; the plan office approves it
//! (the change is applied as the plan office's update) or rejects it (nothing changes).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::{
    AdjustmentId, FieldError, Money, ProjectId, UserId,
    funding::InvestmentPatch,
    input::{Integer, Patch},
    project::{Project, ProjectPatch},
};

/// The fields an adjustment changes, and the only ones it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AdjustableField {
    Location,
    Scale,
    Description,
    EndYear,
    Total,
}

impl AdjustableField {
    /// The field's name in the API (`investment.total` for the total).
    pub fn name(self) -> &'static str {
        match self {
            Self::Location => "location",
            Self::Scale => "scale",
            Self::Description => "description",
            Self::EndYear => "end_year",
            Self::Total => "investment.total",
        }
    }

    /// The field's current value in `project`, as JSON.
    fn value(self, project: &Project) -> Value {
        match self {
            Self::Location => serde_json::json!(project.location),
            Self::Scale => serde_json::json!(project.scale),
            Self::Description => serde_json::json!(project.description),
            Self::EndYear => serde_json::json!(project.end_year),
            Self::Total => serde_json::json!(project.investment.total),
        }
    }
}

/// The fields a project patch touches that adjustments govern.
pub fn governed_fields(patch: &ProjectPatch) -> Vec<AdjustableField> {
    let mut fields = Vec::new();
    for (field, present) in [
        (AdjustableField::Location, patch.location.is_present()),
        (AdjustableField::Scale, patch.scale.is_present()),
        (AdjustableField::Description, patch.description.is_present()),
        (AdjustableField::EndYear, patch.end_year.is_present()),
    ] {
        if present {
            fields.push(field);
        }
    }
    let total = match &patch.investment {
        Patch::Absent => false,
        Patch::Null => true,
        Patch::Value(investment) => investment.total.is_present(),
    };
    if total {
        fields.push(AdjustableField::Total);
    }
    fields
}

/// `{"total": …}`: the one member of `investment` an adjustment may change.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TotalChange {
    #[serde(default)]
    pub total: Patch<Money>,
}

/// The change an adjustment asks for: a merge patch of a project limited to `location`,
/// `scale`, `description`, `end_year` and `investment.total`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentChanges {
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub location: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub scale: Patch<String>,
    /// The technical description (建设内容).
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub description: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<i32>, minimum = 1900, maximum = 2100)]
    pub end_year: Patch<Integer>,
    /// `{"total": "…"}` only.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub investment: Option<TotalChange>,
}

impl AdjustmentChanges {
    /// The same change as a project merge patch: approving applies it through the update.
    pub fn patch(&self) -> ProjectPatch {
        ProjectPatch {
            location: self.location.clone(),
            scale: self.scale.clone(),
            description: self.description.clone(),
            end_year: self.end_year,
            investment: match &self.investment {
                Some(change) if change.total.is_present() => Patch::Value(InvestmentPatch {
                    total: change.total,
                    ..InvestmentPatch::default()
                }),
                _ => Patch::Absent,
            },
            ..ProjectPatch::default()
        }
    }

    /// The fields it changes, in a fixed order.
    pub fn fields(&self) -> Vec<AdjustableField> {
        governed_fields(&self.patch())
    }

    /// The change as stored and shown: only the members it sets, amounts as strings.
    pub fn to_json(&self) -> Value {
        let mut object = Map::new();
        let mut put = |name: &str, value: Option<Value>| {
            if let Some(value) = value {
                object.insert(name.to_owned(), value);
            }
        };
        let text = |patch: &Patch<String>| match patch {
            Patch::Absent => None,
            Patch::Null => Some(Value::Null),
            Patch::Value(text) => Some(Value::from(text.clone())),
        };
        put("location", text(&self.location));
        put("scale", text(&self.scale));
        put("description", text(&self.description));
        put(
            "end_year",
            match self.end_year {
                Patch::Absent => None,
                Patch::Null => Some(Value::Null),
                Patch::Value(year) => Some(Value::from(year.0)),
            },
        );
        if let Some(change) = &self.investment {
            let total = match change.total {
                Patch::Absent => None,
                Patch::Null => Some(Value::Null),
                Patch::Value(amount) => Some(Value::from(amount.to_string())),
            };
            if let Some(total) = total {
                put("investment", Some(serde_json::json!({"total": total})));
            }
        }
        Value::Object(object)
    }
}

/// The values of `fields` in `project`, to tell later whether they changed meanwhile.
pub fn snapshot(project: &Project, fields: &[AdjustableField]) -> Value {
    Value::Object(
        fields
            .iter()
            .map(|field| (field.name().to_owned(), field.value(project)))
            .collect(),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentStatus {
    Pending,
    Approved,
    Rejected,
}

impl AdjustmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("must be pending, approved or rejected")]
pub struct UnknownAdjustmentStatus;

impl std::str::FromStr for AdjustmentStatus {
    type Err = UnknownAdjustmentStatus;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [Self::Pending, Self::Approved, Self::Rejected]
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or(UnknownAdjustmentStatus)
    }
}

/// The plan office's decision on a pending request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentDecision {
    Approved,
    Rejected,
}

/// An adjustment request as every reader sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Adjustment {
    #[schema(value_type = String, format = Uuid)]
    pub id: AdjustmentId,
    /// The project's id.
    #[schema(value_type = String, format = Uuid)]
    pub project: ProjectId,
    /// The change asked for, a merge patch of the project.
    #[schema(value_type = Object, example = json!({"investment": {"total": "150000000.00"}}))]
    pub changes: Value,
    pub reason: String,
    pub status: AdjustmentStatus,
    #[schema(value_type = String, format = Uuid)]
    pub requested_by: UserId,
    pub requested_at: DateTime<Utc>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub reviewed_by: Option<UserId>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// The plan office's note on its decision.
    pub review_note: Option<String>,
}

/// A reason or note: trimmed, not blank, at most 2,000 characters.
pub fn parse_reason(field: &str, text: Option<&str>) -> Result<String, FieldError> {
    let text = text.map(str::trim).unwrap_or_default();
    if text.is_empty() {
        return Err(FieldError::new(field, "must not be blank"));
    }
    if text.chars().count() > 2000 {
        return Err(FieldError::new(field, "must be at most 2000 characters"));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_governed_fields_may_be_asked_for() {
        let error = serde_json::from_str::<AdjustmentChanges>(r#"{"name": "x"}"#).unwrap_err();
        assert!(
            error.to_string().contains("unknown field `name`"),
            "{error}"
        );
        let error = serde_json::from_str::<AdjustmentChanges>(r#"{"investment": {"county": "1"}}"#)
            .unwrap_err();
        assert!(
            error.to_string().contains("unknown field `county`"),
            "{error}"
        );
    }

    #[test]
    fn a_change_reads_back_with_only_its_members_and_names_its_fields() {
        let changes: AdjustmentChanges =
            serde_json::from_str(r#"{"scale": null, "investment": {"total": 150}}"#).unwrap();
        assert_eq!(
            changes.to_json(),
            serde_json::json!({"scale": null, "investment": {"total": "150.00"}})
        );
        assert_eq!(
            changes.fields(),
            [AdjustableField::Scale, AdjustableField::Total]
        );
        let again: AdjustmentChanges = serde_json::from_value(changes.to_json()).unwrap();
        assert_eq!(again.fields(), changes.fields());
    }
}
