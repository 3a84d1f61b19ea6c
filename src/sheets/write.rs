//! Writing the ledger: a project as a row of values, then `.csv` (streamed page by page)
//! or `.xlsx` (rows to a temporary file, constant memory), the finance summary beside it,
//! and the import template.

use std::collections::HashMap;

use rust_xlsxwriter::{DataValidation, Format, Formula, Workbook, Worksheet, XlsxError};

use super::{
    cells::{self, AmountCell},
    columns::Column,
};
use crate::domain::{
    Money, OrganizationId, ProjectStatus,
    funding::FundingSource,
    money::Unit,
    project::Project,
    summary::{Amounts, Summary},
};

/// What a cell of the ledger shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    Amount(Money),
    Whole(i64),
}

/// Names the ledger shows instead of ids and codes.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub organizations: HashMap<OrganizationId, String>,
    /// Category code → Chinese name.
    pub categories: HashMap<String, String>,
    /// The year the 本年 columns show (the registry's current year).
    pub this_year: i32,
}

/// The value of `column` for `project`.
pub fn value(column: Column, project: &Project, names: &Names) -> Value {
    let text = |text: Option<&str>| match text {
        Some(text) if !text.is_empty() => Value::Text(text.to_owned()),
        _ => Value::Empty,
    };
    let amount = |amount: Option<Money>| amount.map_or(Value::Empty, Value::Amount);
    let organization = |id: Option<OrganizationId>| {
        text(
            id.and_then(|id| names.organizations.get(&id))
                .map(String::as_str),
        )
    };
    match column {
        Column::Code => text(Some(&project.code)),
        Column::Name => text(Some(&project.name)),
        Column::Category => text(Some(
            names
                .categories
                .get(&project.category)
                .unwrap_or(&project.category),
        )),
        Column::Status => text(Some(project.status.name_zh())),
        Column::LeadDepartment => organization(project.lead_department),
        Column::ImplementingOrg => organization(project.implementing_org),
        Column::Scale => text(project.scale.as_deref()),
        Column::Location => text(project.location.as_deref()),
        Column::Years => text(Some(&cells::years_text(
            project.start_year,
            project.end_year,
        ))),
        Column::Total => amount(project.investment.total),
        Column::Source(source) => amount(project.investment.sources[source]),
        Column::Secured => Value::Amount(project.investment.secured),
        Column::Gap => amount(project.investment.gap),
        Column::Completed => Value::Amount(project.completed_investment),
        Column::PlannedThisYear | Column::CompletedThisYear => {
            let year = project
                .investment_by_year
                .iter()
                .find(|year| year.year == names.this_year);
            match (column, year) {
                (Column::PlannedThisYear, Some(year)) => amount(year.planned),
                (_, Some(year)) => Value::Amount(year.completed),
                // A year outside the plan's period: nothing planned or done in this plan.
                (_, None) => Value::Empty,
            }
        }
        Column::Progress => Value::Whole(i64::from(project.progress_pct)),
        Column::NationalCode => text(project.national_code.as_deref()),
        Column::SourceRef => text(project.source_ref.as_deref()),
        Column::Description => text(Some(&project.description)),
    }
}

/// A value as CSV text.
fn csv_text(value: &Value, unit: Unit) -> String {
    match value {
        Value::Empty => String::new(),
        Value::Text(text) => cells::neutralized(text).into_owned(),
        Value::Amount(amount) => match unit {
            Unit::Yuan => amount.to_string(),
            Unit::Wan => amount.in_unit(Unit::Wan).to_string(),
        },
        Value::Whole(number) => number.to_string(),
    }
}

/// CSV for Excel on Chinese Windows: UTF-8 with a byte-order mark, RFC 4180 quoting, CRLF.
pub struct CsvLedger {
    columns: Vec<Column>,
    unit: Unit,
}

impl CsvLedger {
    pub fn new(columns: Vec<Column>, unit: Unit) -> Self {
        Self { columns, unit }
    }

    fn record(&self, fields: impl IntoIterator<Item = String>) -> Vec<u8> {
        let mut writer = ::csv::WriterBuilder::new()
            .terminator(::csv::Terminator::CRLF)
            .from_writer(Vec::new());
        writer.write_record(fields).expect("writing to memory");
        writer.into_inner().expect("writing to memory")
    }

    /// The byte-order mark and the header row.
    pub fn header(&self) -> Vec<u8> {
        let mut bytes = "\u{feff}".as_bytes().to_vec();
        bytes.extend(self.record(self.columns.iter().map(|column| column.header(self.unit))));
        bytes
    }

