//! Importing a ledger (项目台账) and monthly dispatch figures (调度) from a spreadsheet
//! (docs/SPREADSHEETS.md). Each row is one operation of its own, the same the API calls
//! (`projects::create`, `projects::update`, `reports::submit`), as the caller: a row is
//! authorized, validated and audited exactly as a request would be.
//!
//! Unlike the other operations this one manages its transactions itself, because a dry
//! run must roll every row back and still record the attempt: it takes a connection, not
//! an open transaction. Each row runs in a savepoint, so one failing row leaves the others
//! (and, on PostgreSQL, the transaction) usable; a real run commits only when no row failed.

use std::collections::HashMap;

use super::{
    projects::{self as project_ops},
    reports::{self as report_ops, Submission},
};
use crate::{
    auth::{Caller, Principal, policy},
    db::{self, DbConnection, imports::NewImport},
    domain::{
        Error, FieldError, Money, OrganizationId, PlanId, ProjectStatus,
        concurrency::IfMatch,
        fingerprint::sha256_hex,
        funding::{BySource, FundingSource, InvestmentPatch},
        import::{Action, CellError, Counts, FieldChange, ImportReport, RowReport},
        input::{Integer, Patch},
        messages,
        money::Unit,
        project::{NewProject, Project, ProjectPatch},
        report::ReportFigures,
    },
    sheets::{
        cells::{self, Cell},
        columns::Column,
        read::{self, Format, Ledger, Limits, Sheet, Unreadable},
    },
};

/// A file as uploaded.
pub struct Upload {
    pub file_name: String,
    pub format: Format,
    pub bytes: Vec<u8>,
}

/// The name of the sheet that holds monthly dispatch figures.
pub const DISPATCH_SHEET: &str = "调度";

/// A file read and checked, before anything touches the database.
pub struct Parsed {
    file_name: String,
    sha256: String,
    ledger: Option<(String, Ledger)>,
    dispatch: Option<(String, Dispatch)>,
}

/// Reads an upload into its ledger and dispatch rows; refuses what cannot be read.
pub fn parse(upload: Upload, limits: &Limits) -> Result<Parsed, Error> {
    let sha256 = sha256_hex(&upload.bytes);
    let sheets =
        read::sheets(&upload.bytes, upload.format, limits).map_err(|error| match error {
            Unreadable::NotASpreadsheet(why) => Error::UnsupportedFormat(why),
            Unreadable::TooLarge(why) => Error::TooLarge(why),
            Unreadable::Broken(why) | Unreadable::Refused(why) => Error::validation("file", why),
        })?;
    let (dispatch_sheets, ledger_sheets): (Vec<&Sheet>, Vec<&Sheet>) = sheets
        .iter()
        .partition(|sheet| sheet.name == DISPATCH_SHEET);
    let mut ledger = None;
    for sheet in ledger_sheets {
        let anchors = [Column::Name, Column::Code];
        if let Some(found) = read::ledger(sheet, &anchors, |_| true).map_err(Error::Validation)? {
            ledger = Some((sheet.name.clone(), found));
            break;
        }
    }
    let dispatch = match dispatch_sheets.first() {
        Some(sheet) => Some((sheet.name.clone(), Dispatch::find(sheet)?)),
        None => None,
    };
    if ledger.is_none() && dispatch.is_none() {
        return Err(Error::validation(
            "file",
            "没有找到项目台账：表头行应包含“项目名称”或“项目编码”（或有名为“调度”的工作表）",
        ));
    }
    let rows = ledger.as_ref().map_or(0, |(_, l)| l.rows.len())
        + dispatch.as_ref().map_or(0, |(_, d)| d.rows.len());
    if rows > limits.rows {
        return Err(Error::validation(
            "file",
            format!("文件超过 {} 行的上限，请分批导入", limits.rows),
        ));
    }
    Ok(Parsed {
        file_name: upload.file_name,
        sha256,
        ledger,
        dispatch,
    })
}

impl Parsed {
    /// How many rows the file has to import.
    pub fn rows(&self) -> usize {
        self.ledger
            .as_ref()
            .map_or(0, |(_, ledger)| ledger.rows.len())
            + self
                .dispatch
                .as_ref()
                .map_or(0, |(_, dispatch)| dispatch.rows.len())
    }
}

