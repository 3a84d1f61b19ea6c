//! Reading a cell as the person who typed it meant it, and writing one so that a
//! spreadsheet shows exactly the registry's value. Messages are in Chinese: they are read
//! by the person who fills in the ledger.

use rust_decimal::Decimal;

use crate::domain::{
    Money,
    money::{MoneyError, Unit},
    report::Period,
};

/// One cell as a workbook or a CSV file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A numeric cell: spreadsheets store numbers as IEEE doubles, so this is the one float
    /// in the registry's path; it is turned into decimal text at once (see [`as_shown`]).
    Number(f64),
    /// A date cell, as year, month, day.
    Date(i32, u32, u32),
    Bool(bool),
    /// An error value (`#DIV/0!`), or a formula whose result the file did not store.
    Invalid(String),
}

/// The first characters that make a spreadsheet read text as a formula (OWASP's list).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Text as written to a cell: one that a spreadsheet would take for a formula gets a
/// leading `'`, so that it stays text (OWASP, "CSV injection").
pub fn neutralized(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// The text a cell holds, trimmed; `None` when empty. A `'` that [`neutralized`] added is
/// taken back off, and a number is written as a person would (`2021`, not `2021.0`).
pub fn text(cell: &Cell) -> Result<Option<String>, String> {
    let text = match cell {
        Cell::Empty => return Ok(None),
        Cell::Text(text) => text.trim().to_owned(),
        Cell::Number(number) => as_shown(*number)?.normalize().to_string(),
        Cell::Bool(value) => value.to_string(),
        Cell::Date(year, month, day) => format!("{year:04}-{month:02}-{day:02}"),
        Cell::Invalid(why) => return Err(why.clone()),
    };
    let text = match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest.to_owned(),
        _ => text,
    };
    Ok(Some(text).filter(|text| !text.is_empty()))
}

/// A number as a spreadsheet shows it: rounded to 15 significant digits, exactly, in
/// decimal. A cell stored as `1234.5600000000002` (after a formula or a copy) is the
/// `1234.56` the user typed. Rust's formatting of a float to a given precision is exact
/// (correctly rounded), so no arithmetic on floats happens here.
pub fn as_shown(number: f64) -> Result<Decimal, String> {
    if !number.is_finite() {
        return Err("不是有效的数字".to_owned());
    }
    let scientific = format!("{number:.14e}");
    Decimal::from_scientific(&scientific).map_err(|_| "数字超出范围".to_owned())
}

/// Digits as people type them in a Chinese ledger: full-width digits, points and commas
/// become ASCII; spaces (the ideographic one too) go.
fn ascii_number(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' | '。' => '.',
            '，' => ',',
            '－' => '-',
            '＋' => '+',
            other => other,
        })
        .collect()
}

/// Thousands separators taken out, if they separate groups of three digits.
fn without_separators(text: &str) -> Option<String> {
    let (integer, fraction) = match text.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (text, None),
    };
    if integer.contains(',') {
        let groups: Vec<&str> = integer.split(',').collect();
        let valid = !groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|group| group.len() == 3);
        if !valid {
            return None;
        }
    }
    let integer = integer.replace(',', "");
    Some(match fraction {
        Some(fraction) => format!("{integer}.{fraction}"),
        None => integer,
    })
}

fn amount_message(error: MoneyError, unit: Unit) -> String {
    match error {
        MoneyError::Malformed => format!(
            "应填写以{}为单位的金额，如 1234.50，不能为负数",
            unit.name_zh()
        ),
        MoneyError::TooManyDecimals => match unit {
            Unit::Yuan => "以元为单位时最多两位小数（到分），不会自动四舍五入".to_owned(),
            Unit::Wan => "以万元为单位时最多六位小数（到分），不会自动四舍五入".to_owned(),
        },
        MoneyError::TooLarge => "金额过大：元的整数部分最多 15 位".to_owned(),
    }
}

