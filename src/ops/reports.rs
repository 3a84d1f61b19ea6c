//! Progress reports (调度): submitting, correcting a returned one, and review by finance.

use crate::{
    auth::{Caller, policy},
    db::{
        DbConnection,
        audit::{self, Change},
        projects, reports,
    },
    domain::{
        Error, ProjectId, ProjectStatus, ReportId, UserId,
        actor::Actor,
        listing::PageLimit,
        project::Project,
        report::{Decision, Period, ProgressReport, ReportFigures, ReportStatus},
    },
};

pub fn not_found(id: impl std::fmt::Display) -> Error {
    Error::NotFound(format!("no report has the id {id}"))
}

fn load(conn: &mut DbConnection, id: ReportId) -> Result<ProgressReport, Error> {
    reports::find(conn, id)?.ok_or_else(|| not_found(id))
}

fn load_project(conn: &mut DbConnection, id: ProjectId) -> Result<Project, Error> {
    projects::find(conn, id)?.ok_or_else(|| super::projects::not_found(id))
}

/// A project's reports, by period (signed-in users).
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    project_id: ProjectId,
) -> Result<Vec<ProgressReport>, Error> {
    policy::user(caller)?;
    load_project(conn, project_id)?;
    Ok(reports::list(conn, project_id)?)
}

/// A report waiting for review, with the project's figures beside it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Waiting {
    pub report: ProgressReport,
    pub project: Project,
}

/// The review queue: submitted reports, oldest first, with their projects (finance and the
/// plan office; a reviewer's own reports are left out, as they may not review them).
pub fn review_queue(
    conn: &mut DbConnection,
    caller: &Caller,
    limit: PageLimit,
) -> Result<Vec<Waiting>, Error> {
    let reviewer = policy::reviewer(caller)?;
    reports::waiting_for_review(conn, reviewer.id, i64::from(limit.get()))?
        .into_iter()
        .map(|report| {
            let project = load_project(conn, report.project_id)?;
            Ok(Waiting { report, project })
        })
        .collect()
}

/// A report as submitted.
#[derive(Debug, Clone)]
pub struct Submission {
    pub period: Period,
    pub figures: ReportFigures,
}

/// Submits a report on the project by one of its owners.
pub fn submit(
    conn: &mut DbConnection,
    caller: &Caller,
    project_id: ProjectId,
    submission: Submission,
) -> Result<ProgressReport, Error> {
    let project = load_project(conn, project_id)?;
    let user = policy::change_project(caller, &project)?;
    record_submission(conn, &caller.actor(), &project, submission, user.id)
}

/// The rules and audit entry of every submission: only projects in preparation or
/// construction report, once per period. (Synthetic data submits through here too.)
pub fn record_submission(
    conn: &mut DbConnection,
    actor: &Actor,
    project: &Project,
    submission: Submission,
    submitted_by: UserId,
) -> Result<ProgressReport, Error> {
    Error::check(submission.figures.check())?;
    if !matches!(
        project.status,
        ProjectStatus::Preparation | ProjectStatus::Construction
    ) {
        return Err(Error::Conflict(format!(
            "progress is reported for projects in preparation or construction, not {}",
            project.status
        )));
    }
    let Submission { period, figures } = submission;
    if reports::exists(conn, project.id, &period)? {
        return Err(Error::Conflict(format!(
            "{} is reported already",
            period.as_str()
        )));
    }
    let report = reports::insert(conn, project.id, &period, &figures, submitted_by)?;
    audit::record(
        conn,
        actor,
        Change::new("report.create", "report", report.id).after(&report),
    )?;
    Ok(report)
}

/// What a correction changes; `None` keeps the report's value.
#[derive(Debug, Clone, Default)]
pub struct Correction {
    pub investment_completed: Option<crate::domain::Money>,
    pub physical_progress: Option<i32>,
    pub summary: Option<String>,
    pub issues: Option<String>,
}

/// Corrects a returned report (its project's owner), which is then submitted again.
pub fn correct(
    conn: &mut DbConnection,
    caller: &Caller,
    id: ReportId,
    correction: Correction,
) -> Result<ProgressReport, Error> {
    let current = load(conn, id)?;
    let project = load_project(conn, current.project_id)?;
    let user = policy::change_project(caller, &project)?;
    if current.status != ReportStatus::Returned {
        return Err(Error::Conflict(format!(
            "the report is {}; only a returned one is corrected",
            current.status
        )));
    }
    let figures = ReportFigures {
        investment_completed: correction
            .investment_completed
            .unwrap_or(current.investment_completed),
        physical_progress: correction
            .physical_progress
            .unwrap_or(current.physical_progress),
        summary: correction
            .summary
            .unwrap_or_else(|| current.summary.clone()),
        issues: correction.issues.unwrap_or_else(|| current.issues.clone()),
    };
    Error::check(figures.check())?;
    let updated = reports::resubmit(conn, id, &figures, user.id)?
        .ok_or_else(|| Error::Conflict("the report changed meanwhile".to_owned()))?;
    audit::record(
        conn,
        &caller.actor(),
        Change::new("report.update", "report", id)
            .before(&current)
            .after(&updated),
    )?;
    Ok(updated)
}

/// A reviewer's verdict.
#[derive(Debug, Clone)]
pub struct Review {
    pub decision: Decision,
    /// Blank is none.
    pub comment: Option<String>,
}

/// Accepts or returns a submitted report (finance or the plan office, never its
/// submitter). Accepting updates the project's completed investment, progress and version.
pub fn review(
    conn: &mut DbConnection,
    caller: &Caller,
    id: ReportId,
    review: Review,
) -> Result<ProgressReport, Error> {
    let current = load(conn, id)?;
    let user = policy::review(caller, current.submitted_by)?;
    record_review(conn, &caller.actor(), &current, review, user.id)
}

/// The rules and audit entries of every review: only a submitted report is reviewed; an
/// accepted one recomputes its project's figures, audited as `project.figures`.
pub fn record_review(
    conn: &mut DbConnection,
    actor: &Actor,
    current: &ProgressReport,
    review: Review,
    reviewer: UserId,
) -> Result<ProgressReport, Error> {
    let comment = review
        .comment
        .map(|comment| comment.trim().to_owned())
        .filter(|comment| !comment.is_empty());
    let reviewed = reports::review(
        conn,
        current.id,
        review.decision,
        reviewer,
        comment.as_deref(),
    )?
    .ok_or_else(|| {
        Error::Conflict(format!(
            "the report is {}; only a submitted one is reviewed",
            current.status
        ))
    })?;
    audit::record(
        conn,
        actor,
        Change::new("report.review", "report", current.id)
            .before(current)
            .after(&reviewed),
    )?;
    if review.decision == Decision::Accepted {
        let before = load_project(conn, current.project_id)?;
        reports::refresh_project_figures(conn, current.project_id)?;
        let after = load_project(conn, current.project_id)?;
        audit::record(
            conn,
            actor,
            Change::new("project.figures", "project", current.project_id)
                .before(&before)
                .after(&after),
        )?;
    }
    Ok(reviewed)
}