/// The rows of the `调度` sheet and where its columns are.
struct Dispatch {
    code: usize,
    period: usize,
    amount: (usize, Unit),
    progress: usize,
    summary: Option<usize>,
    rows: Vec<(usize, Vec<Cell>)>,
}

impl Dispatch {
    fn find(sheet: &Sheet) -> Result<Self, Error> {
        let header_of = |cells: &[Cell]| -> Vec<String> {
            cells
                .iter()
                .map(|cell| {
                    cells::text(cell)
                        .ok()
                        .flatten()
                        .map(|text| text.split_whitespace().collect::<String>())
                        .unwrap_or_default()
                })
                .collect()
        };
        let missing = || {
            Error::validation(
                DISPATCH_SHEET,
                "“调度”工作表的表头应为：项目编码、期间、完成投资（元）、形象进度（%）、说明",
            )
        };
        let position = sheet
            .rows
            .iter()
            .take(20)
            .position(|(_, cells)| header_of(cells).iter().any(|h| h == "项目编码"))
            .ok_or_else(missing)?;
        let headers = header_of(&sheet.rows[position].1);
        let find = |name: &str| headers.iter().position(|header| header == name);
        let amount = headers.iter().enumerate().find_map(|(index, header)| {
            let header = header.replace('(', "（").replace(')', "）");
            match header.as_str() {
                "完成投资" | "完成投资（元）" => Some((index, Unit::Yuan)),
                "完成投资（万元）" => Some((index, Unit::Wan)),
                _ => None,
            }
        });
        let progress = headers
            .iter()
            .position(|header| header.starts_with("形象进度"));
        let (Some(code), Some(period), Some(amount), Some(progress)) =
            (find("项目编码"), find("期间"), amount, progress)
        else {
            return Err(missing());
        };
        let rows = sheet.rows[position + 1..]
            .iter()
            .filter(|(_, cells)| {
                cells
                    .iter()
                    .any(|cell| !matches!(cells::text(cell), Ok(None)))
            })
            .cloned()
            .collect();
        Ok(Self {
            code,
            period,
            amount,
            progress,
            summary: find("说明"),
            rows,
        })
    }
}

/// What the rows of a ledger are resolved against.
struct Context {
    plan_id: PlanId,
    plan_code: String,
    /// Organization name → id, and id → name.
    organizations: HashMap<String, OrganizationId>,
    organization_names: HashMap<OrganizationId, String>,
    /// Category Chinese name or code → code; code → Chinese name.
    categories: HashMap<String, String>,
    category_names: HashMap<String, String>,
}

impl Context {
    fn load(conn: &mut DbConnection, plan_code: &str) -> Result<Self, Error> {
        let plan_id = db::plans::find_id(conn, plan_code)?
            .ok_or_else(|| Error::NotFound(format!("no plan has the code {plan_code:?}")))?;
        let organizations = db::organizations::list(conn)?;
        let categories = db::plans::categories(conn, plan_code)?.unwrap_or_default();
        Ok(Self {
            plan_id,
            plan_code: plan_code.to_owned(),
            organization_names: organizations
                .iter()
                .map(|organization| (organization.id, organization.name.clone()))
                .collect(),
            organizations: organizations
                .into_iter()
                .map(|organization| (organization.name, organization.id))
                .collect(),
            categories: categories
                .iter()
                .flat_map(|category| {
                    [
                        (category.name_zh.clone(), category.code.clone()),
                        (category.code.clone(), category.code.clone()),
                    ]
                })
                .collect(),
            category_names: categories
                .into_iter()
                .map(|category| (category.code, category.name_zh))
                .collect(),
        })
    }
}

