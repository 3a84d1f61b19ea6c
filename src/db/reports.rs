//! Progress reports (调度) and the project figures that accepted ones make.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{
    DbConnection, now, parse_stored,
    schema::{progress_reports, projects},
    to_utc,
};
use crate::domain::{
    Money, ProjectId, ReportId, UserId,
    report::{Decision, Period, ProgressReport, ReportFigures, ReportStatus},
};

#[derive(Queryable, Selectable)]
#[diesel(table_name = progress_reports)]
struct ReportRow {
    id: ReportId,
    project_id: ProjectId,
    period: String,
    investment_completed_fen: i64,
    physical_progress: i32,
    summary: String,
    issues: String,
    status: String,
    submitted_by: UserId,
    submitted_at: NaiveDateTime,
    reviewed_by: Option<UserId>,
    reviewed_at: Option<NaiveDateTime>,
    review_comment: Option<String>,
}

fn into_report(row: ReportRow) -> QueryResult<ProgressReport> {
    Ok(ProgressReport {
        id: row.id,
        project_id: row.project_id,
        period: row.period,
        investment_completed: Money::from_fen(row.investment_completed_fen),
        physical_progress: row.physical_progress,
        summary: row.summary,
        issues: row.issues,
        status: parse_stored(&row.status)?,
        submitted_by: row.submitted_by,
        submitted_at: to_utc(row.submitted_at),
        reviewed_by: row.reviewed_by,
        reviewed_at: row.reviewed_at.map(to_utc),
        review_comment: row.review_comment,
    })
}

pub fn find(conn: &mut DbConnection, id: ReportId) -> QueryResult<Option<ProgressReport>> {
    progress_reports::table
        .find(id)
        .select(ReportRow::as_select())
        .first(conn)
        .optional()?
        .map(into_report)
        .transpose()
}

/// A project's reports, by period.
pub fn list(conn: &mut DbConnection, project_id: ProjectId) -> QueryResult<Vec<ProgressReport>> {
    progress_reports::table
        .filter(progress_reports::project_id.eq(project_id))
        .order(progress_reports::period.asc())
        .select(ReportRow::as_select())
        .load(conn)?
        .into_iter()
        .map(into_report)
        .collect()
}

/// The reports waiting for review, oldest submission first, leaving out those `excluding`
/// submitted (nobody reviews their own).
pub fn waiting_for_review(
    conn: &mut DbConnection,
    excluding: UserId,
    limit: i64,
) -> QueryResult<Vec<ProgressReport>> {
    progress_reports::table
        .filter(progress_reports::status.eq(ReportStatus::Submitted.as_str()))
        .filter(progress_reports::submitted_by.ne(excluding))
        .order((
            progress_reports::submitted_at.asc(),
            progress_reports::id.asc(),
        ))
        .limit(limit)
        .select(ReportRow::as_select())
        .load(conn)?
        .into_iter()
        .map(into_report)
        .collect()
}

pub fn exists(
    conn: &mut DbConnection,
    project_id: ProjectId,
    period: &Period,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        progress_reports::table
            .filter(progress_reports::project_id.eq(project_id))
            .filter(progress_reports::period.eq(period.as_str()))
            .select(progress_reports::id),
    ))
    .get_result(conn)
}

pub fn insert(
    conn: &mut DbConnection,
    project_id: ProjectId,
    period: &Period,
    figures: &ReportFigures,
    submitted_by: UserId,
) -> QueryResult<ProgressReport> {
    let id = ReportId::new_random();
    diesel::insert_into(progress_reports::table)
        .values((
            progress_reports::id.eq(id),
            progress_reports::project_id.eq(project_id),
            progress_reports::period.eq(period.as_str()),
            progress_reports::investment_completed_fen.eq(figures.investment_completed.to_fen()),
            progress_reports::physical_progress.eq(figures.physical_progress),
            progress_reports::summary.eq(figures.summary.trim()),
            progress_reports::issues.eq(figures.issues.trim()),
            progress_reports::status.eq(ReportStatus::Submitted.as_str()),
            progress_reports::submitted_by.eq(submitted_by),
            progress_reports::submitted_at.eq(now()),
        ))
        .execute(conn)?;
    find(conn, id)?.ok_or(diesel::result::Error::NotFound)
}