/// An amount in `unit`; `None` when the cell is empty. Exact or refused, never rounded.
pub fn amount(cell: &Cell, unit: Unit) -> Result<Option<Money>, String> {
    let value = match cell {
        Cell::Empty => return Ok(None),
        Cell::Number(number) => as_shown(*number)?,
        Cell::Date(..) => return Err("这里应填写金额，不是日期".to_owned()),
        Cell::Bool(_) => return Err(amount_message(MoneyError::Malformed, unit)),
        Cell::Invalid(why) => return Err(why.clone()),
        Cell::Text(text) => {
            let text = ascii_number(text.strip_prefix('\'').unwrap_or(text));
            if text.is_empty() {
                return Ok(None);
            }
            let plain = without_separators(&text)
                .filter(|plain| {
                    !plain.is_empty()
                        && plain.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                        && plain.matches('.').count() <= 1
                        && !plain.starts_with('.')
                        && !plain.ends_with('.')
                })
                .ok_or_else(|| amount_message(MoneyError::Malformed, unit))?;
            Decimal::from_str_exact(&plain)
                .map_err(|_| amount_message(MoneyError::TooLarge, unit))?
        }
    };
    Money::from_unit(value, unit)
        .map(Some)
        .map_err(|error| amount_message(error, unit))
}

/// A whole number from 0 to 100 (形象进度).
pub fn percent(cell: &Cell) -> Result<i32, String> {
    let invalid = || "应填写 0 到 100 的整数".to_owned();
    let value = match cell {
        Cell::Number(number) => as_shown(*number)?,
        Cell::Text(text) => {
            let text = ascii_number(text);
            Decimal::from_str_exact(text.trim_end_matches('%')).map_err(|_| invalid())?
        }
        _ => return Err(invalid()),
    };
    let value = value.normalize();
    if value.scale() != 0 || value < Decimal::ZERO || value > Decimal::from(100) {
        return Err(invalid());
    }
    i32::try_from(value.mantissa()).map_err(|_| invalid())
}

/// 起止年限: `2021-2025` (also with `—`, `～`, `~`, `至`, `年`); `2023-` a start only,
/// `-2025` an end only; one year alone is the start.
pub fn years(cell: &Cell) -> Result<(Option<i32>, Option<i32>), String> {
    let invalid = || "起止年限应写作 2021-2025（或只写开始年份 2021-、结束年份 -2025）".to_owned();
    let Some(text) = text(cell)? else {
        return Ok((None, None));
    };
    let text = ascii_number(&text).replace('年', "");
    let separators = ['-', '—', '–', '～', '~', '至'];
    let (start, end) = match text.split_once(|c| separators.contains(&c)) {
        Some((start, end)) => (start, end),
        None => (text.as_str(), ""),
    };
    let year = |part: &str| -> Result<Option<i32>, String> {
        if part.is_empty() {
            return Ok(None);
        }
        let digits = part.len() == 4 && part.bytes().all(|b| b.is_ascii_digit());
        if !digits {
            return Err(invalid());
        }
        part.parse().map(Some).map_err(|_| invalid())
    };
    let (start, end) = (year(start)?, year(end)?);
    if start.is_none() && end.is_none() {
        return Err(invalid());
    }
    Ok((start, end))
}

/// How a project's years are written: `2021-2025`, `2023-`, `-2025`, or nothing.
pub fn years_text(start: Option<i32>, end: Option<i32>) -> String {
    match (start, end) {
        (None, None) => String::new(),
        (start, end) => format!(
            "{}-{}",
            start.map(|year| year.to_string()).unwrap_or_default(),
            end.map(|year| year.to_string()).unwrap_or_default()
        ),
    }
}

/// A reporting month (调度 期间): `2025-06`, `2025年6月`, `2025/6`, or a date cell.
pub fn period(cell: &Cell) -> Result<Period, String> {
    let invalid = || "期间应写作 2025-06 或 2025年6月".to_owned();
    let (year, month) = match cell {
        Cell::Date(year, month, _) => (*year, *month),
        other => {
            let text = text(other)?.ok_or_else(invalid)?;
            let text = ascii_number(&text).replace('月', "");
            let (year, month) = text.split_once(['-', '/', '年', '.']).ok_or_else(invalid)?;
            (
                year.parse().map_err(|_| invalid())?,
                month.parse().map_err(|_| invalid())?,
            )
        }
    };
    Period::parse(&format!("{year:04}-{month:02}")).map_err(|_| invalid())
}

/// How an amount is written to a spreadsheet: a number when 15 significant digits hold it
/// exactly (what a spreadsheet number keeps), otherwise text. `None` for an unset amount.
pub enum AmountCell {
    Number(f64),
    Text(String),
}