/// Imports `parsed` into the plan `plan_code` as `caller`. A dry run tries every row and
/// rolls them all back; a real run writes all of them or, when any row fails, none
/// (`Error::ImportRejected` with the report). Both are recorded.
pub fn run(
    conn: &mut DbConnection,
    caller: &Caller,
    plan_code: &str,
    parsed: Parsed,
    dry_run: bool,
    progress: &dyn Fn(),
) -> Result<ImportReport, Error> {
    // API keys only read; a dry run is open to every signed-in user (it writes nothing).
    if !matches!(caller.principal, Principal::System) {
        policy::user(caller)?;
    }
    if !dry_run {
        policy::project_editor(caller)?;
    }
    let id = uuid::Uuid::new_v4().to_string();
    // Every change an import makes is audited under the import's id.
    let importer = Caller {
        principal: caller.principal.clone(),
        request_id: Some(format!("import:{id}")),
    };
    /// How the write transaction ends: a dry run always rolls back.
    enum End {
        RolledBack(Box<ImportReport>),
        Failed(Error),
    }
    impl From<diesel::result::Error> for End {
        fn from(error: diesel::result::Error) -> Self {
            Self::Failed(error.into())
        }
    }
    let outcome = conn.write_transaction(|conn| {
        let context = Context::load(conn, plan_code).map_err(End::Failed)?;
        let mut rows = Vec::new();
        if let Some((sheet, ledger)) = &parsed.ledger {
            for (row, cells) in &ledger.rows {
                rows.push(
                    ledger_row(conn, &importer, &context, sheet, ledger, *row, cells)
                        .map_err(End::Failed)?,
                );
                progress();
            }
        }
        if let Some((sheet, dispatch)) = &parsed.dispatch {
            for (row, cells) in &dispatch.rows {
                rows.push(
                    dispatch_row(conn, &importer, &context, sheet, dispatch, *row, cells)
                        .map_err(End::Failed)?,
                );
                progress();
            }
        }
        let report = ImportReport {
            id: id.clone(),
            dry_run,
            file_name: parsed.file_name.clone(),
            sha256: parsed.sha256.clone(),
            counts: count(&rows),
            rows,
        };
        if dry_run || report.counts.error > 0 {
            return Err(End::RolledBack(Box::new(report)));
        }
        record(conn, caller, &context, &report).map_err(End::Failed)?;
        Ok(report)
    });
    match outcome {
        Ok(report) => Ok(report),
        Err(End::Failed(error)) => Err(error),
        Err(End::RolledBack(report)) if dry_run => {
            conn.write_transaction(|conn| {
                let context = Context::load(conn, plan_code)?;
                record(conn, caller, &context, &report)
            })?;
            Ok(*report)
        }
        Err(End::RolledBack(report)) => Err(Error::ImportRejected(report)),
    }
}

fn count(rows: &[RowReport]) -> Counts {
    let mut counts = Counts::default();
    for row in rows {
        match row.action {
            Action::Create => counts.create += 1,
            Action::Update => counts.update += 1,
            Action::Unchanged => counts.unchanged += 1,
            Action::Error => counts.error += 1,
            Action::Report => counts.report += 1,
        }
    }
    counts
}

fn record(
    conn: &mut DbConnection,
    caller: &Caller,
    context: &Context,
    report: &ImportReport,
) -> Result<(), Error> {
    db::imports::insert(
        conn,
        &NewImport {
            id: &report.id,
            plan_id: context.plan_id,
            user_id: caller.user_id(),
            file_name: &report.file_name,
            sha256: &report.sha256,
            dry_run: report.dry_run,
            counts: report.counts,
        },
    )?;
    Ok(())
}

/// Runs `work` in a savepoint: a row that fails leaves nothing of itself behind.
fn in_savepoint<T>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, Error>,
) -> Result<T, Error> {
    use diesel::Connection;
    conn.transaction(work)
}

/// An operation's refusal as a row's errors, in Chinese, by column; what is no refusal
/// (the database going away) ends the import.
fn row_errors(
    error: Error,
    headers: &HashMap<&'static str, String>,
) -> Result<Vec<CellError>, Error> {
    let column_of = |field: &str| -> String {
        let column = match field {
            "name" => Some(Column::Name),
            "category" | "plan" => Some(Column::Category),
            "lead_department" => Some(Column::LeadDepartment),
            "implementing_org" => Some(Column::ImplementingOrg),
            "scale" => Some(Column::Scale),
            "location" => Some(Column::Location),
            "start_year" | "end_year" => Some(Column::Years),
            "investment" | "investment.total" => Some(Column::Total),
            "national_code" => Some(Column::NationalCode),
            "source_ref" => Some(Column::SourceRef),
            "description" => Some(Column::Description),
            "code" => Some(Column::Code),
            other => other
                .strip_prefix("investment.")
                .and_then(FundingSource::from_code)
                .map(Column::Source),
        };
        match column {
            Some(column) => headers
                .get(column.name())
                .cloned()
                .unwrap_or_else(|| column.header(Unit::Yuan)),
            None => field.to_owned(),
        }
    };
    Ok(match error {
        Error::Validation(errors) => errors
            .into_iter()
            .map(|FieldError { field, message }| {
                CellError::new(column_of(&field), messages::zh(&message))
            })
            .collect(),
        Error::Forbidden(why) | Error::Conflict(why) | Error::NotFound(why) => {
            vec![CellError::new("", messages::zh(&why))]
        }
        Error::Stale => vec![CellError::new(
            "",
            "导入期间项目被他人修改，请重新导出后再导入",
        )],
        other => return Err(other),
    })
}

