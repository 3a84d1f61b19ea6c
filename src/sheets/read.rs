//! Reading an uploaded file into sheets of cells, under bounds: the file's size, its
//! inflated size and compression ratio (a zip bomb), and the number of rows. Then finding
//! the ledger in a sheet: its header row and its rows.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};

use super::{
    cells::{self, Cell},
    columns::Column,
};
use crate::domain::{FieldError, money::Unit};

/// The media type of an `.xlsx` workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// What an upload may be at most.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The file as sent (`IMPORT_MAX_BYTES`).
    pub bytes: usize,
    /// All parts of a workbook, inflated.
    pub inflated_bytes: u64,
    /// Inflated over compressed size, checked once the inflated size passes 1 MiB.
    pub ratio: u64,
    /// Data rows (`IMPORT_MAX_ROWS`).
    pub rows: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            bytes: 10 * 1024 * 1024,
            inflated_bytes: 64 * 1024 * 1024,
            ratio: 100,
            rows: 10_000,
        }
    }
}

/// Why a file could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    /// Neither a workbook nor text.
    #[error("{0}")]
    NotASpreadsheet(String),
    /// A workbook that cannot be opened (corrupt, password-protected).
    #[error("{0}")]
    Broken(String),
    /// Over a size bound.
    #[error("{0}")]
    TooLarge(String),
    /// Over the row bound, or with no ledger in it.
    #[error("{0}")]
    Refused(String),
}

/// One sheet: its name and its rows, each with the sheet's own row number (1 = first).
#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<(usize, Vec<Cell>)>,
}

/// The format of an upload, as its media type says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv,
}

/// Reads `bytes` as `format` into sheets.
pub fn sheets(bytes: &[u8], format: Format, limits: &Limits) -> Result<Vec<Sheet>, Unreadable> {
    if bytes.len() > limits.bytes {
        return Err(Unreadable::TooLarge(format!(
            "文件超过 {} MiB 的上限",
            limits.bytes / (1024 * 1024)
        )));
    }
    let sheets = match format {
        Format::Xlsx => workbook(bytes, limits)?,
        Format::Csv => vec![csv(bytes)?],
    };
    let rows: usize = sheets.iter().map(|sheet| sheet.rows.len()).sum();
    if rows > limits.rows + sheets.len() * 20 {
        return Err(Unreadable::Refused(format!(
            "文件超过 {} 行的上限，请分批导入",
            limits.rows
        )));
    }
    Ok(sheets)
}

const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Inflates every part of the zip under the bounds (into nothing), before the reader
/// inflates it for real: declared sizes can lie, counted bytes cannot.
fn check_inflation(bytes: &[u8], limits: &Limits) -> Result<(), Unreadable> {
    let broken = |_| Unreadable::Broken("工作簿已损坏，无法打开".to_owned());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(broken)?;
    let too_large = || {
        Unreadable::TooLarge(format!(
            "工作簿解压后超过 {} MiB 或压缩比超过 {}，疑似压缩炸弹，已拒绝",
            limits.inflated_bytes / (1024 * 1024),
            limits.ratio
        ))
    };
    let mut inflated: u64 = 0;
    for index in 0..archive.len() {
        let mut part = archive.by_index(index).map_err(broken)?;
        let room = limits.inflated_bytes - inflated;
        let read = std::io::copy(&mut (&mut part).take(room + 1), &mut std::io::sink())
            .map_err(|_| Unreadable::Broken("工作簿已损坏，无法打开".to_owned()))?;
        inflated += read;
        if read > room {
            return Err(too_large());
        }
    }
    if inflated > 1024 * 1024 && inflated / (bytes.len() as u64).max(1) > limits.ratio {
        return Err(too_large());
    }
    Ok(())
}

fn workbook(bytes: &[u8], limits: &Limits) -> Result<Vec<Sheet>, Unreadable> {
    if bytes.starts_with(&CFB_MAGIC) {
        return Err(Unreadable::Broken(
            "工作簿有密码保护（或是旧的 .xls 格式）：请去掉密码并另存为 .xlsx 后再导入".to_owned(),
        ));
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(Unreadable::NotASpreadsheet(
            "文件不是 .xlsx 工作簿".to_owned(),
        ));
    }
    check_inflation(bytes, limits)?;
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(|error| match error {
        calamine::XlsxError::Password => {
            Unreadable::Broken("工作簿有密码保护：请去掉密码后再导入".to_owned())
        }
        _ => Unreadable::Broken("工作簿已损坏或不是 .xlsx 格式，无法打开".to_owned()),
    })?;
    let mut sheets = Vec::new();
    for name in workbook.sheet_names() {
        let broken = |_| Unreadable::Broken(format!("工作表“{name}”无法读取"));
        let values = workbook.worksheet_range(&name).map_err(broken)?;
        let formulas = workbook.worksheet_formula(&name).map_err(broken)?;
        let Some((first_row, first_column)) = values.start().or(formulas.start()) else {
            sheets.push(Sheet {
                name,
                rows: Vec::new(),
            });
            continue;
        };
        let (last_row, last_column) = values
            .end()
            .into_iter()
            .chain(formulas.end())
            .fold((first_row, first_column), |(r, c), (er, ec)| {
                (r.max(er), c.max(ec))
            });
        let mut rows = Vec::new();
        for row in first_row..=last_row {
            // Columns are kept from A, so that positions match the sheet's letters.
            let cells: Vec<Cell> = (0..=last_column)
                .map(|column| {
                    let value = values.get_value((row, column));
                    let formula = formulas.get_value((row, column)).filter(|f| !f.is_empty());
                    match (value, formula) {
                        (None | Some(Data::Empty), Some(_)) => Cell::Invalid(
                            "公式没有保存计算结果：请在 Excel 中打开并保存后再导入，或直接填写数值"
                                .to_owned(),
                        ),
                        (Some(value), _) => cell(value),
                        (None, None) => Cell::Empty,
                    }
                })
                .collect();
            rows.push((row as usize + 1, cells));
        }
        sheets.push(Sheet { name, rows });
    }
    Ok(sheets)
}

