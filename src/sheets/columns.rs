//! The ledger's columns (项目台账), one list for the export, the template and the import.

use crate::domain::{funding::FundingSource, money::Unit};

/// A column of the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Code,
    Name,
    Category,
    Status,
    LeadDepartment,
    ImplementingOrg,
    Scale,
    Location,
    Years,
    Total,
    Source(FundingSource),
    Secured,
    Gap,
    Completed,
    PlannedThisYear,
    CompletedThisYear,
    Progress,
    NationalCode,
    SourceRef,
    Description,
}

impl Column {
    /// Every column, in the ledger's order.
    pub fn all() -> Vec<Column> {
        let mut columns = vec![
            Self::Code,
            Self::Name,
            Self::Category,
            Self::Status,
            Self::LeadDepartment,
            Self::ImplementingOrg,
            Self::Scale,
            Self::Location,
            Self::Years,
            Self::Total,
        ];
        columns.extend(FundingSource::ALL.map(Self::Source));
        columns.extend([
            Self::Secured,
            Self::Gap,
            Self::Completed,
            Self::PlannedThisYear,
            Self::CompletedThisYear,
            Self::Progress,
            Self::NationalCode,
            Self::SourceRef,
            Self::Description,
        ]);
        columns
    }

    /// The columns a person fills in (the template's): the computed ones left out.
    pub fn writable() -> Vec<Column> {
        Self::all()
            .into_iter()
            .filter(|column| !column.is_computed())
            .collect()
    }

    /// The header's name, without a unit.
    pub fn name(self) -> &'static str {
        match self {
            Self::Code => "项目编码",
            Self::Name => "项目名称",
            Self::Category => "类别",
            Self::Status => "状态",
            Self::LeadDepartment => "牵头部门",
            Self::ImplementingOrg => "实施单位",
            Self::Scale => "建设规模",
            Self::Location => "建设地点",
            Self::Years => "起止年限",
            Self::Total => "总投资",
            Self::Source(source) => source.name_zh(),
            Self::Secured => "已落实",
            Self::Gap => "资金缺口",
            Self::Completed => "累计完成投资",
            Self::PlannedThisYear => "本年计划投资",
            Self::CompletedThisYear => "本年完成投资",
            Self::Progress => "形象进度",
            Self::NationalCode => "全国项目代码",
            Self::SourceRef => "规划出处",
            Self::Description => "项目简介",
        }
    }

    /// Whether the column holds an amount of money.
    pub fn is_amount(self) -> bool {
        matches!(
            self,
            Self::Total
                | Self::Source(_)
                | Self::Secured
                | Self::Gap
                | Self::Completed
                | Self::PlannedThisYear
                | Self::CompletedThisYear
        )
    }

    /// Computed by the registry: written by the export, ignored by the import. (This
    /// year's planned investment is written through the API's `investment_by_year`: a ledger
    /// row holds one year of it, which would not say which.)
    pub fn is_computed(self) -> bool {
        matches!(
            self,
            Self::Secured
                | Self::Gap
                | Self::Completed
                | Self::PlannedThisYear
                | Self::CompletedThisYear
                | Self::Progress
        )
    }

    /// The header as written: amounts carry their unit, progress its `%`.
    pub fn header(self, unit: Unit) -> String {
        if self.is_amount() {
            format!("{}（{}）", self.name(), unit.name_zh())
        } else if self == Self::Progress {
            format!("{}（%）", self.name())
        } else {
            self.name().to_owned()
        }
    }

    /// The column a header names, with the unit its amounts are in (元 when it says none).
    /// Brackets may be full- or half-width; spaces around are ignored.
    pub fn from_header(header: &str) -> Option<(Column, Unit)> {
        let header: String = header.split_whitespace().collect();
        let header = header.replace('(', "（").replace(')', "）");
        let (name, unit) = match header.split_once('（') {
            Some((name, rest)) => (name.to_owned(), Some(rest.trim_end_matches('）'))),
            None => (header.clone(), None),
        };
        let column = Self::all()
            .into_iter()
            .find(|column| column.name() == name)?;
        let unit = match (column.is_amount(), unit) {
            (true, None | Some("元")) => Unit::Yuan,
            (true, Some("万元")) => Unit::Wan,
            (false, None) => Unit::Yuan,
            (false, Some("%")) if column == Self::Progress => Unit::Yuan,
            _ => return None,
        };
        Some((column, unit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_header_reads_back_as_its_column_and_unit() {
        for unit in [Unit::Yuan, Unit::Wan] {
            for column in Column::all() {
                let (read, read_unit) = Column::from_header(&column.header(unit)).unwrap();
                assert_eq!(read, column);
                if column.is_amount() {
                    assert_eq!(read_unit, unit);
                }
            }
        }
        assert_eq!(
            Column::from_header(" 总投资 (万元) "),
            Some((Column::Total, Unit::Wan))
        );
        assert_eq!(
            Column::from_header("总投资"),
            Some((Column::Total, Unit::Yuan))
        );
        assert_eq!(Column::from_header("项目负责人"), None);
        assert_eq!(Column::from_header("总投资（亿元）"), None);
    }
}