/// The values a row states, column by column, parsed; errors by column.
#[derive(Default)]
struct Stated {
    code: Option<String>,
    name: Option<Option<String>>,
    category: Option<Option<String>>,
    status: Option<Option<ProjectStatus>>,
    lead_department: Option<Option<OrganizationId>>,
    implementing_org: Option<Option<OrganizationId>>,
    scale: Option<Option<String>>,
    location: Option<Option<String>>,
    years: Option<(Option<i32>, Option<i32>)>,
    total: Option<Option<Money>>,
    sources: BySource<Option<Option<Money>>>,
    national_code: Option<Option<String>>,
    source_ref: Option<Option<String>>,
    description: Option<Option<String>>,
    headers: HashMap<&'static str, String>,
}

impl Stated {
    /// The header the file gave `column` (where a row error points), or its own name.
    fn header(&self, column: Column) -> String {
        self.headers
            .get(column.name())
            .cloned()
            .unwrap_or_else(|| column.header(Unit::Yuan))
    }
}

fn state(context: &Context, ledger: &Ledger, cells: &[Cell]) -> (Stated, Vec<CellError>) {
    let mut stated = Stated::default();
    let mut errors = Vec::new();
    for placed in &ledger.columns {
        let cell = cells.get(placed.index).unwrap_or(&Cell::Empty);
        let header = placed.header.clone();
        stated.headers.insert(placed.column.name(), header.clone());
        let mut fail = |message: String| errors.push(CellError::new(header.clone(), message));
        let text = match cells::text(cell) {
            Ok(text) => text,
            Err(why) => {
                fail(why);
                continue;
            }
        };
        match placed.column {
            Column::Code => stated.code = text,
            Column::Name => stated.name = Some(text),
            Column::Category => match text {
                None => stated.category = Some(None),
                Some(name) => match context.categories.get(&name) {
                    Some(code) => stated.category = Some(Some(code.clone())),
                    None => fail(format!("规划 {} 没有类别“{name}”", context.plan_code)),
                },
            },
            Column::Status => match text {
                None => stated.status = Some(None),
                Some(name) => match ProjectStatus::from_name(&name) {
                    Some(status) => stated.status = Some(Some(status)),
                    None => fail(format!(
                        "状态“{name}”无法识别：应为储备、前期、在建、建成或退出"
                    )),
                },
            },
            Column::LeadDepartment | Column::ImplementingOrg => {
                let id = match text {
                    None => Some(None),
                    Some(name) => match context.organizations.get(&name) {
                        Some(id) => Some(Some(*id)),
                        None => {
                            fail(format!("没有名为“{name}”的单位"));
                            None
                        }
                    },
                };
                if placed.column == Column::LeadDepartment {
                    stated.lead_department = id;
                } else {
                    stated.implementing_org = id;
                }
            }
            Column::Scale => stated.scale = Some(text),
            Column::Location => stated.location = Some(text),
            Column::Years => match cells::years(cell) {
                Ok(years) => stated.years = Some(years),
                Err(why) => fail(why),
            },
            Column::Total | Column::Source(_) => match cells::amount(cell, placed.unit) {
                Ok(amount) => match placed.column {
                    Column::Total => stated.total = Some(amount),
                    Column::Source(source) => stated.sources[source] = Some(amount),
                    _ => unreachable!("an amount column"),
                },
                Err(why) => fail(why),
            },
            Column::Secured
            | Column::Gap
            | Column::Completed
            | Column::PlannedThisYear
            | Column::CompletedThisYear
            | Column::Progress => {}
            Column::NationalCode => stated.national_code = Some(text),
            Column::SourceRef => stated.source_ref = Some(text),
            Column::Description => stated.description = Some(text),
        }
    }
    (stated, errors)
}

fn report(row: usize, sheet: &str, action: Action) -> RowReport {
    RowReport {
        row,
        sheet: sheet.to_owned(),
        action,
        code: None,
        changes: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
    }
}