fn cell(value: &Data) -> Cell {
    match value {
        Data::Empty => Cell::Empty,
        Data::String(text) => Cell::Text(text.clone()),
        Data::Int(number) => Cell::Text(number.to_string()),
        Data::Float(number) => Cell::Number(*number),
        Data::Bool(value) => Cell::Bool(*value),
        Data::DateTime(moment) if moment.is_datetime() => match moment.as_datetime() {
            Some(moment) => {
                use chrono::Datelike;
                Cell::Date(moment.year(), moment.month(), moment.day())
            }
            None => Cell::Invalid("日期无法识别".to_owned()),
        },
        Data::DateTime(_) | Data::DurationIso(_) => Cell::Invalid("时长不是有效的值".to_owned()),
        Data::DateTimeIso(text) => {
            match chrono::NaiveDate::parse_from_str(&text[..text.len().min(10)], "%Y-%m-%d") {
                Ok(date) => {
                    use chrono::Datelike;
                    Cell::Date(date.year(), date.month(), date.day())
                }
                Err(_) => Cell::Invalid("日期无法识别".to_owned()),
            }
        }
        Data::Error(error) => Cell::Invalid(format!("单元格是错误值 {error}")),
    }
}

/// A CSV file: UTF-8 (with or without a byte-order mark) or, as Excel on Chinese Windows
/// saves it, GB18030.
fn csv(bytes: &[u8]) -> Result<Sheet, Unreadable> {
    let not_text =
        || Unreadable::NotASpreadsheet("文件不是 CSV 文本（应为 UTF-8 或 GBK 编码）".to_owned());
    if bytes.contains(&0) {
        return Err(not_text());
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text.strip_prefix('\u{feff}').unwrap_or(text)),
        Err(_) => encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or_else(not_text)?,
    };
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record =
            record.map_err(|_| Unreadable::Broken(format!("CSV 第 {} 行无法读取", index + 1)))?;
        let cells = record
            .iter()
            .map(|text| {
                if text.trim().is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(text.to_owned())
                }
            })
            .collect();
        rows.push((index + 1, cells));
    }
    Ok(Sheet {
        name: "CSV".to_owned(),
        rows,
    })
}

/// A column of the ledger as this sheet has it: where, and in which unit.
#[derive(Debug, Clone)]
pub struct Placed {
    pub column: Column,
    pub unit: Unit,
    pub header: String,
    pub index: usize,
}

/// A ledger found in a sheet: its columns and its non-empty data rows.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub columns: Vec<Placed>,
    pub rows: Vec<(usize, Vec<Cell>)>,
}

/// How many rows from the top are searched for the header.
const HEADER_SEARCH_ROWS: usize = 20;

/// Finds the ledger in `sheet`: the first row (of the first twenty) naming `anchors`, and
/// the rows under it that hold anything. A header the registry does not know is an error
/// naming it; columns without a header are passed over.
pub fn ledger(
    sheet: &Sheet,
    anchors: &[Column],
    known: impl Fn(Column) -> bool,
) -> Result<Option<Ledger>, Vec<FieldError>> {
    let is_header = |cells: &[Cell]| {
        cells.iter().any(|cell| {
            cells::text(cell).ok().flatten().is_some_and(|text| {
                Column::from_header(&text).is_some_and(|(column, _)| anchors.contains(&column))
            })
        })
    };
    let Some(position) = sheet
        .rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .position(|(_, cells)| is_header(cells))
    else {
        return Ok(None);
    };
    let (_, header_cells) = &sheet.rows[position];
    let mut columns = Vec::new();
    let mut errors = Vec::new();
    for (index, cell) in header_cells.iter().enumerate() {
        let Ok(Some(header)) = cells::text(cell) else {
            continue;
        };
        match Column::from_header(&header).filter(|(column, _)| known(*column)) {
            Some((column, _))
                if columns
                    .iter()
                    .any(|placed: &Placed| placed.column == column) =>
            {
                errors.push(FieldError::new(header.clone(), "这一列重复出现"))
            }
            Some((column, unit)) => columns.push(Placed {
                column,
                unit,
                header,
                index,
            }),
            None => errors.push(FieldError::new(
                header.clone(),
                format!("无法识别的列“{header}”：请使用导入模板中的列名"),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let rows = sheet.rows[position + 1..]
        .iter()
        .filter(|(_, cells)| {
            columns.iter().any(|placed| {
                !matches!(
                    cells::text(cells.get(placed.index).unwrap_or(&Cell::Empty)),
                    Ok(None)
                )
            })
        })
        .cloned()
        .collect();
    Ok(Some(Ledger { columns, rows }))
}
