//! Workbooks in and out: `jixiao import` reads the spreadsheets a budget
//! system exports (or a bureau circulates) into data files, and `jixiao
//! export` writes a data folder back to one workbook.
//!
//! Both go through the long layout ([`layout`]): one row per 三级指标, and
//! a sheet each for departments, projects and the other lists, every column
//! a field of the form's contract, found by the title the contract gives it.
//! So a form added as a template folder imports and exports without Rust.

mod export;
mod files;
mod form_layout;
mod import;
mod layout;
mod read;
mod shown;
mod yaml;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use crate::contract::Forms;
use crate::diag::Diagnostic;

pub use export::{ExportError, Exported, export};
pub use files::{Change, WriteError, Written, write_all};
pub use import::{ImportError, Imported, import, slug_of};
pub use read::{ReadError, read_workbook};

/// Why a workbook was not imported.
#[derive(Debug, thiserror::Error)]
pub enum WorkbookError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// What an import wrote, and the review rules' findings short of an error.
#[derive(Debug)]
pub struct Import {
    pub written: Vec<Written>,
    pub warnings: Vec<Diagnostic>,
}

/// Imports the workbook `file` into the data folder `out`: every data file
/// it gives, or none (see [`write_all`]). The files are checked before any
/// is written, so a workbook whose data `check` would refuse writes nothing.
pub fn import_workbook(
    file: &Path,
    forms: &Forms,
    form: Option<&str>,
    out: &Path,
    force: bool,
) -> Result<Import, WorkbookError> {
    let grids = read_workbook(file)?;
    let source = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let imported = import(&grids, forms, form, &source, out)?;
    let files: Vec<_> = imported
        .files
        .into_iter()
        .map(|(path, text)| (out.join(path), text))
        .collect();
    Ok(Import {
        written: write_all(&files, force)?,
        warnings: imported.warnings,
    })
}

/// A sheet as its cells show: each cell's text with the number format
/// applied, merged ranges filled with their first cell's text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grid {
    pub name: String,
    pub rows: Vec<Vec<String>>,
    /// Merged ranges, as they were in the workbook.
    pub merges: Vec<Span>,
    /// Where cells stand in the workbook, for a grid read from another
    /// layout ([`form_layout`]); a cell not listed stands where it is.
    pub origins: HashMap<(usize, usize), CellRef>,
    /// The date a date cell holds, `YYYY-MM-DD`, whatever format shows
    /// it: what a date field takes.
    pub dates: HashMap<(usize, usize), String>,
}

/// A rectangle of cells, 0-based and inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub first: (usize, usize),
    pub last: (usize, usize),
}

impl Grid {
    /// The text of a cell; empty outside the sheet.
    pub fn cell(&self, row: usize, col: usize) -> &str {
        self.rows
            .get(row)
            .and_then(|r| r.get(col))
            .map_or("", String::as_str)
    }

    /// The workbook's name of a cell.
    pub fn at(&self, row: usize, col: usize) -> CellRef {
        self.origins
            .get(&(row, col))
            .cloned()
            .unwrap_or_else(|| CellRef::new(&self.name, row, col))
    }

    /// The date a cell holds, where it is a date.
    pub fn date(&self, row: usize, col: usize) -> Option<&str> {
        self.dates.get(&(row, col)).map(String::as_str)
    }

    /// Copies each merged range's first cell into the rest of it, as a
    /// reader of the sheet sees it.
    pub fn fill_merges(&mut self) {
        for span in self.merges.clone() {
            let text = self.cell(span.first.0, span.first.1).to_owned();
            let date = self.date(span.first.0, span.first.1).map(str::to_owned);
            for row in span.first.0..=span.last.0 {
                for col in span.first.1..=span.last.1 {
                    self.set(row, col, text.clone());
                    if let Some(date) = &date {
                        self.dates.insert((row, col), date.clone());
                    }
                }
            }
        }
    }

    fn set_row(&mut self, row: usize, cells: Vec<String>) {
        if self.rows.len() <= row {
            self.rows.resize(row + 1, Vec::new());
        }
        self.rows[row] = cells;
    }

    fn set(&mut self, row: usize, col: usize, text: String) {
        if self.rows.len() <= row {
            self.rows.resize(row + 1, Vec::new());
        }
        let cells = &mut self.rows[row];
        if cells.len() <= col {
            cells.resize(col + 1, String::new());
        }
        cells[col] = text;
    }
}

/// A cell of a workbook, named as a spreadsheet names it: `指标!C12`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct CellRef {
    pub sheet: String,
    /// 0-based.
    pub row: usize,
    /// 0-based.
    pub col: usize,
}

impl CellRef {
    pub fn new(sheet: &str, row: usize, col: usize) -> Self {
        Self {
            sheet: sheet.to_owned(),
            row,
            col,
        }
    }
}

/// The letters of a 0-based column: 0 → A, 25 → Z, 26 → AA.
pub fn column_letters(mut col: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    letters.reverse();
    String::from_utf8_lossy(&letters).into_owned()
}

impl fmt::Display for CellRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quoted = self.sheet.contains([' ', '!', '\'']);
        if quoted {
            write!(f, "'{}'", self.sheet.replace('\'', "''"))?;
        } else {
            f.write_str(&self.sheet)?;
        }
        write!(f, "!{}{}", column_letters(self.col), self.row + 1)
    }
}

/// Something wrong with one cell (or heading) of a workbook, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub at: CellRef,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_named_as_spreadsheets_name_them() {
        assert_eq!(CellRef::new("指标", 11, 2).to_string(), "指标!C12");
        assert_eq!(CellRef::new("Sheet 1", 0, 27).to_string(), "'Sheet 1'!AB1");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn a_merged_range_reads_as_its_first_cell() {
        let mut grid = Grid {
            name: "s".into(),
            rows: vec![
                vec!["产出指标".into(), "a".into()],
                vec![String::new(), "b".into()],
            ],
            merges: vec![Span {
                first: (0, 0),
                last: (1, 0),
            }],
            ..Grid::default()
        };
        grid.fill_merges();
        assert_eq!(grid.cell(1, 0), "产出指标");
        assert_eq!(grid.cell(5, 5), "");
    }
}