fn failed(mut row: RowReport, errors: Vec<CellError>) -> RowReport {
    row.action = Action::Error;
    row.errors = errors;
    row
}

/// One row of the ledger: a new project, a change to one, or nothing.
fn ledger_row(
    conn: &mut DbConnection,
    caller: &Caller,
    context: &Context,
    sheet: &str,
    ledger: &Ledger,
    row: usize,
    cells: &[Cell],
) -> Result<RowReport, Error> {
    let mut result = report(row, sheet, Action::Unchanged);
    let (stated, errors) = state(context, ledger, cells);
    result.code = stated.code.clone();
    if !errors.is_empty() {
        return Ok(failed(result, errors));
    }
    let current = match (&stated.code, &stated.national_code) {
        (Some(code), _) => match db::projects::find_by_code(conn, context.plan_id, code)? {
            Some(project) => Some(project),
            None => {
                let header = stated.header(Column::Code);
                return Ok(failed(
                    result,
                    vec![CellError::new(
                        header,
                        format!("规划中没有编码为“{code}”的项目：新项目请把项目编码留空"),
                    )],
                ));
            }
        },
        (None, Some(Some(national_code))) => {
            db::projects::find_by_national_code(conn, context.plan_id, national_code)?
        }
        (None, _) => None,
    };
    match current {
        None => create_row(conn, caller, context, result, stated),
        Some(project) => update_row(conn, caller, context, result, stated, project),
    }
}

fn create_row(
    conn: &mut DbConnection,
    caller: &Caller,
    context: &Context,
    mut result: RowReport,
    stated: Stated,
) -> Result<RowReport, Error> {
    let header = |column: Column| stated.header(column);
    let mut errors = Vec::new();
    if let Some(Some(status)) = stated.status
        && status != ProjectStatus::Reserve
    {
        errors.push(CellError::new(
            header(Column::Status),
            "新项目的状态只能是“储备”：其后的状态请在系统中按流程办理",
        ));
    }
    let mut required = |column: Column, present: bool| {
        if !present {
            errors.push(CellError::new(
                header(column),
                format!("新项目必须填写“{}”", column.name()),
            ));
        }
    };
    let name = stated.name.clone().flatten();
    let category = stated.category.clone().flatten();
    let lead_department = stated.lead_department.flatten();
    required(Column::Name, name.is_some());
    required(Column::Category, category.is_some());
    required(Column::LeadDepartment, lead_department.is_some());
    let (Some(name), Some(category), Some(lead_department), true) =
        (name, category, lead_department, errors.is_empty())
    else {
        return Ok(failed(result, errors));
    };
    if let Some(code) = db::projects::code_with_name(conn, context.plan_id, &name)? {
        result.warnings.push(CellError::new(
            header(Column::Name),
            format!("可能重复：规划中已有同名项目 {code}"),
        ));
    }
    let (start_year, end_year) = stated.years.unwrap_or_default();
    let new = NewProject {
        plan: context.plan_code.clone(),
        category,
        name,
        description: stated.description.clone().flatten().unwrap_or_default(),
        location: stated.location.clone().flatten(),
        scale: stated.scale.clone().flatten(),
        lead_department,
        implementing_org: stated.implementing_org.flatten(),
        start_year: start_year.map(Integer),
        end_year: end_year.map(Integer),
        investment: Some(InvestmentPatch {
            total: stated.total.flatten().map_or(Patch::Absent, Patch::Value),
            sources: stated
                .sources
                .map(|_, amount| amount.flatten().map_or(Patch::Absent, Patch::Value)),
        }),
        national_code: stated.national_code.clone().flatten(),
        source_ref: stated.source_ref.clone().flatten(),
        investment_by_year: None,
    };
    match in_savepoint(conn, |conn| project_ops::create(conn, caller, new)) {
        Ok(project) => {
            result.action = Action::Create;
            result.code = Some(project.code.clone());
            result.changes = differences(context, None, &project);
            Ok(result)
        }
        Err(error) => Ok(failed(result, row_errors(error, &stated.headers)?)),
    }
}