    /// One page of projects as CSV rows.
    pub fn rows(&self, projects: &[Project], names: &Names) -> Vec<u8> {
        let mut bytes = Vec::new();
        for project in projects {
            bytes.extend(
                self.record(
                    self.columns
                        .iter()
                        .map(|column| csv_text(&value(*column, project, names), self.unit)),
                ),
            );
        }
        bytes
    }
}

fn xlsx_error(error: XlsxError) -> anyhow::Error {
    anyhow::anyhow!("writing the workbook: {error}")
}

fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_background_color("#DDEBF7")
        .set_text_wrap()
}

/// Writes `value` at (`row`, `column`) of `sheet`.
fn write_value(
    sheet: &mut Worksheet,
    row: u32,
    column: u16,
    value: &Value,
    unit: Unit,
) -> Result<(), XlsxError> {
    match value {
        Value::Empty => {}
        Value::Text(text) => {
            sheet.write_string(row, column, cells::neutralized(text))?;
        }
        Value::Amount(amount) => match cells::amount_cell(*amount, unit) {
            AmountCell::Number(number) => {
                sheet.write_number(row, column, number)?;
            }
            AmountCell::Text(text) => {
                sheet.write_string(row, column, text)?;
            }
        },
        Value::Whole(number) => {
            // At most 100 (progress): exactly representable.
            sheet.write_number(row, column, *number as f64)?;
        }
    }
    Ok(())
}

/// The ledger as a workbook, written row by row in constant memory.
pub struct XlsxLedger {
    workbook: Workbook,
    columns: Vec<Column>,
    unit: Unit,
    next_row: u32,
}

