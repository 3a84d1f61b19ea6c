//! Spreadsheets, the county's other way in and out (docs/SPREADSHEETS.md): the ledger's
//! columns, reading cells as a person typed them, and writing `.csv` and `.xlsx`. Nothing
//! here touches the database or HTTP: `ops::exports` and `ops::imports` do, through the
//! same operations as the API.

pub mod cells;
pub mod columns;
pub mod read;
pub mod write;