fn update_row(
    conn: &mut DbConnection,
    caller: &Caller,
    context: &Context,
    mut result: RowReport,
    stated: Stated,
    current: Project,
) -> Result<RowReport, Error> {
    result.code = Some(current.code.clone());
    if let Some(Some(status)) = stated.status
        && status != current.status
    {
        let header = stated.header(Column::Status);
        return Ok(failed(
            result,
            vec![CellError::new(
                header,
                format!(
                    "项目当前状态是“{}”：状态不能通过导入修改，请在系统中按流程办理",
                    current.status.name_zh()
                ),
            )],
        ));
    }
    // Only what differs goes into the patch: a column that repeats a value the caller may
    // not change (the lead department, say) is no attempt to change it.
    let mut patch = ProjectPatch::default();
    let differs = |stated: &Option<Option<String>>, current: &Option<String>| {
        stated
            .as_ref()
            .filter(|value| *value != current)
            .map(|value| value.clone().map_or(Patch::Null, Patch::Value))
    };
    let description = Some(current.description.clone()).filter(|d| !d.is_empty());
    if let Some(name) = differs(&stated.name, &Some(current.name.clone())) {
        patch.name = name;
    }
    if let Some(description) = differs(&stated.description, &description) {
        patch.description = description;
    }
    if let Some(scale) = differs(&stated.scale, &current.scale) {
        patch.scale = scale;
    }
    if let Some(location) = differs(&stated.location, &current.location) {
        patch.location = location;
    }
    if let Some(national_code) = differs(&stated.national_code, &current.national_code) {
        patch.national_code = national_code;
    }
    if let Some(source_ref) = differs(&stated.source_ref, &current.source_ref) {
        patch.source_ref = source_ref;
    }
    if let Some(category) = differs(&stated.category, &Some(current.category.clone())) {
        patch.category = category;
    }
    let organization = |stated: Option<Option<OrganizationId>>, current: Option<OrganizationId>| {
        stated
            .filter(|value| *value != current)
            .map(|value| value.map_or(Patch::Null, Patch::Value))
    };
    if let Some(lead) = organization(stated.lead_department, current.lead_department) {
        patch.lead_department = lead;
    }
    if let Some(implementing) = organization(stated.implementing_org, current.implementing_org) {
        patch.implementing_org = implementing;
    }
    if let Some((start, end)) = stated.years {
        let year = |stated: Option<i32>, current: Option<i32>| {
            if stated == current {
                Patch::Absent
            } else {
                stated.map(Integer).map_or(Patch::Null, Patch::Value)
            }
        };
        patch.start_year = year(start, current.start_year);
        patch.end_year = year(end, current.end_year);
    }
    let amount = |stated: Option<Option<Money>>, current: Option<Money>| match stated {
        Some(value) if value != current => value.map_or(Patch::Null, Patch::Value),
        _ => Patch::Absent,
    };
    let investment = InvestmentPatch {
        total: amount(stated.total, current.investment.total),
        sources: stated
            .sources
            .map(|source, value| amount(value, current.investment.sources[source])),
    };
    if !investment.is_empty() {
        patch.investment = Patch::Value(investment);
    }
    if patch.fields().is_empty() {
        return Ok(result);
    }
    let if_match = IfMatch::version(current.version);
    match in_savepoint(conn, |conn| {
        project_ops::update(conn, caller, current.id, &if_match, patch)
    }) {
        Ok(updated) => {
            result.action = Action::Update;
            result.changes = differences(context, Some(&current), &updated);
            Ok(result)
        }
        Err(error) => Ok(failed(result, row_errors(error, &stated.headers)?)),
    }
}

/// The ledger's columns whose values differ between `before` and `after`.
fn differences(context: &Context, before: Option<&Project>, after: &Project) -> Vec<FieldChange> {
    let names = crate::sheets::write::Names {
        organizations: context.organization_names.clone(),
        categories: context.category_names.clone(),
        this_year: chrono::Datelike::year(&db::today()),
    };
    let shown = |project: &Project, column: Column| match crate::sheets::write::value(
        column, project, &names,
    ) {
        crate::sheets::write::Value::Empty => None,
        crate::sheets::write::Value::Text(text) => Some(text),
        crate::sheets::write::Value::Amount(amount) => Some(amount.to_string()),
        crate::sheets::write::Value::Whole(number) => Some(number.to_string()),
    };
    Column::writable()
        .into_iter()
        .filter(|column| !matches!(column, Column::Code | Column::Status))
        .filter_map(|column| {
            let old = before.and_then(|project| shown(project, column));
            let new = shown(after, column);
            (old != new).then(|| FieldChange {
                field: field_name(column),
                column: column.header(Unit::Yuan),
                before: old,
                after: new,
            })
        })
        .collect()
}

