use actix_web::{HttpResponse, http::header, web};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::{
    body::{self, Integer},
    projects::{find_project, of_project, parse_project_id},
};
use crate::{
    auth::{Caller, policy},
    db::{
        self, Database,
        audit::{self, Change},
    },
    domain::{
        Money, ProjectStatus, ReportId,
        report::{Decision, Period, ProgressReport, ReportFigures, ReportStatus},
    },
    error::{AppError, Problem},
};

fn no_such_report(id: &str) -> AppError {
    AppError::NotFound(format!("no report has the id {id}"))
}

fn checked(figures: ReportFigures) -> Result<ReportFigures, AppError> {
    let errors = figures.check();
    if errors.is_empty() {
        Ok(figures)
    } else {
        Err(AppError::Validation(errors))
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    /// The month reported on, `YYYY-MM`.
    #[schema(example = "2025-06", pattern = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub period: String,
    /// Investment completed in the period, yuan.
    #[schema(value_type = String, example = "1500000.00", pattern = r"^[0-9]{1,15}(\.[0-9]{1,2})?$")]
    pub investment_completed: Money,
    /// Physical progress, 0–100.
    #[schema(value_type = i32, minimum = 0, maximum = 100)]
    pub physical_progress: Integer,
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    pub summary: String,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub issues: String,
}

/// Reports a project's progress for one period (projects in preparation or construction).
#[utoipa::path(post, path = "/api/v1/projects/{id}/reports", operation_id = "reports_create", tag = "reports", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    request_body = NewReport,
    responses(
        (status = 201, description = "submitted", body = ProgressReport),
        (status = 403, description = "not the project's owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such project", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "the period is reported already, or the project is not in preparation or construction",
            body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    db: web::Data<Database>,
    caller: Caller,
    id: web::Path<String>,
    report: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    policy::project_editor(&caller)?;
    let project_id = parse_project_id(&id)?;
    let report: NewReport = body::parse(report)?;
    let period =
        Period::parse(&report.period).map_err(|why| AppError::validation("period", why))?;
    let figures = checked(ReportFigures {
        investment_completed: report.investment_completed,
        physical_progress: report.physical_progress.0,
        summary: report.summary,
        issues: report.issues,
    })?;
    let created = db
        .write(move |conn| {
            let project = find_project(conn, project_id)?;
            let user = policy::change_project(&caller, &project)?;
            if !matches!(
                project.status,
                ProjectStatus::Preparation | ProjectStatus::Construction
            ) {
                return Err(AppError::Conflict(format!(
                    "progress is reported for projects in preparation or construction, not {}",
                    project.status
                )));
            }
            if db::reports::exists(conn, project_id, &period)? {
                return Err(AppError::Conflict(format!(
                    "{} is reported already",
                    period.as_str()
                )));
            }
            let report = db::reports::insert(conn, project_id, &period, &figures, user.id)?;
            audit::record(
                conn,
                &caller.actor(),
                Change::new("report.create", "report", report.id).after(&report),
            )?;
            Ok(report)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/projects/{}/reports", created.project_id),
        ))
        .json(created))
}

/// A project's progress reports, by period.
#[utoipa::path(get, path = "/api/v1/projects/{id}/reports", operation_id = "reports_list", tag = "reports", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    responses(
        (status = 200, description = "the reports", body = Vec<ProgressReport>),
        (status = 403, description = "API keys read projects only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such project", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    db: web::Data<Database>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    policy::user(&caller)?;
    of_project(&db, &id, db::reports::list).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportCorrection {
    #[schema(value_type = Option<String>, pattern = r"^[0-9]{1,15}(\.[0-9]{1,2})?$")]
    pub investment_completed: Option<Money>,
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 100)]
    pub physical_progress: Option<Integer>,
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    pub summary: Option<String>,
    #[schema(max_length = 10000)]
    pub issues: Option<String>,
}