/// Replaces the figures of a returned report and submits it again. `None`: the report is
/// not (or no longer) returned; nothing was written.
pub fn resubmit(
    conn: &mut DbConnection,
    id: ReportId,
    figures: &ReportFigures,
    submitted_by: UserId,
) -> QueryResult<Option<ProgressReport>> {
    let changed = diesel::update(
        progress_reports::table
            .filter(progress_reports::id.eq(id))
            .filter(progress_reports::status.eq(ReportStatus::Returned.as_str())),
    )
    .set((
        progress_reports::investment_completed_fen.eq(figures.investment_completed.to_fen()),
        progress_reports::physical_progress.eq(figures.physical_progress),
        progress_reports::summary.eq(figures.summary.trim()),
        progress_reports::issues.eq(figures.issues.trim()),
        progress_reports::status.eq(ReportStatus::Submitted.as_str()),
        progress_reports::submitted_by.eq(submitted_by),
        progress_reports::submitted_at.eq(now()),
        progress_reports::reviewed_by.eq(None::<String>),
        progress_reports::reviewed_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    if changed == 0 {
        Ok(None)
    } else {
        find(conn, id)
    }
}

/// Records a decision on a submitted report. `None`: it is not (or no longer) submitted.
pub fn review(
    conn: &mut DbConnection,
    id: ReportId,
    decision: Decision,
    reviewer: UserId,
    comment: Option<&str>,
) -> QueryResult<Option<ProgressReport>> {
    let status = match decision {
        Decision::Accepted => ReportStatus::Accepted,
        Decision::Returned => ReportStatus::Returned,
    };
    let changed = diesel::update(
        progress_reports::table
            .filter(progress_reports::id.eq(id))
            .filter(progress_reports::status.eq(ReportStatus::Submitted.as_str())),
    )
    .set((
        progress_reports::status.eq(status.as_str()),
        progress_reports::reviewed_by.eq(reviewer),
        progress_reports::reviewed_at.eq(now()),
        progress_reports::review_comment.eq(comment),
    ))
    .execute(conn)?;
    if changed == 0 {
        Ok(None)
    } else {
        find(conn, id)
    }
}

/// Recomputes a project's `completed_investment` (the exact sum of its accepted reports)
/// and `progress_pct` (of the accepted report with the latest period), bumping its version.
pub fn refresh_project_figures(conn: &mut DbConnection, project_id: ProjectId) -> QueryResult<()> {
    let accepted = progress_reports::table
        .filter(progress_reports::project_id.eq(project_id))
        .filter(progress_reports::status.eq(ReportStatus::Accepted.as_str()));
    let amounts: Vec<(String, i64)> = accepted
        .select((
            progress_reports::period,
            progress_reports::investment_completed_fen,
        ))
        .load(conn)?;
    let completed: i64 = amounts.iter().map(|(_, fen)| fen).sum();
    let mut by_year = std::collections::BTreeMap::<i32, i64>::new();
    for (period, fen) in &amounts {
        // A stored period is `YYYY-MM`.
        let year: i32 = super::parse_stored(period.get(..4).unwrap_or(period))?;
        *by_year.entry(year).or_default() += fen;
    }
    super::projects::write_completed_by_year(conn, project_id, &by_year)?;
    let latest: Option<i32> = accepted
        .order(progress_reports::period.desc())
        .select(progress_reports::physical_progress)
        .first(conn)
        .optional()?;
    diesel::update(projects::table.find(project_id))
        .set((
            projects::completed_investment_fen.eq(completed),
            projects::progress_pct.eq(latest.unwrap_or(0)),
            projects::version.eq(projects::version + 1),
            projects::updated_at.eq(now()),
        ))
        .execute(conn)
        .map(drop)
}