impl XlsxLedger {
    pub fn new(columns: Vec<Column>, unit: Unit) -> anyhow::Result<Self> {
        let mut workbook = Workbook::new();
        let sheet = workbook
            .add_worksheet_with_constant_memory()
            .map_err(xlsx_error)?;
        sheet.set_name("项目台账").map_err(xlsx_error)?;
        let bold = header_format();
        for (index, column) in columns.iter().enumerate() {
            let index = index as u16;
            sheet
                .write_string_with_format(0, index, column.header(unit), &bold)
                .map_err(xlsx_error)?;
            let width = match column {
                Column::Name | Column::Description => 36,
                Column::Code
                | Column::NationalCode
                | Column::LeadDepartment
                | Column::ImplementingOrg => 22,
                _ => 16,
            };
            sheet.set_column_width(index, width).map_err(xlsx_error)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
        Ok(Self {
            workbook,
            columns,
            unit,
            next_row: 1,
        })
    }

    /// Appends a page of projects.
    pub fn push(&mut self, projects: &[Project], names: &Names) -> anyhow::Result<()> {
        let sheet = self.workbook.worksheet_from_index(0).map_err(xlsx_error)?;
        for project in projects {
            for (index, column) in self.columns.iter().enumerate() {
                write_value(
                    sheet,
                    self.next_row,
                    index as u16,
                    &value(*column, project, names),
                    self.unit,
                )
                .map_err(xlsx_error)?;
            }
            self.next_row += 1;
        }
        Ok(())
    }

    /// The workbook, written to `out`, with an autofilter over the ledger and, when given,
    /// the plan's summary as a second sheet.
    pub fn finish<W>(mut self, summary: Option<&Summary>, out: W) -> anyhow::Result<()>
    where
        W: std::io::Write + std::io::Seek + Send,
    {
        let last_column = self.columns.len().saturating_sub(1) as u16;
        let last_row = self.next_row.saturating_sub(1);
        self.workbook
            .worksheet_from_index(0)
            .map_err(xlsx_error)?
            .autofilter(0, 0, last_row, last_column)
            .map_err(xlsx_error)?;
        if let Some(summary) = summary {
            let sheet = self.workbook.add_worksheet();
            summary_sheet(sheet, summary, self.unit).map_err(xlsx_error)?;
        }
        self.workbook.save_to_writer(out).map_err(xlsx_error)
    }
}

/// The plan's summary as finance files it: by category (planned count against
/// registered), by status and by funding source, each with its total.
fn summary_sheet(sheet: &mut Worksheet, summary: &Summary, unit: Unit) -> Result<(), XlsxError> {
    sheet.set_name("汇总")?;
    sheet.set_column_width(0, 32)?;
    for column in 1..8 {
        sheet.set_column_width(column, 18)?;
    }
    let bold = header_format();
    let money = |amount: Money| Value::Amount(amount);
    let mut row = 0;
    let line = |sheet: &mut Worksheet, row: &mut u32, values: Vec<Value>, header: bool| {
        for (column, value) in values.iter().enumerate() {
            match (header, value) {
                (true, Value::Text(text)) => {
                    sheet.write_string_with_format(*row, column as u16, text, &bold)?;
                }
                _ => write_value(sheet, *row, column as u16, value, unit)?,
            }
        }
        *row += 1;
        Ok::<_, XlsxError>(())
    };
    let text = |text: &str| Value::Text(text.to_owned());
    let amounts = |amounts: &Amounts| {
        vec![
            money(amounts.total),
            money(amounts.secured),
            money(amounts.gap),
            money(amounts.completed),
        ]
    };
    let unit_name = unit.name_zh();
    line(
        sheet,
        &mut row,
        vec![text(&format!("规划 {}", summary.plan.code))],
        true,
    )?;
    line(
        sheet,
        &mut row,
        vec![
            text("规划项目数"),
            Value::Whole(i64::from(summary.plan.planned_project_count)),
            text(&format!("规划总投资（{unit_name}）")),
            money(summary.plan.planned_investment),
        ],
        false,
    )?;
    row += 1;
    let money_headers = [
        format!("总投资（{unit_name}）"),
        format!("已落实（{unit_name}）"),
        format!("资金缺口（{unit_name}）"),
        format!("累计完成投资（{unit_name}）"),
    ];
    let mut header = vec![text("类别"), text("规划项目数"), text("已登记项目数")];
    header.extend(money_headers.iter().map(|h| text(h)));
    line(sheet, &mut row, header, true)?;
    for category in &summary.by_category {
        let mut values = vec![
            text(&category.name_zh),
            Value::Whole(i64::from(category.planned_count)),
            Value::Whole(category.amounts.projects),
        ];
        values.extend(amounts(&category.amounts));
        line(sheet, &mut row, values, false)?;
    }
    let registered = &summary.registered;
    let mut total = vec![
        text("合计（不含已退出）"),
        Value::Whole(i64::from(summary.plan.planned_project_count)),
        Value::Whole(registered.projects),
    ];
    total.extend([
        money(registered.total),
        money(registered.secured),
        money(registered.gap),
        money(registered.completed),
    ]);
    line(sheet, &mut row, total, true)?;
    row += 1;
    let mut header = vec![text("状态"), text("项目数")];
    header.extend(money_headers.iter().map(|h| text(h)));
    line(sheet, &mut row, header, true)?;
    for status in &summary.by_status {
        let mut values = vec![
            text(status.status.name_zh()),
            Value::Whole(status.amounts.projects),
        ];
        values.extend(amounts(&status.amounts));
        line(sheet, &mut row, values, false)?;
    }
    row += 1;
    line(
        sheet,
        &mut row,
        vec![text("资金来源"), text(&format!("金额（{unit_name}）"))],
        true,
    )?;
    for source in &summary.by_funding_source {
        let name =
            FundingSource::from_code(source.source).map_or(source.source, FundingSource::name_zh);
        line(
            sheet,
            &mut row,
            vec![text(name), money(source.amount)],
            false,
        )?;
    }
    line(
        sheet,
        &mut row,
        vec![text("合计（已落实）"), money(registered.secured)],
        true,
    )?;
    Ok(())
}

/// Lists a template's dropdowns offer.
pub struct Choices {
    pub categories: Vec<String>,
    pub lead_departments: Vec<String>,
    pub implementing_orgs: Vec<String>,
}

/// How many rows of the template carry the dropdowns.
const TEMPLATE_ROWS: u32 = 2000;

/// The import template: the columns a person fills in, dropdowns for category, status and
/// organizations, and instructions in Chinese.
pub fn template(plan_code: &str, choices: &Choices) -> anyhow::Result<Vec<u8>> {
    let mut workbook = Workbook::new();
    let columns = Column::writable();
    let lists: [(&str, Column, Vec<String>); 4] = [
        ("A", Column::Category, choices.categories.clone()),
        (
            "B",
            Column::Status,
            vec![ProjectStatus::Reserve.name_zh().to_owned()],
        ),
        (
            "C",
            Column::LeadDepartment,
            choices.lead_departments.clone(),
        ),
        (
            "D",
            Column::ImplementingOrg,
            choices.implementing_orgs.clone(),
        ),
    ];
    {
        let sheet = workbook.add_worksheet();
        sheet.set_name("项目台账").map_err(xlsx_error)?;
        let bold = header_format();
        for (index, column) in columns.iter().enumerate() {
            sheet
                .write_string_with_format(0, index as u16, column.header(Unit::Yuan), &bold)
                .map_err(xlsx_error)?;
            sheet
                .set_column_width(index as u16, 18)
                .map_err(xlsx_error)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
        for (letter, column, values) in &lists {
            let Some(index) = columns.iter().position(|c| c == column) else {
                continue;
            };
            let last = values.len().max(1) + 1;
            let validation = DataValidation::new()
                .allow_list_formula(Formula::new(format!("=选项!${letter}$2:${letter}${last}")))
                .set_error_title("请从下拉列表中选择")
                .map_err(xlsx_error)?
                .set_error_message(format!("“{}”只能填写下拉列表中的值。", column.name()))
                .map_err(xlsx_error)?;
            sheet
                .add_data_validation(1, index as u16, TEMPLATE_ROWS, index as u16, &validation)
                .map_err(xlsx_error)?;
        }
    }
    {
        let sheet = workbook.add_worksheet();
        sheet.set_name("选项").map_err(xlsx_error)?;
        for (column, (_, of, values)) in lists.iter().enumerate() {
            sheet
                .write_string(0, column as u16, of.name())
                .map_err(xlsx_error)?;
            for (row, value) in values.iter().enumerate() {
                sheet
                    .write_string(row as u32 + 1, column as u16, value)
                    .map_err(xlsx_error)?;
            }
        }
        sheet.set_hidden(true);
    }
    {
        let sheet = workbook.add_worksheet();
        sheet.set_name("填写说明").map_err(xlsx_error)?;
        sheet.set_column_width(0, 110).map_err(xlsx_error)?;
        for (row, line) in instructions(plan_code).iter().enumerate() {
            sheet
                .write_string(row as u32, 0, line)
                .map_err(xlsx_error)?;
        }
    }
    workbook.save_to_buffer().map_err(xlsx_error)
}

fn instructions(plan_code: &str) -> Vec<String> {
    let mut lines = vec![
        format!("项目台账导入模板（规划 {plan_code}）"),
        String::new(),
        "1. 在“项目台账”工作表中每行填写一个项目，第一行的列名不要修改。".to_owned(),
        "2. 新项目的“项目编码”留空，由系统分配；修改已登记的项目时填写其项目编码（或全国项目代码）。".to_owned(),
        "3. “项目名称”“类别”“牵头部门”为新项目必填项；类别、状态、部门请从下拉列表中选择。".to_owned(),
        "4. “状态”只能是“储备”：项目的前期、在建、建成、退出请在系统中按流程办理。".to_owned(),
        "5. 金额以元为单位，最多两位小数；也可以把列名改为“总投资（万元）”等，以万元填写，最多六位小数。系统不会四舍五入。".to_owned(),
        "6. 各资金来源之和不能超过总投资。“起止年限”写作 2021-2025。".to_owned(),
        "7. 留空的单元格表示清除该项；删除整列表示不修改该项。".to_owned(),
        "8. 请先“试导入”（dry run）检查每一行的结果和错误，确认无误后再正式导入；正式导入要么全部成功，要么一行都不写入。".to_owned(),
        "9. 月度调度：可另加名为“调度”的工作表，列为 项目编码、期间（如 2025-06）、完成投资（元）、形象进度（%）、说明。".to_owned(),
        String::new(),
        "各列说明：".to_owned(),
    ];
    for column in Column::writable() {
        lines.push(format!("· {}", column.header(Unit::Yuan)));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_starts_with_a_byte_order_mark_and_quotes_as_rfc_4180_says() {
        let ledger = CsvLedger::new(vec![Column::Name, Column::Total], Unit::Yuan);
        let header = ledger.header();
        assert!(header.starts_with("\u{feff}".as_bytes()));
        assert_eq!(
            String::from_utf8(header).unwrap(),
            "\u{feff}项目名称,总投资（元）\r\n"
        );
        let record = ledger.record([
            "a,\"b\"".to_owned(),
            csv_text(&Value::Text("=1+1".into()), Unit::Yuan),
        ]);
        assert_eq!(
            String::from_utf8(record).unwrap(),
            "\"a,\"\"b\"\"\",'=1+1\r\n"
        );
    }

    #[test]
    fn amounts_in_wan_are_exact_in_csv() {
        let amount = Value::Amount(Money::parse("12001234.56").unwrap());
        assert_eq!(csv_text(&amount, Unit::Wan), "1200.123456");
        assert_eq!(csv_text(&amount, Unit::Yuan), "12001234.56");
    }
}