/// Corrects a returned report, which is then submitted again (the project's owner).
#[utoipa::path(patch, path = "/api/v1/reports/{id}", operation_id = "reports_correct", tag = "reports", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    request_body = ReportCorrection,
    responses(
        (status = 200, description = "corrected and submitted again", body = ProgressReport),
        (status = 403, description = "not the project's owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such report", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "only a returned report is corrected", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn correct(
    db: web::Data<Database>,
    caller: Caller,
    id: web::Path<String>,
    correction: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    policy::project_editor(&caller)?;
    let report_id: ReportId = id.parse().map_err(|_| no_such_report(&id))?;
    let correction: ReportCorrection = body::parse(correction)?;
    let report = db
        .write(move |conn| {
            let current = db::reports::find(conn, report_id)?.ok_or_else(|| no_such_report(&id))?;
            let project = find_project(conn, current.project_id)?;
            let user = policy::change_project(&caller, &project)?;
            if current.status != ReportStatus::Returned {
                return Err(AppError::Conflict(format!(
                    "the report is {}; only a returned one is corrected",
                    current.status
                )));
            }
            let figures = checked(ReportFigures {
                investment_completed: correction
                    .investment_completed
                    .unwrap_or(current.investment_completed),
                physical_progress: correction
                    .physical_progress
                    .map_or(current.physical_progress, |progress| progress.0),
                summary: correction
                    .summary
                    .unwrap_or_else(|| current.summary.clone()),
                issues: correction.issues.unwrap_or_else(|| current.issues.clone()),
            })?;
            let updated = db::reports::resubmit(conn, report_id, &figures, user.id)?
                .ok_or_else(|| AppError::Conflict("the report changed meanwhile".to_owned()))?;
            audit::record(
                conn,
                &caller.actor(),
                Change::new("report.update", "report", report_id)
                    .before(&current)
                    .after(&updated),
            )?;
            Ok(updated)
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Review {
    pub decision: Decision,
    pub comment: Option<String>,
}

/// Accepts or returns a submitted report (finance or the plan office, never its submitter).
/// Accepting updates the project's `completed_investment`, `progress_pct` and version.
#[utoipa::path(post, path = "/api/v1/reports/{id}/review", operation_id = "reports_review", tag = "reports", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    request_body = Review,
    responses(
        (status = 200, description = "reviewed", body = ProgressReport),
        (status = 403, description = "not finance or the plan office, or the submitter", body = Problem,
            content_type = "application/problem+json"),
        (status = 404, description = "no such report", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "the report is not submitted", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn review(
    db: web::Data<Database>,
    caller: Caller,
    id: web::Path<String>,
    review: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    policy::reviewer(&caller)?;
    let report_id: ReportId = id.parse().map_err(|_| no_such_report(&id))?;
    let review: Review = body::parse(review)?;
    let comment = review
        .comment
        .map(|comment| comment.trim().to_owned())
        .filter(|c| !c.is_empty());
    let report = db
        .write(move |conn| {
            let current = db::reports::find(conn, report_id)?.ok_or_else(|| no_such_report(&id))?;
            let user = policy::review(&caller, current.submitted_by)?;
            let reviewed = db::reports::review(
                conn,
                report_id,
                review.decision,
                user.id,
                comment.as_deref(),
            )?
            .ok_or_else(|| {
                AppError::Conflict(format!(
                    "the report is {}; only a submitted one is reviewed",
                    current.status
                ))
            })?;
            let actor = caller.actor();
            audit::record(
                conn,
                &actor,
                Change::new("report.review", "report", report_id)
                    .before(&current)
                    .after(&reviewed),
            )?;
            if review.decision == Decision::Accepted {
                let before = find_project(conn, current.project_id)?;
                db::reports::refresh_project_figures(conn, current.project_id)?;
                let after = find_project(conn, current.project_id)?;
                audit::record(
                    conn,
                    &actor,
                    Change::new("project.figures", "project", current.project_id)
                        .before(&before)
                        .after(&after),
                )?;
            }
            Ok::<_, AppError>(reviewed)
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}
