//! The lifecycle graph and its preconditions:
//!
//! ```text
//! reserve → preparation → construction → completed
//! reserve | preparation | construction → withdrawn
//! withdrawn → reserve            (plan office, with a note: re-entry)
//! back to any earlier state      (plan office, with a note: a correction)
//! ```

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{FieldError, ProjectStatus, UserId};

/// One lifecycle change of a project, as the history shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Transition {
    /// `null` for the project's registration.
    pub from: Option<ProjectStatus>,
    pub to: ProjectStatus,
    pub note: Option<String>,
    /// The user who made the change; `null` for the registry itself (loading the plan).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub by: Option<UserId>,
    pub at: DateTime<Utc>,
}

/// What kind of move a transition is; `None` from [`classify`] when the graph has no edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Forward,
    Withdrawal,
    ReEntry,
    Correction,
}

fn rank(status: ProjectStatus) -> Option<u8> {
    match status {
        ProjectStatus::Reserve => Some(0),
        ProjectStatus::Preparation => Some(1),
        ProjectStatus::Construction => Some(2),
        ProjectStatus::Completed => Some(3),
        ProjectStatus::Withdrawn => None,
    }
}

pub fn classify(from: ProjectStatus, to: ProjectStatus) -> Option<Move> {
    use ProjectStatus::*;
    match (from, to) {
        _ if from == to => None,
        (Withdrawn, Reserve) => Some(Move::ReEntry),
        (Withdrawn, _) => None,
        (Reserve | Preparation | Construction, Withdrawn) => Some(Move::Withdrawal),
        (Completed, Withdrawn) => None,
        _ => {
            let (from, to) = (rank(from)?, rank(to)?);
            if to == from + 1 {
                Some(Move::Forward)
            } else if to < from {
                Some(Move::Correction)
            } else {
                None
            }
        }
    }
}

impl Move {
    /// Re-entry and corrections belong to the plan office alone.
    pub fn plan_office_only(self) -> bool {
        matches!(self, Move::ReEntry | Move::Correction)
    }

    pub fn needs_note(self) -> bool {
        !matches!(self, Move::Forward)
    }
}

/// What the preconditions look at.
#[derive(Debug, Clone, Copy, Default)]
pub struct Facts {
    pub has_lead_department: bool,
    pub has_total: bool,
    pub has_start_year: bool,
    pub has_end_year: bool,
    pub has_completed_investment: bool,
}

/// Everything missing for the move, each named as the field to fill.
pub fn missing(
    from: ProjectStatus,
    to: ProjectStatus,
    kind: Move,
    facts: Facts,
    note: Option<&str>,
) -> Vec<FieldError> {
    let mut missing = Vec::new();
    let mut need = |ok: bool, field: &str, why: &str| {
        if !ok {
            missing.push(FieldError::new(field, why));
        }
    };
    if from == ProjectStatus::Reserve {
        need(
            facts.has_lead_department,
            "lead_department",
            "a project leaves reserve only with a lead department",
        );
    }
    if matches!(to, ProjectStatus::Preparation | ProjectStatus::Construction) {
        need(
            facts.has_total,
            "investment.total",
            "the planned total investment must be set first",
        );
    }
    if to == ProjectStatus::Construction {
        need(
            facts.has_start_year,
            "start_year",
            "construction needs a start year",
        );
    }
    if to == ProjectStatus::Completed {
        need(
            facts.has_end_year,
            "end_year",
            "completion needs an end year",
        );
        need(
            facts.has_completed_investment,
            "completed_investment",
            "completion needs accepted progress reports with completed investment above zero",
        );
    }
    if kind.needs_note() {
        let has_note = note.is_some_and(|note| !note.trim().is_empty());
        need(has_note, "note", "this move needs a note saying why");
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProjectStatus::*;

    #[test]
    fn the_graph_has_exactly_the_designed_edges() {
        let allowed = |from, to| classify(from, to);
        assert_eq!(allowed(Reserve, Preparation), Some(Move::Forward));
        assert_eq!(allowed(Preparation, Construction), Some(Move::Forward));
        assert_eq!(allowed(Construction, Completed), Some(Move::Forward));
        for from in [Reserve, Preparation, Construction] {
            assert_eq!(allowed(from, Withdrawn), Some(Move::Withdrawal));
        }
        assert_eq!(allowed(Withdrawn, Reserve), Some(Move::ReEntry));
        assert_eq!(allowed(Completed, Reserve), Some(Move::Correction));
        assert_eq!(allowed(Construction, Preparation), Some(Move::Correction));
        for (from, to) in [
            (Reserve, Construction),
            (Reserve, Completed),
            (Preparation, Completed),
            (Completed, Withdrawn),
            (Withdrawn, Preparation),
            (Reserve, Reserve),
        ] {
            assert_eq!(allowed(from, to), None, "{from} → {to}");
        }
    }

    #[test]
    fn preconditions_name_each_missing_field() {
        let fields = |from, to, note| {
            let kind = classify(from, to).unwrap();
            missing(from, to, kind, Facts::default(), note)
                .into_iter()
                .map(|e| e.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fields(Reserve, Preparation, None),
            ["lead_department", "investment.total"]
        );
        assert_eq!(
            fields(Preparation, Construction, None),
            ["investment.total", "start_year"]
        );
        assert_eq!(
            fields(Construction, Completed, None),
            ["end_year", "completed_investment"]
        );
        assert_eq!(fields(Preparation, Withdrawn, Some("  ")), ["note"]);
    }
}
