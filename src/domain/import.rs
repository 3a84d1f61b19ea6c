//! What an import of a ledger answers: per row, what it did or would do, the fields it
//! changes, and every error with its column and a message in Chinese.

use serde::Serialize;
use utoipa::ToSchema;

/// Rows counted by what they did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Counts {
    pub create: i32,
    pub update: i32,
    pub unchanged: i32,
    pub error: i32,
    /// Progress reports submitted from the `调度` sheet.
    pub report: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Unchanged,
    Error,
    /// A progress report submitted (a row of the `调度` sheet).
    Report,
}

/// One field a row changes, as the ledger shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldChange {
    /// The API's name of the field, e.g. `investment.total`.
    pub field: String,
    /// The ledger's header, e.g. `总投资（元）`.
    pub column: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// An error (or a warning) in one cell of a row; `column` is empty for the row as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CellError {
    pub column: String,
    pub message: String,
}

impl CellError {
    pub fn new(column: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            column: column.into(),
            message: message.into(),
        }
    }
}

/// One row of the file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowReport {
    /// The sheet's own row number (1 = first row).
    pub row: usize,
    pub sheet: String,
    pub action: Action,
    /// The project's code (for a new project, the one it gets or would get).
    pub code: Option<String>,
    pub changes: Vec<FieldChange>,
    pub errors: Vec<CellError>,
    /// What deserves a look but does not stop the row, e.g. a likely duplicate.
    pub warnings: Vec<CellError>,
}

/// The answer to an import.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    pub id: String,
    pub dry_run: bool,
    pub file_name: String,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    pub counts: Counts,
    pub rows: Vec<RowReport>,
}