/// The API's name of the field a column shows.
fn field_name(column: Column) -> String {
    match column {
        Column::Code => "code".into(),
        Column::Name => "name".into(),
        Column::Category => "category".into(),
        Column::Status => "status".into(),
        Column::LeadDepartment => "lead_department".into(),
        Column::ImplementingOrg => "implementing_org".into(),
        Column::Scale => "scale".into(),
        Column::Location => "location".into(),
        Column::Years => "start_year,end_year".into(),
        Column::Total => "investment.total".into(),
        Column::Source(source) => format!("investment.{}", source.code()),
        Column::Secured => "investment.secured".into(),
        Column::Gap => "investment.gap".into(),
        Column::Completed => "completed_investment".into(),
        Column::PlannedThisYear => "investment_by_year.planned".into(),
        Column::CompletedThisYear => "investment_by_year.completed".into(),
        Column::Progress => "progress_pct".into(),
        Column::NationalCode => "national_code".into(),
        Column::SourceRef => "source_ref".into(),
        Column::Description => "description".into(),
    }
}

/// One row of the `调度` sheet: a progress report, submitted as its project's owner would.
fn dispatch_row(
    conn: &mut DbConnection,
    caller: &Caller,
    context: &Context,
    sheet: &str,
    dispatch: &Dispatch,
    row: usize,
    cells: &[Cell],
) -> Result<RowReport, Error> {
    let mut result = report(row, sheet, Action::Report);
    let cell = |index: usize| cells.get(index).unwrap_or(&Cell::Empty);
    let mut errors = Vec::new();
    let code = match cells::text(cell(dispatch.code)) {
        Ok(Some(code)) => Some(code),
        Ok(None) => {
            errors.push(CellError::new("项目编码", "须填写项目编码"));
            None
        }
        Err(why) => {
            errors.push(CellError::new("项目编码", why));
            None
        }
    };
    result.code = code.clone();
    let period = cells::period(cell(dispatch.period))
        .map_err(|why| errors.push(CellError::new("期间", why)))
        .ok();
    let (amount_index, unit) = dispatch.amount;
    let amount_header = format!("完成投资（{}）", unit.name_zh());
    let amount = match cells::amount(cell(amount_index), unit) {
        Ok(Some(amount)) => Some(amount),
        Ok(None) => {
            errors.push(CellError::new(amount_header.clone(), "须填写完成投资"));
            None
        }
        Err(why) => {
            errors.push(CellError::new(amount_header.clone(), why));
            None
        }
    };
    let progress = cells::percent(cell(dispatch.progress))
        .map_err(|why| errors.push(CellError::new("形象进度（%）", why)))
        .ok();
    let summary = dispatch
        .summary
        .and_then(|index| cells::text(cell(index)).ok().flatten())
        .unwrap_or_default();
    let (Some(code), Some(period), Some(amount), Some(progress), true) =
        (code, period, amount, progress, errors.is_empty())
    else {
        return Ok(failed(result, errors));
    };
    let Some(project) = db::projects::find_by_code(conn, context.plan_id, &code)? else {
        return Ok(failed(
            result,
            vec![CellError::new(
                "项目编码",
                format!("规划中没有编码为“{code}”的项目"),
            )],
        ));
    };
    let submission = Submission {
        period,
        figures: ReportFigures {
            investment_completed: amount,
            physical_progress: progress,
            summary,
            issues: String::new(),
        },
    };
    match in_savepoint(conn, |conn| {
        report_ops::submit(conn, caller, project.id, submission)
    }) {
        Ok(report) => {
            result.changes = vec![FieldChange {
                field: "reports".into(),
                column: "调度".into(),
                before: None,
                after: Some(format!(
                    "{} 完成投资 {} 元，形象进度 {}%",
                    report.period, report.investment_completed, report.physical_progress
                )),
            }];
            Ok(result)
        }
        Err(error) => Ok(failed(result, row_errors(error, &HashMap::new())?)),
    }
}

/// Recorded imports (the plan office: all; others: their own), newest first.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Option<&str>,
) -> Result<Vec<db::imports::ImportRecord>, Error> {
    let user = policy::user(caller)?;
    let only = match user.role {
        crate::domain::user::Role::PlanOffice => None,
        _ => Some(user.id),
    };
    Ok(db::imports::list(conn, only, id)?)
}