pub fn amount_cell(amount: Money, unit: Unit) -> AmountCell {
    let value = amount.in_unit(unit);
    let text = match unit {
        Unit::Yuan => amount.to_string(),
        Unit::Wan => value.to_string(),
    };
    let digits = value
        .normalize()
        .mantissa()
        .unsigned_abs()
        .to_string()
        .len();
    match text.parse::<f64>() {
        // The shortest text of the double nearest a decimal of at most 15 significant
        // digits is that decimal again: the cell shows exactly this amount.
        Ok(number) if digits <= 15 => AmountCell::Number(number),
        _ => AmountCell::Text(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yuan(text: &str) -> Option<Money> {
        Some(Money::parse(text).unwrap())
    }

    #[test]
    fn a_number_is_read_as_a_spreadsheet_shows_it() {
        assert_eq!(
            amount(&Cell::Number(1234.5600000000002), Unit::Yuan),
            Ok(yuan("1234.56"))
        );
        assert_eq!(
            amount(&Cell::Number(1000.0000000000001), Unit::Yuan),
            Ok(yuan("1000"))
        );
        assert_eq!(
            amount(&Cell::Number(1200.5), Unit::Wan),
            Ok(yuan("12005000"))
        );
        assert_eq!(amount(&Cell::Number(0.000001), Unit::Wan), Ok(yuan("0.01")));
        assert!(amount(&Cell::Number(12.345), Unit::Yuan).is_err());
        assert!(amount(&Cell::Number(-1.0), Unit::Yuan).is_err());
    }

    #[test]
    fn text_amounts_may_use_full_width_digits_separators_and_spaces() {
        let read = |text: &str| amount(&Cell::Text(text.into()), Unit::Yuan);
        assert_eq!(read("１２３４５６７８"), Ok(yuan("12345678")));
        assert_eq!(read("１，０００"), Ok(yuan("1000")));
        assert_eq!(read("1,234,567.80"), Ok(yuan("1234567.80")));
        assert_eq!(read("  2,000.00  "), Ok(yuan("2000")));
        assert_eq!(read(""), Ok(None));
        for bad in ["12.345", "-100", "1,23,4", "12a", "1.2.3", "1e5", "."] {
            assert!(read(bad).is_err(), "{bad}");
        }
        assert_eq!(
            amount(&Cell::Text("1,200.123456".into()), Unit::Wan),
            Ok(yuan("12001234.56"))
        );
    }

    #[test]
    fn a_date_in_an_amount_column_is_refused() {
        assert_eq!(
            amount(&Cell::Date(2025, 6, 30), Unit::Yuan),
            Err("这里应填写金额，不是日期".to_owned())
        );
    }

    #[test]
    fn formula_like_text_is_neutralized_and_read_back() {
        for text in ["=SUM(A1)", "+1", "-2", "@cmd", "\tx", "\rx"] {
            let written = neutralized(text);
            assert!(written.starts_with('\''), "{text}");
            assert_eq!(text_of(&written), text);
        }
        assert_eq!(neutralized("人和街道"), "人和街道");
    }

    fn text_of(written: &str) -> String {
        // A tab or CR at the start is whitespace that trimming would take: keep the test
        // about the apostrophe by reading the untrimmed form.
        match written.strip_prefix('\'') {
            Some(rest) if rest.starts_with(FORMULA_STARTS) => rest.to_owned(),
            _ => written.to_owned(),
        }
    }

    #[test]
    fn years_read_in_the_ways_ledgers_write_them() {
        let read = |text: &str| years(&Cell::Text(text.into()));
        assert_eq!(read("2021-2025"), Ok((Some(2021), Some(2025))));
        assert_eq!(read("2021年—2025年"), Ok((Some(2021), Some(2025))));
        assert_eq!(read("2023-"), Ok((Some(2023), None)));
        assert_eq!(read("-2025"), Ok((None, Some(2025))));
        assert_eq!(years(&Cell::Number(2024.0)), Ok((Some(2024), None)));
        assert!(read("21-25").is_err());
        assert_eq!(years_text(Some(2021), Some(2025)), "2021-2025");
        assert_eq!(years_text(None, Some(2025)), "-2025");
    }

    #[test]
    fn amounts_are_written_as_numbers_only_when_the_number_is_exact() {
        let big = Money::parse("123456789012345.67").unwrap();
        assert!(
            matches!(amount_cell(big, Unit::Yuan), AmountCell::Text(text) if text == "123456789012345.67")
        );
        let small = Money::parse("1234.56").unwrap();
        assert!(
            matches!(amount_cell(small, Unit::Yuan), AmountCell::Number(n) if n.to_string() == "1234.56")
        );
        assert!(
            matches!(amount_cell(small, Unit::Wan), AmountCell::Number(n) if n.to_string() == "0.123456")
        );
    }
}
