use actix_web::{HttpResponse, http::header, web};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::{body, extract::path_id, query};
use crate::{
    auth::{Caller, policy},
    db::Database,
    domain::{
        Money,
        input::Integer,
        listing::PageLimit,
        report::{Decision, Period, ProgressReport, ReportFigures},
    },
    error::{AppError, Problem},
    ops::{
        self,
        reports::{self as report_ops, Correction, Submission, Waiting},
    },
};

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
    let project_id = path_id(&id, ops::projects::not_found)?;
    let report: NewReport = body::parse(report)?;
    let period =
        Period::parse(&report.period).map_err(|why| AppError::validation("period", why))?;
    let submission = Submission {
        period,
        figures: ReportFigures {
            investment_completed: report.investment_completed,
            physical_progress: report.physical_progress.0,
            summary: report.summary,
            issues: report.issues,
        },
    };
    let created = db
        .write(move |conn| report_ops::submit(conn, &caller, project_id, submission))
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
    let project_id = path_id(&id, ops::projects::not_found)?;
    let reports = db
        .run(move |conn| report_ops::list(conn, &caller, project_id))
        .await?;
    Ok(HttpResponse::Ok().json(reports))
}

/// The review queue: reports waiting for review, oldest submission first, each with its
/// project's figures (finance and the plan office; their own reports are left out).
#[utoipa::path(get, path = "/api/v1/reports", operation_id = "reports_queue", tag = "reports", security(("bearer" = [])),
    params(("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "at most this many (default 50)")),
    responses(
        (status = 200, description = "the oldest waiting reports", body = Vec<Waiting>),
        (status = 403, description = "only finance and the plan office review", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid limit", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn queue(
    db: web::Data<Database>,
    caller: Caller,
    request: actix_web::HttpRequest,
) -> Result<HttpResponse, AppError> {
    let mut limit = PageLimit::default();
    let mut errors = query::Errors::default();
    for (name, value) in query::pairs(request.query_string(), &["limit"], &[], &mut errors) {
        limit = errors.take(&name, value.parse()).unwrap_or_default();
    }
    errors.finish()?;
    let waiting = db
        .run(move |conn| report_ops::review_queue(conn, &caller, limit))
        .await?;
    Ok(HttpResponse::Ok().json(waiting))
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
    let id = path_id(&id, report_ops::not_found)?;
    let correction: ReportCorrection = body::parse(correction)?;
    let correction = Correction {
        investment_completed: correction.investment_completed,
        physical_progress: correction.physical_progress.map(|progress| progress.0),
        summary: correction.summary,
        issues: correction.issues,
    };
    let report = db
        .write(move |conn| report_ops::correct(conn, &caller, id, correction))
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
    let id = path_id(&id, report_ops::not_found)?;
    let review: Review = body::parse(review)?;
    let review = report_ops::Review {
        decision: review.decision,
        comment: review.comment,
    };
    let report = db
        .write(move |conn| report_ops::review(conn, &caller, id, review))
        .await?;
    Ok(HttpResponse::Ok().json(report))
}
